/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * virtio-pci attach on config space captured from QEMU 7.2: which
 * interface is chosen and where its structures are found, and capability
 * lists broken the ways a device could break them, each refused with a
 * message that names the capability and the field.
 */
#include <errno.h>
#include <string.h>

#include <atf-c.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_pci.h>

#include <pv/balloon.h>
#include <pv/mem.h>
#include <pv/pci.h>
#include <pvvirtio/virtio.h>
#include <pvvirtio/virtio_balloon.h>
#include <pvvirtio/virtio_pci.h>

#include "lib/fakepci.h"
#include "lib/pvtest.h"

/* Where the capabilities of QEMU's modern blk and balloon live. */
#define	CAP_COMMON	0x40
#define	CAP_ISR		0x50
#define	CAP_DEVCFG	0x60
#define	CAP_NOTIFY	0x70

static void
region_is(const struct virtio_pci_region *r, unsigned bar, uint32_t off,
    uint32_t len)
{
	ATF_REQUIRE_EQ(r->vr_bar, bar);
	ATF_REQUIRE_EQ(r->vr_off, off);
	ATF_REQUIRE_EQ(r->vr_len, len);
}

static void
modern_layout_is_qemus(const struct virtio_pci_info *vpi)
{
	ATF_REQUIRE(vpi->vpi_modern);
	region_is(&vpi->vpi_common, 4, 0x0000, 0x1000);
	region_is(&vpi->vpi_isr, 4, 0x1000, 0x1000);
	region_is(&vpi->vpi_device_cfg, 4, 0x2000, 0x1000);
	region_is(&vpi->vpi_notify, 4, 0x3000, 0x1000);
	ATF_REQUIRE_EQ(vpi->vpi_notify_mult, 4);
}

/* Attach, check the type and return the info; the caller detaches. */
static struct virtio_pci *
attach(struct pv_pci_dev *dev, uint16_t type, struct virtio_pci_info *vpi)
{
	struct virtio_pci *vp;
	int error;

	error = virtio_pci_attach(dev, &vp);
	ATF_REQUIRE_EQ_MSG(error, 0, "attach %s: %d", dev->fp_name, error);
	ATF_REQUIRE_EQ(virtio_pci_type(vp), type);
	virtio_pci_info(vp, vpi);
	ATF_REQUIRE_EQ(vpi->vpi_type, type);
	ATF_REQUIRE_EQ(vpi->vpi_intr, VIRTIO_PCI_INTR_NONE);
	ATF_REQUIRE(virtio_pci_dev(vp)->vd_ops != NULL);
	return (vp);
}

static void
detach(struct virtio_pci *vp, struct pv_pci_dev *dev)
{
	virtio_pci_detach(vp);
	ATF_REQUIRE_EQ_MSG(dev->fp_nmaps, 0, "%d mappings left",
	    dev->fp_nmaps);
	ATF_REQUIRE_EQ(dev->fp_bad_access, 0);
	fakepci_free(dev);
}

ATF_TC_WITHOUT_HEAD(modern_blk);
ATF_TC_BODY(modern_blk, tc)
{
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_pci_info vpi;
	uint16_t cmd;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-modern");
	vp = attach(dev, VIRTIO_ID_BLOCK, &vpi);
	ATF_REQUIRE_EQ(vpi.vpi_device, 0x1042);
	modern_layout_is_qemus(&vpi);
	ATF_REQUIRE_EQ(vpi.vpi_legacy_size, 0);
	cmd = (uint16_t)fakepci_get(dev, PCI_COMMAND, 2);
	ATF_REQUIRE((cmd & PCI_COMMAND_MEMORY) != 0);
	ATF_REQUIRE((cmd & PCI_COMMAND_MASTER) != 0);
	/* Attach leaves the device reset. */
	ATF_REQUIRE(dev->fp_virtio.fv_resets >= 1);
	ATF_REQUIRE(pvtest_msgbuf_has("virtio-pci 1af4:1042, type 2, modern "
	    "interface"));
	detach(vp, dev);
}

