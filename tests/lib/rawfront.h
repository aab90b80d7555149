/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A raw blkif frontend for tests of block backends.  It speaks the
 * protocol by hand over the hosted Xen layer (grants, event channels,
 * xenbus), so that a test decides every key it writes and every byte of
 * every request, well-formed or not, and sees each response as it came.
 * All of it fails the test on anything unexpected.
 */
#ifndef _RAWFRONT_H_
#define _RAWFRONT_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <atf-c.h>

#include <pv/atomic.h>

#ifndef xen_mb
#define	xen_mb()	pv_mb()
#define	xen_rmb()	pv_rmb()
#define	xen_wmb()	pv_wmb()
#endif

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>
#include <xen/io/ring.h>
#include <xen/io/xenbus.h>

#include <pv/mem.h>
#include <pv/sync.h>
#include <xenpv/gnttab.h>

#define	RF_MAX_ORDER	4
#define	RF_MAX_QUEUES	4
#define	RF_TIMEOUT_MS	5000

struct rawfront;

struct rawfront_queue {
	struct rawfront		*q_rf;
	void			*q_sring;
	unsigned		 q_npages;
	grant_ref_t		 q_refs[1u << RF_MAX_ORDER];
	evtchn_port_t		 q_port;
	bool			 q_bound;
	blkif_front_ring_t	 q_ring;
	int			 q_events;	/* under rf_mtx */
};

/* What the frontend writes; zero is a one-page, one-queue ring. */
struct rawfront_opts {
	unsigned	 o_order;	/* ring-page-order, if o_multi */
	bool		 o_multi;	/* ring-page-order and ring-refN */
	bool		 o_num_pages;	/* num-ring-pages too (deprecated) */
	unsigned	 o_queues;	/* > 1: multi-queue-num-queues */
	bool		 o_persistent;	/* feature-persistent = 1 */
	const char	*o_protocol;	/* NULL: x86_64-abi */
};

struct rawfront {
	uint32_t		 rf_domid;
	uint32_t		 rf_devid;
	char			 rf_fe[96];
	char			 rf_be[96];
	struct pv_mtx		 rf_mtx;
	struct xen_grefs	 rf_grefs;
	unsigned		 rf_nqueues;
	struct rawfront_queue	 rf_q[RF_MAX_QUEUES];
};

/* Data pages, granted to the backend. */
struct rawbuf {
	uint8_t		*b_va;
	pv_pfn_t	 b_pfn;
	unsigned	 b_npages;
	grant_ref_t	*b_refs;
};

/*
 * xentest_up with arguments for xensim (NULL-terminated, or NULL): start
 * it, attach as domid, bring up event channels, grants and xenbus.
 * xentest_down undoes it.
 */
void	rawfront_up(const atf_tc_t *tc, uint32_t domid, size_t mem_pages,
	    const char *const *args);
/* xensim-ctl block-attach DOMID 'format=raw, vdev=V, access=A, target=F'. */
void	rawfront_attach(const atf_tc_t *tc, uint32_t domid, const char *vdev,
	    const char *image, const char *access);
/* Make a sparse image of that many bytes in the work directory. */
void	rawfront_image(const char *name, uint64_t size);

void	rawfront_init(struct rawfront *rf, uint32_t domid, const char *vdev);
/* Wait for the backend to reach state; returns the state it ended in. */
enum xenbus_state rawfront_wait_be(struct rawfront *rf,
	    enum xenbus_state state, unsigned timeout_ms);
/* Rings, grants, channels and keys, as opts say; no state change. */
void	rawfront_setup(struct rawfront *rf, const struct rawfront_opts *o);
/* setup, Initialised, and require the backend Connected. */
void	rawfront_connect(struct rawfront *rf, const struct rawfront_opts *o);
/*
 * Tear our side down: channels, ring grants (which must be free), and
 * the transport keys written by setup.
 */
void	rawfront_teardown(struct rawfront *rf);
/* Closing, then Closed; require the backend Closed; then teardown. */
void	rawfront_close(struct rawfront *rf);
/* A backend key as a number; fails the test if absent. */
uint64_t rawfront_be_u64(struct rawfront *rf, const char *key);
bool	rawfront_be_has(struct rawfront *rf, const char *key);

void	rawbuf_alloc(struct rawfront *rf, struct rawbuf *b, unsigned npages,
	    bool readonly);
/* End the grants, which must be free, and the pages. */
void	rawbuf_free(struct rawfront *rf, struct rawbuf *b);

/* Put one request (any bytes) on queue q and notify if the ring says. */
void	rawfront_push(struct rawfront *rf, unsigned q, const void *req);
/* The next response, or false after timeout_ms. */
bool	rawfront_next(struct rawfront *rf, unsigned q, blkif_response_t *rsp,
	    unsigned timeout_ms);
/* push, then the response, which must carry id and op; its status. */
int16_t	rawfront_do(struct rawfront *rf, unsigned q, const void *req,
	    uint64_t id, uint8_t op);
/* A direct READ/WRITE of whole pages b[first..first+n) at sector. */
int16_t	rawfront_rw(struct rawfront *rf, unsigned q, uint8_t op,
	    uint64_t sector, struct rawbuf *b, unsigned first, unsigned n);

#endif /* !_RAWFRONT_H_ */
