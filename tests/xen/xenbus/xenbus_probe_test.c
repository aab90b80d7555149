/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Frontend enumeration (xen/xenbus/xenbus_probe.c) against xensim: what
 * the toolstack created is handed to the driver once, what it adds later
 * arrives through the watch, and a node whose attach failed is tried
 * again.  dom0's side is the real libxenstore.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <atf-c.h>
#include <xenstore.h>

#include <pv/sync.h>
#include <xenpv/xenbus.h>

#include "lib/pvtest.h"
#include "lib/xensimtest.h"
#include "lib/xentest.h"

#define	DOM	3

static struct {
	struct pv_mtx	 mtx;
	int		 n;		/* attached */
	int		 calls;
	int		 fail;		/* refuse this many attaches */
	char		 nodes[8][64];
} seen;

static int
record(const char *node, void *arg)
{
	ATF_CHECK(arg == &seen);
	pv_mtx_lock(&seen.mtx);
	seen.calls++;
	if (seen.fail > 0) {
		seen.fail--;
		pv_mtx_unlock(&seen.mtx);
		return (EIO);
	}
	if (seen.n < 8)
		snprintf(seen.nodes[seen.n], sizeof(seen.nodes[0]), "%s",
		    node);
	seen.n++;
	pv_wakeup(&seen.n);
	pv_mtx_unlock(&seen.mtx);
	return (0);
}

/* dom0 adds a vbd the guest may read, as the toolstack would. */
static void
add_vbd(struct xs_handle *h, const char *id)
{
	struct xs_permissions perms[] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = DOM, .perms = XS_PERM_READ },
	};
	char path[96];

	snprintf(path, sizeof(path), "/local/domain/%d/device/vbd/%s", DOM,
	    id);
	ATF_REQUIRE(xs_mkdir(h, XBT_NULL, path));
	ATF_REQUIRE(xs_set_permissions(h, XBT_NULL, path, perms, 2));
}

static struct xs_handle *
probe_up(const atf_tc_t *tc, int fail)
{
	struct xs_handle *h;

	xentest_up(tc, DOM, 512);
	memset(&seen, 0, sizeof(seen));
	pv_mtx_init(&seen.mtx, "seen");
	seen.fail = fail;
	h = xs_open(XS_OPEN_SOCKETONLY);
	ATF_REQUIRE_MSG(h != NULL, "xs_open: %s", strerror(errno));
	return (h);
}

static int
wait_attached(int n)
{
	return (pvtest_wait_atleast(&seen.mtx, &seen.n, n, 5000));
}

ATF_TC_WITH_CLEANUP(boot_vbds_then_hotplug);
ATF_TC_HEAD(boot_vbds_then_hotplug, tc)
{
	atf_tc_set_md_var(tc, "descr", "each vbd reaches the driver once, "
	    "at boot or through the watch");
}
ATF_TC_BODY(boot_vbds_then_hotplug, tc)
{
	struct xenbus_probe *xp;
	struct xs_handle *h;
	unsigned attached;
	char path[96];

	h = probe_up(tc, 0);
	add_vbd(h, "51712");
	ATF_REQUIRE_EQ(xenbus_probe_frontends("vbd", record, &seen, &xp,
	    &attached), 0);
	ATF_CHECK_EQ(attached, 1);
	ATF_CHECK_STREQ(seen.nodes[0], "device/vbd/51712");
	ATF_REQUIRE_EQ(xenbus_probe_hotplug(xp), 0);
	add_vbd(h, "51728");
	ATF_REQUIRE_EQ(wait_attached(2), 2);
	ATF_CHECK_STREQ(seen.nodes[1], "device/vbd/51728");
	/* A change below a known vbd rescans, and attaches nothing twice. */
	snprintf(path, sizeof(path), "/local/domain/%d/device/vbd/51712/x",
	    DOM);
	ATF_REQUIRE(xs_write(h, XBT_NULL, path, "1", 1));
	add_vbd(h, "51744");
	ATF_REQUIRE_EQ(wait_attached(3), 3);
	pvtest_msleep(200);
	ATF_CHECK_EQ(seen.n, 3);
	ATF_CHECK_STREQ(seen.nodes[2], "device/vbd/51744");
	xenbus_probe_stop(xp);
	/* Stopped: a new vbd reaches nobody. */
	add_vbd(h, "51760");
	pvtest_msleep(200);
	ATF_CHECK_EQ(seen.n, 3);
	xs_close(h);
	xentest_down();
}
ATF_TC_CLEANUP(boot_vbds_then_hotplug, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(failed_attach_is_retried);
ATF_TC_HEAD(failed_attach_is_retried, tc)
{
	atf_tc_set_md_var(tc, "descr", "a vbd whose attach failed is tried "
	    "again at the next rescan");
}
ATF_TC_BODY(failed_attach_is_retried, tc)
{
	struct xenbus_probe *xp;
	struct xs_handle *h;
	unsigned attached;

	h = probe_up(tc, 1);
	add_vbd(h, "51712");
	ATF_REQUIRE_EQ(xenbus_probe_frontends("vbd", record, &seen, &xp,
	    &attached), 0);
	ATF_CHECK_EQ(attached, 0);
	ATF_CHECK_EQ(seen.calls, 1);
	/* The watch fires once on registration: that rescan retries it. */
	ATF_REQUIRE_EQ(xenbus_probe_hotplug(xp), 0);
	ATF_REQUIRE_EQ(wait_attached(1), 1);
	ATF_CHECK_STREQ(seen.nodes[0], "device/vbd/51712");
	xenbus_probe_stop(xp);
	xs_close(h);
	xentest_down();
}
ATF_TC_CLEANUP(failed_attach_is_retried, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, boot_vbds_then_hotplug);
	ATF_TP_ADD_TC(tp, failed_attach_is_retried);
	return (atf_no_error());
}
