/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The block layer against a scripted transport: a RAM disk that records
 * what it was given and completes only when the test says so.
 */
#include <errno.h>
#include <string.h>

#include <atf-c.h>

#include <pv/blk.h>
#include <pv/mem.h>
#include <pv/sysctl.h>

#include "lib/pvtest.h"

#define	DISK_BYTES	(1024 * 1024)
#define	LOG_MAX		64

struct fake {
	struct pv_blk	*blk;
	uint8_t		*disk;
	bool		 hold;		/* keep commands busy until released */
	int		 eagain;	/* refuse this many starts */
	struct pv_blkcmd *busy[LOG_MAX];
	int		 nbusy;
	/* What the transport saw, in order. */
	enum pv_bio_op	 op[LOG_MAX];
	uint64_t	 sector[LOG_MAX], bytes[LOG_MAX];
	int		 flags[LOG_MAX];
	int		 nlog;
	int		 kicks;
};

static void
fake_exec(struct fake *f, struct pv_blkcmd *c)
{
	uint8_t *at = f->disk + c->c_sector * PV_SECTOR_SIZE;

	if (c->c_op == PV_BIO_WRITE)
		memcpy(at, c->c_data, c->c_bytes);
	else if (c->c_op == PV_BIO_READ)
		memcpy(c->c_data, at, c->c_bytes);
	else if (c->c_op == PV_BIO_DISCARD)
		memset(at, 0, c->c_bytes);
	pv_blk_done(f->blk, c, 0);
}

static int
fake_start(void *sc, struct pv_blkcmd *c)
{
	struct fake *f = sc;

	if (f->eagain > 0) {
		f->eagain--;
		pv_blk_freeze(f->blk, PV_FREEZE_GRANTS);
		return (EAGAIN);
	}
	ATF_REQUIRE(f->nlog < LOG_MAX);
	f->op[f->nlog] = c->c_op;
	f->sector[f->nlog] = c->c_sector;
	f->bytes[f->nlog] = c->c_bytes;
	f->flags[f->nlog] = c->c_flags & (PV_BIO_ORDERED | PV_BIO_SECURE);
	f->nlog++;
	f->busy[f->nbusy++] = c;
	return (0);
}

/* Complete what was started, unless the test holds it. */
static void
fake_kick(void *sc)
{
	struct fake *f = sc;

	f->kicks++;
	while (!f->hold && f->nbusy > 0)
		fake_exec(f, f->busy[--f->nbusy]);
}

static void
fake_poll(void *sc)
{
	struct fake *f = sc;

	pv_blk_lock(f->blk);
	while (f->nbusy > 0)
		fake_exec(f, f->busy[--f->nbusy]);
	pv_blk_unlock(f->blk);
}

static const struct pv_blk_ops fake_ops = {
	.bo_start = fake_start,
	.bo_kick = fake_kick,
	.bo_poll = fake_poll,
};

/* Finish the oldest held command. */
static void
release_one(struct fake *f)
{
	int i;

	pv_blk_lock(f->blk);
	ATF_REQUIRE(f->nbusy > 0);
	fake_exec(f, f->busy[0]);
	for (i = 1; i < f->nbusy; i++)
		f->busy[i - 1] = f->busy[i];
	f->nbusy--;
	pv_blk_unlock(f->blk);
}

static void
fake_up(struct fake *f, uint32_t features, uint32_t max_cmds,
    uint32_t max_segs, uint64_t max_bytes)
{
	struct pv_disk_info di = {
		.di_name = "fake0",
		.di_sectors = DISK_BYTES / PV_SECTOR_SIZE,
		.di_sector_size = PV_SECTOR_SIZE,
		.di_phys_sector_size = PV_SECTOR_SIZE,
		.di_features = features,
		.di_discard_granularity = 4096,
	};
	struct pv_blk_limits lim = {
		.bl_max_cmds = max_cmds,
		.bl_max_segments = max_segs,
		.bl_max_bytes = max_bytes,
	};

	pvtest_init(1024);
	memset(f, 0, sizeof(*f));
	f->disk = pv_pages_alloc(DISK_BYTES / PV_PAGE_SIZE, PV_M_ZERO, NULL);
	ATF_REQUIRE_EQ(pv_blk_create(&f->blk, &di, &lim, &fake_ops, f), 0);
}

