/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The block layer.
 *
 * I/O flow: pv_blk_submit() checks a bio against the disk and queues it.
 * Whoever next releases the disk lock runs the queue: bios are cut into
 * commands from a pool sized to the transport (free -> ready), and ready
 * commands are handed to the transport in order (ready -> busy) until it
 * has no room or the queue is frozen.  The transport reports each
 * command's end with pv_blk_done() (busy -> free); a bio whose last
 * command is done moves to the done queue, and its callback runs once the
 * lock is dropped, so a callback may submit again.
 *
 * Ordering: an ORDERED bio, and every FLUSH, waits for the disk to go
 * idle (PV_FREEZE_IDLE), and nothing behind it is issued until it is done.
 * A transport with a barrier on the wire gets ORDERED writes with the flag
 * set instead, and orders them itself.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/blk.h>
#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/sysctl.h>
#include <pv/thread.h>
#include <pv/time.h>

struct pv_blk {
	struct pv_mtx		 k_mtx;
	struct pv_disk_info	 k_info;
	struct pv_blk_limits	 k_lim;
	const struct pv_blk_ops	*k_ops;
	void			*k_sc;
	struct pv_blkcmd	*k_cmds;
	TAILQ_HEAD(, pv_blkcmd)	 k_free;
	TAILQ_HEAD(, pv_blkcmd)	 k_ready;
	TAILQ_HEAD(, pv_blkcmd)	 k_busy;
	TAILQ_HEAD(, pv_bio)	 k_bioq;	/* not yet all commands */
	TAILQ_HEAD(, pv_bio)	 k_doneq;	/* callbacks to run */
	uint32_t		 k_frozen;	/* 1 << pv_blk_freeze */
	uint32_t		 k_nbusy;
	uint32_t		 k_nordered;	/* single-stepped, in flight */
	bool			 k_failed;
	TAILQ_ENTRY(pv_blk)	 k_link;
	struct pv_ctl		*k_ctl;
	/* Counters. */
	uint64_t		 k_reads, k_writes, k_flushes, k_discards;
	uint64_t		 k_zeroes;
	uint64_t		 k_bytes_read, k_bytes_written;
	uint64_t		 k_errors, k_splits, k_max_busy;
	uint64_t		 k_freezes[PV_FREEZE_NREASONS];
	uint64_t		 k_sectors;	/* mirror of k_info, for tools */
};

static struct pv_mtx		 blk_list_mtx;
static bool			 blk_list_ready;
static TAILQ_HEAD(, pv_blk)	 blk_list = TAILQ_HEAD_INITIALIZER(blk_list);
static struct pv_mtx		 blk_io_mtx;

/* A command issued alone: nothing else is issued until it ends. */
#define	CMD_STEPPED	0x10000

static const char *const freeze_names[PV_FREEZE_NREASONS] = {
	"freeze_cmds", "freeze_grants", "freeze_idle", "freeze_suspend",
};

void
pv_blk_lock(struct pv_blk *blk)
{
	pv_mtx_lock(&blk->k_mtx);
}

void
pv_blk_freeze(struct pv_blk *blk, enum pv_blk_freeze why)
{
	PV_MTX_ASSERT_OWNED(&blk->k_mtx);
	if ((blk->k_frozen & (1u << why)) == 0) {
		blk->k_frozen |= 1u << why;
		blk->k_freezes[why]++;
	}
}

void
pv_blk_thaw(struct pv_blk *blk, enum pv_blk_freeze why)
{
	PV_MTX_ASSERT_OWNED(&blk->k_mtx);
	blk->k_frozen &= ~(1u << why);
}

static void
bio_finish(struct pv_blk *blk, struct pv_bio *bio, int error)
{
	if (error != 0 && bio->b_error == 0)
		bio->b_error = error;
	if (bio->b_error != 0)
		blk->k_errors++;
	TAILQ_INSERT_TAIL(&blk->k_doneq, bio, b_link);
}

