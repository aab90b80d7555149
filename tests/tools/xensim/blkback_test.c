/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim's block backend against a raw blkif frontend: this process is
 * domain 1, attaches disks through xensim-ctl as the toolstack would,
 * and speaks the protocol by hand, so that every key and request, good
 * or bad, is the test's choice.  Data is checked on both sides: read
 * back through the ring and read straight from the image file.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "lib/pvtest.h"
#include "lib/xensimtest.h"
#include "lib/xentest.h"

#define	DOM		1
#define	MEM_PAGES	4096
#define	IMG		"disk.img"
#define	IMG_SIZE	(4u << 20)
#define	SECTORS		(IMG_SIZE / 512)
#define	PAGE		4096
#define	BUSY		(GTF_reading | GTF_writing)
#define	ERRNODE		"/local/domain/0/error/backend/vbd/1/51728/error"

static uint64_t	next_id = 1;

/* xorshift: a pattern that differs for every seed and every byte. */
static void
fill(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
}

/* FNV-1a. */
static uint64_t
sum(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (len-- > 0)
		h = (h ^ *p++) * 0x100000001b3ull;
	return (h);
}

static void
image_read(const char *name, void *buf, size_t len, off_t off)
{
	int fd;

	ATF_REQUIRE((fd = open(name, O_RDONLY | O_CLOEXEC)) >= 0);
	ATF_REQUIRE_EQ(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

static uint64_t
image_sum(const char *name, size_t len, off_t off)
{
	uint8_t *buf;
	uint64_t h;

	ATF_REQUIRE((buf = malloc(len)) != NULL);
	image_read(name, buf, len, off);
	h = sum(buf, len);
	free(buf);
	return (h);
}

static off_t
image_size(const char *name)
{
	int fd;
	off_t size;

	ATF_REQUIRE((fd = open(name, O_RDONLY | O_CLOEXEC)) >= 0);
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	return (size);
}

/* xensim, this domain, a disk of IMG_SIZE, and its backend in InitWait. */
static void
start(const atf_tc_t *tc, const char *const *args, const char *access,
    struct rawfront *rf)
{
	enum xenbus_state s;

	rawfront_image(IMG, IMG_SIZE);
	rawfront_up(tc, DOM, MEM_PAGES, args);
	rawfront_attach(tc, DOM, "xvdb", IMG, access);
	rawfront_init(rf, DOM, "xvdb");
	s = rawfront_wait_be(rf, XenbusStateInitWait, RF_TIMEOUT_MS);
	ATF_REQUIRE_EQ_MSG(s, XenbusStateInitWait, "backend is %s",
	    xenbus_strstate(s));
}

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

static void
require_log(const char *needle)
{
	ATF_REQUIRE_MSG(xensimtest_log_wait(needle, RF_TIMEOUT_MS),
	    "xensim never logged \"%s\"", needle);
}

/* Frontend Closed then Initialising: the backend must offer again. */
static void
restart(struct rawfront *rf)
{
	enum xenbus_state s;

	ATF_REQUIRE_EQ(xenbus_switch_state(rf->rf_fe, XenbusStateClosed), 0);
	ATF_REQUIRE_EQ(xenbus_switch_state(rf->rf_fe,
	    XenbusStateInitialising), 0);
	s = rawfront_wait_be(rf, XenbusStateInitWait, RF_TIMEOUT_MS);
	ATF_REQUIRE_EQ_MSG(s, XenbusStateInitWait, "backend is %s after "
	    "the frontend came back", xenbus_strstate(s));
}

static int16_t
flush(struct rawfront *rf, uint8_t op)
{
	blkif_request_t req;

	memset(&req, 0, sizeof(req));
	req.operation = op;
	req.id = next_id++;
	return (rawfront_do(rf, 0, &req, req.id, op));
}

static int16_t
discard(struct rawfront *rf, uint64_t sector, uint64_t n, uint8_t flag)
{
	blkif_request_discard_t d;
	blkif_request_t req;

	memset(&req, 0, sizeof(req));
	memset(&d, 0, sizeof(d));
	d.operation = BLKIF_OP_DISCARD;
	d.flag = flag;
	d.id = next_id++;
	d.sector_number = sector;
	d.nr_sectors = n;
	memcpy(&req, &d, sizeof(d));
	return (rawfront_do(rf, 0, &req, d.id, BLKIF_OP_DISCARD));
}

/* An indirect request over data pages b[0..nseg) (repeating if more). */
static int16_t
indirect(struct rawfront *rf, uint8_t op, uint64_t sector,
    struct rawbuf *b, unsigned nseg, struct rawbuf *ind)
{
	struct blkif_request_segment *seg = (void *)ind->b_va;
	blkif_request_indirect_t r;
	blkif_request_t req;
	unsigned i, per = PAGE / sizeof(*seg);

	ATF_REQUIRE(nseg <= ind->b_npages * per);
	for (i = 0; i < nseg; i++) {
		seg[i].gref = b->b_refs[i % b->b_npages];
		seg[i].first_sect = 0;
		seg[i].last_sect = 7;
	}
	memset(&r, 0, sizeof(r));
	r.operation = BLKIF_OP_INDIRECT;
	r.indirect_op = op;
	r.nr_segments = (uint16_t)nseg;
	r.id = next_id++;
	r.sector_number = sector;
	r.handle = (blkif_vdev_t)rf->rf_devid;
	for (i = 0; i < (nseg + per - 1) / per; i++)
		r.indirect_grefs[i] = ind->b_refs[i];
	memset(&req, 0, sizeof(req));
	memcpy(&req, &r, sizeof(r));
	/* Linux blkback answers with the indirect operation itself. */
	return (rawfront_do(rf, 0, &req, r.id, op));
}

static void
require_same(const uint8_t *a, const uint8_t *b, size_t len,
    const char *what)
{
	ATF_REQUIRE_MSG(memcmp(a, b, len) == 0, "%s: data differ", what);
}

/* ---------------------------------------------------------------- */

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

	start(tc, NULL, "rw", &rf);
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
	fill(b.b_va, PAGE, 1);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 8, &b, 0, 1),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 8, &b, 1, 1),
	    BLKIF_RSP_OKAY);
	require_same(b.b_va, b.b_va + PAGE, PAGE, "read back");
	ATF_REQUIRE_EQ(image_sum(IMG, PAGE, 8 * 512), sum(b.b_va, PAGE));
	rawfront_close(&rf);
	ATF_REQUIRE_EQ(xen_gnttab_flags(ring) & BUSY, 0);
	rawbuf_free(&rf, &b);
	require_log("blkback 1/51728: disconnected: requests rd 1 wr 1");

	/* Initialising after Closed: served again, data still there. */
	restart(&rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 2, false);
	fill(b.b_va, PAGE, 1);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 8, &b, 1, 1),
	    BLKIF_RSP_OKAY);
	require_same(b.b_va, b.b_va + PAGE, PAGE, "after reconnect");
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

	start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	ATF_REQUIRE_EQ(RING_SIZE(&rf.rf_q[0].q_ring), 128);
	for (i = 0; i < 4; i++)
		ATF_REQUIRE_EQ(xen_gnttab_flags(rf.rf_q[0].q_refs[i]) & BUSY,
		    BUSY);
	rawbuf_alloc(&rf, &b, n, false);
	rawbuf_alloc(&rf, &c, n, false);
	fill(b.b_va, (size_t)n * PAGE, 2);
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
	require_same(b.b_va, c.b_va, (size_t)n * PAGE, "100 pages");
	ATF_REQUIRE_EQ(image_sum(IMG, (size_t)n * PAGE, 0),
	    sum(b.b_va, (size_t)n * PAGE));
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	rawbuf_free(&rf, &c);

	restart(&rf);
	rawfront_connect(&rf, &o2);
	ATF_REQUIRE_EQ(RING_SIZE(&rf.rf_q[0].q_ring), 64);
	rawbuf_alloc(&rf, &b, 1, false);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 8 * 7, &b, 0, 1),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(sum(b.b_va, PAGE), image_sum(IMG, PAGE, 7 * PAGE));
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

	start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	ATF_REQUIRE_EQ(xen_gnttab_flags(rf.rf_q[1].q_refs[1]) & BUSY, BUSY);
	rawbuf_alloc(&rf, &b, 22, false);
	fill(b.b_va, 11 * PAGE, 3);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 512, &b, 0, 11),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 1, BLKIF_OP_READ, 512, &b, 11, 11),
	    BLKIF_RSP_OKAY);
	require_same(b.b_va, b.b_va + 11 * PAGE, 11 * PAGE, "across queues");
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	require_log("blkback 1/51728: connected: 2 ring(s) of 2 page(s)");
	xentest_down();
}
ATF_TC_CLEANUP(multi_queue, tc)
{
	(void)tc;
	xensimtest_stop();
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

	start(tc, NULL, "rw", &rf);
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
		require_log(bad[i].bk_says);
		require_error_node(bad[i].bk_says);
		/* Nothing of ours may stay mapped. */
		rawfront_teardown(&rf);
		restart(&rf);
	}
	/* The state itself is the frontend's to spoil too. */
	ATF_REQUIRE_EQ(xenbus_write(XENBUS_TXN_NONE, rf.rf_fe, "state",
	    "3\nxensim: forged"), 0);
	ATF_REQUIRE_EQ(rawfront_wait_be(&rf, XenbusStateClosed,
	    RF_TIMEOUT_MS), XenbusStateClosed);
	require_log("state is \"3?xensim: forged\": not a state");
	restart(&rf);
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

