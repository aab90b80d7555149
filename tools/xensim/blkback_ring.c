/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The block backend's rings.  A ring's pages are granted one by one and
 * need not be contiguous guest frames, but the ring macros want one
 * stretch of memory: each granted frame is mapped from the domain's
 * memfd into a reserved range, as Xen's grant map does for a backend.
 *
 * An event from the frontend only queues its ring; at the end of each
 * round of events the loop takes the queued rings in turn and serves
 * each as Linux blkback's do_block_io_op does, with a budget so that a frontend producing
 * without end cannot hold the loop.  Requests are copied from the ring
 * once and only the copy is looked at.  A producer index more than a
 * ring ahead of what we answered is a broken frontend: its ring stops.
 * When faults are asked for, responses go through blkback_fault.c, which
 * may hold, stage, reorder or spoil them, or stop the ring on purpose.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdlib.h>

#include <pv/libkern.h>

#include "blkback.h"
#include "blkback_impl.h"
#include "domain.h"
#include "evloop.h"
#include "xensim.h"

static TAILQ_HEAD(, bb_ring)	 kickq = TAILQ_HEAD_INITIALIZER(kickq);
static unsigned			 kickq_len;

unsigned
ring_max_segs(const struct vbd *v)
{
	return (pv_max((uint32_t)BLKIF_MAX_SEGMENTS_PER_REQUEST,
	    v->v_max_indirect));
}

void
ring_kick(struct bb_ring *r)
{
	if (r->r_kicked || !r->r_live)
		return;
	r->r_kicked = true;
	TAILQ_INSERT_TAIL(&kickq, r, r_kick);
	kickq_len++;
}

/* Dom0's end of the ring's channel: may run inside a guest's hypercall. */
static void
ring_event(void *arg, uint32_t port)
{
	struct bb_ring *r = arg;

	(void)port;
	r->r_st.st_notify_rx++;
	ring_kick(r);
}

int
ring_map(struct bb_ring *r, uint32_t evtchn)
{
	struct vbd *v = r->r_vbd;
	struct domain *d = v->v_dom;
	size_t len = (size_t)r->r_npages * BB_PAGE_SIZE, max = ring_max_segs(r->r_vbd);
	uint8_t *page;
	void *va;
	unsigned i;
	int error;

	va = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
	    MAP_NORESERVE, -1, 0);
	if (va == MAP_FAILED)
		return (errno);
	r->r_va = va;
	for (i = 0; i < r->r_npages; i++) {
		page = gnttab_map(d, 0, r->r_refs[i], false, &error);
		if (page == NULL)
			return (error);
		r->r_nmapped++;
		if (mmap((uint8_t *)va + (size_t)i * BB_PAGE_SIZE,
		    BB_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED |
		    MAP_FIXED, d->d_memfd, (off_t)(page - d->d_mem)) ==
		    MAP_FAILED)
			return (errno);
	}
	/* The frontend initialised the shared part; we only attach. */
	BACK_RING_INIT(&r->r_ring, (blkif_sring_t *)va, len);
	r->r_segs = calloc(max, sizeof(*r->r_segs));
	r->r_pages = calloc(max, sizeof(*r->r_pages));
	r->r_iov = calloc(max, sizeof(*r->r_iov));
	r->r_maps = calloc(max + BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
	    sizeof(*r->r_maps));
	if (r->r_segs == NULL || r->r_pages == NULL || r->r_iov == NULL ||
	    r->r_maps == NULL)
		return (ENOMEM);
	if (v->v_persistent && (error = pgnt_init(r)) != 0)
		return (error);
	if ((error = fault_ring_init(r)) != 0)
		return (error);
	if ((error = evtchn_dom0_bind(v->v_domid, evtchn, ring_event, r,
	    &r->r_port)) != 0)
		return (error);
	r->r_bound = true;
	r->r_live = true;
	r->r_served = true;
	return (0);
}

/* Undo ring_map, however far it went. */
void
ring_unmap(struct bb_ring *r)
{
	struct domain *d = r->r_vbd->v_dom;
	unsigned i;

	if (r->r_kicked) {
		TAILQ_REMOVE(&kickq, r, r_kick);
		kickq_len--;
		r->r_kicked = false;
	}
	r->r_live = false;
	fault_ring_gone(r);
	if (r->r_bound)
		evtchn_dom0_close(r->r_port);
	r->r_bound = false;
	pgnt_put_all(r);
	pgnt_flush(r);
	free(r->r_pg);
	r->r_pg = NULL;
	for (i = 0; i < r->r_nmapped; i++)
		gnttab_unmap(d, r->r_refs[i], false);
	r->r_nmapped = 0;
	if (r->r_va != NULL)
		munmap(r->r_va, (size_t)r->r_npages * BB_PAGE_SIZE);
	r->r_va = NULL;
	free(r->r_segs);
	free(r->r_pages);
	free(r->r_iov);
	free(r->r_maps);
	r->r_segs = NULL;
	r->r_pages = NULL;
	r->r_iov = NULL;
	r->r_maps = NULL;
}

