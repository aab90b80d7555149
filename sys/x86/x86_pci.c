/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * PCI: configuration mechanism #1 (ports 0xcf8/0xcfc), a scan of the
 * buses the firmware numbered, and BARs as the firmware assigned them
 * (SeaBIOS runs before QEMU's PVH option ROM, so addresses, bus numbers
 * and interrupt lines are all set when we start).  Memory BARs are reached
 * through the uncached identity map, I/O BARs with port instructions.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/pci_regs.h>

#include <pv/console.h>
#include <pv/mem.h>
#include <pv/panic.h>
#include <pv/pci.h>
#include <pv/queue.h>

#include "kern/md.h"
#include "x86/cpufunc.h"
#include "x86_pci.h"
#include "x86_var.h"

#define	PCI_CONF_ADDR	0xcf8
#define	PCI_CONF_DATA	0xcfc
#define	PCI_CONF_EN	0x80000000u

struct pv_pci_res {
	struct pv_pci_dev	*pr_dev;
	bool			 pr_io;
	uint64_t		 pr_base;
	uint64_t		 pr_len;
};

static TAILQ_HEAD(, pv_pci_dev)	pci_devs = TAILQ_HEAD_INITIALIZER(pci_devs);
static unsigned			pci_ndevs;
/* ECAM, when the MCFG gives one: all 4 KiB of config space, by MMIO. */
static uint64_t			ecam_pa;
static unsigned			ecam_bus0, ecam_bus1;

static volatile void *
ecam_addr(unsigned bus, unsigned slot, unsigned func, unsigned off)
{
	if (ecam_pa == 0 || bus < ecam_bus0 || bus > ecam_bus1)
		return (NULL);
	return ((volatile void *)(uintptr_t)(ecam_pa +
	    ((uint64_t)(bus - ecam_bus0) << 20 | slot << 15 | func << 12 |
	    off)));
}

static uint32_t
conf_addr(unsigned bus, unsigned slot, unsigned func, unsigned off)
{
	return (PCI_CONF_EN | bus << 16 | slot << 11 | func << 8 |
	    (off & 0xfc));
}

static uint32_t
conf_read(unsigned bus, unsigned slot, unsigned func, unsigned off,
    unsigned width)
{
	volatile void *p = ecam_addr(bus, slot, func, off);
	uint64_t prev;
	uint32_t v;

	if (p != NULL) {
		if (width == 1)
			return (*(volatile uint8_t *)p);
		if (width == 2)
			return (*(volatile uint16_t *)p);
		return (*(volatile uint32_t *)p);
	}
	prev = intr_disable();
	outl(PCI_CONF_ADDR, conf_addr(bus, slot, func, off));
	switch (width) {
	case 1:
		v = inb(PCI_CONF_DATA + (off & 3));
		break;
	case 2:
		v = inw(PCI_CONF_DATA + (off & 2));
		break;
	default:
		v = inl(PCI_CONF_DATA);
		break;
	}
	intr_restore(prev);
	return (v);
}

static void
conf_write(unsigned bus, unsigned slot, unsigned func, unsigned off,
    uint32_t v, unsigned width)
{
	volatile void *p = ecam_addr(bus, slot, func, off);
	uint64_t prev;

	if (p != NULL) {
		if (width == 1)
			*(volatile uint8_t *)p = (uint8_t)v;
		else if (width == 2)
			*(volatile uint16_t *)p = (uint16_t)v;
		else
			*(volatile uint32_t *)p = v;
		return;
	}
	prev = intr_disable();
	outl(PCI_CONF_ADDR, conf_addr(bus, slot, func, off));
	switch (width) {
	case 1:
		outb(PCI_CONF_DATA + (off & 3), (uint8_t)v);
		break;
	case 2:
		outw(PCI_CONF_DATA + (off & 2), (uint16_t)v);
		break;
	default:
		outl(PCI_CONF_DATA, v);
		break;
	}
	intr_restore(prev);
}

