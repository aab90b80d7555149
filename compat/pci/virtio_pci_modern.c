/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Modern virtio-pci (virtio 1.x, 4.1.4): registers in the common config
 * structure, 64-bit features through the select registers, a doorbell per
 * queue in the notify window, queues at any 64-bit address.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_pci.h>

#include <pv/console.h>
#include <pv/pci.h>
#include <pv/time.h>
#include <pvvirtio/virtqueue.h>

#include "virtio_pci_var.h"

/* A device that has not finished its reset after this long is broken. */
#define	RESET_POLL_US		100
#define	RESET_POLLS		10000	/* 1 s */

#define	C_READ_1(vp, o)		pv_bus_read_1((vp)->vp_common.vw_res, (o))
#define	C_READ_2(vp, o)		pv_bus_read_2((vp)->vp_common.vw_res, (o))
#define	C_READ_4(vp, o)		pv_bus_read_4((vp)->vp_common.vw_res, (o))
#define	C_WRITE_1(vp, o, v)	pv_bus_write_1((vp)->vp_common.vw_res, (o), (v))
#define	C_WRITE_2(vp, o, v)	pv_bus_write_2((vp)->vp_common.vw_res, (o), (v))
#define	C_WRITE_4(vp, o, v)	pv_bus_write_4((vp)->vp_common.vw_res, (o), (v))

static void
vpm_reset(void *t)
{
	struct virtio_pci *vp = t;
	int i;

	C_WRITE_1(vp, VIRTIO_PCI_COMMON_STATUS, 0);
	/* The reset is done when status reads back 0 (4.1.4.3.2). */
	for (i = 0; i < RESET_POLLS; i++) {
		if (C_READ_1(vp, VIRTIO_PCI_COMMON_STATUS) == 0)
			return;
		pv_delay_us(RESET_POLL_US);
	}
	pv_log(PV_LOG_ERR, vp->vp_name, "status not 0 a second after reset");
}

static uint8_t
vpm_get_status(void *t)
{
	return (C_READ_1((struct virtio_pci *)t, VIRTIO_PCI_COMMON_STATUS));
}

static void
vpm_set_status(void *t, uint8_t status)
{
	C_WRITE_1((struct virtio_pci *)t, VIRTIO_PCI_COMMON_STATUS, status);
}

static uint64_t
vpm_get_features(void *t)
{
	struct virtio_pci *vp = t;
	uint64_t lo, hi;

	C_WRITE_4(vp, VIRTIO_PCI_COMMON_DFSELECT, 0);
	lo = C_READ_4(vp, VIRTIO_PCI_COMMON_DF);
	C_WRITE_4(vp, VIRTIO_PCI_COMMON_DFSELECT, 1);
	hi = C_READ_4(vp, VIRTIO_PCI_COMMON_DF);
	return (hi << 32 | lo);
}

static void
vpm_set_features(void *t, uint64_t features)
{
	struct virtio_pci *vp = t;

	C_WRITE_4(vp, VIRTIO_PCI_COMMON_GFSELECT, 0);
	C_WRITE_4(vp, VIRTIO_PCI_COMMON_GF, (uint32_t)features);
	C_WRITE_4(vp, VIRTIO_PCI_COMMON_GFSELECT, 1);
	C_WRITE_4(vp, VIRTIO_PCI_COMMON_GF, (uint32_t)(features >> 32));
}

static uint32_t
vpm_config_generation(void *t)
{
	return (C_READ_1((struct virtio_pci *)t,
	    VIRTIO_PCI_COMMON_CFGGENERATION));
}

static void
vpm_read_config(void *t, unsigned off, void *buf, unsigned len)
{
	struct virtio_pci *vp = t;
	uint32_t size = vp->vp_devcfg.vw_reg.vr_len;

	if (vp->vp_devcfg.vw_res == NULL || off > size || len > size - off) {
		pv_log(PV_LOG_WARNING, vp->vp_name, "device config read "
		    "%u+%u is outside its %u bytes", off, len, size);
		memset(buf, 0, len);
		return;
	}
	vp_read_window(vp->vp_devcfg.vw_res, 0, off, buf, len);
}

static int
vpm_write_config(void *t, unsigned off, const void *buf, unsigned len)
{
	struct virtio_pci *vp = t;
	uint32_t size = vp->vp_devcfg.vw_reg.vr_len;

	if (vp->vp_devcfg.vw_res == NULL || off > size || len > size - off)
		return (EINVAL);
	vp_write_window(vp->vp_devcfg.vw_res, 0, off, buf, len);
	return (0);
}

static bool
vpm_modern(void *t)
{
	(void)t;
	return (true);
}

static uint16_t
vpm_queue_max(void *t, uint16_t idx)
{
	struct virtio_pci *vp = t;

	if (idx >= vp->vp_num_queues)
		return (0);
	C_WRITE_2(vp, VIRTIO_PCI_COMMON_Q_SELECT, idx);
	return (C_READ_2(vp, VIRTIO_PCI_COMMON_Q_SIZE));
}

static bool
vpm_queue_size_fixed(void *t)
{
	(void)t;
	return (false);
}

