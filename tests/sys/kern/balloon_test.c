/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The balloon core against a scripted host: one that takes everything,
 * one that takes part of each batch, one that refuses, and a guest with
 * too little memory to give.
 */
#include <errno.h>
#include <string.h>

#include <atf-c.h>

#include <pv/balloon.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/time.h>

#include "lib/pvtest.h"

#define	RAM_PAGES	2048

struct host {
	struct pv_mtx	h_mtx;
	uint64_t	h_holds;	/* pages the host has of ours */
	unsigned	h_take;		/* most per inflate batch; 0: all */
	bool		h_refuse_deflate;
	uint64_t	h_reports;
	uint64_t	h_last_report;
	unsigned	h_max_batch;
};

static int
h_inflate(void *sc, const pv_pfn_t *pfns, unsigned n, unsigned *donep)
{
	struct host *h = sc;
	unsigned i;

	for (i = 0; i < n; i++)
		ATF_CHECK(pv_phystov(pv_ptoa(pfns[i])) != NULL);
	pv_mtx_lock(&h->h_mtx);
	if (n > h->h_max_batch)
		h->h_max_batch = n;
	*donep = h->h_take != 0 && h->h_take < n ? h->h_take : n;
	h->h_holds += *donep;
	pv_mtx_unlock(&h->h_mtx);
	return (0);
}

static int
h_deflate(void *sc, const pv_pfn_t *pfns, unsigned n, unsigned *donep)
{
	struct host *h = sc;

	(void)pfns;
	pv_mtx_lock(&h->h_mtx);
	*donep = h->h_refuse_deflate ? 0 : n;
	h->h_holds -= *donep;
	pv_mtx_unlock(&h->h_mtx);
	return (h->h_refuse_deflate ? EIO : 0);
}

static void
h_report(void *sc, uint64_t size)
{
	struct host *h = sc;

	pv_mtx_lock(&h->h_mtx);
	h->h_reports++;
	h->h_last_report = size;
	pv_mtx_unlock(&h->h_mtx);
}

static const struct pv_balloon_ops host_ops = {
	.bo_inflate = h_inflate,
	.bo_deflate = h_deflate,
	.bo_report = h_report,
};

static uint64_t
free_pages(void)
{
	struct pv_memstats ms;

	pv_mem_stats(&ms);
	return (ms.ms_pages_free);
}

/* A platform, a host taking take pages a batch (0: all), a balloon. */
static uint64_t
start(struct host *h, unsigned take, struct pv_balloon **bp)
{
	uint64_t free0;

	pvtest_init(RAM_PAGES);
	memset(h, 0, sizeof(*h));
	h->h_take = take;
	pv_mtx_init(&h->h_mtx, "host");
	free0 = free_pages();
	ATF_REQUIRE_EQ(pv_balloon_create(bp, "balloon0", &host_ops, h, 64),
	    0);
	return (free0);
}

