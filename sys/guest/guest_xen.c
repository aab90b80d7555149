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

#include <pv/atomic.h>
#include <pv/blk.h>
#include <pv/console.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/time.h>
#include <xenpv/balloon.h>
#include <xenpv/blkfront.h>
#include <xenpv/control.h>
#include <xenpv/evtchn.h>
#include <xenpv/gnttab.h>
#include <xenpv/xenbus.h>

#include <xenpv/hypervisor.h>

#include "guest.h"

#define	XBD_CONNECT_NS	(20 * PV_NS_PER_SEC)

static struct pv_mtx	 vbd_mtx;	/* guest_ndisks, vbd_handed */
static unsigned		 vbd_handed;	/* disks handed out so far */
static bool		 vbd_probed;
static struct xenbus_probe *vbd_probe;
static unsigned		 guest_stop;	/* enum guest_stop */

/* xl shutdown or reboot, acknowledged: the workloads wind down. */
static void
guest_control(enum xen_control_req req, void *arg)
{
	(void)arg;
	pv_printf("xen: the toolstack asks for a %s\n",
	    req == XEN_CONTROL_REBOOT ? "reboot" : "poweroff");
	pv_store_rel(&guest_stop, req == XEN_CONTROL_REBOOT ? GUEST_REBOOT :
	    GUEST_POWEROFF);
}

enum guest_stop
guest_stop_requested(void)
{
	return ((enum guest_stop)pv_load_acq(&guest_stop));
}

void
guest_detach_xen(void)
{
	unsigned i;

	if (vbd_probe != NULL)
		xenbus_probe_stop(vbd_probe);
	vbd_probe = NULL;
	for (i = 0; i < guest_ndisks; i++) {
		if (guest_disks[i].gk_xbd == NULL)
			continue;
		xbd_detach(guest_disks[i].gk_xbd);
		guest_disks[i].gk_xbd = NULL;
		guest_disks[i].gk_blk = NULL;
	}
}

/* The vbd driver, given to xenbus: blkfront, connected and opened. */
static int
attach_vbd(const char *node, void *arg)
{
	struct guest_disk *gk;
	struct pv_disk_info di;
	int error;

	(void)arg;
	if (guest_ndisks == GUEST_MAX_DISKS)
		return (ENOSPC);
	gk = &guest_disks[guest_ndisks];
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

struct guest_disk *
guest_hotplugged(void)
{
	struct guest_disk *gk = NULL;

	if (!vbd_probed)
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

bool
guest_disk_wanted_back(struct guest_disk *gk)
{
	return (gk->gk_xbd != NULL && xbd_close_wanted(gk->gk_xbd));
}

bool
guest_grants_in_use(unsigned *np)
{
	struct xen_gnttab_stats st;

	if (!vbd_probed)
		return (false);
	xen_gnttab_stats(&st);
	*np = st.gs_total - st.gs_free;
	return (true);
}

unsigned
guest_attach_xen(void)
{
	struct xenbus_probe *xp;
	struct xen_balloon *xb;
	unsigned attached;
	int error;

	if (xen_shared_info() == NULL)
		return (0);
	if ((error = xen_evtchn_init()) != 0 ||
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
	if ((error = xen_control_attach(guest_control, NULL)) != 0)
		pv_printf("xen: no watch on control/shutdown (error %d): xl "
		    "shutdown will time out\n", error);
	pv_mtx_init(&vbd_mtx, "xenvbd");
	if ((error = xenbus_probe_frontends("vbd", attach_vbd, NULL, &xp,
	    &attached)) != 0) {
		pv_printf("xen: no vbd enumeration (error %d)\n", error);
		return (0);
	}
	/* Those there at boot are the workloads'; later ones are hot-plugs. */
	pv_mtx_lock(&vbd_mtx);
	vbd_handed = guest_ndisks;
	vbd_probed = true;
	pv_mtx_unlock(&vbd_mtx);
	vbd_probe = xp;
	if ((error = xenbus_probe_hotplug(xp)) != 0)
		pv_printf("xen: no watch on device/vbd (error %d): no "
		    "hot-plug\n", error);
	return (attached);
}
