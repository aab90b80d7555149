/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * workload=selftest: the kernel services that drivers rely on, checked
 * on the real machine: threads and mutexes, sleep with and without a
 * timeout, callouts, task queues and the page allocator; then the
 * platform's own checks (its timer interrupt, a hardware vector posted
 * to a handler).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/callout.h>
#include <pv/console.h>
#include <pv/machine.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/sysctl.h>
#include <pv/taskq.h>
#include <pv/thread.h>
#include <pv/time.h>

#include "guest.h"

#define	NWORKERS	4
#define	NROUNDS		100

#define	CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		snprintf(why, whylen, __VA_ARGS__);			\
		return (EIO);						\
	}								\
} while (0)

struct st_shared {
	struct pv_mtx	mtx;
	unsigned	counter;
	unsigned	inside;		/* threads between lock and unlock */
	bool		overlap;
	bool		flag;
	unsigned	task_runs;
	int		task_pending;
};

static struct st_shared	st;

static void
worker(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < NROUNDS; i++) {
		pv_mtx_lock(&st.mtx);
		if (st.inside++ != 0)
			st.overlap = true;
		/* Give the others a chance to find the lock taken. */
		pv_yield();
		st.counter++;
		st.inside--;
		pv_mtx_unlock(&st.mtx);
		pv_yield();
	}
}

static int
test_threads(char *why, size_t whylen)
{
	struct pv_thread *td[NWORKERS];
	int i, error;

	st.counter = 0;
	for (i = 0; i < NWORKERS; i++) {
		error = pv_thread_create(&td[i], "worker", worker, NULL);
		CHECK(error == 0, "pv_thread_create: error %d", error);
	}
	for (i = 0; i < NWORKERS; i++)
		pv_thread_join(td[i]);
	CHECK(!st.overlap, "two threads inside one mutex");
	CHECK(st.counter == NWORKERS * NROUNDS, "counter %u, expected %u",
	    st.counter, NWORKERS * NROUNDS);
	pv_printf("selftest: %d threads x %d rounds under one mutex: ok\n",
	    NWORKERS, NROUNDS);
	return (0);
}

static void
waker(void *arg)
{
	(void)arg;
	pv_pause("waker", 5 * PV_NS_PER_MS);
	pv_mtx_lock(&st.mtx);
	st.flag = true;
	pv_wakeup(&st.flag);
	pv_mtx_unlock(&st.mtx);
}

static int
test_sleep(char *why, size_t whylen)
{
	struct pv_thread *td;
	uint64_t t0, dt;
	int error;

	/* A timeout with nobody to wake us. */
	pv_mtx_lock(&st.mtx);
	t0 = pv_uptime_ns();
	error = pv_sleep(&st, &st.mtx, "tmo", 20 * PV_NS_PER_MS);
	dt = pv_uptime_ns() - t0;
	pv_mtx_unlock(&st.mtx);
	CHECK(error == ETIMEDOUT, "pv_sleep timeout returned %d", error);
	CHECK(dt >= 20 * PV_NS_PER_MS && dt < PV_NS_PER_SEC,
	    "a 20 ms sleep took %ju us", (uintmax_t)(dt / 1000));
	pv_printf("selftest: 20 ms timeout after %ju us: ok\n",
	    (uintmax_t)(dt / 1000));

	/* A wakeup well before the timeout. */
	st.flag = false;
	error = pv_thread_create(&td, "waker", waker, NULL);
	CHECK(error == 0, "pv_thread_create: error %d", error);
	pv_mtx_lock(&st.mtx);
	t0 = pv_uptime_ns();
	error = 0;
	while (!st.flag && error == 0)
		error = pv_sleep(&st.flag, &st.mtx, "wake", PV_NS_PER_SEC);
	dt = pv_uptime_ns() - t0;
	pv_mtx_unlock(&st.mtx);
	pv_thread_join(td);
	CHECK(st.flag && error == 0, "wakeup lost (error %d)", error);
	pv_printf("selftest: woken after %ju us: ok\n",
	    (uintmax_t)(dt / 1000));

	t0 = pv_uptime_ns();
	pv_pause("pause", 10 * PV_NS_PER_MS);
	dt = pv_uptime_ns() - t0;
	CHECK(dt >= 10 * PV_NS_PER_MS, "a 10 ms pause took %ju us",
	    (uintmax_t)(dt / 1000));
	return (0);
}

static void
callout_fn(void *arg)
{
	(void)arg;
	/* Called with st.mtx held: the callout was set up with it. */
	st.flag = true;
	pv_wakeup(&st.flag);
}

