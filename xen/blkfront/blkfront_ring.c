/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * blkfront's rings: building requests from block layer commands, and
 * taking responses back.
 *
 * A request's id is its command's slot in the block layer's pool, never
 * a pointer.  A response is copied out of the shared ring once and only
 * the copy is looked at; its id must name a slot in flight on this ring
 * and its operation must be the one sent.  A response producer that runs
 * past the requests we made, an unknown id, a repeated response or an
 * unknown status mean the backend is broken: the disk fails every
 * request with EIO from then on, and nothing it sends is believed again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/console.h>
#include <pv/dma.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <xenpv/evtchn.h>

#include "blkfront_var.h"

#define	RING_SLOTS(r)	RING_SIZE(&(r)->r_fr)

static void xbd_intr(void *arg);

/* --------------------------------------------------------------------
 * Ring set-up and tear-down
 */

static int
ring_alloc(struct xbd_softc *sc, struct xbd_ring *r)
{
	blkif_sring_t *sring;
	pv_pfn_t pfn;
	unsigned i;
	int error;

	r->r_sc = sc;
	r->r_npages = 1u << sc->sc_ring_order;
	r->r_npg = r->r_nfree = 0;
	r->r_pg = pv_malloc(XBD_MAX_PGNT * sizeof(*r->r_pg), PV_M_NOWAIT);
	if (r->r_pg == NULL)
		return (ENOMEM);
	r->r_pg_free = pv_malloc(XBD_MAX_PGNT * sizeof(*r->r_pg_free),
	    PV_M_NOWAIT);
	if (r->r_pg_free == NULL) {
		error = ENOMEM;
		goto fail_pg;
	}
	sring = pv_pages_alloc(r->r_npages, PV_M_NOWAIT | PV_M_ZERO, &pfn);
	if (sring == NULL) {
		error = ENOMEM;
		goto fail_pg_free;
	}
	SHARED_RING_INIT(sring);
	FRONT_RING_INIT(&r->r_fr, sring, PV_PAGE_SIZE * r->r_npages);
	r->r_sring = sring;
	if ((error = xen_gnttab_reserve(&r->r_grefs, r->r_npages)) != 0)
		goto fail_pages;
	for (i = 0; i < r->r_npages; i++) {
		r->r_refs[i] = xen_gnttab_claim(&r->r_grefs);
		xen_gnttab_grant(r->r_refs[i], sc->sc_backend_id, pfn + i,
		    false);
	}
	if ((error = xen_evtchn_alloc_unbound(sc->sc_backend_id,
	    &r->r_port)) != 0)
		goto fail_grants;
	return (0);
fail_grants:
	for (i = 0; i < r->r_npages; i++) {
		(void)xen_gnttab_end(r->r_refs[i]);
		xen_gnttab_release(&r->r_grefs, r->r_refs[i]);
	}
	xen_gnttab_unreserve(&r->r_grefs);
fail_pages:
	pv_pages_free(sring, r->r_npages);
	r->r_sring = NULL;
fail_pg_free:
	pv_free(r->r_pg_free);
	r->r_pg_free = NULL;
fail_pg:
	pv_free(r->r_pg);
	r->r_pg = NULL;
	return (error);
}

/* Give the persistent pool back; the backend has unmapped it by now. */
static void
pgnt_free_all(struct xbd_ring *r)
{
	unsigned i, leaked = 0;

	for (i = 0; i < r->r_npg; i++) {
		if (xen_gnttab_end(r->r_pg[i].p_ref) != 0) {
			leaked++;
			continue;
		}
		xen_gnttab_release(&r->r_pg_grefs, r->r_pg[i].p_ref);
		pv_page_free(r->r_pg[i].p_va);
	}
	if (leaked > 0)
		pv_log(PV_LOG_ERR, r->r_sc->sc_name, "backend still maps %u "
		    "persistent grants; leaving their pages to it", leaked);
	xen_gnttab_unreserve(&r->r_pg_grefs);
	r->r_sc->sc_c_pgnt -= r->r_npg;
	r->r_npg = r->r_nfree = 0;
}

