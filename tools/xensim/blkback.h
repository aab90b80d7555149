/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim's block backend.
 */
#ifndef _BLKBACK_H_
#define _BLKBACK_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Faults the backend can be told to inject (-o blkback.fault=KIND), to
 * test a frontend against a slow, reordering or broken backend.
 */
enum bb_fault {
	BF_NONE,
	BF_ERROR,		/* BLKIF_RSP_ERROR instead of the I/O */
	BF_DELAY,		/* the response held back fault-delay-ms */
	BF_REORDER,		/* a batch of responses answered backwards */
	BF_DROP_NOTIFY,		/* no event for the push; a later one */
	BF_DUPLICATE,		/* one response sent twice */
	BF_BAD_ID,		/* an id no request has */
	BF_BAD_OP,		/* another operation than the request's */
	BF_BAD_STATUS,		/* status 7 */
	BF_OVERRUN,		/* rsp_prod past the requests made */
	BF_DISCONNECT,		/* rings dropped mid-I/O, Closed, back */
	BF_RESIZE,		/* the image grows 1 MiB while connected */
	BF_STORM,		/* held fault-delay-ms under an event storm */
	BF_NKINDS
};

/* Which requests faults are drawn from (blkback.fault-op). */
enum bb_fault_op { BFO_ANY, BFO_READ, BFO_WRITE };

/*
 * Which ring-size scheme the backend speaks (blkback.ring-keys): Citrix's
 * max-ring-page-order/ring-page-order, as Linux blkback, RedHat/Amazon's
 * older max-ring-pages/num-ring-pages, or both (blkif.h note 3).
 */
enum bb_ring_keys { BRK_ORDER, BRK_PAGES, BRK_BOTH };

#define	BB_MAX_FAULTS	16	/* kinds in one list, repeats included */

/*
 * What the backend offers; each can be switched off on the command line
 * (-o blkback.KEY=VALUE), and a feature switched off is not published.
 */
struct blkback_conf {
	uint32_t	bc_max_indirect;	/* feature-max-indirect-segments */
	uint32_t	bc_max_ring_order;	/* max-ring-page-order */
	uint32_t	bc_max_queues;		/* multi-queue-max-queues */
	uint32_t	bc_sector_size;		/* logical, bytes */
	uint32_t	bc_phys_sector_size;	/* 0: the logical size */
	uint32_t	bc_max_pgrants;		/* persistent maps per ring */
	bool		bc_persistent;		/* feature-persistent */
	bool		bc_flush;		/* feature-flush-cache */
	bool		bc_barrier;		/* feature-barrier */
	bool		bc_discard;		/* feature-discard */
	bool		bc_discard_secure;	/* discard-secure */
	bool		bc_skip_initwait;	/* Initialising to Connected */
	/* A reconnect finds no indirect segments, one queue, one page. */
	bool		bc_shrink_reconnect;
	uint8_t		bc_ring_keys;		/* enum bb_ring_keys */
	/* Faults: taken in turn from the list, on every Nth response. */
	uint8_t		bc_faults[BB_MAX_FAULTS];
	unsigned	bc_nfaults;
	uint32_t	bc_fault_every;		/* every Nth response */
	uint32_t	bc_fault_after;		/* ... after the first N */
	uint32_t	bc_fault_limit;		/* at most N in all; 0: no limit */
	uint32_t	bc_fault_delay_ms;	/* delay, and pauses */
	uint8_t		bc_fault_op;		/* enum bb_fault_op */
	uint32_t	bc_fault_devid;		/* only this vbd; 0: every one */
	uint32_t	bc_storm_us;		/* a storm's event interval */
};

extern struct blkback_conf blkback_conf;

/*
 * Set one option from "KEY=VALUE" (KEY without the "blkback." prefix).
 * Returns 0, or EINVAL with a message naming the key in err.
 */
int	blkback_option(const char *kv, char *err, size_t errlen);
int	blkback_init(void);
void	blkback_fini(void);
/* A domain died: its backends go with it. */
void	blkback_domain_gone(uint32_t domid);

#endif /* !_BLKBACK_H_ */
