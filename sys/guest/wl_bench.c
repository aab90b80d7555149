/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The measuring workloads: random reads at a queue depth (IOPS), and
 * sequential writes then reads (bytes per second).  Figures only; the
 * callers print them, and the benchmarks set them beside other
 * frontends'.
 */
#include <errno.h>
#include <string.h>

#include <pv/blk.h>
#include <pv/libkern.h>
#include <pv/sync.h>
#include <pv/time.h>

#include "wl.h"

uint64_t
wl_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return (x);
}

uint64_t
wl_per_sec(uint64_t count, uint64_t ns)
{
	ns = pv_max(ns, 1);
	/* count * 1e9 / ns without overflow for any count below 2^34. */
	if (count < (1ull << 34))
		return (count * PV_NS_PER_SEC / ns);
	return (count / ns * PV_NS_PER_SEC + count % ns * PV_NS_PER_SEC / ns);
}

/*
 * Each submitting thread has an engine of its own with its share of the
 * depth, as fio's jobs each have their iodepth: threads that shared one
 * engine would wake each other at every completion and measure that.
 */
struct wl_bench {
	struct pv_blk			*b_blk;
	const struct wl_rand_args	*b_ra;
	const struct wl_seq_args	*b_sq;
	unsigned			 b_depth;
	uint64_t			 b_nblocks;	/* rand */
	uint64_t			 b_bytes;	/* seq */
	enum pv_bio_op			 b_op;
	struct pv_mtx			 b_mtx;		/* the totals */
	struct wl_perf			*b_wp;
	int				 b_error;
};

static int
part_engine(struct wl_bench *b, struct wl_engine *e, uint64_t bufsize,
    unsigned i, unsigned n)
{
	uint64_t start, end;
	int error;

	wl_part(b->b_depth, 1, i, n, &start, &end);
	if ((error = wl_engine_init(e, b->b_blk, pv_max(end - start, 1),
	    bufsize)) != 0) {
		pv_mtx_lock(&b->b_mtx);
		b->b_error = error;
		pv_mtx_unlock(&b->b_mtx);
	}
	return (error);
}

static void
part_done(struct wl_bench *b, struct wl_engine *e)
{
	wl_drain(e);
	pv_mtx_lock(&b->b_mtx);
	b->b_wp->wp_ops += e->we_bios;
	b->b_wp->wp_bytes += e->we_read;
	b->b_wp->wp_write_bytes += e->we_written;
	b->b_wp->wp_errors += e->we_errors;
	pv_mtx_unlock(&b->b_mtx);
	wl_engine_fini(e);
}

static int
bench_run(struct wl_bench *b, unsigned threads, wl_part_fn *fn,
    uint64_t *nsp)
{
	uint64_t t0 = pv_uptime_ns();
	int error;

	error = wl_parallel(threads, fn, b);
	*nsp = pv_uptime_ns() - t0;
	return (error != 0 ? error : b->b_error);
}

static void
rand_part(void *arg, unsigned i, unsigned n)
{
	struct wl_bench *b = arg;
	const struct wl_rand_args *ra = b->b_ra;
	uint64_t k, start, end, rnd = wl_mix(ra->ra_seed + i);
	struct wl_engine e;

	if (part_engine(b, &e, ra->ra_bs, i, n) != 0)
		return;
	wl_part(ra->ra_ops, 1, i, n, &start, &end);
	for (k = start; k < end; k++) {
		rnd = wl_mix(rnd + k);
		wl_submit(&e, wl_slot_get(&e, 0, 0, false), PV_BIO_READ,
		    rnd % b->b_nblocks * ra->ra_bs / PV_SECTOR_SIZE, ra->ra_bs,
		    0);
	}
	part_done(b, &e);
}

int
wl_rand(struct pv_blk *blk, const struct wl_rand_args *ra,
    struct wl_perf *wp)
{
	struct wl_bench b = { .b_blk = blk, .b_ra = ra, .b_wp = wp,
	    .b_depth = ra->ra_depth };
	struct pv_disk_info di;
	int error;

	memset(wp, 0, sizeof(*wp));
	pv_blk_info(blk, &di);
	if (ra->ra_bs == 0 || ra->ra_bs % di.di_sector_size != 0 ||
	    (b.b_nblocks = di.di_sectors * PV_SECTOR_SIZE / ra->ra_bs) == 0 ||
	    ra->ra_depth == 0)
		return (EINVAL);
	pv_mtx_init(&b.b_mtx, "wlbench");
	error = bench_run(&b, ra->ra_threads, rand_part, &wp->wp_ns);
	pv_mtx_destroy(&b.b_mtx);
	return (error);
}

static void
seq_part(void *arg, unsigned i, unsigned n)
{
	struct wl_bench *b = arg;
	uint64_t bs = b->b_sq->sq_bs, off, start, end;
	struct wl_engine e;

	if (part_engine(b, &e, bs, i, n) != 0)
		return;
	wl_part(b->b_bytes, bs, i, n, &start, &end);
	for (off = start; off < end; off += bs)
		wl_submit(&e, wl_slot_get(&e, 0, 0, false), b->b_op,
		    off / PV_SECTOR_SIZE, bs, 0);
	part_done(b, &e);
}

int
wl_seq(struct pv_blk *blk, const struct wl_seq_args *sq, struct wl_perf *wp)
{
	struct wl_bench b = { .b_blk = blk, .b_sq = sq, .b_wp = wp,
	    .b_depth = sq->sq_depth };
	struct pv_disk_info di;
	int error = 0;

	memset(wp, 0, sizeof(*wp));
	pv_blk_info(blk, &di);
	b.b_bytes = di.di_sectors * PV_SECTOR_SIZE;
	if (sq->sq_bytes != 0)
		b.b_bytes = pv_min(b.b_bytes, sq->sq_bytes);
	if (sq->sq_bs == 0 || sq->sq_bs % di.di_sector_size != 0 ||
	    (b.b_bytes -= b.b_bytes % sq->sq_bs) == 0 || sq->sq_depth == 0)
		return (EINVAL);
	pv_mtx_init(&b.b_mtx, "wlbench");
	if (sq->sq_write) {
		b.b_op = PV_BIO_WRITE;
		error = bench_run(&b, sq->sq_threads, seq_part,
		    &wp->wp_write_ns);
	}
	if (error == 0) {
		b.b_op = PV_BIO_READ;
		error = bench_run(&b, sq->sq_threads, seq_part, &wp->wp_ns);
	}
	pv_mtx_destroy(&b.b_mtx);
	return (error);
}
