/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Memory service: guest pages with their frame numbers, and small
 * allocations.
 *
 * Pages come from guest memory, which a hypervisor or a peer process can
 * reach by frame number: grants, virtqueues and balloon requests all speak
 * in frames.  Small allocations (pv_malloc) are private to the kernel and
 * have no usable frame number.
 */
#ifndef _PV_MEM_H_
#define _PV_MEM_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define	PV_PAGE_SHIFT	12
#define	PV_PAGE_SIZE	(1u << PV_PAGE_SHIFT)
#define	PV_PAGE_MASK	(PV_PAGE_SIZE - 1)

typedef uint64_t pv_paddr_t;
typedef uint64_t pv_pfn_t;

#define	PV_PADDR_INVALID	UINT64_MAX
#define	PV_PFN_INVALID		UINT64_MAX

#define	PV_M_WAITOK	0x0000	/* sleep until memory is available */
#define	PV_M_NOWAIT	0x0001	/* fail at once with NULL */
#define	PV_M_ZERO	0x0002	/* return zeroed memory */

void	*pv_malloc(size_t size, int flags);
void	 pv_free(void *p);

/*
 * Allocate npages physically contiguous pages; the first frame number is
 * returned through pfnp when it is not NULL.
 */
void	*pv_pages_alloc(size_t npages, int flags, pv_pfn_t *pfnp);
void	 pv_pages_free(void *va, size_t npages);
void	*pv_page_alloc(int flags, pv_pfn_t *pfnp);
void	 pv_page_free(void *va);

/* Translations; PV_PADDR_INVALID / NULL for memory outside guest RAM. */
pv_paddr_t	 pv_vtophys(const void *va);
void		*pv_phystov(pv_paddr_t pa);

static inline pv_pfn_t
pv_atop(pv_paddr_t pa)
{
	return (pa >> PV_PAGE_SHIFT);
}

static inline pv_paddr_t
pv_ptoa(pv_pfn_t pfn)
{
	return (pfn << PV_PAGE_SHIFT);
}

struct pv_memstats {
	uint64_t	ms_pages_total;		/* guest RAM under the allocator */
	uint64_t	ms_pages_free;
	uint64_t	ms_malloc_count;	/* live pv_malloc allocations */
	uint64_t	ms_malloc_bytes;
};

void	pv_mem_stats(struct pv_memstats *ms);

#endif /* !_PV_MEM_H_ */
