/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A file descriptor as an interrupt line: how a peer process signals us.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <unistd.h>

#include <atf-c.h>

#include <hosted/hosted.h>
#include <pv/intr.h>
#include <pv/sync.h>
#include <pv/time.h>

#include "lib/pvtest.h"

static struct pv_mtx	mtx;
static int		calls;

static void
handler(void *arg)
{
	(void)arg;
	pv_mtx_lock(&mtx);
	calls++;
	pv_wakeup(&calls);
	pv_mtx_unlock(&mtx);
}

/* The platform, and a fresh eventfd to signal with. */
static int
line_up(void)
{
	int efd;

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ATF_REQUIRE(efd >= 0);
	return (efd);
}

/* Signal efd; the handler then has n calls in all, within a bound. */
static void
signal_and_wait(int efd, int n)
{
	uint64_t one = 1;

	ATF_REQUIRE_EQ(write(efd, &one, sizeof(one)), sizeof(one));
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &calls, n, 2000), n);
}

/* Signal efd (or not, with -1); the handler still has n calls after. */
static void
signal_unheard(int efd, int n)
{
	uint64_t one = 1;

	if (efd >= 0)
		ATF_REQUIRE_EQ(write(efd, &one, sizeof(one)), sizeof(one));
	pvtest_msleep(50);
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &calls, n + 1, 0), n);
}

ATF_TC_WITHOUT_HEAD(eventfd_signal_posts_interrupt);
ATF_TC_BODY(eventfd_signal_posts_interrupt, tc)
{
	struct pv_intr *ih;
	int efd;

	efd = line_up();
	ATF_REQUIRE_EQ(pv_intr_establish(&ih, "efd", handler, NULL), 0);
	ATF_REQUIRE_EQ(pv_hosted_intr_bind_fd(ih, efd), 0);
	ATF_REQUIRE_EQ(pv_hosted_intr_bind_fd(ih, efd), EBUSY);
	signal_and_wait(efd, 1);
	signal_and_wait(efd, 2);
	/* Once unbound, signals no longer reach the handler. */
	pv_hosted_intr_unbind_fd(efd);
	signal_unheard(efd, 2);
	ATF_REQUIRE_EQ(pv_hosted_intr_bind_fd(ih, -1), EINVAL);
	pv_intr_disestablish(ih);
	close(efd);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(eventfd_signal_calls_function);
ATF_TC_BODY(eventfd_signal_calls_function, tc)
{
	struct pv_intr *ih;
	int efd;

	efd = line_up();
	ATF_REQUIRE_EQ(pv_hosted_intr_bind_fd_fn(efd, handler, NULL), 0);
	/* One line, one binding, of either kind. */
	ATF_REQUIRE_EQ(pv_hosted_intr_bind_fd_fn(efd, handler, NULL), EBUSY);
	ATF_REQUIRE_EQ(pv_intr_establish(&ih, "efd", handler, NULL), 0);
	ATF_REQUIRE_EQ(pv_hosted_intr_bind_fd(ih, efd), EBUSY);
	signal_and_wait(efd, 1);
	/* What was readable was consumed: no call without a new signal. */
	signal_unheard(-1, 1);
	pv_hosted_intr_unbind_fd(efd);
	signal_unheard(efd, 1);
	ATF_REQUIRE_EQ(pv_hosted_intr_bind_fd_fn(-1, handler, NULL), EINVAL);
	pv_intr_disestablish(ih);
	close(efd);
	pvtest_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, eventfd_signal_posts_interrupt);
	ATF_TP_ADD_TC(tp, eventfd_signal_calls_function);
	return (atf_no_error());
}