ATF_TC_WITHOUT_HEAD(transitional_blk_prefers_modern);
ATF_TC_BODY(transitional_blk_prefers_modern, tc)
{
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_pci_info vpi;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-transitional");
	vp = attach(dev, VIRTIO_ID_BLOCK, &vpi);
	ATF_REQUIRE_EQ(vpi.vpi_device, 0x1001);
	modern_layout_is_qemus(&vpi);
	detach(vp, dev);
}

ATF_TC_WITHOUT_HEAD(transitional_blk_force_legacy);
ATF_TC_BODY(transitional_blk_force_legacy, tc)
{
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_pci_info vpi;

	pvtest_init_tunables(0, "hw.virtio_pci.force_legacy=1");
	dev = fakepci_load(tc, "blk-transitional");
	vp = attach(dev, VIRTIO_ID_BLOCK, &vpi);
	ATF_REQUIRE(!vpi.vpi_modern);
	ATF_REQUIRE_EQ(vpi.vpi_legacy_size, 0x80);
	ATF_REQUIRE_EQ(vpi.vpi_common.vr_len, 0);
	ATF_REQUIRE((fakepci_get(dev, PCI_COMMAND, 2) & PCI_COMMAND_IO) != 0);
	ATF_REQUIRE(pvtest_msgbuf_has("type 2, legacy interface"));
	detach(vp, dev);
}

ATF_TC_WITHOUT_HEAD(legacy_only_blk);
ATF_TC_BODY(legacy_only_blk, tc)
{
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_pci_info vpi;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-legacy");
	vp = attach(dev, VIRTIO_ID_BLOCK, &vpi);
	ATF_REQUIRE(!vpi.vpi_modern);
	ATF_REQUIRE_EQ(vpi.vpi_legacy_size, 0x80);
	/* No vendor caps is no reason to complain. */
	ATF_REQUIRE(!pvtest_msgbuf_has("unusable"));
	detach(vp, dev);
}

ATF_TC_WITHOUT_HEAD(legacy_needs_revision_0);
ATF_TC_BODY(legacy_needs_revision_0, tc)
{
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-legacy");
	dev->fp_cfg[PCI_REVISION_ID] = 1;
	ATF_REQUIRE_EQ(virtio_pci_attach(dev, &vp), ENXIO);
	ATF_REQUIRE(pvtest_msgbuf_has("legacy interface at revision 1"));
	ATF_REQUIRE_EQ(dev->fp_nmaps, 0);
	fakepci_free(dev);
}

ATF_TC_WITHOUT_HEAD(balloon_and_novectors);
ATF_TC_BODY(balloon_and_novectors, tc)
{
	static const struct {
		const char	*name;
		uint16_t	 device, type;
	} imgs[] = {
		{ "balloon", 0x1002, VIRTIO_ID_BALLOON },
		{ "balloon-modern", 0x1045, VIRTIO_ID_BALLOON },
		{ "blk-novectors", 0x1001, VIRTIO_ID_BLOCK },
	};
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_pci_info vpi;
	unsigned i;

	pvtest_init(0);
	for (i = 0; i < 3; i++) {
		dev = fakepci_load(tc, imgs[i].name);
		ATF_REQUIRE_EQ(pv_pci_find_cap(dev, PCI_CAP_ID_MSIX, 0), 0);
		vp = attach(dev, imgs[i].type, &vpi);
		ATF_REQUIRE_EQ(vpi.vpi_device, imgs[i].device);
		modern_layout_is_qemus(&vpi);
		detach(vp, dev);
	}
}

