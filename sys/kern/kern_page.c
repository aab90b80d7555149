/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The page allocator.  A platform hands over ranges of guest RAM with the
 * frame number of their first page; each range keeps a bitmap of pages in
 * use.  Allocation is first fit from a rotating hint, which keeps the
 * search short for the single pages that rings and grants ask for.
 */
#include <errno.h>
#include <string.h>

#include <pv/mem.h>
#include <pv/sync.h>

#include "kern/md.h"

#define	PHYSMEM_SEGS	16
#define	BITS		64

struct physseg {
	uint8_t		*ps_va;
	pv_pfn_t	 ps_pfn;
	size_t		 ps_npages;
	uint64_t	*ps_map;	/* bit set: page in use */
	size_t		 ps_hint;
	bool		 ps_reserved;	/* translated, never allocated */
};

static struct physseg	physsegs[PHYSMEM_SEGS];
static int		nphyssegs;
static uint64_t		pages_total;
static uint64_t		pages_free;
static struct pv_mtx	physmem_mtx;

static bool
page_used(const struct physseg *ps, size_t i)
{
	return ((ps->ps_map[i / BITS] >> (i % BITS)) & 1);
}

static void
page_mark(struct physseg *ps, size_t i, size_t n, bool used)
{
	for (; n > 0; i++, n--) {
		if (used)
			ps->ps_map[i / BITS] |= 1ull << (i % BITS);
		else
			ps->ps_map[i / BITS] &= ~(1ull << (i % BITS));
	}
}

/* Find n clear bits in a row at or after from; returns npages if none. */
static size_t
seg_find(const struct physseg *ps, size_t from, size_t n)
{
	size_t i, run;

	for (i = from, run = 0; i < ps->ps_npages; i++) {
		if (run == 0 && i % BITS == 0 && ps->ps_map[i / BITS] == ~0ull &&
		    i + BITS <= ps->ps_npages) {
			i += BITS - 1;
			continue;
		}
		if (page_used(ps, i)) {
			run = 0;
			continue;
		}
		if (++run == n)
			return (i + 1 - n);
	}
	return (ps->ps_npages);
}

static void *
seg_alloc(struct physseg *ps, size_t n, pv_pfn_t *pfnp)
{
	size_t i;

	i = seg_find(ps, ps->ps_hint, n);
	if (i == ps->ps_npages && ps->ps_hint != 0)
		i = seg_find(ps, 0, n);
	if (i == ps->ps_npages)
		return (NULL);
	page_mark(ps, i, n, true);
	ps->ps_hint = (i + n) % ps->ps_npages;
	if (pfnp != NULL)
		*pfnp = ps->ps_pfn + i;
	return (ps->ps_va + i * PV_PAGE_SIZE);
}

void *
pv_pages_alloc(size_t npages, int flags, pv_pfn_t *pfnp)
{
	void *va;
	int i;

	if (npages == 0)
		return (NULL);
	pv_mtx_lock(&physmem_mtx);
	for (;;) {
		va = NULL;
		if (npages <= pages_free) {
			for (i = 0; i < nphyssegs && va == NULL; i++) {
				if (!physsegs[i].ps_reserved)
					va = seg_alloc(&physsegs[i], npages,
					    pfnp);
			}
		}
		if (va != NULL || (flags & PV_M_NOWAIT) != 0 ||
		    npages > pages_total)
			break;
		pv_sleep(&pages_free, &physmem_mtx, "pgwait", 0);
	}
	if (va != NULL)
		pages_free -= npages;
	pv_mtx_unlock(&physmem_mtx);
	if (va != NULL && (flags & PV_M_ZERO) != 0)
		memset(va, 0, npages * PV_PAGE_SIZE);
	return (va);
}

void *
pv_page_alloc(int flags, pv_pfn_t *pfnp)
{
	return (pv_pages_alloc(1, flags, pfnp));
}

static struct physseg *
seg_of(const void *va)
{
	const uint8_t *p = va;
	int i;

	for (i = 0; i < nphyssegs; i++) {
		if (p >= physsegs[i].ps_va &&
		    p < physsegs[i].ps_va + physsegs[i].ps_npages * PV_PAGE_SIZE)
			return (&physsegs[i]);
	}
	return (NULL);
}