ATF_TC_WITH_CLEANUP(write_read_direct);
ATF_TC_HEAD(write_read_direct, tc)
{
	atf_tc_set_md_var(tc, "descr", "64 pages written and read back in "
	    "11-segment requests; partial segments land at their offsets");
}
ATF_TC_BODY(write_read_direct, tc)
{
	struct rawfront_opts o = { 0 };
	struct rawfront rf;
	struct rawbuf b, c;
	blkif_request_t req;
	unsigned i, n;
	uint64_t sector = 1000;

	start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 64, false);
	rawbuf_alloc(&rf, &c, 64, false);
	fill(b.b_va, 64 * PAGE, 5);
	for (i = 0; i < 64; i += n) {
		n = pv_min(64 - i, 11u);
		ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE,
		    sector + i * 8, &b, i, n), BLKIF_RSP_OKAY);
	}
	for (i = 0; i < 64; i += n) {
		n = pv_min(64 - i, 11u);
		ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ,
		    sector + i * 8, &c, i, n), BLKIF_RSP_OKAY);
	}
	ATF_REQUIRE_EQ(sum(c.b_va, 64 * PAGE), sum(b.b_va, 64 * PAGE));
	ATF_REQUIRE_EQ(image_sum(IMG, 64 * PAGE, (off_t)sector * 512),
	    sum(b.b_va, 64 * PAGE));

	/* Sectors 1..6 of three pages: 18 sectors, back to back on disk. */
	memset(&req, 0, sizeof(req));
	req.operation = BLKIF_OP_WRITE;
	req.nr_segments = 3;
	req.id = next_id++;
	req.sector_number = 5000;
	for (i = 0; i < 3; i++) {
		req.seg[i].gref = b.b_refs[i];
		req.seg[i].first_sect = 1;
		req.seg[i].last_sect = 6;
	}
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_WRITE),
	    BLKIF_RSP_OKAY);
	for (i = 0; i < 3; i++) {
		uint8_t got[6 * 512];

		image_read(IMG, got, sizeof(got), (5000 + 6 * i) * 512);
		require_same(got, b.b_va + i * PAGE + 512, sizeof(got),
		    "partial segment on disk");
	}
	/* And read as one segment of sectors 0..5 into one page. */
	memset(c.b_va, 0xee, PAGE);
	req.operation = BLKIF_OP_READ;
	req.nr_segments = 1;
	req.id = next_id++;
	req.sector_number = 5006;
	req.seg[0].gref = c.b_refs[0];
	req.seg[0].first_sect = 2;
	req.seg[0].last_sect = 7;
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_READ),
	    BLKIF_RSP_OKAY);
	require_same(c.b_va + 1024, b.b_va + PAGE + 512, 6 * 512,
	    "partial read");
	ATF_REQUIRE_EQ(c.b_va[1023], 0xee);
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	rawbuf_free(&rf, &c);
	xentest_down();
}
ATF_TC_CLEANUP(write_read_direct, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(write_read_indirect);
ATF_TC_HEAD(write_read_indirect, tc)
{
	atf_tc_set_md_var(tc, "descr", "one indirect write and one read of "
	    "64 segments; more segments than published are refused");
}
ATF_TC_BODY(write_read_indirect, tc)
{
	struct rawfront_opts o = { 0 };
	struct rawfront rf;
	struct rawbuf b, c, ind;

	start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 64, false);
	rawbuf_alloc(&rf, &c, 64, false);
	rawbuf_alloc(&rf, &ind, 1, true);
	fill(b.b_va, 64 * PAGE, 6);
	ATF_REQUIRE_EQ(indirect(&rf, BLKIF_OP_WRITE, 2048, &b, 64, &ind),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(indirect(&rf, BLKIF_OP_READ, 2048, &c, 64, &ind),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(sum(c.b_va, 64 * PAGE), sum(b.b_va, 64 * PAGE));
	ATF_REQUIRE_EQ(image_sum(IMG, 64 * PAGE, 2048 * 512),
	    sum(b.b_va, 64 * PAGE));
	ATF_REQUIRE_EQ(indirect(&rf, BLKIF_OP_WRITE, 0, &b, 257, &ind),
	    BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(indirect(&rf, BLKIF_OP_WRITE, 0, &b, 0, &ind),
	    BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(indirect(&rf, BLKIF_OP_FLUSH_DISKCACHE, 0, &b, 1,
	    &ind), BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(image_sum(IMG, PAGE, 0), image_sum(IMG, PAGE,
	    IMG_SIZE - PAGE));
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	rawbuf_free(&rf, &c);
	rawbuf_free(&rf, &ind);
	require_log("indirect 5 unknown 0");
	xentest_down();
}
ATF_TC_CLEANUP(write_read_indirect, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(flush_barrier_discard);
ATF_TC_HEAD(flush_barrier_discard, tc)
{
	atf_tc_set_md_var(tc, "descr", "flush, a barrier write, and a "
	    "discarded range that reads back as zeroes");
}
ATF_TC_BODY(flush_barrier_discard, tc)
{
	struct rawfront_opts o = { 0 };
	struct rawfront rf;
	struct rawbuf b, c;
	blkif_request_t req;
	uint8_t zero[PAGE];
	unsigned i;

	start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 16, false);
	rawbuf_alloc(&rf, &c, 16, false);
	fill(b.b_va, 16 * PAGE, 7);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 0, &b, 0, 11),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 88, &b, 11, 5),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(flush(&rf, BLKIF_OP_FLUSH_DISKCACHE), BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(flush(&rf, BLKIF_OP_WRITE_BARRIER), BLKIF_RSP_OKAY);

	/* A barrier carrying data writes it. */
	fill(c.b_va, PAGE, 8);
	memset(&req, 0, sizeof(req));
	req.operation = BLKIF_OP_WRITE_BARRIER;
	req.nr_segments = 1;
	req.id = next_id++;
	req.sector_number = 1024;
	req.seg[0].gref = c.b_refs[0];
	req.seg[0].last_sect = 7;
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id,
	    BLKIF_OP_WRITE_BARRIER), BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(image_sum(IMG, PAGE, 1024 * 512), sum(c.b_va, PAGE));

	/* Pages 2..5 are sectors 16..47. */
	ATF_REQUIRE_EQ(discard(&rf, 16, 32, 0), BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(discard(&rf, 60, 4, BLKIF_DISCARD_SECURE),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(discard(&rf, SECTORS - 8, 16, 0), BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(discard(&rf, UINT64_MAX - 2, 8, 0), BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(discard(&rf, 0, 0, 0), BLKIF_RSP_OKAY);
	memset(c.b_va, 0xff, 16 * PAGE);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 0, &c, 0, 11),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 88, &c, 11, 5),
	    BLKIF_RSP_OKAY);
	memset(zero, 0, sizeof(zero));
	for (i = 0; i < 16; i++) {
		if (i >= 2 && i <= 5)
			require_same(c.b_va + i * PAGE, zero, PAGE,
			    "discarded page");
		else if (i == 7)
			require_same(c.b_va + i * PAGE + 2048, zero, 2048,
			    "securely discarded half page");
		else
			require_same(c.b_va + i * PAGE, b.b_va + i * PAGE, PAGE,
			    "kept page");
	}
	require_same(c.b_va + 7 * PAGE, b.b_va + 7 * PAGE, 2048,
	    "first half of page 7");
	ATF_REQUIRE_EQ(image_size(IMG), IMG_SIZE);
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	rawbuf_free(&rf, &c);
	require_log("barrier 2 flush 1 discard 5");
	xentest_down();
}
ATF_TC_CLEANUP(flush_barrier_discard, tc)
{
	(void)tc;
	xensimtest_stop();
}

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

	start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 11, false);
	rawbuf_alloc(&rf, &c, 11, false);
	for (round = 0; round < 10; round++) {
		fill(b.b_va, 11 * PAGE, 100 + round);
		ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 64, &b, 0,
		    11), BLKIF_RSP_OKAY);
		ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 64, &c, 0,
		    11), BLKIF_RSP_OKAY);
		require_same(b.b_va, c.b_va, 11 * PAGE, "through kept maps");
		require_mapped(&b, true, "after a write");
		require_mapped(&c, true, "after a read");
	}
	ATF_REQUIRE_EQ(xen_gnttab_end(b.b_refs[0]), EBUSY);
	rawfront_close(&rf);
	require_mapped(&b, false, "after the disconnect");
	require_mapped(&c, false, "after the disconnect");
	/* 10 rounds of 22 segments over 22 grants: 22 maps, 198 reuses. */
	require_log("persistent grants mapped 22 reused 198 overflow 0; "
	    "transient maps 0");

	/* A frontend that does not offer them gets per-request maps. */
	restart(&rf);
	rawfront_connect(&rf, &plain);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 64, &c, 0, 11),
	    BLKIF_RSP_OKAY);
	require_same(b.b_va, c.b_va, 11 * PAGE, "plain read");
	require_mapped(&c, false, "after a plain read");
	rawfront_close(&rf);
	require_log("persistent grants mapped 0 reused 0 overflow 0; "
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

	start(tc, args, "rw", &rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 11, false);
	rawbuf_alloc(&rf, &c, 11, false);
	fill(b.b_va, 11 * PAGE, 9);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 0, &b, 0, 11),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 0, &b, 0, 11),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 0, &c, 0, 11),
	    BLKIF_RSP_OKAY);
	require_same(b.b_va, c.b_va, 11 * PAGE, "bounded");
	for (i = 0; i < 11; i++)
		kept += (xen_gnttab_flags(b.b_refs[i]) & BUSY) != 0;
	ATF_REQUIRE_EQ(kept, 4);
	require_mapped(&c, false, "past the bound");
	rawfront_close(&rf);
	require_log("persistent grants mapped 4 reused 4 overflow 25; "
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

ATF_TC_WITH_CLEANUP(readonly_disk);
ATF_TC_HEAD(readonly_disk, tc)
{
	atf_tc_set_md_var(tc, "descr", "access=ro: info says so, no "
	    "discard, reads work, every write is refused");
}
ATF_TC_BODY(readonly_disk, tc)
{
	struct rawfront_opts o = { 0 };
	struct rawfront rf;
	struct rawbuf b;
	uint8_t *pat;
	blkif_request_t req;
	uint64_t before;
	int fd;

	rawfront_image(IMG, IMG_SIZE);
	ATF_REQUIRE((pat = malloc(IMG_SIZE)) != NULL);
	fill(pat, IMG_SIZE, 10);
	ATF_REQUIRE((fd = open(IMG, O_WRONLY | O_CLOEXEC)) >= 0);
	ATF_REQUIRE_EQ(pwrite(fd, pat, IMG_SIZE, 0), (ssize_t)IMG_SIZE);
	close(fd);
	before = sum(pat, IMG_SIZE);
	rawfront_up(tc, DOM, MEM_PAGES, NULL);
	rawfront_attach(tc, DOM, "xvdb", IMG, "ro");
	rawfront_init(&rf, DOM, "xvdb");
	ATF_REQUIRE_EQ(rawfront_wait_be(&rf, XenbusStateInitWait,
	    RF_TIMEOUT_MS), XenbusStateInitWait);
	rawfront_connect(&rf, &o);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "info"), VDISK_READONLY);
	ATF_REQUIRE(!rawfront_be_has(&rf, "feature-discard"));
	rawbuf_alloc(&rf, &b, 4, false);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 80, &b, 0, 4),
	    BLKIF_RSP_OKAY);
	require_same(b.b_va, pat + 80 * 512, 4 * PAGE, "read-only read");
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 80, &b, 0, 1),
	    BLKIF_RSP_ERROR);
	memset(&req, 0, sizeof(req));
	req.operation = BLKIF_OP_WRITE_BARRIER;
	req.nr_segments = 1;
	req.id = next_id++;
	req.seg[0].gref = b.b_refs[0];
	req.seg[0].last_sect = 7;
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id,
	    BLKIF_OP_WRITE_BARRIER), BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(flush(&rf, BLKIF_OP_FLUSH_DISKCACHE), BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(discard(&rf, 0, 8, 0), BLKIF_RSP_EOPNOTSUPP);
	ATF_REQUIRE_EQ(image_sum(IMG, IMG_SIZE, 0), before);
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	free(pat);
	xentest_down();
}
ATF_TC_CLEANUP(readonly_disk, tc)
{
	(void)tc;
	xensimtest_stop();
}

