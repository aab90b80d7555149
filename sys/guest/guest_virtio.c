/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The guest's virtio drivers, given to the virtio-pci bus: virtio-blk
 * disks, run by the same driver as over vhost-user, and the balloon.
 */
#include <errno.h>
#include <stdio.h>

#include <linux/virtio_ids.h>

#include <pv/blk.h>
#include <pv/console.h>
#include <pv/libkern.h>
#include <pvvirtio/virtio.h>
#include <pvvirtio/virtio_balloon.h>
#include <pvvirtio/virtio_blk.h>
#include <pvvirtio/virtio_pci.h>

#include "guest.h"

static void
report_transport(struct virtio_pci *vp, const char *what)
{
	struct virtio_pci_info vpi;

	virtio_pci_info(vp, &vpi);
	pv_printf("%s: virtio-pci %s (device %#x), interrupts %s with %u "
	    "vector(s), features %#jx\n", what, vpi.vpi_modern ? "modern" :
	    "legacy", vpi.vpi_device, virtio_pci_intr_name(vpi.vpi_intr),
	    vpi.vpi_nvectors, (uintmax_t)vpi.vpi_features);
}

static int
blk_attach(struct virtio_pci *vp, void *arg)
{
	struct guest_disk *gk;
	struct pv_disk_info di;
	int error;

	(void)arg;
	if (guest_ndisks == GUEST_MAX_DISKS)
		return (ENOSPC);
	gk = &guest_disks[guest_ndisks];
	if ((error = vtblk_attach(virtio_pci_dev(vp), &gk->gk_sc)) != 0)
		return (error);
	gk->gk_vp = vp;
	gk->gk_blk = vtblk_disk(gk->gk_sc);
	guest_ndisks++;
	pv_blk_info(gk->gk_blk, &di);
	report_transport(vp, di.di_name);
	return (0);
}

static int
balloon_attach(struct virtio_pci *vp, void *arg)
{
	struct vtballoon_softc *sc;
	int error;

	(void)arg;
	if (guest_balloon != NULL)
		return (EBUSY);		/* one balloon is the host's lever */
	if ((error = vtballoon_attach(virtio_pci_dev(vp), &sc)) != 0)
		return (error);
	guest_balloon = vtballoon_balloon(sc);
	report_transport(vp, vtballoon_name(sc));
	return (0);
}

static const struct virtio_pci_driver guest_virtio_drivers[] = {
	{ "virtio-blk", VIRTIO_ID_BLOCK, blk_attach },
	{ "virtio-balloon", VIRTIO_ID_BALLOON, balloon_attach },
};

unsigned
guest_attach_virtio(void)
{
	return (virtio_pci_probe(guest_virtio_drivers,
	    nitems(guest_virtio_drivers), NULL));
}

