/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Internal to sys/x86: the platform's PCI function, shared by the bus
 * code (x86_pci.c) and interrupt allocation (x86_pci_irq.c).
 */
#ifndef _X86_X86_PCI_H_
#define _X86_X86_PCI_H_

#include <stdint.h>

#include <pv/pci.h>
#include <pv/queue.h>

#define	PCI_IRQS_MAX	32

struct x86_isrc;

struct pv_pci_dev {
	TAILQ_ENTRY(pv_pci_dev)	 pd_link;
	uint8_t			 pd_bus;
	uint8_t			 pd_slot;
	uint8_t			 pd_func;
	uint8_t			 pd_hdrtype;
	uint16_t		 pd_vendor;
	uint16_t		 pd_device;
	uint32_t		 pd_class;	/* class, subclass, prog-if */
	uint8_t			 pd_intpin;	/* 0: none, 1: INTA ... */
	uint8_t			 pd_intline;	/* as the firmware set it */
	char			 pd_name[24];
	struct pv_pci_bar	 pd_bars[PV_PCI_NBARS];

	/* Interrupts, once allocated. */
	bool			 pd_irq_alloc;
	enum pv_pci_irq_kind	 pd_irq_kind;
	unsigned		 pd_nirqs;
	unsigned		 pd_irq_cap;	/* MSI or MSI-X capability */
	struct pv_pci_res	*pd_msix_table;
	struct x86_isrc		*pd_isrc[PCI_IRQS_MAX];
	struct pv_intr		*pd_ih[PCI_IRQS_MAX];
};

#endif /* !_X86_X86_PCI_H_ */
