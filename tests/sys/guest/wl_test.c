/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The workload library on the hosted platform, over a RAM disk whose
 * transport can lose, misplace or fail a write: verify must catch each,
 * and pass a sound disk.  No QEMU: a change to verify is caught here.
 */
#include <errno.h>
#include <string.h>

#include <atf-c.h>

#include <pv/blk.h>
#include <pv/libkern.h>
#include <pv/mem.h>

#include "lib/pvtest.h"
#include "wl.h"
#include "wl_stamp.h"

#define	DISK_BYTES	(4 * 1024 * 1024)

enum fault { F_NONE, F_LOSE, F_MISPLACE, F_FAIL };

struct ramdisk {
	struct pv_blk	*blk;
	uint8_t		*disk;
	enum fault	 fault;
	unsigned	 fault_at;	/* the write that goes wrong, from 1 */
	unsigned	 writes;
	unsigned	 flushes;
	struct pv_blkcmd *busy[16];	/* started, done at the kick */
	unsigned	 nbusy;
};

static void
rd_exec(struct ramdisk *rd, struct pv_blkcmd *c)
{
	uint8_t *at = rd->disk + c->c_sector * PV_SECTOR_SIZE;
	int error = 0;

	switch (c->c_op) {
	case PV_BIO_READ:
		memcpy(c->c_data, at, c->c_bytes);
		break;
	case PV_BIO_WRITE:
		if (++rd->writes != rd->fault_at || rd->fault == F_NONE)
			memcpy(at, c->c_data, c->c_bytes);
		else if (rd->fault == F_MISPLACE)
			memcpy(at + PV_SECTOR_SIZE, c->c_data, c->c_bytes -
			    PV_SECTOR_SIZE);
		else if (rd->fault == F_FAIL)
			error = EIO;
		/* F_LOSE: acknowledged, never written. */
		break;
	case PV_BIO_FLUSH:
		rd->flushes++;
		break;
	default:
		error = EOPNOTSUPP;
	}
	pv_blk_done(rd->blk, c, error);
}

static int
rd_start(void *sc, struct pv_blkcmd *c)
{
	struct ramdisk *rd = sc;

	ATF_REQUIRE(rd->nbusy < nitems(rd->busy));
	rd->busy[rd->nbusy++] = c;
	return (0);
}

/* In the order started, as a device that does not reorder would. */
static void
rd_kick(void *sc)
{
	struct ramdisk *rd = sc;
	unsigned i;

	for (i = 0; i < rd->nbusy; i++)
		rd_exec(rd, rd->busy[i]);
	rd->nbusy = 0;
}

static const struct pv_blk_ops rd_ops = {
	.bo_start = rd_start,
	.bo_kick = rd_kick,
};

static void
rd_up(struct ramdisk *rd, bool readonly)
{
	struct pv_disk_info di = {
		.di_name = "ram0",
		.di_sectors = DISK_BYTES / PV_SECTOR_SIZE,
		.di_sector_size = PV_SECTOR_SIZE,
		.di_phys_sector_size = PV_SECTOR_SIZE,
		.di_readonly = readonly,
		.di_features = PV_DISK_FLUSH,
	};
	struct pv_blk_limits lim = {
		.bl_max_cmds = 16,
		.bl_max_segments = 64,
		.bl_max_bytes = 256 * 1024,
	};

	pvtest_init(4096);
	memset(rd, 0, sizeof(*rd));
	rd->disk = pv_pages_alloc(DISK_BYTES / PV_PAGE_SIZE, PV_M_ZERO, NULL);
	ATF_REQUIRE(rd->disk != NULL);
	ATF_REQUIRE_EQ(pv_blk_create(&rd->blk, &di, &lim, &rd_ops, rd), 0);
}

static void
rd_down(struct ramdisk *rd)
{
	pv_blk_destroy(rd->blk);
	pv_pages_free(rd->disk, DISK_BYTES / PV_PAGE_SIZE);
	pvtest_fini();
}

static void
verify(struct ramdisk *rd, uint64_t ops, struct wl_verify_result *vr)
{
	struct wl_verify_args va = {
		.va_depth = 8,
		.va_ops = ops,
		.va_seed = 7,
		.va_sum = true,
	};

	ATF_REQUIRE_EQ(wl_verify(rd->blk, &va, vr), 0);
}

ATF_TC_WITHOUT_HEAD(stamps_and_cksum);
ATF_TC_BODY(stamps_and_cksum, tc)
{
	static const uint8_t text[] = "pvkit\n";
	uint8_t a[STAMP_SECTOR], b[STAMP_SECTOR];
	uint64_t sector;
	uint32_t gen;

	(void)tc;
	/* What cksum(1) prints for "pvkit\n". */
	ATF_CHECK_EQ(cksum_finish(cksum_update(0, text, 6), 6), 4153499235u);
	stamp_fill(a, 41, 3);
	ATF_CHECK(stamp_check(a, 41, 3));
	ATF_CHECK(!stamp_check(a, 42, 3));
	ATF_CHECK(!stamp_check(a, 41, 4));
	ATF_REQUIRE(stamp_header(a, &sector, &gen));
	ATF_CHECK(sector == 41 && gen == 3);
	/* Every byte depends on the sector: a neighbour's stamp differs. */
	stamp_fill(b, 42, 3);
	ATF_CHECK(memcmp(a + 24, b + 24, STAMP_SECTOR - 24) != 0);
	memset(b, 0, sizeof(b));
	ATF_CHECK(!stamp_header(b, &sector, &gen));
}

