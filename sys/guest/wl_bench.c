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

/* The time from the first bio to the last completion; the engine's. */
static void
wl_perf_end(struct wl_engine *e, struct wl_perf *wp, uint64_t t0)
{
	wl_drain(e);
	wp->wp_ns = pv_uptime_ns() - t0;
}

struct wl_bench {
	struct wl_engine		*b_e;
	const struct wl_rand_args	*b_ra;
	const struct wl_seq_args	*b_sq;
	uint64_t			 b_nblocks;	/* rand */
	uint64_t			 b_bytes;	/* seq */
	enum pv_bio_op			 b_op;
};

static void
rand_part(void *arg, unsigned i, unsigned n)
{
	struct wl_bench *b = arg;
	const struct wl_rand_args *ra = b->b_ra;
	uint64_t k, start, end, rnd = wl_mix(ra->ra_seed + i);

	wl_part(ra->ra_ops, 1, i, n, &start, &end);
	for (k = start; k < end; k++) {
		rnd = wl_mix(rnd + k);
		wl_submit(b->b_e, wl_slot_get(b->b_e, 0, 0, false),
		    PV_BIO_READ, rnd % b->b_nblocks * ra->ra_bs /
		    PV_SECTOR_SIZE, ra->ra_bs, 0);
	}
}

int
wl_rand(struct pv_blk *blk, const struct wl_rand_args *ra,
    struct wl_perf *wp)
{
	struct pv_disk_info di;
	struct wl_engine e;
	struct wl_bench b = { .b_e = &e, .b_ra = ra };
	uint64_t t0;
	int error;

	memset(wp, 0, sizeof(*wp));
	pv_blk_info(blk, &di);
	if (ra->ra_bs == 0 || ra->ra_bs % di.di_sector_size != 0 ||
	    (b.b_nblocks = di.di_sectors * PV_SECTOR_SIZE / ra->ra_bs) == 0)
		return (EINVAL);
	if ((error = wl_engine_init(&e, blk, ra->ra_depth, ra->ra_bs)) != 0)
		return (error);
	t0 = pv_uptime_ns();
	error = wl_parallel(ra->ra_threads, rand_part, &b);
	wl_perf_end(&e, wp, t0);
	wp->wp_ops = e.we_bios;
	wp->wp_bytes = e.we_read;
	wp->wp_errors = e.we_errors;
	wl_engine_fini(&e);
	return (error);
}

static void
seq_part(void *arg, unsigned i, unsigned n)
{
	struct wl_bench *b = arg;
	uint64_t bs = b->b_sq->sq_bs, off, start, end;

	wl_part(b->b_bytes, bs, i, n, &start, &end);
	for (off = start; off < end; off += bs)
		wl_submit(b->b_e, wl_slot_get(b->b_e, 0, 0, false), b->b_op,
		    off / PV_SECTOR_SIZE, bs, 0);
}

int
wl_seq(struct pv_blk *blk, const struct wl_seq_args *sq, struct wl_perf *wp)
{
	struct pv_disk_info di;
	struct wl_engine e;
	struct wl_bench b = { .b_e = &e, .b_sq = sq };
	uint64_t t0;
	int error = 0, pass;

	memset(wp, 0, sizeof(*wp));
	pv_blk_info(blk, &di);
	b.b_bytes = di.di_sectors * PV_SECTOR_SIZE;
	if (sq->sq_bytes != 0)
		b.b_bytes = pv_min(b.b_bytes, sq->sq_bytes);
	if (sq->sq_bs == 0 || sq->sq_bs % di.di_sector_size != 0 ||
	    (b.b_bytes -= b.b_bytes % sq->sq_bs) == 0)
		return (EINVAL);
	if ((error = wl_engine_init(&e, blk, sq->sq_depth, sq->sq_bs)) != 0)
		return (error);
	for (pass = sq->sq_write ? 0 : 1; pass < 2 && error == 0; pass++) {
		b.b_op = pass == 0 ? PV_BIO_WRITE : PV_BIO_READ;
		t0 = pv_uptime_ns();
		error = wl_parallel(sq->sq_threads, seq_part, &b);
		wl_perf_end(&e, wp, t0);
		if (pass == 0) {
			wp->wp_write_ns = wp->wp_ns;
			wp->wp_write_bytes = e.we_written;
		}
	}
	wp->wp_bytes = e.we_read;
	wp->wp_ops = e.we_bios;
	wp->wp_errors = e.we_errors;
	wl_engine_fini(&e);
	return (error);
}
