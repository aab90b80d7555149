/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim's xenstored as Xen's own client library sees it.  libxenstore is
 * what the toolstack and backends link, so whatever it cannot parse or
 * misreads here would break them against xensim too.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include <atf-c.h>

#include "lib/xensimtest.h"

#define	EVENT_TIMEOUT_MS	5000

static struct xs_handle *
open_store(void)
{
	struct xs_handle *h;

	/* Never fall back to /dev/xen/xenbus: only xensim is under test. */
	h = xs_open(XS_OPEN_SOCKETONLY);
	ATF_REQUIRE_MSG(h != NULL, "xs_open: %s", strerror(errno));
	/* The event pipe, before any event can be queued. */
	ATF_REQUIRE(xs_fileno(h) >= 0);
	return (h);
}

static void
write_str(struct xs_handle *h, xs_transaction_t t, const char *path,
    const char *val)
{
	ATF_REQUIRE_MSG(xs_write(h, t, path, val, strlen(val)),
	    "xs_write %s: %s", path, strerror(errno));
}

/* Require path to read as exactly val. */
static void
require_value(struct xs_handle *h, xs_transaction_t t, const char *path,
    const char *val)
{
	unsigned int len;
	char *v;

	v = xs_read(h, t, path, &len);
	ATF_REQUIRE_MSG(v != NULL, "xs_read %s: %s", path, strerror(errno));
	ATF_REQUIRE_MSG(len == strlen(val) && memcmp(v, val, len) == 0,
	    "%s is \"%.*s\", expected \"%s\"", path, (int)len, v, val);
	free(v);
}

static void
require_missing(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	unsigned int len;
	char *v;

	errno = 0;
	v = xs_read(h, t, path, &len);
	ATF_REQUIRE_MSG(v == NULL, "%s exists: \"%.*s\"", path,
	    v != NULL ? (int)len : 0, v != NULL ? v : "");
	ATF_REQUIRE_EQ_MSG(errno, ENOENT, "xs_read %s: %s", path,
	    strerror(errno));
}

/*
 * The next watch event within timeout_ms, or NULL.  xs_read_watch would
 * block for ever on a daemon that never sends one: wait on xs_fileno(),
 * readable while events are queued, with a bound, and only then read.
 */
static char **
next_event(struct xs_handle *h, int timeout_ms)
{
	struct pollfd pfd = { .fd = xs_fileno(h), .events = POLLIN };
	unsigned int num;
	char **ev;

	ATF_REQUIRE(pfd.fd >= 0);
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return (NULL);
	ev = xs_read_watch(h, &num);
	ATF_REQUIRE_MSG(ev != NULL, "xs_read_watch: %s", strerror(errno));
	ATF_REQUIRE_EQ(num, 2);
	return (ev);
}

static void
require_event(struct xs_handle *h, const char *path, const char *token)
{
	char **ev;

	ev = next_event(h, EVENT_TIMEOUT_MS);
	ATF_REQUIRE_MSG(ev != NULL, "no event for %s within %d ms", path,
	    EVENT_TIMEOUT_MS);
	ATF_REQUIRE_MSG(strcmp(ev[XS_WATCH_PATH], path) == 0 &&
	    strcmp(ev[XS_WATCH_TOKEN], token) == 0,
	    "event (%s, %s), expected (%s, %s)", ev[XS_WATCH_PATH],
	    ev[XS_WATCH_TOKEN], path, token);
	free(ev);
}

/*
 * No event is pending.  The daemon answers in order and libxenstore
 * queues an event before the reply that follows it, so after one round
 * trip any event already sent is queued: no need to wait for it.
 */
static void
require_no_event(struct xs_handle *h)
{
	unsigned int len;
	char **ev, *v;

	v = xs_read(h, XBT_NULL, "/local/domain/0/domid", &len);
	ATF_REQUIRE(v != NULL);
	free(v);
	ev = next_event(h, 0);
	if (ev != NULL)
		atf_tc_fail("unexpected event (%s, %s)", ev[XS_WATCH_PATH],
		    ev[XS_WATCH_TOKEN]);
}

