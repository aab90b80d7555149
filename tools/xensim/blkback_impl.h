/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Internal to xensim's block backend.  A vbd is one virtual disk of one
 * domain: an image file, its xenbus state, and once connected one ring
 * per queue the frontend asked for.  Everything runs in the event loop,
 * so nothing here is locked.
 *
 *   blkback_xb.c       xenbus: probe, watches, the state machine
 *   blkback_connect.c  the frontend's transport keys; device properties
 *   blkback_ring.c     shared rings, event channels, responses
 *   blkback_io.c       requests: validation and image I/O
 *   blkback_pgnt.c     grant maps, persistent or per request
 *   blkback_fault.c    injected faults, and the timers they need
 *   blkback_conf.c     command-line options
 */
#ifndef _BLKBACK_IMPL_H_
#define _BLKBACK_IMPL_H_

#include <sys/uio.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <pv/atomic.h>
#include <pv/queue.h>

#include "blkback.h"

/* ring.h leaves its barriers to the includer since interface 0x030208. */
#define	xen_mb()	pv_mb()
#define	xen_rmb()	pv_rmb()
#define	xen_wmb()	pv_wmb()

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/blkif.h>
#include <xen/io/ring.h>

#define	BB_PAGE_SIZE		4096
#define	BB_SECTOR		512
#define	BB_SECTORS_PER_PAGE	(BB_PAGE_SIZE / BB_SECTOR)
/* Linux's XENBUS_MAX_RING_GRANT_ORDER. */
#define	BB_MAX_RING_ORDER	4
#define	BB_MAX_RING_PAGES	(1u << BB_MAX_RING_ORDER)
#define	BB_MAX_QUEUES		16
#define	BB_SEGS_PER_INDIRECT_PAGE \
	(BB_PAGE_SIZE / sizeof(struct blkif_request_segment))
#define	BB_MAX_INDIRECT_SEGS \
	(BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * BB_SEGS_PER_INDIRECT_PAGE)
/* Linux blkback's max_persistent_grants default. */
#define	BB_DEFAULT_PGRANTS	1056

struct domain;
struct vbd;

/* Per ring; summed per vbd and logged when it disconnects. */
struct bb_stats {
	uint64_t	st_rd;		/* BLKIF_OP_READ, direct or indirect */
	uint64_t	st_wr;
	uint64_t	st_barrier;
	uint64_t	st_flush;
	uint64_t	st_discard;
	uint64_t	st_discard_secure;	/* done, of st_discard */
	uint64_t	st_indirect;
	uint64_t	st_unknown;
	uint64_t	st_segs;
	uint64_t	st_rd_sect;
	uint64_t	st_wr_sect;
	uint64_t	st_errors;	/* responses other than OKAY */
	uint64_t	st_notify_rx;
	uint64_t	st_notify_tx;
	uint64_t	st_pgnt_maps;	/* grants newly kept mapped */
	uint64_t	st_pgnt_hits;	/* segments served by a kept map */
	uint64_t	st_pgnt_full;	/* maps made per request: table full */
	uint64_t	st_maps;	/* maps made for one request */
	uint64_t	st_faults;	/* injected (blkback.fault) */
};

/* A persistent grant: open addressing, only ever emptied whole. */
struct bb_pgnt {
	grant_ref_t	 pg_ref;
	void		*pg_page;	/* NULL: free slot */
};

/* A grant mapped for the length of one request. */
struct bb_map {
	grant_ref_t	 m_ref;
	bool		 m_readonly;
};

struct bb_ring {
	struct vbd		*r_vbd;
	unsigned		 r_idx;
	bool			 r_live;	/* mapped and bound */
	bool			 r_served;	/* was live: has stats */
	blkif_back_ring_t	 r_ring;
	void			*r_va;		/* the pages, contiguous here */
	unsigned		 r_npages;
	unsigned		 r_nmapped;	/* grants held on ring pages */
	grant_ref_t		 r_refs[BB_MAX_RING_PAGES];
	uint32_t		 r_port;	/* dom0's end */
	bool			 r_bound;
	bool			 r_kicked;
	TAILQ_ENTRY(bb_ring)	 r_kick;
	/* Persistent grants, when both ends offered them. */
	struct bb_pgnt		*r_pg;
	unsigned		 r_pg_cap;	/* slots, a power of two */
	unsigned		 r_pg_count;
	/* Scratch for one request. */
	struct blkif_request_segment *r_segs;
	void			**r_pages;
	struct iovec		*r_iov;
	struct bb_map		*r_maps;
	unsigned		 r_nmaps;
	struct bb_stats		 r_st;
	/*
	 * Faults.  Responses of a batch are staged when a reordering may
	 * be asked for; a ring whose indices we broke on purpose is wrecked
	 * and serves nothing more.
	 */
	uint8_t			 r_fault;	/* the request's, or BF_NONE */
	bool			 r_wrecked;
	bool			 r_owed;	/* a notification held back */
	bool			 r_rev;		/* the batch goes backwards */
	bool			 r_nonotify;	/* the batch's push is silent */
	bool			 r_overrun;	/* the batch's push overruns */
	bool			 r_dup;		/* r_dup_rsp goes out again */
	bool			 r_storm;	/* signalling, answering nothing */
	TAILQ_ENTRY(bb_ring)	 r_storm_link;
	uint64_t		 r_storm_events;
	blkif_response_t	 r_dup_rsp;
	blkif_response_t	*r_stage;
	unsigned		 r_nstage;
	unsigned		 r_stage_cap;
};

