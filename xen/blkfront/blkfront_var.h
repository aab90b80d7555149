/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * blkfront's private state, shared by its xenbus half (blkfront.c) and
 * its ring half (blkfront_ring.c).
 */
#ifndef _BLKFRONT_VAR_H_
#define _BLKFRONT_VAR_H_

#include <stdbool.h>
#include <stdint.h>

#include <pv/atomic.h>

/* ring.h wants the guest's barriers by these names. */
#define	xen_mb()	pv_mb()
#define	xen_rmb()	pv_rmb()
#define	xen_wmb()	pv_wmb()

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/io/blkif.h>
#include <xen/io/ring.h>
#include <xen/io/xenbus.h>

#include <pv/blk.h>
#include <pv/callout.h>
#include <pv/dma.h>
#include <pv/sync.h>
#include <pv/sysctl.h>
#include <xenpv/gnttab.h>
#include <xenpv/suspend.h>
#include <xenpv/xenbus.h>

#define	XBD_MAX_RING_ORDER	5	/* 32 pages: the tunable's ceiling */
#define	XBD_MAX_RING_PAGES	(1u << XBD_MAX_RING_ORDER)
#define	XBD_MAX_QUEUES		8
/*
 * Two indirect pages (2 MiB requests), not the protocol's eight: every
 * command carries arrays this long, and with a 16-page ring 4096 would
 * cost 12 MiB of a small guest's heap for requests no backend takes
 * (Linux blkback offers 256).
 */
#define	XBD_MAX_INDIRECT_PAGES	2
#define	XBD_MAX_INDIRECT_SEGS	(XBD_MAX_INDIRECT_PAGES * \
				    XBD_SEGS_PER_INDIRECT_PAGE)
#define	XBD_SEGS_PER_INDIRECT_PAGE \
				(PV_PAGE_SIZE / sizeof(struct blkif_request_segment))

/* Linux blkback's default max_persistent_grants, per ring. */
#define	XBD_MAX_PGNT		1056

struct xbd_softc;

/* A page granted once and kept: persistent grants (blkif.h note 8). */
struct xbd_pgnt {
	void		*p_va;		/* NULL: purged, backed again on use */
	grant_ref_t	 p_ref;
	uint64_t	 p_used_ns;	/* when last given back */
};

struct xbd_ring {
	struct xbd_softc	*r_sc;
	unsigned		 r_qid;
	blkif_front_ring_t	 r_fr;
	void			*r_sring;
	unsigned		 r_npages;
	grant_ref_t		 r_refs[XBD_MAX_RING_PAGES];
	struct xen_grefs	 r_grefs;
	evtchn_port_t		 r_port;
	bool			 r_bound;
	struct xbd_pgnt		*r_pg;		/* the pool, grown on demand */
	uint16_t		*r_pg_free;	/* stack of free pool indices */
	unsigned		 r_npg;
	unsigned		 r_nfree;
	struct xen_grefs	 r_pg_grefs;
	/* Counters, under dev.xbd.NAME.qN. */
	uint64_t		 r_requests;
	uint64_t		 r_responses;
	uint64_t		 r_kicks;	/* notifications sent */
	uint64_t		 r_intrs;	/* received */
	uint64_t		 r_max_depth;	/* the deepest fill */
	uint64_t		 r_spurious;	/* events with no response */
	uint64_t		 r_storms;	/* times masked for a storm */
	uint64_t		 r_polls;	/* looked at while masked */
	/* The event storm defence, blkfront_storm.c; under the disk lock. */
	struct pv_callout	 r_poll_co;	/* polls while masked */
	uint64_t		 r_resp_seen;	/* r_responses at the last look */
	uint64_t		 r_run_start;	/* the run's first event */
	uint64_t		 r_poll_ns;	/* the next poll's delay */
	uint64_t		 r_progress;	/* a response, or idle, then */
	unsigned		 r_run;		/* spurious events in a row */
	bool			 r_polling;	/* masked for a storm */
	bool			 r_poll_stop;	/* going down: poll no more */
	bool			 r_storm_logged;
};

