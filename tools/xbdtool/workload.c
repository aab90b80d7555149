/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xbdtool's workloads.  Bios run asynchronously at a queue depth from a
 * small pool of slots, each with a buffer in guest RAM.
 *
 * verify stamps every 512-byte sector with content derived from (seed,
 * sector, generation), keeps each sector's generation in memory, never
 * lets two writes to overlapping ranges be in flight at once, and checks
 * every sector it reads against what it last wrote: a lost, misplaced or
 * torn write shows as a mismatch, and any mismatch fails the run.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pv/blk.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/sysctl.h>
#include <pv/time.h>

#include "xbdtool.h"

#define	MAX_BIO		(1u << 20)
#define	SECT		PV_SECTOR_SIZE

struct slot {
	struct pv_bio	 s_bio;
	uint8_t		*s_buf;
	bool		 s_busy;
	bool		 s_check;	/* verify what a read brings back */
	struct engine	*s_eng;
};

struct engine {
	struct pv_mtx	 e_mtx;
	struct pv_blk	*e_blk;
	struct slot	*e_slots;
	unsigned	 e_nslots;
	unsigned	 e_busy;
	uint64_t	 e_errors;
	uint64_t	 e_mismatches;
	uint64_t	 e_first_bad;
	uint64_t	 e_bytes;
	uint64_t	 e_bios;
	uint64_t	 e_seed;
	uint8_t		*e_gen;		/* per 512-byte sector */
};

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return (x);
}

/* The content a sector holds at a generation: a header, then noise. */
static void
stamp(uint8_t *p, uint64_t seed, uint64_t sector, uint8_t gen)
{
	uint64_t w[SECT / 8], s;
	unsigned i;

	s = mix(seed ^ mix(sector) ^ ((uint64_t)gen << 56));
	w[0] = 0x7062766b69747376ull;	/* "pvkitsv" */
	w[1] = sector;
	w[2] = gen;
	for (i = 3; i < SECT / 8; i++)
		w[i] = s = mix(s + i);
	memcpy(p, w, SECT);
}

static void
slot_done(struct pv_bio *bio)
{
	struct slot *sl = bio->b_arg;
	struct engine *e = sl->s_eng;
	uint8_t want[SECT];
	uint64_t i, sector;

	pv_mtx_lock(&e->e_mtx);
	if (bio->b_error != 0) {
		if (e->e_errors++ == 0)
			fprintf(stderr, "xbdtool: bio at sector %ju: %s\n",
			    (uintmax_t)bio->b_sector, strerror(bio->b_error));
	} else if (sl->s_check) {
		for (i = 0; i < bio->b_bytes / SECT; i++) {
			sector = bio->b_sector + i;
			stamp(want, e->e_seed, sector, e->e_gen[sector]);
			if (memcmp(want, sl->s_buf + i * SECT, SECT) == 0)
				continue;
			if (e->e_mismatches++ == 0) {
				const uint64_t *got = (const void *)
				    (sl->s_buf + i * SECT);

				e->e_first_bad = sector;
				fprintf(stderr, "xbdtool: MISMATCH at sector "
				    "%ju: want generation %u, found sector "
				    "%ju generation %ju\n", (uintmax_t)sector,
				    e->e_gen[sector], (uintmax_t)got[1],
				    (uintmax_t)got[2]);
			}
		}
	}
	e->e_bytes += bio->b_bytes;
	e->e_bios++;
	sl->s_busy = false;
	e->e_busy--;
	pv_wakeup(e);
	pv_mtx_unlock(&e->e_mtx);
}

static int
engine_init(struct engine *e, struct pv_blk *blk, unsigned depth,
    uint64_t bufsize, uint64_t seed)
{
	unsigned i;

	memset(e, 0, sizeof(*e));
	pv_mtx_init(&e->e_mtx, "xbdtool");
	e->e_blk = blk;
	e->e_seed = seed;
	e->e_nslots = depth;
	e->e_slots = calloc(depth, sizeof(*e->e_slots));
	if (e->e_slots == NULL)
		return (ENOMEM);
	for (i = 0; i < depth; i++) {
		e->e_slots[i].s_eng = e;
		e->e_slots[i].s_buf = pv_pages_alloc(bufsize / PV_PAGE_SIZE,
		    PV_M_NOWAIT, NULL);
		if (e->e_slots[i].s_buf == NULL) {
			fprintf(stderr, "xbdtool: no guest memory for %u "
			    "buffers of %ju bytes; raise --mem\n", depth,
			    (uintmax_t)bufsize);
			return (ENOMEM);
		}
	}
	return (0);
}

static bool
overlaps(const struct slot *sl, uint64_t sector, uint64_t bytes)
{
	const struct pv_bio *b = &sl->s_bio;

	return (sl->s_busy && sector < b->b_sector + b->b_bytes / SECT &&
	    b->b_sector < sector + bytes / SECT);
}

