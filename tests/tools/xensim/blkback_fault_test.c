/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim's block backend against a frontend that misbehaves: bad
 * xenstore keys, malicious requests, and teardown while connected.
 * Dom0's error nodes are read through the real libxenstore
 * (lib/blkbacktest.h).
 */
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

#include <atf-c.h>

#include "lib/rawfront.h"

#include <pv/libkern.h>
#include <xenpv/evtchn.h>
#include <xenpv/xenbus.h>

#include "lib/blkbacktest.h"
#include "lib/pvtest.h"
#include "lib/xensimtest.h"
#include "lib/xentest.h"

#define	ERRNODE		"/local/domain/0/error/backend/vbd/1/51728/error"

/* Dom0's view, through the real libxenstore on xensim's socket. */
static char *
dom0_read(const char *path)
{
	struct xs_handle *h;
	unsigned len;
	char *v;

	h = xs_open(XS_OPEN_SOCKETONLY);
	ATF_REQUIRE_MSG(h != NULL, "xs_open: %s", strerror(errno));
	v = xs_read(h, XBT_NULL, path, &len);
	xs_close(h);
	return (v);
}

static void
require_error_node(const char *needle)
{
	char *v = dom0_read(ERRNODE);

	ATF_REQUIRE_MSG(v != NULL, "no %s", ERRNODE);
	ATF_REQUIRE_MSG(strstr(v, needle) != NULL, "%s is \"%s\", not about "
	    "\"%s\"", ERRNODE, v, needle);
	free(v);
}

/* A key to spoil (value NULL: remove it) and what the error must say. */
struct bad_key {
	struct rawfront_opts	 bk_opts;
	const char		*bk_key;
	const char		*bk_val;
	const char		*bk_says;
};

