/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The identity map.  locore maps the first 4 GiB write-back with 2 MiB
 * pages; pmap_init then makes every 2 MiB page that holds no RAM uncached,
 * since below 4 GiB that is where the LAPIC, the IOAPIC, PCI BARs and the
 * q35 ECAM window live.  Anything above 4 GiB (RAM of a large guest, a
 * 64-bit BAR) is mapped on demand from a small pool of table pages.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <xen/arch-x86/hvm/start_info.h>

#include "x86/cpufunc.h"
#include "x86_var.h"

#define	PG_P		0x001ull
#define	PG_RW		0x002ull
#define	PG_PWT		0x008ull
#define	PG_PCD		0x010ull
#define	PG_PS		0x080ull
#define	PG_FRAME	0x000ffffffffff000ull
#define	NBPDR		(1ull << 21)	/* bytes mapped by a PD entry */
#define	LOW_LIMIT	(4ull << 30)	/* what locore mapped */

/* Page-table pages for mappings above 4 GiB; 16 cover 14 GiB or more. */
#define	PT_POOL_PAGES	16

extern uint64_t	boot_pml4[512];
extern uint64_t	boot_pd[4 * 512];

static uint64_t	pt_pool[PT_POOL_PAGES][512] __attribute__((aligned(4096)));
static unsigned	pt_pool_used;

static bool
pa_has_ram(uint64_t pa, uint64_t len)
{
	const struct hvm_memmap_table_entry *e;
	unsigned i;

	for (i = 0; i < mem_map_count; i++) {
		e = &mem_map[i];
		if (e->type == XEN_HVM_MEMMAP_TYPE_RAM && e->addr < pa + len &&
		    pa < e->addr + e->size)
			return (true);
	}
	return (false);
}

void
pmap_init(void)
{
	uint64_t pa;
	unsigned i;

	for (i = 0; i < 4 * 512; i++) {
		pa = (uint64_t)i * NBPDR;
		if (!pa_has_ram(pa, NBPDR))
			boot_pd[i] |= PG_PCD | PG_PWT;
	}
	lcr3(rcr3());
}

static uint64_t *
pt_next(uint64_t *table, unsigned idx)
{
	uint64_t *next;

	if ((table[idx] & PG_P) != 0)
		return ((uint64_t *)(uintptr_t)(table[idx] & PG_FRAME));
	if (pt_pool_used == PT_POOL_PAGES)
		return (NULL);
	next = pt_pool[pt_pool_used++];
	memset(next, 0, 4096);
	table[idx] = (uint64_t)(uintptr_t)next | PG_P | PG_RW;
	return (next);
}

/* Identity map [pa, pa + len) above 4 GiB, uncached or write-back. */
static int
pmap_enter(uint64_t pa, uint64_t len, bool uncached)
{
	uint64_t *pdpt, *pd, va, end;
	uint64_t prev;

	end = (pa + len + NBPDR - 1) & ~(NBPDR - 1);
	prev = intr_disable();
	for (va = pa & ~(NBPDR - 1); va < end; va += NBPDR) {
		if (va < LOW_LIMIT)
			continue;
		if ((pdpt = pt_next(boot_pml4, (va >> 39) & 511)) == NULL ||
		    (pd = pt_next(pdpt, (va >> 30) & 511)) == NULL) {
			intr_restore(prev);
			return (ENOMEM);
		}
		pd[(va >> 21) & 511] = va | PG_P | PG_RW | PG_PS |
		    (uncached ? PG_PCD | PG_PWT : 0);
	}
	lcr3(rcr3());
	intr_restore(prev);
	return (0);
}

int
pmap_map_ram(uint64_t pa, uint64_t len)
{
	return (pmap_enter(pa, len, false));
}

int
pmap_map_device(uint64_t pa, uint64_t len)
{
	/* Physical addresses stop at 52 bits. */
	if (len == 0 || pa + len < pa || pa + len > (1ull << 52))
		return (EINVAL);
	return (pmap_enter(pa, len, true));
}