struct vbd {
	TAILQ_ENTRY(vbd)	 v_link;
	uint32_t		 v_domid;
	uint32_t		 v_devid;
	char			 v_path[96];	/* backend directory */
	char			 v_fe[96];	/* frontend directory */
	char			 v_fe_state[112];
	int			 v_fd;
	int			 v_state;	/* ours, as last written */
	bool			 v_watching;	/* the frontend's state */
	bool			 v_detaching;	/* the toolstack said Closing */
	bool			 v_readonly;
	bool			 v_cdrom;
	/* What this backend offers now: the options', until a shrink. */
	uint32_t		 v_max_indirect;
	uint32_t		 v_max_ring_order;
	uint32_t		 v_max_queues;
	/* Fixed at connect. */
	struct domain		*v_dom;
	uint64_t		 v_sectors;	/* 512-byte units */
	uint32_t		 v_ssize;	/* logical sector size */
	bool			 v_flush;	/* what we published */
	bool			 v_barrier;
	bool			 v_discard;
	uint32_t		 v_discard_gran;	/* bytes, published */
	uint32_t		 v_discard_align;
	bool			 v_persistent;	/* both ends offered it */
	unsigned		 v_nrings;
	struct bb_ring		*v_rings;
	/* Faults: responses counted, and a fault's disconnect under way. */
	uint64_t		 v_fault_seen;
	bool			 v_fault_dc;	/* rings about to be dropped */
	bool			 v_fault_hold;	/* Closed on purpose for now */
};

/* blkback_xb.c */
int	vbd_be_read(const struct vbd *v, const char *node, char *buf,
	    size_t len);
int	vbd_fe_read(const struct vbd *v, const char *node, char *buf,
	    size_t len);
void	vbd_be_write(const struct vbd *v, const char *node, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/* xenbus_dev_error: log, and leave the reason in dom0's error/ tree. */
void	vbd_error(struct vbd *v, int error, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* xenbus_dev_fatal, then disconnect and Closed. */
void	vbd_fatal(struct vbd *v, int error, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	vbd_state(struct vbd *v, int state);
/* The guest's bytes go into our log: nothing there may pass for a line. */
void	vbd_printable(char *s);
/* A fault's pause after Closed is over; false: the frontend lags, retry. */
bool	vbd_fault_resume(struct vbd *v);

/* blkback_connect.c */
int	vbd_connect(struct vbd *v);
/*
 * blkback.skip-initwait: the device's properties and Connected before
 * the frontend has rings; vbd_connect maps them when they come.
 */
int	vbd_connect_early(struct vbd *v);
void	vbd_disconnect(struct vbd *v);

/* blkback_ring.c */
void	bb_ring_init(void);
void	bb_ring_fini(void);
/* Every request a ring took, whatever its operation. */
uint64_t bb_stats_requests(const struct bb_stats *s);
int	ring_map(struct bb_ring *r, uint32_t evtchn);
void	ring_unmap(struct bb_ring *r);
void	ring_kick(struct bb_ring *r);
void	ring_respond(struct bb_ring *r, uint64_t id, uint8_t op,
	    int16_t status);
/* Write a response at rsp_prod_pvt; ring_push makes it visible. */
void	ring_put(struct bb_ring *r, const blkif_response_t *rsp);
/* Push what was put; true when the frontend asked for an event. */
bool	ring_push(struct bb_ring *r);
void	ring_notify(struct bb_ring *r);
/* Segments a request may carry on this device. */
unsigned ring_max_segs(const struct vbd *v);

/* blkback_io.c */
void	bb_dispatch(struct bb_ring *r, const blkif_request_t *req);

/* blkback_fault.c */
const char *bb_fault_name(enum bb_fault f);
int	fault_init(void);
void	fault_fini(void);
int	fault_ring_init(struct bb_ring *r);
/* The fault, if any, for the next request; op is the data operation. */
enum bb_fault fault_pick(struct bb_ring *r, uint8_t op);
/* Answer through the faults: r->r_fault applies to this response. */
void	fault_respond(struct bb_ring *r, blkif_response_t *rsp);
/* The end of a batch of requests: push what is staged. */
void	fault_batch_end(struct bb_ring *r);
/* Forget every response, notification or pause of a ring or vbd. */
void	fault_ring_gone(struct bb_ring *r);
void	fault_vbd_gone(struct vbd *v);

/* blkback_pgnt.c */
int	pgnt_init(struct bb_ring *r);
/* The page behind gref; guest_write when the backend writes into it. */
void	*pgnt_map(struct bb_ring *r, grant_ref_t gref, bool guest_write);
/* A map for this request only, never kept: indirect pages. */
void	*pgnt_map_once(struct bb_ring *r, grant_ref_t gref, bool readonly);
/* Release the maps made for one request; kept maps stay. */
void	 pgnt_put_all(struct bb_ring *r);
/* Release every kept map. */
void	 pgnt_flush(struct bb_ring *r);

#endif /* !_BLKBACK_IMPL_H_ */