/* A pool page: a free one, or a new one while the pool may grow. */
static int
pgnt_get(struct xbd_softc *sc, struct xbd_ring *r)
{
	struct xbd_pgnt *pg;
	pv_pfn_t pfn;

	if (r->r_nfree > 0)
		return (r->r_pg_free[--r->r_nfree]);
	if (r->r_npg == XBD_MAX_PGNT)
		return (-1);
	pg = &r->r_pg[r->r_npg];
	if ((pg->p_va = pv_page_alloc(PV_M_NOWAIT, &pfn)) == NULL)
		return (-1);
	if (xen_gnttab_reserve(&r->r_pg_grefs, 1) != 0) {
		pv_page_free(pg->p_va);
		return (-1);
	}
	/* Kept writable both ways: the backend keeps one mapping. */
	pg->p_ref = xen_gnttab_claim(&r->r_pg_grefs);
	xen_gnttab_grant(pg->p_ref, sc->sc_backend_id, pfn, false);
	sc->sc_c_pgnt++;
	return ((int)r->r_npg++);
}

static void
pgnt_put(struct xbd_ring *r, struct xbd_cmd *x)
{
	while (x->x_npg > 0)
		r->r_pg_free[r->r_nfree++] = x->x_pg[--x->x_npg];
	x->x_npg_data = 0;
}

static void
ring_free(struct xbd_ring *r)
{
	bool leaked = false;
	unsigned i;

	if (r->r_sring == NULL)
		return;
	(void)xen_evtchn_close(r->r_port);
	r->r_bound = false;
	pgnt_free_all(r);
	pv_free(r->r_pg);
	pv_free(r->r_pg_free);
	r->r_pg = NULL;
	r->r_pg_free = NULL;
	for (i = 0; i < r->r_npages; i++) {
		if (xen_gnttab_end(r->r_refs[i]) != 0)
			leaked = true;
		else
			xen_gnttab_release(&r->r_grefs, r->r_refs[i]);
	}
	xen_gnttab_unreserve(&r->r_grefs);
	if (leaked) {
		/* The backend still maps them: the pages cannot be reused. */
		pv_log(PV_LOG_ERR, r->r_sc->sc_name, "backend still maps the "
		    "ring; leaving its %u pages to it", r->r_npages);
	} else
		pv_pages_free(r->r_sring, r->r_npages);
	r->r_sring = NULL;
}

int
xbd_rings_alloc(struct xbd_softc *sc)
{
	char name[32];
	unsigned q;
	int error;

	for (q = 0; q < sc->sc_nrings; q++) {
		sc->sc_rings[q].r_qid = q;
		if ((error = ring_alloc(sc, &sc->sc_rings[q])) != 0)
			goto fail;
		snprintf(name, sizeof(name), "%s_q%u", sc->sc_name, q);
		if ((error = xen_evtchn_bind(sc->sc_rings[q].r_port, name,
		    xbd_intr, &sc->sc_rings[q])) != 0) {
			q++;
			goto fail;
		}
		sc->sc_rings[q].r_bound = true;
	}
	return (0);
fail:
	while (q-- > 0)
		ring_free(&sc->sc_rings[q]);
	return (error);
}

/* Stop the rings' interrupts, waiting out a running handler. */
void
xbd_rings_unbind(struct xbd_softc *sc)
{
	unsigned q;

	for (q = 0; q < sc->sc_nrings; q++) {
		if (sc->sc_rings[q].r_bound)
			xen_evtchn_unbind(sc->sc_rings[q].r_port);
		sc->sc_rings[q].r_bound = false;
	}
}

void
xbd_rings_free(struct xbd_softc *sc)
{
	unsigned q;

	xbd_rings_unbind(sc);
	for (q = 0; q < sc->sc_nrings; q++)
		ring_free(&sc->sc_rings[q]);
}

/* Write one ring's keys under dir: ring-ref or ring-refN, event-channel. */
static int
ring_publish(struct xbd_ring *r, xenbus_txn_t t, const char *dir)
{
	char key[24];
	unsigned i;
	int error;

	if (r->r_npages == 1)
		error = xenbus_printf(t, dir, "ring-ref", "%u", r->r_refs[0]);
	else {
		for (i = 0, error = 0; i < r->r_npages && error == 0; i++) {
			snprintf(key, sizeof(key), "ring-ref%u", i);
			error = xenbus_printf(t, dir, key, "%u", r->r_refs[i]);
		}
	}
	if (error == 0)
		error = xenbus_printf(t, dir, "event-channel", "%u",
		    r->r_port);
	return (error);
}