/*
 * A free slot; with guard set, also wait until no bio in flight touches
 * [sector, sector + bytes), so that the order of overlapping I/O is ours.
 */
static struct slot *
engine_slot(struct engine *e, uint64_t sector, uint64_t bytes, bool guard)
{
	struct slot *free;
	unsigned i;
	bool clash;

	pv_mtx_lock(&e->e_mtx);
	for (;;) {
		free = NULL;
		clash = false;
		for (i = 0; i < e->e_nslots; i++) {
			if (!e->e_slots[i].s_busy && free == NULL)
				free = &e->e_slots[i];
			if (guard && overlaps(&e->e_slots[i], sector, bytes))
				clash = true;
		}
		if (free != NULL && !clash)
			break;
		pv_sleep(e, &e->e_mtx, "slot", 0);
	}
	free->s_busy = true;
	e->e_busy++;
	pv_mtx_unlock(&e->e_mtx);
	return (free);
}

static void
engine_submit_flags(struct engine *e, struct slot *sl, enum pv_bio_op op,
    uint64_t sector, uint64_t bytes, bool check, int flags)
{
	memset(&sl->s_bio, 0, sizeof(sl->s_bio));
	sl->s_bio.b_op = op;
	sl->s_bio.b_flags = flags;
	sl->s_bio.b_sector = sector;
	sl->s_bio.b_bytes = bytes;
	sl->s_bio.b_data = op == PV_BIO_FLUSH ? NULL : sl->s_buf;
	sl->s_bio.b_done = slot_done;
	sl->s_bio.b_arg = sl;
	sl->s_check = check;
	pv_blk_submit(e->e_blk, &sl->s_bio);
}

static void
engine_submit(struct engine *e, struct slot *sl, enum pv_bio_op op,
    uint64_t sector, uint64_t bytes, bool check)
{
	engine_submit_flags(e, sl, op, sector, bytes, check, 0);
}

static void
engine_drain(struct engine *e)
{
	pv_mtx_lock(&e->e_mtx);
	while (e->e_busy > 0)
		pv_sleep(e, &e->e_mtx, "drain", 0);
	pv_mtx_unlock(&e->e_mtx);
}

static void
engine_fini(struct engine *e, uint64_t bufsize)
{
	unsigned i;

	engine_drain(e);
	for (i = 0; i < e->e_nslots; i++) {
		if (e->e_slots[i].s_buf != NULL)
			pv_pages_free(e->e_slots[i].s_buf,
			    bufsize / PV_PAGE_SIZE);
	}
	free(e->e_slots);
	free(e->e_gen);
	pv_mtx_destroy(&e->e_mtx);
}

static void
write_stamped(struct engine *e, uint64_t sector, uint64_t bytes, int flags)
{
	struct slot *sl;
	uint64_t i;

	sl = engine_slot(e, sector, bytes, true);
	for (i = 0; i < bytes / SECT; i++) {
		e->e_gen[sector + i] = (uint8_t)(e->e_gen[sector + i] % 255 +
		    1);
		stamp(sl->s_buf + i * SECT, e->e_seed, sector + i,
		    e->e_gen[sector + i]);
	}
	engine_submit_flags(e, sl, PV_BIO_WRITE, sector, bytes, false, flags);
}

static void
read_checked(struct engine *e, uint64_t sector, uint64_t bytes)
{
	struct slot *sl;

	sl = engine_slot(e, sector, bytes, true);
	engine_submit(e, sl, PV_BIO_READ, sector, bytes, true);
}

static void
flush(struct engine *e)
{
	struct slot *sl;

	engine_drain(e);
	sl = engine_slot(e, 0, 0, false);
	engine_submit(e, sl, PV_BIO_FLUSH, 0, 0, false);
	engine_drain(e);
}

static void
progress(const char *what, uint64_t done, uint64_t total, uint64_t *next)
{
	if (total == 0 || done * 10 / total < *next)
		return;
	fprintf(stderr, "xbdtool: %s %ju%%\n", what,
	    (uintmax_t)(done * 100 / total));
	*next = done * 10 / total + 1;
}

/* Doorbells per bio so far: the cost the rings try to batch. */
static double
kicks_per_bio(const struct xbdtool_args *a, const struct pv_disk_info *di,
    uint64_t bios)
{
	char path[96], val[32];
	uint64_t kicks;

	snprintf(path, sizeof(path), "dev.%s.%s.%s", a->driver, di->di_name,
	    a->kicks);
	if (bios == 0 || pv_ctl_get(path, val, sizeof(val)) != 0 ||
	    pv_strtou64(val, UINT64_MAX, &kicks) != 0)
		return (-1);
	return ((double)kicks / (double)bios);
}