ATF_TC_WITH_CLEANUP(write_read);
ATF_TC_HEAD(write_read, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "xs_write/xs_read round trip, with implicit parents and binary "
	    "values");
}
ATF_TC_BODY(write_read, tc)
{
	static const char bin[] = { 'a', '\0', 'b', '\n', '\xff' };
	struct xs_handle *h;
	unsigned int len;
	char *v;

	xensimtest_start(tc);
	h = open_store();
	require_value(h, XBT_NULL, "/local/domain/0/name", "Domain-0");

	write_str(h, XBT_NULL, "/a/b/c", "hello");
	require_value(h, XBT_NULL, "/a/b/c", "hello");
	require_value(h, XBT_NULL, "/a/b", "");
	require_value(h, XBT_NULL, "/a", "");
	write_str(h, XBT_NULL, "/a/b/c", "again");
	require_value(h, XBT_NULL, "/a/b/c", "again");

	ATF_REQUIRE(xs_write(h, XBT_NULL, "/a/bin", bin, sizeof(bin)));
	v = xs_read(h, XBT_NULL, "/a/bin", &len);
	ATF_REQUIRE(v != NULL);
	ATF_REQUIRE_EQ(len, sizeof(bin));
	ATF_REQUIRE(memcmp(v, bin, sizeof(bin)) == 0);
	free(v);

	require_missing(h, XBT_NULL, "/a/b/c/d");
	require_missing(h, XBT_NULL, "/nowhere");
	xs_close(h);
}
ATF_TC_CLEANUP(write_read, tc)
{
	xensimtest_stop();
}

static void
require_dir(struct xs_handle *h, const char *path, const char *const *want,
    unsigned int nwant)
{
	unsigned int i, num;
	char **d;

	d = xs_directory(h, XBT_NULL, path, &num);
	ATF_REQUIRE_MSG(d != NULL, "xs_directory %s: %s", path,
	    strerror(errno));
	ATF_REQUIRE_EQ_MSG(num, nwant, "%s has %u entries, expected %u",
	    path, num, nwant);
	for (i = 0; i < num; i++)
		ATF_REQUIRE_STREQ(d[i], want[i]);
	free(d);
}

