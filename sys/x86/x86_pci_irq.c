/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * PCI interrupts: MSI-X, MSI or INTx, each ending in an x86_isrc.
 *
 * Messages (MSI, MSI-X) go to the boot CPU's LAPIC: address 0xfee00000
 * with the APIC id in bits 19:12, data the vector, edge-triggered fixed
 * delivery.  A message is a memory write by the device, so asking for
 * one turns bus mastering on (QEMU drops messages without it).  MSI-X
 * entries stay masked until a handler is set up, so that an early message
 * waits in the pending-bit array instead of being lost.
 * INTx uses the line the firmware wrote into the interrupt line register,
 * which names an ISA IRQ; the MADT's override for it gives the GSI and
 * its polarity and trigger (QEMU: level, active high).  Without an
 * override, the PCI default applies: level-triggered, active low.
 */
#include <errno.h>

#include <linux/pci_regs.h>

#include <pv/console.h>
#include <pv/pci.h>

#include "x86/cpufunc.h"
#include "x86_pci.h"
#include "x86_var.h"

#define	MSI_ADDR_BASE	0xfee00000u
#define	MSIX_ENTRY_SIZE	16

static uint32_t
msi_addr(void)
{
	return (MSI_ADDR_BASE | lapic_id() << 12);
}

static void
msix_write(struct pv_pci_res *tab, unsigned entry, unsigned reg, uint32_t v)
{
	pv_bus_write_4(tab, entry * MSIX_ENTRY_SIZE + reg, v);
}

static void
intx_disable(struct pv_pci_dev *dev, bool off)
{
	uint16_t cmd = (uint16_t)pv_pci_cfg_read(dev, PCI_COMMAND, 2);

	if (off)
		cmd |= PCI_COMMAND_INTX_DISABLE;
	else
		cmd &= ~PCI_COMMAND_INTX_DISABLE;
	pv_pci_cfg_write(dev, PCI_COMMAND, cmd, 2);
}

static void
irqs_free(struct pv_pci_dev *dev)
{
	unsigned i;

	for (i = 0; i < dev->pd_nirqs; i++) {
		if (dev->pd_isrc[i] == NULL)
			continue;
		if (dev->pd_ih[i] != NULL)
			isrc_remove(dev->pd_isrc[i], dev->pd_ih[i]);
		isrc_release(dev->pd_isrc[i]);
		dev->pd_isrc[i] = NULL;
		dev->pd_ih[i] = NULL;
	}
	dev->pd_nirqs = 0;
}

static int
alloc_msix(struct pv_pci_dev *dev, unsigned *countp)
{
	struct pv_pci_res *tab;
	uint32_t table;
	uint16_t ctl;
	unsigned cap, n, i;
	int error;

	if ((cap = pv_pci_find_cap(dev, PCI_CAP_ID_MSIX, 0)) == 0)
		return (ENXIO);
	ctl = (uint16_t)pv_pci_cfg_read(dev, cap + PCI_MSIX_FLAGS, 2);
	table = pv_pci_cfg_read(dev, cap + PCI_MSIX_TABLE, 4);
	n = (ctl & PCI_MSIX_FLAGS_QSIZE) + 1;
	if (n > *countp)
		n = *countp;
	if (n > PCI_IRQS_MAX)
		n = PCI_IRQS_MAX;
	if (n == 0)
		return (EINVAL);
	error = pv_pci_map(dev, table & PCI_MSIX_TABLE_BIR, table &
	    PCI_MSIX_TABLE_OFFSET, (uint64_t)n * MSIX_ENTRY_SIZE, &tab);
	if (error != 0) {
		pv_log(PV_LOG_ERR, dev->pd_name, "MSI-X table in BAR %u at "
		    "%#x does not map (%d)", table & PCI_MSIX_TABLE_BIR,
		    table & PCI_MSIX_TABLE_OFFSET, error);
		return (ENXIO);
	}
	dev->pd_msix_table = tab;
	for (i = 0; i < n; i++) {
		if ((error = isrc_alloc_msi(&dev->pd_isrc[i])) != 0)
			goto fail;
		dev->pd_nirqs = i + 1;
		msix_write(tab, i, PCI_MSIX_ENTRY_VECTOR_CTRL,
		    PCI_MSIX_ENTRY_CTRL_MASKBIT);
		msix_write(tab, i, PCI_MSIX_ENTRY_LOWER_ADDR, msi_addr());
		msix_write(tab, i, PCI_MSIX_ENTRY_UPPER_ADDR, 0);
		msix_write(tab, i, PCI_MSIX_ENTRY_DATA,
		    isrc_vector(dev->pd_isrc[i]));
	}
	intx_disable(dev, true);
	pv_pci_enable_busmaster(dev);
	ctl &= ~PCI_MSIX_FLAGS_MASKALL;
	ctl |= PCI_MSIX_FLAGS_ENABLE;
	pv_pci_cfg_write(dev, cap + PCI_MSIX_FLAGS, ctl, 2);
	dev->pd_irq_cap = cap;
	*countp = n;
	return (0);
fail:
	irqs_free(dev);
	pv_pci_unmap(tab);
	dev->pd_msix_table = NULL;
	return (error);
}

