/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * workload=pciirq: PCI interrupts end to end, on QEMU's "edu" device
 * (-device edu), which raises its interrupt when told to: INTx through
 * the IOAPIC (level-triggered, masked until the handler has acknowledged
 * the device), then MSI.  With a virtio device that has MSI-X (virtio-blk
 * does, virtio-balloon in QEMU 7.2 does not), MSI-X vectors are also
 * allocated and the programmed table is read back.
 */
#include <errno.h>
#include <stdio.h>

#include <linux/pci_regs.h>

#include <pv/console.h>
#include <pv/intr.h>
#include <pv/pci.h>
#include <pv/sync.h>
#include <pv/time.h>

#include "x86_var.h"

#define	EDU_VENDOR	0x1234
#define	EDU_DEVICE	0x11e8
#define	EDU_IDENT	0x00		/* 0xRRrr00ed */
#define	EDU_INTR_STATUS	0x24
#define	EDU_INTR_RAISE	0x60
#define	EDU_INTR_ACK	0x64
#define	EDU_RAISES	3

#define	VIRTIO_VENDOR	0x1af4
#define	MSIX_VECTORS	2

struct pciirq {
	struct pv_pci_dev	*pi_edu;
	struct pv_pci_dev	*pi_virtio;
	struct pv_pci_res	*pi_regs;
	struct pv_mtx		 pi_mtx;
	unsigned		 pi_calls;
	uint32_t		 pi_status;
};

static void
find_devs(struct pv_pci_dev *dev, uint16_t vendor, uint16_t device,
    void *arg)
{
	struct pciirq *pi = arg;

	if (vendor == EDU_VENDOR && device == EDU_DEVICE && pi->pi_edu == NULL)
		pi->pi_edu = dev;
	if (vendor == VIRTIO_VENDOR && pi->pi_virtio == NULL &&
	    pv_pci_find_cap(dev, PCI_CAP_ID_MSIX, 0) != 0)
		pi->pi_virtio = dev;
}

/* The driver's half: acknowledge at the device, so the line drops. */
static void
edu_intr(void *arg)
{
	struct pciirq *pi = arg;
	uint32_t st;

	st = pv_bus_read_4(pi->pi_regs, EDU_INTR_STATUS);
	pv_bus_write_4(pi->pi_regs, EDU_INTR_ACK, st);
	pv_mtx_lock(&pi->pi_mtx);
	pi->pi_status |= st;
	pi->pi_calls++;
	pv_wakeup(&pi->pi_calls);
	pv_mtx_unlock(&pi->pi_mtx);
}

static int
edu_round(struct pciirq *pi, enum pv_pci_irq_kind kind, const char *kname,
    char *why, size_t whylen)
{
	struct pv_intr *ih;
	unsigned n = 1, i;
	int error;

	if ((error = pv_pci_alloc_irqs(pi->pi_edu, kind, &n)) != 0) {
		snprintf(why, whylen, "edu: no %s interrupt (error %d)", kname,
		    error);
		return (error);
	}
	if ((error = pv_intr_establish(&ih, "edu", edu_intr, pi)) != 0) {
		snprintf(why, whylen, "edu: pv_intr_establish: error %d",
		    error);
		goto out_irqs;
	}
	if ((error = pv_pci_setup_irq(pi->pi_edu, 0, ih)) != 0) {
		snprintf(why, whylen, "edu: %s setup: error %d", kname, error);
		goto out_ih;
	}
	pi->pi_calls = 0;
	for (i = 0; i < EDU_RAISES; i++) {
		pv_bus_write_4(pi->pi_regs, EDU_INTR_RAISE, 1u << i);
		pv_mtx_lock(&pi->pi_mtx);
		error = 0;
		while (pi->pi_calls <= i && error == 0)
			error = pv_sleep(&pi->pi_calls, &pi->pi_mtx, "edu",
			    PV_NS_PER_SEC);
		pv_mtx_unlock(&pi->pi_mtx);
		if (error != 0) {
			snprintf(why, whylen, "edu: %s interrupt %u never "
			    "came", kname, i);
			goto out_release;
		}
	}
	/* A level-triggered line that stormed would have called us more. */
	pv_pause("settle", 10 * PV_NS_PER_MS);
	if (pi->pi_calls != EDU_RAISES) {
		snprintf(why, whylen, "edu: %u %s handler calls for %u raises",
		    pi->pi_calls, kname, EDU_RAISES);
		error = EIO;
		goto out_release;
	}
	pv_printf("pciirq: %s: %u interrupts, %u handler calls: ok\n", kname,
	    EDU_RAISES, pi->pi_calls);
out_release:
	pv_pci_release_irqs(pi->pi_edu);
	pv_intr_disestablish(ih);
	return (error);
out_ih:
	pv_intr_disestablish(ih);
out_irqs:
	pv_pci_release_irqs(pi->pi_edu);
	return (error);
}

