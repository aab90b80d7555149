/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The Xen balloon: the xenbus half.  The toolstack states in
 * memory/target (KiB) how much RAM the domain should have; xl mem-set
 * writes it and moves the domain's maximum reservation to match.  Like
 * Linux, we count from what the domain booted with: the balloon holds
 * the pages between that and the target.  memory/static-max (KiB) is the
 * most a target may ever be, read once at attach.
 *
 * Nothing here moves pages: the watch sets the core's target and the
 * core's worker calls balloon_resv.c.  Every value read from xenstore is
 * checked; a bad one is logged with its key and the target stays.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include <pv/console.h>
#include <pv/mem.h>
#include <xenpv/balloon.h>
#include <xenpv/hypervisor.h>

#include "balloon_var.h"

int
xen_balloon_target_pages(uint64_t base_pages, uint64_t static_max_kib,
    uint64_t target_kib, uint64_t *pagesp)
{
	uint64_t want;

	if (target_kib > static_max_kib)
		return (ERANGE);
	want = target_kib / (PV_PAGE_SIZE / 1024);
	*pagesp = want >= base_pages ? 0 : base_pages - want;
	return (0);
}

static void
xen_balloon_target_changed(struct xenbus_watch *w, const char *path)
{
	struct xen_balloon *sc = w->w_arg;
	uint64_t kib, pages, cur;
	bool refused = false;
	int error;

	(void)path;
	/* A bad value is logged by the reader, with its key. */
	error = xenbus_read_u64(XENBUS_TXN_NONE, "memory", "target",
	    UINT64_MAX / 1024, &kib);
	pv_mtx_lock(&sc->sc_mtx);
	cur = sc->sc_target_kib;
	if (error == 0 && (error = xen_balloon_target_pages(sc->sc_base_pages,
	    sc->sc_static_max_kib, kib, &pages)) != 0)
		refused = true;
	if (error != 0) {
		sc->sc_bad_targets++;
		pv_mtx_unlock(&sc->sc_mtx);
		if (refused)
			pv_log(PV_LOG_ERR, "xen_balloon", "memory/target: %ju "
			    "KiB is above memory/static-max (%ju KiB): "
			    "refused; keeping %ju KiB", (uintmax_t)kib,
			    (uintmax_t)sc->sc_static_max_kib, (uintmax_t)cur);
		else
			pv_log(PV_LOG_ERR, "xen_balloon", "memory/target: not "
			    "usable (error %d); keeping %ju KiB", error,
			    (uintmax_t)cur);
		return;
	}
	sc->sc_target_kib = kib;
	pv_mtx_unlock(&sc->sc_mtx);
	if (kib != cur)
		pv_log(PV_LOG_INFO, "xen_balloon", "memory/target %ju KiB: "
		    "balloon of %ju pages", (uintmax_t)kib, (uintmax_t)pages);
	pv_balloon_set_target(sc->sc_balloon, pages);
}

int
xen_balloon_attach(struct xen_balloon **scp)
{
	struct pv_memstats ms;
	struct xen_balloon *sc;
	domid_t self = DOMID_SELF;
	long resv;
	int error;

	if ((sc = pv_malloc(sizeof(*sc), PV_M_ZERO | PV_M_NOWAIT)) == NULL)
		return (ENOMEM);
	pv_mtx_init(&sc->sc_mtx, "xen_balloon");
	/*
	 * A target is counted from the domain's reservation as the
	 * hypervisor sees it, which is what xl shows and sets: it includes
	 * the kernel image and pages the allocator never gets.  Without
	 * that answer, from the RAM the platform gave us at boot.
	 */
	pv_mem_stats(&ms);
	sc->sc_base_pages = ms.ms_pages_total;
	resv = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
	if (resv >= (long)ms.ms_pages_total &&
	    (uint64_t)resv <= ms.ms_pages_total * 2)
		sc->sc_base_pages = (uint64_t)resv;
	if ((error = xenbus_read_u64(XENBUS_TXN_NONE, "memory", "static-max",
	    UINT64_MAX / 1024, &sc->sc_static_max_kib)) != 0) {
		pv_log(PV_LOG_ERR, "xen_balloon", "memory/static-max: cannot "
		    "read it (error %d)", error);
		goto fail_mtx;
	}
	/* Until the first target, the balloon stays empty. */
	sc->sc_target_kib = sc->sc_base_pages * (PV_PAGE_SIZE / 1024);
	if ((error = pv_balloon_create(&sc->sc_balloon, "xen_balloon",
	    &xen_balloon_ops, sc, XEN_BALLOON_BATCH)) != 0)
		goto fail_mtx;
	/* Relative: after a restore, the new domain's target. */
	sc->sc_watch.w_node = "memory/target";
	sc->sc_watch.w_fn = xen_balloon_target_changed;
	sc->sc_watch.w_arg = sc;
	if ((error = xenbus_watch_register(&sc->sc_watch)) != 0)
		goto fail_balloon;
	pv_log(PV_LOG_INFO, "xen_balloon", "%ju pages at boot, "
	    "memory/static-max %ju KiB", (uintmax_t)sc->sc_base_pages,
	    (uintmax_t)sc->sc_static_max_kib);
	*scp = sc;
	return (0);
fail_balloon:
	pv_balloon_destroy(sc->sc_balloon);
fail_mtx:
	pv_mtx_destroy(&sc->sc_mtx);
	pv_free(sc);
	return (error);
}

void
xen_balloon_detach(struct xen_balloon *sc)
{
	/* No target may arrive once the balloon is gone. */
	xenbus_watch_unregister(&sc->sc_watch);
	pv_balloon_destroy(sc->sc_balloon);
	pv_mtx_destroy(&sc->sc_mtx);
	pv_free(sc);
}

void
xen_balloon_stats(struct xen_balloon *sc, struct xen_balloon_stats *st)
{
	pv_balloon_stats(sc->sc_balloon, &st->xs_core);
	st->xs_base_pages = sc->sc_base_pages;
	st->xs_static_max_kib = sc->sc_static_max_kib;
	pv_mtx_lock(&sc->sc_mtx);
	st->xs_target_kib = sc->sc_target_kib;
	st->xs_bad_targets = sc->sc_bad_targets;
	pv_mtx_unlock(&sc->sc_mtx);
}

struct pv_balloon *
xen_balloon_core(struct xen_balloon *sc)
{
	return (sc->sc_balloon);
}
