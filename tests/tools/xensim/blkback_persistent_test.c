/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim's block backend, persistent grants: which grants it keeps
 * mapped, for how long, and up to what bound (lib/blkbacktest.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <atf-c.h>

#include "lib/rawfront.h"

#include <pv/libkern.h>
#include <xenpv/evtchn.h>
#include <xenpv/xenbus.h>

#include "lib/blkbacktest.h"
#include "lib/pvtest.h"
#include "lib/xensimtest.h"
#include "lib/xentest.h"

/* Whether each of b's grants is mapped by the backend, as expected. */
static void
require_mapped(const struct rawbuf *b, bool mapped, const char *when)
{
	unsigned i;

	for (i = 0; i < b->b_npages; i++)
		ATF_REQUIRE_EQ_MSG(xen_gnttab_flags(b->b_refs[i]) & BUSY,
		    mapped ? BUSY : 0, "grant %u %s %s", b->b_refs[i],
		    mapped ? "not kept mapped" : "still mapped", when);
}

ATF_TC_WITH_CLEANUP(persistent_grants);
ATF_TC_HEAD(persistent_grants, tc)
{
	atf_tc_set_md_var(tc, "descr", "with feature-persistent on both "
	    "ends, grants stay mapped (writable) and are reused; without, "
	    "each request maps and unmaps");
}
ATF_TC_BODY(persistent_grants, tc)
{
	struct rawfront_opts o = { .o_persistent = true };
	struct rawfront_opts plain = { 0 };
	struct rawfront rf;
	struct rawbuf b, c;
	unsigned round;

	bbt_start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 11, false);
	rawbuf_alloc(&rf, &c, 11, false);
	for (round = 0; round < 10; round++) {
		bbt_fill(b.b_va, 11 * PAGE, 100 + round);
		ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 64, &b, 0,
		    11), BLKIF_RSP_OKAY);
		ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 64, &c, 0,
		    11), BLKIF_RSP_OKAY);
		bbt_require_same(b.b_va, c.b_va, 11 * PAGE,
		    "through kept maps");
		require_mapped(&b, true, "after a write");
		require_mapped(&c, true, "after a read");
	}
	ATF_REQUIRE_EQ(xen_gnttab_end(b.b_refs[0]), EBUSY);
	rawfront_close(&rf);
	require_mapped(&b, false, "after the disconnect");
	require_mapped(&c, false, "after the disconnect");
	/* 10 rounds of 22 segments over 22 grants: 22 maps, 198 reuses. */
	bbt_require_log("persistent grants mapped 22 reused 198 overflow 0; "
	    "transient maps 0");

	/* A frontend that does not offer them gets per-request maps. */
	bbt_restart(&rf);
	rawfront_connect(&rf, &plain);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 64, &c, 0, 11),
	    BLKIF_RSP_OKAY);
	bbt_require_same(b.b_va, c.b_va, 11 * PAGE, "plain read");
	require_mapped(&c, false, "after a plain read");
	rawfront_close(&rf);
	bbt_require_log("persistent grants mapped 0 reused 0 overflow 0; "
	    "transient maps 11");
	rawbuf_free(&rf, &b);
	rawbuf_free(&rf, &c);
	xentest_down();
}
ATF_TC_CLEANUP(persistent_grants, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(persistent_grants_bounded);
ATF_TC_HEAD(persistent_grants_bounded, tc)
{
	atf_tc_set_md_var(tc, "descr", "past max-persistent-grants, grants "
	    "are mapped per request, and data still flows");
}
ATF_TC_BODY(persistent_grants_bounded, tc)
{
	static const char *const args[] = { "-o",
	    "blkback.max-persistent-grants=4", NULL };
	struct rawfront_opts o = { .o_persistent = true };
	struct rawfront rf;
	struct rawbuf b, c;
	unsigned i, kept = 0;

	bbt_start(tc, args, "rw", &rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 11, false);
	rawbuf_alloc(&rf, &c, 11, false);
	bbt_fill(b.b_va, 11 * PAGE, 9);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 0, &b, 0, 11),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 0, &b, 0, 11),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 0, &c, 0, 11),
	    BLKIF_RSP_OKAY);
	bbt_require_same(b.b_va, c.b_va, 11 * PAGE, "bounded");
	for (i = 0; i < 11; i++)
		kept += (xen_gnttab_flags(b.b_refs[i]) & BUSY) != 0;
	ATF_REQUIRE_EQ(kept, 4);
	require_mapped(&c, false, "past the bound");
	rawfront_close(&rf);
	bbt_require_log("persistent grants mapped 4 reused 4 overflow 25; "
	    "transient maps 25");
	rawbuf_free(&rf, &b);
	rawbuf_free(&rf, &c);
	xentest_down();
}
ATF_TC_CLEANUP(persistent_grants_bounded, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, persistent_grants);
	ATF_TP_ADD_TC(tp, persistent_grants_bounded);

	return (atf_no_error());
}
