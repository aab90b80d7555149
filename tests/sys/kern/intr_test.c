/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Interrupt threads: delivery, latching while masked, no re-entry.
 */
#include <pthread.h>

#include <atf-c.h>

#include <pv/intr.h>
#include <pv/sync.h>
#include <pv/sysctl.h>
#include <pv/thread.h>
#include <pv/time.h>

#include "lib/pvtest.h"

static struct pv_mtx	 mtx;
static int		 calls;
static int		 inside, max_inside;
static struct pv_thread	*handler_td;
static int		 posted_seq, seen_seq;
static unsigned		 handler_delay_us;

static void
handler(void *arg)
{
	(void)arg;
	pv_mtx_lock(&mtx);
	handler_td = pv_curthread();
	if (++inside > max_inside)
		max_inside = inside;
	seen_seq = posted_seq;
	pv_mtx_unlock(&mtx);
	pv_delay_us(handler_delay_us);
	pv_mtx_lock(&mtx);
	inside--;
	calls++;
	pv_wakeup(&calls);
	pv_mtx_unlock(&mtx);
}

ATF_TC_WITHOUT_HEAD(post_runs_handler_in_its_thread);
ATF_TC_BODY(post_runs_handler_in_its_thread, tc)
{
	struct pv_intr *ih;
	char val[32];

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	ATF_REQUIRE_EQ(pv_intr_establish(&ih, "test0", handler, NULL), 0);
	pv_intr_post(ih);
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &calls, 1, 2000), 1);
	ATF_REQUIRE(handler_td != pv_curthread());
	ATF_REQUIRE_EQ(pv_intr_count(ih), 1);
	ATF_REQUIRE_EQ(pv_ctl_get("intr.test0", val, sizeof(val)), 0);
	ATF_REQUIRE_STREQ(val, "1");
	pv_intr_disestablish(ih);
	ATF_REQUIRE(pv_ctl_get("intr.test0", val, sizeof(val)) != 0);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(posts_while_masked_are_latched);
ATF_TC_BODY(posts_while_masked_are_latched, tc)
{
	struct pv_intr *ih;

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	ATF_REQUIRE_EQ(pv_intr_establish(&ih, "test1", handler, NULL), 0);
	pv_intr_mask(ih);
	pv_intr_post(ih);
	pv_intr_post(ih);
	pv_intr_post(ih);
	pvtest_msleep(50);
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &calls, 1, 0), 0);
	pv_intr_unmask(ih);
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &calls, 1, 2000), 1);
	/* The three posts were one latched edge: one call, not three. */
	pvtest_msleep(50);
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &calls, 2, 0), 1);
	pv_intr_disestablish(ih);
	pvtest_fini();
}

static void *
poster(void *arg)
{
	struct pv_intr *ih = arg;
	int i;

	for (i = 0; i < 200; i++) {
		pv_mtx_lock(&mtx);
		posted_seq++;
		pv_mtx_unlock(&mtx);
		pv_intr_post(ih);
		pv_delay_us(200);
	}
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(handler_never_reentered_and_no_edge_lost);
ATF_TC_BODY(handler_never_reentered_and_no_edge_lost, tc)
{
	struct pv_intr *ih;
	pthread_t td[2];
	int final;

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	handler_delay_us = 1000;
	ATF_REQUIRE_EQ(pv_intr_establish(&ih, "test2", handler, NULL), 0);
	pthread_create(&td[0], NULL, poster, ih);
	pthread_create(&td[1], NULL, poster, ih);
	pthread_join(td[0], NULL);
	pthread_join(td[1], NULL);
	final = posted_seq;
	/* After the last post, a call must observe it. */
	pvtest_msleep(100);
	pv_mtx_lock(&mtx);
	ATF_REQUIRE_EQ_MSG(seen_seq, final, "last post %d, handler saw %d",
	    final, seen_seq);
	ATF_REQUIRE_EQ(max_inside, 1);
	ATF_REQUIRE(calls >= 1 && calls <= 400);
	pv_mtx_unlock(&mtx);
	pv_intr_disestablish(ih);
	pvtest_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, post_runs_handler_in_its_thread);
	ATF_TP_ADD_TC(tp, posts_while_masked_are_latched);
	ATF_TP_ADD_TC(tp, handler_never_reentered_and_no_edge_lost);
	return (atf_no_error());
}
