/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * What a Xen HVM domain has that a PVH one has not.  libxl gives an HVM
 * guest emulated disks and NICs for its firmware, beside the PV ones, and
 * QEMU's Xen platform device (5853:0001) with I/O ports 0x10-0x1f to take
 * them away: before any disk is enumerated the guest unplugs them, or one
 * image would be written through two paths at once
 * (docs/misc/hvm-emulated-unplug.pandoc).
 *
 * The same device carries events when the callback vector is not used
 * (a Xen without XENFEAT_hvm_callback_vector, or hw.xen.callback_vector
 * =0): Xen holds its INTx line asserted while vCPU 0 has an upcall
 * pending.  Linux's platform-pci driver does the same.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/hvm/params.h>

#include <pv/console.h>
#include <pv/pci.h>

#include "x86/cpufunc.h"
#include "x86_pci.h"
#include "x86_var.h"
#include "x86_xen.h"

#define	PLATFORM_VENDOR		0x5853
#define	PLATFORM_DEVICE		0x0001

#define	UNPLUG_PORT		0x10	/* 16-bit magic, then the mask */
#define	UNPLUG_VERSION_PORT	0x12
#define	UNPLUG_MAGIC		0x49d2
#define	UNPLUG_BLACKLISTED	0xd249
#define	UNPLUG_ALL_DISKS	0x0001	/* IDE and SCSI */
#define	UNPLUG_ALL_NICS		0x0002
/* Product numbers are registered with Xen; this one is for the unlisted. */
#define	UNPLUG_PRODUCT		0xffff
#define	UNPLUG_BUILD		1

static struct pv_pci_dev	*intx_dev;	/* carrying the upcall */

/* 0, or why the emulated devices stay. */
int
xen_hvm_unplug(void)
{
	uint8_t version;

	if (!xen_hvm() || inw(UNPLUG_PORT) != UNPLUG_MAGIC)
		return (ENXIO);
	if ((version = inb(UNPLUG_VERSION_PORT)) != 0) {
		outw(UNPLUG_VERSION_PORT, UNPLUG_PRODUCT);
		outl(UNPLUG_PORT, UNPLUG_BUILD);
		if (inw(UNPLUG_PORT) == UNPLUG_BLACKLISTED) {
			pv_log(PV_LOG_ERR, "xen", "the platform device refuses "
			    "this guest's unplug (blacklisted)");
			return (EPERM);
		}
	}
	outw(UNPLUG_PORT, UNPLUG_ALL_DISKS | UNPLUG_ALL_NICS);
	pv_printf("xen: HVM domain: emulated disks and NICs unplugged "
	    "(protocol %u)\n", version);
	return (0);
}

static void
platform_find(struct pv_pci_dev *dev, uint16_t vendor, uint16_t device,
    void *arg)
{
	struct pv_pci_dev **devp = arg;

	if (vendor == PLATFORM_VENDOR && device == PLATFORM_DEVICE &&
	    *devp == NULL)
		*devp = dev;
}

/*
 * Route the platform device's INTx to ih, with fn as the line's vector
 * handler; *viap is the HVM_PARAM_CALLBACK_IRQ value that names it.
 */
int
xen_hvm_intx_establish(struct pv_intr *ih, x86_vec_fn *fn, uint64_t *viap)
{
	struct pv_pci_dev *dev = NULL;
	unsigned n = 1;
	int error;

	if (!xen_hvm() || intx_dev != NULL)
		return (ENXIO);
	pv_pci_foreach(platform_find, &dev);
	if (dev == NULL) {
		pv_log(PV_LOG_ERR, "xen", "no platform device for INTx events");
		return (ENXIO);
	}
	if ((error = pv_pci_alloc_irqs(dev, PV_PCI_IRQ_INTX, &n)) != 0)
		return (error);
	vec_set_handler(isrc_vector(dev->pd_isrc[0]), fn, dev->pd_isrc[0]);
	if ((error = pv_pci_setup_irq(dev, 0, ih)) != 0) {
		pv_pci_release_irqs(dev);
		return (error);
	}
	intx_dev = dev;
	*viap = (uint64_t)HVM_PARAM_CALLBACK_TYPE_PCI_INTX << 56 |
	    (uint64_t)dev->pd_bus << 16 |
	    (uint64_t)(dev->pd_slot << 3 | dev->pd_func) << 8 |
	    (uint64_t)(dev->pd_intpin - 1);
	pv_printf("xen: events through %s INT%c (line %u)\n", dev->pd_name,
	    'A' + dev->pd_intpin - 1, dev->pd_intline);
	return (0);
}

void
xen_hvm_intx_disestablish(void)
{
	if (intx_dev == NULL)
		return;
	pv_pci_release_irqs(intx_dev);
	intx_dev = NULL;
}
