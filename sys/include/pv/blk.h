/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The block layer: disks, and the requests (bios) made of them.
 *
 * A disk's user submits bios.  The layer owns everything that belongs to
 * "a disk" rather than to a wire format: the queue, a command pool sized
 * to the transport, splitting to the transport's limits, ordering (the
 * transport's barrier, or single-stepping when it has none), flush and
 * discard policy, freezes with named reasons, errors and counters.  A
 * transport (blkfront's blkif ring, virtio-blk's virtqueue) only turns a
 * command into its wire format and reports completions.
 *
 * All sizes on this interface are in bytes, sectors in 512-byte units.
 */
#ifndef _PV_BLK_H_
#define _PV_BLK_H_

#include <stdbool.h>
#include <stdint.h>

#include <pv/queue.h>

#define	PV_SECTOR_SIZE	512
/*
 * The largest logical block a disk may have: 64 KiB, as Linux's block
 * layer allows.  A backend or device that claims more is refused.
 */
#define	PV_SECTOR_SIZE_MAX	65536

enum pv_bio_op {
	PV_BIO_READ,
	PV_BIO_WRITE,
	PV_BIO_FLUSH,		/* make completed writes stable */
	PV_BIO_DISCARD,		/* the range's contents may be dropped */
	PV_BIO_WRITE_ZEROES,	/* the range reads back as zeroes */
};

/* Complete everything before it first, and start nothing after it
 * until it has completed. */
#define	PV_BIO_ORDERED	0x0001
#define	PV_BIO_SECURE	0x0002		/* discard: erase for good */
#define	PV_BIO_UNMAP	0x0004		/* write zeroes: may deallocate */

struct pv_bio;
typedef void pv_bio_done_t(struct pv_bio *bio);

struct pv_bio {
	enum pv_bio_op	 b_op;
	int		 b_flags;
	uint64_t	 b_sector;	/* 512-byte units */
	uint64_t	 b_bytes;
	void		*b_data;	/* READ/WRITE: the buffer */
	pv_bio_done_t	*b_done;
	void		*b_arg;
	int		 b_error;	/* set when b_done is called */
	/* Private to the block layer. */
	TAILQ_ENTRY(pv_bio) b_link;
	uint64_t	 b_next;	/* bytes already made commands */
	unsigned	 b_cmds;	/* commands not yet complete */
	unsigned	 b_ctx;		/* pv_curctx() of the submitter */
};

/* Features the transport negotiated. */
#define	PV_DISK_FLUSH		0x0001	/* a cache that FLUSH empties */
#define	PV_DISK_BARRIER		0x0002	/* ordered writes on the wire */
#define	PV_DISK_DISCARD		0x0004
#define	PV_DISK_SECURE_DISCARD	0x0008
#define	PV_DISK_WRITE_ZEROES	0x0010

struct pv_disk_info {
	char		di_name[16];		/* "xbd0", "vtbd1" */
	uint64_t	di_sectors;		/* 512-byte units */
	uint32_t	di_sector_size;		/* logical, a power of 2 */
	uint32_t	di_phys_sector_size;
	bool		di_readonly;
	uint32_t	di_features;		/* PV_DISK_* */
	uint32_t	di_discard_granularity;	/* bytes, 0: sector size */
	uint32_t	di_discard_alignment;	/* bytes */
};

struct pv_blk_limits {
	uint32_t	bl_max_cmds;		/* commands in flight at once */
	uint32_t	bl_max_segments;	/* pages per command */
	uint64_t	bl_max_bytes;		/* data bytes per command */
	uint64_t	bl_max_discard_bytes;	/* 0: no limit */
	uint64_t	bl_max_zeroes_bytes;	/* 0: no limit */
};

enum pv_blkcmd_state {
	PV_CMD_FREE,
	PV_CMD_READY,		/* built, waiting for the transport */
	PV_CMD_BUSY,		/* on the wire */
	PV_CMD_COMPLETE,
};