static void
cfg_check(const struct pv_pci_dev *dev, unsigned off, unsigned width)
{
	if ((width != 1 && width != 2 && width != 4) || off % width != 0 ||
	    off + width > (ecam_addr(dev->pd_bus, dev->pd_slot, dev->pd_func,
	    0) != NULL ? 4096u : 256u))
		pv_panic("%s: config access of %u bytes at %#x", dev->pd_name,
		    width, off);
}

uint32_t
pv_pci_cfg_read(struct pv_pci_dev *dev, unsigned off, unsigned width)
{
	cfg_check(dev, off, width);
	return (conf_read(dev->pd_bus, dev->pd_slot, dev->pd_func, off, width));
}

void
pv_pci_cfg_write(struct pv_pci_dev *dev, unsigned off, uint32_t val,
    unsigned width)
{
	cfg_check(dev, off, width);
	conf_write(dev->pd_bus, dev->pd_slot, dev->pd_func, off, val, width);
}

const char *
pv_pci_name(const struct pv_pci_dev *dev)
{
	return (dev->pd_name);
}

/*
 * Size every BAR by writing ones, with decoding off meanwhile so that the
 * probe value never claims an address range.
 */
static void
pci_size_bars(struct pv_pci_dev *dev)
{
	struct pv_pci_bar *pb;
	uint32_t lo, hi, szlo, szhi;
	uint16_t cmd;
	unsigned i, off, nbars;

	nbars = dev->pd_hdrtype == PCI_HEADER_TYPE_NORMAL ? PV_PCI_NBARS :
	    dev->pd_hdrtype == PCI_HEADER_TYPE_BRIDGE ? 2 : 0;
	cmd = (uint16_t)pv_pci_cfg_read(dev, PCI_COMMAND, 2);
	pv_pci_cfg_write(dev, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO |
	    PCI_COMMAND_MEMORY), 2);
	for (i = 0; i < nbars; i++) {
		pb = &dev->pd_bars[i];
		off = PCI_BASE_ADDRESS_0 + 4 * i;
		lo = pv_pci_cfg_read(dev, off, 4);
		pv_pci_cfg_write(dev, off, 0xffffffff, 4);
		szlo = pv_pci_cfg_read(dev, off, 4);
		pv_pci_cfg_write(dev, off, lo, 4);
		if (szlo == 0 || szlo == 0xffffffff)
			continue;
		if ((lo & PCI_BASE_ADDRESS_SPACE_IO) != 0) {
			pb->pb_io = true;
			pb->pb_base = lo & PCI_BASE_ADDRESS_IO_MASK;
			/* Only the low 16 bits decode on x86. */
			pb->pb_size = (~(szlo & PCI_BASE_ADDRESS_IO_MASK) &
			    0xffff) + 1;
			continue;
		}
		pb->pb_prefetch = (lo & PCI_BASE_ADDRESS_MEM_PREFETCH) != 0;
		pb->pb_base = lo & PCI_BASE_ADDRESS_MEM_MASK;
		if ((lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
		    PCI_BASE_ADDRESS_MEM_TYPE_64 && i + 1 < nbars) {
			pb->pb_64 = true;
			hi = pv_pci_cfg_read(dev, off + 4, 4);
			pv_pci_cfg_write(dev, off + 4, 0xffffffff, 4);
			szhi = pv_pci_cfg_read(dev, off + 4, 4);
			pv_pci_cfg_write(dev, off + 4, hi, 4);
			pb->pb_base |= (uint64_t)hi << 32;
			pb->pb_size = ~(((uint64_t)szhi << 32) |
			    (szlo & PCI_BASE_ADDRESS_MEM_MASK)) + 1;
			i++;	/* the upper half is no BAR of its own */
		} else
			pb->pb_size = (uint32_t)~(szlo &
			    PCI_BASE_ADDRESS_MEM_MASK) + 1;
	}
	pv_pci_cfg_write(dev, PCI_COMMAND, cmd, 2);
}

