/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim's block backend, its rings: the handshake with one ring page
 * and with several, multiple queues, and when the backend notifies.
 * This process is the frontend (lib/blkbacktest.h).
 */
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

ATF_TC_WITH_CLEANUP(handshake_single_page);
ATF_TC_HEAD(handshake_single_page, tc)
{
	atf_tc_set_md_var(tc, "descr", "one-page ring: the keys published "
	    "at probe and connect, I/O, close, and a reconnect");
}
ATF_TC_BODY(handshake_single_page, tc)
{
	struct rawfront_opts o = { 0 };
	struct rawfront rf;
	struct rawbuf b;
	grant_ref_t ring;

	bbt_start(tc, NULL, "rw", &rf);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "feature-max-indirect-segments"),
	    256);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "multi-queue-max-queues"), 4);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "max-ring-page-order"), 4);
	ATF_REQUIRE(!rawfront_be_has(&rf, "sectors"));

	rawfront_connect(&rf, &o);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "sectors"), SECTORS);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "sector-size"), 512);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "physical-sector-size"), 512);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "info"), 0);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "feature-flush-cache"), 1);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "feature-barrier"), 1);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "feature-discard"), 1);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "discard-granularity"), 4096);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "discard-alignment"), 0);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "discard-secure"), 0);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "feature-persistent"), 1);
	ring = rf.rf_q[0].q_refs[0];
	ATF_REQUIRE_EQ_MSG(xen_gnttab_flags(ring) & BUSY, BUSY,
	    "the ring page is not mapped writable");
	ATF_REQUIRE_EQ(RING_SIZE(&rf.rf_q[0].q_ring), 32);

	rawbuf_alloc(&rf, &b, 2, false);
	bbt_fill(b.b_va, PAGE, 1);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 8, &b, 0, 1),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 8, &b, 1, 1),
	    BLKIF_RSP_OKAY);
	bbt_require_same(b.b_va, b.b_va + PAGE, PAGE, "read back");
	ATF_REQUIRE_EQ(bbt_image_sum(IMG, PAGE, 8 * 512),
	    bbt_sum(b.b_va, PAGE));
	rawfront_close(&rf);
	ATF_REQUIRE_EQ(xen_gnttab_flags(ring) & BUSY, 0);
	rawbuf_free(&rf, &b);
	bbt_require_log("blkback 1/51728: disconnected: requests rd 1 wr 1");

	/* Initialising after Closed: served again, data still there. */
	bbt_restart(&rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 2, false);
	bbt_fill(b.b_va, PAGE, 1);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 8, &b, 1, 1),
	    BLKIF_RSP_OKAY);
	bbt_require_same(b.b_va, b.b_va + PAGE, PAGE, "after reconnect");
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	xentest_down();
}
ATF_TC_CLEANUP(handshake_single_page, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(handshake_multi_page);
ATF_TC_HEAD(handshake_multi_page, tc)
{
	atf_tc_set_md_var(tc, "descr", "order-2 ring with 100 requests in "
	    "flight at once; then the deprecated num-ring-pages scheme");
}
ATF_TC_BODY(handshake_multi_page, tc)
{
	struct rawfront_opts o = { .o_order = 2, .o_multi = true };
	struct rawfront_opts o2 = { .o_order = 1, .o_num_pages = true };
	struct rawfront rf;
	struct rawbuf b, c;
	blkif_request_t req;
	blkif_response_t rsp;
	bool seen[200];
	unsigned i, n = 100, pass;

	bbt_start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	ATF_REQUIRE_EQ(RING_SIZE(&rf.rf_q[0].q_ring), 128);
	for (i = 0; i < 4; i++)
		ATF_REQUIRE_EQ(xen_gnttab_flags(rf.rf_q[0].q_refs[i]) & BUSY,
		    BUSY);
	rawbuf_alloc(&rf, &b, n, false);
	rawbuf_alloc(&rf, &c, n, false);
	bbt_fill(b.b_va, (size_t)n * PAGE, 2);
	/* Writes then reads, each all queued before any answer is taken. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			memset(&req, 0, sizeof(req));
			req.operation = pass == 0 ? BLKIF_OP_WRITE :
			    BLKIF_OP_READ;
			req.nr_segments = 1;
			req.id = pass * n + i;
			req.sector_number = (uint64_t)i * 8;
			req.seg[0].gref = (pass == 0 ? &b : &c)->b_refs[i];
			req.seg[0].last_sect = 7;
			rawfront_push(&rf, 0, &req);
		}
		memset(seen, 0, sizeof(seen));
		for (i = 0; i < n; i++) {
			ATF_REQUIRE(rawfront_next(&rf, 0, &rsp, RF_TIMEOUT_MS));
			ATF_REQUIRE(rsp.id >= pass * n && rsp.id < pass * n + n);
			ATF_REQUIRE_MSG(!seen[rsp.id], "id %ju answered twice",
			    (uintmax_t)rsp.id);
			seen[rsp.id] = true;
			ATF_REQUIRE_EQ(rsp.status, BLKIF_RSP_OKAY);
		}
	}
	bbt_require_same(b.b_va, c.b_va, (size_t)n * PAGE, "100 pages");
	ATF_REQUIRE_EQ(bbt_image_sum(IMG, (size_t)n * PAGE, 0),
	    bbt_sum(b.b_va, (size_t)n * PAGE));
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	rawbuf_free(&rf, &c);

	bbt_restart(&rf);
	rawfront_connect(&rf, &o2);
	ATF_REQUIRE_EQ(RING_SIZE(&rf.rf_q[0].q_ring), 64);
	rawbuf_alloc(&rf, &b, 1, false);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 8 * 7, &b, 0, 1),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(bbt_sum(b.b_va, PAGE),
	    bbt_image_sum(IMG, PAGE, 7 * PAGE));
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	xentest_down();
}
ATF_TC_CLEANUP(handshake_multi_page, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(multi_queue);
ATF_TC_HEAD(multi_queue, tc)
{
	atf_tc_set_md_var(tc, "descr", "two queues of two pages: written on "
	    "one, read on the other");
}
ATF_TC_BODY(multi_queue, tc)
{
	struct rawfront_opts o = { .o_order = 1, .o_multi = true,
	    .o_queues = 2 };
	struct rawfront rf;
	struct rawbuf b;

	bbt_start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	ATF_REQUIRE_EQ(xen_gnttab_flags(rf.rf_q[1].q_refs[1]) & BUSY, BUSY);
	rawbuf_alloc(&rf, &b, 22, false);
	bbt_fill(b.b_va, 11 * PAGE, 3);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 512, &b, 0, 11),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 1, BLKIF_OP_READ, 512, &b, 11, 11),
	    BLKIF_RSP_OKAY);
	bbt_require_same(b.b_va, b.b_va + 11 * PAGE, 11 * PAGE,
	    "across queues");
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	bbt_require_log("blkback 1/51728: connected: 2 ring(s) of 2 page(s)");
	xentest_down();
}
ATF_TC_CLEANUP(multi_queue, tc)
{
	(void)tc;
	xensimtest_stop();
}

static int
events_of(struct rawfront *rf)
{
	int n;

	pv_mtx_lock(&rf->rf_mtx);
	n = rf->rf_q[0].q_events;
	pv_mtx_unlock(&rf->rf_mtx);
	return (n);
}

/* Push n one-page reads; wait until all are answered, unsignalled. */
static void
reads_answered(struct rawfront *rf, struct rawbuf *b, unsigned n)
{
	struct rawfront_queue *q = &rf->rf_q[0];
	blkif_sring_t *sring = q->q_sring;
	blkif_request_t req;
	RING_IDX want;
	unsigned i, ms;

	want = __atomic_load_n(&sring->rsp_prod, __ATOMIC_ACQUIRE) + n;
	for (i = 0; i < n; i++) {
		bbt_seg_req(&req, BLKIF_OP_READ, 1, 0, b->b_refs[0], 0, 7);
		rawfront_push(rf, 0, &req);
	}
	for (ms = 0; __atomic_load_n(&sring->rsp_prod, __ATOMIC_ACQUIRE) !=
	    want; ms++) {
		ATF_REQUIRE_MSG(ms < RF_TIMEOUT_MS, "responses not produced");
		pvtest_msleep(1);
	}
}

ATF_TC_WITH_CLEANUP(notification_hold_off);
ATF_TC_HEAD(notification_hold_off, tc)
{
	atf_tc_set_md_var(tc, "descr", "req_event is rearmed after the "
	    "backend drains; responses are signalled only as rsp_event asks");
}
ATF_TC_BODY(notification_hold_off, tc)
{
	struct rawfront_opts o = { 0 };
	struct rawfront rf;
	struct rawfront_queue *q;
	struct rawbuf b;
	blkif_sring_t *sring;
	blkif_response_t rsp;
	unsigned i;
	int ev;

	bbt_start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	q = &rf.rf_q[0];
	sring = q->q_sring;
	rawbuf_alloc(&rf, &b, 1, false);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 0, &b, 0, 1),
	    BLKIF_RSP_OKAY);
	/*
	 * The backend's final check, once it has drained the ring, asks to
	 * hear of the very next request.
	 */
	for (i = 0; __atomic_load_n(&sring->req_event, __ATOMIC_ACQUIRE) !=
	    q->q_ring.req_prod_pvt + 1; i++) {
		ATF_REQUIRE_MSG(i < RF_TIMEOUT_MS, "req_event is %u, not %u",
		    sring->req_event, q->q_ring.req_prod_pvt + 1);
		pvtest_msleep(1);
	}

	/* Responses wanted only far ahead: three come, none signalled. */
	pvtest_msleep(100);	/* the event of the read above, if late */
	ev = events_of(&rf);
	__atomic_store_n(&sring->rsp_event, q->q_ring.rsp_cons + 1000,
	    __ATOMIC_RELEASE);
	reads_answered(&rf, &b, 3);
	pvtest_msleep(100);
	ATF_REQUIRE_EQ_MSG(events_of(&rf), ev, "signalled against rsp_event");
	for (i = 0; i < 3; i++) {
		ATF_REQUIRE(rawfront_next(&rf, 0, &rsp, RF_TIMEOUT_MS));
		ATF_REQUIRE_EQ(rsp.status, BLKIF_RSP_OKAY);
	}

	/* Wanted at the second response: one event, after the second. */
	ev = events_of(&rf);
	__atomic_store_n(&sring->rsp_event, q->q_ring.rsp_cons + 2,
	    __ATOMIC_RELEASE);
	reads_answered(&rf, &b, 1);
	pvtest_msleep(100);
	ATF_REQUIRE_EQ_MSG(events_of(&rf), ev, "signalled too early");
	reads_answered(&rf, &b, 1);
	ATF_REQUIRE_EQ_MSG(pvtest_wait_atleast(&rf.rf_mtx, &q->q_events,
	    ev + 1, RF_TIMEOUT_MS), ev + 1, "not signalled at rsp_event");
	for (i = 0; i < 2; i++)
		ATF_REQUIRE(rawfront_next(&rf, 0, &rsp, RF_TIMEOUT_MS));
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	xentest_down();
}
ATF_TC_CLEANUP(notification_hold_off, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, handshake_single_page);
	ATF_TP_ADD_TC(tp, handshake_multi_page);
	ATF_TP_ADD_TC(tp, multi_queue);
	ATF_TP_ADD_TC(tp, notification_hold_off);

	return (atf_no_error());
}