/* One unit of work for the transport: a piece of a bio. */
struct pv_blkcmd {
	TAILQ_ENTRY(pv_blkcmd)	 c_link;
	enum pv_blkcmd_state	 c_state;
	enum pv_bio_op		 c_op;
	int			 c_flags;	/* PV_BIO_ORDERED, _SECURE */
	uint64_t		 c_sector;
	uint64_t		 c_bytes;
	void			*c_data;
	struct pv_bio		*c_bio;
	uint32_t		 c_slot;	/* its index in the pool */
	unsigned		 c_ctx;		/* the submitter's pv_curctx() */
	uint64_t		 c_resid;	/* private: bytes after this piece */
	int			 c_error;
	void			*c_priv;	/* the transport's */
};

/* Why a queue does not issue; each is counted. */
enum pv_blk_freeze {
	PV_FREEZE_CMDS,		/* the transport has no room */
	PV_FREEZE_GRANTS,	/* blkfront: no grant references */
	PV_FREEZE_IDLE,		/* waiting for idle before an ordered bio */
	PV_FREEZE_SUSPEND,	/* the transport is reconnecting */
	PV_FREEZE_NREASONS
};

struct pv_blk;

struct pv_blk_ops {
	/*
	 * Put a command on the wire; called with the disk locked.  Return 0
	 * once it is issued, EAGAIN after freezing the queue for a reason
	 * it will thaw, or another errno to fail the command.
	 */
	int	(*bo_start)(void *sc, struct pv_blkcmd *cmd);
	/* Tell the device about what was started; disk locked. */
	void	(*bo_kick)(void *sc);
	/* Reap completions without interrupts (a polled path). */
	void	(*bo_poll)(void *sc);
};

int	pv_blk_create(struct pv_blk **blkp, const struct pv_disk_info *info,
	    const struct pv_blk_limits *lim, const struct pv_blk_ops *ops,
	    void *sc);
/* Fail what is left with ENXIO and unregister the disk. */
void	pv_blk_destroy(struct pv_blk *blk);

/* For a disk's users. */
void	pv_blk_submit(struct pv_blk *blk, struct pv_bio *bio);
/* Submit and sleep until done; returns bio->b_error. */
int	pv_blk_io(struct pv_blk *blk, struct pv_bio *bio);
/* Submit and poll the transport until done, for paths without interrupts. */
int	pv_blk_io_polled(struct pv_blk *blk, struct pv_bio *bio,
	    uint64_t timeout_ns);
void	pv_blk_info(struct pv_blk *blk, struct pv_disk_info *info);

/*
 * For transports.  The disk lock serialises the queue and the transport's
 * ring; pv_blk_unlock issues what can be issued and then, unlocked, runs
 * the completions of finished bios.
 */
void	pv_blk_lock(struct pv_blk *blk);
void	pv_blk_unlock(struct pv_blk *blk);
void	pv_blk_done(struct pv_blk *blk, struct pv_blkcmd *cmd, int error);
struct pv_blkcmd *pv_blk_cmd(struct pv_blk *blk, uint32_t slot);
void	pv_blk_freeze(struct pv_blk *blk, enum pv_blk_freeze why);
void	pv_blk_thaw(struct pv_blk *blk, enum pv_blk_freeze why);
/* Put every busy command back at the head of the queue, in order. */
void	pv_blk_requeue(struct pv_blk *blk);
/* The device misbehaved: fail all, refuse all, log why once. */
void	pv_blk_fail(struct pv_blk *blk, const char *why);
bool	pv_blk_failed(struct pv_blk *blk);
void	pv_blk_set_info(struct pv_blk *blk, const struct pv_disk_info *info);
/*
 * The transport's limits changed (a reconnect to a smaller backend); disk
 * locked.  The command pool keeps its size.  A command that no longer
 * fits, a requeued one among them, goes out in pieces that do, one after
 * the other in its own slot.
 */
void	pv_blk_set_limits(struct pv_blk *blk, const struct pv_blk_limits *lim);
uint32_t pv_blk_busy(struct pv_blk *blk);
/*
 * Freeze the disk for SUSPEND and let what the device holds finish, for
 * at most timeout_ns; returns how many commands are still on the wire.
 * Called unlocked.  Finishing first matters: a request sent twice may
 * reach the disk twice, so only what outlives the drain is requeued.
 */
uint32_t pv_blk_drain(struct pv_blk *blk, uint64_t timeout_ns);

#endif /* !_PV_BLK_H_ */
