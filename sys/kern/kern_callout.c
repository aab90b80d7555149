/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Callouts, served by one thread that sleeps until the earliest deadline.
 *
 * A callout with a mutex is called with that mutex held.  Between taking
 * a due callout off the list and acquiring its mutex there is a window in
 * which its owner may stop or re-arm it; the owner then marks the call
 * cancelled, and the thread checks the mark once it holds the mutex.
 */
#include <errno.h>
#include <stddef.h>

#include <pv/callout.h>
#include <pv/sync.h>
#include <pv/thread.h>
#include <pv/time.h>

#include "kern/md.h"

static TAILQ_HEAD(, pv_callout)	callouts = TAILQ_HEAD_INITIALIZER(callouts);
static struct pv_mtx		callout_mtx;
static struct pv_thread		*callout_td;
static struct pv_callout	*callout_cur;	/* being called */
static bool			 callout_cur_cancel;
static bool			 callout_stopping;

void
pv_callout_init(struct pv_callout *c, struct pv_mtx *mtx)
{
	c->c_deadline = 0;
	c->c_fn = NULL;
	c->c_arg = NULL;
	c->c_mtx = mtx;
	c->c_pending = false;
}

/* The caller may cancel the call in flight only if it holds c_mtx. */
static bool
callout_cancel_cur(struct pv_callout *c)
{
	if (callout_cur == c && !callout_cur_cancel && c->c_mtx != NULL &&
	    pv_mtx_owned(c->c_mtx)) {
		callout_cur_cancel = true;
		return (true);
	}
	return (false);
}

void
pv_callout_reset(struct pv_callout *c, uint64_t delay_ns,
    pv_callout_fn_t *fn, void *arg)
{
	struct pv_callout *next;

	pv_mtx_lock(&callout_mtx);
	if (c->c_pending)
		TAILQ_REMOVE(&callouts, c, c_link);
	else
		(void)callout_cancel_cur(c);
	c->c_deadline = pv_uptime_ns() + delay_ns;
	c->c_fn = fn;
	c->c_arg = arg;
	c->c_pending = true;
	TAILQ_FOREACH(next, &callouts, c_link) {
		if (next->c_deadline > c->c_deadline)
			break;
	}
	if (next != NULL)
		TAILQ_INSERT_BEFORE(next, c, c_link);
	else
		TAILQ_INSERT_TAIL(&callouts, c, c_link);
	if (TAILQ_FIRST(&callouts) == c)
		pv_wakeup(&callouts);
	pv_mtx_unlock(&callout_mtx);
}

bool
pv_callout_stop(struct pv_callout *c)
{
	bool cancelled;

	pv_mtx_lock(&callout_mtx);
	if (c->c_pending) {
		TAILQ_REMOVE(&callouts, c, c_link);
		c->c_pending = false;
		cancelled = true;
	} else
		cancelled = callout_cancel_cur(c);
	pv_mtx_unlock(&callout_mtx);
	return (cancelled);
}

bool
pv_callout_drain(struct pv_callout *c)
{
	bool cancelled;

	cancelled = pv_callout_stop(c);
	pv_mtx_lock(&callout_mtx);
	while (callout_cur == c)
		pv_sleep(&callout_cur, &callout_mtx, "cdrain", 0);
	pv_mtx_unlock(&callout_mtx);
	return (cancelled);
}

bool
pv_callout_pending(const struct pv_callout *c)
{
	bool pending;

	pv_mtx_lock(&callout_mtx);
	pending = c->c_pending;
	pv_mtx_unlock(&callout_mtx);
	return (pending);
}

static void
callout_thread(void *arg)
{
	struct pv_callout *c;
	pv_callout_fn_t *fn;
	struct pv_mtx *mtx;
	uint64_t now;
	bool cancel;
	void *fnarg;

	(void)arg;
	pv_mtx_lock(&callout_mtx);
	while (!callout_stopping) {
		c = TAILQ_FIRST(&callouts);
		now = pv_uptime_ns();
		if (c == NULL || c->c_deadline > now) {
			pv_sleep(&callouts, &callout_mtx, "callout",
			    c == NULL ? 0 : c->c_deadline - now);
			continue;
		}
		TAILQ_REMOVE(&callouts, c, c_link);
		c->c_pending = false;
		callout_cur = c;
		callout_cur_cancel = false;
		fn = c->c_fn;
		fnarg = c->c_arg;
		mtx = c->c_mtx;
		pv_mtx_unlock(&callout_mtx);

		if (mtx != NULL)
			pv_mtx_lock(mtx);
		pv_mtx_lock(&callout_mtx);
		cancel = callout_cur_cancel;
		pv_mtx_unlock(&callout_mtx);
		if (!cancel)
			fn(fnarg);
		if (mtx != NULL)
			pv_mtx_unlock(mtx);

		/* c may be gone now: fn is allowed to free it. */
		pv_mtx_lock(&callout_mtx);
		callout_cur = NULL;
		pv_wakeup(&callout_cur);
	}
	pv_mtx_unlock(&callout_mtx);
}

int
pv_callout_sys_init(void)
{
	pv_mtx_init(&callout_mtx, "callout");
	TAILQ_INIT(&callouts);
	callout_stopping = false;
	callout_cur = NULL;
	return (pv_thread_create(&callout_td, "callout", callout_thread,
	    NULL));
}

void
pv_callout_sys_fini(void)
{
	pv_mtx_lock(&callout_mtx);
	callout_stopping = true;
	pv_wakeup(&callouts);
	pv_mtx_unlock(&callout_mtx);
	pv_thread_join(callout_td);
	pv_mtx_destroy(&callout_mtx);
}