/*
 * A reconnect: the wire forgot what it held, the new one may take less
 * (lim, when not NULL), and everything busy goes out again.
 */
static void
fake_reconnect(struct fake *f, const struct pv_blk_limits *lim)
{
	pv_blk_lock(f->blk);
	pv_blk_freeze(f->blk, PV_FREEZE_SUSPEND);
	f->nbusy = 0;
	pv_blk_requeue(f->blk);
	if (lim != NULL)
		pv_blk_set_limits(f->blk, lim);
	pv_blk_thaw(f->blk, PV_FREEZE_SUSPEND);
	pv_blk_unlock(f->blk);
}

static int ndone;

static void
count_done(struct pv_bio *bio)
{
	(void)bio;
	ndone++;
}

static void
bio_init(struct pv_bio *b, enum pv_bio_op op, uint64_t sector,
    uint64_t bytes, void *data, int flags)
{
	memset(b, 0, sizeof(*b));
	b->b_op = op;
	b->b_sector = sector;
	b->b_bytes = bytes;
	b->b_data = data;
	b->b_flags = flags;
	b->b_done = count_done;
}

ATF_TC_WITHOUT_HEAD(split_to_the_transport_limits);
ATF_TC_BODY(split_to_the_transport_limits, tc)
{
	struct pv_bio b;
	struct fake f;
	uint8_t *w, *r;
	char val[32];
	int i;

	/* Two pages or 6 KiB per command, whichever is less. */
	fake_up(&f, 0, 8, 2, 6144);
	w = pv_pages_alloc(16, PV_M_WAITOK, NULL);
	r = pv_pages_alloc(16, PV_M_ZERO, NULL);
	for (i = 0; i < 16 * (int)PV_PAGE_SIZE; i++)
		w[i] = (uint8_t)(i * 7 + 3);
	/* Start mid-page, so the page limit bites before the byte limit. */
	bio_init(&b, PV_BIO_WRITE, 8, 40960, w + 2048, 0);
	ATF_REQUIRE_EQ(pv_blk_io(f.blk, &b), 0);
	for (i = 0; i < f.nlog; i++) {
		ATF_REQUIRE(f.bytes[i] <= 6144);
		ATF_REQUIRE(f.bytes[i] % PV_SECTOR_SIZE == 0);
	}
	ATF_REQUIRE(f.nlog >= 40960 / 6144 + 1);
	ATF_REQUIRE_EQ(f.bytes[0], 6144);
	bio_init(&b, PV_BIO_READ, 8, 40960, r, 0);
	ATF_REQUIRE_EQ(pv_blk_io(f.blk, &b), 0);
	ATF_REQUIRE(memcmp(w + 2048, r, 40960) == 0);
	ATF_REQUIRE_EQ(pv_ctl_get("disk.fake0.writes", val, sizeof(val)), 0);
	ATF_REQUIRE_STREQ(val, "1");
	pv_blk_destroy(f.blk);
}

ATF_TC_WITHOUT_HEAD(ordered_bio_is_single_stepped);
ATF_TC_BODY(ordered_bio_is_single_stepped, tc)
{
	struct pv_bio b[4];
	struct fake f;
	uint8_t *buf;
	char val[32];
	int i;

	fake_up(&f, PV_DISK_FLUSH, 8, 8, 65536);
	buf = pv_pages_alloc(1, PV_M_ZERO, NULL);
	f.hold = true;
	for (i = 0; i < 4; i++)
		bio_init(&b[i], PV_BIO_WRITE, (uint64_t)i * 8, 4096, buf,
		    i == 2 ? PV_BIO_ORDERED : 0);
	for (i = 0; i < 4; i++)
		pv_blk_submit(f.blk, &b[i]);
	/* The ordered third waits for the first two to finish. */
	ATF_REQUIRE_EQ(f.nlog, 2);
	release_one(&f);
	ATF_REQUIRE_EQ(f.nlog, 2);
	release_one(&f);
	ATF_REQUIRE_EQ(f.nlog, 3);
	ATF_REQUIRE_EQ(f.sector[2], 16);
	/* And the fourth waits for the ordered one. */
	ATF_REQUIRE_EQ(f.nbusy, 1);
	release_one(&f);
	ATF_REQUIRE_EQ(f.nlog, 4);
	release_one(&f);
	ATF_REQUIRE_EQ(ndone, 4);
	ATF_REQUIRE_EQ(pv_ctl_get("disk.fake0.freeze_idle", val,
	    sizeof(val)), 0);
	ATF_REQUIRE_STREQ(val, "1");
	pv_blk_destroy(f.blk);
}

