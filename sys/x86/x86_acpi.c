/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Just enough ACPI to route interrupts: the MADT's I/O APICs, CPUs and
 * interrupt source overrides.  The tables come from the firmware (SeaBIOS
 * under QEMU, the toolstack under Xen) and are read where they lie; each
 * table is checksummed and every length is bounded before use.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "x86_var.h"

#define	IOAPIC_DEFAULT	0xfec00000ull
#define	ISO_MAX		16
#define	SDT_HDR_LEN	36
#define	TABLE_MAX_LEN	(1024 * 1024)

#define	MADT_LAPIC	0
#define	MADT_IOAPIC	1
#define	MADT_ISO	2

struct iso {
	uint8_t		iso_irq;
	uint32_t	iso_gsi;
	uint16_t	iso_flags;
};

static uint64_t	ioapic_pa = IOAPIC_DEFAULT;
/* MCFG: segment 0's ECAM window, if any. */
static uint64_t	ecam_pa;
static unsigned	ecam_bus0, ecam_bus1;
static unsigned	ncpus = 1;
static struct iso isos[ISO_MAX];
static unsigned	nisos;

static uint32_t
le32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static uint64_t
le64(const uint8_t *p)
{
	return ((uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32);
}

static bool
sum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len-- > 0)
		sum += *p++;
	return (sum == 0);
}

/* A table header at pa with a plausible length and a good checksum. */
static const uint8_t *
sdt_map(uint64_t pa, uint32_t *lenp)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)pa;
	uint32_t len;

	if (pa == 0 || pa >= (4ull << 30))
		return (NULL);
	len = le32(p + 4);
	if (len < SDT_HDR_LEN || len > TABLE_MAX_LEN || !sum_ok(p, len))
		return (NULL);
	*lenp = len;
	return (p);
}

static void
madt_parse(const uint8_t *t, uint32_t len)
{
	const uint8_t *e = t + SDT_HDR_LEN + 8;
	const uint8_t *end = t + len;
	unsigned cpus = 0;
	bool ioapic_seen = false;

	while (e + 2 <= end && e[1] >= 2 && e + e[1] <= end) {
		switch (e[0]) {
		case MADT_LAPIC:
			if (e[1] >= 8 && (le32(e + 4) & 1) != 0)
				cpus++;
			break;
		case MADT_IOAPIC:
			/* The one with GSI base 0 serves the ISA IRQs. */
			if (e[1] >= 12 && !ioapic_seen && le32(e + 8) == 0) {
				ioapic_pa = le32(e + 4);
				ioapic_seen = true;
			}
			break;
		case MADT_ISO:
			if (e[1] >= 10 && e[2] == 0 && nisos < ISO_MAX) {
				isos[nisos].iso_irq = e[3];
				isos[nisos].iso_gsi = le32(e + 4);
				isos[nisos].iso_flags = (uint16_t)(e[8] |
				    e[9] << 8);
				nisos++;
			}
			break;
		}
		e += e[1];
	}
	if (cpus > 0)
		ncpus = cpus;
	/* A MADT without one means none (a Xen PVH domU has no IOAPIC). */
	if (!ioapic_seen)
		ioapic_pa = 0;
}

/*
 * MCFG: 8 reserved bytes after the header, then 16-byte entries (base,
 * segment, first and last bus).  Only segment 0 is used: it is the one
 * the configuration ports reach too.
 */
static void
mcfg_parse(const uint8_t *t, uint32_t len)
{
	const uint8_t *e;
	uint32_t off;

	for (off = SDT_HDR_LEN + 8; off + 16 <= len; off += 16) {
		e = t + off;
		if ((e[8] | e[9] << 8) != 0 || e[11] < e[10])
			continue;
		/* The window must be aligned and below the 4 GiB we map. */
		if ((le64(e) & ((1ull << 20) - 1)) != 0 ||
		    le64(e) + ((uint64_t)e[11] + 1) * (1u << 20) > (4ull << 30))
			continue;
		ecam_pa = le64(e);
		ecam_bus0 = e[10];
		ecam_bus1 = e[11];
		return;
	}
}

bool
acpi_ecam(uint64_t *pap, unsigned *bus0p, unsigned *bus1p)
{
	if (ecam_pa == 0)
		return (false);
	*pap = ecam_pa;
	*bus0p = ecam_bus0;
	*bus1p = ecam_bus1;
	return (true);
}

static uint64_t
rsdp_scan(uint64_t pa, uint64_t len)
{
	const uint8_t *p;
	uint64_t off;

	for (off = 0; off + 20 <= len; off += 16) {
		p = (const uint8_t *)(uintptr_t)(pa + off);
		if (memcmp(p, "RSD PTR ", 8) == 0 && sum_ok(p, 20))
			return (pa + off);
	}
	return (0);
}

uint64_t
acpi_find_rsdp(void)
{
	const volatile uint16_t *bda = (const volatile uint16_t *)0x40e;
	uint64_t ebda, pa = 0;

	/* The EBDA's segment is in the BIOS data area; the compiler would
	 * take a pointer this low for a null one. */
	__asm__("" : "+r"(bda));
	ebda = (uint64_t)*bda << 4;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		pa = rsdp_scan(ebda, 1024);
	return (pa != 0 ? pa : rsdp_scan(0xe0000, 0x20000));
}

int
acpi_init(uint64_t rsdp_pa)
{
	const uint8_t *rsdp = (const uint8_t *)(uintptr_t)rsdp_pa;
	const uint8_t *root, *t;
	uint32_t len, tlen, i, esz;
	uint64_t pa;
	bool madt = false;

	if (rsdp_pa == 0 || rsdp_pa >= (4ull << 30) ||
	    memcmp(rsdp, "RSD PTR ", 8) != 0 || !sum_ok(rsdp, 20))
		return (ENOENT);
	if (rsdp[15] >= 2 && le64(rsdp + 24) != 0) {
		root = sdt_map(le64(rsdp + 24), &len);
		esz = 8;
	} else {
		root = sdt_map(le32(rsdp + 16), &len);
		esz = 4;
	}
	if (root == NULL)
		return (EINVAL);
	for (i = SDT_HDR_LEN; i + esz <= len; i += esz) {
		pa = esz == 8 ? le64(root + i) : le32(root + i);
		if ((t = sdt_map(pa, &tlen)) == NULL)
			continue;
		if (memcmp(t, "APIC", 4) == 0 && tlen >= SDT_HDR_LEN + 8) {
			madt_parse(t, tlen);
			madt = true;
		} else if (memcmp(t, "MCFG", 4) == 0)
			mcfg_parse(t, tlen);
	}
	return (madt ? 0 : ENOENT);
}

/* 0: there is no IOAPIC. */
uint64_t
acpi_ioapic_addr(void)
{
	return (ioapic_pa);
}

unsigned
acpi_cpu_count(void)
{
	return (ncpus);
}

/*
 * How ISA IRQ irq reaches the IOAPIC, if the MADT overrides the default
 * (GSI = irq, edge, active high).  QEMU overrides the PCI IRQs (5, 9, 10,
 * 11) as level-triggered, active high.
 */
bool
acpi_irq_override(unsigned irq, struct acpi_irq *ai)
{
	unsigned i, pol, trig;

	for (i = 0; i < nisos; i++) {
		if (isos[i].iso_irq != irq)
			continue;
		pol = isos[i].iso_flags & 0x3;
		trig = (isos[i].iso_flags >> 2) & 0x3;
		ai->ai_gsi = isos[i].iso_gsi;
		ai->ai_active_low = pol == 3;
		ai->ai_level = trig == 3;
		return (true);
	}
	return (false);
}