int
xbd_rings_publish(struct xbd_softc *sc, xenbus_txn_t t)
{
	char dir[160];
	unsigned q;
	int error;

	/*
	 * Both ring-size schemes are published, but only for a multi-page
	 * ring: a one-page ring under the extension's keys confuses
	 * backends that advertise it yet allow one page.
	 */
	if (sc->sc_ring_order > 0) {
		if ((error = xenbus_printf(t, sc->sc_node, "ring-page-order",
		    "%u", sc->sc_ring_order)) != 0 ||
		    (error = xenbus_printf(t, sc->sc_node, "num-ring-pages",
		    "%u", 1u << sc->sc_ring_order)) != 0)
			return (error);
	}
	if (sc->sc_nrings == 1)
		return (ring_publish(&sc->sc_rings[0], t, sc->sc_node));
	if ((error = xenbus_printf(t, sc->sc_node, "multi-queue-num-queues",
	    "%u", sc->sc_nrings)) != 0)
		return (error);
	for (q = 0; q < sc->sc_nrings; q++) {
		snprintf(dir, sizeof(dir), "%s/queue-%u", sc->sc_node, q);
		if ((error = ring_publish(&sc->sc_rings[q], t, dir)) != 0)
			return (error);
	}
	return (0);
}

int
xbd_cmds_alloc(struct xbd_softc *sc, unsigned ncmds)
{
	unsigned i, npages;

	sc->sc_cmds = pv_malloc(ncmds * sizeof(*sc->sc_cmds),
	    PV_M_ZERO | PV_M_NOWAIT);
	if (sc->sc_cmds == NULL)
		return (ENOMEM);
	sc->sc_ncmds = ncmds;
	if (!sc->sc_indirect)
		return (0);
	npages = (sc->sc_max_segs + XBD_SEGS_PER_INDIRECT_PAGE - 1) /
	    XBD_SEGS_PER_INDIRECT_PAGE;
	for (i = 0; i < ncmds; i++) {
		sc->sc_cmds[i].x_ind = pv_pages_alloc(npages, PV_M_NOWAIT,
		    NULL);
		if (sc->sc_cmds[i].x_ind == NULL) {
			xbd_cmds_free(sc);
			return (ENOMEM);
		}
	}
	return (0);
}

void
xbd_cmds_free(struct xbd_softc *sc)
{
	unsigned i, npages;

	if (sc->sc_cmds == NULL)
		return;
	npages = (sc->sc_max_segs + XBD_SEGS_PER_INDIRECT_PAGE - 1) /
	    XBD_SEGS_PER_INDIRECT_PAGE;
	for (i = 0; i < sc->sc_ncmds; i++) {
		if (sc->sc_cmds[i].x_ind != NULL)
			pv_pages_free(sc->sc_cmds[i].x_ind, npages);
		pv_free(sc->sc_cmds[i].x_grefs.g_refs);
	}
	pv_free(sc->sc_cmds);
	sc->sc_cmds = NULL;
}

/* --------------------------------------------------------------------
 * Requests
 */

static void
grants_freed(void *arg)
{
	struct xbd_softc *sc = arg;

	pv_blk_lock(sc->sc_blk);
	pv_blk_thaw(sc->sc_blk, PV_FREEZE_GRANTS);
	pv_blk_unlock(sc->sc_blk);
}

/*
 * Stay on one ring until it fills, then move on.  Spreading a batch over
 * all rings would cost one notification per request instead of one per
 * batch; the other rings take the overflow when one ring is not enough.
 */
static struct xbd_ring *
pick_ring(struct xbd_softc *sc)
{
	struct xbd_ring *r;
	unsigned i;

	for (i = 0; i < sc->sc_nrings; i++) {
		r = &sc->sc_rings[(sc->sc_next_ring + i) % sc->sc_nrings];
		if (!RING_FULL(&r->r_fr)) {
			sc->sc_next_ring = r->r_qid;
			return (r);
		}
	}
	return (NULL);
}

/*
 * Grant each page the data spans, into segs.  The data is shared through
 * pv/dma.h: blkif wants it sector aligned, and an untrusted backend must
 * never see the caller's own pages, so those go through bounce pages.
 */