ATF_TC_WITH_CLEANUP(directory);
ATF_TC_HEAD(directory, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "xs_directory lists children in creation order, also when the "
	    "list needs DIRECTORY_PART");
}
ATF_TC_BODY(directory, tc)
{
	static const char *const dir[] = { "x", "y", "z" };
	struct xs_handle *h;
	unsigned int i, num;
	char path[64], **d;

	xensimtest_start(tc);
	h = open_store();
	write_str(h, XBT_NULL, "/d/x", "1");
	write_str(h, XBT_NULL, "/d/y/deep", "2");
	write_str(h, XBT_NULL, "/d/z", "3");
	require_dir(h, "/d", dir, 3);
	/* Also at the root: what xensim boots with, then ours, last. */
	d = xs_directory(h, XBT_NULL, "/", &num);
	ATF_REQUIRE(d != NULL);
	ATF_REQUIRE(num >= 2);
	ATF_REQUIRE_STREQ(d[0], "local");
	ATF_REQUIRE_STREQ(d[num - 1], "d");
	free(d);
	require_dir(h, "/d/x", NULL, 0);

	errno = 0;
	ATF_REQUIRE(xs_directory(h, XBT_NULL, "/d/none", &num) == NULL);
	ATF_REQUIRE_EQ(errno, ENOENT);

	/* 500 names of 11 bytes exceed one payload: DIRECTORY is E2BIG. */
	for (i = 0; i < 500; i++) {
		snprintf(path, sizeof(path), "/big/entry%04u", i);
		write_str(h, XBT_NULL, path, "");
	}
	d = xs_directory(h, XBT_NULL, "/big", &num);
	ATF_REQUIRE_MSG(d != NULL, "xs_directory /big: %s", strerror(errno));
	ATF_REQUIRE_EQ(num, 500);
	for (i = 0; i < num; i++) {
		snprintf(path, sizeof(path), "entry%04u", i);
		ATF_REQUIRE_STREQ(d[i], path);
	}
	free(d);
	xs_close(h);
}
ATF_TC_CLEANUP(directory, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(rm);
ATF_TC_HEAD(rm, tc)
{
	atf_tc_set_md_var(tc, "descr", "xs_rm removes a whole subtree only");
}
ATF_TC_BODY(rm, tc)
{
	static const char *const left[] = { "c" };
	struct xs_handle *h;

	xensimtest_start(tc);
	h = open_store();
	write_str(h, XBT_NULL, "/r/a/b/c", "1");
	write_str(h, XBT_NULL, "/r/a/d", "2");
	write_str(h, XBT_NULL, "/r/c", "3");
	ATF_REQUIRE_MSG(xs_rm(h, XBT_NULL, "/r/a"), "xs_rm: %s",
	    strerror(errno));
	require_missing(h, XBT_NULL, "/r/a");
	require_missing(h, XBT_NULL, "/r/a/b/c");
	require_missing(h, XBT_NULL, "/r/a/d");
	require_value(h, XBT_NULL, "/r/c", "3");
	require_dir(h, "/r", left, 1);

	/* The root cannot go. */
	ATF_REQUIRE(!xs_rm(h, XBT_NULL, "/"));
	require_value(h, XBT_NULL, "/local/domain/0/name", "Domain-0");
	xs_close(h);
}
ATF_TC_CLEANUP(rm, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(mkdir);
ATF_TC_HEAD(mkdir, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "xs_mkdir creates empty nodes and leaves existing ones alone");
}
ATF_TC_BODY(mkdir, tc)
{
	static const char *const m[] = { "n", "v" };
	static const char *const n[] = { "o" };
	struct xs_handle *h;

	xensimtest_start(tc);
	h = open_store();
	ATF_REQUIRE(xs_mkdir(h, XBT_NULL, "/m/n/o"));
	require_value(h, XBT_NULL, "/m/n/o", "");
	require_dir(h, "/m/n", n, 1);
	write_str(h, XBT_NULL, "/m/v", "keep");
	ATF_REQUIRE(xs_mkdir(h, XBT_NULL, "/m/v"));
	require_value(h, XBT_NULL, "/m/v", "keep");
	require_dir(h, "/m", m, 2);
	xs_close(h);
}
ATF_TC_CLEANUP(mkdir, tc)
{
	xensimtest_stop();
}

static void
require_perms(struct xs_handle *h, const char *path,
    const struct xs_permissions *want, unsigned int nwant)
{
	struct xs_permissions *p;
	unsigned int i, num;

	p = xs_get_permissions(h, XBT_NULL, path, &num);
	ATF_REQUIRE_MSG(p != NULL, "xs_get_permissions %s: %s", path,
	    strerror(errno));
	ATF_REQUIRE_EQ_MSG(num, nwant, "%u perms, expected %u", num, nwant);
	for (i = 0; i < num; i++) {
		ATF_REQUIRE_MSG(p[i].id == want[i].id &&
		    p[i].perms == want[i].perms,
		    "perm %u is (%u, %#x), expected (%u, %#x)", i, p[i].id,
		    p[i].perms, want[i].id, want[i].perms);
	}
	free(p);
}

ATF_TC_WITH_CLEANUP(permissions);
ATF_TC_HEAD(permissions, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "xs_set_permissions/xs_get_permissions round trip exactly; a bad "
	    "permission is refused and changes nothing");
}
ATF_TC_BODY(permissions, tc)
{
	static const struct xs_permissions dflt[] = {
		{ .id = 0, .perms = XS_PERM_NONE },
	};
	static const struct xs_permissions set[] = {
		{ .id = 3, .perms = XS_PERM_NONE },
		{ .id = 5, .perms = XS_PERM_READ },
		{ .id = 7, .perms = XS_PERM_WRITE },
		{ .id = 9, .perms = XS_PERM_READ | XS_PERM_WRITE },
	};
	/* DOMID_FIRST_RESERVED and above name no domain. */
	struct xs_permissions bad[] = {
		{ .id = 3, .perms = XS_PERM_NONE },
		{ .id = 0x7ff0, .perms = XS_PERM_READ },
	};
	struct xs_handle *h;

	xensimtest_start(tc);
	h = open_store();
	write_str(h, XBT_NULL, "/p/node", "v");
	require_perms(h, "/p/node", dflt, 1);
	ATF_REQUIRE_MSG(xs_set_permissions(h, XBT_NULL, "/p/node",
	    (struct xs_permissions *)set, 4), "xs_set_permissions: %s",
	    strerror(errno));
	require_perms(h, "/p/node", set, 4);

	/* A child dom0 creates inherits them, owner included. */
	write_str(h, XBT_NULL, "/p/node/child", "c");
	require_perms(h, "/p/node/child", set, 4);

	errno = 0;
	ATF_REQUIRE(!xs_set_permissions(h, XBT_NULL, "/p/node", bad, 2));
	ATF_REQUIRE_EQ_MSG(errno, EINVAL, "errno %d", errno);
	require_perms(h, "/p/node", set, 4);

	errno = 0;
	ATF_REQUIRE(!xs_set_permissions(h, XBT_NULL, "/p/none",
	    (struct xs_permissions *)set, 4));
	ATF_REQUIRE_EQ(errno, ENOENT);
	xs_close(h);
}
ATF_TC_CLEANUP(permissions, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(txn_commit);
ATF_TC_HEAD(txn_commit, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "A transaction's writes are visible to others only after commit");
}
ATF_TC_BODY(txn_commit, tc)
{
	struct xs_handle *h, *other;
	xs_transaction_t t;

	xensimtest_start(tc);
	h = open_store();
	other = open_store();
	t = xs_transaction_start(h);
	ATF_REQUIRE_MSG(t != XBT_NULL, "xs_transaction_start: %s",
	    strerror(errno));
	write_str(h, t, "/tx/a", "1");
	require_value(h, t, "/tx/a", "1");
	require_missing(h, XBT_NULL, "/tx/a");
	require_missing(other, XBT_NULL, "/tx");
	ATF_REQUIRE_MSG(xs_transaction_end(h, t, false),
	    "xs_transaction_end: %s", strerror(errno));
	require_value(h, XBT_NULL, "/tx/a", "1");
	require_value(other, XBT_NULL, "/tx/a", "1");

	/*
	 * Alone, a transaction never conflicts with itself, even when it
	 * changes a node (here the root) before it first looks at it.
	 */
	ATF_REQUIRE((t = xs_transaction_start(h)) != XBT_NULL);
	write_str(h, t, "/tx1/a", "1");
	write_str(h, t, "/tx2", "2");
	ATF_REQUIRE_MSG(xs_transaction_end(h, t, false),
	    "xs_transaction_end: %s", strerror(errno));
	require_value(other, XBT_NULL, "/tx1/a", "1");
	require_value(other, XBT_NULL, "/tx2", "2");
	xs_close(other);
	xs_close(h);
}
ATF_TC_CLEANUP(txn_commit, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(txn_conflict);
ATF_TC_HEAD(txn_conflict, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "Of two transactions changing the same node, the second to "
	    "commit fails with EAGAIN and changes nothing");
}
ATF_TC_BODY(txn_conflict, tc)
{
	struct xs_handle *h1, *h2;
	xs_transaction_t t1, t2;

	xensimtest_start(tc);
	h1 = open_store();
	h2 = open_store();
	write_str(h1, XBT_NULL, "/c/n", "0");
	ATF_REQUIRE((t1 = xs_transaction_start(h1)) != XBT_NULL);
	ATF_REQUIRE((t2 = xs_transaction_start(h2)) != XBT_NULL);
	require_value(h1, t1, "/c/n", "0");
	require_value(h2, t2, "/c/n", "0");
	write_str(h1, t1, "/c/n", "t1");
	write_str(h2, t2, "/c/n", "t2");
	write_str(h2, t2, "/c/other", "t2");
	ATF_REQUIRE_MSG(xs_transaction_end(h1, t1, false),
	    "first commit: %s", strerror(errno));
	errno = 0;
	ATF_REQUIRE(!xs_transaction_end(h2, t2, false));
	ATF_REQUIRE_EQ_MSG(errno, EAGAIN, "second commit: %s",
	    strerror(errno));
	require_value(h2, XBT_NULL, "/c/n", "t1");
	require_missing(h2, XBT_NULL, "/c/other");

	/* A retry, as callers do on EAGAIN, then goes through. */
	ATF_REQUIRE((t2 = xs_transaction_start(h2)) != XBT_NULL);
	require_value(h2, t2, "/c/n", "t1");
	write_str(h2, t2, "/c/n", "t2");
	ATF_REQUIRE(xs_transaction_end(h2, t2, false));
	require_value(h1, XBT_NULL, "/c/n", "t2");
	xs_close(h2);
	xs_close(h1);
}
ATF_TC_CLEANUP(txn_conflict, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(txn_abort);
ATF_TC_HEAD(txn_abort, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "Ending a transaction with abort discards all its changes");
}
ATF_TC_BODY(txn_abort, tc)
{
	struct xs_handle *h;
	xs_transaction_t t;

	xensimtest_start(tc);
	h = open_store();
	write_str(h, XBT_NULL, "/ab/keep", "k");
	ATF_REQUIRE((t = xs_transaction_start(h)) != XBT_NULL);
	write_str(h, t, "/ab/new", "n");
	write_str(h, t, "/ab/keep", "changed");
	ATF_REQUIRE(xs_rm(h, t, "/ab/keep"));
	ATF_REQUIRE(xs_mkdir(h, t, "/ab/dir"));
	require_missing(h, t, "/ab/keep");
	ATF_REQUIRE_MSG(xs_transaction_end(h, t, true), "abort: %s",
	    strerror(errno));
	require_missing(h, XBT_NULL, "/ab/new");
	require_missing(h, XBT_NULL, "/ab/dir");
	require_value(h, XBT_NULL, "/ab/keep", "k");
	/* The aborted transaction is gone. */
	ATF_REQUIRE(!xs_transaction_end(h, t, false));
	xs_close(h);
}
ATF_TC_CLEANUP(txn_abort, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(txn_unrelated);
ATF_TC_HEAD(txn_unrelated, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "Transactions on unrelated nodes, or racing an unrelated write, "
	    "both commit");
}
ATF_TC_BODY(txn_unrelated, tc)
{
	struct xs_handle *h1, *h2;
	xs_transaction_t t1, t2;

	xensimtest_start(tc);
	h1 = open_store();
	h2 = open_store();
	write_str(h1, XBT_NULL, "/u/one", "0");
	write_str(h1, XBT_NULL, "/u/two", "0");
	write_str(h1, XBT_NULL, "/elsewhere", "0");
	ATF_REQUIRE((t1 = xs_transaction_start(h1)) != XBT_NULL);
	ATF_REQUIRE((t2 = xs_transaction_start(h2)) != XBT_NULL);
	require_value(h1, t1, "/u/one", "0");
	write_str(h1, t1, "/u/one", "1");
	require_value(h2, t2, "/u/two", "0");
	write_str(h2, t2, "/u/two", "2");
	write_str(h1, XBT_NULL, "/elsewhere", "changed");
	ATF_REQUIRE_MSG(xs_transaction_end(h1, t1, false), "t1: %s",
	    strerror(errno));
	ATF_REQUIRE_MSG(xs_transaction_end(h2, t2, false), "t2: %s",
	    strerror(errno));
	require_value(h1, XBT_NULL, "/u/one", "1");
	require_value(h1, XBT_NULL, "/u/two", "2");
	require_value(h1, XBT_NULL, "/elsewhere", "changed");
	xs_close(h2);
	xs_close(h1);
}
ATF_TC_CLEANUP(txn_unrelated, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(watch);
ATF_TC_HEAD(watch, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "xs_watch: the initial event, then events for writes under the "
	    "path and for removal of an ancestor, none for other nodes");
}
ATF_TC_BODY(watch, tc)
{
	struct xs_handle *h, *writer;

	xensimtest_start(tc);
	h = open_store();
	writer = open_store();
	write_str(writer, XBT_NULL, "/w/deep/node", "0");

	ATF_REQUIRE_MSG(xs_watch(h, "/w/deep", "tok"), "xs_watch: %s",
	    strerror(errno));
	require_event(h, "/w/deep", "tok");
	require_no_event(h);

	write_str(writer, XBT_NULL, "/w/deep/node", "1");
	require_event(h, "/w/deep/node", "tok");
	write_str(writer, XBT_NULL, "/w/deep/new/leaf", "2");
	require_event(h, "/w/deep/new/leaf", "tok");

	/* Neither a sibling nor the parent is under the watch. */
	write_str(writer, XBT_NULL, "/w/sibling", "3");
	write_str(writer, XBT_NULL, "/w", "4");
	require_no_event(h);

	/* Removing an ancestor reports the watched path itself. */
	ATF_REQUIRE(xs_rm(writer, XBT_NULL, "/w"));
	require_event(h, "/w/deep", "tok");
	require_no_event(h);
	xs_close(writer);
	xs_close(h);
}
ATF_TC_CLEANUP(watch, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(unwatch);
ATF_TC_HEAD(unwatch, tc)
{
	atf_tc_set_md_var(tc, "descr", "xs_unwatch stops the events");
}
ATF_TC_BODY(unwatch, tc)
{
	struct xs_handle *h;

	xensimtest_start(tc);
	h = open_store();
	ATF_REQUIRE(xs_watch(h, "/uw", "a"));
	ATF_REQUIRE(xs_watch(h, "/uw", "b"));
	require_event(h, "/uw", "a");
	require_event(h, "/uw", "b");
	write_str(h, XBT_NULL, "/uw/x", "1");
	require_event(h, "/uw/x", "a");
	require_event(h, "/uw/x", "b");

	ATF_REQUIRE_MSG(xs_unwatch(h, "/uw", "a"), "xs_unwatch: %s",
	    strerror(errno));
	write_str(h, XBT_NULL, "/uw/x", "2");
	require_event(h, "/uw/x", "b");
	require_no_event(h);
	ATF_REQUIRE(xs_unwatch(h, "/uw", "b"));
	write_str(h, XBT_NULL, "/uw/x", "3");
	require_no_event(h);

	/* No such watch any more. */
	errno = 0;
	ATF_REQUIRE(!xs_unwatch(h, "/uw", "a"));
	ATF_REQUIRE_EQ(errno, ENOENT);
	xs_close(h);
}
ATF_TC_CLEANUP(unwatch, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(domain_path);
ATF_TC_HEAD(domain_path, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "xs_get_domain_path names /local/domain/N");
}
ATF_TC_BODY(domain_path, tc)
{
	struct xs_handle *h;
	char *p;

	xensimtest_start(tc);
	h = open_store();
	p = xs_get_domain_path(h, 7);
	ATF_REQUIRE_MSG(p != NULL, "xs_get_domain_path: %s", strerror(errno));
	ATF_REQUIRE_STREQ(p, "/local/domain/7");
	free(p);
	p = xs_get_domain_path(h, 0);
	ATF_REQUIRE(p != NULL);
	ATF_REQUIRE_STREQ(p, "/local/domain/0");
	free(p);
	xs_close(h);
}
ATF_TC_CLEANUP(domain_path, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(domain_not_introduced);
ATF_TC_HEAD(domain_not_introduced, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "xs_is_domain_introduced is false for a domain never introduced");
}
ATF_TC_BODY(domain_not_introduced, tc)
{
	struct xs_handle *h;

	xensimtest_start(tc);
	h = open_store();
	ATF_REQUIRE(!xs_is_domain_introduced(h, 42));
	ATF_REQUIRE(!xs_is_domain_introduced(h, 1));
	/* The answer came in a well-formed reply: the handle still works. */
	require_value(h, XBT_NULL, "/local/domain/0/name", "Domain-0");
	xs_close(h);
}
ATF_TC_CLEANUP(domain_not_introduced, tc)
{
	xensimtest_stop();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, write_read);
	ATF_TP_ADD_TC(tp, directory);
	ATF_TP_ADD_TC(tp, rm);
	ATF_TP_ADD_TC(tp, mkdir);
	ATF_TP_ADD_TC(tp, permissions);
	ATF_TP_ADD_TC(tp, txn_commit);
	ATF_TP_ADD_TC(tp, txn_conflict);
	ATF_TP_ADD_TC(tp, txn_abort);
	ATF_TP_ADD_TC(tp, txn_unrelated);
	ATF_TP_ADD_TC(tp, watch);
	ATF_TP_ADD_TC(tp, unwatch);
	ATF_TP_ADD_TC(tp, domain_path);
	ATF_TP_ADD_TC(tp, domain_not_introduced);
	return (atf_no_error());
}
