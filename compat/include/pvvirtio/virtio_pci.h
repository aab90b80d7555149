/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The virtio-pci transport (virtio 1.x, 4.1): finds a virtio device's
 * registers on a PCI function and hands out a struct virtio_dev that a
 * device driver (virtio-blk, virtio-balloon) drives through the core in
 * virtio.h.
 *
 * A modern device (id 0x1040-0x107f) is driven through the structures its
 * vendor capabilities point at; a transitional one (0x1000-0x103f) the
 * same way when those are present and sound, else, at revision 0, through
 * the legacy I/O BAR.  The tunable hw.virtio_pci.force_legacy=1 prefers
 * legacy for transitional devices.  Interrupts are chosen when the driver
 * allocates its queues: MSI-X with a vector per queue, MSI-X with one
 * vector shared by the queues, MSI, then INTx; hw.virtio_pci.disable_msix
 * and hw.virtio_pci.disable_msi skip rungs.
 *
 * Everything read from the device is validated; a device whose
 * capabilities do not hold up is not attached and the log says which
 * capability and which field were wrong.
 */
#ifndef _PVVIRTIO_VIRTIO_PCI_H_
#define _PVVIRTIO_VIRTIO_PCI_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pv_pci_dev;
struct virtio_dev;
struct virtio_pci;

#define	VIRTIO_PCI_VENDOR	0x1af4

/* Whether a vendor/device pair is virtio-pci at all. */
bool	virtio_pci_match(uint16_t vendor, uint16_t device);

/*
 * Attach the transport to dev.  ENXIO when dev is not a virtio device
 * this transport can drive (the log says why when it looked like one),
 * ENOMEM.  The device is left reset; the driver then runs
 * virtio_negotiate() and virtio_alloc_queues() on virtio_pci_dev(vp).
 */
int	virtio_pci_attach(struct pv_pci_dev *dev, struct virtio_pci **vpp);
/*
 * Undo attach.  The driver has already reset the device and freed its
 * queues (virtio_reset, virtio_free_queues).
 */
void	virtio_pci_detach(struct virtio_pci *vp);

struct virtio_dev *virtio_pci_dev(struct virtio_pci *vp);
/* The virtio device type (VIRTIO_ID_BLOCK, VIRTIO_ID_BALLOON, ...). */
uint16_t virtio_pci_type(const struct virtio_pci *vp);

/*
 * A driver for one virtio device type.  attach drives the device over
 * the transport it is given and returns 0, or an errno after undoing
 * what it did; the bus then detaches the transport.
 */
struct virtio_pci_driver {
	const char	*vpd_name;
	uint16_t	 vpd_type;		/* VIRTIO_ID_* */
	int		(*vpd_attach)(struct virtio_pci *vp, void *arg);
};

/*
 * Attach every virtio function on the PCI bus whose type has a driver in
 * drivers[]; arg goes to each attach.  Returns how many attached.
 */
unsigned virtio_pci_probe(const struct virtio_pci_driver *drivers,
	    size_t ndrivers, void *arg);

enum virtio_pci_intr {
	VIRTIO_PCI_INTR_NONE,		/* no queues allocated yet */
	VIRTIO_PCI_INTR_MSIX,		/* config on 0, queue i on i + 1 */
	VIRTIO_PCI_INTR_MSIX_SHARED,	/* config on 0, every queue on 1 */
	VIRTIO_PCI_INTR_MSI,		/* one vector; ISR tells which */
	VIRTIO_PCI_INTR_INTX,		/* one line; ISR tells which */
};

/* Where a modern structure lives. */
struct virtio_pci_region {
	uint8_t		vr_bar;
	uint32_t	vr_off;
	uint32_t	vr_len;		/* 0: not present */
};

/* What the transport chose and counted, for reports. */
struct virtio_pci_info {
	uint16_t	vpi_device;	/* PCI device id */
	uint16_t	vpi_type;	/* virtio device type */
	bool		vpi_modern;
	enum virtio_pci_intr vpi_intr;
	unsigned	vpi_nvectors;
	uint64_t	vpi_features;	/* negotiated */
	uint64_t	vpi_intrs;	/* handler calls, every vector */
	uint64_t	vpi_config_changes;
	/* Modern only. */
	struct virtio_pci_region vpi_common;
	struct virtio_pci_region vpi_notify;
	struct virtio_pci_region vpi_isr;
	struct virtio_pci_region vpi_device_cfg;
	uint32_t	vpi_notify_mult;
	/* Legacy only: the I/O BAR's size. */
	uint32_t	vpi_legacy_size;
};

void	virtio_pci_info(const struct virtio_pci *vp,
	    struct virtio_pci_info *vpi);
/* "MSI-X", "MSI-X shared", "MSI", "INTx", "none". */
const char *virtio_pci_intr_name(enum virtio_pci_intr intr);

#endif /* !_PVVIRTIO_VIRTIO_PCI_H_ */