static double
secs(uint64_t t0)
{
	return ((double)(pv_uptime_ns() - t0) / 1e9);
}

static int
w_verify(struct xbdtool_args *a, const struct pv_disk_info *di)
{
	uint64_t sectors = di->di_sectors, unit = di->di_sector_size / SECT;
	uint64_t s, len, n, ops, next, t0, rnd;
	struct engine e;
	int rc;

	if (engine_init(&e, a->blk, a->depth, MAX_BIO, a->seed) != 0 ||
	    (e.e_gen = calloc(sectors, 1)) == NULL)
		return (1);
	t0 = pv_uptime_ns();
	/* 1: fill the disk, front to back. */
	for (s = 0, next = 0; s < sectors; s += len) {
		len = pv_min(sectors - s, MAX_BIO / SECT);
		write_stamped(&e, s, len * SECT, 0);
		progress("verify: fill", s + len, sectors, &next);
	}
	flush(&e);
	/* 2: rewrite and read back random ranges, mixed. */
	ops = a->ops != 0 ? a->ops : pv_min(4096, sectors / 8 + 64);
	rnd = a->seed;
	for (n = 0, next = 0; n < ops; n++) {
		rnd = mix(rnd + n);
		len = ((rnd >> 8) % 256 + 1) * unit;
		len = pv_min(len, sectors);
		s = (rnd >> 24) % (sectors - len + 1) / unit * unit;
		/* Every 16th write is ordered: a barrier, or single-stepped. */
		if (rnd & 1)
			write_stamped(&e, s, len * SECT, (n % 16) == 1 ?
			    PV_BIO_ORDERED : 0);
		else
			read_checked(&e, s, len * SECT);
		progress("verify: random", n + 1, ops, &next);
	}
	flush(&e);
	/* 3: read everything back. */
	for (s = 0, next = 0; s < sectors; s += len) {
		len = pv_min(sectors - s, MAX_BIO / SECT);
		read_checked(&e, s, len * SECT);
		progress("verify: check", s + len, sectors, &next);
	}
	engine_drain(&e);
	printf("verify: %s: %ju sectors, %ju bios, %ju MiB moved in %.2f s, "
	    "%ju errors, %ju mismatches\n", di->di_name, (uintmax_t)sectors,
	    (uintmax_t)e.e_bios, (uintmax_t)(e.e_bytes >> 20), secs(t0),
	    (uintmax_t)e.e_errors, (uintmax_t)e.e_mismatches);
	rc = e.e_errors == 0 && e.e_mismatches == 0 ? 0 : 1;
	engine_fini(&e, MAX_BIO);
	return (rc);
}

static int
w_seq(struct xbdtool_args *a, const struct pv_disk_info *di)
{
	uint64_t bs = a->bs < 65536 ? MAX_BIO : pv_min(a->bs, MAX_BIO);
	uint64_t bytes = di->di_sectors * SECT, off, t0;
	struct slot *sl;
	struct engine e;
	double w, r;
	int pass;

	if (engine_init(&e, a->blk, a->depth, pv_roundup(bs, PV_PAGE_SIZE),
	    a->seed) != 0)
		return (1);
	bytes -= bytes % bs;
	for (pass = 0; pass < 2; pass++) {
		t0 = pv_uptime_ns();
		for (off = 0; off < bytes; off += bs) {
			sl = engine_slot(&e, 0, 0, false);
			engine_submit(&e, sl, pass == 0 ? PV_BIO_WRITE :
			    PV_BIO_READ, off / SECT, bs, false);
		}
		engine_drain(&e);
		if (pass == 0)
			w = (double)bytes / secs(t0) / 1e6;
		else
			r = (double)bytes / secs(t0) / 1e6;
	}
	printf("seq: %s: %ju-byte bios at depth %u: write %.1f MB/s, read "
	    "%.1f MB/s, %ju errors\n", di->di_name, (uintmax_t)bs, a->depth,
	    w, r, (uintmax_t)e.e_errors);
	engine_fini(&e, pv_roundup(bs, PV_PAGE_SIZE));
	return (e.e_errors == 0 ? 0 : 1);
}

