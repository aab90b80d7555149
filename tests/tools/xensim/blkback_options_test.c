/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim's block backend, its options: each feature switched off is
 * neither offered nor served, and bad options stop xensim before it
 * starts (lib/blkbacktest.h).
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "lib/rawfront.h"

#include <pv/libkern.h>
#include <xenpv/evtchn.h>
#include <xenpv/xenbus.h>

#include "lib/blkbacktest.h"
#include "lib/pvtest.h"
#include "lib/xensimtest.h"
#include "lib/xentest.h"

ATF_TC_WITH_CLEANUP(features_switched_off);
ATF_TC_HEAD(features_switched_off, tc)
{
	atf_tc_set_md_var(tc, "descr", "xensim -o blkback.*=0 and a 4096-byte "
	    "sector: nothing published, ops refused, alignment enforced");
}
ATF_TC_BODY(features_switched_off, tc)
{
	static const char *const args[] = {
		"-o", "blkback.indirect=0", "-o", "blkback.persistent=0",
		"-o", "blkback.ring-order=0", "-o", "blkback.queues=1",
		"-o", "blkback.flush=0", "-o", "blkback.barrier=0",
		"-o", "blkback.discard=0", "-o", "blkback.sector-size=4096",
		NULL,
	};
	static const char *const unpublished[] = {
		"feature-max-indirect-segments", "max-ring-page-order",
		"max-ring-pages", "multi-queue-max-queues",
		"feature-flush-cache", "feature-barrier", "feature-discard",
		"feature-persistent", "discard-granularity",
	};
	struct rawfront_opts multi = { .o_order = 1, .o_multi = true };
	struct rawfront_opts o = { .o_persistent = true };
	struct rawfront rf;
	struct rawbuf b, ind;
	blkif_request_t req;
	size_t i;

	bbt_start(tc, args, "rw", &rf);
	/* Two pages where none were offered. */
	rawfront_setup(&rf, &multi);
	ATF_REQUIRE_EQ(xenbus_switch_state(rf.rf_fe, XenbusStateInitialised),
	    0);
	ATF_REQUIRE_EQ(rawfront_wait_be(&rf, XenbusStateClosed,
	    RF_TIMEOUT_MS), XenbusStateClosed);
	bbt_require_log("ring-page-order is \"1\": more than "
	    "max-ring-page-order 0");
	rawfront_teardown(&rf);
	bbt_restart(&rf);

	rawfront_connect(&rf, &o);
	for (i = 0; i < nitems(unpublished); i++)
		ATF_REQUIRE_MSG(!rawfront_be_has(&rf, unpublished[i]),
		    "%s published", unpublished[i]);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "sector-size"), 4096);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "physical-sector-size"), 4096);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "sectors"), SECTORS);
	ATF_REQUIRE_EQ(bbt_flush(&rf, BLKIF_OP_FLUSH_DISKCACHE),
	    BLKIF_RSP_EOPNOTSUPP);
	ATF_REQUIRE_EQ(bbt_flush(&rf, BLKIF_OP_WRITE_BARRIER),
	    BLKIF_RSP_EOPNOTSUPP);
	ATF_REQUIRE_EQ(bbt_discard(&rf, 0, 8, 0), BLKIF_RSP_EOPNOTSUPP);
	rawbuf_alloc(&rf, &b, 2, false);
	rawbuf_alloc(&rf, &ind, 1, true);
	ATF_REQUIRE_EQ(bbt_indirect(&rf, BLKIF_OP_WRITE, 0, &b, 2, &ind),
	    BLKIF_RSP_EOPNOTSUPP);
	/* 4096-byte sectors: start and length in whole sectors. */
	bbt_fill(b.b_va, 2 * PAGE, 13);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 4, &b, 0, 1),
	    BLKIF_RSP_ERROR);
	bbt_seg_req(&req, BLKIF_OP_WRITE, 1, 0, b.b_refs[0], 0, 3);
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_WRITE),
	    BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 16, &b, 0, 1),
	    BLKIF_RSP_OKAY);
	/* Not persistent: the backend let go at once. */
	ATF_REQUIRE_EQ(xen_gnttab_flags(b.b_refs[0]) & BUSY, 0);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 16, &b, 1, 1),
	    BLKIF_RSP_OKAY);
	bbt_require_same(b.b_va, b.b_va + PAGE, PAGE, "4K-sector disk");
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	rawbuf_free(&rf, &ind);
	xentest_down();
}
ATF_TC_CLEANUP(features_switched_off, tc)
{
	(void)tc;
	xensimtest_stop();
}

/* Run xensim with one option; its exit status, stderr in err.txt. */
static int
run_xensim(const atf_tc_t *tc, const char *opt)
{
	char bin[PATH_MAX];
	int fd, status;
	pid_t pid;

	pvtest_bin(tc, "xensim", bin, sizeof(bin));
	ATF_REQUIRE((pid = fork()) >= 0);
	if (pid == 0) {
		fd = open("err.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
			_exit(126);
		setenv("XENSTORED_PATH", "never.sock", 1);
		execl(bin, "xensim", "-o", opt, (char *)NULL);
		_exit(127);
	}
	ATF_REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	ATF_REQUIRE(WIFEXITED(status));
	return (WEXITSTATUS(status));
}

ATF_TC(options_are_validated);
ATF_TC_HEAD(options_are_validated, tc)
{
	atf_tc_set_md_var(tc, "descr", "an unknown key or bad value is named "
	    "and xensim exits 2 before it starts");
}
ATF_TC_BODY(options_are_validated, tc)
{
	static const char *const cases[][2] = {
		{ "blkback.nope=1", "unknown option \"blkback.nope\"" },
		{ "other.key=1", "unknown option \"other.key\"" },
		{ "blkback.ring-order=5",
		    "blkback.ring-order=5: expected a number from 0 to 4" },
		{ "blkback.queues=0", "blkback.queues=0: expected" },
		{ "blkback.sector-size=1536",
		    "blkback.sector-size=1536: expected a power of two" },
		{ "blkback.persistent=yes",
		    "blkback.persistent=yes: expected 0 or 1" },
		{ "blkback.indirect=4097", "blkback.indirect=4097: expected" },
		{ "blkback.flush", "blkback.flush: expected KEY=VALUE" },
	};
	char buf[512];
	ssize_t n;
	size_t i;
	int fd;

	for (i = 0; i < nitems(cases); i++) {
		ATF_REQUIRE_EQ_MSG(run_xensim(tc, cases[i][0]), 2, "-o %s",
		    cases[i][0]);
		ATF_REQUIRE((fd = open("err.txt", O_RDONLY)) >= 0);
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		ATF_REQUIRE_MSG(strstr(buf, cases[i][1]) != NULL,
		    "-o %s said \"%s\"", cases[i][0], buf);
	}
	ATF_REQUIRE_EQ(access("never.sock", F_OK), -1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, features_switched_off);
	ATF_TP_ADD_TC(tp, options_are_validated);

	return (atf_no_error());
}