ATF_TC_WITHOUT_HEAD(verify_passes_a_sound_disk);
ATF_TC_BODY(verify_passes_a_sound_disk, tc)
{
	struct wl_verify_result vr;
	struct ramdisk rd;
	uint64_t s;

	(void)tc;
	rd_up(&rd, false);
	verify(&rd, 500, &vr);
	ATF_CHECK(wl_verify_passed(&vr));
	ATF_CHECK_EQ(vr.vr_mismatches, 0);
	ATF_CHECK_EQ(vr.vr_errors, 0);
	/* The zeroes it found, as cksum(1) sums 4 MiB of them. */
	ATF_CHECK(vr.vr_summed);
	ATF_CHECK_EQ(vr.vr_cksum, 3413741448u);
	ATF_CHECK(vr.vr_written >= DISK_BYTES);
	ATF_CHECK(vr.vr_read >= 2ull * DISK_BYTES);
	ATF_CHECK(rd.flushes >= 2);
	/* Without random rewrites, every sector ends at generation 1. */
	verify(&rd, 0, &vr);
	ATF_CHECK(wl_verify_passed(&vr));
	for (s = 0; s < DISK_BYTES / STAMP_SECTOR; s++)
		if (!stamp_check(rd.disk + s * STAMP_SECTOR, s, WL_FILL_GEN))
			break;
	ATF_CHECK_EQ(s, DISK_BYTES / STAMP_SECTOR);
	rd_down(&rd);
}

/* One write goes wrong in each way; verify must not pass. */
static void
verify_fault(enum fault fault, unsigned at, uint64_t ops)
{
	struct wl_verify_result vr;
	struct ramdisk rd;

	rd_up(&rd, false);
	rd.fault = fault;
	rd.fault_at = at;
	verify(&rd, ops, &vr);
	ATF_CHECK(!wl_verify_passed(&vr));
	if (fault == F_FAIL) {
		ATF_CHECK_EQ(vr.vr_errors, 1);
		ATF_CHECK_EQ(vr.vr_first_error, EIO);
	} else
		ATF_CHECK(vr.vr_mismatches > 0);
	rd_down(&rd);
}

ATF_TC_WITHOUT_HEAD(verify_catches_a_lost_write);
ATF_TC_BODY(verify_catches_a_lost_write, tc)
{
	(void)tc;
	verify_fault(F_LOSE, 3, 0);
	/* Lost among the random rewrites: an older generation is read. */
	verify_fault(F_LOSE, 40, 500);
}

ATF_TC_WITHOUT_HEAD(verify_catches_a_misplaced_write);
ATF_TC_BODY(verify_catches_a_misplaced_write, tc)
{
	(void)tc;
	verify_fault(F_MISPLACE, 5, 0);
}

ATF_TC_WITHOUT_HEAD(verify_counts_a_failed_write);
ATF_TC_BODY(verify_counts_a_failed_write, tc)
{
	(void)tc;
	verify_fault(F_FAIL, 2, 0);
}

ATF_TC_WITHOUT_HEAD(verify_readonly_sums_and_is_refused);
ATF_TC_BODY(verify_readonly_sums_and_is_refused, tc)
{
	struct wl_verify_result vr;
	struct ramdisk rd;

	(void)tc;
	rd_up(&rd, true);
	verify(&rd, 100, &vr);
	ATF_CHECK(vr.vr_summed);
	ATF_CHECK(vr.vr_ro_refused);
	ATF_CHECK_EQ(vr.vr_written, 0);
	ATF_CHECK_EQ(rd.writes, 0);
	ATF_CHECK(wl_verify_passed(&vr));
	rd_down(&rd);
}

ATF_TC_WITHOUT_HEAD(rand_and_seq_count_what_they_moved);
ATF_TC_BODY(rand_and_seq_count_what_they_moved, tc)
{
	struct wl_rand_args ra = { .ra_depth = 4, .ra_ops = 300,
	    .ra_bs = 4096, .ra_seed = 1 };
	struct wl_seq_args sq = { .sq_depth = 2, .sq_bs = 65536,
	    .sq_bytes = 1024 * 1024, .sq_write = true };
	struct wl_perf wp;
	struct ramdisk rd;

	(void)tc;
	rd_up(&rd, false);
	ATF_REQUIRE_EQ(wl_rand(rd.blk, &ra, &wp), 0);
	ATF_CHECK_EQ(wp.wp_ops, 300);
	ATF_CHECK_EQ(wp.wp_bytes, 300 * 4096);
	ATF_CHECK_EQ(wp.wp_errors, 0);
	ATF_REQUIRE_EQ(wl_seq(rd.blk, &sq, &wp), 0);
	ATF_CHECK_EQ(wp.wp_write_bytes, 1024 * 1024);
	ATF_CHECK_EQ(wp.wp_bytes, 1024 * 1024);
	ATF_CHECK_EQ(rd.writes, 16);	/* 1 MiB in 64 KiB bios */
	ra.ra_bs = 1000;
	ATF_CHECK_EQ(wl_rand(rd.blk, &ra, &wp), EINVAL);
	/* Figures without floating point. */
	ATF_CHECK_EQ(wl_per_sec(300, 1000000000ull), 300);
	ATF_CHECK_EQ(wl_per_sec(1ull << 40, 2000000000ull), 1ull << 39);
	rd_down(&rd);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, stamps_and_cksum);
	ATF_TP_ADD_TC(tp, verify_passes_a_sound_disk);
	ATF_TP_ADD_TC(tp, verify_catches_a_lost_write);
	ATF_TP_ADD_TC(tp, verify_catches_a_misplaced_write);
	ATF_TP_ADD_TC(tp, verify_counts_a_failed_write);
	ATF_TP_ADD_TC(tp, verify_readonly_sums_and_is_refused);
	ATF_TP_ADD_TC(tp, rand_and_seq_count_what_they_moved);
	return (atf_no_error());
}
