/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The guest as a Xen PVH domain: shared_info, event channels, grant
 * tables and xenbus, as xen/ expects them, then blkfront on every vbd
 * the toolstack created for us.  The same drivers run hosted on xensim.
 */
#include <errno.h>
#include <stdio.h>

#include <pv/blk.h>
#include <pv/console.h>
#include <pv/mem.h>
#include <pv/time.h>
#include <xenpv/balloon.h>
#include <xenpv/blkfront.h>
#include <xenpv/evtchn.h>
#include <xenpv/gnttab.h>
#include <xenpv/xenbus.h>

#include "x86/guest.h"
#include "x86_xen.h"

#define	XBD_CONNECT_NS	(20 * PV_NS_PER_SEC)

static int
attach_vbd(const char *id)
{
	struct guest_disk *gk;
	struct pv_disk_info di;
	char node[64];
	int error;

	if (guest_ndisks == GUEST_MAX_DISKS)
		return (ENOSPC);
	gk = &guest_disks[guest_ndisks];
	snprintf(node, sizeof(node), "device/vbd/%s", id);
	if ((error = xbd_attach(node, &gk->gk_xbd)) != 0)
		return (error);
	if ((error = xbd_wait_connected(gk->gk_xbd, XBD_CONNECT_NS)) != 0) {
		xbd_detach(gk->gk_xbd);
		gk->gk_xbd = NULL;
		return (error);
	}
	xbd_open(gk->gk_xbd);
	gk->gk_blk = xbd_disk(gk->gk_xbd);
	guest_ndisks++;
	pv_blk_info(gk->gk_blk, &di);
	pv_printf("%s: Xen vbd %s, %ju sectors of %u bytes%s\n", di.di_name,
	    node, (uintmax_t)di.di_sectors, di.di_sector_size,
	    di.di_readonly ? ", read-only" : "");
	return (0);
}

unsigned
guest_attach_xen(void)
{
	unsigned n = 0, i, attached = 0;
	struct xen_balloon *xb;
	char **ids = NULL;
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
	if (xenbus_directory(XENBUS_TXN_NONE, "device", "vbd", &n, &ids) != 0)
		return (0);
	for (i = 0; i < n; i++) {
		if ((error = attach_vbd(ids[i])) != 0)
			pv_printf("xen: vbd %s did not attach (error %d)\n",
			    ids[i], error);
		else
			attached++;
	}
	pv_free(ids);
	return (attached);
}
