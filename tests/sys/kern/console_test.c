/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Console logging and the message buffer.
 */
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include <pv/console.h>

#include "lib/pvtest.h"

ATF_TC_WITHOUT_HEAD(log_lines_carry_device_prefix);
ATF_TC_BODY(log_lines_carry_device_prefix, tc)
{
	pvtest_init(0);
	pv_msgbuf_clear();
	pv_log(PV_LOG_INFO, "xbd0", "ring of %d pages", 4);
	pv_log(PV_LOG_ERR, NULL, "plain");
	ATF_REQUIRE(pvtest_msgbuf_has("xbd0: ring of 4 pages\n"));
	ATF_REQUIRE(pvtest_msgbuf_has("\nplain\n"));
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(log_level_tunable_filters);
ATF_TC_BODY(log_level_tunable_filters, tc)
{
	pvtest_init_tunables(0, "kern.log_level=4");
	pv_log(PV_LOG_INFO, "dev", "chatty");
	pv_log(PV_LOG_WARNING, "dev", "warned");
	pv_log(PV_LOG_ERR, "dev", "failed");
	ATF_REQUIRE(!pvtest_msgbuf_has("chatty"));
	ATF_REQUIRE(pvtest_msgbuf_has("dev: warned"));
	ATF_REQUIRE(pvtest_msgbuf_has("dev: failed"));
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(msgbuf_keeps_newest_bytes);
ATF_TC_BODY(msgbuf_keeps_newest_bytes, tc)
{
	static char buf[128 * 1024];
	size_t n;
	int i;

	pvtest_init_tunables(0, NULL);
	pv_msgbuf_clear();
	for (i = 0; i < 3000; i++)
		pv_printf("line %04d of the wrap test\n", i);
	n = pv_msgbuf_copy(buf, sizeof(buf));
	ATF_REQUIRE_EQ(n, 64 * 1024);
	ATF_REQUIRE(strstr(buf, "line 2999 of the wrap test\n") != NULL);
	ATF_REQUIRE(strstr(buf, "line 0000 ") == NULL);
	/* A small buffer gets the tail, terminated. */
	n = pv_msgbuf_copy(buf, 10);
	ATF_REQUIRE_EQ(n, 9);
	ATF_REQUIRE_STREQ(buf, "rap test\n");
	pvtest_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, log_lines_carry_device_prefix);
	ATF_TP_ADD_TC(tp, log_level_tunable_filters);
	ATF_TP_ADD_TC(tp, msgbuf_keeps_newest_bytes);
	return (atf_no_error());
}