ATF_TC_WITHOUT_HEAD(barrier_transport_orders_itself);
ATF_TC_BODY(barrier_transport_orders_itself, tc)
{
	struct pv_bio b[3];
	struct fake f;
	uint8_t *buf;
	int i;

	fake_up(&f, PV_DISK_BARRIER, 8, 8, 65536);
	buf = pv_pages_alloc(1, PV_M_ZERO, NULL);
	f.hold = true;
	for (i = 0; i < 3; i++) {
		bio_init(&b[i], PV_BIO_WRITE, (uint64_t)i * 8, 4096, buf,
		    i == 1 ? PV_BIO_ORDERED : 0);
		pv_blk_submit(f.blk, &b[i]);
	}
	/* All three go out at once, the middle one marked. */
	ATF_REQUIRE_EQ(f.nlog, 3);
	ATF_REQUIRE_EQ(f.flags[0], 0);
	ATF_REQUIRE_EQ(f.flags[1], PV_BIO_ORDERED);
	for (i = 0; i < 3; i++)
		release_one(&f);
	pv_blk_destroy(f.blk);
}

ATF_TC_WITHOUT_HEAD(flush_without_a_cache_completes_at_once);
ATF_TC_BODY(flush_without_a_cache_completes_at_once, tc)
{
	struct pv_bio b;
	struct fake f;

	fake_up(&f, 0, 4, 4, 16384);
	bio_init(&b, PV_BIO_FLUSH, 0, 0, NULL, 0);
	ATF_REQUIRE_EQ(pv_blk_io(f.blk, &b), 0);
	ATF_REQUIRE_EQ(f.nlog, 0);
	pv_blk_destroy(f.blk);
	/* With a cache, the transport sees it. */
	pvtest_fini();
	fake_up(&f, PV_DISK_FLUSH, 4, 4, 16384);
	bio_init(&b, PV_BIO_FLUSH, 0, 0, NULL, 0);
	ATF_REQUIRE_EQ(pv_blk_io(f.blk, &b), 0);
	ATF_REQUIRE_EQ(f.nlog, 1);
	ATF_REQUIRE_EQ(f.op[0], PV_BIO_FLUSH);
	pv_blk_destroy(f.blk);
}

ATF_TC_WITHOUT_HEAD(pool_and_transport_freezes_thaw);
ATF_TC_BODY(pool_and_transport_freezes_thaw, tc)
{
	struct pv_bio b[5];
	struct fake f;
	uint8_t *buf;
	char val[32];
	int i;

	fake_up(&f, 0, 2, 4, 16384);
	buf = pv_pages_alloc(1, PV_M_ZERO, NULL);
	f.hold = true;
	for (i = 0; i < 5; i++) {
		bio_init(&b[i], PV_BIO_READ, (uint64_t)i * 8, 4096, buf, 0);
		pv_blk_submit(f.blk, &b[i]);
	}
	/* Two commands in the pool: two on the wire. */
	ATF_REQUIRE_EQ(f.nlog, 2);
	release_one(&f);
	ATF_REQUIRE_EQ(f.nlog, 3);
	/* The transport refuses once (no grants), then thaws. */
	f.eagain = 1;
	release_one(&f);
	ATF_REQUIRE_EQ(f.nlog, 3);
	pv_blk_lock(f.blk);
	pv_blk_thaw(f.blk, PV_FREEZE_GRANTS);
	pv_blk_unlock(f.blk);
	ATF_REQUIRE_EQ(f.nlog, 4);
	f.hold = false;
	while (f.nbusy > 0)
		release_one(&f);
	ATF_REQUIRE_EQ(ndone, 5);
	ATF_REQUIRE_EQ(pv_ctl_get("disk.fake0.freeze_cmds", val,
	    sizeof(val)), 0);
	ATF_REQUIRE(strcmp(val, "0") != 0);
	ATF_REQUIRE_EQ(pv_ctl_get("disk.fake0.freeze_grants", val,
	    sizeof(val)), 0);
	ATF_REQUIRE_STREQ(val, "1");
	pv_blk_destroy(f.blk);
}

