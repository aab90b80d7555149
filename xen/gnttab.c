/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Grant tables, version 1.  The table starts at one frame and grows a
 * frame at a time, up to what GNTTABOP_query_size allows, by giving the
 * hypervisor a page through XENMEM_add_to_physmap as an HVM guest does.
 * The first GNTTAB_NR_RESERVED_ENTRIES references belong to the toolstack
 * and are never handed out.
 */
#include <errno.h>
#include <stdint.h>

#include <xen/memory.h>

#include <pv/atomic.h>
#include <pv/console.h>
#include <pv/sync.h>
#include <pv/taskq.h>
#include <xenpv/gnttab.h>
#include <xenpv/hypervisor.h>

#define	PER_FRAME	(PV_PAGE_SIZE / sizeof(grant_entry_v1_t))
#define	MAX_FRAMES	64

static struct pv_mtx		 gnt_mtx;
static grant_entry_v1_t		*gnt_frame[MAX_FRAMES];
static pv_pfn_t			 gnt_pfn[MAX_FRAMES];
static unsigned			 gnt_frames, gnt_max_frames;
static grant_ref_t		*gnt_free;	/* stack of free references */
static unsigned			 gnt_nfree;
static TAILQ_HEAD(, xen_gnttab_waiter) gnt_waiters =
    TAILQ_HEAD_INITIALIZER(gnt_waiters);
static struct pv_taskq		*gnt_tq;
static struct pv_task		 gnt_task;

static grant_entry_v1_t *
gnt_entry(grant_ref_t ref)
{
	return (&gnt_frame[ref / PER_FRAME][ref % PER_FRAME]);
}

/* Add a frame; called with gnt_mtx held. */
static int
gnt_grow(void)
{
	struct xen_add_to_physmap ap = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_grant_table,
	};
	grant_ref_t *nfree, ref, first;
	pv_pfn_t pfn;
	void *va;
	long rc;

	if (gnt_frames >= gnt_max_frames)
		return (ENOSPC);
	if ((va = pv_page_alloc(PV_M_NOWAIT | PV_M_ZERO, &pfn)) == NULL)
		return (ENOMEM);
	nfree = pv_malloc((gnt_frames + 1) * PER_FRAME * sizeof(*nfree),
	    PV_M_NOWAIT);
	if (nfree == NULL) {
		pv_page_free(va);
		return (ENOMEM);
	}
	ap.idx = gnt_frames;
	ap.gpfn = pfn;
	if ((rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &ap)) != 0) {
		pv_free(nfree);
		pv_page_free(va);
		return ((int)-rc);
	}
	if (gnt_free != NULL) {
		__builtin_memcpy(nfree, gnt_free, gnt_nfree * sizeof(*nfree));
		pv_free(gnt_free);
	}
	gnt_free = nfree;
	gnt_frame[gnt_frames] = va;
	gnt_pfn[gnt_frames] = pfn;
	first = gnt_frames == 0 ? GNTTAB_NR_RESERVED_ENTRIES : 0;
	for (ref = gnt_frames * PER_FRAME + PER_FRAME; ref-- >
	    gnt_frames * PER_FRAME + first;)
		gnt_free[gnt_nfree++] = ref;
	gnt_frames++;
	return (0);
}

static void
gnt_wake(void *arg, int pending)
{
	struct xen_gnttab_waiter *w;
	void (*fn)(void *);
	void *fnarg;

	(void)arg;
	(void)pending;
	pv_mtx_lock(&gnt_mtx);
	while ((w = TAILQ_FIRST(&gnt_waiters)) != NULL &&
	    w->w_count <= gnt_nfree) {
		TAILQ_REMOVE(&gnt_waiters, w, w_link);
		w->w_queued = false;
		fn = w->w_fn;
		fnarg = w->w_arg;
		pv_mtx_unlock(&gnt_mtx);
		fn(fnarg);
		pv_mtx_lock(&gnt_mtx);
	}
	pv_mtx_unlock(&gnt_mtx);
}

int
xen_gnttab_init(void)
{
	struct gnttab_query_size qs = { .dom = DOMID_SELF };
	long rc;
	int error;

	if ((rc = HYPERVISOR_grant_table_op(GNTTABOP_query_size, &qs, 1)) !=
	    0)
		return ((int)-rc);
	if (qs.status != GNTST_okay || qs.max_nr_frames == 0) {
		pv_log(PV_LOG_ERR, "gnttab", "query_size: status %d, "
		    "max_nr_frames %u", qs.status, qs.max_nr_frames);
		return (ENXIO);
	}
	pv_mtx_init(&gnt_mtx, "gnttab");
	gnt_max_frames = qs.max_nr_frames < MAX_FRAMES ? qs.max_nr_frames :
	    MAX_FRAMES;
	gnt_frames = gnt_nfree = 0;
	PV_TASK_INIT(&gnt_task, gnt_wake, NULL);
	if ((error = pv_taskq_create(&gnt_tq, "gnttab")) != 0)
		goto fail;
	pv_mtx_lock(&gnt_mtx);
	error = gnt_grow();
	pv_mtx_unlock(&gnt_mtx);
	if (error != 0)
		goto fail_tq;
	return (0);
fail_tq:
	pv_taskq_free(gnt_tq);
fail:
	pv_mtx_destroy(&gnt_mtx);
	return (error);
}

void
xen_gnttab_fini(void)
{
	unsigned i;

	pv_taskq_free(gnt_tq);
	/* The hypervisor keeps its frames; their pages stay ours to free. */
	for (i = 0; i < gnt_frames; i++)
		pv_page_free(gnt_frame[i]);
	pv_free(gnt_free);
	gnt_free = NULL;
	gnt_frames = gnt_nfree = 0;
	pv_mtx_destroy(&gnt_mtx);
}

