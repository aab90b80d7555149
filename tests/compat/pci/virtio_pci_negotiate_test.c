/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The virtio core driving the virtio-pci transport on the fake platform:
 * feature negotiation over the modern select registers and the legacy
 * 32-bit ones, queue set-up and doorbells, and device config reads.
 */
#include <errno.h>
#include <string.h>

#include <atf-c.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include <pv/pci.h>
#include <pvvirtio/virtio.h>
#include <pvvirtio/virtio_pci.h>
#include <pvvirtio/virtqueue.h>

#include "lib/fakepci.h"
#include "lib/pvtest.h"

#define	BIT(b)	(1ull << (b))

static void
nop_intr(void *arg)
{
	(void)arg;
}

static struct virtio_dev *
attach(const atf_tc_t *tc, const char *image, uint16_t nqueues,
    struct pv_pci_dev **devp, struct virtio_pci **vpp)
{
	pvtest_init(0);
	*devp = fakepci_load(tc, image);
	/* num_queues is read once, at attach. */
	(*devp)->fp_virtio.fv_nqueues = nqueues;
	ATF_REQUIRE_EQ(virtio_pci_attach(*devp, vpp), 0);
	return (virtio_pci_dev(*vpp));
}

static void
detach(struct virtio_pci *vp, struct pv_pci_dev *dev)
{
	struct virtio_dev *vd = virtio_pci_dev(vp);

	virtio_reset(vd);
	virtio_free_queues(vd);
	virtio_pci_detach(vp);
	ATF_REQUIRE_EQ(dev->fp_nmaps, 0);
	ATF_REQUIRE_EQ(dev->fp_bad_access, 0);
	fakepci_free(dev);
}

ATF_TC_WITHOUT_HEAD(modern_64bit_features);
ATF_TC_BODY(modern_64bit_features, tc)
{
	struct virtio_pci_info vpi;
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_dev *vd;
	uint64_t want;

	vd = attach(tc, "blk-modern", 1, &dev, &vp);
	dev->fp_virtio.fv_offered = BIT(VIRTIO_F_VERSION_1) |
	    BIT(VIRTIO_F_ACCESS_PLATFORM) | BIT(VIRTIO_F_RING_PACKED) |
	    BIT(VIRTIO_BLK_F_FLUSH) | BIT(VIRTIO_RING_F_EVENT_IDX);
	ATF_REQUIRE_EQ(virtio_negotiate(vd, BIT(VIRTIO_BLK_F_FLUSH) |
	    BIT(VIRTIO_F_ACCESS_PLATFORM) | BIT(VIRTIO_BLK_F_RO)), 0);
	/* Bits above 31 went through driver_feature_select = 1. */
	want = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_ACCESS_PLATFORM) |
	    BIT(VIRTIO_BLK_F_FLUSH);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_driver, want);
	ATF_REQUIRE_EQ(vd->vd_features, want);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_status, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	    VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	virtio_pci_info(vp, &vpi);
	ATF_REQUIRE_EQ(vpi.vpi_features, want);
	detach(vp, dev);
}

ATF_TC_WITHOUT_HEAD(modern_features_refused);
ATF_TC_BODY(modern_features_refused, tc)
{
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_dev *vd;

	vd = attach(tc, "blk-modern", 1, &dev, &vp);
	dev->fp_virtio.fv_refuse = true;
	ATF_REQUIRE_EQ(virtio_negotiate(vd, 0), ENOTSUP);
	/* The FEATURES_OK read-back went to the device, not a cache. */
	ATF_REQUIRE((dev->fp_virtio.fv_status & VIRTIO_CONFIG_S_FAILED) != 0);
	ATF_REQUIRE((dev->fp_virtio.fv_status &
	    VIRTIO_CONFIG_S_FEATURES_OK) == 0);
	detach(vp, dev);
}

ATF_TC_WITHOUT_HEAD(legacy_32bit_features);
ATF_TC_BODY(legacy_32bit_features, tc)
{
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_dev *vd;

	vd = attach(tc, "blk-legacy", 1, &dev, &vp);
	/* A legacy register cannot show bit 32; the model would try. */
	dev->fp_virtio.fv_offered = BIT(VIRTIO_F_VERSION_1) |
	    BIT(VIRTIO_BLK_F_FLUSH) | BIT(VIRTIO_RING_F_INDIRECT_DESC);
	ATF_REQUIRE_EQ(virtio_negotiate(vd, ~0ull), 0);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_driver, BIT(VIRTIO_BLK_F_FLUSH) |
	    BIT(VIRTIO_RING_F_INDIRECT_DESC));
	ATF_REQUIRE(!virtio_has(vd, VIRTIO_F_VERSION_1));
	/* No FEATURES_OK step on a legacy device. */
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_status, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	    VIRTIO_CONFIG_S_DRIVER);
	detach(vp, dev);
}

static void
queues_info(struct virtio_vq_info *info, unsigned n, uint16_t max)
{
	unsigned i;

	memset(info, 0, n * sizeof(*info));
	for (i = 0; i < n; i++) {
		info[i].vi_intr = nop_intr;
		info[i].vi_max_size = max;
	}
}

