/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The workloads' I/O engine: a pool of slots, each a bio and a buffer in
 * guest pages, kept busy at a queue depth.  A read marked for checking is
 * compared, sector by sector, with the stamp the engine last wrote there.
 */
#include <errno.h>
#include <string.h>

#include <pv/blk.h>
#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/thread.h>

#include "wl.h"
#include "wl_stamp.h"

static uint32_t
wl_gen(const struct wl_engine *e, uint64_t sector)
{
	return (e->we_gen != NULL ? e->we_gen[sector] : WL_FILL_GEN);
}

static void
wl_check(struct wl_engine *e, const struct pv_bio *bio, const uint8_t *buf)
{
	uint64_t i, sector, got_sector;
	uint32_t want, got_gen;

	for (i = 0; i < bio->b_bytes / STAMP_SECTOR; i++) {
		sector = bio->b_sector + i;
		want = wl_gen(e, sector);
		if (stamp_check(buf + i * STAMP_SECTOR, sector, want))
			continue;
		if (e->we_mismatches++ != 0)
			continue;
		if (stamp_header(buf + i * STAMP_SECTOR, &got_sector,
		    &got_gen))
			pv_printf("verify: %s: MISMATCH at sector %ju: want "
			    "generation %u, found sector %ju generation %u\n",
			    e->we_name, (uintmax_t)sector, want,
			    (uintmax_t)got_sector, got_gen);
		else
			pv_printf("verify: %s: MISMATCH at sector %ju: want "
			    "generation %u, found no stamp\n", e->we_name,
			    (uintmax_t)sector, want);
	}
}

static void
wl_done(struct pv_bio *bio)
{
	struct wl_slot *sl = bio->b_arg;
	struct wl_engine *e = sl->ws_eng;

	pv_mtx_lock(&e->we_mtx);
	if (bio->b_error != 0) {
		if (e->we_errors++ == 0) {
			e->we_first_error = bio->b_error;
			pv_printf("%s: bio at sector %ju: error %d\n",
			    e->we_name, (uintmax_t)bio->b_sector,
			    bio->b_error);
		}
	} else {
		if (bio->b_op == PV_BIO_READ)
			e->we_read += bio->b_bytes;
		else if (bio->b_op == PV_BIO_WRITE)
			e->we_written += bio->b_bytes;
		if (sl->ws_check)
			wl_check(e, bio, sl->ws_buf);
	}
	e->we_bios++;
	sl->ws_busy = false;
	e->we_busy--;
	pv_wakeup(e);
	pv_mtx_unlock(&e->we_mtx);
}

int
wl_engine_init(struct wl_engine *e, struct pv_blk *blk, unsigned depth,
    uint64_t bufsize)
{
	struct pv_disk_info di;
	unsigned i;

	memset(e, 0, sizeof(*e));
	pv_blk_info(blk, &di);
	memcpy(e->we_name, di.di_name, sizeof(e->we_name));
	e->we_blk = blk;
	e->we_bufsize = pv_roundup(bufsize, PV_PAGE_SIZE);
	if (depth == 0 || (e->we_slots = pv_malloc(depth *
	    sizeof(*e->we_slots), PV_M_NOWAIT | PV_M_ZERO)) == NULL)
		return (depth == 0 ? EINVAL : ENOMEM);
	pv_mtx_init(&e->we_mtx, "workload");
	e->we_nslots = depth;
	for (i = 0; i < depth; i++) {
		e->we_slots[i].ws_eng = e;
		e->we_slots[i].ws_buf = pv_pages_alloc(e->we_bufsize /
		    PV_PAGE_SIZE, PV_M_NOWAIT, NULL);
		if (e->we_slots[i].ws_buf == NULL) {
			pv_printf("%s: no memory for %u buffers of %ju "
			    "bytes\n", e->we_name, depth,
			    (uintmax_t)e->we_bufsize);
			wl_engine_fini(e);
			return (ENOMEM);
		}
	}
	return (0);
}

