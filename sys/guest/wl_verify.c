/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * verify, in passes over one disk:
 *
 *   sum     (va_sum) read everything there was and take its POSIX cksum,
 *           which a test compares with cksum(1) of the image it made;
 *   refuse  on a read-only disk, a write must fail with EROFS, and that
 *           is all (the sum showed the reads work);
 *   fill    stamp every sector with generation 1, front to back;
 *   random  (va_ops) rewrite and read back random ranges, mixed, every
 *           16th write ordered; each sector's generation is kept;
 *   check   read every sector back and compare it with its stamp.
 *
 * A flush follows each writing pass.  Two bios to overlapping ranges are
 * never in flight together, so what a sector must hold is always known.
 * Without random rewrites every sector ends at generation 1, which the
 * host can check in the image.
 */
#include <errno.h>
#include <string.h>

#include <pv/blk.h>
#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/time.h>

#include "wl.h"
#include "wl_stamp.h"

#define	SECT	PV_SECTOR_SIZE

struct wl_progress {
	const char	*p_what;
	bool		 p_on;
	unsigned	 p_next;	/* tenths */
};

static void
progress(const struct wl_engine *e, struct wl_progress *p, uint64_t done,
    uint64_t total)
{
	if (!p->p_on || total == 0 || done * 10 / total < p->p_next)
		return;
	pv_printf("verify: %s %ju%% of %s\n", p->p_what,
	    (uintmax_t)(done * 100 / total), e->we_name);
	p->p_next = (unsigned)(done * 10 / total) + 1;
}

static void
flush(struct wl_engine *e)
{
	wl_drain(e);
	wl_submit(e, wl_slot_get(e, 0, 0, false), PV_BIO_FLUSH, 0, 0, 0);
	wl_drain(e);
}

static void
write_stamped(struct wl_engine *e, uint64_t sector, uint64_t bytes,
    int flags)
{
	struct wl_slot *sl;
	uint64_t i;
	uint32_t gen = WL_FILL_GEN;

	sl = wl_slot_get(e, sector, bytes, true);
	for (i = 0; i < bytes / SECT; i++) {
		if (e->we_gen != NULL) {
			e->we_gen[sector + i] = (uint8_t)(e->we_gen[sector +
			    i] % 255 + 1);
			gen = e->we_gen[sector + i];
		}
		stamp_fill(sl->ws_buf + i * SECT, sector + i, gen);
	}
	sl->ws_check = false;
	wl_submit(e, sl, PV_BIO_WRITE, sector, bytes, flags);
}

static void
read_checked(struct wl_engine *e, uint64_t sector, uint64_t bytes)
{
	struct wl_slot *sl;

	sl = wl_slot_get(e, sector, bytes, true);
	sl->ws_check = true;
	wl_submit(e, sl, PV_BIO_READ, sector, bytes, 0);
}

/* In order, one bio at a time: the sum must see the bytes in order. */
static void
sum_disk(struct wl_engine *e, uint64_t sectors, struct wl_verify_result *vr)
{
	struct wl_slot *sl;
	uint64_t s, len, errors = e->we_errors;
	uint32_t crc = 0;

	for (s = 0; s < sectors && e->we_errors == errors; s += len) {
		len = pv_min(sectors - s, WL_MAX_BIO / SECT);
		sl = wl_slot_get(e, 0, 0, false);
		sl->ws_check = false;
		wl_submit(e, sl, PV_BIO_READ, s, len * SECT, 0);
		wl_drain(e);
		crc = cksum_update(crc, sl->ws_buf, len * SECT);
	}
	if (e->we_errors != errors)
		return;
	vr->vr_summed = true;
	vr->vr_cksum_bytes = sectors * SECT;
	vr->vr_cksum = cksum_finish(crc, vr->vr_cksum_bytes);
}

static void
refuse_write(struct wl_engine *e, const struct pv_disk_info *di,
    struct wl_verify_result *vr)
{
	uint64_t errors = e->we_errors;

	write_stamped(e, 0, di->di_sector_size, 0);
	wl_drain(e);
	vr->vr_ro_refused = e->we_errors == errors + 1 &&
	    e->we_first_error == EROFS;
	/* The refusal is the expected answer, not an error. */
	if (vr->vr_ro_refused) {
		e->we_errors = errors;
		e->we_first_error = 0;
	}
}

/* One verify's shared state, for the passes its threads run. */
struct wl_run {
	struct wl_engine		*r_e;
	const struct wl_verify_args	*r_va;
	uint64_t			 r_sectors;
	uint64_t			 r_unit;	/* sectors a block */
	bool				 r_check;
};

