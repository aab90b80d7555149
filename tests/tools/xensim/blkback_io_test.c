/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim's block backend, its I/O: direct and indirect reads and
 * writes, flush, barrier and discard, and a read-only disk, checked
 * through the ring and in the image file (lib/blkbacktest.h).
 */
#include <fcntl.h>
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

	bbt_start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 64, false);
	rawbuf_alloc(&rf, &c, 64, false);
	bbt_fill(b.b_va, 64 * PAGE, 5);
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
	ATF_REQUIRE_EQ(bbt_sum(c.b_va, 64 * PAGE), bbt_sum(b.b_va, 64 * PAGE));
	ATF_REQUIRE_EQ(bbt_image_sum(IMG, 64 * PAGE, (off_t)sector * 512),
	    bbt_sum(b.b_va, 64 * PAGE));

	/* Sectors 1..6 of three pages: 18 sectors, back to back on disk. */
	memset(&req, 0, sizeof(req));
	req.operation = BLKIF_OP_WRITE;
	req.nr_segments = 3;
	req.id = bbt_next_id();
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

		bbt_image_read(IMG, got, sizeof(got), (5000 + 6 * i) * 512);
		bbt_require_same(got, b.b_va + i * PAGE + 512, sizeof(got),
		    "partial segment on disk");
	}
	/* And read as one segment of sectors 0..5 into one page. */
	memset(c.b_va, 0xee, PAGE);
	req.operation = BLKIF_OP_READ;
	req.nr_segments = 1;
	req.id = bbt_next_id();
	req.sector_number = 5006;
	req.seg[0].gref = c.b_refs[0];
	req.seg[0].first_sect = 2;
	req.seg[0].last_sect = 7;
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id, BLKIF_OP_READ),
	    BLKIF_RSP_OKAY);
	bbt_require_same(c.b_va + 1024, b.b_va + PAGE + 512, 6 * 512,
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

	bbt_start(tc, NULL, "rw", &rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 64, false);
	rawbuf_alloc(&rf, &c, 64, false);
	rawbuf_alloc(&rf, &ind, 1, true);
	bbt_fill(b.b_va, 64 * PAGE, 6);
	ATF_REQUIRE_EQ(bbt_indirect(&rf, BLKIF_OP_WRITE, 2048, &b, 64, &ind),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(bbt_indirect(&rf, BLKIF_OP_READ, 2048, &c, 64, &ind),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(bbt_sum(c.b_va, 64 * PAGE), bbt_sum(b.b_va, 64 * PAGE));
	ATF_REQUIRE_EQ(bbt_image_sum(IMG, 64 * PAGE, 2048 * 512),
	    bbt_sum(b.b_va, 64 * PAGE));
	ATF_REQUIRE_EQ(bbt_indirect(&rf, BLKIF_OP_WRITE, 0, &b, 257, &ind),
	    BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(bbt_indirect(&rf, BLKIF_OP_WRITE, 0, &b, 0, &ind),
	    BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(bbt_indirect(&rf, BLKIF_OP_FLUSH_DISKCACHE, 0, &b, 1,
	    &ind), BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(bbt_image_sum(IMG, PAGE, 0), bbt_image_sum(IMG, PAGE,
	    IMG_SIZE - PAGE));
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	rawbuf_free(&rf, &c);
	rawbuf_free(&rf, &ind);
	bbt_require_log("indirect 5 unknown 0");
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
	static const char *const args[] = {
		"-o", "blkback.discard-secure=1", NULL,
	};
	struct rawfront_opts o = { 0 };
	struct rawfront rf;
	struct rawbuf b, c;
	blkif_request_t req;
	uint8_t zero[PAGE];
	unsigned i;

	bbt_start(tc, args, "rw", &rf);
	rawfront_connect(&rf, &o);
	rawbuf_alloc(&rf, &b, 16, false);
	rawbuf_alloc(&rf, &c, 16, false);
	bbt_fill(b.b_va, 16 * PAGE, 7);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 0, &b, 0, 11),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 88, &b, 11, 5),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(bbt_flush(&rf, BLKIF_OP_FLUSH_DISKCACHE),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(bbt_flush(&rf, BLKIF_OP_WRITE_BARRIER), BLKIF_RSP_OKAY);

	/* A barrier carrying data writes it. */
	bbt_fill(c.b_va, PAGE, 8);
	memset(&req, 0, sizeof(req));
	req.operation = BLKIF_OP_WRITE_BARRIER;
	req.nr_segments = 1;
	req.id = bbt_next_id();
	req.sector_number = 1024;
	req.seg[0].gref = c.b_refs[0];
	req.seg[0].last_sect = 7;
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id,
	    BLKIF_OP_WRITE_BARRIER), BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(bbt_image_sum(IMG, PAGE, 1024 * 512),
	    bbt_sum(c.b_va, PAGE));

	/* Pages 2..5 are sectors 16..47. */
	ATF_REQUIRE_EQ(bbt_discard(&rf, 16, 32, 0), BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(bbt_discard(&rf, 56, 8, BLKIF_DISCARD_SECURE),
	    BLKIF_RSP_OKAY);
	/* Not whole 4 KiB granules, as discard-granularity said. */
	ATF_REQUIRE_EQ(bbt_discard(&rf, 60, 4, 0), BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(bbt_discard(&rf, 64, 12, BLKIF_DISCARD_SECURE),
	    BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(bbt_discard(&rf, SECTORS - 8, 16, 0), BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(bbt_discard(&rf, UINT64_MAX - 2, 8, 0), BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(bbt_discard(&rf, 0, 0, 0), BLKIF_RSP_OKAY);
	memset(c.b_va, 0xff, 16 * PAGE);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 0, &c, 0, 11),
	    BLKIF_RSP_OKAY);
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_READ, 88, &c, 11, 5),
	    BLKIF_RSP_OKAY);
	memset(zero, 0, sizeof(zero));
	for (i = 0; i < 16; i++) {
		if (i >= 2 && i <= 5)
			bbt_require_same(c.b_va + i * PAGE, zero, PAGE,
			    "discarded page");
		else if (i == 7)
			bbt_require_same(c.b_va + i * PAGE, zero, PAGE,
			    "securely discarded page");
		else
			bbt_require_same(c.b_va + i * PAGE, b.b_va + i * PAGE,
			    PAGE, "kept page");
	}
	ATF_REQUIRE_EQ(bbt_image_size(IMG), IMG_SIZE);
	rawfront_close(&rf);
	rawbuf_free(&rf, &b);
	rawbuf_free(&rf, &c);
	bbt_require_log("barrier 2 flush 1 discard 7 (secure 1)");
	bbt_require_log("secure discard of sectors 56+8: done");
	bbt_require_log("secure discard of sectors 64+12: refused");
	xentest_down();
}
ATF_TC_CLEANUP(flush_barrier_discard, tc)
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
	bbt_fill(pat, IMG_SIZE, 10);
	ATF_REQUIRE((fd = open(IMG, O_WRONLY | O_CLOEXEC)) >= 0);
	ATF_REQUIRE_EQ(pwrite(fd, pat, IMG_SIZE, 0), (ssize_t)IMG_SIZE);
	close(fd);
	before = bbt_sum(pat, IMG_SIZE);
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
	bbt_require_same(b.b_va, pat + 80 * 512, 4 * PAGE, "read-only read");
	ATF_REQUIRE_EQ(rawfront_rw(&rf, 0, BLKIF_OP_WRITE, 80, &b, 0, 1),
	    BLKIF_RSP_ERROR);
	memset(&req, 0, sizeof(req));
	req.operation = BLKIF_OP_WRITE_BARRIER;
	req.nr_segments = 1;
	req.id = bbt_next_id();
	req.seg[0].gref = b.b_refs[0];
	req.seg[0].last_sect = 7;
	ATF_REQUIRE_EQ(rawfront_do(&rf, 0, &req, req.id,
	    BLKIF_OP_WRITE_BARRIER), BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(bbt_flush(&rf, BLKIF_OP_FLUSH_DISKCACHE),
	    BLKIF_RSP_ERROR);
	ATF_REQUIRE_EQ(bbt_discard(&rf, 0, 8, 0), BLKIF_RSP_EOPNOTSUPP);
	ATF_REQUIRE_EQ(bbt_image_sum(IMG, IMG_SIZE, 0), before);
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

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, write_read_direct);
	ATF_TP_ADD_TC(tp, write_read_indirect);
	ATF_TP_ADD_TC(tp, flush_barrier_discard);
	ATF_TP_ADD_TC(tp, readonly_disk);

	return (atf_no_error());
}
