/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim's block backend.
 */
#ifndef _BLKBACK_H_
#define _BLKBACK_H_

#include <stdint.h>

/* What the backend offers; each can be switched off on the command line. */
struct blkback_conf {
	uint32_t	bc_max_indirect;	/* feature-max-indirect-segments */
	uint32_t	bc_max_ring_order;	/* max-ring-page-order */
	uint32_t	bc_max_queues;		/* multi-queue-max-queues */
};

extern struct blkback_conf blkback_conf;

int	blkback_init(void);
void	blkback_fini(void);
/* A domain died: its backends go with it. */
void	blkback_domain_gone(uint32_t domid);

#endif /* !_BLKBACK_H_ */
