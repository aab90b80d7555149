/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xbdtool's workloads.  verify, seq and rand are the workload library's
 * (sys/guest/wl.h), the same code the reference guest runs; the raw
 * reads and writes, discard, zeroes, flush and info are xbdtool's own.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pv/blk.h>
#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/sysctl.h>
#include <pv/time.h>

#include "xbdtool.h"
#include "wl.h"

/* The driver's counter dev.DRIVER.DISK.name; false when it has none. */
static bool
driver_counter(const struct xbdtool_args *a, const struct pv_disk_info *di,
    const char *name, uint64_t *valp)
{
	char path[96], val[32];

	snprintf(path, sizeof(path), "dev.%s.%s.%s", a->driver, di->di_name,
	    name);
	return (pv_ctl_get(path, val, sizeof(val)) == 0 &&
	    pv_strtou64(val, UINT64_MAX, valp) == 0);
}

/* Doorbells per bio so far: the cost the rings try to batch. */
static double
kicks_per_bio(const struct xbdtool_args *a, const struct pv_disk_info *di,
    uint64_t bios)
{
	uint64_t kicks;

	if (bios == 0 || !driver_counter(a, di, a->kicks, &kicks))
		return (-1);
	return ((double)kicks / (double)bios);
}

static double
secs(uint64_t ns)
{
	return ((double)ns / 1e9);
}

static int
w_verify(struct xbdtool_args *a, const struct pv_disk_info *di)
{
	struct wl_verify_args va = {
		.va_depth = a->depth,
		.va_threads = a->threads,
		.va_seed = a->seed,
		.va_progress = true,
	};
	struct wl_verify_result vr;

	/* --ops 0: fill and check only, so every stamp is generation 1. */
	va.va_ops = a->ops != XBDTOOL_OPS_DEFAULT ? a->ops :
	    pv_min(4096, di->di_sectors / 8 + 64);
	if (wl_verify(a->blk, &va, &vr) != 0) {
		fprintf(stderr, "xbdtool: verify: no memory for depth %u; "
		    "raise --mem\n", a->depth);
		return (1);
	}
	printf("verify: %s: %ju sectors, %ju bios, %ju MiB moved in %.2f s, "
	    "%ju errors, %ju mismatches\n", di->di_name,
	    (uintmax_t)vr.vr_sectors, (uintmax_t)vr.vr_bios,
	    (uintmax_t)((vr.vr_read + vr.vr_written) >> 20), secs(vr.vr_ns),
	    (uintmax_t)vr.vr_errors, (uintmax_t)vr.vr_mismatches);
	return (wl_verify_passed(&vr) ? 0 : 1);
}

static int
w_seq(struct xbdtool_args *a, const struct pv_disk_info *di)
{
	struct wl_seq_args sq = {
		.sq_depth = a->depth,
		.sq_threads = a->threads,
		.sq_bs = a->bs < 65536 ? WL_MAX_BIO : pv_min(a->bs,
		    WL_MAX_BIO),
		.sq_write = true,
	};
	struct wl_perf wp;

	if (wl_seq(a->blk, &sq, &wp) != 0) {
		fprintf(stderr, "xbdtool: seq: cannot run (disk too small, "
		    "or no memory)\n");
		return (1);
	}
	printf("seq: %s: %ju-byte bios at depth %u: write %.1f MB/s, read "
	    "%.1f MB/s, %ju errors\n", di->di_name, (uintmax_t)sq.sq_bs,
	    a->depth, (double)wp.wp_write_bytes / secs(wp.wp_write_ns) / 1e6,
	    (double)wp.wp_bytes / secs(wp.wp_ns) / 1e6,
	    (uintmax_t)wp.wp_errors);
	return (wp.wp_errors == 0 ? 0 : 1);
}