/* The balloon driver on top, detached: the device reset, nothing kept. */
ATF_TC_WITHOUT_HEAD(balloon_driver_detach_frees_all);
ATF_TC_BODY(balloon_driver_detach_frees_all, tc)
{
	struct pv_memstats before, after;
	struct vtballoon_softc *sc;
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_pci_info vpi;

	pvtest_init(0);
	dev = fakepci_load(tc, "balloon-modern");
	dev->fp_virtio.fv_nqueues = 2;
	vp = attach(dev, VIRTIO_ID_BALLOON, &vpi);
	/* What lives as long as the kernel is not the driver's to free. */
	pv_balloon_init();
	pv_mem_stats(&before);
	ATF_REQUIRE_EQ(vtballoon_attach(virtio_pci_dev(vp), &sc), 0);
	ATF_REQUIRE(dev->fp_virtio.fv_status & VIRTIO_CONFIG_S_DRIVER_OK);
	ATF_REQUIRE(dev->fp_virtio.fv_q[0].fq_enable != 0);
	ATF_REQUIRE(dev->fp_virtio.fv_q[1].fq_enable != 0);
	vtballoon_detach(sc);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_status, 0);
	ATF_REQUIRE_EQ(dev->fp_irq_kind, -1);
	ATF_REQUIRE(virtio_pci_dev(vp)->vd_config_fn == NULL);
	pv_mem_stats(&after);
	ATF_REQUIRE_EQ_MSG(after.ms_malloc_count, before.ms_malloc_count,
	    "%ju allocations before, %ju after",
	    (uintmax_t)before.ms_malloc_count,
	    (uintmax_t)after.ms_malloc_count);
	ATF_REQUIRE_EQ(after.ms_malloc_bytes, before.ms_malloc_bytes);
	ATF_REQUIRE_EQ_MSG(after.ms_pages_free, before.ms_pages_free,
	    "%ju pages free before, %ju after",
	    (uintmax_t)before.ms_pages_free, (uintmax_t)after.ms_pages_free);
	detach(vp, dev);
}

ATF_TC_WITHOUT_HEAD(not_virtio);
ATF_TC_BODY(not_virtio, tc)
{
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;

	pvtest_init(0);
	ATF_REQUIRE(virtio_pci_match(0x1af4, 0x1000));
	ATF_REQUIRE(virtio_pci_match(0x1af4, 0x107f));
	ATF_REQUIRE(!virtio_pci_match(0x1af4, 0x1080));
	ATF_REQUIRE(!virtio_pci_match(0x8086, 0x1042));
	dev = fakepci_load(tc, "blk-modern");
	fakepci_put(dev, PCI_DEVICE_ID, 0x1110, 2);	/* ivshmem */
	ATF_REQUIRE_EQ(virtio_pci_attach(dev, &vp), ENXIO);
	/* Type 0 is reserved. */
	fakepci_put(dev, PCI_DEVICE_ID, 0x1040, 2);
	ATF_REQUIRE_EQ(virtio_pci_attach(dev, &vp), ENXIO);
	ATF_REQUIRE(pvtest_msgbuf_has("type 0 is reserved"));
	ATF_REQUIRE_EQ(dev->fp_nmaps, 0);
	fakepci_free(dev);
}

/* A broken blk-modern: attach fails, and the log says this. */
static void
modern_refused(const char *msg, struct pv_pci_dev *dev)
{
	struct virtio_pci *vp;

	ATF_REQUIRE_EQ(virtio_pci_attach(dev, &vp), ENXIO);
	ATF_REQUIRE_MSG(pvtest_msgbuf_has(msg), "no \"%s\" in the log", msg);
	ATF_REQUIRE_EQ(dev->fp_nmaps, 0);
	ATF_REQUIRE_EQ(dev->fp_bad_access, 0);
	fakepci_free(dev);
}

ATF_TC_WITHOUT_HEAD(cap_loop);
ATF_TC_BODY(cap_loop, tc)
{
	struct pv_pci_dev *dev;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-modern");
	dev->fp_cfg[CAP_COMMON + 1] = 0x84;
	modern_refused("not attached: no virtio capabilities", dev);
	ATF_REQUIRE(pvtest_msgbuf_has("capability list loops back to 0x84 "
	    "at 0x41"));
}

ATF_TC_WITHOUT_HEAD(cap_pointer_into_header);
ATF_TC_BODY(cap_pointer_into_header, tc)
{
	struct pv_pci_dev *dev;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-modern");
	dev->fp_cfg[CAP_ISR + 1] = 0x2c;
	modern_refused("not attached: no virtio capabilities", dev);
	ATF_REQUIRE(pvtest_msgbuf_has("pointer 0x2c at 0x51 points into "
	    "the header"));
}