void
pv_pages_free(void *va, size_t npages)
{
	struct physseg *ps;
	size_t i, j;

	if (va == NULL)
		return;
	pv_mtx_lock(&physmem_mtx);
	ps = seg_of(va);
	if (ps == NULL || ps->ps_reserved ||
	    ((uint8_t *)va - ps->ps_va) % PV_PAGE_SIZE != 0)
		pv_panic("pv_pages_free: %p is not a page of guest RAM", va);
	i = ((uint8_t *)va - ps->ps_va) / PV_PAGE_SIZE;
	if (npages > ps->ps_npages - i)
		pv_panic("pv_pages_free: %zu pages at %p overrun RAM", npages,
		    va);
	for (j = i; j < i + npages; j++) {
		if (!page_used(ps, j))
			pv_panic("pv_pages_free: page %p freed twice",
			    (void *)(ps->ps_va + j * PV_PAGE_SIZE));
	}
	page_mark(ps, i, npages, false);
	pages_free += npages;
	pv_wakeup(&pages_free);
	pv_mtx_unlock(&physmem_mtx);
}

void
pv_page_free(void *va)
{
	pv_pages_free(va, 1);
}

pv_paddr_t
pv_vtophys(const void *va)
{
	const struct physseg *ps;
	const uint8_t *p = va;

	/* Segments never change once added, so no lock is needed. */
	ps = seg_of(va);
	if (ps == NULL)
		return (PV_PADDR_INVALID);
	return (pv_ptoa(ps->ps_pfn) + (pv_paddr_t)(p - ps->ps_va));
}

void *
pv_phystov(pv_paddr_t pa)
{
	pv_pfn_t pfn = pv_atop(pa);
	int i;

	for (i = 0; i < nphyssegs; i++) {
		if (pfn >= physsegs[i].ps_pfn &&
		    pfn < physsegs[i].ps_pfn + physsegs[i].ps_npages)
			return (physsegs[i].ps_va +
			    (pa - pv_ptoa(physsegs[i].ps_pfn)));
	}
	return (NULL);
}

static int
physmem_add(void *va, pv_pfn_t pfn, size_t npages, bool reserved)
{
	struct physseg *ps;
	size_t words;

	if (nphyssegs == PHYSMEM_SEGS || npages == 0 ||
	    ((uintptr_t)va & PV_PAGE_MASK) != 0)
		return (EINVAL);
	words = (npages + BITS - 1) / BITS;
	ps = &physsegs[nphyssegs];
	ps->ps_map = md_malloc(words * sizeof(uint64_t));
	if (ps->ps_map == NULL)
		return (ENOMEM);
	memset(ps->ps_map, 0, words * sizeof(uint64_t));
	ps->ps_va = va;
	ps->ps_pfn = pfn;
	ps->ps_npages = npages;
	ps->ps_hint = 0;
	ps->ps_reserved = reserved;
	pv_mtx_lock(&physmem_mtx);
	nphyssegs++;
	if (!reserved) {
		pages_total += npages;
		pages_free += npages;
	}
	pv_mtx_unlock(&physmem_mtx);
	return (0);
}

int
pv_physmem_add(void *va, pv_pfn_t pfn, size_t npages)
{
	return (physmem_add(va, pfn, npages, false));
}

int
pv_physmem_add_reserved(void *va, pv_pfn_t pfn, size_t npages)
{
	return (physmem_add(va, pfn, npages, true));
}

void
pv_physmem_init(void)
{
	pv_mtx_init(&physmem_mtx, "physmem");
}

void
pv_physmem_fini(void)
{
	int i;

	for (i = 0; i < nphyssegs; i++)
		md_free(physsegs[i].ps_map);
	memset(physsegs, 0, sizeof(physsegs));
	nphyssegs = 0;
	pages_total = pages_free = 0;
	pv_mtx_destroy(&physmem_mtx);
}

void
pv_mem_stats(struct pv_memstats *ms)
{
	pv_mtx_lock(&physmem_mtx);
	ms->ms_pages_total = pages_total;
	ms->ms_pages_free = pages_free;
	pv_mtx_unlock(&physmem_mtx);
	pv_malloc_stats(ms);
}
