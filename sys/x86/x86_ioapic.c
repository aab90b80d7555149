/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The I/O APIC that the MADT names for GSI 0 and up: legacy and PCI INTx
 * lines, routed to the boot CPU's LAPIC in fixed delivery mode.  Every
 * pin starts masked.
 */
#include <errno.h>

#include "x86/cpufunc.h"
#include "x86_var.h"

#define	IOREGSEL	0x00
#define	IOWIN		0x10
#define	IOAPIC_VER	0x01
#define	IOAPIC_REDTBL(pin)	(0x10 + 2 * (pin))

#define	RTE_MASKED	(1u << 16)
#define	RTE_LEVEL	(1u << 15)
#define	RTE_ACTIVE_LOW	(1u << 13)

static uintptr_t	ioapic_base;
static unsigned		ioapic_npins;

static uint32_t
ioapic_read(unsigned reg)
{
	mmio_write_4(ioapic_base + IOREGSEL, reg);
	return (mmio_read_4(ioapic_base + IOWIN));
}

static void
ioapic_write(unsigned reg, uint32_t v)
{
	mmio_write_4(ioapic_base + IOREGSEL, reg);
	mmio_write_4(ioapic_base + IOWIN, v);
}

int
ioapic_init(void)
{
	unsigned pin;

	if ((ioapic_base = (uintptr_t)acpi_ioapic_addr()) == 0)
		return (ENXIO);
	ioapic_npins = ((ioapic_read(IOAPIC_VER) >> 16) & 0xff) + 1;
	if (ioapic_npins < 16 || ioapic_npins > 240) {
		ioapic_npins = 0;
		return (ENXIO);
	}
	for (pin = 0; pin < ioapic_npins; pin++) {
		ioapic_write(IOAPIC_REDTBL(pin) + 1, 0);
		ioapic_write(IOAPIC_REDTBL(pin), RTE_MASKED);
	}
	return (0);
}

unsigned
ioapic_pins(void)
{
	return (ioapic_npins);
}

int
ioapic_route(uint32_t gsi, unsigned vec, bool level, bool active_low)
{
	uint32_t lo = vec | RTE_MASKED;
	uint64_t prev;

	if (ioapic_npins == 0)
		return (ENXIO);
	if (gsi >= ioapic_npins)
		return (EINVAL);
	if (level)
		lo |= RTE_LEVEL;
	if (active_low)
		lo |= RTE_ACTIVE_LOW;
	prev = intr_disable();
	ioapic_write(IOAPIC_REDTBL(gsi) + 1, lapic_id() << 24);
	ioapic_write(IOAPIC_REDTBL(gsi), lo);
	intr_restore(prev);
	return (0);
}

void
ioapic_mask(uint32_t gsi, bool masked)
{
	uint32_t lo;
	uint64_t prev;

	if (gsi >= ioapic_npins)
		return;
	prev = intr_disable();
	lo = ioapic_read(IOAPIC_REDTBL(gsi));
	if (masked)
		lo |= RTE_MASKED;
	else
		lo &= ~RTE_MASKED;
	ioapic_write(IOAPIC_REDTBL(gsi), lo);
	intr_restore(prev);
}