static void
cmd_free(struct pv_blk *blk, struct pv_blkcmd *c)
{
	c->c_state = PV_CMD_FREE;
	c->c_bio = NULL;
	c->c_priv = NULL;
	TAILQ_INSERT_TAIL(&blk->k_free, c, c_link);
	pv_blk_thaw(blk, PV_FREEZE_CMDS);
}

/* A command ends, on the wire or before it. */
static void
cmd_end(struct pv_blk *blk, struct pv_blkcmd *c, int error)
{
	struct pv_bio *bio = c->c_bio;

	if (error != 0 && bio->b_error == 0)
		bio->b_error = error;
	bio->b_cmds--;
	cmd_free(blk, c);
	if (bio->b_cmds == 0 && bio->b_next == bio->b_bytes)
		bio_finish(blk, bio, 0);
}

/* The piece done, the next one of the same command goes first. */
static bool
cmd_next_piece(struct pv_blk *blk, struct pv_blkcmd *c, int error)
{
	if (error != 0 || c->c_resid == 0)
		return (false);
	c->c_sector += c->c_bytes / PV_SECTOR_SIZE;
	c->c_data = (char *)c->c_data + c->c_bytes;
	c->c_bytes = c->c_resid;
	c->c_resid = 0;
	c->c_state = PV_CMD_READY;
	c->c_flags &= ~CMD_STEPPED;
	TAILQ_INSERT_HEAD(&blk->k_ready, c, c_link);
	return (true);
}

void
pv_blk_done(struct pv_blk *blk, struct pv_blkcmd *c, int error)
{
	PV_MTX_ASSERT_OWNED(&blk->k_mtx);
	pv_assert(c->c_state == PV_CMD_BUSY);
	TAILQ_REMOVE(&blk->k_busy, c, c_link);
	blk->k_nbusy--;
	if ((c->c_flags & CMD_STEPPED) != 0)
		blk->k_nordered--;
	c->c_error = error;
	if (!cmd_next_piece(blk, c, error))
		cmd_end(blk, c, error);
	if (blk->k_nbusy == 0)
		pv_blk_thaw(blk, PV_FREEZE_IDLE);
}

static bool
single_stepped(const struct pv_blk *blk, const struct pv_blkcmd *c)
{
	if (c->c_op == PV_BIO_FLUSH)
		return (true);
	/* The wire's barrier orders writes only. */
	return ((c->c_flags & PV_BIO_ORDERED) != 0 &&
	    ((blk->k_info.di_features & PV_DISK_BARRIER) == 0 ||
	    c->c_op != PV_BIO_WRITE));
}

/*
 * Cut the next command from a bio: no more bytes than the transport takes
 * in one command, nor more pages than it has segments.
 */
static uint64_t
cmd_length(const struct pv_blk *blk, const struct pv_bio *bio)
{
	uint64_t left = bio->b_bytes - bio->b_next, len, span;
	uintptr_t va;

	switch (bio->b_op) {
	case PV_BIO_FLUSH:
		return (0);
	case PV_BIO_DISCARD:
		len = left;
		if (blk->k_lim.bl_max_discard_bytes != 0)
			len = pv_min(len, blk->k_lim.bl_max_discard_bytes);
		return (len);
	case PV_BIO_WRITE_ZEROES:
		len = left;
		if (blk->k_lim.bl_max_zeroes_bytes != 0)
			len = pv_min(len, blk->k_lim.bl_max_zeroes_bytes);
		return (len - len % blk->k_info.di_sector_size);
	default:
		break;
	}
	va = (uintptr_t)bio->b_data + (uintptr_t)bio->b_next;
	span = (uint64_t)blk->k_lim.bl_max_segments * PV_PAGE_SIZE -
	    (va & PV_PAGE_MASK);
	len = pv_min(left, pv_min(blk->k_lim.bl_max_bytes, span));
	/* Whole logical sectors per command. */
	len -= len % blk->k_info.di_sector_size;
	return (len);
}

