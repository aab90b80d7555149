/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Frontend enumeration, as FreeBSD's xenbusb_front and Linux's
 * xenbus_probe_frontend do it: every device/<type>/<id> the toolstack
 * created for us goes to the driver of that type, now and whenever a
 * watch on device/<type> fires (xl block-attach).  A watch callback runs
 * on the xenwatch thread, which must not wait for a backend, so the
 * rescan is a task of its own.  A node is handed to the driver once;
 * one that failed to attach is tried again at the next rescan.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/console.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/taskq.h>
#include <xenpv/xenbus.h>

struct xenbus_probe {
	char			 xp_type[16];
	xenbus_attach_fn	*xp_attach;
	void			*xp_arg;
	struct pv_mtx		 xp_mtx;	/* one rescan at a time */
	char			**xp_known;	/* nodes attached */
	unsigned		 xp_nknown;
	struct xenbus_watch	 xp_watch;
	char			 xp_watch_path[64];
	struct pv_taskq		*xp_tq;
	struct pv_task		 xp_task;
};

static bool
xp_known(const struct xenbus_probe *xp, const char *node)
{
	unsigned i;

	for (i = 0; i < xp->xp_nknown; i++)
		if (strcmp(xp->xp_known[i], node) == 0)
			return (true);
	return (false);
}

/* Remember node; false when there is no memory to (it is then retried). */
static bool
xp_remember(struct xenbus_probe *xp, const char *node)
{
	char **known, *copy;
	size_t len = strlen(node) + 1;

	if ((copy = pv_malloc(len, PV_M_NOWAIT)) == NULL)
		return (false);
	if ((known = pv_malloc((xp->xp_nknown + 1) * sizeof(*known),
	    PV_M_NOWAIT)) == NULL) {
		pv_free(copy);
		return (false);
	}
	memcpy(copy, node, len);
	if (xp->xp_nknown > 0)
		memcpy(known, xp->xp_known, xp->xp_nknown * sizeof(*known));
	known[xp->xp_nknown++] = copy;
	pv_free(xp->xp_known);
	xp->xp_known = known;
	return (true);
}

static unsigned
xp_scan(struct xenbus_probe *xp)
{
	unsigned n = 0, i, attached = 0;
	char **ids = NULL, node[64];
	int error;

	pv_mtx_lock(&xp->xp_mtx);
	if (xenbus_directory(XENBUS_TXN_NONE, "device", xp->xp_type, &n,
	    &ids) != 0) {
		pv_mtx_unlock(&xp->xp_mtx);
		return (0);
	}
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(node, sizeof(node), "device/%s/%s",
		    xp->xp_type, ids[i]) >= sizeof(node)) {
			pv_printf("xenbus: device/%s/%s: id too long; "
			    "ignored\n", xp->xp_type, ids[i]);
			continue;
		}
		if (xp_known(xp, node))
			continue;
		/* Unlocked: an attach waits for its backend. */
		pv_mtx_unlock(&xp->xp_mtx);
		error = xp->xp_attach(node, xp->xp_arg);
		pv_mtx_lock(&xp->xp_mtx);
		if (error != 0) {
			pv_printf("xenbus: %s did not attach (error %d)\n",
			    node, error);
			continue;
		}
		attached++;
		if (!xp_remember(xp, node))
			pv_printf("xenbus: %s: no memory to remember it\n",
			    node);
	}
	pv_mtx_unlock(&xp->xp_mtx);
	pv_free(ids);
	return (attached);
}

static void
xp_task(void *arg, int pending)
{
	(void)pending;
	(void)xp_scan(arg);
}

static void
xp_changed(struct xenbus_watch *w, const char *path)
{
	struct xenbus_probe *xp = w->w_arg;

	(void)path;
	pv_taskq_enqueue(xp->xp_tq, &xp->xp_task);
}

int
xenbus_probe_hotplug(struct xenbus_probe *xp)
{
	/* Relative: after a restore, the new domain's devices. */
	snprintf(xp->xp_watch_path, sizeof(xp->xp_watch_path), "device/%s",
	    xp->xp_type);
	xp->xp_watch.w_node = xp->xp_watch_path;
	xp->xp_watch.w_fn = xp_changed;
	xp->xp_watch.w_arg = xp;
	return (xenbus_watch_register(&xp->xp_watch));
}

int
xenbus_probe_frontends(const char *type, xenbus_attach_fn *attach,
    void *arg, struct xenbus_probe **xpp, unsigned *attachedp)
{
	struct xenbus_probe *xp;
	int error;

	*attachedp = 0;
	if ((xp = pv_malloc(sizeof(*xp), PV_M_NOWAIT | PV_M_ZERO)) == NULL)
		return (ENOMEM);
	if ((size_t)snprintf(xp->xp_type, sizeof(xp->xp_type), "%s", type) >=
	    sizeof(xp->xp_type)) {
		error = EINVAL;
		goto fail_free;
	}
	xp->xp_attach = attach;
	xp->xp_arg = arg;
	pv_mtx_init(&xp->xp_mtx, "xenprobe");
	if ((error = pv_taskq_create(&xp->xp_tq, "xenprobe")) != 0)
		goto fail_mtx;
	PV_TASK_INIT(&xp->xp_task, xp_task, xp);
	*attachedp = xp_scan(xp);
	*xpp = xp;
	return (0);

fail_mtx:
	pv_mtx_destroy(&xp->xp_mtx);
fail_free:
	pv_free(xp);
	return (error);
}

void
xenbus_probe_stop(struct xenbus_probe *xp)
{
	unsigned i;

	if (xp->xp_watch.w_node != NULL)
		xenbus_watch_unregister(&xp->xp_watch);
	pv_taskq_drain(xp->xp_tq, &xp->xp_task);
	pv_taskq_free(xp->xp_tq);
	for (i = 0; i < xp->xp_nknown; i++)
		pv_free(xp->xp_known[i]);
	pv_free(xp->xp_known);
	pv_mtx_destroy(&xp->xp_mtx);
	pv_free(xp);
}