static int
test_callout(char *why, size_t whylen)
{
	struct pv_callout c;
	uint64_t t0, dt;
	int error = 0;

	pv_callout_init(&c, &st.mtx);
	st.flag = false;
	pv_mtx_lock(&st.mtx);
	t0 = pv_uptime_ns();
	pv_callout_reset(&c, 30 * PV_NS_PER_MS, callout_fn, NULL);
	while (!st.flag && error == 0)
		error = pv_sleep(&st.flag, &st.mtx, "callout", PV_NS_PER_SEC);
	dt = pv_uptime_ns() - t0;
	pv_mtx_unlock(&st.mtx);
	CHECK(st.flag, "the callout did not fire within a second");
	CHECK(dt >= 30 * PV_NS_PER_MS, "a 30 ms callout fired after %ju us",
	    (uintmax_t)(dt / 1000));
	/* A stopped callout never fires. */
	st.flag = false;
	pv_mtx_lock(&st.mtx);
	pv_callout_reset(&c, 5 * PV_NS_PER_MS, callout_fn, NULL);
	CHECK(pv_callout_stop(&c), "pv_callout_stop found nothing pending");
	pv_mtx_unlock(&st.mtx);
	pv_pause("stopped", 15 * PV_NS_PER_MS);
	CHECK(!st.flag, "a stopped callout fired");
	(void)pv_callout_drain(&c);
	pv_printf("selftest: callout after %ju us, stop: ok\n",
	    (uintmax_t)(dt / 1000));
	return (0);
}

static void
task_fn(void *arg, int pending)
{
	(void)arg;
	st.task_runs++;
	st.task_pending += pending;
}

static int
test_taskq(char *why, size_t whylen)
{
	struct pv_taskq *tq;
	struct pv_task t;
	int error;

	error = pv_taskq_create(&tq, "selftest");
	CHECK(error == 0, "pv_taskq_create: error %d", error);
	PV_TASK_INIT(&t, task_fn, NULL);
	st.task_runs = 0;
	st.task_pending = 0;
	/* Nothing runs until we yield: the second enqueue coalesces. */
	CHECK(pv_taskq_enqueue(tq, &t), "first enqueue coalesced");
	CHECK(!pv_taskq_enqueue(tq, &t), "second enqueue not coalesced");
	pv_taskq_drain(tq, &t);
	CHECK(st.task_runs == 1 && st.task_pending == 2,
	    "task ran %u time(s) with %d pending, expected once with 2",
	    st.task_runs, st.task_pending);
	pv_taskq_free(tq);
	pv_printf("selftest: taskq coalesce and drain: ok\n");
	return (0);
}

static int
test_pages(char *why, size_t whylen)
{
	struct pv_memstats before, after;
	pv_pfn_t pfn;
	uint8_t *va;
	size_t i;

	pv_mem_stats(&before);
	va = pv_pages_alloc(16, PV_M_NOWAIT | PV_M_ZERO, &pfn);
	CHECK(va != NULL, "16 contiguous pages not available");
	CHECK(pv_vtophys(va) == pv_ptoa(pfn),
	    "page %p has frame %#jx, but pv_vtophys says %#jx", (void *)va,
	    (uintmax_t)pfn, (uintmax_t)pv_vtophys(va));
	CHECK(pv_phystov(pv_ptoa(pfn + 15) + 8) == va + 15 * PV_PAGE_SIZE + 8,
	    "pv_phystov disagrees with pv_vtophys");
	for (i = 0; i < 16 * PV_PAGE_SIZE; i++) {
		if (va[i] != 0)
			break;
		va[i] = (uint8_t)i;
	}
	CHECK(i == 16 * PV_PAGE_SIZE, "PV_M_ZERO page not zero at %zu", i);
	pv_pages_free(va, 16);
	va = pv_malloc(1000, PV_M_WAITOK);
	pv_free(va);
	pv_mem_stats(&after);
	CHECK(after.ms_pages_free == before.ms_pages_free &&
	    after.ms_malloc_count == before.ms_malloc_count,
	    "pages or allocations leaked");
	pv_printf("selftest: pages at frame %#jx, %ju pages free: ok\n",
	    (uintmax_t)pfn, (uintmax_t)after.ms_pages_free);
	return (0);
}

/* Tunables from the command line reached the sysctl tree. */
static int
test_tunables(char *why, size_t whylen)
{
	char val[PV_CTL_VALUE_MAX];
	int error;

	error = pv_ctl_get("kern.log_level", val, sizeof(val));
	CHECK(error == 0, "kern.log_level: error %d", error);
	pv_printf("selftest: kern.log_level = %s: ok\n", val);
	return (0);
}

int
guest_selftest(char *why, size_t whylen)
{
	int error;

	pv_mtx_init(&st.mtx, "selftest");
	if ((error = test_tunables(why, whylen)) != 0 ||
	    (error = test_threads(why, whylen)) != 0 ||
	    (error = test_sleep(why, whylen)) != 0 ||
	    (error = test_callout(why, whylen)) != 0 ||
	    (error = test_taskq(why, whylen)) != 0 ||
	    (error = test_pages(why, whylen)) != 0 ||
	    (error = pv_machine_check("selftest", why, whylen)) != 0)
		return (error);
	pv_mtx_destroy(&st.mtx);
	return (0);
}
