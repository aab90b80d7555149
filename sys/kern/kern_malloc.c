/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Small allocations over the platform heap.  Each block carries its size
 * so that live bytes can be counted: the tests use the counts to prove
 * that a detached driver leaked nothing.
 */
#include <string.h>

#include <pv/atomic.h>
#include <pv/mem.h>
#include <pv/panic.h>

#include "kern/md.h"

#define	MALLOC_MAGIC	0x70766d616c6c6f63ull	/* "pvmalloc" */

struct mhdr {
	uint64_t	mh_size;
	uint64_t	mh_magic;
};

static uint64_t	malloc_count;
static uint64_t	malloc_bytes;

void *
pv_malloc(size_t size, int flags)
{
	struct mhdr *mh;

	if (size > SIZE_MAX - sizeof(*mh))
		return (NULL);
	mh = md_malloc(sizeof(*mh) + size);
	if (mh == NULL) {
		if ((flags & PV_M_NOWAIT) == 0)
			pv_panic("pv_malloc: out of memory for %zu bytes", size);
		return (NULL);
	}
	mh->mh_size = size;
	mh->mh_magic = MALLOC_MAGIC;
	pv_fetch_add(&malloc_count, 1);
	pv_fetch_add(&malloc_bytes, size);
	if ((flags & PV_M_ZERO) != 0)
		memset(mh + 1, 0, size);
	return (mh + 1);
}

void
pv_free(void *p)
{
	struct mhdr *mh;

	if (p == NULL)
		return;
	mh = (struct mhdr *)p - 1;
	if (mh->mh_magic != MALLOC_MAGIC)
		pv_panic("pv_free: %p was not allocated by pv_malloc", p);
	mh->mh_magic = 0;
	pv_fetch_add(&malloc_count, -1);
	pv_fetch_add(&malloc_bytes, -mh->mh_size);
	md_free(mh);
}

void
pv_malloc_stats(struct pv_memstats *ms)
{
	ms->ms_malloc_count = pv_load_relaxed(&malloc_count);
	ms->ms_malloc_bytes = pv_load_relaxed(&malloc_bytes);
}