ATF_TC_WITHOUT_HEAD(bad_bios_are_refused);
ATF_TC_BODY(bad_bios_are_refused, tc)
{
	struct pv_disk_info di;
	struct pv_bio b;
	struct fake f;
	uint8_t *buf;

	fake_up(&f, 0, 4, 4, 16384);
	buf = pv_pages_alloc(1, PV_M_ZERO, NULL);
	bio_init(&b, PV_BIO_READ, DISK_BYTES / 512 - 1, 1024, buf, 0);
	ATF_REQUIRE_EQ(pv_blk_io(f.blk, &b), EIO);
	bio_init(&b, PV_BIO_READ, 0, 100, buf, 0);
	ATF_REQUIRE_EQ(pv_blk_io(f.blk, &b), EINVAL);
	bio_init(&b, PV_BIO_DISCARD, 0, 4096, NULL, 0);
	ATF_REQUIRE_EQ(pv_blk_io(f.blk, &b), EOPNOTSUPP);
	pv_blk_info(f.blk, &di);
	di.di_readonly = true;
	pv_blk_lock(f.blk);
	pv_blk_set_info(f.blk, &di);
	pv_blk_unlock(f.blk);
	bio_init(&b, PV_BIO_WRITE, 0, 512, buf, 0);
	ATF_REQUIRE_EQ(pv_blk_io(f.blk, &b), EROFS);
	ATF_REQUIRE_EQ(f.nlog, 0);
	pv_blk_destroy(f.blk);
}

ATF_TC_WITHOUT_HEAD(discard_trimmed_to_whole_granules);
ATF_TC_BODY(discard_trimmed_to_whole_granules, tc)
{
	struct pv_bio b;
	struct fake f;

	fake_up(&f, PV_DISK_DISCARD, 4, 4, 16384);
	/* Bytes 512..20480 hold granules 4096..16384 only. */
	bio_init(&b, PV_BIO_DISCARD, 1, 19968, NULL, 0);
	ATF_REQUIRE_EQ(pv_blk_io(f.blk, &b), 0);
	ATF_REQUIRE_EQ(f.nlog, 1);
	ATF_REQUIRE_EQ(f.sector[0], 8);
	ATF_REQUIRE_EQ(f.bytes[0], 16384);
	/* Smaller than a granule: nothing to do, and no error. */
	bio_init(&b, PV_BIO_DISCARD, 1, 2048, NULL, 0);
	ATF_REQUIRE_EQ(pv_blk_io(f.blk, &b), 0);
	ATF_REQUIRE_EQ(f.nlog, 1);
	pv_blk_destroy(f.blk);
}

ATF_TC_WITHOUT_HEAD(failed_device_fails_everything);
ATF_TC_BODY(failed_device_fails_everything, tc)
{
	struct pv_bio b[3];
	struct fake f;
	uint8_t *buf;
	int i;

	fake_up(&f, 0, 2, 4, 16384);
	buf = pv_pages_alloc(1, PV_M_ZERO, NULL);
	f.hold = true;
	for (i = 0; i < 3; i++) {
		bio_init(&b[i], PV_BIO_WRITE, (uint64_t)i * 8, 4096, buf, 0);
		pv_blk_submit(f.blk, &b[i]);
	}
	pv_blk_lock(f.blk);
	pv_blk_fail(f.blk, "test says so");
	pv_blk_unlock(f.blk);
	ATF_REQUIRE_EQ(ndone, 3);
	for (i = 0; i < 3; i++)
		ATF_REQUIRE_EQ(b[i].b_error, EIO);
	ATF_REQUIRE(pvtest_msgbuf_has("fake0: device failed: test says so"));
	bio_init(&b[0], PV_BIO_READ, 0, 512, buf, 0);
	ATF_REQUIRE_EQ(pv_blk_io(f.blk, &b[0]), EIO);
	f.nbusy = 0;	/* the dead device's commands are gone */
	pv_blk_destroy(f.blk);
}

