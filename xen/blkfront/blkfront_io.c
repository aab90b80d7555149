/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * blkfront's requests and responses: building requests from block layer
 * commands on the ring of their submitting context, and taking responses
 * back.
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
 * The ring of the command's submitting context, as blk-mq maps a CPU to
 * a hardware queue: one context's requests stay together and are
 * notified in one batch, and several contexts load several rings.  When
 * that ring is full, the least loaded one with room.
 */
static struct xbd_ring *
pick_ring(struct xbd_softc *sc, const struct pv_blkcmd *c)
{
	struct xbd_ring *r, *best = NULL;
	unsigned i, room, best_room = 0;

	r = &sc->sc_rings[c->c_ctx % sc->sc_nrings];
	if (!RING_FULL(&r->r_fr))
		return (r);
	for (i = 0; i < sc->sc_nrings; i++) {
		r = &sc->sc_rings[i];
		room = RING_FREE_REQUESTS(&r->r_fr);
		if (room > best_room) {
			best = r;
			best_room = room;
		}
	}
	return (best);
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
		if ((idx = xbd_pgnt_get(sc, r)) < 0)
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
			if ((idx = xbd_pgnt_get(sc, r)) < 0)
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
	xbd_pgnt_put(r, x);
	return (ENOSPC);
}

/* Requests in flight on every ring: what completions may yet give back. */
static bool
xbd_any_inflight(const struct xbd_softc *sc)
{
	unsigned i;

	for (i = 0; i < sc->sc_nrings; i++)
		if (sc->sc_rings[i].r_fr.req_prod_pvt !=
		    sc->sc_rings[i].r_fr.rsp_cons)
			return (true);
	return (false);
}

/*
 * The persistent pages for c: from *rp's pool, else from another ring's
 * with room, since a pool never moves between rings (the backend keeps
 * its grants mapped) and the one ring may hold them all.  When no pool
 * can serve it now the queue freezes for PV_FREEZE_GRANTS until a
 * completion gives pages back; with nothing in flight none ever will,
 * and the command fails.
 */
static int
grant_persistent_any(struct xbd_softc *sc, struct xbd_ring **rp,
    struct xbd_cmd *x, struct pv_blkcmd *c,
    struct blkif_request_segment *segs, unsigned *nsegsp,
    grant_ref_t *ind_refs, unsigned *nindp)
{
	struct xbd_ring *r;
	unsigned i;

	if (grant_persistent(sc, *rp, x, c, segs, nsegsp, ind_refs,
	    nindp) == 0)
		return (0);
	for (i = 0; i < sc->sc_nrings; i++) {
		r = &sc->sc_rings[i];
		if (r == *rp || RING_FULL(&r->r_fr) || grant_persistent(sc, r,
		    x, c, segs, nsegsp, ind_refs, nindp) != 0)
			continue;
		*rp = r;
		return (0);
	}
	if (!xbd_any_inflight(sc)) {
		pv_log(PV_LOG_ERR, sc->sc_name, "a %ju-byte request needs "
		    "more persistent pages than any ring can have",
		    (uintmax_t)c->c_bytes);
		return (ENOSPC);
	}
	sc->sc_pgnt_wait = true;
	sc->sc_c_pgnt_waits++;
	pv_blk_freeze(sc->sc_blk, PV_FREEZE_GRANTS);
	return (EAGAIN);
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
	grant_ref_t ind_refs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	blkif_request_t *req;
	struct xbd_ring *r;
	unsigned nsegs = 0, nind = 0, i, need;
	int error;

	if ((r = pick_ring(sc, c)) == NULL)
		return (EAGAIN);	/* fewer slots since a reconnect */
	/* Pool pages first: they decide the ring. */
	if (sc->sc_persistent && (c->c_op == PV_BIO_READ ||
	    c->c_op == PV_BIO_WRITE) && (error = grant_persistent_any(sc, &r,
	    x, c, segs, &nsegs, ind_refs, &nind)) != 0)
		return (error);
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
	r->r_requests++;
	r->r_max_depth = pv_max(r->r_max_depth, (uint64_t)(r->r_fr.req_prod_pvt -
	    r->r_fr.rsp_cons));
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
		xbd_pgnt_put(r, x);
		/* Pages back in a pool: what waited for them may go. */
		if (sc->sc_pgnt_wait) {
			sc->sc_pgnt_wait = false;
			pv_blk_thaw(sc->sc_blk, PV_FREEZE_GRANTS);
		}
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

void
xbd_ring_reap(struct xbd_softc *sc, struct xbd_ring *r)
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
			r->r_responses++;
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

void
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
		xbd_ring_reap(sc, r);
	/* Counted even on a failed disk: a storm must not outlive it. */
	xbd_storm_event(sc, r);
	pv_blk_unlock(sc->sc_blk);
}

static void
xbd_poll(void *arg)
{
	struct xbd_softc *sc = arg;
	unsigned q;

	pv_blk_lock(sc->sc_blk);
	for (q = 0; q < sc->sc_nrings && !pv_blk_failed(sc->sc_blk); q++)
		xbd_ring_reap(sc, &sc->sc_rings[q]);
	pv_blk_unlock(sc->sc_blk);
}

const struct pv_blk_ops xbd_blk_ops = {
	.bo_start = xbd_start,
	.bo_kick = xbd_kick,
	.bo_poll = xbd_poll,
};
