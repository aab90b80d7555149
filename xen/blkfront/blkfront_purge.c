/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Purging idle persistent grants, as Linux's blkfront does every 10 s:
 * a pool only grows, so a disk that was busy once would otherwise hold
 * its whole pool, pages and grant references, for as long as it stays
 * connected.  Each interval, a free pool page idle for a whole interval
 * is taken back, if the backend no longer maps it; one it still maps
 * (it keeps persistent grants as it likes) stays.  The page's slot in
 * the pool stays too, and is backed again when it is next needed.
 */
#include <pv/console.h>
#include <pv/time.h>
#include <xenpv/gnttab.h>

#include "blkfront_var.h"

static uint32_t	xbd_purge_ms;

static const struct pv_tunable xbd_purge_tunable_list[] = {
	{ "purge_ms", &xbd_purge_ms, 10000, 0, 3600000,
	    "take back persistent grants idle this long, milliseconds; "
	    "0: never" },
};
PV_TUNABLES(xbd_purge_tunable_set, "hw.xbd", xbd_purge_tunable_list);

void
xbd_purge_tunables(void)
{
	pv_ctl_tunables(&xbd_purge_tunable_set);
}

/* Free pool pages of r idle since before cutoff; disk locked. */
static unsigned
purge_ring(struct xbd_ring *r, uint64_t cutoff)
{
	struct xbd_pgnt *pg;
	unsigned i, n = 0;

	for (i = 0; i < r->r_nfree; i++) {
		pg = &r->r_pg[r->r_pg_free[i]];
		if (pg->p_va == NULL || pg->p_used_ns > cutoff ||
		    xen_gnttab_end(pg->p_ref) != 0)
			continue;
		xen_gnttab_release(&r->r_pg_grefs, pg->p_ref);
		pv_page_free(pg->p_va);
		pg->p_va = NULL;
		n++;
	}
	/* The references go back to the table, for any ring or disk. */
	xen_gnttab_unreserve_spare(&r->r_pg_grefs);
	return (n);
}

static void
xbd_purge(void *arg)
{
	struct xbd_softc *sc = arg;
	uint64_t now = pv_uptime_ns(), interval, cutoff;
	unsigned q, n = 0;

	pv_blk_lock(sc->sc_blk);
	if (sc->sc_purge_stop) {
		pv_blk_unlock(sc->sc_blk);
		return;
	}
	interval = (uint64_t)xbd_purge_ms * PV_NS_PER_MS;
	cutoff = now > interval ? now - interval : 0;
	for (q = 0; q < sc->sc_nrings; q++)
		n += purge_ring(&sc->sc_rings[q], cutoff);
	sc->sc_c_pgnt -= n;
	sc->sc_c_pgnt_purged += n;
	pv_callout_reset(&sc->sc_purge_co, interval, xbd_purge, sc);
	pv_blk_unlock(sc->sc_blk);
	if (n > 0)
		pv_log(PV_LOG_DEBUG, sc->sc_name, "took back %u idle "
		    "persistent grants", n);
}

/* At connect: purge every purge_ms while persistent grants are used. */
void
xbd_purge_start(struct xbd_softc *sc)
{
	if (!sc->sc_persistent || xbd_purge_ms == 0)
		return;
	pv_blk_lock(sc->sc_blk);
	sc->sc_purge_stop = false;
	pv_callout_init(&sc->sc_purge_co, NULL);
	pv_callout_reset(&sc->sc_purge_co, (uint64_t)xbd_purge_ms *
	    PV_NS_PER_MS, xbd_purge, sc);
	sc->sc_purge_armed = true;
	pv_blk_unlock(sc->sc_blk);
}

/* Before the pools go. */
void
xbd_purge_stop(struct xbd_softc *sc)
{
	if (!sc->sc_purge_armed)
		return;
	/* Under the lock: a running purge then cannot arm itself again. */
	pv_blk_lock(sc->sc_blk);
	sc->sc_purge_stop = true;
	pv_blk_unlock(sc->sc_blk);
	(void)pv_callout_drain(&sc->sc_purge_co);
	sc->sc_purge_armed = false;
}
