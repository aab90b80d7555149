/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * blkfront across a save, restore or migration (xen/suspend.c drives
 * it).  Before the suspend the disk stops issuing; what is in flight
 * stays there.  A cancelled suspend thaws it.  In a new domain the rings,
 * their channels and every grant are the old domain's: they are dropped
 * without a word to the backend (it is gone), what was in flight is
 * requeued in its order, and once xenstore is back the node and backend
 * are looked up again, since the domid changed, and the backend's first
 * watch event starts the handshake as at attach (Linux blkif_recover).
 */
#include <pv/blk.h>
#include <pv/console.h>

#include "blkfront_var.h"

static void
xbd_freeze(struct xbd_softc *sc, bool freeze)
{
	pv_blk_lock(sc->sc_blk);
	if (freeze)
		pv_blk_freeze(sc->sc_blk, PV_FREEZE_SUSPEND);
	else
		pv_blk_thaw(sc->sc_blk, PV_FREEZE_SUSPEND);
	pv_blk_unlock(sc->sc_blk);
}

static void
xbd_pm_suspend(void *arg)
{
	struct xbd_softc *sc = arg;

	pv_mtx_lock(&sc->sc_mtx);
	if (sc->sc_blk != NULL)
		xbd_freeze(sc, true);
	pv_mtx_unlock(&sc->sc_mtx);
}

static void
xbd_pm_cancel(void *arg)
{
	struct xbd_softc *sc = arg;

	/* Not connected: the connect thaws it. */
	pv_mtx_lock(&sc->sc_mtx);
	if (sc->sc_blk != NULL && sc->sc_conn == XBD_CONNECTED)
		xbd_freeze(sc, false);
	pv_mtx_unlock(&sc->sc_mtx);
}

static void
xbd_pm_forget(void *arg)
{
	struct xbd_softc *sc = arg;

	pv_mtx_lock(&sc->sc_mtx);
	if (sc->sc_conn != XBD_FAILED) {
		if (sc->sc_blk != NULL)
			pv_log(PV_LOG_NOTICE, sc->sc_name, "new domain: %u "
			    "requests in flight go again once reconnected",
			    (unsigned)pv_blk_busy(sc->sc_blk));
		sc->sc_domain_gone = true;
		xbd_disconnect(sc, true);
		sc->sc_domain_gone = false;
		xbd_set_conn(sc, XBD_DISCONNECTED, 0);
	}
	pv_mtx_unlock(&sc->sc_mtx);
}

static void
xbd_pm_resume(void *arg)
{
	struct xbd_softc *sc = arg;
	int error;

	/* On the xenwatch thread, which is where the watch would run. */
	xenbus_watch_unregister(&sc->sc_watch);
	pv_mtx_lock(&sc->sc_mtx);
	xbd_set_node(sc);
	error = sc->sc_conn == XBD_FAILED ? 0 : xbd_find_backend(sc);
	pv_mtx_unlock(&sc->sc_mtx);
	if (error == 0)
		error = xenbus_watch_register(&sc->sc_watch);
	if (error != 0) {
		pv_log(PV_LOG_ERR, sc->sc_name, "no backend after resume "
		    "(error %d)", error);
		pv_mtx_lock(&sc->sc_mtx);
		xbd_set_conn(sc, XBD_FAILED, error);
		if (sc->sc_blk != NULL) {
			pv_blk_lock(sc->sc_blk);
			pv_blk_fail(sc->sc_blk, "no backend after resume");
			pv_blk_unlock(sc->sc_blk);
		}
		pv_mtx_unlock(&sc->sc_mtx);
		return;
	}
	pv_log(PV_LOG_INFO, sc->sc_name, "resumed: %s", sc->sc_backend);
}

void
xbd_suspend_hook(struct xbd_softc *sc, bool on)
{
	if (!on) {
		xen_suspend_unregister(&sc->sc_susp);
		return;
	}
	sc->sc_susp.sh_name = "xbd";
	sc->sc_susp.sh_arg = sc;
	sc->sc_susp.sh_suspend = xbd_pm_suspend;
	sc->sc_susp.sh_cancel = xbd_pm_cancel;
	sc->sc_susp.sh_forget = xbd_pm_forget;
	sc->sc_susp.sh_resume = xbd_pm_resume;
	xen_suspend_register(&sc->sc_susp);
}
