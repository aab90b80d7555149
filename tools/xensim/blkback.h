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
