/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The frontend's grant table against xensim: entries, growth frame by
 * frame up to the hypervisor's limit, exhaustion and the free callback.
 */
#include <errno.h>

#include <atf-c.h>

#include <pv/mem.h>
#include <pv/sync.h>
#include <xenpv/gnttab.h>

#include "lib/pvtest.h"
#include "lib/xensimtest.h"
#include "lib/xentest.h"

#define	PER_FRAME	512

ATF_TC_WITH_CLEANUP(grant_then_end);
ATF_TC_HEAD(grant_then_end, tc)
{
	atf_tc_set_md_var(tc, "descr", "entry flags through a grant's life");
}
ATF_TC_BODY(grant_then_end, tc)
{
	struct xen_gnttab_stats st;
	struct xen_grefs g = { 0 };
	grant_ref_t ref;
	pv_pfn_t pfn;
	void *page;

	xentest_up(tc, 4, 256);
	xen_gnttab_stats(&st);
	ATF_REQUIRE_EQ(st.gs_frames, 1);
	ATF_REQUIRE_EQ(st.gs_total, PER_FRAME - GNTTAB_NR_RESERVED_ENTRIES);
	ATF_REQUIRE_EQ(xen_gnttab_reserve(&g, 4), 0);
	page = pv_page_alloc(PV_M_WAITOK, &pfn);
	ref = xen_gnttab_claim(&g);
	ATF_REQUIRE(ref >= GNTTAB_NR_RESERVED_ENTRIES);
	xen_gnttab_grant(ref, 0, pfn, true);
	ATF_REQUIRE_EQ(xen_gnttab_flags(ref), GTF_permit_access |
	    GTF_readonly);
	ATF_REQUIRE_EQ(xen_gnttab_end(ref), 0);
	ATF_REQUIRE_EQ(xen_gnttab_flags(ref), 0);
	xen_gnttab_release(&g, ref);
	xen_gnttab_unreserve(&g);
	xen_gnttab_stats(&st);
	ATF_REQUIRE_EQ_MSG(st.gs_free, st.gs_total, "references leaked");
	pv_page_free(page);
	xentest_down();
}
ATF_TC_CLEANUP(grant_then_end, tc)
{
	(void)tc;
	xensimtest_stop();
}

static struct pv_mtx	mtx;
static int		woken;

static void
refs_free(void *arg)
{
	(void)arg;
	pv_mtx_lock(&mtx);
	woken++;
	pv_wakeup(&woken);
	pv_mtx_unlock(&mtx);
}

ATF_TC_WITH_CLEANUP(table_grows_then_runs_out);
ATF_TC_HEAD(table_grows_then_runs_out, tc)
{
	atf_tc_set_md_var(tc, "descr", "growth, ENOSPC, the free callback");
}
ATF_TC_BODY(table_grows_then_runs_out, tc)
{
	struct xen_grefs a = { 0 }, b = { 0 };
	struct xen_gnttab_waiter w = { 0 };
	struct xen_gnttab_stats st;

	xentest_up(tc, 4, 256);
	pv_mtx_init(&mtx, "test");
	ATF_REQUIRE_EQ(xen_gnttab_reserve(&a, 600), 0);
	xen_gnttab_stats(&st);
	ATF_REQUIRE_EQ(st.gs_frames, 2);
	ATF_REQUIRE(st.gs_max_frames >= 2);
	/* Take everything the hypervisor allows. */
	ATF_REQUIRE_EQ(xen_gnttab_reserve(&b, st.gs_max_frames * PER_FRAME -
	    GNTTAB_NR_RESERVED_ENTRIES - 600), 0);
	xen_gnttab_stats(&st);
	ATF_REQUIRE_EQ(st.gs_frames, st.gs_max_frames);
	ATF_REQUIRE_EQ(st.gs_free, 0);
	ATF_REQUIRE_EQ(xen_gnttab_reserve(&a, 1), ENOSPC);
	xen_gnttab_wait_free(&w, 10, refs_free, NULL);
	pvtest_msleep(50);
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &woken, 1, 0), 0);
	xen_gnttab_unreserve(&a);
	ATF_REQUIRE_EQ_MSG(pvtest_wait_atleast(&mtx, &woken, 1, 5000), 1,
	    "no callback once references were free");
	xen_gnttab_unreserve(&b);
	xentest_down();
}
ATF_TC_CLEANUP(table_grows_then_runs_out, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, grant_then_end);
	ATF_TP_ADD_TC(tp, table_grows_then_runs_out);
	return (atf_no_error());
}