/* Vectors in the table: address for this CPU, data a device vector. */
static int
msix_check(struct pv_pci_dev *dev, char *why, size_t whylen)
{
	struct pv_pci_res *tab;
	uint32_t table, addr, data, ctl;
	unsigned cap, n = MSIX_VECTORS, i;
	int error;

	if ((error = pv_pci_alloc_irqs(dev, PV_PCI_IRQ_MSIX, &n)) != 0) {
		snprintf(why, whylen, "%s: no MSI-X (error %d)",
		    pv_pci_name(dev), error);
		return (error);
	}
	cap = pv_pci_find_cap(dev, PCI_CAP_ID_MSIX, 0);
	ctl = pv_pci_cfg_read(dev, cap + PCI_MSIX_FLAGS, 2);
	table = pv_pci_cfg_read(dev, cap + PCI_MSIX_TABLE, 4);
	error = pv_pci_map(dev, table & PCI_MSIX_TABLE_BIR,
	    table & PCI_MSIX_TABLE_OFFSET, n * 16, &tab);
	if (error != 0 || (ctl & PCI_MSIX_FLAGS_ENABLE) == 0) {
		snprintf(why, whylen, "%s: MSI-X not enabled",
		    pv_pci_name(dev));
		pv_pci_release_irqs(dev);
		return (EIO);
	}
	for (i = 0; i < n; i++) {
		addr = pv_bus_read_4(tab, i * 16 + PCI_MSIX_ENTRY_LOWER_ADDR);
		data = pv_bus_read_4(tab, i * 16 + PCI_MSIX_ENTRY_DATA);
		if ((addr & 0xfff00000) != 0xfee00000 ||
		    data < VEC_DEV_FIRST || data > VEC_DEV_LAST) {
			snprintf(why, whylen, "%s: MSI-X entry %u: address "
			    "%#x data %#x", pv_pci_name(dev), i, addr, data);
			error = EIO;
			break;
		}
		pv_printf("pciirq: %s: MSI-X entry %u -> vector %u\n",
		    pv_pci_name(dev), i, data);
	}
	pv_pci_unmap(tab);
	pv_pci_release_irqs(dev);
	return (error);
}

int
x86_pciirq(char *why, size_t whylen)
{
	struct pciirq pi = { 0 };
	uint32_t ident;
	int error;

	pv_pci_foreach(find_devs, &pi);
	if (pi.pi_edu == NULL) {
		snprintf(why, whylen, "no edu device (-device edu)");
		return (ENODEV);
	}
	if ((error = pv_pci_map(pi.pi_edu, 0, 0, 0x100, &pi.pi_regs)) != 0) {
		snprintf(why, whylen, "edu: BAR 0 does not map (%d)", error);
		return (error);
	}
	ident = pv_bus_read_4(pi.pi_regs, EDU_IDENT);
	if ((ident & 0xff) != 0xed) {
		snprintf(why, whylen, "edu: ident %#x", ident);
		error = ENXIO;
		goto out;
	}
	pv_mtx_init(&pi.pi_mtx, "pciirq");
	if ((error = edu_round(&pi, PV_PCI_IRQ_INTX, "INTx", why,
	    whylen)) != 0 ||
	    (error = edu_round(&pi, PV_PCI_IRQ_MSI, "MSI", why, whylen)) != 0)
		goto out_mtx;
	if (pi.pi_virtio != NULL)
		error = msix_check(pi.pi_virtio, why, whylen);
out_mtx:
	pv_mtx_destroy(&pi.pi_mtx);
out:
	pv_pci_unmap(pi.pi_regs);
	return (error);
}
