/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * PCI service: what a PCI driver (the virtio-pci transport) needs from the
 * platform that enumerated the bus.
 *
 * The platform finds devices, sizes and assigns BARs and owns the
 * interrupt controllers; a driver reads and writes config space, maps BARs
 * as register windows (memory or I/O ports behind the same calls) and asks
 * for interrupts by kind.  Capability walking is shared code on top of
 * config access.
 */
#ifndef _PV_PCI_H_
#define _PV_PCI_H_

#include <stdbool.h>
#include <stdint.h>

#include <pv/intr.h>

struct pv_pci_dev;		/* the platform's */
struct pv_pci_res;		/* a mapped BAR */

/* Config space; width is 1, 2 or 4 and off is aligned to it. */
uint32_t pv_pci_cfg_read(struct pv_pci_dev *dev, unsigned off, unsigned width);
void	 pv_pci_cfg_write(struct pv_pci_dev *dev, unsigned off, uint32_t val,
	    unsigned width);

/* "pci0:0:3.0", for messages. */
const char *pv_pci_name(const struct pv_pci_dev *dev);

#define	PV_PCI_NBARS	6

struct pv_pci_bar {
	bool		pb_io;		/* I/O ports, else memory */
	bool		pb_64;		/* takes this BAR and the next */
	bool		pb_prefetch;
	uint64_t	pb_base;	/* as assigned; 0: unassigned */
	uint64_t	pb_size;	/* 0: not implemented */
};

/* ENOENT for a BAR that is not implemented or not assigned. */
int	 pv_pci_bar_info(struct pv_pci_dev *dev, int bar, struct pv_pci_bar *pb);
/*
 * Map a window of a BAR and enable decoding of its kind (memory or I/O in
 * the command register).  EINVAL when the window does not lie inside it.
 */
int	 pv_pci_map(struct pv_pci_dev *dev, int bar, uint64_t off,
	    uint64_t len, struct pv_pci_res **resp);
void	 pv_pci_unmap(struct pv_pci_res *res);
uint8_t	 pv_bus_read_1(struct pv_pci_res *res, uint64_t off);
uint16_t pv_bus_read_2(struct pv_pci_res *res, uint64_t off);
uint32_t pv_bus_read_4(struct pv_pci_res *res, uint64_t off);
void	 pv_bus_write_1(struct pv_pci_res *res, uint64_t off, uint8_t v);
void	 pv_bus_write_2(struct pv_pci_res *res, uint64_t off, uint16_t v);
void	 pv_bus_write_4(struct pv_pci_res *res, uint64_t off, uint32_t v);

/* Turn on bus mastering, so the device may reach memory (shared code). */
void	 pv_pci_enable_busmaster(struct pv_pci_dev *dev);

/*
 * Capabilities (shared code, sys/kern/kern_pci.c).  Offset of the first
 * capability with this id after 'after' (0: from the start of the list),
 * or 0 when there is none.  The walk is bounded and checks every pointer,
 * since config space comes from the device.
 */
unsigned pv_pci_find_cap(struct pv_pci_dev *dev, uint8_t id, unsigned after);

enum pv_pci_irq_kind {
	PV_PCI_IRQ_MSIX,
	PV_PCI_IRQ_MSI,
	PV_PCI_IRQ_INTX,	/* level-triggered, maybe shared */
};

/*
 * Allocate up to *countp interrupts of one kind; *countp is set to how
 * many were given (INTx always gives 1).  ENXIO when the device lacks the
 * capability, ENOSPC when the platform is out of vectors: the caller
 * falls back to the next kind.  MSI-X entries are numbered from 0 in
 * table order; the platform programs the table and enables it.
 */
int	 pv_pci_alloc_irqs(struct pv_pci_dev *dev, enum pv_pci_irq_kind kind,
	    unsigned *countp);
/*
 * Deliver interrupt number idx to ih.  For INTx the platform keeps the
 * line masked from the interrupt until ih's handler has returned, so a
 * level-triggered line does not storm while the driver acknowledges it.
 */
int	 pv_pci_setup_irq(struct pv_pci_dev *dev, unsigned idx,
	    struct pv_intr *ih);
void	 pv_pci_release_irqs(struct pv_pci_dev *dev);

/* Enumeration, for a bus's attach loop (virtio_pci_probe) and tests. */
typedef void pv_pci_attach_fn(struct pv_pci_dev *dev, uint16_t vendor,
	    uint16_t device, void *arg);
void	 pv_pci_foreach(pv_pci_attach_fn *fn, void *arg);

#endif /* !_PV_PCI_H_ */
