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

int
wl_rand(struct pv_blk *blk, const struct wl_rand_args *ra,
    struct wl_perf *wp)
{
	struct pv_disk_info di;
	struct wl_engine e;
	uint64_t nblocks, n, rnd = ra->ra_seed, t0;
	int error;

	memset(wp, 0, sizeof(*wp));
	pv_blk_info(blk, &di);
	if (ra->ra_bs == 0 || ra->ra_bs % di.di_sector_size != 0 ||
	    (nblocks = di.di_sectors * PV_SECTOR_SIZE / ra->ra_bs) == 0)
		return (EINVAL);
	if ((error = wl_engine_init(&e, blk, ra->ra_depth, ra->ra_bs)) != 0)
		return (error);
	t0 = pv_uptime_ns();
	for (n = 0; n < ra->ra_ops; n++) {
		rnd = wl_mix(rnd + n);
		wl_submit(&e, wl_slot_get(&e, 0, 0, false), PV_BIO_READ,
		    rnd % nblocks * ra->ra_bs / PV_SECTOR_SIZE, ra->ra_bs, 0);
	}
	wl_perf_end(&e, wp, t0);
	wp->wp_ops = ra->ra_ops;
	wp->wp_bytes = e.we_read;
	wp->wp_errors = e.we_errors;
	wl_engine_fini(&e);
	return (0);
}

int
wl_seq(struct pv_blk *blk, const struct wl_seq_args *sq, struct wl_perf *wp)
{
	struct pv_disk_info di;
	struct wl_engine e;
	uint64_t bytes, off, t0;
	int error, pass;

	memset(wp, 0, sizeof(*wp));
	pv_blk_info(blk, &di);
	bytes = di.di_sectors * PV_SECTOR_SIZE;
	if (sq->sq_bytes != 0)
		bytes = pv_min(bytes, sq->sq_bytes);
	if (sq->sq_bs == 0 || sq->sq_bs % di.di_sector_size != 0 ||
	    (bytes -= bytes % sq->sq_bs) == 0)
		return (EINVAL);
	if ((error = wl_engine_init(&e, blk, sq->sq_depth, sq->sq_bs)) != 0)
		return (error);
	for (pass = sq->sq_write ? 0 : 1; pass < 2; pass++) {
		t0 = pv_uptime_ns();
		for (off = 0; off < bytes; off += sq->sq_bs)
			wl_submit(&e, wl_slot_get(&e, 0, 0, false), pass == 0 ?
			    PV_BIO_WRITE : PV_BIO_READ, off / PV_SECTOR_SIZE,
			    sq->sq_bs, 0);
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
	return (0);
}