static bool
make_cmd(struct pv_blk *blk, struct pv_bio *bio)
{
	struct pv_blkcmd *c;
	uint64_t len;

	if ((c = TAILQ_FIRST(&blk->k_free)) == NULL) {
		pv_blk_freeze(blk, PV_FREEZE_CMDS);
		return (false);
	}
	len = cmd_length(blk, bio);
	if (len == 0 && bio->b_op != PV_BIO_FLUSH) {
		/* Limits too small for one sector: a transport bug. */
		bio->b_next = bio->b_bytes;
		if (bio->b_cmds == 0)
			bio_finish(blk, bio, EIO);
		return (true);
	}
	TAILQ_REMOVE(&blk->k_free, c, c_link);
	c->c_state = PV_CMD_READY;
	c->c_op = bio->b_op;
	c->c_flags = bio->b_flags;
	c->c_sector = bio->b_sector + bio->b_next / PV_SECTOR_SIZE;
	c->c_bytes = len;
	c->c_data = bio->b_data != NULL ? (char *)bio->b_data + bio->b_next :
	    NULL;
	c->c_bio = bio;
	c->c_ctx = bio->b_ctx;
	c->c_resid = 0;
	c->c_error = 0;
	if (bio->b_next > 0)
		blk->k_splits++;
	bio->b_next += len;
	bio->b_cmds++;
	TAILQ_INSERT_TAIL(&blk->k_ready, c, c_link);
	return (true);
}

static void
fail_all(struct pv_blk *blk, int error)
{
	struct pv_blkcmd *c;
	struct pv_bio *bio;

	while ((c = TAILQ_FIRST(&blk->k_busy)) != NULL)
		pv_blk_done(blk, c, error);
	while ((c = TAILQ_FIRST(&blk->k_ready)) != NULL) {
		TAILQ_REMOVE(&blk->k_ready, c, c_link);
		cmd_end(blk, c, error);
	}
	while ((bio = TAILQ_FIRST(&blk->k_bioq)) != NULL) {
		TAILQ_REMOVE(&blk->k_bioq, bio, b_link);
		bio->b_next = bio->b_bytes;
		if (bio->b_cmds == 0)
			bio_finish(blk, bio, error);
		else if (bio->b_error == 0)
			bio->b_error = error;
	}
}

/* Make commands from queued bios, in order, while the pool lasts. */
static void
make_cmds(struct pv_blk *blk)
{
	struct pv_bio *bio;

	while ((bio = TAILQ_FIRST(&blk->k_bioq)) != NULL) {
		if (!make_cmd(blk, bio))
			break;
		if (bio->b_next == bio->b_bytes)
			TAILQ_REMOVE(&blk->k_bioq, bio, b_link);
	}
}

/*
 * A READ or WRITE command larger than the limits (they shrank since it was
 * made) keeps what fits; the rest, c_resid, follows when this piece is
 * done.
 */
static void
cmd_fit(struct pv_blk *blk, struct pv_blkcmd *c)
{
	uint64_t len, span;

	if (c->c_op != PV_BIO_READ && c->c_op != PV_BIO_WRITE)
		return;
	span = (uint64_t)blk->k_lim.bl_max_segments * PV_PAGE_SIZE -
	    ((uintptr_t)c->c_data & PV_PAGE_MASK);
	len = pv_min(c->c_bytes, pv_min(blk->k_lim.bl_max_bytes, span));
	len -= len % blk->k_info.di_sector_size;
	if (len == 0 || len == c->c_bytes)
		return;
	c->c_resid += c->c_bytes - len;
	c->c_bytes = len;
	blk->k_splits++;
}