static int
w_rand(struct xbdtool_args *a, const struct pv_disk_info *di)
{
	struct wl_rand_args ra = {
		.ra_depth = a->depth,
		.ra_threads = a->threads,
		.ra_ops = a->ops != XBDTOOL_OPS_DEFAULT ? a->ops : 20000,
		.ra_bs = a->bs,
		.ra_seed = a->seed,
	};
	struct wl_perf wp;
	int error;

	if ((error = wl_rand(a->blk, &ra, &wp)) == EINVAL) {
		fprintf(stderr, "xbdtool: rand: --bs %ju does not fit the "
		    "disk's %u-byte sectors\n", (uintmax_t)a->bs,
		    di->di_sector_size);
		return (2);
	} else if (error != 0) {
		fprintf(stderr, "xbdtool: rand: no memory; raise --mem\n");
		return (1);
	}
	printf("rand: %s: %ju reads of %ju bytes at depth %u from %u "
	    "thread(s): %ju IOPS, %.3f notifications per request, %ju "
	    "errors\n", di->di_name, (uintmax_t)ra.ra_ops,
	    (uintmax_t)ra.ra_bs, a->depth, a->threads,
	    (uintmax_t)wl_per_sec(wp.wp_ops, wp.wp_ns),
	    kicks_per_bio(a, di, wp.wp_ops), (uintmax_t)wp.wp_errors);
	return (wp.wp_errors == 0 ? 0 : 1);
}

static int
print_ctl(const char *path, const char *value, const char *descr, void *arg)
{
	const char *sep = arg;

	(void)descr;
	printf("%s%s%s\n", path, sep, value);
	return (0);
}

/*
 * Every counter of the disk, the driver's then the block layer's, each
 * as PATH SEP VALUE: ": " for info, "=" for --stats (as sysctl prints).
 */
static void
print_counters(const struct xbdtool_args *a, const struct pv_disk_info *di,
    const char *sep)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "dev.%s.%s", a->driver, di->di_name);
	(void)pv_ctl_walk(prefix, print_ctl, (void *)(uintptr_t)sep);
	snprintf(prefix, sizeof(prefix), "disk.%s", di->di_name);
	(void)pv_ctl_walk(prefix, print_ctl, (void *)(uintptr_t)sep);
}

static int
w_info(struct xbdtool_args *a, const struct pv_disk_info *di)
{
	printf("%s: %ju sectors (%ju MiB), sector size %u, physical %u%s\n",
	    di->di_name, (uintmax_t)di->di_sectors,
	    (uintmax_t)(di->di_sectors * PV_SECTOR_SIZE >> 20), di->di_sector_size,
	    di->di_phys_sector_size, di->di_readonly ? ", read-only" : "");
	print_counters(a, di, ": ");
	return (0);
}

/* One bio, with interrupts or, for --polled, by polling the rings. */
static int
raw_bio(struct xbdtool_args *a, struct pv_bio *bio)
{
	if (a->polled)
		return (pv_blk_io_polled(a->blk, bio, 10 * PV_NS_PER_SEC));
	return (pv_blk_io(a->blk, bio));
}