void
wl_engine_fini(struct wl_engine *e)
{
	unsigned i;

	if (e->we_slots == NULL)
		return;
	wl_drain(e);
	for (i = 0; i < e->we_nslots; i++)
		if (e->we_slots[i].ws_buf != NULL)
			pv_pages_free(e->we_slots[i].ws_buf,
			    e->we_bufsize / PV_PAGE_SIZE);
	pv_free(e->we_slots);
	e->we_slots = NULL;
	pv_free(e->we_gen);
	e->we_gen = NULL;
	pv_mtx_destroy(&e->we_mtx);
}

/* The range a slot holds from its get, not its bio's: that comes later. */
static bool
wl_overlaps(const struct wl_slot *sl, uint64_t sector, uint64_t bytes)
{
	return (sl->ws_busy && sector < sl->ws_sector + sl->ws_bytes /
	    PV_SECTOR_SIZE && sl->ws_sector < sector + bytes / PV_SECTOR_SIZE);
}

struct wl_slot *
wl_slot_get(struct wl_engine *e, uint64_t sector, uint64_t bytes, bool guard)
{
	struct wl_slot *free;
	unsigned i;
	bool clash;

	pv_mtx_lock(&e->we_mtx);
	for (;;) {
		free = NULL;
		clash = false;
		for (i = 0; i < e->we_nslots; i++) {
			if (!e->we_slots[i].ws_busy && free == NULL)
				free = &e->we_slots[i];
			if (guard && wl_overlaps(&e->we_slots[i], sector,
			    bytes))
				clash = true;
		}
		if (free != NULL && !clash)
			break;
		pv_sleep(e, &e->we_mtx, "wlslot", 0);
	}
	free->ws_busy = true;
	free->ws_sector = sector;
	free->ws_bytes = bytes;
	e->we_busy++;
	pv_mtx_unlock(&e->we_mtx);
	return (free);
}

void
wl_submit(struct wl_engine *e, struct wl_slot *sl, enum pv_bio_op op,
    uint64_t sector, uint64_t bytes, int flags)
{
	memset(&sl->ws_bio, 0, sizeof(sl->ws_bio));
	sl->ws_bio.b_op = op;
	sl->ws_bio.b_flags = flags;
	sl->ws_bio.b_sector = sector;
	sl->ws_bio.b_bytes = bytes;
	sl->ws_bio.b_data = op == PV_BIO_READ || op == PV_BIO_WRITE ?
	    sl->ws_buf : NULL;
	sl->ws_bio.b_done = wl_done;
	sl->ws_bio.b_arg = sl;
	pv_blk_submit(e->we_blk, &sl->ws_bio);
}

void
wl_drain(struct wl_engine *e)
{
	pv_mtx_lock(&e->we_mtx);
	while (e->we_busy > 0)
		pv_sleep(e, &e->we_mtx, "wldrain", 0);
	pv_mtx_unlock(&e->we_mtx);
}

struct wl_thread {
	struct pv_thread	*wt_td;
	wl_part_fn		*wt_fn;
	void			*wt_arg;
	unsigned		 wt_i, wt_n;
};

static void
wl_thread_main(void *arg)
{
	struct wl_thread *wt = arg;

	wt->wt_fn(wt->wt_arg, wt->wt_i, wt->wt_n);
}

int
wl_parallel(unsigned n, wl_part_fn *fn, void *arg)
{
	struct wl_thread *wt;
	unsigned i, made;
	int error = 0;

	if (n <= 1) {
		fn(arg, 0, 1);
		return (0);
	}
	if ((wt = pv_malloc(n * sizeof(*wt), PV_M_NOWAIT | PV_M_ZERO)) == NULL)
		return (ENOMEM);
	for (made = 0; made < n; made++) {
		wt[made] = (struct wl_thread){ .wt_fn = fn, .wt_arg = arg,
		    .wt_i = made, .wt_n = n };
		if ((error = pv_thread_create(&wt[made].wt_td, "workload",
		    wl_thread_main, &wt[made])) != 0)
			break;
	}
	for (i = 0; i < made; i++)
		pv_thread_join(wt[i].wt_td);
	pv_free(wt);
	return (error);
}

void
wl_part(uint64_t total, uint64_t unit, unsigned i, unsigned n,
    uint64_t *startp, uint64_t *endp)
{
	uint64_t units = total / unit;

	*startp = units * i / n * unit;
	*endp = i + 1 == n ? total : units * (i + 1) / n * unit;
}
