/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The counter and tunable tree, and the number parser it shares with the
 * drivers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include <pv/balloon.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/sysctl.h>

#include "lib/pvtest.h"

struct walk {
	char	out[1024];
	int	n;
};

static int
collect(const char *path, const char *value, const char *descr, void *arg)
{
	struct walk *w = arg;
	size_t len = strlen(w->out);

	(void)descr;
	snprintf(w->out + len, sizeof(w->out) - len, "%s=%s;", path, value);
	w->n++;
	return (0);
}

ATF_TC_WITHOUT_HEAD(walk_lists_values_in_name_order);
ATF_TC_BODY(walk_lists_values_in_name_order, tc)
{
	struct pv_ctl *dev;
	struct walk w = { .n = 0 };
	uint64_t reqs = 5, ring = 4;
	const char *feat = "flush,discard";

	pvtest_init(0);
	dev = pv_ctl_node(pv_ctl_node(pv_ctl_node(NULL, "dev"), "xbd"), "0");
	ATF_REQUIRE(dev != NULL);
	ATF_REQUIRE(pv_ctl_counter(dev, "requests", &reqs, "done") != NULL);
	ATF_REQUIRE(pv_ctl_string(dev, "features", feat, "negotiated") !=
	    NULL);
	ATF_REQUIRE(pv_ctl_counter(dev, "ring_pages", &ring, "pages") != NULL);
	reqs = 42;	/* the tree reads the live value */
	ATF_REQUIRE_EQ(pv_ctl_walk("dev", collect, &w), 0);
	ATF_REQUIRE_STREQ(w.out, "dev.xbd.0.features=flush,discard;"
	    "dev.xbd.0.requests=42;dev.xbd.0.ring_pages=4;");
	/* Reusing a node name returns the same node; a leaf name cannot. */
	ATF_REQUIRE_EQ(pv_ctl_node(pv_ctl_node(pv_ctl_node(NULL, "dev"),
	    "xbd"), "0"), dev);
	ATF_REQUIRE(pv_ctl_counter(dev, "requests", &ring, "dup") == NULL);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(tunable_preset_is_applied_within_range);
ATF_TC_BODY(tunable_preset_is_applied_within_range, tc)
{
	uint32_t segs = 32, order = 4;
	struct pv_ctl *n;
	char val[16];

	pvtest_init_tunables(0,
	    "hw.xbd.max_indirect=256,hw.xbd.max_ring_order=9");
	n = pv_ctl_node(pv_ctl_node(NULL, "hw"), "xbd");
	pv_ctl_tunable(n, "max_indirect", &segs, 0, 4096, "segments");
	pv_ctl_tunable(n, "max_ring_order", &order, 0, 5, "log2 pages");
	ATF_REQUIRE_EQ(segs, 256);
	ATF_REQUIRE_EQ_MSG(order, 4, "out-of-range preset was applied");
	ATF_REQUIRE(pvtest_msgbuf_has("hw.xbd.max_ring_order=\"9\" refused: "
	    "outside [0, 5]; keeping 4"));
	ATF_REQUIRE_EQ(pv_ctl_get("hw.xbd.max_indirect", val, sizeof(val)),
	    0);
	ATF_REQUIRE_STREQ(val, "256");
	pvtest_fini();
}

/* One kernel lifetime of the balloon module: its reserve_pct as seen. */
static void
balloon_reserve_is(const char *tunables, const char *want)
{
	char val[16];

	pvtest_init_tunables(0, tunables);
	pv_balloon_init();
	pv_balloon_init();	/* again in the same lifetime: no change */
	ATF_REQUIRE_EQ(pv_ctl_get("hw.balloon.reserve_pct", val,
	    sizeof(val)), 0);
	ATF_REQUIRE_STREQ_MSG(val, want, "presets \"%s\"", tunables);
	/* Set at run time: this kernel's only. */
	ATF_REQUIRE_EQ(pv_ctl_set("hw.balloon.reserve_pct", "33"), 0);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(module_tunables_follow_each_kernel);
ATF_TC_BODY(module_tunables_follow_each_kernel, tc)
{
	balloon_reserve_is("hw.balloon.reserve_pct=10", "10");
	balloon_reserve_is("hw.balloon.reserve_pct=20", "20");
	/* No preset: the default, not the last kernel's value. */
	balloon_reserve_is(NULL, "5");
}

ATF_TC_WITHOUT_HEAD(tunable_preset_must_be_a_number);
ATF_TC_BODY(tunable_preset_must_be_a_number, tc)
{
	uint32_t v = 7;

	pvtest_init_tunables(0, "hw.q=seven");
	pv_ctl_tunable(pv_ctl_node(NULL, "hw"), "q", &v, 0, 100, "");
	ATF_REQUIRE_EQ(v, 7);
	ATF_REQUIRE(pvtest_msgbuf_has("hw.q=\"seven\" refused: not a number"));
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(set_checks_kind_and_range);
ATF_TC_BODY(set_checks_kind_and_range, tc)
{
	uint32_t tun = 1;
	uint64_t cnt = 0;
	struct pv_ctl *hw;

	pvtest_init(0);
	hw = pv_ctl_node(NULL, "hw");
	pv_ctl_tunable(hw, "t", &tun, 1, 10, "");
	pv_ctl_counter(hw, "c", &cnt, "");
	ATF_REQUIRE_EQ(pv_ctl_set("hw.t", "10"), 0);
	ATF_REQUIRE_EQ(tun, 10);
	ATF_REQUIRE_EQ(pv_ctl_set("hw.t", "11"), EINVAL);
	ATF_REQUIRE_EQ(pv_ctl_set("hw.t", "0"), EINVAL);
	ATF_REQUIRE_EQ(pv_ctl_set("hw.t", "-1"), EINVAL);
	ATF_REQUIRE_EQ(tun, 10);
	ATF_REQUIRE_EQ(pv_ctl_set("hw.c", "3"), EPERM);
	ATF_REQUIRE_EQ(pv_ctl_set("hw.nope", "3"), ENOENT);
	ATF_REQUIRE_EQ(pv_ctl_set("hw", "3"), EPERM);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(remove_frees_subtree);
ATF_TC_BODY(remove_frees_subtree, tc)
{
	struct pv_memstats before, after;
	struct pv_ctl *dev, *unit;
	uint64_t a = 1, b = 2;
	char val[16];

	pvtest_init(0);
	dev = pv_ctl_node(NULL, "dev");
	pv_mem_stats(&before);
	unit = pv_ctl_node(pv_ctl_node(dev, "vtblk"), "0");
	pv_ctl_counter(unit, "a", &a, "");
	pv_ctl_counter(pv_ctl_node(unit, "queue0"), "b", &b, "");
	ATF_REQUIRE_EQ(pv_ctl_get("dev.vtblk.0.queue0.b", val, sizeof(val)),
	    0);
	pv_ctl_remove(pv_ctl_node(dev, "vtblk"));
	ATF_REQUIRE_EQ(pv_ctl_get("dev.vtblk.0.a", val, sizeof(val)), ENOENT);
	ATF_REQUIRE_EQ(pv_ctl_get("dev.vtblk", val, sizeof(val)), ENOENT);
	pv_mem_stats(&after);
	ATF_REQUIRE_EQ(after.ms_malloc_count, before.ms_malloc_count);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(invalid_names_are_refused);
ATF_TC_BODY(invalid_names_are_refused, tc)
{
	uint64_t v = 0;

	pvtest_init(0);
	ATF_REQUIRE(pv_ctl_node(NULL, "") == NULL);
	ATF_REQUIRE(pv_ctl_node(NULL, "a.b") == NULL);
	ATF_REQUIRE(pv_ctl_counter(NULL, "sp ace", &v, "") == NULL);
	ATF_REQUIRE(pv_ctl_node(NULL,
	    "a_name_that_is_far_too_long_for_a_node") == NULL);
	ATF_REQUIRE(pvtest_msgbuf_has("sysctl: invalid name \"a.b\""));
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(strtou64_accepts_only_whole_numbers);
ATF_TC_BODY(strtou64_accepts_only_whole_numbers, tc)
{
	uint64_t v;

	ATF_REQUIRE_EQ(pv_strtou64("0", UINT64_MAX, &v), 0);
	ATF_REQUIRE_EQ(v, 0);
	ATF_REQUIRE_EQ(pv_strtou64("0x1F", UINT64_MAX, &v), 0);
	ATF_REQUIRE_EQ(v, 31);
	ATF_REQUIRE_EQ(pv_strtou64("18446744073709551615", UINT64_MAX, &v),
	    0);
	ATF_REQUIRE_EQ(v, UINT64_MAX);
	ATF_REQUIRE_EQ(pv_strtou64("18446744073709551616", UINT64_MAX, &v),
	    ERANGE);
	ATF_REQUIRE_EQ(pv_strtou64("4294967296", UINT32_MAX, &v), ERANGE);
	ATF_REQUIRE_EQ(pv_strtou64("", UINT64_MAX, &v), EINVAL);
	ATF_REQUIRE_EQ(pv_strtou64("12a", UINT64_MAX, &v), EINVAL);
	ATF_REQUIRE_EQ(pv_strtou64("-1", UINT64_MAX, &v), EINVAL);
	ATF_REQUIRE_EQ(pv_strtou64(" 1", UINT64_MAX, &v), EINVAL);
	ATF_REQUIRE_EQ(pv_strtou64("0x", UINT64_MAX, &v), EINVAL);
	ATF_REQUIRE_EQ(pv_strtou64(NULL, UINT64_MAX, &v), EINVAL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, walk_lists_values_in_name_order);
	ATF_TP_ADD_TC(tp, tunable_preset_is_applied_within_range);
	ATF_TP_ADD_TC(tp, module_tunables_follow_each_kernel);
	ATF_TP_ADD_TC(tp, tunable_preset_must_be_a_number);
	ATF_TP_ADD_TC(tp, set_checks_kind_and_range);
	ATF_TP_ADD_TC(tp, remove_frees_subtree);
	ATF_TP_ADD_TC(tp, invalid_names_are_refused);
	ATF_TP_ADD_TC(tp, strtou64_accepts_only_whole_numbers);
	return (atf_no_error());
}
