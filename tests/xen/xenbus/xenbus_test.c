/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The xenbus client, over the ring page, against xensim's xenstored.
 */
#include <errno.h>
#include <string.h>

#include <atf-c.h>

#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/time.h>
#include <xenpv/xenbus.h>

#include "lib/pvtest.h"
#include "lib/xensimtest.h"
#include "lib/xentest.h"

#define	DOM	3

ATF_TC_WITH_CLEANUP(reads_the_toolstack_nodes);
ATF_TC_HEAD(reads_the_toolstack_nodes, tc)
{
	atf_tc_set_md_var(tc, "descr", "a guest sees what libxl wrote");
}
ATF_TC_BODY(reads_the_toolstack_nodes, tc)
{
	uint64_t kib, port;
	char *name;

	xentest_up(tc, DOM, 512);
	ATF_REQUIRE_EQ(xenbus_domid(), DOM);
	ATF_REQUIRE_EQ(xenbus_read(XENBUS_TXN_NONE, "/local/domain/3",
	    "name", &name, NULL), 0);
	ATF_REQUIRE_STREQ(name, "pvkit-test");
	pv_free(name);
	ATF_REQUIRE_EQ(xenbus_gather(XENBUS_TXN_NONE, "memory",
	    "static-max", (uint64_t)UINT64_MAX, &kib, NULL), 0);
	ATF_REQUIRE_EQ(kib, 512 * 4);
	ATF_REQUIRE_EQ(xenbus_read_u64(XENBUS_TXN_NONE, "store", "port",
	    65535, &port), 0);
	ATF_REQUIRE(port > 0);
	xentest_down();
}
ATF_TC_CLEANUP(reads_the_toolstack_nodes, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(permissions_hold_against_the_guest);
ATF_TC_HEAD(permissions_hold_against_the_guest, tc)
{
	atf_tc_set_md_var(tc, "descr", "the guest writes its own nodes only");
}
ATF_TC_BODY(permissions_hold_against_the_guest, tc)
{
	char *v;

	xentest_up(tc, DOM, 256);
	/* data/ is the guest's; name and the backend area are not. */
	ATF_REQUIRE_EQ(xenbus_write(XENBUS_TXN_NONE, "data", "x", "1"), 0);
	ATF_REQUIRE_EQ(xenbus_write(XENBUS_TXN_NONE, "name", NULL, "evil"),
	    EACCES);
	ATF_REQUIRE_EQ(xenbus_write(XENBUS_TXN_NONE,
	    "/local/domain/0/backend", "vbd", "1"), EACCES);
	ATF_REQUIRE_EQ(xenbus_read(XENBUS_TXN_NONE, "/local/domain/0",
	    "name", &v, NULL), EACCES);
	ATF_REQUIRE_EQ(xenbus_read(XENBUS_TXN_NONE, "data", "x", &v, NULL),
	    0);
	ATF_REQUIRE_STREQ(v, "1");
	pv_free(v);
	xentest_down();
}
ATF_TC_CLEANUP(permissions_hold_against_the_guest, tc)
{
	(void)tc;
	xensimtest_stop();
}

static struct pv_mtx	 wmtx;
static int		 nevents;
static char		 last[256];

static void
on_change(struct xenbus_watch *w, const char *path)
{
	(void)w;
	pv_mtx_lock(&wmtx);
	strncpy(last, path, sizeof(last) - 1);
	nevents++;
	pv_wakeup(&nevents);
	pv_mtx_unlock(&wmtx);
}

ATF_TC_WITH_CLEANUP(watches_fire_on_the_xenwatch_thread);
ATF_TC_HEAD(watches_fire_on_the_xenwatch_thread, tc)
{
	atf_tc_set_md_var(tc, "descr", "initial event, change, unregister");
}
ATF_TC_BODY(watches_fire_on_the_xenwatch_thread, tc)
{
	struct xenbus_watch w = {
		.w_node = "/local/domain/3/data",
		.w_fn = on_change,
	};

	xentest_up(tc, DOM, 256);
	pv_mtx_init(&wmtx, "test");
	ATF_REQUIRE_EQ(xenbus_watch_register(&w), 0);
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&wmtx, &nevents, 1, 5000), 1);
	ATF_REQUIRE_STREQ(last, "/local/domain/3/data");
	ATF_REQUIRE_EQ(xenbus_write(XENBUS_TXN_NONE, "data", "k", "v"), 0);
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&wmtx, &nevents, 2, 5000), 2);
	ATF_REQUIRE_STREQ(last, "/local/domain/3/data/k");
	xenbus_watch_unregister(&w);
	ATF_REQUIRE_EQ(xenbus_write(XENBUS_TXN_NONE, "data", "k", "w"), 0);
	/* A read is a round trip: any event would have been queued by now. */
	ATF_REQUIRE(xenbus_exists(XENBUS_TXN_NONE, "data", "k"));
	pvtest_msleep(50);
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&wmtx, &nevents, 3, 0), 2);
	xentest_down();
}
ATF_TC_CLEANUP(watches_fire_on_the_xenwatch_thread, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(transactions_conflict_and_retry);
ATF_TC_HEAD(transactions_conflict_and_retry, tc)
{
	atf_tc_set_md_var(tc, "descr", "EAGAIN on a conflicting commit");
}
ATF_TC_BODY(transactions_conflict_and_retry, tc)
{
	xenbus_txn_t a, b;
	uint64_t v;
	char *val;

	xentest_up(tc, DOM, 256);
	ATF_REQUIRE_EQ(xenbus_write(XENBUS_TXN_NONE, "data", "n", "0"), 0);
	ATF_REQUIRE_EQ(xenbus_transaction_start(&a), 0);
	ATF_REQUIRE_EQ(xenbus_transaction_start(&b), 0);
	ATF_REQUIRE(a != b);
	ATF_REQUIRE_EQ(xenbus_read_u64(a, "data", "n", 100, &v), 0);
	ATF_REQUIRE_EQ(xenbus_write(a, "data", "n", "1"), 0);
	ATF_REQUIRE_EQ(xenbus_read_u64(b, "data", "n", 100, &v), 0);
	ATF_REQUIRE_EQ(v, 0);
	ATF_REQUIRE_EQ(xenbus_write(b, "data", "n", "2"), 0);
	/* Inside its transaction, a sees its own write; outside, nobody. */
	ATF_REQUIRE_EQ(xenbus_read(XENBUS_TXN_NONE, "data", "n", &val, NULL),
	    0);
	ATF_REQUIRE_STREQ(val, "0");
	pv_free(val);
	ATF_REQUIRE_EQ(xenbus_transaction_end(a, false), 0);
	ATF_REQUIRE_EQ(xenbus_transaction_end(b, false), EAGAIN);
	ATF_REQUIRE_EQ(xenbus_read_u64(XENBUS_TXN_NONE, "data", "n", 100, &v),
	    0);
	ATF_REQUIRE_EQ(v, 1);
	xentest_down();
}
ATF_TC_CLEANUP(transactions_conflict_and_retry, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(bad_values_are_named_in_errors);
ATF_TC_HEAD(bad_values_are_named_in_errors, tc)
{
	atf_tc_set_md_var(tc, "descr", "typed reads refuse junk");
}
ATF_TC_BODY(bad_values_are_named_in_errors, tc)
{
	uint64_t v;

	xentest_up(tc, DOM, 256);
	ATF_REQUIRE_EQ(xenbus_write(XENBUS_TXN_NONE, "data", "junk", "12x"),
	    0);
	ATF_REQUIRE_EQ(xenbus_write(XENBUS_TXN_NONE, "data", "big", "300"),
	    0);
	ATF_REQUIRE_EQ(xenbus_read_u64(XENBUS_TXN_NONE, "data", "junk", 1000,
	    &v), EINVAL);
	ATF_REQUIRE(pvtest_msgbuf_has("data/junk: \"12x\" is not a number"));
	ATF_REQUIRE_EQ(xenbus_read_u64(XENBUS_TXN_NONE, "data", "big", 255,
	    &v), ERANGE);
	ATF_REQUIRE(pvtest_msgbuf_has("data/big: 300 is out of range"));
	ATF_REQUIRE_EQ(xenbus_read_u64_default(XENBUS_TXN_NONE, "data",
	    "absent", 10, 7, &v), 0);
	ATF_REQUIRE_EQ(v, 7);
	xentest_down();
}
ATF_TC_CLEANUP(bad_values_are_named_in_errors, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, reads_the_toolstack_nodes);
	ATF_TP_ADD_TC(tp, permissions_hold_against_the_guest);
	ATF_TP_ADD_TC(tp, watches_fire_on_the_xenwatch_thread);
	ATF_TP_ADD_TC(tp, transactions_conflict_and_retry);
	ATF_TP_ADD_TC(tp, bad_values_are_named_in_errors);
	return (atf_no_error());
}