ATF_TC_WITHOUT_HEAD(modern_queues_and_doorbells);
ATF_TC_BODY(modern_queues_and_doorbells, tc)
{
	struct virtio_vq_info info[2];
	struct fakevirtio_queue *fq;
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_dev *vd;
	struct virtqueue *vq;
	unsigned i;

	vd = attach(tc, "blk-modern", 2, &dev, &vp);
	dev->fp_virtio.fv_q[1].fq_notify_off = 7;
	ATF_REQUIRE_EQ(virtio_negotiate(vd, 0), 0);
	queues_info(info, 2, 64);
	ATF_REQUIRE_EQ(virtio_alloc_queues(vd, 2, info), 0);
	for (i = 0; i < 2; i++) {
		fq = &dev->fp_virtio.fv_q[i];
		vq = info[i].vi_vq;
		/* Smaller than the device's 256, as the driver asked. */
		ATF_REQUIRE_EQ(fq->fq_size, 64);
		ATF_REQUIRE_EQ(virtqueue_size(vq), 64);
		ATF_REQUIRE_EQ(fq->fq_desc, virtqueue_desc_paddr(vq));
		ATF_REQUIRE_EQ(fq->fq_avail, virtqueue_avail_paddr(vq));
		ATF_REQUIRE_EQ(fq->fq_used, virtqueue_used_paddr(vq));
		ATF_REQUIRE_EQ(fq->fq_enable, 1);
	}
	/* A third queue the device does not have. */
	ATF_REQUIRE_EQ(vd->vd_ops->vt_queue_max(vd->vd_t, 2), 0);

	/* Each doorbell at queue_notify_off * multiplier (4). */
	vd->vd_ops->vt_notify(vd->vd_t, 1);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_q[1].fq_notifies, 1);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_q[1].fq_notify_at, 7 * 4);
	vd->vd_ops->vt_notify(vd->vd_t, 0);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_q[0].fq_notifies, 1);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_q[0].fq_notify_at, 0);
	virtio_driver_ok(vd);
	ATF_REQUIRE((dev->fp_virtio.fv_status & VIRTIO_CONFIG_S_DRIVER_OK) !=
	    0);
	detach(vp, dev);
	ATF_REQUIRE(info[0].vi_vq == NULL);
}

ATF_TC_WITHOUT_HEAD(legacy_queue_pfn);
ATF_TC_BODY(legacy_queue_pfn, tc)
{
	struct virtio_vq_info info[1];
	struct fakevirtio_queue *fq;
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_dev *vd;

	vd = attach(tc, "blk-legacy", 1, &dev, &vp);
	fq = &dev->fp_virtio.fv_q[0];
	fq->fq_max = 128;
	ATF_REQUIRE_EQ(virtio_negotiate(vd, 0), 0);
	queues_info(info, 1, 64);
	ATF_REQUIRE_EQ(virtio_alloc_queues(vd, 1, info), 0);
	/* The size is the device's; only the frame is written. */
	ATF_REQUIRE_EQ(virtqueue_size(info[0].vi_vq), 128);
	ATF_REQUIRE_EQ(fq->fq_pfn, virtqueue_desc_paddr(info[0].vi_vq) >> 12);
	ATF_REQUIRE(fq->fq_pfn != 0);
	vd->vd_ops->vt_notify(vd->vd_t, 0);
	ATF_REQUIRE_EQ(fq->fq_notifies, 1);
	detach(vp, dev);
}

ATF_TC_WITHOUT_HEAD(modern_config_reads);
ATF_TC_BODY(modern_config_reads, tc)
{
	static const uint8_t cfg[12] = {
		0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,	/* capacity */
		0x00, 0x10, 0x00, 0x00,				/* size_max */
	};
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_dev *vd;
	uint8_t buf[12];
	uint16_t w;

	vd = attach(tc, "blk-modern", 1, &dev, &vp);
	memcpy(dev->fp_virtio.fv_devcfg, cfg, sizeof(cfg));
	dev->fp_virtio.fv_generation = 5;
	ATF_REQUIRE_EQ(vd->vd_ops->vt_config_generation(vd->vd_t), 5);
	ATF_REQUIRE_EQ(virtio_read_config(vd, 0, buf, sizeof(buf)), 0);
	ATF_REQUIRE_EQ(memcmp(buf, cfg, sizeof(cfg)), 0);
	/* Unaligned and odd-sized reads come out right too. */
	ATF_REQUIRE_EQ(virtio_read_config(vd, 1, buf, 3), 0);
	ATF_REQUIRE_EQ(memcmp(buf, cfg + 1, 3), 0);
	ATF_REQUIRE_EQ(virtio_read_config(vd, 8, &w, 2), 0);
	ATF_REQUIRE_EQ(w, 0x1000);
	/* Past the 4 KiB the capability gives: zeros, and a warning. */
	memset(buf, 0xa5, 4);
	ATF_REQUIRE_EQ(virtio_read_config(vd, 0xffe, buf, 4), 0);
	ATF_REQUIRE_EQ(buf[0], 0);
	ATF_REQUIRE(pvtest_msgbuf_has("device config read 4094+4 is outside "
	    "its 4096 bytes"));
	detach(vp, dev);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, modern_64bit_features);
	ATF_TP_ADD_TC(tp, modern_features_refused);
	ATF_TP_ADD_TC(tp, legacy_32bit_features);
	ATF_TP_ADD_TC(tp, modern_queues_and_doorbells);
	ATF_TP_ADD_TC(tp, legacy_queue_pfn);
	ATF_TP_ADD_TC(tp, modern_config_reads);
	return (atf_no_error());
}