/* Hand ready commands to the transport; returns how many it took. */
static unsigned
issue_cmds(struct pv_blk *blk)
{
	struct pv_blkcmd *c;
	unsigned started = 0;
	int error;

	while ((c = TAILQ_FIRST(&blk->k_ready)) != NULL) {
		/* A short pool stops making commands, not issuing them. */
		if ((blk->k_frozen & ~(1u << PV_FREEZE_CMDS)) != 0 ||
		    blk->k_nordered > 0)
			break;
		if (single_stepped(blk, c) && blk->k_nbusy > 0) {
			pv_blk_freeze(blk, PV_FREEZE_IDLE);
			break;
		}
		if (c->c_op == PV_BIO_FLUSH &&
		    (blk->k_info.di_features & PV_DISK_FLUSH) == 0) {
			/* No cache to flush: what completed is stable. */
			TAILQ_REMOVE(&blk->k_ready, c, c_link);
			cmd_end(blk, c, 0);
			continue;
		}
		if (single_stepped(blk, c))
			c->c_flags |= CMD_STEPPED;
		cmd_fit(blk, c);
		error = blk->k_ops->bo_start(blk->k_sc, c);
		if (error == EAGAIN) {
			c->c_flags &= ~CMD_STEPPED;
			break;
		}
		TAILQ_REMOVE(&blk->k_ready, c, c_link);
		if (error != 0) {
			cmd_end(blk, c, error);
			continue;
		}
		c->c_state = PV_CMD_BUSY;
		TAILQ_INSERT_TAIL(&blk->k_busy, c, c_link);
		if ((c->c_flags & CMD_STEPPED) != 0)
			blk->k_nordered++;
		if (++blk->k_nbusy > blk->k_max_busy)
			blk->k_max_busy = blk->k_nbusy;
		started++;
	}
	return (started);
}

static void
blk_run(struct pv_blk *blk)
{
	unsigned n, started = 0;

	if (blk->k_failed) {
		fail_all(blk, EIO);
		return;
	}
	do {
		make_cmds(blk);
		n = issue_cmds(blk);
		started += n;
		/* Commands ended before issue free room for more bios. */
	} while (n > 0 && !TAILQ_EMPTY(&blk->k_bioq) &&
	    !TAILQ_EMPTY(&blk->k_free));
	if (started > 0)
		blk->k_ops->bo_kick(blk->k_sc);
}

void
pv_blk_unlock(struct pv_blk *blk)
{
	TAILQ_HEAD(, pv_bio) done;
	struct pv_bio *bio;

	blk_run(blk);
	TAILQ_INIT(&done);
	TAILQ_CONCAT(&done, &blk->k_doneq, b_link);
	pv_mtx_unlock(&blk->k_mtx);
	while ((bio = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, bio, b_link);
		bio->b_done(bio);
	}
}

/* The checks every bio passes before it is queued. */
static int
bio_check(const struct pv_blk *blk, const struct pv_bio *bio)
{
	const struct pv_disk_info *di = &blk->k_info;
	uint64_t nsect;

	if (blk->k_failed)
		return (EIO);
	switch (bio->b_op) {
	case PV_BIO_FLUSH:
		return (bio->b_bytes == 0 ? 0 : EINVAL);
	case PV_BIO_READ:
	case PV_BIO_WRITE:
		if (bio->b_data == NULL && bio->b_bytes != 0)
			return (EINVAL);
		break;
	case PV_BIO_DISCARD:
		if ((di->di_features & PV_DISK_DISCARD) == 0 ||
		    ((bio->b_flags & PV_BIO_SECURE) != 0 &&
		    (di->di_features & PV_DISK_SECURE_DISCARD) == 0))
			return (EOPNOTSUPP);
		break;
	case PV_BIO_WRITE_ZEROES:
		if ((di->di_features & PV_DISK_WRITE_ZEROES) == 0)
			return (EOPNOTSUPP);
		break;
	default:
		return (EINVAL);
	}
	if (bio->b_op != PV_BIO_READ && di->di_readonly)
		return (EROFS);
	if (bio->b_bytes % di->di_sector_size != 0 ||
	    (bio->b_sector * PV_SECTOR_SIZE) % di->di_sector_size != 0)
		return (EINVAL);
	nsect = bio->b_bytes / PV_SECTOR_SIZE;
	if (bio->b_sector > di->di_sectors || nsect > di->di_sectors -
	    bio->b_sector)
		return (EIO);
	return (0);
}

