/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pv_pci_find_cap (sys/kern/kern_pci.c) on config space captured from
 * QEMU, and on copies broken the ways a device could break them.
 */
#include <linux/pci_regs.h>

#include <atf-c.h>

#include <pv/pci.h>

#include "lib/fakepci.h"
#include "lib/pvtest.h"

/* blk-modern's list: MSI-X, then five virtio vendor capabilities. */
static const unsigned modern_vndr[] = { 0x84, 0x70, 0x60, 0x50, 0x40 };

static unsigned
count_vndr(struct pv_pci_dev *dev)
{
	unsigned off, n;

	n = 0;
	for (off = pv_pci_find_cap(dev, PCI_CAP_ID_VNDR, 0); off != 0;
	    off = pv_pci_find_cap(dev, PCI_CAP_ID_VNDR, off)) {
		/* However broken the list, the walk ends. */
		ATF_REQUIRE(++n <= 48);
	}
	return (n);
}

ATF_TC_WITHOUT_HEAD(finds_caps_in_captured_images);
ATF_TC_BODY(finds_caps_in_captured_images, tc)
{
	struct pv_pci_dev *dev;
	unsigned i, off;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-modern");
	ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_MSIX, 0), 0x98);
	off = 0;
	for (i = 0; i < 5; i++) {
		off = pv_pci_find_cap(dev, PCI_CAP_ID_VNDR, off);
		ATF_REQUIRE_EQ_MSG(off, modern_vndr[i], "vendor cap %u at %#x",
		    i, off);
	}
	ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_VNDR, off), 0);
	ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_MSI, 0), 0);
	/* 'after' the MSI-X entry, there is none. */
	ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_MSIX, 0x98), 0);
	fakepci_free(dev);

	dev = fakepci_load(tc, "blk-legacy");
	ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_MSIX, 0), 0x40);
	ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_VNDR, 0), 0);
	fakepci_free(dev);

	/* vectors=0, and the balloon: vendor caps but no MSI-X. */
	dev = fakepci_load(tc, "blk-novectors");
	ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_MSIX, 0), 0);
	ATF_REQUIRE_EQ(count_vndr(dev), 5);
	fakepci_free(dev);
	dev = fakepci_load(tc, "balloon");
	ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_MSIX, 0), 0);
	ATF_REQUIRE_EQ(count_vndr(dev), 5);
	ATF_REQUIRE_EQ(dev->fp_bad_access, 0);
	fakepci_free(dev);
}

ATF_TC_WITHOUT_HEAD(no_cap_list_bit);
ATF_TC_BODY(no_cap_list_bit, tc)
{
	struct pv_pci_dev *dev;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-modern");
	fakepci_put(dev, PCI_STATUS, 0, 2);
	/* The pointer is still there; without the bit it means nothing. */
	ATF_REQUIRE_EQ(dev->fp_cfg[PCI_CAPABILITY_LIST], 0x98);
	ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_MSIX, 0), 0);
	fakepci_free(dev);
}

ATF_TC_WITHOUT_HEAD(reserved_pointer_bits_masked);
ATF_TC_BODY(reserved_pointer_bits_masked, tc)
{
	struct pv_pci_dev *dev;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-modern");
	dev->fp_cfg[PCI_CAPABILITY_LIST] = 0x98 | 3;
	dev->fp_cfg[0x98 + 1] = 0x84 | 2;
	ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_MSIX, 0), 0x98);
	ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_VNDR, 0), 0x84);
	fakepci_free(dev);
}

ATF_TC_WITHOUT_HEAD(loop_rejected);
ATF_TC_BODY(loop_rejected, tc)
{
	struct pv_pci_dev *dev;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-modern");
	/* The last entry (0x40) points back at the first. */
	dev->fp_cfg[0x41] = 0x98;
	ATF_REQUIRE_EQ(count_vndr(dev), 0);
	ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_MSIX, 0), 0);
	ATF_REQUIRE(pvtest_msgbuf_has("capability list loops back to 0x98 "
	    "at 0x41"));
	/* An entry that points at itself. */
	dev->fp_cfg[0x41] = 0;
	dev->fp_cfg[0x61] = 0x60;
	ATF_REQUIRE_EQ(count_vndr(dev), 0);
	ATF_REQUIRE(pvtest_msgbuf_has("loops back to 0x60 at 0x61"));
	fakepci_free(dev);
}

ATF_TC_WITHOUT_HEAD(pointer_into_header_rejected);
ATF_TC_BODY(pointer_into_header_rejected, tc)
{
	struct pv_pci_dev *dev;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-modern");
	dev->fp_cfg[PCI_CAPABILITY_LIST] = 0x10;
	ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_MSIX, 0), 0);
	ATF_REQUIRE(pvtest_msgbuf_has("pointer 0x10 at 0x34 points into "
	    "the header"));
	/* In the middle of the list, after a match: still refused. */
	dev->fp_cfg[PCI_CAPABILITY_LIST] = 0x98;
	dev->fp_cfg[0x71] = 0x3c;
	ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_MSIX, 0), 0);
	ATF_REQUIRE(pvtest_msgbuf_has("pointer 0x3c at 0x71"));
	fakepci_free(dev);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, finds_caps_in_captured_images);
	ATF_TP_ADD_TC(tp, no_cap_list_bit);
	ATF_TP_ADD_TC(tp, reserved_pointer_bits_masked);
	ATF_TP_ADD_TC(tp, loop_rejected);
	ATF_TP_ADD_TC(tp, pointer_into_header_rejected);
	return (atf_no_error());
}