ATF_TC_WITH_CLEANUP(bad_frontend_keys);
ATF_TC_HEAD(bad_frontend_keys, tc)
{
	atf_tc_set_md_var(tc, "descr", "each bad transport key: named in "
	    "the log and the error node, backend Closed, ring unmapped, and "
	    "served again after a restart");
}
ATF_TC_BODY(bad_frontend_keys, tc)
{
	static const struct bad_key bad[] = {
		{ { .o_order = 1, .o_multi = true }, "ring-page-order", "5",
		    "ring-page-order is \"5\": more than max-ring-page-order "
		    "4" },
		{ { .o_order = 1, .o_num_pages = true }, "num-ring-pages", "3",
		    "num-ring-pages is \"3\": not a power of two" },
		{ { .o_order = 1, .o_multi = true }, "num-ring-pages", "4",
		    "num-ring-pages is \"4\" but ring-page-order is \"1\"" },
		{ { 0 }, "protocol", "x86_32-abi",
		    "protocol is \"x86_32-abi\"" },
		{ { 0 }, "multi-queue-num-queues", "9",
		    "multi-queue-num-queues is \"9\": more than "
		    "multi-queue-max-queues 4" },
		{ { 0 }, "multi-queue-num-queues", "0",
		    "multi-queue-num-queues is \"0\"" },
		{ { 0 }, "event-channel", "abc",
		    "event-channel is \"abc\": not a number" },
		{ { 0 }, "event-channel", "777",
		    "event-channel is \"777\": cannot bind" },
		{ { 0 }, "ring-ref", "100000",
		    "ring-ref is \"100000\": cannot map the grant" },
		{ { .o_order = 1, .o_multi = true }, "ring-ref1", "100001",
		    "ring-ref1 is \"100001\": cannot map the grant" },
		{ { 0 }, "ring-ref", NULL, "ring-ref: missing" },
		{ { 0 }, "feature-persistent", "yes",
		    "feature-persistent is \"yes\"" },
	};
	struct rawfront_opts good = { 0 };
	struct rawfront rf;
	struct rawbuf b;
	enum xenbus_state s;
	size_t i;

	bbt_start(tc, NULL, "rw", &rf);
	for (i = 0; i < nitems(bad); i++) {
		rawfront_setup(&rf, &bad[i].bk_opts);
		if (bad[i].bk_val != NULL)
			ATF_REQUIRE_EQ(xenbus_write(XENBUS_TXN_NONE, rf.rf_fe,
			    bad[i].bk_key, bad[i].bk_val), 0);
		else
			ATF_REQUIRE_EQ(xenbus_rm(XENBUS_TXN_NONE, rf.rf_fe,
			    bad[i].bk_key), 0);
		ATF_REQUIRE_EQ(xenbus_switch_state(rf.rf_fe,
		    XenbusStateInitialised), 0);
		s = rawfront_wait_be(&rf, XenbusStateClosed, RF_TIMEOUT_MS);
		ATF_REQUIRE_EQ_MSG(s, XenbusStateClosed, "%s=%s: backend %s",
		    bad[i].bk_key, bad[i].bk_val, xenbus_strstate(s));
		bbt_require_log(bad[i].bk_says);
		require_error_node(bad[i].bk_says);
		/* Nothing of ours may stay mapped. */
		rawfront_teardown(&rf);
		bbt_restart(&rf);
	}
	/* The state itself is the frontend's to spoil too. */
	ATF_REQUIRE_EQ(xenbus_write(XENBUS_TXN_NONE, rf.rf_fe, "state",
	    "3\nxensim: forged"), 0);
	ATF_REQUIRE_EQ(rawfront_wait_be(&rf, XenbusStateClosed,
	    RF_TIMEOUT_MS), XenbusStateClosed);
	bbt_require_log("state is \"3?xensim: forged\": not a state");
	bbt_restart(&rf);
	ATF_REQUIRE(xensimtest_alive());
	rawfront_connect(&rf, &good);
	rawbuf_alloc(&rf, &b, 1, false);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 0, &b, 0, 1),
	    BLKIF_RSP_OKAY);
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	xentest_down();
}
ATF_TC_CLEANUP(bad_frontend_keys, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(malicious_frontend);
ATF_TC_HEAD(malicious_frontend, tc)
{
	atf_tc_set_md_var(tc, "descr", "bad segments, grants, counts, "
	    "sectors and ops get errors; a runaway req_prod halts the ring; "
	    "xensim lives on and serves a second disk");
}
ATF_TC_BODY(malicious_frontend, tc)
{
	struct rawfront_opts o = { 0 };
	struct rawfront rf, rf2;
	struct rawbuf b, ro, ind;
	blkif_request_t req;
	blkif_response_t rsp;
	blkif_sring_t *sring;
	grant_ref_t never, alien;
	uint64_t before;
	unsigned i;
	static const struct {
		uint8_t		op, nseg, first, last;
		uint64_t	sector;
		int16_t		status;
	} bad[] = {
		{ BLKIF_OP_WRITE, 1, 5, 3, 0, BLKIF_RSP_ERROR },
		{ BLKIF_OP_WRITE, 1, 0, 8, 0, BLKIF_RSP_ERROR },
		{ BLKIF_OP_READ, 2, 7, 6, 0, BLKIF_RSP_ERROR },
		{ BLKIF_OP_WRITE, 0, 0, 7, 0, BLKIF_RSP_ERROR },
		{ BLKIF_OP_READ, 0, 0, 7, 0, BLKIF_RSP_ERROR },
		{ BLKIF_OP_WRITE, 12, 0, 7, 0, BLKIF_RSP_ERROR },
		{ BLKIF_OP_READ, 255, 0, 7, 0, BLKIF_RSP_ERROR },
		{ BLKIF_OP_WRITE, 1, 0, 7, SECTORS - 4, BLKIF_RSP_ERROR },
		{ BLKIF_OP_WRITE, 1, 0, 0, SECTORS, BLKIF_RSP_ERROR },
		{ BLKIF_OP_READ, 1, 0, 7, UINT64_MAX - 3, BLKIF_RSP_ERROR },
		{ BLKIF_OP_WRITE, 11, 0, 7, SECTORS - 80, BLKIF_RSP_ERROR },
		{ 42, 1, 0, 7, 0, BLKIF_RSP_EOPNOTSUPP },
		{ BLKIF_OP_RESERVED_1, 1, 0, 7, 0, BLKIF_RSP_EOPNOTSUPP },
		{ 255, 0, 0, 0, 0, BLKIF_RSP_EOPNOTSUPP },
	};

	bbt_start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 11, false);
	rawbuf_alloc(&rf, &ro, 1, true);
	rawbuf_alloc(&rf, &ind, 1, true);
	bbt_fill(b.b_va, 11 * PAGE, 11);
	before = bbt_image_sum(IMG, IMG_SIZE, 0);
	for (i = 0; i < nitems(bad); i++) {
		bbt_seg_req(&req, bad[i].op, bad[i].nseg, bad[i].sector,
		    b.b_refs[0], bad[i].first, bad[i].last);
		ATF_REQUIRE_EQ_MSG(rawfront_do(&rf, 0, &req, req.id,
		    bad[i].op), bad[i].status, "case %u", i);
	}
	/* Grants: never granted, out of the table, someone else's. */
	never = xen_gnttab_claim(&rf.rf_grefs);
	alien = xen_gnttab_claim(&rf.rf_grefs);
	xen_gnttab_grant(alien, 5, b.b_pfn, false);
	bbt_seg_req(&req, BLKIF_OP_WRITE, 1, 0, never, 0, 7);
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_WRITE),
	    BLKIF_RSP_ERROR);
	bbt_seg_req(&req, BLKIF_OP_WRITE, 1, 0, 0x7fffffff, 0, 7);
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_WRITE),
	    BLKIF_RSP_ERROR);
	bbt_seg_req(&req, BLKIF_OP_READ, 1, 0, alien, 0, 7);
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_READ),
	    BLKIF_RSP_ERROR);
	/* A read needs to write the page: a read-only grant will not do. */
	bbt_seg_req(&req, BLKIF_OP_READ, 1, 0, ro.b_refs[0], 0, 7);
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_READ),
	    BLKIF_RSP_ERROR);
	/* The bad grant is the last: nothing of the good ones is written. */
	bbt_seg_req(&req, BLKIF_OP_WRITE, 3, 16, b.b_refs[1], 0, 7);
	req.seg[2].gref = never;
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_WRITE),
	    BLKIF_RSP_ERROR);
	/* Indirect: bad sub-op, bad indirect page, bad segment inside. */
	ATF_REQUIRE_EQ(bbt_indirect(&rf, 42, 0, &b, 4, &ind), BLKIF_RSP_ERROR);
	ind.b_refs[0] = never;
	ATF_REQUIRE_EQ(bbt_indirect(&rf, BLKIF_OP_WRITE, 0, &b, 4, &ind),
	    BLKIF_RSP_ERROR);
	ind.b_refs[0] = xen_gnttab_claim(&rf.rf_grefs);
	xen_gnttab_grant(ind.b_refs[0], 0, ind.b_pfn, true);
	/* bbt_indirect() fills the page; spoil it afterwards via the sector. */
	ATF_REQUIRE_EQ(bbt_indirect(&rf, BLKIF_OP_WRITE, SECTORS - 8, &b, 2,
	    &ind), BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(bbt_image_sum(IMG, IMG_SIZE, 0), before);
	ATF_REQUIRE_EQ(bbt_image_size(IMG), IMG_SIZE);
	for (i = 0; i < b.b_npages; i++)
		ATF_REQUIRE_EQ(xen_gnttab_flags(b.b_refs[i]) & BUSY, 0);

	/* Still serving. */
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 0, &b, 0, 11),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(bbt_image_sum(IMG, 11 * PAGE, 0),
	    bbt_sum(b.b_va, 11 * PAGE));

	/* A producer a thousand requests ahead: the ring stops. */
	sring = rf.rf_q[0].q_sring;
	__atomic_store_n(&sring->req_prod, sring->req_prod + 1000,
	    __ATOMIC_RELEASE);
	ATF_REQUIRE_EQ(xen_evtchn_notify(rf.rf_q[0].q_port), 0);
	bbt_require_log("halting the ring");
	require_error_node("is 1000 ahead");
	ATF_REQUIRE(!rawfront_next(&rf, 0, &rsp, 200));
	ATF_REQUIRE(xensimtest_alive());
	ATF_REQUIRE_EQ(xen_gnttab_flags(rf.rf_q[0].q_refs[0]) & BUSY, 0);
	rawfront_close(&rf);

	/* And a second disk is served as if nothing had happened. */
	rawfront_image("disk2.img", IMG_SIZE);
	rawfront_attach(tc, DOM, "xvdc", "disk2.img", "rw");
	rawfront_init(&rf2, DOM, "xvdc");
	ATF_REQUIRE_EQ(rawfront_wait_be(&rf2, XenbusStateInitWait,
	    RF_TIMEOUT_MS), XenbusStateInitWait);
	rawfront_connect(&rf2, &o);
	bbt_fill(b.b_va, 11 * PAGE, 12);
	ATF_REQUIRE_EQ(rawfront_rw(&rf2, 0, BLKIF_OP_WRITE, 8, &b, 0, 11),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(bbt_image_sum("disk2.img", 11 * PAGE, 8 * 512),
	    bbt_sum(b.b_va, 11 * PAGE));
	rawfront_close(&rf2);
	xentest_down();
}
ATF_TC_CLEANUP(malicious_frontend, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(teardown_paths);
ATF_TC_HEAD(teardown_paths, tc)
{
	atf_tc_set_md_var(tc, "descr", "the toolstack's detach while "
	    "connected waits for the frontend's close, serving it until "
	    "then; then the domain's death while connected");
}
ATF_TC_BODY(teardown_paths, tc)
{
	struct rawfront_opts o = { .o_persistent = true, .o_order = 1,
	    .o_multi = true };
	struct rawfront rf, rf2;
	struct rawbuf b;
	char ctl[PATH_MAX];
	int status;
	pid_t pid;

	bbt_start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 1, false);
	bbt_fill(b.b_va, PAGE, 14);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 0, &b, 0, 1),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(xen_gnttab_flags(b.b_refs[0]) & BUSY, BUSY);
	pvtest_bin(tc, "xensim-ctl", ctl, sizeof(ctl));
	ATF_REQUIRE((pid = fork()) >= 0);
	if (pid == 0) {
		execl(ctl, "xensim-ctl", "block-detach", "1", "xvdb",
		    (char *)NULL);
		_exit(127);
	}
	/* The toolstack's Closing is the frontend's cue; I/O still works. */
	ATF_REQUIRE_EQ(rawfront_wait_be(&rf, XenbusStateClosing,
	    RF_TIMEOUT_MS), XenbusStateClosing);
	bbt_require_log("serving the frontend until it closes");
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 8, &b, 0, 1),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(bbt_image_sum(IMG, PAGE, 8 * 512),
	    bbt_sum(b.b_va, PAGE));
	ATF_REQUIRE_EQ(xenbus_switch_state(rf.rf_fe, XenbusStateClosing), 0);
	ATF_REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "block-detach: %#x", status);
	/* Everything the backend held is let go, and the device is gone. */
	ATF_REQUIRE_EQ(xen_gnttab_flags(b.b_refs[0]) & BUSY, 0);
	ATF_REQUIRE(!xenbus_exists(XENBUS_TXN_NONE, rf.rf_be, ""));
	rawfront_teardown(&rf);
	rawbuf_free(&rf, &b);
	bbt_require_log("blkback 1/51728: disconnected: requests rd 0 wr 2");

	/* A second disk, connected when the domain goes away. */
	rawfront_image("disk2.img", IMG_SIZE);
	rawfront_attach(tc, DOM, "xvdc", "disk2.img", "rw");
	rawfront_init(&rf2, DOM, "xvdc");
	ATF_REQUIRE_EQ(rawfront_wait_be(&rf2, XenbusStateInitWait,
	    RF_TIMEOUT_MS), XenbusStateInitWait);
	rawfront_connect(&rf2, &o);
	rawbuf_alloc(&rf2, &b, 1, false);
	ATF_REQUIRE_EQ(rawfront_rw(&rf2, 0, BLKIF_OP_WRITE, 0, &b, 0, 1),
	    BLKIF_RSP_OKAY);
	xentest_down();
	bbt_require_log("blkback 1/51744: disconnected: requests rd 0 wr 1");
	ATF_REQUIRE(xensimtest_alive());
}
ATF_TC_CLEANUP(teardown_paths, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, bad_frontend_keys);
	ATF_TP_ADD_TC(tp, malicious_frontend);
	ATF_TP_ADD_TC(tp, teardown_paths);

	return (atf_no_error());
}
