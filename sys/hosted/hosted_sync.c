/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Mutexes and channel sleep over pthreads.
 *
 * Sleepers are kept in hashed sleep queues, each with its own lock, as in
 * FreeBSD's sleepqueue(9): a sleeper enqueues itself under the bucket lock
 * before it drops the caller's mutex, so a wakeup that follows the unlock
 * always finds it.  Each sleeper waits on its own condition variable.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <pv/queue.h>
#include <pv/sync.h>
#include <pv/thread.h>

_Static_assert(sizeof(pthread_mutex_t) <= PV_MTX_MD_SIZE,
    "pv_mtx too small for pthread_mutex_t");

#define	SLEEPQ_BUCKETS	64

struct sleeper {
	TAILQ_ENTRY(sleeper)	 s_link;
	const void		*s_chan;
	pthread_cond_t		 s_cv;
	bool			 s_woken;
};

struct sleepq {
	pthread_mutex_t		 sq_lock;
	TAILQ_HEAD(, sleeper)	 sq_sleepers;
};

static struct sleepq	sleepqs[SLEEPQ_BUCKETS];
static pthread_once_t	sleepq_once = PTHREAD_ONCE_INIT;

static void
sleepq_init(void)
{
	int i;

	for (i = 0; i < SLEEPQ_BUCKETS; i++) {
		pthread_mutex_init(&sleepqs[i].sq_lock, NULL);
		TAILQ_INIT(&sleepqs[i].sq_sleepers);
	}
}

static struct sleepq *
sleepq_of(const void *chan)
{
	uintptr_t h = (uintptr_t)chan;

	pthread_once(&sleepq_once, sleepq_init);
	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ull;
	return (&sleepqs[(h >> 32) % SLEEPQ_BUCKETS]);
}

static pthread_mutex_t *
md_mtx(struct pv_mtx *m)
{
	return ((pthread_mutex_t *)(void *)m->pm_md);
}

void
pv_mtx_init(struct pv_mtx *m, const char *name)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(md_mtx(m), &attr);
	pthread_mutexattr_destroy(&attr);
	m->pm_name = name;
	m->pm_owner = NULL;
}

void
pv_mtx_destroy(struct pv_mtx *m)
{
	if (m->pm_owner != NULL)
		pv_panic("mutex %s destroyed while held", m->pm_name);
	pthread_mutex_destroy(md_mtx(m));
}

void
pv_mtx_lock(struct pv_mtx *m)
{
	int error;

	if ((error = pthread_mutex_lock(md_mtx(m))) != 0)
		pv_panic("mutex %s: lock failed (%d)%s", m->pm_name, error,
		    error == EDEADLK ? ", already held" : "");
	__atomic_store_n(&m->pm_owner, pv_curthread(), __ATOMIC_RELAXED);
}

void
pv_mtx_unlock(struct pv_mtx *m)
{
	if (!pv_mtx_owned(m))
		pv_panic("mutex %s released but not held", m->pm_name);
	__atomic_store_n(&m->pm_owner, NULL, __ATOMIC_RELAXED);
	pthread_mutex_unlock(md_mtx(m));
}

bool
pv_mtx_owned(const struct pv_mtx *m)
{
	return (__atomic_load_n(&m->pm_owner, __ATOMIC_RELAXED) ==
	    pv_curthread());
}

int
pv_sleep(const void *chan, struct pv_mtx *m, const char *wmesg,
    uint64_t timeout_ns)
{
	struct sleepq *sq = sleepq_of(chan);
	struct sleeper s;
	struct timespec ts;
	int error = 0;

	(void)wmesg;
	if (!pv_mtx_owned(m))
		pv_panic("pv_sleep %s: mutex %s not held", wmesg, m->pm_name);
	if (timeout_ns != 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += timeout_ns / 1000000000ull;
		ts.tv_nsec += timeout_ns % 1000000000ull;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
	}
	s.s_chan = chan;
	s.s_woken = false;
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s.s_cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	pthread_mutex_lock(&sq->sq_lock);
	TAILQ_INSERT_TAIL(&sq->sq_sleepers, &s, s_link);
	pv_mtx_unlock(m);
	while (!s.s_woken && error == 0) {
		if (timeout_ns == 0)
			pthread_cond_wait(&s.s_cv, &sq->sq_lock);
		else
			error = pthread_cond_timedwait(&s.s_cv, &sq->sq_lock,
			    &ts);
	}
	if (!s.s_woken)
		TAILQ_REMOVE(&sq->sq_sleepers, &s, s_link);
	pthread_mutex_unlock(&sq->sq_lock);
	pthread_cond_destroy(&s.s_cv);
	pv_mtx_lock(m);
	return (s.s_woken ? 0 : ETIMEDOUT);
}

static void
wakeup_chan(const void *chan, bool one)
{
	struct sleepq *sq = sleepq_of(chan);
	struct sleeper *s, *tmp;

	pthread_mutex_lock(&sq->sq_lock);
	TAILQ_FOREACH_SAFE(s, &sq->sq_sleepers, s_link, tmp) {
		if (s->s_chan != chan)
			continue;
		TAILQ_REMOVE(&sq->sq_sleepers, s, s_link);
		s->s_woken = true;
		pthread_cond_signal(&s->s_cv);
		if (one)
			break;
	}
	pthread_mutex_unlock(&sq->sq_lock);
}

void
pv_wakeup(const void *chan)
{
	wakeup_chan(chan, false);
}

void
pv_wakeup_one(const void *chan)
{
	wakeup_chan(chan, true);
}
