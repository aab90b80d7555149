/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Legacy virtio-pci (virtio 1.x, 4.1.5): the fixed register block at the
 * start of I/O BAR0, 32 feature bits, queues of the device's size at a
 * page frame number, and device config after the registers: at 20, or at
 * 24 while MSI-X is enabled and the two vector registers sit there.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/virtio_pci.h>

#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/pci.h>
#include <pvvirtio/virtqueue.h>

#include "virtio_pci_var.h"

#define	IO_READ_1(vp, o)	pv_bus_read_1((vp)->vp_io, (o))
#define	IO_READ_2(vp, o)	pv_bus_read_2((vp)->vp_io, (o))
#define	IO_READ_4(vp, o)	pv_bus_read_4((vp)->vp_io, (o))
#define	IO_WRITE_1(vp, o, v)	pv_bus_write_1((vp)->vp_io, (o), (v))
#define	IO_WRITE_2(vp, o, v)	pv_bus_write_2((vp)->vp_io, (o), (v))
#define	IO_WRITE_4(vp, o, v)	pv_bus_write_4((vp)->vp_io, (o), (v))

static void
vpl_reset(void *t)
{
	/* Synchronous on legacy devices: status reads 0 at once. */
	IO_WRITE_1((struct virtio_pci *)t, VIRTIO_PCI_STATUS, 0);
}

static uint8_t
vpl_get_status(void *t)
{
	return (IO_READ_1((struct virtio_pci *)t, VIRTIO_PCI_STATUS));
}

static void
vpl_set_status(void *t, uint8_t status)
{
	IO_WRITE_1((struct virtio_pci *)t, VIRTIO_PCI_STATUS, status);
}

static uint64_t
vpl_get_features(void *t)
{
	return (IO_READ_4((struct virtio_pci *)t, VIRTIO_PCI_HOST_FEATURES));
}

static void
vpl_set_features(void *t, uint64_t features)
{
	IO_WRITE_4((struct virtio_pci *)t, VIRTIO_PCI_GUEST_FEATURES,
	    (uint32_t)features);
}

static uint32_t
vpl_config_generation(void *t)
{
	(void)t;
	return (0);
}

static void
vpl_read_config(void *t, unsigned off, void *buf, unsigned len)
{
	struct virtio_pci *vp = t;
	uint32_t base = VIRTIO_PCI_CONFIG_OFF(vp->vp_msix_on);
	uint32_t size = vp->vp_io_size - base;

	if (off > size || len > size - off) {
		pv_log(PV_LOG_WARNING, vp->vp_name, "device config read "
		    "%u+%u is outside its %u bytes", off, len, size);
		memset(buf, 0, len);
		return;
	}
	vp_read_window(vp->vp_io, base, off, buf, len);
}

static int
vpl_write_config(void *t, unsigned off, const void *buf, unsigned len)
{
	struct virtio_pci *vp = t;
	uint32_t base = VIRTIO_PCI_CONFIG_OFF(vp->vp_msix_on);
	uint32_t size = vp->vp_io_size - base;

	if (off > size || len > size - off)
		return (EINVAL);
	vp_write_window(vp->vp_io, base, off, buf, len);
	return (0);
}

static bool
vpl_modern(void *t)
{
	(void)t;
	return (false);
}

static uint16_t
vpl_queue_max(void *t, uint16_t idx)
{
	struct virtio_pci *vp = t;

	IO_WRITE_2(vp, VIRTIO_PCI_QUEUE_SEL, idx);
	return (IO_READ_2(vp, VIRTIO_PCI_QUEUE_NUM));
}

static bool
vpl_queue_size_fixed(void *t)
{
	(void)t;
	return (true);
}

/*
 * A legacy device computes the avail and used rings from the frame of
 * the descriptor table and its own queue size, so the queue must be laid
 * out exactly as it will assume (virtio 1.x, 2.7.2, legacy interface):
 * page-aligned, avail right after the table, used on the
 * next page boundary after avail and its event word.
 */
static int
vpl_layout_ok(struct virtqueue *vq)
{
	pv_paddr_t desc, avail, used;
	uint64_t n;

	n = virtqueue_size(vq);
	desc = virtqueue_desc_paddr(vq);
	avail = virtqueue_avail_paddr(vq);
	used = virtqueue_used_paddr(vq);
	return ((desc & (VIRTIO_PCI_VRING_ALIGN - 1)) == 0 &&
	    avail == desc + 16 * n &&
	    used == pv_roundup(avail + 2 * (3 + n), VIRTIO_PCI_VRING_ALIGN));
}