static int
grant_data(struct xbd_softc *sc, struct xbd_cmd *x, struct pv_blkcmd *c,
    struct blkif_request_segment *segs, unsigned *nsegsp)
{
	bool ro = c->c_op == PV_BIO_WRITE;
	uintptr_t va, end;
	unsigned n = 0;
	uint64_t off, len;
	pv_paddr_t pa;

	if (pv_dma_share(&x->x_dma, c->c_data, c->c_bytes, PV_SECTOR_SIZE,
	    (ro ? PV_DMA_TO_DEVICE : PV_DMA_FROM_DEVICE) |
	    (sc->sc_trusted ? 0 : PV_DMA_BOUNCE)) != 0)
		return (ENOMEM);
	if (pv_dma_bounced(&x->x_dma))
		sc->sc_c_bounced++;
	va = (uintptr_t)x->x_dma.dm_va;
	end = va + c->c_bytes;
	while (va < end) {
		off = va & PV_PAGE_MASK;
		len = pv_min(PV_PAGE_SIZE - off, end - va);
		pa = pv_vtophys((void *)va);
		segs[n].gref = x->x_data_refs[n] = xen_gnttab_claim(&x->x_grefs);
		xen_gnttab_grant(segs[n].gref, sc->sc_backend_id, pv_atop(pa),
		    ro);
		segs[n].first_sect = (uint8_t)(off / PV_SECTOR_SIZE);
		segs[n].last_sect = (uint8_t)((off + len) / PV_SECTOR_SIZE - 1);
		n++;
		va += len;
	}
	x->x_nrefs = n;
	*nsegsp = n;
	return (0);
}

/*
 * Once persistent grants are agreed the backend may keep any grant it is
 * given mapped (blkif.h leaves it to the backend), so every page it sees
 * comes from the pool: the data, copied in whole pages whatever its
 * alignment, and the indirect segment lists.  ENOSPC when the ring's pool
 * is spent; the ring's own completions give pages back.
 */
static int
grant_persistent(struct xbd_softc *sc, struct xbd_ring *r, struct xbd_cmd *x,
    struct pv_blkcmd *c, struct blkif_request_segment *segs, unsigned *nsegsp,
    grant_ref_t *ind_refs, unsigned *nindp)
{
	uint64_t done, len;
	unsigned n, i, nind = 0;
	int idx;

	for (n = 0, done = 0; done < c->c_bytes; n++, done += len) {
		len = pv_min(PV_PAGE_SIZE, c->c_bytes - done);
		if ((idx = pgnt_get(sc, r)) < 0)
			goto spent;
		x->x_pg[x->x_npg++] = (uint16_t)idx;
		if (c->c_op == PV_BIO_WRITE)
			memcpy(r->r_pg[idx].p_va, (char *)c->c_data + done,
			    len);
		segs[n].gref = r->r_pg[idx].p_ref;
		segs[n].first_sect = 0;
		segs[n].last_sect = (uint8_t)(len / PV_SECTOR_SIZE - 1);
	}
	x->x_npg_data = x->x_npg;
	if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		nind = (n + XBD_SEGS_PER_INDIRECT_PAGE - 1) /
		    XBD_SEGS_PER_INDIRECT_PAGE;
		for (i = 0; i < nind; i++) {
			if ((idx = pgnt_get(sc, r)) < 0)
				goto spent;
			x->x_pg[x->x_npg++] = (uint16_t)idx;
			memcpy(r->r_pg[idx].p_va, segs + i *
			    XBD_SEGS_PER_INDIRECT_PAGE, pv_min(n - i *
			    XBD_SEGS_PER_INDIRECT_PAGE,
			    XBD_SEGS_PER_INDIRECT_PAGE) * sizeof(*segs));
			ind_refs[i] = r->r_pg[idx].p_ref;
		}
	}
	*nsegsp = n;
	*nindp = nind;
	return (0);
spent:
	pgnt_put(r, x);
	return (ENOSPC);
}

static unsigned
pages_spanned(const struct pv_blkcmd *c)
{
	uintptr_t va = (uintptr_t)c->c_data;

	/* Bounced data starts page aligned, and never needs more. */
	return ((unsigned)(((va & PV_PAGE_MASK) + c->c_bytes + PV_PAGE_SIZE -
	    1) / PV_PAGE_SIZE));
}