/* Part i of n of the fill or the check pass; part 0 reports progress. */
static void
fill_or_check(void *arg, unsigned i, unsigned n)
{
	struct wl_run *run = arg;
	struct wl_engine *e = run->r_e;
	struct wl_progress p = { run->r_check ? "check" : "fill",
	    run->r_va->va_progress && i == 0, 0 };
	uint64_t s, start, end, len;

	wl_part(run->r_sectors, run->r_unit, i, n, &start, &end);
	for (s = start; s < end; s += len) {
		len = pv_min(end - s, WL_MAX_BIO / SECT);
		if (run->r_check)
			read_checked(e, s, len * SECT);
		else
			write_stamped(e, s, len * SECT, 0);
		progress(e, &p, s + len - start, end - start);
	}
}

/* Part i of n of the random rewrites and reads, with a seed of its own. */
static void
random_mix(void *arg, unsigned i, unsigned n)
{
	struct wl_run *run = arg;
	struct wl_engine *e = run->r_e;
	struct wl_progress p = { "random", run->r_va->va_progress && i == 0,
	    0 };
	uint64_t k, start, end, len, s, unit = run->r_unit;
	uint64_t rnd = wl_mix(run->r_va->va_seed + i);

	wl_part(run->r_va->va_ops, 1, i, n, &start, &end);
	for (k = start; k < end; k++) {
		rnd = wl_mix(rnd + k);
		len = pv_min(((rnd >> 8) % 256 + 1) * unit, run->r_sectors);
		s = (rnd >> 24) % (run->r_sectors - len + 1) / unit * unit;
		/* Every 16th write is ordered: a barrier, or single-stepped. */
		if (rnd & 1)
			write_stamped(e, s, len * SECT, (k % 16) == 1 ?
			    PV_BIO_ORDERED : 0);
		else
			read_checked(e, s, len * SECT);
		progress(e, &p, k + 1 - start, end - start);
	}
}

/* The writing and checking passes, each spread over the threads. */
static int
verify_passes(struct wl_run *run)
{
	unsigned n = run->r_va->va_threads;
	int error;

	run->r_check = false;
	if ((error = wl_parallel(n, fill_or_check, run)) != 0)
		return (error);
	flush(run->r_e);
	if (run->r_va->va_ops > 0) {
		if ((error = wl_parallel(n, random_mix, run)) != 0)
			return (error);
		flush(run->r_e);
	}
	run->r_check = true;
	return (wl_parallel(n, fill_or_check, run));
}

int
wl_verify(struct pv_blk *blk, const struct wl_verify_args *va,
    struct wl_verify_result *vr)
{
	struct pv_disk_info di;
	struct wl_engine e;
	struct wl_run run;
	uint64_t t0 = pv_uptime_ns(), unit;
	int error = 0;

	memset(vr, 0, sizeof(*vr));
	pv_blk_info(blk, &di);
	vr->vr_sectors = di.di_sectors;
	vr->vr_readonly = di.di_readonly;
	unit = di.di_sector_size / SECT;
	if (unit == 0 || di.di_sectors < unit)
		return (EINVAL);
	if ((error = wl_engine_init(&e, blk, va->va_depth, WL_MAX_BIO)) != 0)
		return (error);
	if (va->va_ops > 0 && !di.di_readonly &&
	    (e.we_gen = pv_malloc(di.di_sectors, PV_M_NOWAIT)) == NULL) {
		wl_engine_fini(&e);
		return (ENOMEM);
	}
	if (e.we_gen != NULL)
		memset(e.we_gen, 0, di.di_sectors);
	if (va->va_sum)
		sum_disk(&e, di.di_sectors, vr);
	if (e.we_errors == 0 && di.di_readonly)
		refuse_write(&e, &di, vr);
	else if (e.we_errors == 0) {
		run = (struct wl_run){ .r_e = &e, .r_va = va,
		    .r_sectors = di.di_sectors, .r_unit = unit };
		error = verify_passes(&run);
	}
	wl_drain(&e);
	vr->vr_bios = e.we_bios;
	vr->vr_read = e.we_read;
	vr->vr_written = e.we_written;
	vr->vr_errors = e.we_errors;
	vr->vr_first_error = e.we_first_error;
	vr->vr_mismatches = e.we_mismatches;
	vr->vr_ns = pv_uptime_ns() - t0;
	wl_engine_fini(&e);
	return (error);
}

bool
wl_verify_passed(const struct wl_verify_result *vr)
{
	return (vr->vr_errors == 0 && vr->vr_mismatches == 0 &&
	    (!vr->vr_readonly || vr->vr_ro_refused));
}
