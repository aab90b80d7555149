/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Synchronisation service: a sleepable mutex and channel sleep/wakeup in
 * the BSD manner.  A sleeper names a channel (any address) and the mutex
 * that protects the condition it waits for; the mutex is released while
 * asleep and held again on return, so a wakeup issued under the same mutex
 * is never lost.
 */
#ifndef _PV_SYNC_H_
#define _PV_SYNC_H_

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>

#include <pv/panic.h>

struct pv_thread;

/* Storage for the platform's lock, sized for the largest platform. */
#define	PV_MTX_MD_SIZE	64

struct pv_mtx {
	alignas(16) unsigned char pm_md[PV_MTX_MD_SIZE];
	const char		*pm_name;
	struct pv_thread	*pm_owner;
};

void	pv_mtx_init(struct pv_mtx *m, const char *name);
void	pv_mtx_destroy(struct pv_mtx *m);
void	pv_mtx_lock(struct pv_mtx *m);
void	pv_mtx_unlock(struct pv_mtx *m);
bool	pv_mtx_owned(const struct pv_mtx *m);

#define	PV_MTX_ASSERT_OWNED(m)						\
	pv_assert(pv_mtx_owned(m))

/*
 * Sleep on chan with m held; timeout_ns 0 means no timeout.  Returns 0 when
 * woken and ETIMEDOUT when the timeout expired first.  Spurious returns are
 * possible, so callers re-check their condition in a loop.
 */
int	pv_sleep(const void *chan, struct pv_mtx *m, const char *wmesg,
	    uint64_t timeout_ns);
void	pv_wakeup(const void *chan);
void	pv_wakeup_one(const void *chan);
/*
 * Sleep for about ns, holding nothing: for waits that poll something
 * with no wakeup to sleep on.  pv_delay_us spins instead, for paths that
 * may not sleep.
 */
void	pv_pause(const char *wmesg, uint64_t ns);

#endif /* !_PV_SYNC_H_ */
