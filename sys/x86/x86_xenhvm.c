/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * What a Xen HVM domain has that a PVH one has not.  libxl gives an HVM
 * guest emulated disks and NICs for its firmware, beside the PV ones, and
 * QEMU's Xen platform device (5853:0001) with I/O ports 0x10-0x1f to take
 * them away: before any disk is enumerated the guest unplugs them, or one
 * image would be written through two paths at once
 * (docs/misc/hvm-emulated-unplug.pandoc).  A PVH domain answers nothing
 * at those ports, so finding the magic there is what says HVM.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <pv/console.h>

#include "x86/cpufunc.h"
#include "x86_var.h"
#include "x86_xen.h"

#define	UNPLUG_PORT		0x10	/* 16-bit magic, then the mask */
#define	UNPLUG_VERSION_PORT	0x12
#define	UNPLUG_MAGIC		0x49d2
#define	UNPLUG_BLACKLISTED	0xd249
#define	UNPLUG_ALL_DISKS	0x0001	/* IDE and SCSI */
#define	UNPLUG_ALL_NICS		0x0002
/* Product numbers are registered with Xen; this one is for the unlisted. */
#define	UNPLUG_PRODUCT		0xffff
#define	UNPLUG_BUILD		1

static bool	hvm_found;

bool
xen_hvm(void)
{
	return (hvm_found);
}

/* 0, or why the emulated devices stay. */
int
xen_hvm_unplug(void)
{
	uint8_t version;

	if (!xen_present() || inw(UNPLUG_PORT) != UNPLUG_MAGIC)
		return (ENXIO);
	hvm_found = true;
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