/* A READ or WRITE request: direct, or indirect past 11 segments. */
static void
build_rw(struct xbd_softc *sc, blkif_request_t *req, struct pv_blkcmd *c,
    const struct blkif_request_segment *segs, unsigned nsegs,
    const grant_ref_t *ind_refs, unsigned nind)
{
	struct blkif_request_indirect *ind = (void *)req;
	unsigned i;

	if (nsegs <= BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		req->operation = c->c_op == PV_BIO_READ ? BLKIF_OP_READ :
		    (c->c_flags & PV_BIO_ORDERED) != 0 &&
		    (sc->sc_features & PV_DISK_BARRIER) != 0 ?
		    BLKIF_OP_WRITE_BARRIER : BLKIF_OP_WRITE;
		req->nr_segments = (uint8_t)nsegs;
		req->handle = (blkif_vdev_t)sc->sc_devid;
		req->sector_number = c->c_sector;
		memcpy(req->seg, segs, nsegs * sizeof(segs[0]));
		return;
	}
	ind->operation = BLKIF_OP_INDIRECT;
	ind->indirect_op = c->c_op == PV_BIO_READ ? BLKIF_OP_READ :
	    BLKIF_OP_WRITE;
	ind->nr_segments = (uint16_t)nsegs;
	ind->handle = (blkif_vdev_t)sc->sc_devid;
	ind->sector_number = c->c_sector;
	for (i = 0; i < nind; i++)
		ind->indirect_grefs[i] = ind_refs[i];
	sc->sc_c_indirect++;
}

static int
xbd_start(void *arg, struct pv_blkcmd *c)
{
	struct xbd_softc *sc = arg;
	struct xbd_cmd *x = &sc->sc_cmds[c->c_slot];
	struct blkif_request_segment segs[XBD_MAX_INDIRECT_SEGS];
	blkif_request_t *req;
	struct xbd_ring *r;
	unsigned nsegs = 0, nind = 0, i, need;
	int error;

	if ((r = pick_ring(sc)) == NULL)
		return (EAGAIN);	/* cannot be: slots == ring space */
	req = RING_GET_REQUEST(&r->r_fr, r->r_fr.req_prod_pvt);
	memset(req, 0, sizeof(*req));
	req->id = c->c_slot;
	switch (c->c_op) {
	case PV_BIO_FLUSH:
		req->operation = BLKIF_OP_FLUSH_DISKCACHE;
		req->handle = (blkif_vdev_t)sc->sc_devid;
		break;
	case PV_BIO_DISCARD: {
		struct blkif_request_discard *d = (void *)req;

		d->operation = BLKIF_OP_DISCARD;
		d->flag = (c->c_flags & PV_BIO_SECURE) != 0 ?
		    BLKIF_DISCARD_SECURE : 0;
		d->handle = (blkif_vdev_t)sc->sc_devid;
		d->sector_number = c->c_sector;
		d->nr_sectors = c->c_bytes / PV_SECTOR_SIZE;
		break;
	}
	case PV_BIO_WRITE_ZEROES:
		return (EOPNOTSUPP);	/* blkif has no such operation */
	default:
		if (sc->sc_persistent) {
			grant_ref_t ind_refs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];

			if (grant_persistent(sc, r, x, c, segs, &nsegs,
			    ind_refs, &nind) != 0)
				return (EAGAIN);
			build_rw(sc, req, c, segs, nsegs, ind_refs, nind);
			nind = 0;	/* pool pages: nothing to end */
			break;
		}
		/* Reserve every reference first: nothing fails half way. */
		need = pages_spanned(c);
		if (sc->sc_indirect && need > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			need += (need + XBD_SEGS_PER_INDIRECT_PAGE - 1) /
			    XBD_SEGS_PER_INDIRECT_PAGE;
		if (xen_gnttab_reserve(&x->x_grefs, need) != 0) {
			pv_blk_freeze(sc->sc_blk, PV_FREEZE_GRANTS);
			/* Debug only: a small table makes this routine. */
			pv_log(PV_LOG_DEBUG, sc->sc_name, "out of grant "
			    "references: %u wanted; frozen until freed", need);
			xen_gnttab_wait_free(&sc->sc_gnt_wait, need,
			    grants_freed, sc);
			return (EAGAIN);
		}
		if ((error = grant_data(sc, x, c, segs, &nsegs)) != 0) {
			xen_gnttab_unreserve(&x->x_grefs);
			return (error);
		}
		if (nsegs > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
			pv_paddr_t pa = pv_vtophys(x->x_ind);

			memcpy(x->x_ind, segs, nsegs * sizeof(segs[0]));
			nind = (nsegs + XBD_SEGS_PER_INDIRECT_PAGE - 1) /
			    XBD_SEGS_PER_INDIRECT_PAGE;
			for (i = 0; i < nind; i++) {
				x->x_ind_refs[i] = xen_gnttab_claim(&x->x_grefs);
				xen_gnttab_grant(x->x_ind_refs[i],
				    sc->sc_backend_id, pv_atop(pa) + i, true);
			}
		}
		build_rw(sc, req, c, segs, nsegs, x->x_ind_refs, nind);
		break;
	}
	x->x_nind = nind;
	/*
	 * blkif.h says a response's operation is copied from the request;
	 * Linux's blkback, which frontends must work with, answers an
	 * indirect request with its indirect_op, and so do we expect.
	 */
	x->x_op = req->operation == BLKIF_OP_INDIRECT ?
	    ((struct blkif_request_indirect *)(void *)req)->indirect_op :
	    req->operation;
	x->x_ring = r;
	x->x_inflight = true;
	r->r_fr.req_prod_pvt++;
	return (0);
}