/* Shrink a discard to whole granules; a discard may always do less. */
static void
discard_trim(const struct pv_blk *blk, struct pv_bio *bio)
{
	uint64_t g, a, start, end;

	g = blk->k_info.di_discard_granularity != 0 ?
	    blk->k_info.di_discard_granularity : blk->k_info.di_sector_size;
	a = blk->k_info.di_discard_alignment % g;
	start = bio->b_sector * PV_SECTOR_SIZE;
	end = start + bio->b_bytes;
	start = start <= a ? a : pv_roundup(start - a, g) + a;
	end = end < a ? 0 : (end - a) / g * g + a;
	if (end <= start) {
		bio->b_bytes = 0;
		return;
	}
	bio->b_sector = start / PV_SECTOR_SIZE;
	bio->b_bytes = end - start;
}

void
pv_blk_submit(struct pv_blk *blk, struct pv_bio *bio)
{
	int error;

	bio->b_error = 0;
	bio->b_next = 0;
	bio->b_cmds = 0;
	bio->b_ctx = pv_curctx();
	pv_blk_lock(blk);
	error = bio_check(blk, bio);
	if (error == 0 && bio->b_op == PV_BIO_DISCARD)
		discard_trim(blk, bio);
	if (error != 0 || (bio->b_bytes == 0 && bio->b_op != PV_BIO_FLUSH)) {
		bio_finish(blk, bio, error);
		pv_blk_unlock(blk);
		return;
	}
	switch (bio->b_op) {
	case PV_BIO_READ:
		blk->k_reads++;
		blk->k_bytes_read += bio->b_bytes;
		break;
	case PV_BIO_WRITE:
		blk->k_writes++;
		blk->k_bytes_written += bio->b_bytes;
		break;
	case PV_BIO_FLUSH:
		blk->k_flushes++;
		break;
	case PV_BIO_DISCARD:
		blk->k_discards++;
		break;
	case PV_BIO_WRITE_ZEROES:
		blk->k_zeroes++;
		break;
	}
	TAILQ_INSERT_TAIL(&blk->k_bioq, bio, b_link);
	pv_blk_unlock(blk);
}

static void
io_done(struct pv_bio *bio)
{
	int *flag = bio->b_arg;

	pv_mtx_lock(&blk_io_mtx);
	*flag = 1;
	pv_wakeup(flag);
	pv_mtx_unlock(&blk_io_mtx);
}

int
pv_blk_io(struct pv_blk *blk, struct pv_bio *bio)
{
	int flag = 0;

	bio->b_done = io_done;
	bio->b_arg = &flag;
	pv_blk_submit(blk, bio);
	pv_mtx_lock(&blk_io_mtx);
	while (!flag)
		pv_sleep(&flag, &blk_io_mtx, "blkio", 0);
	pv_mtx_unlock(&blk_io_mtx);
	return (bio->b_error);
}

static void
polled_done(struct pv_bio *bio)
{
	__atomic_store_n((int *)bio->b_arg, 1, __ATOMIC_RELEASE);
}

int
pv_blk_io_polled(struct pv_blk *blk, struct pv_bio *bio, uint64_t timeout_ns)
{
	uint64_t end = pv_uptime_ns() + timeout_ns;
	int flag = 0;

	bio->b_done = polled_done;
	bio->b_arg = &flag;
	pv_blk_submit(blk, bio);
	while (!__atomic_load_n(&flag, __ATOMIC_ACQUIRE)) {
		if (pv_uptime_ns() > end)
			return (ETIMEDOUT);
		blk->k_ops->bo_poll(blk->k_sc);
		if (!__atomic_load_n(&flag, __ATOMIC_ACQUIRE))
			pv_delay_us(5);
	}
	return (bio->b_error);
}

