/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * workload=bench: on the first disk, 4 KiB random reads at depth 1 and
 * 32, then 1 MiB sequential reads and writes, and the time from reset to
 * the first I/O.  Figures only; tools/bench/guest_bench.sh reads these
 * lines and sets them beside a Linux guest's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/blk.h>
#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/time.h>
#include <pvvirtio/virtio_blk.h>

#include "guest.h"

#define	RAND_DEPTH	32
#define	RAND_OPS_1	2000
#define	RAND_OPS_32	8000
#define	SEQ_BYTES	(32ull << 20)
#define	SEQ_BIO		(1024 * 1024)

struct engine {
	struct pv_mtx	 e_mtx;
	struct pv_blk	*e_blk;
	struct pv_bio	 e_bio[RAND_DEPTH];
	void		*e_buf[RAND_DEPTH];
	unsigned	 e_busy;
	unsigned	 e_free[RAND_DEPTH];	/* slots not in flight */
	unsigned	 e_nfree;
	uint64_t	 e_errors;
};

static void
bio_done(struct pv_bio *bio)
{
	struct engine *e = bio->b_arg;

	pv_mtx_lock(&e->e_mtx);
	if (bio->b_error != 0)
		e->e_errors++;
	e->e_free[e->e_nfree++] = (unsigned)(bio - e->e_bio);
	e->e_busy--;
	pv_wakeup(e);
	pv_mtx_unlock(&e->e_mtx);
}

static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (*x);
}

/* ops random 4 KiB reads, depth at a time; IOPS.  (No floating point
 * in this kernel: -mgeneral-regs-only.) */
static uint64_t
rand_reads(struct engine *e, uint64_t nblocks, unsigned depth, unsigned ops)
{
	uint64_t t0, x = 0x2545f4914f6cdd1dull;
	unsigned issued = 0, i;
	struct pv_bio *bio;

	t0 = pv_uptime_ns();
	pv_mtx_lock(&e->e_mtx);
	for (e->e_nfree = 0; e->e_nfree < depth; e->e_nfree++)
		e->e_free[e->e_nfree] = e->e_nfree;
	while (issued < ops || e->e_busy > 0) {
		if (issued < ops && e->e_busy < depth) {
			/* Completions come in any order: take a free slot. */
			i = e->e_free[--e->e_nfree];
			bio = &e->e_bio[i];
			memset(bio, 0, sizeof(*bio));
			bio->b_op = PV_BIO_READ;
			bio->b_sector = next_rand(&x) % nblocks * 8;
			bio->b_bytes = 4096;
			bio->b_data = e->e_buf[i];
			bio->b_done = bio_done;
			bio->b_arg = e;
			e->e_busy++;
			issued++;
			pv_mtx_unlock(&e->e_mtx);
			pv_blk_submit(e->e_blk, bio);
			pv_mtx_lock(&e->e_mtx);
			continue;
		}
		pv_sleep(e, &e->e_mtx, "bench", 0);
	}
	pv_mtx_unlock(&e->e_mtx);
	return ((uint64_t)ops * PV_NS_PER_SEC / pv_max(pv_uptime_ns() - t0,
	    1));
}

/* Tenths of MB/s of bytes moved in 1 MiB bios, one at a time. */
static uint64_t
seq(struct guest_disk *gk, enum pv_bio_op op, void *buf, uint64_t bytes,
    uint64_t *errors)
{
	struct pv_bio bio;
	uint64_t off, t0 = pv_uptime_ns();

	for (off = 0; off < bytes; off += SEQ_BIO) {
		memset(&bio, 0, sizeof(bio));
		bio.b_op = op;
		bio.b_sector = off / PV_SECTOR_SIZE;
		bio.b_bytes = SEQ_BIO;
		bio.b_data = buf;
		if (guest_disk_io(gk, &bio) != 0)
			(*errors)++;
	}
	return (bytes * 10000 / pv_max(pv_uptime_ns() - t0, 1));
}

int
guest_bench(char *why, size_t whylen)
{
	struct guest_disk *gk = &guest_disks[0];
	struct pv_disk_info di;
	struct engine e;
	struct pv_bio first;
	uint64_t nblocks, bytes;
	void *big;
	unsigned i;
	uint64_t r1, r32, sr, sw = 0;

	if (guest_ndisks == 0) {
		snprintf(why, whylen, "no disk attached");
		return (ENXIO);
	}
	memset(&e, 0, sizeof(e));
	e.e_blk = gk->gk_blk;
	pv_blk_info(e.e_blk, &di);
	nblocks = di.di_sectors / 8;
	bytes = pv_min(SEQ_BYTES, di.di_sectors * PV_SECTOR_SIZE / SEQ_BIO *
	    SEQ_BIO);
	if (nblocks == 0 || bytes == 0) {
		snprintf(why, whylen, "%s: too small to measure", di.di_name);
		return (EINVAL);
	}
	pv_mtx_init(&e.e_mtx, "bench");
	for (i = 0; i < RAND_DEPTH; i++)
		e.e_buf[i] = pv_page_alloc(PV_M_WAITOK, NULL);
	big = pv_pages_alloc(SEQ_BIO / PV_PAGE_SIZE, PV_M_WAITOK, NULL);
	/* One read first, so that the first-I/O time is the disk's. */
	memset(&first, 0, sizeof(first));
	first.b_op = PV_BIO_READ;
	first.b_bytes = 4096;
	first.b_data = e.e_buf[0];
	if (guest_disk_io(gk, &first) != 0)
		e.e_errors++;
	r1 = rand_reads(&e, nblocks, 1, RAND_OPS_1);
	r32 = rand_reads(&e, nblocks, RAND_DEPTH, RAND_OPS_32);
	sr = seq(gk, PV_BIO_READ, big, bytes, &e.e_errors);
	if (!di.di_readonly)
		sw = seq(gk, PV_BIO_WRITE, big, bytes, &e.e_errors);
	pv_printf("bench: %s: 4k random read depth 1: %ju IOPS\n", di.di_name,
	    (uintmax_t)r1);
	pv_printf("bench: %s: 4k random read depth 32: %ju IOPS\n",
	    di.di_name, (uintmax_t)r32);
	pv_printf("bench: %s: 1M sequential read: %ju.%ju MB/s\n",
	    di.di_name, (uintmax_t)(sr / 10), (uintmax_t)(sr % 10));
	if (!di.di_readonly)
		pv_printf("bench: %s: 1M sequential write: %ju.%ju MB/s\n",
		    di.di_name, (uintmax_t)(sw / 10), (uintmax_t)(sw % 10));
	pv_printf("bench: first I/O %ju ms after reset\n",
	    (uintmax_t)(guest_first_io_ns() / PV_NS_PER_MS));
	guest_disk_report(gk);
	for (i = 0; i < RAND_DEPTH; i++)
		pv_page_free(e.e_buf[i]);
	pv_pages_free(big, SEQ_BIO / PV_PAGE_SIZE);
	pv_mtx_destroy(&e.e_mtx);
	if (e.e_errors != 0) {
		snprintf(why, whylen, "%s: %ju I/O errors", di.di_name,
		    (uintmax_t)e.e_errors);
		return (EIO);
	}
	return (0);
}
