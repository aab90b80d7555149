/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The workload library: the disk workloads of the reference guest and of
 * xbdtool, one implementation for both.  It uses the kernel services and
 * the block layer only, and no floating point (the guest kernel has none),
 * so it builds on every platform.  Figures come back in structures; the
 * caller prints them in its own words.
 *
 * Every sector verify writes carries a stamp (wl_stamp.h) naming the
 * sector and a generation, so a lost, misplaced or torn write shows as a
 * mismatch, and the host can check an image the guest wrote with the
 * same code (pvkit-imgcheck).
 */
#ifndef _GUEST_WL_H_
#define _GUEST_WL_H_

#include <stdbool.h>
#include <stdint.h>

#include <pv/blk.h>
#include <pv/sync.h>

#define	WL_MAX_BIO	(1024 * 1024)	/* bytes per bio, at most */
#define	WL_FILL_GEN	1		/* the generation a fill writes */

/* One bio in flight, with its buffer in pages a device can reach. */
struct wl_slot {
	struct pv_bio		 ws_bio;
	uint8_t			*ws_buf;
	bool			 ws_busy;
	uint64_t		 ws_sector;	/* what it holds, from the get */
	uint64_t		 ws_bytes;
	bool			 ws_check;	/* verify what a read brings */
	struct wl_engine	*ws_eng;
};

/* Bios at a queue depth, completed in any order. */
struct wl_engine {
	struct pv_mtx	 we_mtx;
	struct pv_blk	*we_blk;
	char		 we_name[16];		/* the disk's */
	struct wl_slot	*we_slots;
	unsigned	 we_nslots;
	unsigned	 we_busy;
	uint64_t	 we_bufsize;
	uint64_t	 we_bios;
	uint64_t	 we_read, we_written;	/* bytes */
	uint64_t	 we_errors;
	int		 we_first_error;
	uint64_t	 we_mismatches;
	/* The generation each sector holds; NULL: WL_FILL_GEN for all. */
	uint8_t		*we_gen;
};

int	wl_engine_init(struct wl_engine *e, struct pv_blk *blk,
	    unsigned depth, uint64_t bufsize);
void	wl_engine_fini(struct wl_engine *e);
/*
 * A free slot; with guard, also wait until no bio in flight touches
 * [sector, sector + bytes), so that the order of overlapping I/O is ours.
 */
struct wl_slot *wl_slot_get(struct wl_engine *e, uint64_t sector,
	    uint64_t bytes, bool guard);
void	wl_submit(struct wl_engine *e, struct wl_slot *sl, enum pv_bio_op op,
	    uint64_t sector, uint64_t bytes, int flags);
void	wl_drain(struct wl_engine *e);

/*
 * Run fn(arg, i, n) for i in [0, n) in n threads of their own, so that
 * each submits from its own context (pv_curctx) and a disk with several
 * queues sees several submitters; n <= 1 runs fn in the caller.  0, or
 * the errno of a thread that could not be made (those made are joined).
 */
typedef void wl_part_fn(void *arg, unsigned i, unsigned n);
int	wl_parallel(unsigned n, wl_part_fn *fn, void *arg);
/* Part i of n of [0, total), in multiples of unit. */
void	wl_part(uint64_t total, uint64_t unit, unsigned i, unsigned n,
	    uint64_t *startp, uint64_t *endp);

/* verify: see wl_verify.c for the passes. */
struct wl_verify_args {
	unsigned	 va_depth;
	unsigned	 va_threads;	/* submitters; 0: the caller alone */
	uint64_t	 va_ops;	/* random rewrites and reads; 0: none */
	uint64_t	 va_seed;
	bool		 va_sum;	/* first sum what the disk held */
	bool		 va_progress;	/* a line every tenth of a pass */
};

struct wl_verify_result {
	uint64_t	 vr_sectors;
	uint64_t	 vr_bios;
	uint64_t	 vr_read, vr_written;	/* bytes */
	uint64_t	 vr_errors;
	int		 vr_first_error;
	uint64_t	 vr_mismatches;
	uint64_t	 vr_ns;
	bool		 vr_summed;
	uint32_t	 vr_cksum;	/* POSIX cksum of what was there */
	uint64_t	 vr_cksum_bytes;
	bool		 vr_readonly;	/* then only summed, and a write tried */
	bool		 vr_ro_refused;	/* the write was refused with EROFS */
};

/* 0, or an errno when the run could not be made (no memory). */
int	wl_verify(struct pv_blk *blk, const struct wl_verify_args *va,
	    struct wl_verify_result *vr);
/* Whether a finished verify found the disk sound. */
bool	wl_verify_passed(const struct wl_verify_result *vr);

/* rand: reads of va_bs bytes at random block offsets, at a depth. */
struct wl_rand_args {
	unsigned	 ra_depth;
	unsigned	 ra_threads;
	uint64_t	 ra_ops;
	uint64_t	 ra_bs;
	uint64_t	 ra_seed;
};

/* seq: the first sq_bytes written, then read, in sq_bs bios. */
struct wl_seq_args {
	unsigned	 sq_depth;
	unsigned	 sq_threads;
	uint64_t	 sq_bs;
	uint64_t	 sq_bytes;	/* 0: the whole disk */
	bool		 sq_write;	/* also write (first) */
};

struct wl_perf {
	uint64_t	 wp_ops;
	uint64_t	 wp_bytes;
	uint64_t	 wp_ns;
	uint64_t	 wp_errors;
	uint64_t	 wp_write_bytes;	/* seq */
	uint64_t	 wp_write_ns;
};

/* EINVAL when the block size does not fit the disk. */
int	wl_rand(struct pv_blk *blk, const struct wl_rand_args *ra,
	    struct wl_perf *wp);
int	wl_seq(struct pv_blk *blk, const struct wl_seq_args *sq,
	    struct wl_perf *wp);
/* Per second, from a count over nanoseconds, without floating point. */
uint64_t wl_per_sec(uint64_t count, uint64_t ns);
/* A 64-bit mix, for seeds and offsets. */
uint64_t wl_mix(uint64_t x);

#endif /* !_GUEST_WL_H_ */
