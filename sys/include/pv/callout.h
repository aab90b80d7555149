/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Timer service: one-shot callouts.  A callout initialised with a mutex
 * runs its function with that mutex held, and pv_callout_stop() called
 * under the same mutex then reliably cancels it, as with callout_init_mtx(9).
 */
#ifndef _PV_CALLOUT_H_
#define _PV_CALLOUT_H_

#include <stdbool.h>
#include <stdint.h>

#include <pv/queue.h>

struct pv_mtx;

typedef void pv_callout_fn_t(void *arg);

struct pv_callout {
	TAILQ_ENTRY(pv_callout)	 c_link;
	uint64_t		 c_deadline;	/* pv_uptime_ns() */
	pv_callout_fn_t		*c_fn;
	void			*c_arg;
	struct pv_mtx		*c_mtx;
	bool			 c_pending;
};

void	pv_callout_init(struct pv_callout *c, struct pv_mtx *mtx);
/* (Re)arm; a pending callout is moved to the new deadline. */
void	pv_callout_reset(struct pv_callout *c, uint64_t delay_ns,
	    pv_callout_fn_t *fn, void *arg);
/* Returns true when a pending call was cancelled. */
bool	pv_callout_stop(struct pv_callout *c);
/* Cancel and wait for a running call to finish; do not hold c_mtx. */
bool	pv_callout_drain(struct pv_callout *c);
bool	pv_callout_pending(const struct pv_callout *c);

#endif /* !_PV_CALLOUT_H_ */