ATF_TC_WITHOUT_HEAD(cap_past_config_space);
ATF_TC_BODY(cap_past_config_space, tc)
{
	struct pv_pci_dev *dev;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-modern");
	/* The common cap moved to 0xf8: its 16 bytes would end at 0x108. */
	memcpy(&dev->fp_cfg[0xf8], &dev->fp_cfg[CAP_COMMON], 8);
	dev->fp_cfg[0xf9] = 0;
	dev->fp_cfg[CAP_ISR + 1] = 0xf8;
	modern_refused("no usable common config capability: cap_len 16 runs "
	    "past config space", dev);
}

ATF_TC_WITHOUT_HEAD(cap_reserved_bar);
ATF_TC_BODY(cap_reserved_bar, tc)
{
	struct pv_pci_dev *dev;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-modern");
	dev->fp_cfg[CAP_COMMON + VIRTIO_PCI_CAP_BAR] = 7;
	modern_refused("no usable common config capability: bar 7 is "
	    "reserved", dev);
	ATF_REQUIRE(pvtest_msgbuf_has("common config capability at 0x40 "
	    "passed over"));

	/* BAR2 is not implemented on this device. */
	dev = fakepci_load(tc, "blk-modern");
	dev->fp_cfg[CAP_ISR + VIRTIO_PCI_CAP_BAR] = 2;
	modern_refused("no usable ISR capability: bar 2 is not implemented",
	    dev);
}

ATF_TC_WITHOUT_HEAD(cap_past_bar);
ATF_TC_BODY(cap_past_bar, tc)
{
	struct pv_pci_dev *dev;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-modern");
	fakepci_put(dev, CAP_NOTIFY + VIRTIO_PCI_CAP_OFFSET, 0x3ffe, 4);
	modern_refused("no usable notify capability: offset 0x3ffe + length "
	    "0x1000 runs past bar 4 (size 0x4000)", dev);
}

/* A device config cap that does not hold up is only passed over. */
ATF_TC_WITHOUT_HEAD(device_cfg_optional);
ATF_TC_BODY(device_cfg_optional, tc)
{
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_pci_info vpi;
	uint8_t buf[8];

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-modern");
	/* A length that wraps 32 bits is past the BAR too. */
	fakepci_put(dev, CAP_DEVCFG + VIRTIO_PCI_CAP_LENGTH, 0xffffffff, 4);
	vp = attach(dev, VIRTIO_ID_BLOCK, &vpi);
	ATF_REQUIRE(pvtest_msgbuf_has("device config capability at 0x60 "
	    "passed over: offset 0x2000 + length 0xffffffff runs past bar 4"));
	ATF_REQUIRE_EQ(vpi.vpi_device_cfg.vr_len, 0);
	/* Reads of a config the device has not got give zeros. */
	memset(buf, 0xa5, sizeof(buf));
	dev->fp_virtio.fv_devcfg[0] = 0x11;
	ATF_REQUIRE_EQ(virtio_read_config(virtio_pci_dev(vp), 0, buf, 8), 0);
	ATF_REQUIRE_EQ(buf[0], 0);
	ATF_REQUIRE(pvtest_msgbuf_has("device config read 0+8 is outside "
	    "its 0 bytes"));
	detach(vp, dev);
}

ATF_TC_WITHOUT_HEAD(common_cfg_too_short);
ATF_TC_BODY(common_cfg_too_short, tc)
{
	struct pv_pci_dev *dev;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-modern");
	fakepci_put(dev, CAP_COMMON + VIRTIO_PCI_CAP_LENGTH, 0x30, 4);
	modern_refused("no usable common config capability: length 48 is "
	    "below 56", dev);

	/* A notify cap without room for its multiplier. */
	dev = fakepci_load(tc, "blk-modern");
	dev->fp_cfg[CAP_NOTIFY + VIRTIO_PCI_CAP_LEN] = 16;
	modern_refused("no usable notify capability: cap_len 16 is below 20",
	    dev);
}

