/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The Xen balloon's arithmetic: from memory/target (KiB) and the RAM the
 * domain booted with to the balloon's size in pages.
 */
#include <errno.h>
#include <stdint.h>

#include <atf-c.h>

#include <xenpv/balloon.h>

#define	BOOT	16384		/* 64 MiB of 4 KiB pages */
#define	SMAX	65536		/* KiB */

static uint64_t
pages(uint64_t base, uint64_t smax, uint64_t kib)
{
	uint64_t p = UINT64_MAX;

	ATF_REQUIRE_EQ_MSG(xen_balloon_target_pages(base, smax, kib, &p), 0,
	    "target %ju KiB refused", (uintmax_t)kib);
	return (p);
}

ATF_TC_WITHOUT_HEAD(below_boot);
ATF_TC_BODY(below_boot, tc)
{
	ATF_REQUIRE_EQ(pages(BOOT, SMAX, 48 * 1024), 4096);
	ATF_REQUIRE_EQ(pages(BOOT, SMAX, 60 * 1024), 1024);
	ATF_REQUIRE_EQ(pages(BOOT, SMAX, 64 * 1024), 0);
	/* Part of a page of target is no page: the balloon keeps it. */
	ATF_REQUIRE_EQ(pages(BOOT, SMAX, 48 * 1024 + 3), 4096);
	ATF_REQUIRE_EQ(pages(BOOT, SMAX, 48 * 1024 + 4), 4095);
}

ATF_TC_WITHOUT_HEAD(clamped);
ATF_TC_BODY(clamped, tc)
{
	/* More than we booted with, within static-max: an empty balloon. */
	ATF_REQUIRE_EQ(pages(BOOT, 2 * SMAX, 100 * 1024), 0);
	/* Nothing left: every page, never more. */
	ATF_REQUIRE_EQ(pages(BOOT, SMAX, 0), BOOT);
	ATF_REQUIRE_EQ(pages(BOOT, SMAX, 3), BOOT);
	ATF_REQUIRE_EQ(pages(UINT64_MAX, UINT64_MAX, UINT64_MAX),
	    UINT64_MAX - UINT64_MAX / 4);
}

ATF_TC_WITHOUT_HEAD(above_static_max);
ATF_TC_BODY(above_static_max, tc)
{
	uint64_t p = 7;

	ATF_REQUIRE_EQ(xen_balloon_target_pages(BOOT, SMAX, SMAX + 1, &p),
	    ERANGE);
	ATF_REQUIRE_EQ_MSG(p, 7, "a refused target set the size");
	ATF_REQUIRE_EQ(xen_balloon_target_pages(BOOT, 0, 1, &p), ERANGE);
	ATF_REQUIRE_EQ(pages(BOOT, SMAX, SMAX), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, below_boot);
	ATF_TP_ADD_TC(tp, clamped);
	ATF_TP_ADD_TC(tp, above_static_max);
	return (atf_no_error());
}