/* blkfront's half of a block layer command, by slot. */
struct xbd_cmd {
	bool			 x_inflight;
	struct xbd_ring		*x_ring;
	uint8_t			 x_op;		/* BLKIF_OP_* to answer */
	struct xen_grefs	 x_grefs;
	grant_ref_t		 x_data_refs[XBD_MAX_INDIRECT_SEGS];
	unsigned		 x_nrefs;
	void			*x_ind;		/* indirect segment pages */
	grant_ref_t		 x_ind_refs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	unsigned		 x_nind;
	struct pv_dma		 x_dma;		/* the data, shared */
	/* Pool indices: the data pages, then the indirect pages. */
	uint16_t		 x_pg[XBD_MAX_INDIRECT_SEGS +
				    BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	unsigned		 x_npg;
	unsigned		 x_npg_data;
};

enum xbd_conn { XBD_DISCONNECTED, XBD_CONNECTING, XBD_CONNECTED,
    XBD_CLOSING, XBD_FAILED };

struct xbd_softc {
	struct pv_mtx		 sc_mtx;	/* handshake state */
	char			 sc_node[128];	/* frontend directory */
	char			 sc_backend[128];
	char			 sc_name[16];	/* "xvdb" */
	domid_t			 sc_backend_id;
	uint32_t		 sc_devid;
	enum xbd_conn		 sc_conn;
	int			 sc_error;	/* why, when failed */
	unsigned		 sc_users;
	bool			 sc_close_deferred;
	bool			 sc_trusted;
	struct xenbus_watch	 sc_watch;
	char			 sc_watch_path[160];
	char			 sc_rnode[64];	/* as attached: relative or not */
	struct xen_suspend_hook	 sc_susp;
	bool			 sc_domain_gone; /* no closing old ports */
	/* Negotiated. */
	unsigned		 sc_ring_order;
	unsigned		 sc_pub_nrings;	/* as last published; 0: never */
	unsigned		 sc_pub_order;
	unsigned		 sc_nrings;
	struct xbd_ring		 sc_rings[XBD_MAX_QUEUES];
	unsigned		 sc_max_segs;	/* per request */
	bool			 sc_indirect;
	bool			 sc_persistent;	/* both sides agreed */
	uint32_t		 sc_features;	/* PV_DISK_* */
	struct pv_disk_info	 sc_info;
	struct xbd_cmd		*sc_cmds;
	unsigned		 sc_ncmds;
	struct pv_blk		*sc_blk;
	struct xen_gnttab_waiter sc_gnt_wait;
	bool			 sc_pgnt_wait;	/* frozen for pool pages */
	/* Purging idle persistent grants, blkfront_purge.c. */
	struct pv_callout	 sc_purge_co;
	bool			 sc_purge_armed;
	bool			 sc_purge_stop;
	/* Counters and the values tools read. */
	struct pv_ctl		*sc_ctl;
	unsigned		 sc_nqctl;	/* rings with counters */
	uint64_t		 sc_c_ring_pages, sc_c_max_requests;
	uint64_t		 sc_c_max_segs, sc_c_max_bytes, sc_c_queues;
	uint64_t		 sc_c_kicks, sc_c_intrs, sc_c_responses;
	uint64_t		 sc_c_bounced, sc_c_indirect;
	uint64_t		 sc_c_trusted;	/* the toolstack's trusted key */
	uint64_t		 sc_c_pgnt;		/* pool pages, all rings */
	uint64_t		 sc_c_pgnt_waits;
	uint64_t		 sc_c_pgnt_purged;
	uint64_t		 sc_c_spurious, sc_c_storms, sc_c_polls;
	char			 sc_c_features[96];
};

/* blkfront.c */
void	xbd_set_conn(struct xbd_softc *sc, enum xbd_conn conn, int error);
void	xbd_disconnect(struct xbd_softc *sc, bool requeue);
void	xbd_backend_changed(struct xenbus_watch *w, const char *path);
int	xbd_find_backend(struct xbd_softc *sc);
void	xbd_set_node(struct xbd_softc *sc);

/* blkfront_suspend.c */
void	xbd_suspend_hook(struct xbd_softc *sc, bool on);

/* blkfront_ring.c */
int	xbd_rings_alloc(struct xbd_softc *sc);
void	xbd_rings_unbind(struct xbd_softc *sc);
void	xbd_rings_free(struct xbd_softc *sc);
int	xbd_rings_publish(struct xbd_softc *sc, xenbus_txn_t t);
int	xbd_cmds_alloc(struct xbd_softc *sc, unsigned ncmds);
bool	xbd_want_persistent(void);
void	xbd_cmds_free(struct xbd_softc *sc);
int	xbd_pgnt_get(struct xbd_softc *sc, struct xbd_ring *r);
void	xbd_pgnt_put(struct xbd_ring *r, struct xbd_cmd *x);

/* blkfront_io.c */
bool	xbd_cmd_end_grants(struct xbd_cmd *x);
void	xbd_intr(void *arg);
void	xbd_ring_reap(struct xbd_softc *sc, struct xbd_ring *r);
extern const struct pv_blk_ops xbd_blk_ops;

/* blkfront_ctl.c: the counters, once connected. */
void	xbd_features_string(struct xbd_softc *sc);
void	xbd_counters(struct xbd_softc *sc);
void	xbd_queue_counters(struct xbd_softc *sc);

/* blkfront_purge.c */
void	xbd_purge_tunables(void);
void	xbd_purge_start(struct xbd_softc *sc);
void	xbd_purge_stop(struct xbd_softc *sc);

/* blkfront_storm.c */
void	xbd_storm_tunables(void);
void	xbd_storm_counters(struct pv_ctl *disk, struct pv_ctl *queue,
	    struct xbd_softc *sc, struct xbd_ring *r);
void	xbd_storm_init(struct xbd_ring *r);
/* After an event was handled, disk locked. */
void	xbd_storm_event(struct xbd_softc *sc, struct xbd_ring *r);
/* No more polls; waits out a running one.  Disk unlocked. */
void	xbd_storm_stop(struct xbd_softc *sc);

#endif /* !_BLKFRONT_VAR_H_ */