void
pv_blk_requeue(struct pv_blk *blk)
{
	struct pv_blkcmd *c;

	PV_MTX_ASSERT_OWNED(&blk->k_mtx);
	/* Busy commands went out first, so they go back in front. */
	TAILQ_FOREACH(c, &blk->k_busy, c_link) {
		c->c_state = PV_CMD_READY;
		c->c_flags &= ~CMD_STEPPED;
		/* Whole again: the next limits may cut it otherwise. */
		c->c_bytes += c->c_resid;
		c->c_resid = 0;
	}
	TAILQ_CONCAT(&blk->k_busy, &blk->k_ready, c_link);
	TAILQ_CONCAT(&blk->k_ready, &blk->k_busy, c_link);
	blk->k_nbusy = 0;
	blk->k_nordered = 0;
	pv_blk_thaw(blk, PV_FREEZE_IDLE);
}

void
pv_blk_set_limits(struct pv_blk *blk, const struct pv_blk_limits *lim)
{
	uint32_t pool = blk->k_lim.bl_max_cmds;

	PV_MTX_ASSERT_OWNED(&blk->k_mtx);
	blk->k_lim = *lim;
	/* The pool was made once; the transport turns away the excess. */
	blk->k_lim.bl_max_cmds = pool;
}

void
pv_blk_fail(struct pv_blk *blk, const char *why)
{
	PV_MTX_ASSERT_OWNED(&blk->k_mtx);
	if (!blk->k_failed)
		pv_log(PV_LOG_ERR, blk->k_info.di_name, "device failed: %s; "
		    "all I/O now ends in EIO", why);
	blk->k_failed = true;
}

bool
pv_blk_failed(struct pv_blk *blk)
{
	return (__atomic_load_n(&blk->k_failed, __ATOMIC_RELAXED));
}

struct pv_blkcmd *
pv_blk_cmd(struct pv_blk *blk, uint32_t slot)
{
	if (slot >= blk->k_lim.bl_max_cmds)
		return (NULL);
	return (&blk->k_cmds[slot]);
}

uint32_t
pv_blk_busy(struct pv_blk *blk)
{
	return (blk->k_nbusy);
}

uint32_t
pv_blk_drain(struct pv_blk *blk, uint64_t timeout_ns)
{
	uint64_t end = pv_uptime_ns() + timeout_ns;
	uint32_t busy;

	pv_blk_lock(blk);
	pv_blk_freeze(blk, PV_FREEZE_SUSPEND);
	pv_blk_unlock(blk);
	for (;;) {
		pv_blk_lock(blk);
		busy = blk->k_nbusy;
		pv_blk_unlock(blk);
		if (busy == 0 || pv_uptime_ns() >= end)
			break;
		pv_pause("blkdrain", PV_NS_PER_MS);
	}
	if (busy > 0)
		pv_log(PV_LOG_WARNING, blk->k_info.di_name, "%u requests "
		    "outlived the suspend drain; sending them again after "
		    "resume", busy);
	return (busy);
}

void
pv_blk_info(struct pv_blk *blk, struct pv_disk_info *info)
{
	pv_mtx_lock(&blk->k_mtx);
	*info = blk->k_info;
	pv_mtx_unlock(&blk->k_mtx);
}

void
pv_blk_set_info(struct pv_blk *blk, const struct pv_disk_info *info)
{
	PV_MTX_ASSERT_OWNED(&blk->k_mtx);
	blk->k_info = *info;
	blk->k_sectors = info->di_sectors;
}

