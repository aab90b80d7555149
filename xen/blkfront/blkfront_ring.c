/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * blkfront's rings and what goes with them: the shared ring pages and
 * their event channels, the persistent grant pool of each ring, and the
 * per-command state.  Requests and responses are in blkfront_io.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/console.h>
#include <pv/dma.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/time.h>
#include <xenpv/evtchn.h>

#include "blkfront_var.h"

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
	unsigned i, leaked = 0, live = 0;

	for (i = 0; i < r->r_npg; i++) {
		if (r->r_pg[i].p_va == NULL)
			continue;	/* purged */
		live++;
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
	r->r_sc->sc_c_pgnt -= live;
	r->r_npg = r->r_nfree = 0;
}

/* Give the pool slot pg a page and a grant; false when none can be had. */
static bool
pgnt_back(struct xbd_softc *sc, struct xbd_ring *r, struct xbd_pgnt *pg)
{
	pv_pfn_t pfn;

	if ((pg->p_va = pv_page_alloc(PV_M_NOWAIT, &pfn)) == NULL)
		return (false);
	if (xen_gnttab_reserve(&r->r_pg_grefs, 1) != 0) {
		pv_page_free(pg->p_va);
		pg->p_va = NULL;
		return (false);
	}
	/* Kept writable both ways: the backend keeps one mapping. */
	pg->p_ref = xen_gnttab_claim(&r->r_pg_grefs);
	xen_gnttab_grant(pg->p_ref, sc->sc_backend_id, pfn, false);
	sc->sc_c_pgnt++;
	return (true);
}

/*
 * A pool page: a free one, or a new one while the pool may grow.  A free
 * slot whose page was purged (blkfront_purge.c) is backed again.
 */
int
xbd_pgnt_get(struct xbd_softc *sc, struct xbd_ring *r)
{
	unsigned idx;

	if (r->r_nfree > 0) {
		idx = r->r_pg_free[r->r_nfree - 1];
		if (r->r_pg[idx].p_va == NULL && !pgnt_back(sc, r,
		    &r->r_pg[idx]))
			return (-1);
		r->r_nfree--;
		return ((int)idx);
	}
	if (r->r_npg == XBD_MAX_PGNT || !pgnt_back(sc, r, &r->r_pg[r->r_npg]))
		return (-1);
	return ((int)r->r_npg++);
}

void
xbd_pgnt_put(struct xbd_ring *r, struct xbd_cmd *x)
{
	uint64_t now = pv_uptime_ns();

	while (x->x_npg > 0) {
		r->r_pg[x->x_pg[x->x_npg - 1]].p_used_ns = now;
		r->r_pg_free[r->r_nfree++] = x->x_pg[--x->x_npg];
	}
	x->x_npg_data = 0;
}

static void
ring_free(struct xbd_ring *r)
{
	bool leaked = false;
	unsigned i;

	if (r->r_sring == NULL)
		return;
	/* A new domain's port of that number is not ours to close. */
	if (r->r_sc->sc_domain_gone)
		xen_evtchn_unbind(r->r_port);
	else
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
		xbd_storm_init(&sc->sc_rings[q]);
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

/*
 * Stop the rings' interrupts, waiting out a running handler, and the
 * polls that stand in for them during a storm.
 */
void
xbd_rings_unbind(struct xbd_softc *sc)
{
	unsigned q;

	xbd_purge_stop(sc);
	xbd_storm_stop(sc);
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

/*
 * A reconnect to a backend that takes fewer rings or pages changes the
 * shape of what we publish: take the last shape's keys away first, so
 * that it cannot read the old multi-queue-num-queues, ring-page-order or
 * ring-refN.  Nothing to do when the shape is the same.
 */
static int
rings_unpublish(struct xbd_softc *sc, xenbus_txn_t t)
{
	char key[24];
	unsigned i, old_pages = 1u << sc->sc_pub_order;
	int error = 0;

	if (sc->sc_pub_order > 0) {
		if ((error = xenbus_rm(t, sc->sc_node, "ring-page-order")) ==
		    0 || error == ENOENT)
			error = xenbus_rm(t, sc->sc_node, "num-ring-pages");
	}
	if (sc->sc_pub_nrings > 1) {
		if (error == 0 || error == ENOENT)
			error = xenbus_rm(t, sc->sc_node,
			    "multi-queue-num-queues");
		for (i = 0; i < sc->sc_pub_nrings && (error == 0 ||
		    error == ENOENT); i++) {
			snprintf(key, sizeof(key), "queue-%u", i);
			error = xenbus_rm(t, sc->sc_node, key);
		}
		return (error == ENOENT ? 0 : error);
	}
	if (error == 0 || error == ENOENT)
		error = xenbus_rm(t, sc->sc_node, "event-channel");
	for (i = 0; i < old_pages && (error == 0 || error == ENOENT); i++) {
		if (old_pages == 1)
			snprintf(key, sizeof(key), "ring-ref");
		else
			snprintf(key, sizeof(key), "ring-ref%u", i);
		error = xenbus_rm(t, sc->sc_node, key);
	}
	return (error == ENOENT ? 0 : error);
}

int
xbd_rings_publish(struct xbd_softc *sc, xenbus_txn_t t)
{
	char dir[160];
	unsigned q;
	int error;

	if (sc->sc_pub_nrings != 0 && (sc->sc_pub_nrings != sc->sc_nrings ||
	    sc->sc_pub_order != sc->sc_ring_order) &&
	    (error = rings_unpublish(sc, t)) != 0)
		return (error);

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

