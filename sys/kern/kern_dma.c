/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * DMA sharing (pv/dma.h), the one bounce-buffer implementation every
 * driver uses.  Whether a buffer can be handed over in place is decided
 * page by page: a buffer whose first page has a frame may still run into
 * memory that has none.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <pv/dma.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/sysctl.h>

#include "kern/md.h"

static uint32_t	dma_bounce_all;

static const struct pv_tunable dma_tunable_list[] = {
	{ "bounce", &dma_bounce_all, 0, 0, 1,
	    "share no caller's pages with any device: bounce everything" },
};
PV_TUNABLES(dma_tunables, "kern.dma", dma_tunable_list);

void
pv_dma_init(void)
{
	pv_ctl_tunables(&dma_tunables);
}

/* Every page of [va, va + len) has a frame a device can be given. */
static bool
dma_reachable(const char *va, size_t len)
{
	uintptr_t p, end = (uintptr_t)va + len;

	for (p = (uintptr_t)va & ~(uintptr_t)PV_PAGE_MASK; p < end;
	    p += PV_PAGE_SIZE)
		if (pv_vtophys((const void *)p) == PV_PADDR_INVALID)
			return (false);
	return (true);
}

int
pv_dma_share(struct pv_dma *dm, void *buf, size_t len, size_t align,
    int flags)
{
	memset(dm, 0, sizeof(*dm));
	dm->dm_buf = buf;
	dm->dm_len = len;
	dm->dm_flags = flags;
	dm->dm_va = buf;
	if (len == 0)
		return (0);
	if ((flags & PV_DMA_BOUNCE) == 0 && dma_bounce_all == 0 &&
	    ((uintptr_t)buf & (align - 1)) == 0 && dma_reachable(buf, len))
		return (0);
	dm->dm_bounce_pages = pv_roundup(len, PV_PAGE_SIZE) / PV_PAGE_SIZE;
	if ((dm->dm_bounce = pv_pages_alloc(dm->dm_bounce_pages, PV_M_NOWAIT,
	    NULL)) == NULL) {
		dm->dm_va = NULL;
		return (ENOMEM);
	}
	if ((flags & PV_DMA_TO_DEVICE) != 0)
		memcpy(dm->dm_bounce, buf, len);
	dm->dm_va = dm->dm_bounce;
	return (0);
}

void
pv_dma_unshare(struct pv_dma *dm, bool done)
{
	if (dm->dm_bounce == NULL)
		return;
	if (done && (dm->dm_flags & PV_DMA_FROM_DEVICE) != 0)
		memcpy(dm->dm_buf, dm->dm_bounce, dm->dm_len);
	pv_pages_free(dm->dm_bounce, dm->dm_bounce_pages);
	dm->dm_bounce = NULL;
	dm->dm_va = NULL;
}

void
pv_dma_abandon(struct pv_dma *dm)
{
	dm->dm_bounce = NULL;
	dm->dm_va = NULL;
}

bool
pv_dma_bounced(const struct pv_dma *dm)
{
	return (dm->dm_bounce != NULL);
}
