/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The guest as a Xen PVH domain: shared_info, event channels, grant
 * tables and xenbus, as xen/ expects them, then blkfront on every vbd
 * the toolstack created for us.  The same drivers run hosted on xensim.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/blk.h>
#include <pv/console.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/taskq.h>
#include <pv/time.h>
#include <xenpv/balloon.h>
#include <xenpv/blkfront.h>
#include <xenpv/evtchn.h>
#include <xenpv/gnttab.h>
#include <xenpv/xenbus.h>

#include "x86/guest.h"
#include "x86_xen.h"

#define	XBD_CONNECT_NS	(20 * PV_NS_PER_SEC)

static struct pv_mtx	 vbd_mtx;	/* guest_ndisks, the new queue */
static unsigned		 vbd_handed;	/* disks handed out so far */
static struct xenbus_watch vbd_watch;
static char		 vbd_watch_path[64];
static struct pv_taskq	*vbd_tq;
static struct pv_task	 vbd_task;

static bool
vbd_known(const char *node)
{
	unsigned i;

	for (i = 0; i < guest_ndisks; i++)
		if (guest_disks[i].gk_xbd != NULL &&
		    strcmp(guest_disks[i].gk_node, node) == 0)
			return (true);
	return (false);
}

static int
attach_vbd(const char *id)
{
	struct guest_disk *gk;
	struct pv_disk_info di;
	char node[64];
	int error;

	snprintf(node, sizeof(node), "device/vbd/%s", id);
	if (vbd_known(node))
		return (EEXIST);
	if (guest_ndisks == GUEST_MAX_DISKS)
		return (ENOSPC);
	gk = &guest_disks[guest_ndisks];
	snprintf(gk->gk_node, sizeof(gk->gk_node), "%s", node);
	if ((error = xbd_attach(node, &gk->gk_xbd)) != 0)
		return (error);
	if ((error = xbd_wait_connected(gk->gk_xbd, XBD_CONNECT_NS)) != 0) {
		xbd_detach(gk->gk_xbd);
		gk->gk_xbd = NULL;
		return (error);
	}
	xbd_open(gk->gk_xbd);
	gk->gk_blk = xbd_disk(gk->gk_xbd);
	pv_mtx_lock(&vbd_mtx);
	guest_ndisks++;
	pv_mtx_unlock(&vbd_mtx);
	pv_blk_info(gk->gk_blk, &di);
	pv_printf("%s: Xen vbd %s, %ju sectors of %u bytes%s\n", di.di_name,
	    node, (uintmax_t)di.di_sectors, di.di_sector_size,
	    di.di_readonly ? ", read-only" : "");
	return (0);
}

/* Attach what is new under device/vbd; a task, so it may wait. */
static unsigned
scan_vbds(void)
{
	unsigned n = 0, i, attached = 0;
	char **ids = NULL;
	int error;

	if (xenbus_directory(XENBUS_TXN_NONE, "device", "vbd", &n, &ids) != 0)
		return (0);
	for (i = 0; i < n; i++) {
		error = attach_vbd(ids[i]);
		if (error == 0)
			attached++;
		else if (error != EEXIST)
			pv_printf("xen: vbd %s did not attach (error %d)\n",
			    ids[i], error);
	}
	pv_free(ids);
	return (attached);
}

static void
vbd_task_fn(void *arg, int pending)
{
	(void)arg;
	(void)pending;
	(void)scan_vbds();
}

/* The xenwatch thread must not wait for a connection: hand it on. */
static void
vbd_changed(struct xenbus_watch *w, const char *path)
{
	(void)w;
	(void)path;
	pv_taskq_enqueue(vbd_tq, &vbd_task);
}

struct guest_disk *
guest_hotplugged(void)
{
	struct guest_disk *gk = NULL;

	if (vbd_tq == NULL)
		return (NULL);
	pv_mtx_lock(&vbd_mtx);
	if (vbd_handed < guest_ndisks)
		gk = &guest_disks[vbd_handed++];
	pv_mtx_unlock(&vbd_mtx);
	return (gk);
}

void
guest_disk_close(struct guest_disk *gk)
{
	if (gk->gk_xbd != NULL)
		xbd_close(gk->gk_xbd);
}

unsigned
guest_attach_xen(void)
{
	struct xen_balloon *xb;
	unsigned attached;
	int error;

	if (!xen_present())
		return (0);
	if ((error = xen_shared_info_init()) != 0 ||
	    (error = xen_evtchn_init()) != 0 ||
	    (error = xen_gnttab_init()) != 0 ||
	    (error = xenbus_init()) != 0) {
		pv_printf("xen: PV services did not start (error %d)\n", error);
		return (0);
	}
	xbd_init();
	pv_printf("xen: domain %u; xenstore up\n", xenbus_domid());
	/* The toolstack's memory/target steers it; no balloon is no error. */
	if (guest_balloon == NULL && xen_balloon_attach(&xb) == 0) {
		guest_balloon = xen_balloon_core(xb);
		pv_printf("xen: balloon follows memory/target\n");
	}
	pv_mtx_init(&vbd_mtx, "xenvbd");
	attached = scan_vbds();
	vbd_handed = guest_ndisks;
	/* xl block-attach later: watch for new vbds. */
	if (pv_taskq_create(&vbd_tq, "xenvbd") == 0) {
		vbd_task.t_fn = vbd_task_fn;
		snprintf(vbd_watch_path, sizeof(vbd_watch_path),
		    "/local/domain/%u/device/vbd", xenbus_domid());
		vbd_watch.w_node = vbd_watch_path;
		vbd_watch.w_fn = vbd_changed;
		if (xenbus_watch_register(&vbd_watch) != 0)
			pv_printf("xen: no watch on device/vbd: no hot-plug\n");
	}
	return (attached);
}