/* Read or write [off, off + len) through whole sectors. */
static int
raw_io(struct xbdtool_args *a, const struct pv_disk_info *di, bool write,
    uint64_t off, uint64_t len, uint8_t *data)
{
	uint64_t ss = di->di_sector_size, start, end, chunk, done = 0;
	struct pv_bio bio;
	uint8_t *buf;
	pv_pfn_t pfn;
	int error = 0;

	if (off > di->di_sectors * PV_SECTOR_SIZE || len > di->di_sectors * PV_SECTOR_SIZE - off) {
		fprintf(stderr, "xbdtool: %ju bytes at %ju run past the end "
		    "(%ju bytes)\n", (uintmax_t)len, (uintmax_t)off,
		    (uintmax_t)(di->di_sectors * PV_SECTOR_SIZE));
		return (EINVAL);
	}
	if ((buf = pv_pages_alloc(WL_MAX_BIO / PV_PAGE_SIZE, PV_M_NOWAIT,
	    &pfn)) == NULL)
		return (ENOMEM);
	/* A test checks that an untrusted backend never saw these. */
	pv_log(PV_LOG_DEBUG, "xbdtool", "data buffer: frames %#jx-%#jx",
	    (uintmax_t)pfn, (uintmax_t)(pfn + WL_MAX_BIO / PV_PAGE_SIZE - 1));
	while (done < len && error == 0) {
		start = (off + done) / ss * ss;
		end = pv_min(pv_roundup(off + len, ss), start + WL_MAX_BIO);
		chunk = pv_min(end - (off + done), len - done);
		memset(&bio, 0, sizeof(bio));
		bio.b_sector = start / PV_SECTOR_SIZE;
		bio.b_bytes = end - start;
		bio.b_data = buf;
		/* Reads always; writes first read the edges they keep. */
		bio.b_op = PV_BIO_READ;
		if (!write || (off + done) % ss != 0 || chunk % ss != 0)
			error = raw_bio(a, &bio);
		if (error != 0)
			break;
		if (write) {
			memcpy(buf + (off + done - start), data + done, chunk);
			bio.b_op = PV_BIO_WRITE;
			error = raw_bio(a, &bio);
		} else
			memcpy(data + done, buf + (off + done - start), chunk);
		done += chunk;
	}
	pv_pages_free(buf, WL_MAX_BIO / PV_PAGE_SIZE);
	if (error != 0)
		fprintf(stderr, "xbdtool: %s: %s\n", write ? "write" : "read",
		    strerror(error));
	return (error);
}

static int
w_read(struct xbdtool_args *a, const struct pv_disk_info *di)
{
	uint64_t off, len;
	uint8_t *data;
	int rc;

	if (a->argc != 2 || pv_strtou64(a->argv[0], UINT64_MAX, &off) != 0 ||
	    pv_strtou64(a->argv[1], 1ull << 32, &len) != 0) {
		fprintf(stderr, "xbdtool: read OFFSET LENGTH: two numbers\n");
		return (2);
	}
	if ((data = malloc(len + 1)) == NULL)
		return (1);
	rc = raw_io(a, di, false, off, len, data) == 0 &&
	    fwrite(data, 1, len, stdout) == len ? 0 : 1;
	free(data);
	return (rc);
}