static void
finish(struct host *h)
{
	pv_mtx_destroy(&h->h_mtx);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(inflate_and_deflate);
ATF_TC_BODY(inflate_and_deflate, tc)
{
	struct pv_balloon_stats st;
	struct pv_balloon *b;
	struct host h;
	uint64_t free0;

	free0 = start(&h, 0, &b);
	pv_balloon_set_target(b, 1000);
	ATF_REQUIRE_EQ(pv_balloon_wait(b, 5 * PV_NS_PER_SEC), 0);
	pv_balloon_stats(b, &st);
	ATF_CHECK_EQ(st.bs_size, 1000);
	ATF_CHECK_EQ(h.h_holds, 1000);
	ATF_CHECK_EQ(free_pages(), free0 - 1000);
	ATF_CHECK_EQ(h.h_max_batch, 64);
	ATF_CHECK_EQ(h.h_last_report, 1000);
	pv_balloon_set_target(b, 200);
	ATF_REQUIRE_EQ(pv_balloon_wait(b, 5 * PV_NS_PER_SEC), 0);
	pv_balloon_stats(b, &st);
	ATF_CHECK_EQ(st.bs_size, 200);
	ATF_CHECK_EQ(st.bs_inflated, 1000);
	ATF_CHECK_EQ(st.bs_deflated, 800);
	ATF_CHECK_EQ(h.h_holds, 200);
	ATF_CHECK_EQ(free_pages(), free0 - 200);
	/* Destroy gives everything back. */
	pv_balloon_destroy(b);
	ATF_CHECK_EQ(h.h_holds, 0);
	ATF_CHECK_EQ(free_pages(), free0);
	finish(&h);
}

ATF_TC_WITHOUT_HEAD(host_takes_part);
ATF_TC_BODY(host_takes_part, tc)
{
	struct pv_balloon_stats st;
	struct pv_balloon *b;
	struct host h;
	uint64_t free0;

	free0 = start(&h, 10, &b);
	pv_balloon_set_target(b, 100);
	/* Ten at a time, with a backoff after each short batch. */
	ATF_REQUIRE_EQ(pv_balloon_wait(b, 20 * PV_NS_PER_SEC), 0);
	pv_balloon_stats(b, &st);
	ATF_CHECK_EQ(st.bs_size, 100);
	ATF_CHECK(st.bs_host_refusals >= 9);
	ATF_CHECK(st.bs_backoffs >= 9);
	/* What the host did not take went back to the allocator. */
	ATF_CHECK_EQ(free_pages(), free0 - 100);
	pv_balloon_destroy(b);
	ATF_CHECK_EQ(free_pages(), free0);
	finish(&h);
}

ATF_TC_WITHOUT_HEAD(guest_short_of_memory);
ATF_TC_BODY(guest_short_of_memory, tc)
{
	struct pv_memstats ms;
	struct pv_balloon_stats st;
	struct pv_balloon *b;
	struct host h;
	uint64_t free0;

	free0 = start(&h, 0, &b);
	/* More than there is: it gives what it can and keeps trying. */
	pv_balloon_set_target(b, RAM_PAGES * 2);
	ATF_CHECK_EQ(pv_balloon_wait(b, PV_NS_PER_SEC / 2), ETIMEDOUT);
	pv_balloon_stats(b, &st);
	ATF_CHECK(st.bs_alloc_fails > 0);
	ATF_CHECK(st.bs_size > 0 && st.bs_size <= free0);
	/* It left the reserve (hw.balloon.reserve_pct, 5%) alone. */
	pv_mem_stats(&ms);
	ATF_CHECK_MSG(ms.ms_pages_free >= ms.ms_pages_total * 5 / 100,
	    "%ju of %ju pages free", (uintmax_t)ms.ms_pages_free,
	    (uintmax_t)ms.ms_pages_total);
	ATF_CHECK(ms.ms_pages_free <= ms.ms_pages_total * 5 / 100 + 64);
	/* A reachable target ends the backoff at once. */
	pv_balloon_set_target(b, 16);
	ATF_REQUIRE_EQ(pv_balloon_wait(b, 2 * PV_NS_PER_SEC), 0);
	pv_balloon_destroy(b);
	ATF_CHECK_EQ(free_pages(), free0);
	finish(&h);
}

ATF_TC_WITHOUT_HEAD(host_keeps_pages_on_destroy);
ATF_TC_BODY(host_keeps_pages_on_destroy, tc)
{
	struct pv_balloon *b;
	struct host h;
	uint64_t free0;

	free0 = start(&h, 0, &b);
	pv_balloon_set_target(b, 50);
	ATF_REQUIRE_EQ(pv_balloon_wait(b, 5 * PV_NS_PER_SEC), 0);
	h.h_refuse_deflate = true;
	pv_balloon_destroy(b);
	/* Pages the host kept must never be handed out again. */
	ATF_CHECK_EQ(free_pages(), free0 - 50);
	ATF_CHECK(pvtest_msgbuf_has("the host kept 50 pages"));
	finish(&h);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, inflate_and_deflate);
	ATF_TP_ADD_TC(tp, host_takes_part);
	ATF_TP_ADD_TC(tp, guest_short_of_memory);
	ATF_TP_ADD_TC(tp, host_keeps_pages_on_destroy);
	return (atf_no_error());
}
