/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Callouts: deadlines, ordering, cancellation and draining.
 */
#include <pthread.h>

#include <atf-c.h>

#include <pv/callout.h>
#include <pv/sync.h>
#include <pv/time.h>

#include "lib/pvtest.h"

static struct pv_mtx	mtx;
static int		order[8];
static int		norder;
static uint64_t		fired_at;

struct tick {
	struct pv_callout	c;
	int			id;
	bool			saw_mtx;
};

static void
record(void *arg)
{
	struct tick *t = arg;

	t->saw_mtx = pv_mtx_owned(&mtx);
	order[norder++] = t->id;
	fired_at = pv_uptime_ns();
	pv_wakeup(&norder);
}

ATF_TC_WITHOUT_HEAD(fires_after_its_delay);
ATF_TC_BODY(fires_after_its_delay, tc)
{
	struct tick t = { .id = 1 };
	uint64_t t0;

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	pv_callout_init(&t.c, &mtx);
	t0 = pv_uptime_ns();
	pv_callout_reset(&t.c, 30 * PV_NS_PER_MS, record, &t);
	ATF_REQUIRE(pv_callout_pending(&t.c));
	(void)pvtest_wait_atleast(&mtx, &norder, 1, 2000);
	ATF_REQUIRE_EQ(norder, 1);
	ATF_REQUIRE_MSG(fired_at - t0 >= 30 * PV_NS_PER_MS,
	    "fired %ju ns early", (uintmax_t)(30 * PV_NS_PER_MS -
	    (fired_at - t0)));
	ATF_REQUIRE(t.saw_mtx);
	ATF_REQUIRE(!pv_callout_pending(&t.c));
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(fire_in_deadline_order);
ATF_TC_BODY(fire_in_deadline_order, tc)
{
	struct tick t[3] = { { .id = 60 }, { .id = 20 }, { .id = 40 } };
	int i;

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	for (i = 0; i < 3; i++) {
		pv_callout_init(&t[i].c, &mtx);
		pv_callout_reset(&t[i].c, t[i].id * PV_NS_PER_MS, record,
		    &t[i]);
	}
	(void)pvtest_wait_atleast(&mtx, &norder, 3, 2000);
	ATF_REQUIRE_EQ(norder, 3);
	ATF_REQUIRE_EQ(order[0], 20);
	ATF_REQUIRE_EQ(order[1], 40);
	ATF_REQUIRE_EQ(order[2], 60);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(stop_cancels_pending);
ATF_TC_BODY(stop_cancels_pending, tc)
{
	struct tick t = { .id = 1 };

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	pv_callout_init(&t.c, &mtx);
	pv_callout_reset(&t.c, 50 * PV_NS_PER_MS, record, &t);
	pv_mtx_lock(&mtx);
	ATF_REQUIRE(pv_callout_stop(&t.c));
	pv_mtx_unlock(&mtx);
	pvtest_msleep(150);
	ATF_REQUIRE_EQ(norder, 0);
	ATF_REQUIRE(!pv_callout_stop(&t.c));
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(reset_moves_deadline);
ATF_TC_BODY(reset_moves_deadline, tc)
{
	struct tick t = { .id = 7 };
	uint64_t t0;

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	pv_callout_init(&t.c, &mtx);
	pv_callout_reset(&t.c, 5000 * PV_NS_PER_MS, record, &t);
	t0 = pv_uptime_ns();
	pv_callout_reset(&t.c, 20 * PV_NS_PER_MS, record, &t);
	(void)pvtest_wait_atleast(&mtx, &norder, 1, 2000);
	ATF_REQUIRE_EQ(norder, 1);
	ATF_REQUIRE(fired_at - t0 < 2000 * PV_NS_PER_MS);
	/* It was moved, not duplicated. */
	pvtest_msleep(100);
	ATF_REQUIRE_EQ(norder, 1);
	pvtest_fini();
}

static int	slow_started, slow_release, slow_done, drained;

static void
slow(void *arg)
{
	(void)arg;
	__atomic_store_n(&slow_started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&slow_release, __ATOMIC_ACQUIRE))
		pv_delay_us(1000);
	__atomic_store_n(&slow_done, 1, __ATOMIC_RELEASE);
}

static void *
drainer(void *arg)
{
	(void)pv_callout_drain(arg);
	__atomic_store_n(&drained, 1, __ATOMIC_RELEASE);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(drain_waits_for_running_call);
ATF_TC_BODY(drain_waits_for_running_call, tc)
{
	struct pv_callout c;
	pthread_t td;

	pvtest_init(0);
	pv_callout_init(&c, NULL);
	pv_callout_reset(&c, 0, slow, NULL);
	while (!__atomic_load_n(&slow_started, __ATOMIC_ACQUIRE))
		pvtest_msleep(1);
	pthread_create(&td, NULL, drainer, &c);
	pvtest_msleep(50);
	ATF_REQUIRE_EQ_MSG(__atomic_load_n(&drained, __ATOMIC_ACQUIRE), 0,
	    "drain returned while the call was running");
	__atomic_store_n(&slow_release, 1, __ATOMIC_RELEASE);
	pthread_join(td, NULL);
	ATF_REQUIRE_EQ(__atomic_load_n(&slow_done, __ATOMIC_ACQUIRE), 1);
	pvtest_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, fires_after_its_delay);
	ATF_TP_ADD_TC(tp, fire_in_deadline_order);
	ATF_TP_ADD_TC(tp, stop_cancels_pending);
	ATF_TP_ADD_TC(tp, reset_moves_deadline);
	ATF_TP_ADD_TC(tp, drain_waits_for_running_call);
	return (atf_no_error());
}