static int
w_write(struct xbdtool_args *a, const struct pv_disk_info *di)
{
	size_t cap = 1 << 20, len = 0;
	uint8_t *data, *p;
	uint64_t off;
	ssize_t n;
	int rc;

	if (a->argc != 1 || pv_strtou64(a->argv[0], UINT64_MAX, &off) != 0) {
		fprintf(stderr, "xbdtool: write OFFSET: one number\n");
		return (2);
	}
	if ((data = malloc(cap)) == NULL)
		return (1);
	while ((n = read(STDIN_FILENO, data + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap) {
			if ((p = realloc(data, cap * 2)) == NULL) {
				free(data);
				return (1);
			}
			data = p;
			cap *= 2;
		}
	}
	rc = raw_io(a, di, true, off, len, data) == 0 ? 0 : 1;
	if (rc == 0)
		fprintf(stderr, "xbdtool: wrote %zu bytes at %ju\n", len,
		    (uintmax_t)off);
	free(data);
	return (rc);
}

/* discard and zeroes: OFFSET LENGTH, one bio without data. */
static int
range_io(struct xbdtool_args *a, enum pv_bio_op op, int flags,
    const char *name, struct pv_bio *bio)
{
	uint64_t off, len;
	int error;

	if (a->argc != 2 || pv_strtou64(a->argv[0], UINT64_MAX, &off) != 0 ||
	    pv_strtou64(a->argv[1], UINT64_MAX, &len) != 0 ||
	    off % PV_SECTOR_SIZE != 0 || len % PV_SECTOR_SIZE != 0) {
		fprintf(stderr, "xbdtool: %s OFFSET LENGTH: two multiples "
		    "of 512\n", name);
		return (2);
	}
	memset(bio, 0, sizeof(*bio));
	bio->b_op = op;
	bio->b_flags = flags;
	bio->b_sector = off / PV_SECTOR_SIZE;
	bio->b_bytes = len;
	if ((error = pv_blk_io(a->blk, bio)) != 0) {
		fprintf(stderr, "xbdtool: %s: %s\n", name, strerror(error));
		return (1);
	}
	return (0);
}

static int
w_zeroes(struct xbdtool_args *a, const struct pv_disk_info *di)
{
	struct pv_bio bio;
	int rc;

	(void)di;
	if ((rc = range_io(a, PV_BIO_WRITE_ZEROES, 0, "zeroes", &bio)) != 0)
		return (rc);
	fprintf(stderr, "xbdtool: zeroed %ju bytes at %ju\n",
	    (uintmax_t)bio.b_bytes, (uintmax_t)(bio.b_sector * PV_SECTOR_SIZE));
	return (0);
}

static int
w_flush(struct xbdtool_args *a, const struct pv_disk_info *di)
{
	struct pv_bio bio;
	int error;

	memset(&bio, 0, sizeof(bio));
	bio.b_op = PV_BIO_FLUSH;
	if ((error = pv_blk_io(a->blk, &bio)) != 0) {
		fprintf(stderr, "xbdtool: flush: %s\n", strerror(error));
		return (1);
	}
	fprintf(stderr, "xbdtool: flushed (%s)\n", (di->di_features &
	    PV_DISK_FLUSH) != 0 ? "sent to the device" : "no cache to flush");
	return (0);
}

static int
w_discard(struct xbdtool_args *a, const struct pv_disk_info *di)
{
	struct pv_bio bio;
	int rc;

	if ((rc = range_io(a, PV_BIO_DISCARD, a->secure ? PV_BIO_SECURE : 0,
	    "discard", &bio)) != 0)
		return (rc);
	/* The layer trims to whole granules; say what that leaves. */
	fprintf(stderr, "xbdtool: %sdiscarded %ju bytes at %ju (granularity "
	    "%u)\n", a->secure ? "securely " : "", (uintmax_t)bio.b_bytes,
	    (uintmax_t)(bio.b_sector * PV_SECTOR_SIZE),
	    di->di_discard_granularity);
	return (0);
}

/* One submitting thread per queue the driver negotiated. */
static unsigned
disk_queues(const struct xbdtool_args *a, const struct pv_disk_info *di)
{
	uint64_t n;

	if (!driver_counter(a, di, "queues", &n) || n == 0 || n > 64)
		return (1);
	return ((unsigned)n);
}

int
xbdtool_run(struct xbdtool_args *a)
{
	static const struct {
		const char	*name;
		int		(*fn)(struct xbdtool_args *,
				    const struct pv_disk_info *);
	} workloads[] = {
		{ "verify", w_verify },
		{ "seq", w_seq },
		{ "rand", w_rand },
		{ "info", w_info },
		{ "read", w_read },
		{ "write", w_write },
		{ "discard", w_discard },
		{ "zeroes", w_zeroes },
		{ "flush", w_flush },
	};
	struct pv_disk_info di;
	size_t i;
	int rc;

	pv_blk_info(a->blk, &di);
	if (a->threads == 0)
		a->threads = disk_queues(a, &di);
	for (i = 0; i < nitems(workloads); i++) {
		if (strcmp(a->workload, workloads[i].name) != 0)
			continue;
		rc = workloads[i].fn(a, &di);
		if (a->hold_ms != 0)
			pv_pause("hold", a->hold_ms * PV_NS_PER_MS);
		if (a->stats)
			print_counters(a, &di, "=");
		return (rc);
	}
	fprintf(stderr, "xbdtool: unknown workload \"%s\"\n", a->workload);
	return (2);
}
