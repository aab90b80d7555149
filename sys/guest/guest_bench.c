/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * workload=bench: on the first disk, 4 KiB random reads at depth 1 and
 * 32, then 1 MiB sequential writes and reads, and the time from reset to
 * the first I/O, all through the workload library.  Figures only;
 * tools/bench/guest_bench.sh reads these lines and sets them beside a
 * Linux guest's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/blk.h>
#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/time.h>

#include "guest.h"
#include "wl.h"

#define	RAND_BS		4096
#define	RAND_OPS_1	2000
#define	RAND_OPS_32	8000
#define	SEQ_BYTES	(32ull << 20)
#define	SEQ_BIO		(1024 * 1024)

/* Tenths of MB/s. */
static uint64_t
mbs10(uint64_t bytes, uint64_t ns)
{
	return (wl_per_sec(bytes, ns) / 100000);
}

int
guest_bench(char *why, size_t whylen)
{
	struct guest_disk *gk = &guest_disks[0];
	struct wl_rand_args ra = { .ra_bs = RAND_BS, .ra_seed = 1 };
	struct wl_seq_args sq = { .sq_depth = 1, .sq_bs = SEQ_BIO,
	    .sq_bytes = SEQ_BYTES };
	struct wl_perf r1, r32, seq;
	struct pv_disk_info di;
	struct pv_bio first;
	uint64_t errors = 0, sr, sw;
	void *buf;
	int error;

	if (guest_ndisks == 0) {
		snprintf(why, whylen, "no disk attached");
		return (ENXIO);
	}
	pv_blk_info(gk->gk_blk, &di);
	/* One read first, so that the first-I/O time is the disk's. */
	if ((buf = pv_page_alloc(PV_M_NOWAIT, NULL)) == NULL) {
		snprintf(why, whylen, "%s: no memory", di.di_name);
		return (ENOMEM);
	}
	memset(&first, 0, sizeof(first));
	first.b_op = PV_BIO_READ;
	first.b_bytes = pv_max(di.di_sector_size, RAND_BS);
	first.b_data = buf;
	if (first.b_bytes > PV_PAGE_SIZE || guest_disk_io(gk, &first) != 0)
		errors++;
	pv_page_free(buf);
	ra.ra_depth = 1;
	ra.ra_ops = RAND_OPS_1;
	if ((error = wl_rand(gk->gk_blk, &ra, &r1)) == 0) {
		ra.ra_depth = 32;
		ra.ra_ops = RAND_OPS_32;
		error = wl_rand(gk->gk_blk, &ra, &r32);
	}
	sq.sq_write = !di.di_readonly;
	if (error == 0)
		error = wl_seq(gk->gk_blk, &sq, &seq);
	if (error != 0) {
		snprintf(why, whylen, "%s: cannot measure (error %d)",
		    di.di_name, error);
		return (error);
	}
	errors += r1.wp_errors + r32.wp_errors + seq.wp_errors;
	pv_printf("bench: %s: 4k random read depth 1: %ju IOPS\n", di.di_name,
	    (uintmax_t)wl_per_sec(r1.wp_ops, r1.wp_ns));
	pv_printf("bench: %s: 4k random read depth 32: %ju IOPS\n",
	    di.di_name, (uintmax_t)wl_per_sec(r32.wp_ops, r32.wp_ns));
	sr = mbs10(seq.wp_bytes, seq.wp_ns);
	pv_printf("bench: %s: 1M sequential read: %ju.%ju MB/s\n",
	    di.di_name, (uintmax_t)(sr / 10), (uintmax_t)(sr % 10));
	if (sq.sq_write) {
		sw = mbs10(seq.wp_write_bytes, seq.wp_write_ns);
		pv_printf("bench: %s: 1M sequential write: %ju.%ju MB/s\n",
		    di.di_name, (uintmax_t)(sw / 10), (uintmax_t)(sw % 10));
	}
	pv_printf("bench: first I/O %ju ms after reset\n",
	    (uintmax_t)(guest_first_io_ns() / PV_NS_PER_MS));
	guest_disk_report(gk);
	if (errors != 0) {
		snprintf(why, whylen, "%s: %ju I/O errors", di.di_name,
		    (uintmax_t)errors);
		return (EIO);
	}
	return (0);
}