ATF_TC_WITHOUT_HEAD(requeue_keeps_the_order);
ATF_TC_BODY(requeue_keeps_the_order, tc)
{
	struct pv_bio b[3];
	struct fake f;
	uint8_t *buf;
	int i;

	fake_up(&f, 0, 4, 4, 16384);
	buf = pv_pages_alloc(1, PV_M_ZERO, NULL);
	f.hold = true;
	for (i = 0; i < 3; i++) {
		bio_init(&b[i], PV_BIO_WRITE, (uint64_t)i * 8, 4096, buf, 0);
		pv_blk_submit(f.blk, &b[i]);
	}
	ATF_REQUIRE_EQ(f.nlog, 3);
	fake_reconnect(&f, NULL);
	ATF_REQUIRE_EQ(f.nlog, 6);
	for (i = 0; i < 3; i++)
		ATF_REQUIRE_EQ(f.sector[3 + i], f.sector[i]);
	ATF_REQUIRE_EQ(ndone, 0);
	f.hold = false;
	while (f.nbusy > 0)
		release_one(&f);
	ATF_REQUIRE_EQ(ndone, 3);
	pv_blk_destroy(f.blk);
}

/*
 * Requests on the wire at a suspend, and the new backend takes less: each
 * goes out again in pieces that fit, in order, each piece after the one
 * before it, and the bio ends once with everything in place.
 */
ATF_TC_WITHOUT_HEAD(requeue_to_smaller_limits_splits_again);
ATF_TC_BODY(requeue_to_smaller_limits_splits_again, tc)
{
	struct pv_blk_limits small = {
		.bl_max_cmds = 4,
		.bl_max_segments = 1,
		.bl_max_bytes = 4096,
	};
	struct pv_bio b[2];
	struct fake f;
	uint8_t *buf;
	int i;

	fake_up(&f, 0, 4, 4, 16384);
	buf = pv_pages_alloc(4, PV_M_ZERO, NULL);
	for (i = 0; i < 4 * (int)PV_PAGE_SIZE; i++)
		buf[i] = (uint8_t)(i / PV_SECTOR_SIZE + 1);
	f.hold = true;
	bio_init(&b[0], PV_BIO_WRITE, 0, 16384, buf, 0);
	bio_init(&b[1], PV_BIO_WRITE, 64, 8192, buf, 0);
	pv_blk_submit(f.blk, &b[0]);
	pv_blk_submit(f.blk, &b[1]);
	ATF_REQUIRE_EQ(f.nlog, 2);
	ATF_REQUIRE_EQ(f.bytes[0], 16384);
	fake_reconnect(&f, &small);
	/* The first piece of each, in their order. */
	ATF_REQUIRE_EQ(f.nlog, 4);
	ATF_CHECK(f.sector[2] == 0 && f.bytes[2] == 4096);
	ATF_CHECK(f.sector[3] == 64 && f.bytes[3] == 4096);
	/* One completion at a time: each brings the next piece. */
	while (f.nbusy > 0)
		release_one(&f);
	ATF_REQUIRE_EQ(ndone, 2);
	ATF_CHECK(b[0].b_error == 0 && b[1].b_error == 0);
	/* 4 + 2 pieces of one page, each after the one before it. */
	ATF_REQUIRE_EQ(f.nlog, 8);
	for (i = 2; i < f.nlog; i++)
		ATF_CHECK_EQ(f.bytes[i], 4096);
	ATF_CHECK(memcmp(f.disk, buf, 16384) == 0);
	ATF_CHECK(memcmp(f.disk + 64 * PV_SECTOR_SIZE, buf, 8192) == 0);
	pv_blk_destroy(f.blk);
}

/*
 * A flush and an ordered write keep their guarantee across a reconnect:
 * what was before them finishes first, again, and what was after them
 * waits for them, again.
 */