static void
vpm_write_addr(struct virtio_pci *vp, unsigned lo, pv_paddr_t pa)
{
	C_WRITE_4(vp, lo, (uint32_t)pa);
	C_WRITE_4(vp, lo + 4, (uint32_t)(pa >> 32));
}

static int
vpm_queue_enable(void *t, uint16_t idx, struct virtqueue *vq)
{
	struct virtio_pci *vp = t;
	uint64_t doorbell;
	uint16_t noff;

	if (idx >= vp->vp_nqueues || idx >= vp->vp_num_queues)
		return (EINVAL);
	C_WRITE_2(vp, VIRTIO_PCI_COMMON_Q_SELECT, idx);
	/* The core made it a power of 2 no larger than the device's. */
	C_WRITE_2(vp, VIRTIO_PCI_COMMON_Q_SIZE, virtqueue_size(vq));
	vpm_write_addr(vp, VIRTIO_PCI_COMMON_Q_DESCLO,
	    virtqueue_desc_paddr(vq));
	vpm_write_addr(vp, VIRTIO_PCI_COMMON_Q_AVAILLO,
	    virtqueue_avail_paddr(vq));
	vpm_write_addr(vp, VIRTIO_PCI_COMMON_Q_USEDLO,
	    virtqueue_used_paddr(vq));
	noff = C_READ_2(vp, VIRTIO_PCI_COMMON_Q_NOFF);
	/* The doorbell is a 16-bit write that must land in the window. */
	doorbell = (uint64_t)noff * vp->vp_notify_mult;
	if (doorbell + 2 > vp->vp_notify.vw_reg.vr_len) {
		pv_log(PV_LOG_ERR, vp->vp_name, "queue %u: queue_notify_off "
		    "%u * notify_off_multiplier %u + 2 runs past the notify "
		    "window of %u bytes", idx, noff, vp->vp_notify_mult,
		    vp->vp_notify.vw_reg.vr_len);
		return (EIO);
	}
	vp->vp_queues[idx].vpq_notify = (uint32_t)doorbell;
	C_WRITE_2(vp, VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	if (C_READ_2(vp, VIRTIO_PCI_COMMON_Q_ENABLE) != 1) {
		pv_log(PV_LOG_ERR, vp->vp_name, "queue %u: queue_enable does "
		    "not read back 1", idx);
		return (EIO);
	}
	return (0);
}

static void
vpm_notify(void *t, uint16_t idx)
{
	struct virtio_pci *vp = t;

	if (idx < vp->vp_nqueues)
		pv_bus_write_2(vp->vp_notify.vw_res,
		    vp->vp_queues[idx].vpq_notify, idx);
}

static uint16_t
vpm_config_vector(struct virtio_pci *vp, uint16_t v)
{
	C_WRITE_2(vp, VIRTIO_PCI_COMMON_MSIX, v);
	return (C_READ_2(vp, VIRTIO_PCI_COMMON_MSIX));
}

static uint16_t
vpm_queue_vector(struct virtio_pci *vp, uint16_t q, uint16_t v)
{
	C_WRITE_2(vp, VIRTIO_PCI_COMMON_Q_SELECT, q);
	C_WRITE_2(vp, VIRTIO_PCI_COMMON_Q_MSIX, v);
	return (C_READ_2(vp, VIRTIO_PCI_COMMON_Q_MSIX));
}

static uint8_t
vpm_read_isr(struct virtio_pci *vp)
{
	return (pv_bus_read_1(vp->vp_isr.vw_res, 0));
}

static const struct virtio_transport_ops vpm_ops = {
	.vt_reset = vpm_reset,
	.vt_get_status = vpm_get_status,
	.vt_set_status = vpm_set_status,
	.vt_get_features = vpm_get_features,
	.vt_set_features = vpm_set_features,
	.vt_config_generation = vpm_config_generation,
	.vt_read_config = vpm_read_config,
	.vt_modern = vpm_modern,
	.vt_queue_max = vpm_queue_max,
	.vt_queue_size_fixed = vpm_queue_size_fixed,
	.vt_intr_setup = vp_intr_setup,
	.vt_intr_teardown = vp_intr_teardown,
	.vt_queue_enable = vpm_queue_enable,
	.vt_notify = vpm_notify,
	.vt_write_config = vpm_write_config,
};

const struct vp_layout vp_modern_layout = {
	.ly_ops = &vpm_ops,
	.ly_config_vector = vpm_config_vector,
	.ly_queue_vector = vpm_queue_vector,
	.ly_read_isr = vpm_read_isr,
};

int
vp_modern_attach(struct virtio_pci *vp, char *why, size_t len)
{
	int error;

	if ((error = vp_caps_map(vp, why, len)) != 0)
		return (error);
	vp->vp_num_queues = C_READ_2(vp, VIRTIO_PCI_COMMON_NUMQ);
	vp->vp_layout = &vp_modern_layout;
	vpm_reset(vp);
	return (0);
}

void
vp_modern_detach(struct virtio_pci *vp)
{
	vp_caps_unmap(vp);
}