static void
xbd_kick(void *arg)
{
	struct xbd_softc *sc = arg;
	struct xbd_ring *r;
	unsigned q;
	int notify;

	for (q = 0; q < sc->sc_nrings; q++) {
		r = &sc->sc_rings[q];
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&r->r_fr, notify);
		if (notify) {
			r->r_kicks++;
			sc->sc_c_kicks++;
			(void)xen_evtchn_notify(r->r_port);
		}
	}
}

/* --------------------------------------------------------------------
 * Responses
 */

/*
 * Take back a command's transient grants; false when the backend still
 * maps one, which is then left to it and never reused.
 */
bool
xbd_cmd_end_grants(struct xbd_cmd *x)
{
	bool ok = true;
	unsigned i;

	for (i = 0; i < x->x_nrefs + x->x_nind; i++) {
		grant_ref_t ref = i < x->x_nrefs ? x->x_data_refs[i] :
		    x->x_ind_refs[i - x->x_nrefs];

		if (xen_gnttab_end(ref) != 0) {
			ok = false;
			continue;
		}
		xen_gnttab_release(&x->x_grefs, ref);
	}
	x->x_nrefs = x->x_nind = 0;
	xen_gnttab_unreserve(&x->x_grefs);
	return (ok);
}

/* After a response, a grant still mapped is fatal. */
static bool
end_grants(struct xbd_softc *sc, struct xbd_cmd *x)
{
	if (xbd_cmd_end_grants(x))
		return (true);
	pv_blk_fail(sc->sc_blk, "the backend still maps a grant it answered "
	    "for");
	return (false);
}

static void
cmd_finish(struct xbd_softc *sc, struct pv_blkcmd *c, struct xbd_cmd *x,
    int error)
{
	bool ok = true;

	if (x->x_op != BLKIF_OP_FLUSH_DISKCACHE && x->x_op != BLKIF_OP_DISCARD)
		ok = end_grants(sc, x);
	if (x->x_npg > 0) {
		struct xbd_ring *r = x->x_ring;
		uint64_t done, len;
		unsigned i;

		if (error == 0 && c->c_op == PV_BIO_READ) {
			for (i = 0, done = 0; i < x->x_npg_data; i++,
			    done += len) {
				len = pv_min(PV_PAGE_SIZE, c->c_bytes - done);
				memcpy((char *)c->c_data + done,
				    r->r_pg[x->x_pg[i]].p_va, len);
			}
		}
		pgnt_put(r, x);
	}
	if (ok)
		pv_dma_unshare(&x->x_dma, error == 0);
	else
		pv_dma_abandon(&x->x_dma);
	x->x_inflight = false;
	pv_blk_done(sc->sc_blk, c, ok ? error : EIO);
}

