/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The virtio-pci devices of the reference guest: virtio-blk disks, run by
 * the same driver as over vhost-user, and the balloon's transport, which
 * is attached and reported until its driver arrives.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include <linux/virtio_ids.h>

#include <pv/blk.h>
#include <pv/console.h>
#include <pv/pci.h>
#include <pvvirtio/virtio.h>
#include <pvvirtio/virtio_balloon.h>
#include <pvvirtio/virtio_blk.h>
#include <pvvirtio/virtio_pci.h>

#include "x86/cpufunc.h"
#include "x86/guest.h"
#include "x86_var.h"

struct guest_disk	guest_disks[GUEST_MAX_DISKS];
unsigned		guest_ndisks;
struct pv_balloon	*guest_balloon;
static uint64_t		first_io_ns;

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

static bool
blk_match(uint16_t vendor, uint16_t device)
{
	return (vendor == VIRTIO_PCI_VENDOR && (device == 0x1001 ||
	    device == 0x1040 + VIRTIO_ID_BLOCK));
}

static int
blk_attach(struct pv_pci_dev *dev)
{
	struct guest_disk *gk;
	struct virtio_pci *vp;
	struct pv_disk_info di;
	int error;

	if (guest_ndisks == GUEST_MAX_DISKS)
		return (ENOSPC);
	gk = &guest_disks[guest_ndisks];
	if ((error = virtio_pci_attach(dev, &vp)) != 0)
		return (error);
	if ((error = vtblk_attach(virtio_pci_dev(vp), &gk->gk_sc)) != 0) {
		virtio_pci_detach(vp);
		return (error);
	}
	gk->gk_vp = vp;
	gk->gk_blk = vtblk_disk(gk->gk_sc);
	guest_ndisks++;
	pv_blk_info(gk->gk_blk, &di);
	report_transport(vp, di.di_name);
	return (0);
}

static const struct guest_pci_driver blk_driver = {
	.gd_name = "virtio-blk",
	.gd_match = blk_match,
	.gd_attach = blk_attach,
};

static bool
balloon_match(uint16_t vendor, uint16_t device)
{
	return (vendor == VIRTIO_PCI_VENDOR && (device == 0x1002 ||
	    device == 0x1040 + VIRTIO_ID_BALLOON));
}

static int
balloon_attach(struct pv_pci_dev *dev)
{
	struct vtballoon_softc *sc;
	struct virtio_pci *vp;
	int error;

	if (guest_balloon != NULL)
		return (EBUSY);		/* one balloon is the host's lever */
	if ((error = virtio_pci_attach(dev, &vp)) != 0)
		return (error);
	if ((error = vtballoon_attach(virtio_pci_dev(vp), &sc)) != 0) {
		virtio_pci_detach(vp);
		return (error);
	}
	guest_balloon = vtballoon_balloon(sc);
	report_transport(vp, vtballoon_name(sc));
	return (0);
}

static const struct guest_pci_driver balloon_driver = {
	.gd_name = "virtio-balloon",
	.gd_match = balloon_match,
	.gd_attach = balloon_attach,
};

const struct guest_pci_driver *const guest_pci_drivers[] = {
	&blk_driver,
	&balloon_driver,
};

const size_t guest_npci_drivers = sizeof(guest_pci_drivers) /
    sizeof(guest_pci_drivers[0]);

int
guest_disk_io(struct guest_disk *gk, struct pv_bio *bio)
{
	int error;

	error = pv_blk_io(gk->gk_blk, bio);
	if (first_io_ns == 0)
		first_io_ns = tsc_to_ns(rdtsc());
	return (error);
}

uint64_t
guest_first_io_ns(void)
{
	return (first_io_ns);
}

void
guest_disk_report(struct guest_disk *gk)
{
	struct pv_disk_info di;
	struct vtblk_info vi;
	struct virtio_pci_info vpi;

	pv_blk_info(gk->gk_blk, &di);
	if (gk->gk_sc == NULL) {
		pv_printf("%s: Xen blkfront; counters under dev.xbd.%s\n",
		    di.di_name, di.di_name);
		return;
	}
	vtblk_info(gk->gk_sc, &vi);
	virtio_pci_info(gk->gk_vp, &vpi);
	pv_printf("%s: %u queue(s) of %u, %u segments, indirect %s, "
	    "event-idx %s, %s cache; %ju requests, %ju kicks, %ju "
	    "interrupts (%s), %ju stalls\n", di.di_name, vi.vi_nqueues,
	    vi.vi_queue_size, vi.vi_max_segs, vi.vi_indirect ? "on" : "off",
	    vi.vi_event_idx ? "on" : "off", vi.vi_wce ? "write-back" :
	    "write-through", (uintmax_t)vi.vi_requests,
	    (uintmax_t)vi.vi_kicks, (uintmax_t)vpi.vpi_intrs,
	    virtio_pci_intr_name(vpi.vpi_intr), (uintmax_t)vi.vi_stalls);
}
