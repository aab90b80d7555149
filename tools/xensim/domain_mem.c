/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Guest frames as xensim sees them.  Apart from domain.c so that unit
 * tests of the hypervisor ops can link it with a domain of their making.
 */
#include <stddef.h>

#include "domain.h"

void *
domain_gfn(struct domain *d, uint64_t gfn)
{
	if (d->d_mem == NULL || gfn < d->d_base_pfn ||
	    gfn - d->d_base_pfn >= d->d_mem_pages)
		return (NULL);
	/* A ballooned-out page is a hole: nothing may map it. */
	if (gfn - d->d_base_pfn < d->d_ram_pages &&
	    !d->d_populated[gfn - d->d_base_pfn])
		return (NULL);
	return (d->d_mem + (gfn - d->d_base_pfn) * 4096);
}
