/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * virtio-pci transport internals, shared by its files: the soft state,
 * and the few things the interrupt code needs from either register
 * layout.
 */
#ifndef _VIRTIO_PCI_VAR_H_
#define _VIRTIO_PCI_VAR_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pv/intr.h>
#include <pv/pci.h>
#include <pvvirtio/virtio.h>
#include <pvvirtio/virtio_pci.h>

struct virtio_pci;

/* One of the modern structures, mapped. */
struct vp_window {
	struct virtio_pci_region vw_reg;
	struct pv_pci_res	*vw_res;
};

/* What the interrupt code asks of the register layout in use. */
struct vp_layout {
	const struct virtio_transport_ops *ly_ops;
	/* Program a vector and return what the device read back. */
	uint16_t	(*ly_config_vector)(struct virtio_pci *vp, uint16_t v);
	uint16_t	(*ly_queue_vector)(struct virtio_pci *vp, uint16_t q,
			    uint16_t v);
	uint8_t		(*ly_read_isr)(struct virtio_pci *vp);
};

/* An interrupt and what it stands for. */
struct vp_vec {
	struct virtio_pci *vv_vp;
	struct pv_intr	*vv_ih;
	enum {
		VV_CONFIG,	/* config changes only */
		VV_QUEUE,	/* queue vv_queue only */
		VV_QUEUES,	/* every queue */
		VV_ISR,		/* read the ISR to tell */
	}		 vv_kind;
	unsigned	 vv_queue;
};

/* Per queue, from vt_intr_setup on. */
struct vp_queue {
	uint32_t	vpq_notify;	/* offset in the notify window */
};

struct virtio_pci {
	struct pv_pci_dev *vp_dev;
	const char	*vp_name;
	unsigned	 vp_unit;	/* names its interrupts */
	uint16_t	 vp_device;
	uint16_t	 vp_type;
	const struct vp_layout *vp_layout;
	struct virtio_dev vp_vd;

	/* Legacy: BAR0. */
	struct pv_pci_res *vp_io;
	uint32_t	 vp_io_size;
	/* Modern. */
	struct vp_window vp_common;
	struct vp_window vp_notify;
	struct vp_window vp_isr;
	struct vp_window vp_devcfg;
	uint32_t	 vp_notify_mult;
	uint16_t	 vp_num_queues;

	/* Interrupts (virtio_pci_intr.c). */
	bool		 vp_msix_on;	/* legacy config moves to 24 */
	enum virtio_pci_intr vp_intr;
	struct vp_vec	*vp_vecs;
	unsigned	 vp_nvecs;
	struct vp_queue	*vp_queues;
	unsigned	 vp_nqueues;
	struct virtio_dev *vp_intr_vd;
	uint64_t	 vp_config_changes;
};

/* hw.virtio_pci.*, registered at the first attach of each kernel. */
struct vp_tunables {
	uint32_t	tu_force_legacy;
	uint32_t	tu_disable_msix;
	uint32_t	tu_disable_msi;
};

extern struct vp_tunables vp_tunables;
extern const struct vp_layout vp_legacy_layout;
extern const struct vp_layout vp_modern_layout;

/* 0, or ENXIO with why filled in (ENOENT: no virtio caps at all). */
int	vp_modern_attach(struct virtio_pci *vp, char *why, size_t len);
void	vp_modern_detach(struct virtio_pci *vp);
int	vp_legacy_attach(struct virtio_pci *vp, char *why, size_t len);
void	vp_legacy_detach(struct virtio_pci *vp);

/* Modern capabilities: find, check and map them. */
int	vp_caps_map(struct virtio_pci *vp, char *why, size_t len);
void	vp_caps_unmap(struct virtio_pci *vp);

/* Shared by both layouts. */
int	vp_intr_setup(void *t, struct virtio_dev *vd, unsigned nvqs);
void	vp_intr_teardown(void *t);
void	vp_read_window(struct pv_pci_res *res, uint64_t base, unsigned off,
	    void *buf, unsigned len);
void	vp_write_window(struct pv_pci_res *res, uint64_t base, unsigned off,
	    const void *buf, unsigned len);

#endif /* !_VIRTIO_PCI_VAR_H_ */
