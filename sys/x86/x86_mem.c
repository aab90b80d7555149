/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Guest RAM.  The PVH memory map says where RAM is; everything above the
 * kernel image and above 1 MiB is usable.  The first part becomes the
 * heap behind md_malloc (for pv_malloc, thread descriptors and the page
 * allocator's bitmaps), the rest goes to the shared page allocator, which
 * hands out pages with their frame numbers.  The map is the identity, so
 * a page's frame number is its address >> 12.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <pv/console.h>
#include <pv/mem.h>
#include <pv/panic.h>

#include "kern/md.h"
#include "x86/cpufunc.h"
#include "x86_var.h"

#define	MB		(1024ull * 1024)
#define	HEAP_MIN	(4 * MB)
#define	HEAP_MAX	(64 * MB)
#define	RANGES_MAX	16

extern char	__kernel_end[];

struct hvm_memmap_table_entry mem_map[MEMMAP_MAX];
unsigned	mem_map_count;

struct range {
	uint64_t	r_start;
	uint64_t	r_end;
};

static struct range	free_ranges[RANGES_MAX];
static unsigned		nfree_ranges;
static uint64_t		ram_bytes;

/*
 * The heap: first fit over an address-ordered free list, with adjacent
 * free blocks merged on free.  Sizes include the 16-byte header, which
 * keeps every block 16-byte aligned as struct pv_mtx requires.
 */
#define	HDR_SIZE	16
#define	HDR_MAGIC	0x6d64686561702121ull	/* "mdheap!!" */

struct hblk {
	uint64_t	 hb_size;
	union {
		struct hblk	*hb_next;	/* free */
		uint64_t	 hb_magic;	/* allocated */
	};
};

_Static_assert(sizeof(struct hblk) == HDR_SIZE, "heap header size");

static struct hblk	*heap_free;
static uint64_t		 heap_base, heap_size;

static void
heap_init(uint64_t base, uint64_t size)
{
	heap_base = base;
	heap_size = size;
	heap_free = (struct hblk *)(uintptr_t)base;
	heap_free->hb_size = size;
	heap_free->hb_next = NULL;
}

void *
md_malloc(size_t size)
{
	struct hblk **pp, *b, *rest;
	uint64_t need, prev;

	if (size > HEAP_MAX)
		return (NULL);
	need = (size + HDR_SIZE + 15) & ~15ull;
	prev = intr_disable();
	for (pp = &heap_free; (b = *pp) != NULL; pp = &b->hb_next) {
		if (b->hb_size < need)
			continue;
		if (b->hb_size - need >= 2 * HDR_SIZE) {
			rest = (struct hblk *)((char *)b + need);
			rest->hb_size = b->hb_size - need;
			rest->hb_next = b->hb_next;
			*pp = rest;
			b->hb_size = need;
		} else
			*pp = b->hb_next;
		b->hb_magic = HDR_MAGIC;
		intr_restore(prev);
		return ((char *)b + HDR_SIZE);
	}
	intr_restore(prev);
	return (NULL);
}

void
md_free(void *p)
{
	struct hblk **pp, *b, *next;
	uint64_t prev;

	if (p == NULL)
		return;
	b = (struct hblk *)((char *)p - HDR_SIZE);
	if ((uintptr_t)b < heap_base || (uintptr_t)b >= heap_base + heap_size ||
	    b->hb_magic != HDR_MAGIC)
		pv_panic("md_free: %p is not a heap block", p);
	prev = intr_disable();
	for (pp = &heap_free; (next = *pp) != NULL && next < b;
	    pp = &next->hb_next)
		;
	b->hb_next = next;
	*pp = b;
	/* Merge with the following block, then the preceding one. */
	if (next != NULL && (char *)b + b->hb_size == (char *)next) {
		b->hb_size += next->hb_size;
		b->hb_next = next->hb_next;
	}
	if (pp != &heap_free) {
		struct hblk *before = (struct hblk *)((char *)pp -
		    offsetof(struct hblk, hb_next));

		if ((char *)before + before->hb_size == (char *)b) {
			before->hb_size += b->hb_size;
			before->hb_next = b->hb_next;
		}
	}
	intr_restore(prev);
}

/*
 * Collect usable RAM from the memory map and set the heap up in the first
 * range large enough.  The map was copied out of the loader's memory by
 * x86_boot, so nothing here can overwrite it.
 */
int
mem_init(void)
{
	const struct hvm_memmap_table_entry *e;
	uint64_t kend = ((uint64_t)(uintptr_t)__kernel_end + PV_PAGE_MASK) &
	    ~(uint64_t)PV_PAGE_MASK;
	uint64_t start, end, hsize;
	unsigned i;
	struct range *r;

	for (i = 0; i < mem_map_count; i++) {
		e = &mem_map[i];
		if (e->type != XEN_HVM_MEMMAP_TYPE_RAM)
			continue;
		ram_bytes += e->size;
		start = (e->addr + PV_PAGE_MASK) & ~(uint64_t)PV_PAGE_MASK;
		end = (e->addr + e->size) & ~(uint64_t)PV_PAGE_MASK;
		if (start < MB)
			start = MB;
		if (start < kend)
			start = kend;
		if (end <= start || nfree_ranges == RANGES_MAX)
			continue;
		free_ranges[nfree_ranges].r_start = start;
		free_ranges[nfree_ranges].r_end = end;
		nfree_ranges++;
	}
	hsize = ram_bytes / 16;
	hsize = hsize < HEAP_MIN ? HEAP_MIN : hsize > HEAP_MAX ? HEAP_MAX :
	    hsize;
	hsize &= ~(uint64_t)PV_PAGE_MASK;
	for (i = 0; i < nfree_ranges; i++) {
		r = &free_ranges[i];
		/* The heap is touched before any mapping above 4 GiB. */
		if (r->r_end - r->r_start >= 2 * hsize &&
		    r->r_start + hsize <= (4ull << 30)) {
			heap_init(r->r_start, hsize);
			r->r_start += hsize;
			return (0);
		}
	}
	return (ENOMEM);
}

/* After pv_kern_init: the rest of RAM to the page allocator. */
int
mem_add_ram(void)
{
	struct range *r;
	unsigned i;
	int error;

	for (i = 0; i < nfree_ranges; i++) {
		r = &free_ranges[i];
		if (r->r_end > (4ull << 30) &&
		    (error = pmap_map_ram(r->r_start, r->r_end - r->r_start)) !=
		    0) {
			pv_printf("mem: RAM at %#jx left out (%d)\n",
			    (uintmax_t)r->r_start, error);
			continue;
		}
		error = pv_physmem_add((void *)(uintptr_t)r->r_start,
		    pv_atop(r->r_start), (r->r_end - r->r_start) >>
		    PV_PAGE_SHIFT);
		if (error != 0)
			return (error);
	}
	return (0);
}

uint64_t
mem_ram_bytes(void)
{
	return (ram_bytes);
}

uint64_t
mem_heap_bytes(void)
{
	return (heap_size);
}