static int
status_error(struct xbd_softc *sc, const struct xbd_cmd *x, int16_t status)
{
	struct pv_disk_info di;

	switch (status) {
	case BLKIF_RSP_OKAY:
		return (0);
	case BLKIF_RSP_ERROR:
		return (EIO);
	case BLKIF_RSP_EOPNOTSUPP:
		/* What the backend cannot do, we stop asking for. */
		di = sc->sc_info;
		if (x->x_op == BLKIF_OP_DISCARD)
			di.di_features &= ~(PV_DISK_DISCARD |
			    PV_DISK_SECURE_DISCARD);
		else if (x->x_op == BLKIF_OP_FLUSH_DISKCACHE)
			di.di_features &= ~PV_DISK_FLUSH;
		else if (x->x_op == BLKIF_OP_WRITE_BARRIER)
			di.di_features &= ~PV_DISK_BARRIER;
		sc->sc_features = di.di_features;
		sc->sc_info = di;
		pv_blk_set_info(sc->sc_blk, &di);
		pv_log(PV_LOG_WARNING, sc->sc_name, "backend refused "
		    "operation %u; not using it again", x->x_op);
		return (EOPNOTSUPP);
	}
	return (-1);
}

static void
ring_reap(struct xbd_softc *sc, struct xbd_ring *r)
{
	char why[96];
	struct blkif_response rsp;
	RING_IDX i, rp;
	struct pv_blkcmd *c;
	struct xbd_cmd *x;
	int more, error;

	do {
		rp = pv_load_acq(&r->r_fr.sring->rsp_prod);
		/* No more responses than requests outstanding. */
		if (rp - r->r_fr.rsp_cons > r->r_fr.req_prod_pvt -
		    r->r_fr.rsp_cons) {
			snprintf(why, sizeof(why), "rsp_prod %u runs past the "
			    "%u requests made", rp, r->r_fr.req_prod_pvt);
			goto broken;
		}
		for (i = r->r_fr.rsp_cons; i != rp; i++) {
			memcpy(&rsp, RING_GET_RESPONSE(&r->r_fr, i),
			    sizeof(rsp));
			sc->sc_c_responses++;
			if (rsp.id >= sc->sc_ncmds ||
			    !sc->sc_cmds[rsp.id].x_inflight ||
			    sc->sc_cmds[rsp.id].x_ring != r) {
				snprintf(why, sizeof(why), "response id %ju is "
				    "not a request in flight on queue %u",
				    (uintmax_t)rsp.id, r->r_qid);
				goto broken;
			}
			x = &sc->sc_cmds[rsp.id];
			if (rsp.operation != x->x_op) {
				snprintf(why, sizeof(why), "response to %ju "
				    "has operation %u, request had %u",
				    (uintmax_t)rsp.id, rsp.operation, x->x_op);
				goto broken;
			}
			if ((error = status_error(sc, x, rsp.status)) < 0) {
				snprintf(why, sizeof(why), "response to %ju "
				    "has status %d", (uintmax_t)rsp.id,
				    rsp.status);
				goto broken;
			}
			c = pv_blk_cmd(sc->sc_blk, (uint32_t)rsp.id);
			r->r_fr.rsp_cons = i + 1;
			cmd_finish(sc, c, x, error);
		}
		r->r_fr.rsp_cons = rp;
		RING_FINAL_CHECK_FOR_RESPONSES(&r->r_fr, more);
	} while (more);
	return;
broken:
	pv_blk_fail(sc->sc_blk, why);
	/* Its grants stay with it; the slots' memory is ours to keep. */
}

static void
xbd_intr(void *arg)
{
	struct xbd_ring *r = arg;
	struct xbd_softc *sc = r->r_sc;

	r->r_intrs++;
	sc->sc_c_intrs++;
	if (sc->sc_blk == NULL)
		return;
	pv_blk_lock(sc->sc_blk);
	if (!pv_blk_failed(sc->sc_blk))
		ring_reap(sc, r);
	pv_blk_unlock(sc->sc_blk);
}

static void
xbd_poll(void *arg)
{
	struct xbd_softc *sc = arg;
	unsigned q;

	pv_blk_lock(sc->sc_blk);
	for (q = 0; q < sc->sc_nrings && !pv_blk_failed(sc->sc_blk); q++)
		ring_reap(sc, &sc->sc_rings[q]);
	pv_blk_unlock(sc->sc_blk);
}

const struct pv_blk_ops xbd_blk_ops = {
	.bo_start = xbd_start,
	.bo_kick = xbd_kick,
	.bo_poll = xbd_poll,
};