static int
vpl_queue_enable(void *t, uint16_t idx, struct virtqueue *vq)
{
	struct virtio_pci *vp = t;
	pv_paddr_t desc;
	uint32_t pfn;

	if (idx >= vp->vp_nqueues)
		return (EINVAL);
	IO_WRITE_2(vp, VIRTIO_PCI_QUEUE_SEL, idx);
	if (IO_READ_2(vp, VIRTIO_PCI_QUEUE_NUM) != virtqueue_size(vq)) {
		pv_log(PV_LOG_ERR, vp->vp_name, "queue %u: legacy queue size "
		    "changed under us", idx);
		return (EIO);
	}
	if (!vpl_layout_ok(vq)) {
		pv_log(PV_LOG_ERR, vp->vp_name, "queue %u: not in the legacy "
		    "ring layout", idx);
		return (EINVAL);
	}
	desc = virtqueue_desc_paddr(vq);
	/* The register holds a 32-bit frame: rings below 16 TiB only. */
	if ((desc >> VIRTIO_PCI_QUEUE_ADDR_SHIFT) > UINT32_MAX) {
		pv_log(PV_LOG_ERR, vp->vp_name, "queue %u: ring at %#jx is "
		    "beyond a legacy device's reach", idx, (uintmax_t)desc);
		return (EINVAL);
	}
	pfn = (uint32_t)(desc >> VIRTIO_PCI_QUEUE_ADDR_SHIFT);
	IO_WRITE_4(vp, VIRTIO_PCI_QUEUE_PFN, pfn);
	if (IO_READ_4(vp, VIRTIO_PCI_QUEUE_PFN) != pfn) {
		pv_log(PV_LOG_ERR, vp->vp_name, "queue %u: QUEUE_PFN does not "
		    "read back %#x", idx, pfn);
		return (EIO);
	}
	return (0);
}

static void
vpl_notify(void *t, uint16_t idx)
{
	IO_WRITE_2((struct virtio_pci *)t, VIRTIO_PCI_QUEUE_NOTIFY, idx);
}

static uint16_t
vpl_config_vector(struct virtio_pci *vp, uint16_t v)
{
	IO_WRITE_2(vp, VIRTIO_MSI_CONFIG_VECTOR, v);
	return (IO_READ_2(vp, VIRTIO_MSI_CONFIG_VECTOR));
}

static uint16_t
vpl_queue_vector(struct virtio_pci *vp, uint16_t q, uint16_t v)
{
	IO_WRITE_2(vp, VIRTIO_PCI_QUEUE_SEL, q);
	IO_WRITE_2(vp, VIRTIO_MSI_QUEUE_VECTOR, v);
	return (IO_READ_2(vp, VIRTIO_MSI_QUEUE_VECTOR));
}

static uint8_t
vpl_read_isr(struct virtio_pci *vp)
{
	return (IO_READ_1(vp, VIRTIO_PCI_ISR));
}

static const struct virtio_transport_ops vpl_ops = {
	.vt_reset = vpl_reset,
	.vt_get_status = vpl_get_status,
	.vt_set_status = vpl_set_status,
	.vt_get_features = vpl_get_features,
	.vt_set_features = vpl_set_features,
	.vt_config_generation = vpl_config_generation,
	.vt_read_config = vpl_read_config,
	.vt_write_config = vpl_write_config,
	.vt_modern = vpl_modern,
	.vt_queue_max = vpl_queue_max,
	.vt_queue_size_fixed = vpl_queue_size_fixed,
	.vt_intr_setup = vp_intr_setup,
	.vt_intr_teardown = vp_intr_teardown,
	.vt_queue_enable = vpl_queue_enable,
	.vt_notify = vpl_notify,
};

const struct vp_layout vp_legacy_layout = {
	.ly_ops = &vpl_ops,
	.ly_config_vector = vpl_config_vector,
	.ly_queue_vector = vpl_queue_vector,
	.ly_read_isr = vpl_read_isr,
};

int
vp_legacy_attach(struct virtio_pci *vp, char *why, size_t len)
{
	struct pv_pci_bar pb;
	uint8_t rev;
	int error;

	/* Transitional devices are revision 0; others speak modern only. */
	rev = (uint8_t)pv_pci_cfg_read(vp->vp_dev, PCI_REVISION_ID, 1);
	if (rev != 0) {
		snprintf(why, len, "legacy interface at revision %u, not 0",
		    rev);
		return (ENXIO);
	}
	if (pv_pci_bar_info(vp->vp_dev, 0, &pb) != 0 || !pb.pb_io) {
		snprintf(why, len, "legacy interface: bar 0 is not an "
		    "assigned I/O bar");
		return (ENXIO);
	}
	/* Room for the registers with MSI-X on; at most 64 KiB of ports. */
	if (pb.pb_size < VIRTIO_PCI_CONFIG_OFF(1) || pb.pb_size > 0x10000) {
		snprintf(why, len, "legacy interface: bar 0 size %#jx is not "
		    "%u to 64 KiB", (uintmax_t)pb.pb_size,
		    VIRTIO_PCI_CONFIG_OFF(1));
		return (ENXIO);
	}
	vp->vp_io_size = (uint32_t)pb.pb_size;
	error = pv_pci_map(vp->vp_dev, 0, 0, pb.pb_size, &vp->vp_io);
	if (error != 0) {
		snprintf(why, len, "legacy interface: cannot map bar 0 "
		    "(error %d)", error);
		vp->vp_io = NULL;
		return (ENXIO);
	}
	vp->vp_layout = &vp_legacy_layout;
	vpl_reset(vp);
	return (0);
}

void
vp_legacy_detach(struct virtio_pci *vp)
{
	if (vp->vp_io != NULL)
		pv_pci_unmap(vp->vp_io);
	vp->vp_io = NULL;
}