/* One message only: several would need aligned blocks of vectors. */
static int
alloc_msi(struct pv_pci_dev *dev, unsigned *countp)
{
	uint16_t ctl;
	unsigned cap, data_off;
	int error;

	if ((cap = pv_pci_find_cap(dev, PCI_CAP_ID_MSI, 0)) == 0)
		return (ENXIO);
	if ((error = isrc_alloc_msi(&dev->pd_isrc[0])) != 0)
		return (error);
	dev->pd_nirqs = 1;
	ctl = (uint16_t)pv_pci_cfg_read(dev, cap + PCI_MSI_FLAGS, 2);
	pv_pci_cfg_write(dev, cap + PCI_MSI_ADDRESS_LO, msi_addr(), 4);
	if ((ctl & PCI_MSI_FLAGS_64BIT) != 0) {
		pv_pci_cfg_write(dev, cap + PCI_MSI_ADDRESS_HI, 0, 4);
		data_off = PCI_MSI_DATA_64;
	} else
		data_off = PCI_MSI_DATA_32;
	pv_pci_cfg_write(dev, cap + data_off, isrc_vector(dev->pd_isrc[0]), 2);
	intx_disable(dev, true);
	pv_pci_enable_busmaster(dev);
	ctl &= ~PCI_MSI_FLAGS_QSIZE;
	ctl |= PCI_MSI_FLAGS_ENABLE;
	pv_pci_cfg_write(dev, cap + PCI_MSI_FLAGS, ctl, 2);
	dev->pd_irq_cap = cap;
	*countp = 1;
	return (0);
}

static int
alloc_intx(struct pv_pci_dev *dev, unsigned *countp)
{
	struct acpi_irq ai;
	int error;

	if (dev->pd_intpin == 0)
		return (ENXIO);
	/* 0xff: the firmware routed nothing to this pin. */
	if (dev->pd_intline == 0 || dev->pd_intline == 0xff) {
		pv_log(PV_LOG_ERR, dev->pd_name, "INT%c has no interrupt line",
		    'A' + dev->pd_intpin - 1);
		return (ENXIO);
	}
	if (!acpi_irq_override(dev->pd_intline, &ai)) {
		ai.ai_gsi = dev->pd_intline;
		ai.ai_level = true;
		ai.ai_active_low = true;
	}
	error = isrc_get_intx(&dev->pd_isrc[0], ai.ai_gsi, ai.ai_level,
	    ai.ai_active_low);
	if (error != 0)
		return (error);
	dev->pd_nirqs = 1;
	intx_disable(dev, false);
	*countp = 1;
	return (0);
}

int
pv_pci_alloc_irqs(struct pv_pci_dev *dev, enum pv_pci_irq_kind kind,
    unsigned *countp)
{
	int error;

	if (dev->pd_irq_alloc)
		return (EBUSY);
	switch (kind) {
	case PV_PCI_IRQ_MSIX:
		error = alloc_msix(dev, countp);
		break;
	case PV_PCI_IRQ_MSI:
		error = alloc_msi(dev, countp);
		break;
	case PV_PCI_IRQ_INTX:
		error = alloc_intx(dev, countp);
		break;
	default:
		error = EINVAL;
		break;
	}
	if (error != 0)
		return (error);
	dev->pd_irq_alloc = true;
	dev->pd_irq_kind = kind;
	return (0);
}

int
pv_pci_setup_irq(struct pv_pci_dev *dev, unsigned idx, struct pv_intr *ih)
{
	int error;

	if (!dev->pd_irq_alloc || idx >= dev->pd_nirqs)
		return (EINVAL);
	if (dev->pd_ih[idx] != NULL)
		return (EBUSY);
	if ((error = isrc_add(dev->pd_isrc[idx], ih)) != 0)
		return (error);
	dev->pd_ih[idx] = ih;
	if (dev->pd_irq_kind == PV_PCI_IRQ_MSIX)
		msix_write(dev->pd_msix_table, idx,
		    PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
	return (0);
}

void
pv_pci_release_irqs(struct pv_pci_dev *dev)
{
	uint16_t ctl;
	unsigned i;

	if (!dev->pd_irq_alloc)
		return;
	switch (dev->pd_irq_kind) {
	case PV_PCI_IRQ_MSIX:
		for (i = 0; i < dev->pd_nirqs; i++)
			msix_write(dev->pd_msix_table, i,
			    PCI_MSIX_ENTRY_VECTOR_CTRL,
			    PCI_MSIX_ENTRY_CTRL_MASKBIT);
		ctl = (uint16_t)pv_pci_cfg_read(dev, dev->pd_irq_cap +
		    PCI_MSIX_FLAGS, 2);
		pv_pci_cfg_write(dev, dev->pd_irq_cap + PCI_MSIX_FLAGS,
		    ctl & ~PCI_MSIX_FLAGS_ENABLE, 2);
		pv_pci_unmap(dev->pd_msix_table);
		dev->pd_msix_table = NULL;
		break;
	case PV_PCI_IRQ_MSI:
		ctl = (uint16_t)pv_pci_cfg_read(dev, dev->pd_irq_cap +
		    PCI_MSI_FLAGS, 2);
		pv_pci_cfg_write(dev, dev->pd_irq_cap + PCI_MSI_FLAGS,
		    ctl & ~PCI_MSI_FLAGS_ENABLE, 2);
		break;
	case PV_PCI_IRQ_INTX:
		break;
	}
	irqs_free(dev);
	/* Back to the power-on state: INTx enabled, no message. */
	intx_disable(dev, false);
	dev->pd_irq_alloc = false;
}