static void
pci_add(unsigned bus, unsigned slot, unsigned func, uint16_t vendor)
{
	struct pv_pci_dev *dev;
	uint32_t class;

	dev = pv_malloc(sizeof(*dev), PV_M_ZERO | PV_M_NOWAIT);
	if (dev == NULL) {
		pv_printf("pci: no memory for %u:%u.%u\n", bus, slot, func);
		return;
	}
	dev->pd_bus = (uint8_t)bus;
	dev->pd_slot = (uint8_t)slot;
	dev->pd_func = (uint8_t)func;
	dev->pd_vendor = vendor;
	snprintf(dev->pd_name, sizeof(dev->pd_name), "pci0:%u:%u.%u", bus,
	    slot, func);
	dev->pd_device = (uint16_t)pv_pci_cfg_read(dev, PCI_DEVICE_ID, 2);
	class = pv_pci_cfg_read(dev, PCI_CLASS_REVISION, 4);
	dev->pd_class = class >> 8;
	dev->pd_hdrtype = (uint8_t)pv_pci_cfg_read(dev, PCI_HEADER_TYPE, 1) &
	    0x7f;
	dev->pd_intpin = (uint8_t)pv_pci_cfg_read(dev, PCI_INTERRUPT_PIN, 1);
	dev->pd_intline = (uint8_t)pv_pci_cfg_read(dev, PCI_INTERRUPT_LINE, 1);
	pci_size_bars(dev);
	TAILQ_INSERT_TAIL(&pci_devs, dev, pd_link);
	pci_ndevs++;
}

/*
 * Walk bus 0 and every bus below a bridge, as far as the largest
 * subordinate bus number the firmware programmed.
 */
void
pci_init(void)
{
	unsigned bus, slot, func, nfunc, maxbus = 0, sub;
	uint16_t vendor;
	uint8_t hdr;
	uint64_t pa;

	if (acpi_ecam(&pa, &ecam_bus0, &ecam_bus1) && pmap_map_device(pa,
	    ((uint64_t)(ecam_bus1 - ecam_bus0) + 1) << 20) == 0) {
		ecam_pa = pa;
		pv_printf("pci: configuration through ECAM at %#jx, buses "
		    "%u-%u\n", (uintmax_t)pa, ecam_bus0, ecam_bus1);
	} else
		pv_printf("pci: configuration through ports 0xcf8/0xcfc\n");
	for (bus = 0; bus <= maxbus && bus < 256; bus++) {
		for (slot = 0; slot < 32; slot++) {
			nfunc = 1;
			for (func = 0; func < nfunc; func++) {
				vendor = (uint16_t)conf_read(bus, slot, func,
				    PCI_VENDOR_ID, 2);
				if (vendor == 0xffff)
					continue;
				hdr = (uint8_t)conf_read(bus, slot, func,
				    PCI_HEADER_TYPE, 1);
				if (func == 0 && (hdr & 0x80) != 0)
					nfunc = 8;
				if ((hdr & 0x7f) == PCI_HEADER_TYPE_BRIDGE) {
					sub = conf_read(bus, slot, func,
					    PCI_SUBORDINATE_BUS, 1);
					if (sub > maxbus)
						maxbus = sub;
				}
				pci_add(bus, slot, func, vendor);
			}
		}
	}
}

void
pci_print(void)
{
	struct pv_pci_dev *dev;
	struct pv_pci_bar *pb;
	char line[256];
	size_t n;
	int i;

	pv_printf("pci: %u function(s)\n", pci_ndevs);
	TAILQ_FOREACH(dev, &pci_devs, pd_link) {
		n = (size_t)snprintf(line, sizeof(line),
		    "%s: %04x:%04x class %02x.%02x.%02x", dev->pd_name,
		    dev->pd_vendor, dev->pd_device, dev->pd_class >> 16,
		    (dev->pd_class >> 8) & 0xff, dev->pd_class & 0xff);
		if (dev->pd_intpin != 0 && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    " int%c line %u", 'A' + dev->pd_intpin - 1,
			    dev->pd_intline);
		for (i = 0; i < PV_PCI_NBARS && n < sizeof(line); i++) {
			pb = &dev->pd_bars[i];
			if (pb->pb_size == 0)
				continue;
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    " bar%d %s%s %#jx/%#jx", i, pb->pb_io ? "io" :
			    pb->pb_64 ? "mem64" : "mem", pb->pb_prefetch ?
			    ",pf" : "", (uintmax_t)pb->pb_base,
			    (uintmax_t)pb->pb_size);
		}
		pv_printf("%s\n", line);
	}
}

