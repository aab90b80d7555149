/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Mutexes and channel sleep over the cooperative scheduler.  With one CPU
 * and no preemption, a thread between two scheduling points runs alone,
 * so a sleeper that queues itself before releasing its mutex can never
 * miss the wakeup that follows.
 */
#include <errno.h>

#include <pv/sync.h>
#include <pv/thread.h>
#include <pv/time.h>

#include "x86/cpufunc.h"
#include "x86_var.h"

struct md_mtx {
	uint32_t	mm_waiters;
};

_Static_assert(sizeof(struct md_mtx) <= PV_MTX_MD_SIZE,
    "pv_mtx too small for struct md_mtx");

static struct md_mtx *
md_mtx(struct pv_mtx *m)
{
	return ((struct md_mtx *)(void *)m->pm_md);
}

/* Waiters for the lock sleep here, apart from sleepers on m itself. */
static const void *
mtx_chan(const struct pv_mtx *m)
{
	return ((const char *)m + 1);
}

void
pv_mtx_init(struct pv_mtx *m, const char *name)
{
	md_mtx(m)->mm_waiters = 0;
	m->pm_name = name;
	m->pm_owner = NULL;
}

void
pv_mtx_destroy(struct pv_mtx *m)
{
	if (m->pm_owner != NULL)
		pv_panic("mutex %s destroyed while held", m->pm_name);
}

void
pv_mtx_lock(struct pv_mtx *m)
{
	struct pv_thread *td = pv_curthread();
	uint64_t prev;

	if (m->pm_owner == td)
		pv_panic("mutex %s: lock failed, already held", m->pm_name);
	prev = intr_disable();
	while (m->pm_owner != NULL) {
		md_mtx(m)->mm_waiters++;
		sched_sleep(mtx_chan(m), m->pm_name, 0, NULL);
		md_mtx(m)->mm_waiters--;
	}
	m->pm_owner = td;
	intr_restore(prev);
}

static void
mtx_release(struct pv_mtx *m)
{
	m->pm_owner = NULL;
	if (md_mtx(m)->mm_waiters != 0)
		sched_wakeup(mtx_chan(m), true);
}

void
pv_mtx_unlock(struct pv_mtx *m)
{
	uint64_t prev;

	if (!pv_mtx_owned(m))
		pv_panic("mutex %s released but not held", m->pm_name);
	prev = intr_disable();
	mtx_release(m);
	intr_restore(prev);
}

bool
pv_mtx_owned(const struct pv_mtx *m)
{
	return (m->pm_owner == pv_curthread());
}

int
pv_sleep(const void *chan, struct pv_mtx *m, const char *wmesg,
    uint64_t timeout_ns)
{
	uint64_t deadline = 0, prev;
	bool timedout;

	if (!pv_mtx_owned(m))
		pv_panic("pv_sleep %s: mutex %s not held", wmesg, m->pm_name);
	if (timeout_ns != 0)
		deadline = pv_uptime_ns() + timeout_ns;
	prev = intr_disable();
	mtx_release(m);
	sched_sleep(chan, wmesg, deadline, &timedout);
	intr_restore(prev);
	pv_mtx_lock(m);
	return (timedout ? ETIMEDOUT : 0);
}

void
pv_wakeup(const void *chan)
{
	uint64_t prev = intr_disable();

	sched_wakeup(chan, false);
	intr_restore(prev);
}

void
pv_wakeup_one(const void *chan)
{
	uint64_t prev = intr_disable();

	sched_wakeup(chan, true);
	intr_restore(prev);
}