static int
w_rand(struct xbdtool_args *a, const struct pv_disk_info *di)
{
	uint64_t bs = a->bs, ops = a->ops != 0 ? a->ops : 20000, n, t0, rnd;
	uint64_t nblocks = di->di_sectors * SECT / bs;
	struct slot *sl;
	struct engine e;
	double t;
	int rc;

	if (bs % di->di_sector_size != 0 || nblocks == 0) {
		fprintf(stderr, "xbdtool: rand: --bs %ju does not fit the "
		    "disk's %u-byte sectors\n", (uintmax_t)bs,
		    di->di_sector_size);
		return (2);
	}
	if (engine_init(&e, a->blk, a->depth, pv_roundup(bs, PV_PAGE_SIZE),
	    a->seed) != 0)
		return (1);
	rnd = a->seed;
	t0 = pv_uptime_ns();
	for (n = 0; n < ops; n++) {
		rnd = mix(rnd + n);
		sl = engine_slot(&e, 0, 0, false);
		engine_submit(&e, sl, PV_BIO_READ, rnd % nblocks * bs / SECT,
		    bs, false);
	}
	engine_drain(&e);
	t = secs(t0);
	printf("rand: %s: %ju reads of %ju bytes at depth %u: %.0f IOPS, "
	    "%.3f notifications per request, %ju errors\n", di->di_name,
	    (uintmax_t)ops, (uintmax_t)bs, a->depth, (double)ops / t,
	    kicks_per_bio(a, di, e.e_bios), (uintmax_t)e.e_errors);
	rc = e.e_errors == 0 ? 0 : 1;
	engine_fini(&e, pv_roundup(bs, PV_PAGE_SIZE));
	return (rc);
}

static int
print_ctl(const char *path, const char *value, const char *descr, void *arg)
{
	(void)descr;
	(void)arg;
	printf("%s: %s\n", path, value);
	return (0);
}

static int
w_info(struct xbdtool_args *a, const struct pv_disk_info *di)
{
	char prefix[64];

	printf("%s: %ju sectors (%ju MiB), sector size %u, physical %u%s\n",
	    di->di_name, (uintmax_t)di->di_sectors,
	    (uintmax_t)(di->di_sectors * SECT >> 20), di->di_sector_size,
	    di->di_phys_sector_size, di->di_readonly ? ", read-only" : "");
	snprintf(prefix, sizeof(prefix), "dev.%s.%s", a->driver, di->di_name);
	(void)pv_ctl_walk(prefix, print_ctl, NULL);
	snprintf(prefix, sizeof(prefix), "disk.%s", di->di_name);
	(void)pv_ctl_walk(prefix, print_ctl, NULL);
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
	int error = 0;

	if (off > di->di_sectors * SECT || len > di->di_sectors * SECT - off) {
		fprintf(stderr, "xbdtool: %ju bytes at %ju run past the end "
		    "(%ju bytes)\n", (uintmax_t)len, (uintmax_t)off,
		    (uintmax_t)(di->di_sectors * SECT));
		return (EINVAL);
	}
	if ((buf = pv_pages_alloc(MAX_BIO / PV_PAGE_SIZE, PV_M_NOWAIT,
	    NULL)) == NULL)
		return (ENOMEM);
	while (done < len && error == 0) {
		start = (off + done) / ss * ss;
		end = pv_min(pv_roundup(off + len, ss), start + MAX_BIO);
		chunk = pv_min(end - (off + done), len - done);
		memset(&bio, 0, sizeof(bio));
		bio.b_sector = start / SECT;
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
	pv_pages_free(buf, MAX_BIO / PV_PAGE_SIZE);
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
range_io(struct xbdtool_args *a, enum pv_bio_op op, const char *name,
    struct pv_bio *bio)
{
	uint64_t off, len;
	int error;

	if (a->argc != 2 || pv_strtou64(a->argv[0], UINT64_MAX, &off) != 0 ||
	    pv_strtou64(a->argv[1], UINT64_MAX, &len) != 0 ||
	    off % SECT != 0 || len % SECT != 0) {
		fprintf(stderr, "xbdtool: %s OFFSET LENGTH: two multiples "
		    "of 512\n", name);
		return (2);
	}
	memset(bio, 0, sizeof(*bio));
	bio->b_op = op;
	bio->b_sector = off / SECT;
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
	if ((rc = range_io(a, PV_BIO_WRITE_ZEROES, "zeroes", &bio)) != 0)
		return (rc);
	fprintf(stderr, "xbdtool: zeroed %ju bytes at %ju\n",
	    (uintmax_t)bio.b_bytes, (uintmax_t)(bio.b_sector * SECT));
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

	if ((rc = range_io(a, PV_BIO_DISCARD, "discard", &bio)) != 0)
		return (rc);
	/* The layer trims to whole granules; say what that leaves. */
	fprintf(stderr, "xbdtool: discarded %ju bytes at %ju (granularity "
	    "%u)\n", (uintmax_t)bio.b_bytes, (uintmax_t)(bio.b_sector * SECT),
	    di->di_discard_granularity);
	return (0);
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

	pv_blk_info(a->blk, &di);
	for (i = 0; i < nitems(workloads); i++) {
		if (strcmp(a->workload, workloads[i].name) == 0)
			return (workloads[i].fn(a, &di));
	}
	fprintf(stderr, "xbdtool: unknown workload \"%s\"\n", a->workload);
	return (2);
}
