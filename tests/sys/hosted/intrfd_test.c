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

ATF_TC_WITHOUT_HEAD(eventfd_signal_posts_interrupt);
ATF_TC_BODY(eventfd_signal_posts_interrupt, tc)
{
	struct pv_intr *ih;
	uint64_t one = 1;
	int efd;

	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ATF_REQUIRE(efd >= 0);
	ATF_REQUIRE_EQ(pv_intr_establish(&ih, "efd", handler, NULL), 0);
	ATF_REQUIRE_EQ(pv_hosted_intr_bind_fd(ih, efd), 0);
	ATF_REQUIRE_EQ(pv_hosted_intr_bind_fd(ih, efd), EBUSY);
	ATF_REQUIRE_EQ(write(efd, &one, sizeof(one)), sizeof(one));
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &calls, 1, 2000), 1);
	ATF_REQUIRE_EQ(write(efd, &one, sizeof(one)), sizeof(one));
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &calls, 2, 2000), 2);
	/* Once unbound, signals no longer reach the handler. */
	pv_hosted_intr_unbind_fd(efd);
	ATF_REQUIRE_EQ(write(efd, &one, sizeof(one)), sizeof(one));
	pvtest_msleep(50);
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &calls, 3, 0), 2);
	ATF_REQUIRE_EQ(pv_hosted_intr_bind_fd(ih, -1), EINVAL);
	pv_intr_disestablish(ih);
	close(efd);
	pvtest_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, eventfd_signal_posts_interrupt);
	return (atf_no_error());
}
