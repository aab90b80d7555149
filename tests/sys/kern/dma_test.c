/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * DMA sharing (sys/kern/kern_dma.c): what is handed over in place, what
 * is bounced and why, the copies each way, and that nothing leaks.
 */
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include <pv/dma.h>
#include <pv/mem.h>

#include "lib/pvtest.h"

static uint64_t
pages_free(void)
{
	struct pv_memstats ms;

	pv_mem_stats(&ms);
	return (ms.ms_pages_free);
}

ATF_TC_WITHOUT_HEAD(guest_pages_are_shared_in_place);
ATF_TC_BODY(guest_pages_are_shared_in_place, tc)
{
	struct pv_dma dm;
	uint8_t *buf;
	uint64_t before;

	(void)tc;
	pvtest_init(256);
	buf = pv_pages_alloc(4, PV_M_ZERO, NULL);
	before = pages_free();
	ATF_REQUIRE_EQ(pv_dma_share(&dm, buf + 512, 8192, 512,
	    PV_DMA_TO_DEVICE), 0);
	ATF_CHECK(dm.dm_va == buf + 512);
	ATF_CHECK(!pv_dma_bounced(&dm));
	pv_dma_unshare(&dm, true);
	ATF_CHECK_EQ(pages_free(), before);
	pv_pages_free(buf, 4);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(memory_without_frames_is_bounced);
ATF_TC_BODY(memory_without_frames_is_bounced, tc)
{
	struct pv_dma dm;
	uint8_t *heap;
	uint64_t before;

	(void)tc;
	pvtest_init(256);
	heap = malloc(6000);
	ATF_REQUIRE(heap != NULL);
	memset(heap, 0xab, 6000);
	before = pages_free();
	/* To the device: the bounce holds the data before the I/O. */
	ATF_REQUIRE_EQ(pv_dma_share(&dm, heap, 6000, 1, PV_DMA_TO_DEVICE), 0);
	ATF_REQUIRE(pv_dma_bounced(&dm));
	ATF_CHECK(pv_vtophys(dm.dm_va) != PV_PADDR_INVALID);
	ATF_CHECK(memcmp(dm.dm_va, heap, 6000) == 0);
	ATF_CHECK_EQ(pages_free(), before - 2);
	pv_dma_unshare(&dm, true);
	ATF_CHECK_EQ(pages_free(), before);
	/* From the device: copied back only when the I/O succeeded. */
	ATF_REQUIRE_EQ(pv_dma_share(&dm, heap, 6000, 1, PV_DMA_FROM_DEVICE),
	    0);
	memset(dm.dm_va, 0x11, 6000);
	pv_dma_unshare(&dm, false);
	ATF_CHECK_EQ(heap[0], 0xab);
	ATF_REQUIRE_EQ(pv_dma_share(&dm, heap, 6000, 1, PV_DMA_FROM_DEVICE),
	    0);
	memset(dm.dm_va, 0x22, 6000);
	pv_dma_unshare(&dm, true);
	ATF_CHECK(heap[0] == 0x22 && heap[5999] == 0x22);
	ATF_CHECK_EQ(pages_free(), before);
	free(heap);
	pvtest_fini();
}

/* The first page has a frame and the last has none: page by page. */
ATF_TC_WITHOUT_HEAD(every_page_is_checked);
ATF_TC_BODY(every_page_is_checked, tc)
{
	struct pv_dma dm;
	uint8_t *p, *last;

	(void)tc;
	pvtest_init(256);
	p = pv_page_alloc(PV_M_ZERO, NULL);
	for (last = p; pv_vtophys(last + PV_PAGE_SIZE) != PV_PADDR_INVALID;
	    last += PV_PAGE_SIZE)
		;
	ATF_REQUIRE(pv_vtophys(last) != PV_PADDR_INVALID);
	ATF_REQUIRE_EQ(pv_dma_share(&dm, last + PV_PAGE_SIZE - 512, 1024, 512,
	    PV_DMA_FROM_DEVICE), 0);
	ATF_CHECK(pv_dma_bounced(&dm));
	pv_dma_unshare(&dm, false);
	pv_page_free(p);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(bounced_when_asked_or_misaligned);
ATF_TC_BODY(bounced_when_asked_or_misaligned, tc)
{
	struct pv_dma dm;
	uint8_t *buf;

	(void)tc;
	pvtest_init(256);
	buf = pv_pages_alloc(2, PV_M_ZERO, NULL);
	buf[0] = 7;
	/* The driver asks: an untrusted backend never sees buf. */
	ATF_REQUIRE_EQ(pv_dma_share(&dm, buf, 4096, 512, PV_DMA_TO_DEVICE |
	    PV_DMA_BOUNCE), 0);
	ATF_CHECK(pv_dma_bounced(&dm) && dm.dm_va != buf);
	ATF_CHECK_EQ(((uint8_t *)dm.dm_va)[0], 7);
	pv_dma_unshare(&dm, true);
	/* The device needs sector alignment that buf + 8 has not. */
	ATF_REQUIRE_EQ(pv_dma_share(&dm, buf + 8, 1024, 512,
	    PV_DMA_TO_DEVICE), 0);
	ATF_CHECK(pv_dma_bounced(&dm));
	pv_dma_unshare(&dm, true);
	pv_pages_free(buf, 2);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(the_platform_can_bounce_everything);
ATF_TC_BODY(the_platform_can_bounce_everything, tc)
{
	struct pv_dma dm;
	uint8_t *buf;

	(void)tc;
	pvtest_init_tunables(256, "kern.dma.bounce=1");
	buf = pv_page_alloc(PV_M_ZERO, NULL);
	ATF_REQUIRE_EQ(pv_dma_share(&dm, buf, 4096, 1, PV_DMA_TO_DEVICE), 0);
	ATF_CHECK(pv_dma_bounced(&dm));
	pv_dma_unshare(&dm, true);
	pv_page_free(buf);
	pvtest_fini();
}

/* Pages a device may still write are left to it, never reused. */
ATF_TC_WITHOUT_HEAD(abandoned_pages_stay_out_of_the_allocator);
ATF_TC_BODY(abandoned_pages_stay_out_of_the_allocator, tc)
{
	struct pv_dma dm;
	uint8_t heap[100];
	uint64_t before;

	(void)tc;
	pvtest_init(256);
	before = pages_free();
	ATF_REQUIRE_EQ(pv_dma_share(&dm, heap, sizeof(heap), 1,
	    PV_DMA_FROM_DEVICE), 0);
	pv_dma_abandon(&dm);
	ATF_CHECK_EQ(pages_free(), before - 1);
	pv_dma_unshare(&dm, true);	/* nothing left to release */
	ATF_CHECK_EQ(pages_free(), before - 1);
	pvtest_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, guest_pages_are_shared_in_place);
	ATF_TP_ADD_TC(tp, memory_without_frames_is_bounced);
	ATF_TP_ADD_TC(tp, every_page_is_checked);
	ATF_TP_ADD_TC(tp, bounced_when_asked_or_misaligned);
	ATF_TP_ADD_TC(tp, the_platform_can_bounce_everything);
	ATF_TP_ADD_TC(tp, abandoned_pages_stay_out_of_the_allocator);
	return (atf_no_error());
}