/* A one-segment request with the fields a test spoils. */
static void
seg_req(blkif_request_t *req, uint8_t op, uint8_t nseg, uint64_t sector,
    grant_ref_t gref, uint8_t first, uint8_t last)
{
	unsigned i;

	memset(req, 0, sizeof(*req));
	req->operation = op;
	req->nr_segments = nseg;
	req->id = next_id++;
	req->sector_number = sector;
	for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		req->seg[i].gref = gref;
		req->seg[i].first_sect = first;
		req->seg[i].last_sect = last;
	}
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
		seg_req(&req, BLKIF_OP_READ, 1, 0, b->b_refs[0], 0, 7);
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

	start(tc, NULL, "rw", &rf);
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

	start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 11, false);
	rawbuf_alloc(&rf, &ro, 1, true);
	rawbuf_alloc(&rf, &ind, 1, true);
	fill(b.b_va, 11 * PAGE, 11);
	before = image_sum(IMG, IMG_SIZE, 0);
	for (i = 0; i < nitems(bad); i++) {
		seg_req(&req, bad[i].op, bad[i].nseg, bad[i].sector,
		    b.b_refs[0], bad[i].first, bad[i].last);
		ATF_REQUIRE_EQ_MSG(rawfront_do(&rf, 0, &req, req.id,
		    bad[i].op), bad[i].status, "case %u", i);
	}
	/* Grants: never granted, out of the table, someone else's. */
	never = xen_gnttab_claim(&rf.rf_grefs);
	alien = xen_gnttab_claim(&rf.rf_grefs);
	xen_gnttab_grant(alien, 5, b.b_pfn, false);
	seg_req(&req, BLKIF_OP_WRITE, 1, 0, never, 0, 7);
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_WRITE),
	    BLKIF_RSP_ERROR);
	seg_req(&req, BLKIF_OP_WRITE, 1, 0, 0x7fffffff, 0, 7);
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_WRITE),
	    BLKIF_RSP_ERROR);
	seg_req(&req, BLKIF_OP_READ, 1, 0, alien, 0, 7);
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_READ),
	    BLKIF_RSP_ERROR);
	/* A read needs to write the page: a read-only grant will not do. */
	seg_req(&req, BLKIF_OP_READ, 1, 0, ro.b_refs[0], 0, 7);
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_READ),
	    BLKIF_RSP_ERROR);
	/* The bad grant is the last: nothing of the good ones is written. */
	seg_req(&req, BLKIF_OP_WRITE, 3, 16, b.b_refs[1], 0, 7);
	req.seg[2].gref = never;
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_WRITE),
	    BLKIF_RSP_ERROR);
	/* Indirect: bad sub-op, bad indirect page, bad segment inside. */
	ATF_REQUIRE_EQ(indirect(&rf, 42, 0, &b, 4, &ind), BLKIF_RSP_ERROR);
	ind.b_refs[0] = never;
	ATF_REQUIRE_EQ(indirect(&rf, BLKIF_OP_WRITE, 0, &b, 4, &ind),
	    BLKIF_RSP_ERROR);
	ind.b_refs[0] = xen_gnttab_claim(&rf.rf_grefs);
	xen_gnttab_grant(ind.b_refs[0], 0, ind.b_pfn, true);
	/* indirect() fills the page; spoil it afterwards via the sector. */
	ATF_REQUIRE_EQ(indirect(&rf, BLKIF_OP_WRITE, SECTORS - 8, &b, 2,
	    &ind), BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(image_sum(IMG, IMG_SIZE, 0), before);
	ATF_REQUIRE_EQ(image_size(IMG), IMG_SIZE);
	for (i = 0; i < b.b_npages; i++)
		ATF_REQUIRE_EQ(xen_gnttab_flags(b.b_refs[i]) & BUSY, 0);

	/* Still serving. */
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 0, &b, 0, 11),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(image_sum(IMG, 11 * PAGE, 0), sum(b.b_va, 11 * PAGE));

	/* A producer a thousand requests ahead: the ring stops. */
	sring = rf.rf_q[0].q_sring;
	__atomic_store_n(&sring->req_prod, sring->req_prod + 1000,
	    __ATOMIC_RELEASE);
	ATF_REQUIRE_EQ(xen_evtchn_notify(rf.rf_q[0].q_port), 0);
	require_log("halting the ring");
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
	fill(b.b_va, 11 * PAGE, 12);
	ATF_REQUIRE_EQ(rawfront_rw(&rf2, 0, BLKIF_OP_WRITE, 8, &b, 0, 11),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(image_sum("disk2.img", 11 * PAGE, 8 * 512),
	    sum(b.b_va, 11 * PAGE));
	rawfront_close(&rf2);
	xentest_down();
}
ATF_TC_CLEANUP(malicious_frontend, tc)
{
	(void)tc;
	xensimtest_stop();
}

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
		"multi-queue-max-queues", "feature-flush-cache",
		"feature-barrier", "feature-discard", "feature-persistent",
		"discard-granularity",
	};
	struct rawfront_opts multi = { .o_order = 1, .o_multi = true };
	struct rawfront_opts o = { .o_persistent = true };
	struct rawfront rf;
	struct rawbuf b, ind;
	blkif_request_t req;
	size_t i;

	start(tc, args, "rw", &rf);
	/* Two pages where none were offered. */
	rawfront_setup(&rf, &multi);
	ATF_REQUIRE_EQ(xenbus_switch_state(rf.rf_fe, XenbusStateInitialised),
	    0);
	ATF_REQUIRE_EQ(rawfront_wait_be(&rf, XenbusStateClosed,
	    RF_TIMEOUT_MS), XenbusStateClosed);
	require_log("ring-page-order is \"1\": more than max-ring-page-order "
	    "0");
	rawfront_teardown(&rf);
	restart(&rf);

	rawfront_connect(&rf, &o);
	for (i = 0; i < nitems(unpublished); i++)
		ATF_REQUIRE_MSG(!rawfront_be_has(&rf, unpublished[i]),
		    "%s published", unpublished[i]);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "sector-size"), 4096);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "physical-sector-size"), 4096);
	ATF_REQUIRE_EQ(rawfront_be_u64(&rf, "sectors"), SECTORS);
	ATF_REQUIRE_EQ(flush(&rf, BLKIF_OP_FLUSH_DISKCACHE),
	    BLKIF_RSP_EOPNOTSUPP);
	ATF_REQUIRE_EQ(flush(&rf, BLKIF_OP_WRITE_BARRIER),
	    BLKIF_RSP_EOPNOTSUPP);
	ATF_REQUIRE_EQ(discard(&rf, 0, 8, 0), BLKIF_RSP_EOPNOTSUPP);
	rawbuf_alloc(&rf, &b, 2, false);
	rawbuf_alloc(&rf, &ind, 1, true);
	ATF_REQUIRE_EQ(indirect(&rf, BLKIF_OP_WRITE, 0, &b, 2, &ind),
	    BLKIF_RSP_EOPNOTSUPP);
	/* 4096-byte sectors: start and length in whole sectors. */
	fill(b.b_va, 2 * PAGE, 13);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 4, &b, 0, 1),
	    BLKIF_RSP_ERROR);
	seg_req(&req, BLKIF_OP_WRITE, 1, 0, b.b_refs[0], 0, 3);
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_WRITE),
	    BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 16, &b, 0, 1),
	    BLKIF_RSP_OKAY);
	/* Not persistent: the backend let go at once. */
	ATF_REQUIRE_EQ(xen_gnttab_flags(b.b_refs[0]) & BUSY, 0);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 16, &b, 1, 1),
	    BLKIF_RSP_OKAY);
	require_same(b.b_va, b.b_va + PAGE, PAGE, "4K-sector disk");
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

	start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 1, false);
	fill(b.b_va, PAGE, 14);
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
	require_log("serving the frontend until it closes");
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 8, &b, 0, 1),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(image_sum(IMG, PAGE, 8 * 512), sum(b.b_va, PAGE));
	ATF_REQUIRE_EQ(xenbus_switch_state(rf.rf_fe, XenbusStateClosing), 0);
	ATF_REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "block-detach: %#x", status);
	/* Everything the backend held is let go, and the device is gone. */
	ATF_REQUIRE_EQ(xen_gnttab_flags(b.b_refs[0]) & BUSY, 0);
	ATF_REQUIRE(!xenbus_exists(XENBUS_TXN_NONE, rf.rf_be, ""));
	rawfront_teardown(&rf);
	rawbuf_free(&rf, &b);
	require_log("blkback 1/51728: disconnected: requests rd 0 wr 2");

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
	require_log("blkback 1/51744: disconnected: requests rd 0 wr 1");
	ATF_REQUIRE(xensimtest_alive());
}
ATF_TC_CLEANUP(teardown_paths, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, handshake_single_page);
	ATF_TP_ADD_TC(tp, handshake_multi_page);
	ATF_TP_ADD_TC(tp, multi_queue);
	ATF_TP_ADD_TC(tp, bad_frontend_keys);
	ATF_TP_ADD_TC(tp, write_read_direct);
	ATF_TP_ADD_TC(tp, write_read_indirect);
	ATF_TP_ADD_TC(tp, flush_barrier_discard);
	ATF_TP_ADD_TC(tp, persistent_grants);
	ATF_TP_ADD_TC(tp, persistent_grants_bounded);
	ATF_TP_ADD_TC(tp, readonly_disk);
	ATF_TP_ADD_TC(tp, notification_hold_off);
	ATF_TP_ADD_TC(tp, malicious_frontend);
	ATF_TP_ADD_TC(tp, features_switched_off);
	ATF_TP_ADD_TC(tp, options_are_validated);
	ATF_TP_ADD_TC(tp, teardown_paths);
	return (atf_no_error());
}