static void
blk_counters(struct pv_blk *blk)
{
	struct pv_ctl *n;
	int i;

	n = pv_ctl_node(pv_ctl_node(NULL, "disk"), blk->k_info.di_name);
	if ((blk->k_ctl = n) == NULL)
		return;
	pv_ctl_counter(n, "sectors", &blk->k_sectors, "size, 512-byte units");
	pv_ctl_counter(n, "reads", &blk->k_reads, "read bios");
	pv_ctl_counter(n, "writes", &blk->k_writes, "write bios");
	pv_ctl_counter(n, "flushes", &blk->k_flushes, "flush bios");
	pv_ctl_counter(n, "discards", &blk->k_discards, "discard bios");
	pv_ctl_counter(n, "write_zeroes", &blk->k_zeroes, "write-zeroes bios");
	pv_ctl_counter(n, "bytes_read", &blk->k_bytes_read, "");
	pv_ctl_counter(n, "bytes_written", &blk->k_bytes_written, "");
	pv_ctl_counter(n, "errors", &blk->k_errors, "bios ended in error");
	pv_ctl_counter(n, "splits", &blk->k_splits,
	    "commands beyond the first of a bio");
	pv_ctl_counter(n, "max_busy", &blk->k_max_busy,
	    "most commands in flight");
	for (i = 0; i < PV_FREEZE_NREASONS; i++)
		pv_ctl_counter(n, freeze_names[i], &blk->k_freezes[i],
		    "times frozen for this reason");
}

int
pv_blk_create(struct pv_blk **blkp, const struct pv_disk_info *info,
    const struct pv_blk_limits *lim, const struct pv_blk_ops *ops, void *sc)
{
	struct pv_blk *blk;
	uint32_t i;

	if (lim->bl_max_cmds == 0 || lim->bl_max_segments == 0 ||
	    lim->bl_max_bytes < info->di_sector_size ||
	    !pv_powerof2(info->di_sector_size) ||
	    info->di_sector_size < PV_SECTOR_SIZE ||
	    info->di_sector_size > PV_SECTOR_SIZE_MAX)
		return (EINVAL);
	if (!blk_list_ready) {
		pv_mtx_init(&blk_list_mtx, "blklist");
		pv_mtx_init(&blk_io_mtx, "blkio");
		blk_list_ready = true;
	}
	if ((blk = pv_malloc(sizeof(*blk), PV_M_ZERO | PV_M_NOWAIT)) == NULL)
		return (ENOMEM);
	blk->k_cmds = pv_malloc(lim->bl_max_cmds * sizeof(*blk->k_cmds),
	    PV_M_ZERO | PV_M_NOWAIT);
	if (blk->k_cmds == NULL) {
		pv_free(blk);
		return (ENOMEM);
	}
	pv_mtx_init(&blk->k_mtx, "blk");
	blk->k_info = *info;
	blk->k_sectors = info->di_sectors;
	blk->k_lim = *lim;
	blk->k_ops = ops;
	blk->k_sc = sc;
	TAILQ_INIT(&blk->k_free);
	TAILQ_INIT(&blk->k_ready);
	TAILQ_INIT(&blk->k_busy);
	TAILQ_INIT(&blk->k_bioq);
	TAILQ_INIT(&blk->k_doneq);
	for (i = 0; i < lim->bl_max_cmds; i++) {
		blk->k_cmds[i].c_slot = i;
		TAILQ_INSERT_TAIL(&blk->k_free, &blk->k_cmds[i], c_link);
	}
	blk_counters(blk);
	pv_mtx_lock(&blk_list_mtx);
	TAILQ_INSERT_TAIL(&blk_list, blk, k_link);
	pv_mtx_unlock(&blk_list_mtx);
	*blkp = blk;
	return (0);
}

void
pv_blk_destroy(struct pv_blk *blk)
{
	pv_mtx_lock(&blk_list_mtx);
	TAILQ_REMOVE(&blk_list, blk, k_link);
	pv_mtx_unlock(&blk_list_mtx);
	pv_blk_lock(blk);
	fail_all(blk, ENXIO);
	pv_blk_unlock(blk);
	pv_ctl_remove(blk->k_ctl);
	pv_mtx_destroy(&blk->k_mtx);
	pv_free(blk->k_cmds);
	pv_free(blk);
}
