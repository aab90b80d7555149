/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Mutexes and channel sleep/wakeup.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>

#include <atf-c.h>

#include <pv/sync.h>
#include <pv/time.h>

#include "lib/pvtest.h"

static struct pv_mtx	mtx;
static uint64_t		counter;

static void *
increment(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 100000; i++) {
		pv_mtx_lock(&mtx);
		counter++;
		pv_mtx_unlock(&mtx);
	}
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(mutex_excludes);
ATF_TC_BODY(mutex_excludes, tc)
{
	pthread_t td[4];
	int i;

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	for (i = 0; i < 4; i++)
		pthread_create(&td[i], NULL, increment, NULL);
	for (i = 0; i < 4; i++)
		pthread_join(td[i], NULL);
	ATF_REQUIRE_EQ(counter, 400000);
	ATF_REQUIRE(!pv_mtx_owned(&mtx));
	pv_mtx_lock(&mtx);
	ATF_REQUIRE(pv_mtx_owned(&mtx));
	pv_mtx_unlock(&mtx);
	pv_mtx_destroy(&mtx);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(sleep_times_out);
ATF_TC_BODY(sleep_times_out, tc)
{
	uint64_t t0, ms;
	int chan, error;

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	pv_mtx_lock(&mtx);
	t0 = pv_uptime_ns();
	error = pv_sleep(&chan, &mtx, "test", 50 * PV_NS_PER_MS);
	ms = pvtest_ms_since(t0);
	ATF_REQUIRE_EQ(error, ETIMEDOUT);
	ATF_REQUIRE_MSG(ms >= 50, "woke after %ju ms, before the timeout",
	    (uintmax_t)ms);
	ATF_REQUIRE_MSG(ms < 2000, "slept %ju ms for a 50 ms timeout",
	    (uintmax_t)ms);
	ATF_REQUIRE(pv_mtx_owned(&mtx));
	pv_mtx_unlock(&mtx);
	pvtest_fini();
}

struct sleeper {
	const void	*chan;
	int		 error;
	int		 done;
	uint64_t	 timeout_ms;
};

static void *
sleep_on(void *arg)
{
	struct sleeper *s = arg;

	pv_mtx_lock(&mtx);
	s->error = pv_sleep(s->chan, &mtx, "sleeper",
	    s->timeout_ms * PV_NS_PER_MS);
	s->done = 1;
	pv_mtx_unlock(&mtx);
	return (NULL);
}

static int
done_count(struct sleeper *s, int n)
{
	int i, c = 0;

	pv_mtx_lock(&mtx);
	for (i = 0; i < n; i++)
		c += s[i].done;
	pv_mtx_unlock(&mtx);
	return (c);
}

ATF_TC_WITHOUT_HEAD(wakeup_wakes_sleeper_before_timeout);
ATF_TC_BODY(wakeup_wakes_sleeper_before_timeout, tc)
{
	struct sleeper s = { .chan = &s, .timeout_ms = 10000 };
	pthread_t td;
	uint64_t t0;

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	pthread_create(&td, NULL, sleep_on, &s);
	pvtest_msleep(50);
	ATF_REQUIRE_EQ(done_count(&s, 1), 0);
	t0 = pv_uptime_ns();
	pv_mtx_lock(&mtx);
	pv_wakeup(&s);
	pv_mtx_unlock(&mtx);
	pthread_join(td, NULL);
	ATF_REQUIRE_EQ(s.error, 0);
	ATF_REQUIRE(pvtest_ms_since(t0) < 2000);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(wakeup_one_wakes_exactly_one);
ATF_TC_BODY(wakeup_one_wakes_exactly_one, tc)
{
	struct sleeper s[3];
	pthread_t td[3];
	int i;

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	for (i = 0; i < 3; i++) {
		s[i] = (struct sleeper){ .chan = &mtx, .timeout_ms = 10000 };
		pthread_create(&td[i], NULL, sleep_on, &s[i]);
	}
	pvtest_msleep(50);
	pv_wakeup_one(&mtx);
	pvtest_msleep(100);
	ATF_REQUIRE_EQ(done_count(s, 3), 1);
	pv_wakeup(&mtx);
	for (i = 0; i < 3; i++) {
		pthread_join(td[i], NULL);
		ATF_REQUIRE_EQ(s[i].error, 0);
	}
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(wakeup_of_other_channel_is_ignored);
ATF_TC_BODY(wakeup_of_other_channel_is_ignored, tc)
{
	struct sleeper s = { .timeout_ms = 200 };
	pthread_t td;
	int other;

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	s.chan = &s;
	pthread_create(&td, NULL, sleep_on, &s);
	pvtest_msleep(50);
	pv_wakeup(&other);
	pthread_join(td, NULL);
	ATF_REQUIRE_EQ(s.error, ETIMEDOUT);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(sleep_releases_mutex);
ATF_TC_BODY(sleep_releases_mutex, tc)
{
	struct sleeper s = { .timeout_ms = 10000 };
	pthread_t td;

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	s.chan = &s;
	pthread_create(&td, NULL, sleep_on, &s);
	pvtest_msleep(50);
	/* Would deadlock if the sleeper still held the mutex. */
	pv_mtx_lock(&mtx);
	ATF_REQUIRE_EQ(s.done, 0);
	pv_wakeup(&s);
	pv_mtx_unlock(&mtx);
	pthread_join(td, NULL);
	ATF_REQUIRE_EQ(s.done, 1);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(recursive_lock_panics);
ATF_TC_BODY(recursive_lock_panics, tc)
{
	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	pv_mtx_lock(&mtx);
	atf_tc_expect_signal(SIGABRT, "a mutex is not recursive");
	pv_mtx_lock(&mtx);
}

ATF_TC_WITHOUT_HEAD(pause_sleeps_for_its_time);
ATF_TC_BODY(pause_sleeps_for_its_time, tc)
{
	uint64_t t0, ms;

	pvtest_init(0);
	t0 = pv_uptime_ns();
	pv_pause("test", 30 * PV_NS_PER_MS);
	ms = pvtest_ms_since(t0);
	ATF_REQUIRE_MSG(ms >= 30 && ms < 2000, "paused %ju ms for 30",
	    (uintmax_t)ms);
	pvtest_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, mutex_excludes);
	ATF_TP_ADD_TC(tp, sleep_times_out);
	ATF_TP_ADD_TC(tp, wakeup_wakes_sleeper_before_timeout);
	ATF_TP_ADD_TC(tp, wakeup_one_wakes_exactly_one);
	ATF_TP_ADD_TC(tp, wakeup_of_other_channel_is_ignored);
	ATF_TP_ADD_TC(tp, sleep_releases_mutex);
	ATF_TP_ADD_TC(tp, recursive_lock_panics);
	ATF_TP_ADD_TC(tp, pause_sleeps_for_its_time);
	return (atf_no_error());
}