ATF_TC_WITHOUT_HEAD(requeue_keeps_flushes_and_ordered_writes_in_order);
ATF_TC_BODY(requeue_keeps_flushes_and_ordered_writes_in_order, tc)
{
	struct pv_bio b[5];
	struct fake f;
	uint8_t *buf;
	int i;

	fake_up(&f, PV_DISK_FLUSH, 8, 8, 65536);
	buf = pv_pages_alloc(1, PV_M_ZERO, NULL);
	f.hold = true;
	bio_init(&b[0], PV_BIO_WRITE, 0, 4096, buf, 0);
	bio_init(&b[1], PV_BIO_FLUSH, 0, 0, NULL, 0);
	bio_init(&b[2], PV_BIO_WRITE, 8, 4096, buf, 0);
	bio_init(&b[3], PV_BIO_WRITE, 16, 4096, buf, PV_BIO_ORDERED);
	bio_init(&b[4], PV_BIO_WRITE, 24, 4096, buf, 0);
	for (i = 0; i < 5; i++)
		pv_blk_submit(f.blk, &b[i]);
	/* Only the first write is out; the flush waits for it. */
	ATF_REQUIRE_EQ(f.nlog, 1);
	fake_reconnect(&f, NULL);
	/* Again only the first write, and each after it one at a time. */
	ATF_REQUIRE_EQ(f.nlog, 2);
	ATF_CHECK(f.op[1] == PV_BIO_WRITE && f.sector[1] == 0);
	release_one(&f);
	ATF_REQUIRE_EQ(f.nlog, 3);
	ATF_CHECK_EQ(f.op[2], PV_BIO_FLUSH);
	ATF_CHECK_EQ(f.nbusy, 1);
	release_one(&f);
	/* The plain write after the flush, then the ordered one alone. */
	ATF_REQUIRE_EQ(f.nlog, 4);
	ATF_CHECK_EQ(f.sector[3], 8);
	release_one(&f);
	ATF_REQUIRE_EQ(f.nlog, 5);
	ATF_CHECK_EQ(f.sector[4], 16);
	ATF_CHECK_EQ(f.nbusy, 1);
	release_one(&f);
	ATF_REQUIRE_EQ(f.nlog, 6);
	ATF_CHECK_EQ(f.sector[5], 24);
	release_one(&f);
	ATF_REQUIRE_EQ(ndone, 5);
	pv_blk_destroy(f.blk);
}

ATF_TC_WITHOUT_HEAD(polled_io_needs_no_interrupt);
ATF_TC_BODY(polled_io_needs_no_interrupt, tc)
{
	struct pv_bio b;
	struct fake f;
	uint8_t *buf;

	fake_up(&f, 0, 4, 4, 16384);
	buf = pv_pages_alloc(1, PV_M_ZERO, NULL);
	f.hold = true;	/* completions only through bo_poll */
	bio_init(&b, PV_BIO_WRITE, 0, 4096, buf, 0);
	ATF_REQUIRE_EQ(pv_blk_io_polled(f.blk, &b, 1000000000ull), 0);
	ATF_REQUIRE_EQ(f.nlog, 1);
	pv_blk_destroy(f.blk);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, split_to_the_transport_limits);
	ATF_TP_ADD_TC(tp, ordered_bio_is_single_stepped);
	ATF_TP_ADD_TC(tp, barrier_transport_orders_itself);
	ATF_TP_ADD_TC(tp, flush_without_a_cache_completes_at_once);
	ATF_TP_ADD_TC(tp, pool_and_transport_freezes_thaw);
	ATF_TP_ADD_TC(tp, bad_bios_are_refused);
	ATF_TP_ADD_TC(tp, discard_trimmed_to_whole_granules);
	ATF_TP_ADD_TC(tp, failed_device_fails_everything);
	ATF_TP_ADD_TC(tp, requeue_keeps_the_order);
	ATF_TP_ADD_TC(tp, requeue_to_smaller_limits_splits_again);
	ATF_TP_ADD_TC(tp, requeue_keeps_flushes_and_ordered_writes_in_order);
	ATF_TP_ADD_TC(tp, polled_io_needs_no_interrupt);
	return (atf_no_error());
}
