/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pvkit-imgcheck, the host's judge of what a guest wrote: an image with
 * generation 2 stamped over its first sectors and generation 1 over the
 * rest passes for exactly those ranges and fails for any other, so that
 * a check of a range can neither pass unread nor fail a good image.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>

#include <atf-c.h>

#include "lib/pvtest.h"
#include "wl_stamp.h"

#define	SECTORS	64
#define	SPLIT	24	/* generation 2 below, 1 from here */

static void
make_image(void)
{
	uint8_t buf[STAMP_SECTOR];
	FILE *f;
	uint64_t s;

	ATF_REQUIRE((f = fopen("img", "wb")) != NULL);
	for (s = 0; s < SECTORS; s++) {
		stamp_fill(buf, s, s < SPLIT ? 2 : 1);
		ATF_REQUIRE(fwrite(buf, sizeof(buf), 1, f) == 1);
	}
	ATF_REQUIRE(fclose(f) == 0);
}

/* pvkit-imgcheck's exit status for args. */
static int
check(const atf_tc_t *tc, const char *args)
{
	char bin[512], cmd[1024];
	int st;

	pvtest_bin(tc, "pvkit-imgcheck", bin, sizeof(bin));
	snprintf(cmd, sizeof(cmd), "%s img %s >out 2>err", bin, args);
	st = system(cmd);
	ATF_REQUIRE(st != -1 && WIFEXITED(st));
	return (WEXITSTATUS(st));
}

ATF_TC_WITHOUT_HEAD(ranges);
ATF_TC_BODY(ranges, tc)
{
	make_image();
	ATF_CHECK_EQ(check(tc, "2 0 24"), 0);
	ATF_CHECK(atf_utils_grep_file("24 sectors checked from 0, 0 bad",
	    "out"));
	/* A range that starts past sector 0 is read, not skipped. */
	ATF_CHECK_EQ(check(tc, "1 24 40"), 0);
	ATF_CHECK(atf_utils_grep_file("40 sectors checked from 24, 0 bad",
	    "out"));
	ATF_CHECK_EQ(check(tc, "1 23 2"), 1);
	ATF_CHECK_EQ(check(tc, "2 0 25"), 1);
	ATF_CHECK_EQ(check(tc, "1"), 1);
	/* Past the end: short, so no pass. */
	ATF_CHECK_EQ(check(tc, "1 24 41"), 1);
	ATF_CHECK(atf_utils_grep_file("40 of 41 sectors there", "err"));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, ranges);
	return (atf_no_error());
}