ATF_TC_WITHOUT_HEAD(notify_multiplier);
ATF_TC_BODY(notify_multiplier, tc)
{
	struct virtio_vq_info info[2];
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_dev *vd;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-modern");
	fakepci_put(dev, CAP_NOTIFY + VIRTIO_PCI_NOTIFY_CAP_MULT, 3, 4);
	modern_refused("no usable notify capability: notify_off_multiplier 3 "
	    "is not a power of 2", dev);

	/*
	 * 0x1000 is a fine multiplier, but queue 1's doorbell would be at
	 * 0x1000 in a window of 0x1000: its queue is refused.
	 */
	dev = fakepci_load(tc, "blk-modern");
	fakepci_put(dev, CAP_NOTIFY + VIRTIO_PCI_NOTIFY_CAP_MULT, 0x1000, 4);
	dev->fp_virtio.fv_nqueues = 2;
	ATF_REQUIRE_EQ(virtio_pci_attach(dev, &vp), 0);
	vd = virtio_pci_dev(vp);
	ATF_REQUIRE_EQ(virtio_negotiate(vd, 0), 0);
	memset(info, 0, sizeof(info));
	ATF_REQUIRE_EQ(virtio_alloc_queues(vd, 2, info), EIO);
	ATF_REQUIRE(pvtest_msgbuf_has("queue 1: queue_notify_off 1 * "
	    "notify_off_multiplier 4096 + 2 runs past the notify window of "
	    "4096 bytes"));
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_q[1].fq_enable, 0);
	/* Nothing of the failed set-up is left behind. */
	ATF_REQUIRE_EQ(dev->fp_irq_kind, -1);
	detach(vp, dev);
}

ATF_TC_WITHOUT_HEAD(transitional_falls_back_to_legacy);
ATF_TC_BODY(transitional_falls_back_to_legacy, tc)
{
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_pci_info vpi;

	pvtest_init(0);
	dev = fakepci_load(tc, "blk-transitional");
	fakepci_put(dev, CAP_COMMON + VIRTIO_PCI_CAP_LENGTH, 0x8, 4);
	vp = attach(dev, VIRTIO_ID_BLOCK, &vpi);
	ATF_REQUIRE(!vpi.vpi_modern);
	/* The modern capabilities that did hold up are not reported. */
	ATF_REQUIRE_EQ(vpi.vpi_notify.vr_len, 0);
	ATF_REQUIRE_EQ(vpi.vpi_notify_mult, 0);
	ATF_REQUIRE(pvtest_msgbuf_has("modern interface unusable (no usable "
	    "common config capability: length 8 is below 56); trying "
	    "legacy"));
	detach(vp, dev);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, modern_blk);
	ATF_TP_ADD_TC(tp, transitional_blk_prefers_modern);
	ATF_TP_ADD_TC(tp, transitional_blk_force_legacy);
	ATF_TP_ADD_TC(tp, legacy_only_blk);
	ATF_TP_ADD_TC(tp, legacy_needs_revision_0);
	ATF_TP_ADD_TC(tp, balloon_and_novectors);
	ATF_TP_ADD_TC(tp, balloon_driver_detach_frees_all);
	ATF_TP_ADD_TC(tp, not_virtio);
	ATF_TP_ADD_TC(tp, cap_loop);
	ATF_TP_ADD_TC(tp, cap_pointer_into_header);
	ATF_TP_ADD_TC(tp, cap_past_config_space);
	ATF_TP_ADD_TC(tp, cap_reserved_bar);
	ATF_TP_ADD_TC(tp, cap_past_bar);
	ATF_TP_ADD_TC(tp, common_cfg_too_short);
	ATF_TP_ADD_TC(tp, notify_multiplier);
	ATF_TP_ADD_TC(tp, transitional_falls_back_to_legacy);
	ATF_TP_ADD_TC(tp, device_cfg_optional);
	return (atf_no_error());
}