void
pv_pci_foreach(pv_pci_attach_fn *fn, void *arg)
{
	struct pv_pci_dev *dev;

	TAILQ_FOREACH(dev, &pci_devs, pd_link)
		fn(dev, dev->pd_vendor, dev->pd_device, arg);
}

int
pv_pci_bar_info(struct pv_pci_dev *dev, int bar, struct pv_pci_bar *pb)
{
	if (bar < 0 || bar >= PV_PCI_NBARS || dev->pd_bars[bar].pb_size == 0 ||
	    dev->pd_bars[bar].pb_base == 0)
		return (ENOENT);
	*pb = dev->pd_bars[bar];
	return (0);
}

int
pv_pci_map(struct pv_pci_dev *dev, int bar, uint64_t off, uint64_t len,
    struct pv_pci_res **resp)
{
	struct pv_pci_bar pb;
	struct pv_pci_res *res;
	int error;

	if ((error = pv_pci_bar_info(dev, bar, &pb)) != 0)
		return (EINVAL);
	if (len == 0 || off >= pb.pb_size || len > pb.pb_size - off)
		return (EINVAL);
	if (!pb.pb_io && (error = pmap_map_device(pb.pb_base + off, len)) != 0)
		return (error);
	res = pv_malloc(sizeof(*res), PV_M_ZERO | PV_M_NOWAIT);
	if (res == NULL)
		return (ENOMEM);
	res->pr_dev = dev;
	res->pr_io = pb.pb_io;
	res->pr_base = pb.pb_base + off;
	res->pr_len = len;
	pv_pci_enable_decode(dev, pb.pb_io);
	*resp = res;
	return (0);
}

void
pv_pci_unmap(struct pv_pci_res *res)
{
	pv_free(res);
}


/* A register access outside the window is a driver bug. */
static uint64_t
res_addr(const struct pv_pci_res *res, uint64_t off, unsigned width)
{
	if (off >= res->pr_len || width > res->pr_len - off)
		pv_panic("%s: %u-byte access at %#jx outside a %#jx-byte "
		    "window", res->pr_dev->pd_name, width, (uintmax_t)off,
		    (uintmax_t)res->pr_len);
	return (res->pr_base + off);
}

uint8_t
pv_bus_read_1(struct pv_pci_res *res, uint64_t off)
{
	uint64_t a = res_addr(res, off, 1);

	if (res->pr_io)
		return (inb((uint16_t)a));
	return (*(volatile uint8_t *)(uintptr_t)a);
}

uint16_t
pv_bus_read_2(struct pv_pci_res *res, uint64_t off)
{
	uint64_t a = res_addr(res, off, 2);

	if (res->pr_io)
		return (inw((uint16_t)a));
	return (*(volatile uint16_t *)(uintptr_t)a);
}

uint32_t
pv_bus_read_4(struct pv_pci_res *res, uint64_t off)
{
	uint64_t a = res_addr(res, off, 4);

	if (res->pr_io)
		return (inl((uint16_t)a));
	return (*(volatile uint32_t *)(uintptr_t)a);
}

void
pv_bus_write_1(struct pv_pci_res *res, uint64_t off, uint8_t v)
{
	uint64_t a = res_addr(res, off, 1);

	if (res->pr_io)
		outb((uint16_t)a, v);
	else
		*(volatile uint8_t *)(uintptr_t)a = v;
}

void
pv_bus_write_2(struct pv_pci_res *res, uint64_t off, uint16_t v)
{
	uint64_t a = res_addr(res, off, 2);

	if (res->pr_io)
		outw((uint16_t)a, v);
	else
		*(volatile uint16_t *)(uintptr_t)a = v;
}

void
pv_bus_write_4(struct pv_pci_res *res, uint64_t off, uint32_t v)
{
	uint64_t a = res_addr(res, off, 4);

	if (res->pr_io)
		outl((uint16_t)a, v);
	else
		*(volatile uint32_t *)(uintptr_t)a = v;
}