void
ring_put(struct bb_ring *r, const blkif_response_t *rsp)
{
	blkif_back_ring_t *br = &r->r_ring;

	/* Built aside: the frontend sees no half-written response. */
	memcpy(RING_GET_RESPONSE(br, br->rsp_prod_pvt), rsp, sizeof(*rsp));
	br->rsp_prod_pvt++;
	if (rsp->status != BLKIF_RSP_OKAY)
		r->r_st.st_errors++;
}

bool
ring_push(struct bb_ring *r)
{
	int notify;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&r->r_ring, notify);
	return (notify != 0);
}

void
ring_notify(struct bb_ring *r)
{
	r->r_st.st_notify_tx++;
	(void)evtchn_dom0_send(r->r_port);
}

void
ring_respond(struct bb_ring *r, uint64_t id, uint8_t op, int16_t status)
{
	blkif_response_t rsp;

	memset(&rsp, 0, sizeof(rsp));
	rsp.id = id;
	rsp.operation = op;
	rsp.status = status;
	if (blkback_conf.bc_nfaults > 0) {
		fault_respond(r, &rsp);
		return;
	}
	ring_put(r, &rsp);
	if (ring_push(r))
		ring_notify(r);
}

static void
ring_halt(struct bb_ring *r, RING_IDX prod)
{
	blkif_back_ring_t *br = &r->r_ring;

	vbd_error(r->r_vbd, EACCES, "ring %u: frontend req_prod %u is %u "
	    "ahead of our responses (%u) on a ring of %u: halting the ring",
	    r->r_idx, prod, prod - br->rsp_prod_pvt, br->rsp_prod_pvt,
	    RING_SIZE(br));
	ring_unmap(r);
}

/*
 * Whether to stop taking requests: a fault wrecked the ring or is about
 * to drop it, or the ring storms and answers nothing until it is over.
 */
static bool
ring_stopped(const struct bb_ring *r)
{
	return (r->r_wrecked || r->r_storm || r->r_vbd->v_fault_dc);
}

static void
ring_run(struct bb_ring *r)
{
	blkif_back_ring_t *br = &r->r_ring;
	blkif_request_t req;
	RING_IDX rc, rp;
	unsigned budget = 4 * RING_SIZE(br);
	int more;

	do {
		if (ring_stopped(r))
			return;
		rc = br->req_cons;
		rp = __atomic_load_n(&br->sring->req_prod, __ATOMIC_RELAXED);
		xen_rmb();	/* the requests up to rp, then rp */
		if (RING_REQUEST_PROD_OVERFLOW(br, rp)) {
			ring_halt(r, rp);
			return;
		}
		while (rc != rp && !ring_stopped(r)) {
			if (RING_REQUEST_CONS_OVERFLOW(br, rc))
				break;
			if (budget == 0) {
				/* Come back after the others had a turn. */
				fault_batch_end(r);
				ring_kick(r);
				return;
			}
			budget--;
			RING_COPY_REQUEST(br, rc, &req);
			br->req_cons = ++rc;
			bb_dispatch(r, &req);
		}
		/* Staged responses go out before we look for more. */
		fault_batch_end(r);
		if (ring_stopped(r))
			return;
		RING_FINAL_CHECK_FOR_REQUESTS(br, more);
	} while (more);
}

/* The loop's end of round; true while a ring out of budget waits. */
static bool
io_run(void)
{
	struct bb_ring *r;
	unsigned n;

	/* Only those queued now: a ring out of budget queues itself again. */
	for (n = kickq_len; n > 0 && (r = TAILQ_FIRST(&kickq)) != NULL;
	    n--) {
		TAILQ_REMOVE(&kickq, r, r_kick);
		kickq_len--;
		r->r_kicked = false;
		ring_run(r);
	}
	return (!TAILQ_EMPTY(&kickq));
}

void
bb_ring_init(void)
{
	evloop_set_round(io_run);
}

void
bb_ring_fini(void)
{
	evloop_set_round(NULL);
}