/*
 * A new domain's table is empty and unmapped: put its frames where ours
 * were.  Every reference we had is void; their holders end them as they
 * let go, and an empty entry ends at once.
 */
int
xen_gnttab_resume(void)
{
	struct xen_add_to_physmap ap = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_grant_table,
	};
	unsigned i;
	long rc;

	pv_mtx_lock(&gnt_mtx);
	for (i = 0; i < gnt_frames; i++) {
		ap.idx = i;
		ap.gpfn = gnt_pfn[i];
		if ((rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &ap)) !=
		    0) {
			pv_mtx_unlock(&gnt_mtx);
			pv_log(PV_LOG_ERR, "gnttab", "frame %u after resume: "
			    "error %ld", i, rc);
			return ((int)-rc);
		}
	}
	pv_mtx_unlock(&gnt_mtx);
	return (0);
}

int
xen_gnttab_reserve(struct xen_grefs *g, unsigned count)
{
	grant_ref_t *refs;
	int error = 0;

	pv_mtx_lock(&gnt_mtx);
	while (gnt_nfree < count && error == 0)
		error = gnt_grow();
	if (gnt_nfree < count) {
		pv_mtx_unlock(&gnt_mtx);
		return (ENOSPC);
	}
	/* Room for every reference the group owns: claimed ones come back. */
	if (g->g_count + g->g_claimed + count > g->g_cap) {
		refs = pv_malloc((g->g_count + g->g_claimed + count) *
		    sizeof(*refs), PV_M_NOWAIT);
		if (refs == NULL) {
			pv_mtx_unlock(&gnt_mtx);
			return (ENOMEM);
		}
		if (g->g_refs != NULL) {
			__builtin_memcpy(refs, g->g_refs,
			    g->g_count * sizeof(*refs));
			pv_free(g->g_refs);
		}
		g->g_refs = refs;
		g->g_cap = g->g_count + g->g_claimed + count;
	}
	while (count-- > 0)
		g->g_refs[g->g_count++] = gnt_free[--gnt_nfree];
	pv_mtx_unlock(&gnt_mtx);
	return (0);
}

void
xen_gnttab_unreserve_spare(struct xen_grefs *g)
{
	bool wake;

	pv_mtx_lock(&gnt_mtx);
	while (g->g_count > 0)
		gnt_free[gnt_nfree++] = g->g_refs[--g->g_count];
	wake = !TAILQ_EMPTY(&gnt_waiters);
	pv_mtx_unlock(&gnt_mtx);
	if (wake)
		pv_taskq_enqueue(gnt_tq, &gnt_task);
}

void
xen_gnttab_unreserve(struct xen_grefs *g)
{
	xen_gnttab_unreserve_spare(g);
	pv_free(g->g_refs);
	g->g_refs = NULL;
	g->g_cap = 0;
}

grant_ref_t
xen_gnttab_claim(struct xen_grefs *g)
{
	pv_assert(g->g_count > 0);
	g->g_claimed++;
	return (g->g_refs[--g->g_count]);
}

void
xen_gnttab_release(struct xen_grefs *g, grant_ref_t ref)
{
	pv_assert(g->g_claimed > 0 && g->g_count < g->g_cap);
	g->g_claimed--;
	g->g_refs[g->g_count++] = ref;
}

void
xen_gnttab_grant(grant_ref_t ref, domid_t domid, pv_pfn_t pfn, bool readonly)
{
	grant_entry_v1_t *e = gnt_entry(ref);

	e->frame = (uint32_t)pfn;
	e->domid = domid;
	/* The backend must see frame and domid before the grant is valid. */
	pv_wmb();
	pv_store_rel(&e->flags, (uint16_t)(GTF_permit_access |
	    (readonly ? GTF_readonly : 0)));
}

int
xen_gnttab_end(grant_ref_t ref)
{
	grant_entry_v1_t *e = gnt_entry(ref);
	uint16_t flags;

	flags = pv_load_acq(&e->flags);
	do {
		if ((flags & (GTF_reading | GTF_writing)) != 0)
			return (EBUSY);
	} while (!pv_cas(&e->flags, &flags, 0));
	return (0);
}

uint16_t
xen_gnttab_flags(grant_ref_t ref)
{
	return (pv_load_acq(&gnt_entry(ref)->flags));
}

void
xen_gnttab_wait_free(struct xen_gnttab_waiter *w, unsigned count,
    void (*fn)(void *), void *arg)
{
	bool now;

	pv_mtx_lock(&gnt_mtx);
	w->w_fn = fn;
	w->w_arg = arg;
	w->w_count = count;
	if (!w->w_queued) {
		TAILQ_INSERT_TAIL(&gnt_waiters, w, w_link);
		w->w_queued = true;
	}
	now = gnt_nfree >= count;
	pv_mtx_unlock(&gnt_mtx);
	if (now)
		pv_taskq_enqueue(gnt_tq, &gnt_task);
}

void
xen_gnttab_cancel_wait(struct xen_gnttab_waiter *w)
{
	pv_mtx_lock(&gnt_mtx);
	if (w->w_queued) {
		TAILQ_REMOVE(&gnt_waiters, w, w_link);
		w->w_queued = false;
	}
	pv_mtx_unlock(&gnt_mtx);
	pv_taskq_drain(gnt_tq, &gnt_task);
}

void
xen_gnttab_stats(struct xen_gnttab_stats *st)
{
	pv_mtx_lock(&gnt_mtx);
	st->gs_frames = gnt_frames;
	st->gs_max_frames = gnt_max_frames;
	st->gs_free = gnt_nfree;
	st->gs_total = gnt_frames * PER_FRAME - GNTTAB_NR_RESERVED_ENTRIES;
	pv_mtx_unlock(&gnt_mtx);
}
