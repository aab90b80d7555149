/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The page allocator and small allocations.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include <hosted/hosted.h>
#include <hosted/xensim_proto.h>
#include <pv/mem.h>
#include <pv/time.h>

#include "lib/pvtest.h"

ATF_TC_WITHOUT_HEAD(pages_have_distinct_frames);
ATF_TC_BODY(pages_have_distinct_frames, tc)
{
	struct pv_memstats ms;
	pv_pfn_t pfn[100];
	void *va[100];
	int i, j;

	pvtest_init(256);
	pv_mem_stats(&ms);
	ATF_REQUIRE_EQ(ms.ms_pages_total, 256);
	for (i = 0; i < 100; i++) {
		va[i] = pv_page_alloc(PV_M_NOWAIT, &pfn[i]);
		ATF_REQUIRE(va[i] != NULL);
		ATF_REQUIRE(pfn[i] >= PV_HOSTED_BASE_PFN &&
		    pfn[i] < PV_HOSTED_BASE_PFN + 256);
		ATF_REQUIRE_EQ(pv_vtophys(va[i]), pv_ptoa(pfn[i]));
		ATF_REQUIRE_EQ(pv_phystov(pv_ptoa(pfn[i])), va[i]);
		ATF_REQUIRE_EQ((uintptr_t)va[i] & PV_PAGE_MASK, 0);
		for (j = 0; j < i; j++)
			ATF_REQUIRE(pfn[j] != pfn[i]);
	}
	pv_mem_stats(&ms);
	ATF_REQUIRE_EQ(ms.ms_pages_free, 156);
	/* A byte inside a page translates with its offset. */
	ATF_REQUIRE_EQ(pv_vtophys((char *)va[7] + 123), pv_ptoa(pfn[7]) + 123);
	for (i = 0; i < 100; i++)
		pv_page_free(va[i]);
	pv_mem_stats(&ms);
	ATF_REQUIRE_EQ(ms.ms_pages_free, 256);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(contiguous_pages_are_consecutive_frames);
ATF_TC_BODY(contiguous_pages_are_consecutive_frames, tc)
{
	void *hole, *run;
	pv_pfn_t pfn;
	int i;

	pvtest_init(64);
	/* Fragment the start so the run cannot simply begin at frame 0. */
	hole = pv_pages_alloc(3, PV_M_NOWAIT, NULL);
	pv_page_free((char *)hole + PV_PAGE_SIZE);
	run = pv_pages_alloc(8, PV_M_NOWAIT, &pfn);
	ATF_REQUIRE(run != NULL);
	for (i = 0; i < 8; i++)
		ATF_REQUIRE_EQ(pv_vtophys((char *)run + i * PV_PAGE_SIZE),
		    pv_ptoa(pfn + i));
	/* More than the RAM holds can never succeed, even waiting. */
	ATF_REQUIRE(pv_pages_alloc(65, PV_M_WAITOK, NULL) == NULL);
	pv_pages_free(run, 8);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(nowait_fails_when_exhausted);
ATF_TC_BODY(nowait_fails_when_exhausted, tc)
{
	struct pv_memstats ms;
	void *va[16], *extra;
	int i;

	pvtest_init(16);
	for (i = 0; i < 16; i++)
		ATF_REQUIRE((va[i] = pv_page_alloc(PV_M_NOWAIT, NULL)) != NULL);
	/* Not even the special pages after RAM are handed out. */
	ATF_REQUIRE(pv_page_alloc(PV_M_NOWAIT, NULL) == NULL);
	pv_mem_stats(&ms);
	ATF_REQUIRE_EQ(ms.ms_pages_free, 0);
	pv_page_free(va[5]);
	extra = pv_page_alloc(PV_M_NOWAIT, NULL);
	ATF_REQUIRE_EQ(extra, va[5]);
	for (i = 0; i < 16; i++)
		pv_page_free(va[i]);
	pvtest_fini();
}

struct waiter {
	void	*va;
	int	 done;
};

static void *
alloc_waitok(void *arg)
{
	struct waiter *w = arg;

	w->va = pv_page_alloc(PV_M_WAITOK, NULL);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(waitok_sleeps_until_a_page_is_freed);
ATF_TC_BODY(waitok_sleeps_until_a_page_is_freed, tc)
{
	struct waiter w = { 0 };
	pthread_t td;
	void *va[4];
	uint64_t t0;
	int i;

	pvtest_init(4);
	for (i = 0; i < 4; i++)
		va[i] = pv_page_alloc(PV_M_NOWAIT, NULL);
	pthread_create(&td, NULL, alloc_waitok, &w);
	pvtest_msleep(100);
	ATF_REQUIRE_EQ_MSG(__atomic_load_n(&w.done, __ATOMIC_ACQUIRE), 0,
	    "WAITOK returned while no page was free");
	t0 = pv_uptime_ns();
	pv_page_free(va[2]);
	pthread_join(td, NULL);
	ATF_REQUIRE_EQ(w.va, va[2]);
	ATF_REQUIRE(pvtest_ms_since(t0) < 2000);
	for (i = 0; i < 4; i++)
		pv_page_free(va[i]);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(zero_flag_clears_reused_pages);
ATF_TC_BODY(zero_flag_clears_reused_pages, tc)
{
	unsigned char *p;
	int i;

	pvtest_init(1);
	p = pv_page_alloc(PV_M_NOWAIT, NULL);
	memset(p, 0xa5, PV_PAGE_SIZE);
	pv_page_free(p);
	p = pv_page_alloc(PV_M_NOWAIT | PV_M_ZERO, NULL);
	for (i = 0; i < (int)PV_PAGE_SIZE; i++)
		ATF_REQUIRE_EQ(p[i], 0);
	pv_page_free(p);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(double_free_panics);
ATF_TC_BODY(double_free_panics, tc)
{
	void *p;

	pvtest_init(4);
	p = pv_page_alloc(PV_M_NOWAIT, NULL);
	pv_page_free(p);
	atf_tc_expect_signal(SIGABRT, "a page freed twice is a driver bug");
	pv_page_free(p);
}

ATF_TC_WITHOUT_HEAD(memory_outside_ram_has_no_frame);
ATF_TC_BODY(memory_outside_ram_has_no_frame, tc)
{
	int local;
	void *heap;

	pvtest_init(8);
	heap = pv_malloc(64, PV_M_WAITOK);
	ATF_REQUIRE_EQ(pv_vtophys(&local), PV_PADDR_INVALID);
	ATF_REQUIRE_EQ(pv_vtophys(heap), PV_PADDR_INVALID);
	ATF_REQUIRE(pv_phystov(pv_ptoa(PV_HOSTED_BASE_PFN - 1)) == NULL);
	ATF_REQUIRE(pv_phystov(pv_ptoa(PV_HOSTED_BASE_PFN + 7)) != NULL);
	/* The hypervisor's special pages follow RAM: mapped, not ours. */
	ATF_REQUIRE(pv_phystov(pv_ptoa(PV_HOSTED_BASE_PFN + 8)) != NULL);
	ATF_REQUIRE(pv_phystov(pv_ptoa(PV_HOSTED_BASE_PFN + 8 +
	    XENSIM_SPECIAL_PAGES)) == NULL);
	pv_free(heap);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(malloc_counts_live_allocations);
ATF_TC_BODY(malloc_counts_live_allocations, tc)
{
	struct pv_memstats base, ms;
	unsigned char *a, *b;
	int i;

	pvtest_init(0);
	pv_mem_stats(&base);
	a = pv_malloc(100, PV_M_WAITOK);
	b = pv_malloc(28, PV_M_ZERO);
	pv_mem_stats(&ms);
	ATF_REQUIRE_EQ(ms.ms_malloc_count, base.ms_malloc_count + 2);
	ATF_REQUIRE_EQ(ms.ms_malloc_bytes, base.ms_malloc_bytes + 128);
	for (i = 0; i < 28; i++)
		ATF_REQUIRE_EQ(b[i], 0);
	pv_free(a);
	pv_free(b);
	pv_free(NULL);
	pv_mem_stats(&ms);
	ATF_REQUIRE_EQ(ms.ms_malloc_count, base.ms_malloc_count);
	ATF_REQUIRE_EQ(ms.ms_malloc_bytes, base.ms_malloc_bytes);
	pvtest_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, pages_have_distinct_frames);
	ATF_TP_ADD_TC(tp, contiguous_pages_are_consecutive_frames);
	ATF_TP_ADD_TC(tp, nowait_fails_when_exhausted);
	ATF_TP_ADD_TC(tp, waitok_sleeps_until_a_page_is_freed);
	ATF_TP_ADD_TC(tp, zero_flag_clears_reused_pages);
	ATF_TP_ADD_TC(tp, double_free_panics);
	ATF_TP_ADD_TC(tp, memory_outside_ram_has_no_frame);
	ATF_TP_ADD_TC(tp, malloc_counts_live_allocations);
	return (atf_no_error());
}
