/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The suspend sequence.  A save needs the guest still, so the frontends
 * stop issuing and xenstore goes quiet before SCHEDOP_shutdown.  When the
 * hypercall returns in a new domain (0) every event channel and grant
 * reference is void and the store ring was cleared: the platform has
 * mapped shared_info and set the upcall again; here the grant frames come
 * back, the frontends drop what belonged to the old domain before the
 * store's new port is bound (so no old port number is taken for a new
 * one), and reconnect once the store is back.  A cancelled suspend (1:
 * a checkpoint, a failed save) changes nothing.
 */
#include <errno.h>

#include <pv/console.h>
#include <pv/sync.h>
#include <pv/time.h>
#include <xenpv/evtchn.h>
#include <xenpv/gnttab.h>
#include <xenpv/hypervisor.h>
#include <xenpv/suspend.h>
#include <xenpv/xenbus.h>

enum phase { PH_SUSPEND, PH_CANCEL, PH_FORGET, PH_RESUME };

static struct pv_mtx	 susp_mtx;
static TAILQ_HEAD(, xen_suspend_hook) susp_hooks =
    TAILQ_HEAD_INITIALIZER(susp_hooks);

void
xen_suspend_init(void)
{
	pv_mtx_init(&susp_mtx, "xensusp");
}

void
xen_suspend_register(struct xen_suspend_hook *h)
{
	pv_mtx_lock(&susp_mtx);
	TAILQ_INSERT_TAIL(&susp_hooks, h, sh_link);
	pv_mtx_unlock(&susp_mtx);
}

void
xen_suspend_unregister(struct xen_suspend_hook *h)
{
	pv_mtx_lock(&susp_mtx);
	TAILQ_REMOVE(&susp_hooks, h, sh_link);
	pv_mtx_unlock(&susp_mtx);
}

static void
hooks_run(enum phase ph)
{
	struct xen_suspend_hook *h;
	void (*fn)(void *);

	PV_MTX_ASSERT_OWNED(&susp_mtx);
	TAILQ_FOREACH(h, &susp_hooks, sh_link) {
		switch (ph) {
		case PH_SUSPEND:
			fn = h->sh_suspend;
			break;
		case PH_CANCEL:
			fn = h->sh_cancel;
			break;
		case PH_FORGET:
			fn = h->sh_forget;
			break;
		default:
			fn = h->sh_resume;
			break;
		}
		if (fn != NULL)
			fn(h->sh_arg);
	}
}

int
xen_suspend(void)
{
	uint64_t t0 = pv_uptime_ns();
	int error, rc;

	pv_mtx_lock(&susp_mtx);
	hooks_run(PH_SUSPEND);
	if ((error = xenbus_suspend()) != 0) {
		pv_log(PV_LOG_ERR, "xen", "suspend: xenstore did not go quiet "
		    "(error %d); not suspending", error);
		hooks_run(PH_CANCEL);
		pv_mtx_unlock(&susp_mtx);
		return (error);
	}
	pv_log(PV_LOG_NOTICE, "xen", "suspending");
	rc = xen_platform_suspend();
	if (rc != 0) {
		xenbus_suspend_cancel();
		hooks_run(PH_CANCEL);
		pv_mtx_unlock(&susp_mtx);
		if (rc < 0)
			return (-rc);
		pv_log(PV_LOG_NOTICE, "xen", "suspend cancelled; going on");
		return (1);
	}
	if ((error = xen_gnttab_resume()) != 0)
		pv_log(PV_LOG_ERR, "xen", "resume: no grant table (error %d)",
		    error);
	xen_evtchn_resume();
	hooks_run(PH_FORGET);
	if ((error = xenbus_resume()) != 0)
		pv_log(PV_LOG_ERR, "xen", "resume: no xenstore (error %d)",
		    error);
	hooks_run(PH_RESUME);
	pv_mtx_unlock(&susp_mtx);
	pv_log(PV_LOG_NOTICE, "xen", "resumed as domain %u, %ju ms after "
	    "the request", xenbus_domid(),
	    (uintmax_t)((pv_uptime_ns() - t0) / PV_NS_PER_MS));
	return (0);
}
