/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim's xenstored on the wire: hand-made xsd_sockmsg messages on its
 * unix socket, for what libxenstore never sends (malformed requests) and
 * what it hides (ids, error strings, DIRECTORY_PART framing).  Every read
 * is bounded by poll(), so a daemon that crashes or hangs fails the case
 * instead of stalling it.
 */
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

#include <atf-c.h>

#include <pv/libkern.h>

#include "lib/xensimtest.h"

#define	REPLY_TIMEOUT_MS	5000

/* A literal as a payload: its bytes and its terminating NUL. */
#define	STR(lit)	lit, sizeof(lit)

struct msg {
	struct xsd_sockmsg	hdr;
	char			body[XENSTORE_PAYLOAD_MAX + 1];
};

static void
send_msg(int fd, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *payload, size_t len)
{
	char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg hdr = {
		.type = type,
		.req_id = req_id,
		.tx_id = tx_id,
		.len = (uint32_t)len,
	};

	ATF_REQUIRE(len <= XENSTORE_PAYLOAD_MAX);
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), payload, len);
	ATF_REQUIRE_MSG(send(fd, buf, sizeof(hdr) + len, MSG_NOSIGNAL) ==
	    (ssize_t)(sizeof(hdr) + len), "send: %s", strerror(errno));
}

static int
remaining_ms(const struct timespec *deadline)
{
	struct timespec now;
	int64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return (ms > 0 ? (int)ms : 0);
}

/*
 * Read exactly len bytes before the deadline.  Returns len, 0 on a clean
 * EOF before the first byte, or -1 on timeout.  EOF inside fails.
 */
static ssize_t
read_full(int fd, void *buf, size_t len, const struct timespec *deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t have = 0;
	ssize_t n;

	while (have < len) {
		if (poll(&pfd, 1, remaining_ms(deadline)) == 0)
			return (-1);
		n = read(fd, (char *)buf + have, len - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && have == 0)
			return (0);
		ATF_REQUIRE_MSG(n > 0, "read after %zu of %zu bytes: %s", have,
		    len, n == 0 ? "EOF" : strerror(errno));
		have += (size_t)n;
	}
	return ((ssize_t)len);
}

/* Returns 1 with a message, 0 on EOF, -1 when none came in time. */
static int
recv_msg(int fd, struct msg *m, int timeout_ms)
{
	struct timespec deadline;
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	if ((n = read_full(fd, &m->hdr, sizeof(m->hdr), &deadline)) <= 0)
		return ((int)n);
	ATF_REQUIRE_MSG(m->hdr.len <= XENSTORE_PAYLOAD_MAX,
	    "reply announces %" PRIu32 " bytes", m->hdr.len);
	ATF_REQUIRE_MSG(read_full(fd, m->body, m->hdr.len, &deadline) ==
	    (ssize_t)m->hdr.len || m->hdr.len == 0,
	    "reply body of %" PRIu32 " bytes did not arrive", m->hdr.len);
	m->body[m->hdr.len] = '\0';
	return (1);
}

static void
recv_reply(int fd, struct msg *m)
{
	int got;

	got = recv_msg(fd, m, REPLY_TIMEOUT_MS);
	ATF_REQUIRE_MSG(got != 0, "xenstored closed the connection");
	ATF_REQUIRE_MSG(got == 1, "no reply within %d ms", REPLY_TIMEOUT_MS);
}

static void
request(int fd, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *payload, size_t len, struct msg *m)
{
	send_msg(fd, type, req_id, tx_id, payload, len);
	recv_reply(fd, m);
}

/* An ERROR reply's payload is the errno's name with its NUL. */
static void
require_error(const struct msg *m, const char *name)
{
	ATF_REQUIRE_EQ_MSG(m->hdr.type, XS_ERROR,
	    "reply type %" PRIu32 ", expected XS_ERROR %s", m->hdr.type, name);
	ATF_REQUIRE_EQ_MSG(m->hdr.len, strlen(name) + 1,
	    "error payload \"%s\" of %" PRIu32 " bytes, expected %s",
	    m->body, m->hdr.len, name);
	ATF_REQUIRE_MSG(memcmp(m->body, name, strlen(name) + 1) == 0,
	    "error \"%s\", expected %s", m->body, name);
}

static void
require_ok(const struct msg *m, uint32_t type)
{
	ATF_REQUIRE_EQ_MSG(m->hdr.type, type, "reply type %" PRIu32
	    " (%s), expected %" PRIu32, m->hdr.type,
	    m->hdr.type == XS_ERROR ? m->body : "", type);
	ATF_REQUIRE_EQ(m->hdr.len, 3);
	ATF_REQUIRE(memcmp(m->body, "OK", 3) == 0);
}

/* WRITE's payload: the path with its NUL, then the value without one. */
static void
write_node(int fd, const char *path, const char *value)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t plen = strlen(path) + 1, vlen = strlen(value);
	struct msg m;

	ATF_REQUIRE(plen + vlen <= sizeof(buf));
	memcpy(buf, path, plen);
	memcpy(buf + plen, value, vlen);
	request(fd, XS_WRITE, 1, 0, buf, plen + vlen, &m);
	require_ok(&m, XS_WRITE);
}

ATF_TC_WITH_CLEANUP(ids_echoed);
ATF_TC_HEAD(ids_echoed, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "Replies and errors echo req_id and tx_id, inside a transaction "
	    "too");
}
ATF_TC_BODY(ids_echoed, tc)
{
	struct msg m;
	uint32_t tx;
	char buf[64];
	int fd;

	xensimtest_start(tc);
	fd = xensimtest_connect();

	request(fd, XS_READ, 0xdeadbeef, 0, STR("/local/domain/0/name"), &m);
	ATF_REQUIRE_EQ(m.hdr.type, XS_READ);
	ATF_REQUIRE_EQ(m.hdr.req_id, 0xdeadbeef);
	ATF_REQUIRE_EQ(m.hdr.tx_id, 0);
	ATF_REQUIRE_EQ(m.hdr.len, 8);
	ATF_REQUIRE(memcmp(m.body, "Domain-0", 8) == 0);

	request(fd, XS_TRANSACTION_START, 7, 0, STR(""), &m);
	ATF_REQUIRE_EQ(m.hdr.type, XS_TRANSACTION_START);
	ATF_REQUIRE_EQ(m.hdr.req_id, 7);
	ATF_REQUIRE_MSG(m.hdr.len >= 2 && m.body[m.hdr.len - 1] == '\0',
	    "transaction id not a string");
	tx = (uint32_t)strtoul(m.body, NULL, 10);
	ATF_REQUIRE_MSG(tx != 0, "transaction id \"%s\"", m.body);

	snprintf(buf, sizeof(buf), "/t/x%cvalue", '\0');
	request(fd, XS_WRITE, 0x12345678, tx, buf, strlen("/t/x") + 6, &m);
	require_ok(&m, XS_WRITE);
	ATF_REQUIRE_EQ(m.hdr.req_id, 0x12345678);
	ATF_REQUIRE_EQ(m.hdr.tx_id, tx);

	request(fd, XS_READ, 99, tx, STR("/t/x"), &m);
	ATF_REQUIRE_EQ(m.hdr.type, XS_READ);
	ATF_REQUIRE_EQ(m.hdr.req_id, 99);
	ATF_REQUIRE_EQ(m.hdr.tx_id, tx);
	ATF_REQUIRE_EQ(m.hdr.len, 5);
	ATF_REQUIRE(memcmp(m.body, "value", 5) == 0);

	request(fd, XS_READ, 100, tx, STR("/t/nothing"), &m);
	require_error(&m, "ENOENT");
	ATF_REQUIRE_EQ(m.hdr.req_id, 100);
	ATF_REQUIRE_EQ(m.hdr.tx_id, tx);

	request(fd, XS_TRANSACTION_END, 0xffffffff, tx, STR("T"), &m);
	require_ok(&m, XS_TRANSACTION_END);
	ATF_REQUIRE_EQ(m.hdr.req_id, 0xffffffff);
	ATF_REQUIRE_EQ(m.hdr.tx_id, tx);

	/* The transaction is gone: its id no longer names one. */
	request(fd, XS_READ, 101, tx, STR("/t/x"), &m);
	require_error(&m, "ENOENT");
	ATF_REQUIRE_EQ(m.hdr.tx_id, tx);
	close(fd);
}
ATF_TC_CLEANUP(ids_echoed, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(error_enoent);
ATF_TC_HEAD(error_enoent, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "A missing node is reported as \"ENOENT\\0\"");
}
ATF_TC_BODY(error_enoent, tc)
{
	struct msg m;
	int fd;

	xensimtest_start(tc);
	fd = xensimtest_connect();
	request(fd, XS_READ, 3, 0, STR("/no/such/node"), &m);
	require_error(&m, "ENOENT");
	ATF_REQUIRE_EQ(m.hdr.req_id, 3);
	request(fd, XS_DIRECTORY, 4, 0, STR("/no/such"), &m);
	require_error(&m, "ENOENT");
	request(fd, XS_RM, 5, 0, STR("/no/such"), &m);
	require_error(&m, "ENOENT");
	close(fd);
}
ATF_TC_CLEANUP(error_enoent, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(error_unknown_type);
ATF_TC_HEAD(error_unknown_type, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "Unknown message types, and replies sent as requests, are EINVAL "
	    "and leave the connection usable");
}
ATF_TC_BODY(error_unknown_type, tc)
{
	struct msg m;
	int fd;

	xensimtest_start(tc);
	fd = xensimtest_connect();
	request(fd, 9999, 11, 0, STR(""), &m);
	require_error(&m, "EINVAL");
	ATF_REQUIRE_EQ(m.hdr.req_id, 11);
	request(fd, XS_TYPE_COUNT, 12, 0, STR("/local"), &m);
	require_error(&m, "EINVAL");
	request(fd, XS_INVALID, 13, 0, "", 0, &m);
	require_error(&m, "EINVAL");
	request(fd, XS_ERROR, 14, 0, STR("EINVAL"), &m);
	require_error(&m, "EINVAL");
	request(fd, XS_WATCH_EVENT, 15, 0, STR("/a\0tok"), &m);
	require_error(&m, "EINVAL");
	request(fd, XS_READ, 16, 0, STR("/local/domain/0/domid"), &m);
	ATF_REQUIRE_EQ(m.hdr.type, XS_READ);
	ATF_REQUIRE_EQ(m.hdr.len, 1);
	ATF_REQUIRE_EQ(m.body[0], '0');
	close(fd);
}
ATF_TC_CLEANUP(error_unknown_type, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(error_unterminated_path);
ATF_TC_HEAD(error_unterminated_path, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "A path without its NUL terminator is EINVAL, not read past");
}
ATF_TC_BODY(error_unterminated_path, tc)
{
	struct msg m;
	int fd;

	xensimtest_start(tc);
	fd = xensimtest_connect();
	/* "/local" exists: only the missing terminator is wrong. */
	request(fd, XS_READ, 21, 0, "/local", 6, &m);
	require_error(&m, "EINVAL");
	ATF_REQUIRE_EQ(m.hdr.req_id, 21);
	request(fd, XS_DIRECTORY, 22, 0, "/local", 6, &m);
	require_error(&m, "EINVAL");
	/* WRITE's path must end before the value does. */
	request(fd, XS_WRITE, 23, 0, "/local/x", 8, &m);
	require_error(&m, "EINVAL");
	request(fd, XS_READ, 24, 0, STR("/local/x"), &m);
	require_error(&m, "ENOENT");
	close(fd);
}
ATF_TC_CLEANUP(error_unterminated_path, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(error_bad_path);
ATF_TC_HEAD(error_bad_path, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "Paths with bad characters, empty components or over the length "
	    "limits are EINVAL");
}
ATF_TC_BODY(error_bad_path, tc)
{
	static const char *const bad[] = {
		"", "/bad path", "/a//b", "/trailing/", "/q?", "rel ative",
		"/\x7f", "/\xc3\xa9",
	};
	char buf[XENSTORE_PAYLOAD_MAX];
	struct msg m;
	size_t i;
	int fd;

	xensimtest_start(tc);
	fd = xensimtest_connect();
	for (i = 0; i < nitems(bad); i++) {
		request(fd, XS_READ, 81, 0, bad[i], strlen(bad[i]) + 1, &m);
		if (m.hdr.type != XS_ERROR)
			atf_tc_fail("READ \"%s\" accepted", bad[i]);
		require_error(&m, "EINVAL");
		request(fd, XS_MKDIR, 82, 0, bad[i], strlen(bad[i]) + 1, &m);
		if (m.hdr.type != XS_ERROR)
			atf_tc_fail("MKDIR \"%s\" accepted", bad[i]);
		require_error(&m, "EINVAL");
	}

	/* One byte over XENSTORE_ABS_PATH_MAX, then at it. */
	buf[0] = '/';
	memset(buf + 1, 'a', XENSTORE_ABS_PATH_MAX);
	buf[XENSTORE_ABS_PATH_MAX + 1] = '\0';
	request(fd, XS_MKDIR, 83, 0, buf, XENSTORE_ABS_PATH_MAX + 2, &m);
	require_error(&m, "EINVAL");
	buf[XENSTORE_ABS_PATH_MAX] = '\0';
	request(fd, XS_MKDIR, 84, 0, buf, XENSTORE_ABS_PATH_MAX + 1, &m);
	require_ok(&m, XS_MKDIR);

	/* Relative paths have their own, smaller limit. */
	memset(buf, 'r', XENSTORE_REL_PATH_MAX + 1);
	buf[XENSTORE_REL_PATH_MAX + 1] = '\0';
	request(fd, XS_MKDIR, 85, 0, buf, XENSTORE_REL_PATH_MAX + 2, &m);
	require_error(&m, "EINVAL");
	buf[XENSTORE_REL_PATH_MAX] = '\0';
	request(fd, XS_MKDIR, 86, 0, buf, XENSTORE_REL_PATH_MAX + 1, &m);
	require_ok(&m, XS_MKDIR);
	close(fd);
}
ATF_TC_CLEANUP(error_bad_path, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(error_bad_perms);
ATF_TC_HEAD(error_bad_perms, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "SET_PERMS with a malformed permission is EINVAL and changes "
	    "nothing");
}
ATF_TC_BODY(error_bad_perms, tc)
{
	static const struct {
		const char	*payload;
		size_t		 len;
	} bad[] = {
		{ STR("/p\0x5") },		/* no such permission letter */
		{ STR("/p\0r") },		/* no domain */
		{ STR("/p\0r5x") },		/* trailing junk */
		{ STR("/p\0r-1") },
		{ STR("/p\0r99999") },		/* above DOMID_FIRST_RESERVED */
		{ STR("/p\0n0\0") },		/* an empty permission */
		{ STR("/p") },			/* no permission at all */
	};
	struct msg m;
	size_t i;
	int fd;

	xensimtest_start(tc);
	fd = xensimtest_connect();
	write_node(fd, "/p", "v");
	request(fd, XS_SET_PERMS, 31, 0, STR("/p\0n0\0r5"), &m);
	require_ok(&m, XS_SET_PERMS);
	for (i = 0; i < nitems(bad); i++) {
		request(fd, XS_SET_PERMS, 32 + (uint32_t)i, 0, bad[i].payload,
		    bad[i].len, &m);
		if (m.hdr.type != XS_ERROR)
			atf_tc_fail("SET_PERMS case %zu accepted", i);
		require_error(&m, "EINVAL");
		ATF_REQUIRE_EQ(m.hdr.req_id, 32 + i);
	}
	request(fd, XS_GET_PERMS, 40, 0, STR("/p"), &m);
	ATF_REQUIRE_EQ(m.hdr.type, XS_GET_PERMS);
	ATF_REQUIRE_EQ_MSG(m.hdr.len, 6, "perms of %" PRIu32 " bytes",
	    m.hdr.len);
	ATF_REQUIRE(memcmp(m.body, "n0\0r5", 6) == 0);
	close(fd);
}
ATF_TC_CLEANUP(error_bad_perms, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(error_too_many_perms);
ATF_TC_HEAD(error_too_many_perms, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "SET_PERMS with more permissions than a node holds (64) is "
	    "refused, not parsed past its array");
}
ATF_TC_BODY(error_too_many_perms, tc)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	struct msg m;
	size_t len;
	int fd, i;

	xensimtest_start(tc);
	fd = xensimtest_connect();
	write_node(fd, "/mp", "v");
	/* 64 fit; the 65th once overflowed a stack array (ASan sees it). */
	len = (size_t)snprintf(buf, sizeof(buf), "/mp") + 1;
	for (i = 0; i < 64; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%c%d",
		    i == 0 ? 'n' : 'r', i) + 1;
	request(fd, XS_SET_PERMS, 91, 0, buf, len, &m);
	require_ok(&m, XS_SET_PERMS);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "r64") + 1;
	request(fd, XS_SET_PERMS, 92, 0, buf, len, &m);
	ATF_REQUIRE_EQ_MSG(m.hdr.type, XS_ERROR, "65 permissions accepted");
	/* As xenstored when a guest passes its permissions quota. */
	require_error(&m, "ENOSPC");
	ATF_REQUIRE_EQ(m.hdr.req_id, 92);

	/* The 64 stand, and the daemon serves on. */
	request(fd, XS_GET_PERMS, 93, 0, STR("/mp"), &m);
	ATF_REQUIRE_EQ(m.hdr.type, XS_GET_PERMS);
	ATF_REQUIRE(memcmp(m.body, "n0\0r1\0r2\0", 9) == 0);
	ATF_REQUIRE(m.hdr.len >= 4 &&
	    memcmp(m.body + m.hdr.len - 4, "r63", 4) == 0);
	ATF_REQUIRE(xensimtest_alive());
	close(fd);
}
ATF_TC_CLEANUP(error_too_many_perms, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(error_watch_without_token);
ATF_TC_HEAD(error_watch_without_token, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "WATCH with a path but no token is EINVAL and sets no watch");
}
ATF_TC_BODY(error_watch_without_token, tc)
{
	struct msg m;
	int fd;

	xensimtest_start(tc);
	fd = xensimtest_connect();
	request(fd, XS_WATCH, 51, 0, STR("/w"), &m);
	require_error(&m, "EINVAL");
	ATF_REQUIRE_EQ(m.hdr.req_id, 51);
	/* Had a watch been set, its event would come before this reply. */
	write_node(fd, "/w", "1");
	request(fd, XS_READ, 52, 0, STR("/w"), &m);
	ATF_REQUIRE_EQ_MSG(m.hdr.type, XS_READ, "got type %" PRIu32,
	    m.hdr.type);
	/* The control: a well-formed WATCH does produce events. */
	request(fd, XS_WATCH, 53, 0, STR("/w\0tok"), &m);
	require_ok(&m, XS_WATCH);
	recv_reply(fd, &m);
	ATF_REQUIRE_EQ(m.hdr.type, XS_WATCH_EVENT);
	ATF_REQUIRE_EQ(m.hdr.len, sizeof("/w\0tok"));
	ATF_REQUIRE(memcmp(m.body, "/w\0tok", sizeof("/w\0tok")) == 0);
	close(fd);
}
ATF_TC_CLEANUP(error_watch_without_token, tc)
{
	xensimtest_stop();
}

ATF_TC_WITH_CLEANUP(oversized_header);
ATF_TC_HEAD(oversized_header, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "A header announcing more than XENSTORE_PAYLOAD_MAX bytes gets "
	    "an error or a close, and the daemon serves new connections");
}
ATF_TC_BODY(oversized_header, tc)
{
	static const uint32_t lens[] = { XENSTORE_PAYLOAD_MAX + 1, UINT32_MAX };
	struct xsd_sockmsg hdr = { .type = XS_READ, .req_id = 61 };
	struct msg m;
	size_t i;
	int fd, got;

	xensimtest_start(tc);
	for (i = 0; i < nitems(lens); i++) {
		fd = xensimtest_connect();
		hdr.len = lens[i];
		ATF_REQUIRE(send(fd, &hdr, sizeof(hdr), MSG_NOSIGNAL) ==
		    (ssize_t)sizeof(hdr));
		got = recv_msg(fd, &m, REPLY_TIMEOUT_MS);
		ATF_REQUIRE_MSG(got >= 0, "len %" PRIu32 ": neither a reply "
		    "nor a close within %d ms", lens[i], REPLY_TIMEOUT_MS);
		if (got == 1) {
			require_error(&m, "E2BIG");
			ATF_REQUIRE_EQ(m.hdr.req_id, 61);
			/* The stream is out of step: it must end now. */
			got = recv_msg(fd, &m, REPLY_TIMEOUT_MS);
			ATF_REQUIRE_MSG(got == 0, "connection not closed after "
			    "the error (%d)", got);
		}
		close(fd);

		ATF_REQUIRE(xensimtest_alive());
		fd = xensimtest_connect();
		request(fd, XS_READ, 62, 0, STR("/local/domain/0/name"), &m);
		ATF_REQUIRE_EQ(m.hdr.type, XS_READ);
		ATF_REQUIRE_EQ(m.hdr.len, 8);
		ATF_REQUIRE(memcmp(m.body, "Domain-0", 8) == 0);
		close(fd);
	}
}
ATF_TC_CLEANUP(oversized_header, tc)
{
	xensimtest_stop();
}

/*
 * One DIRECTORY_PART request: the generation, then the names' bytes
 * (each with its NUL) into names; returns whether the list ended.
 */
static bool
dir_part(int fd, const char *path, size_t off, char *gen, size_t genlen,
    char *names, size_t *nameslen)
{
	char req[256];
	struct msg m;
	size_t glen, plen;
	int n;

	plen = strlen(path) + 1;
	memcpy(req, path, plen);
	n = snprintf(req + plen, sizeof(req) - plen, "%zu", off);
	request(fd, XS_DIRECTORY_PART, 71, 0, req, plen + (size_t)n + 1, &m);
	ATF_REQUIRE_EQ_MSG(m.hdr.type, XS_DIRECTORY_PART, "type %" PRIu32
	    " (%s)", m.hdr.type, m.hdr.type == XS_ERROR ? m.body : "");
	ATF_REQUIRE_MSG(m.hdr.len >= 2 && m.body[m.hdr.len - 1] == '\0',
	    "DIRECTORY_PART reply not a list of strings");
	glen = strlen(m.body);
	ATF_REQUIRE_MSG(glen > 0 && strspn(m.body, "0123456789") == glen,
	    "generation \"%s\" is not a decimal number", m.body);
	ATF_REQUIRE(glen < genlen);
	memcpy(gen, m.body, glen + 1);
	*nameslen = m.hdr.len - glen - 1;
	memcpy(names, m.body + glen + 1, *nameslen);
	/* Complete: the last string is empty, i.e. two NULs end it. */
	return (*nameslen == 1 ||
	    (*nameslen >= 2 && names[*nameslen - 2] == '\0'));
}

ATF_TC_WITH_CLEANUP(directory_part);
ATF_TC_HEAD(directory_part, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "DIRECTORY_PART: generation first, names from the offset, an "
	    "empty string when complete; long lists span several parts");
}
ATF_TC_BODY(directory_part, tc)
{
	char gen[32], gen2[32], names[XENSTORE_PAYLOAD_MAX], path[64];
	char *all;
	size_t len, off, alllen, want;
	struct msg m;
	unsigned i, parts;
	bool done;
	int fd;

	xensimtest_start(tc);
	fd = xensimtest_connect();
	write_node(fd, "/dp/a", "");
	write_node(fd, "/dp/bb", "");
	write_node(fd, "/dp/ccc", "");

	done = dir_part(fd, "/dp", 0, gen, sizeof(gen), names, &len);
	ATF_REQUIRE(done);
	ATF_REQUIRE_EQ(len, sizeof("a\0bb\0ccc\0"));
	ATF_REQUIRE(memcmp(names, "a\0bb\0ccc\0", len) == 0);

	done = dir_part(fd, "/dp", 2, gen2, sizeof(gen2), names, &len);
	ATF_REQUIRE(done);
	ATF_REQUIRE_STREQ(gen, gen2);
	ATF_REQUIRE_EQ(len, sizeof("bb\0ccc\0"));
	ATF_REQUIRE(memcmp(names, "bb\0ccc\0", len) == 0);

	/* Past the last name: just the end marker. */
	done = dir_part(fd, "/dp", 9, gen2, sizeof(gen2), names, &len);
	ATF_REQUIRE(done);
	ATF_REQUIRE_EQ(len, 1);

	/* An offset inside a name is refused. */
	request(fd, XS_DIRECTORY_PART, 72, 0, STR("/dp\0001"), &m);
	require_error(&m, "EINVAL");
	request(fd, XS_DIRECTORY_PART, 73, 0, STR("/dp\0zero"), &m);
	require_error(&m, "EINVAL");
	request(fd, XS_DIRECTORY_PART, 74, 0, STR("/nothing\0000"), &m);
	require_error(&m, "ENOENT");

	/* A new child changes the generation a reader compares across. */
	write_node(fd, "/dp/dddd", "");
	done = dir_part(fd, "/dp", 0, gen2, sizeof(gen2), names, &len);
	ATF_REQUIRE(done);
	ATF_REQUIRE_MSG(strcmp(gen, gen2) != 0, "generation %s unchanged",
	    gen);

	/* 400 names of 11 bytes do not fit one payload. */
	for (i = 0; i < 400; i++) {
		snprintf(path, sizeof(path), "/big/child-%04u", i);
		write_node(fd, path, "");
	}
	want = 400 * sizeof("child-0000");
	ATF_REQUIRE((all = malloc(want + XENSTORE_PAYLOAD_MAX)) != NULL);
	alllen = 0;
	off = 0;
	parts = 0;
	do {
		done = dir_part(fd, "/big", off, parts == 0 ? gen : gen2,
		    sizeof(gen), names, &len);
		ATF_REQUIRE_MSG(parts == 0 || strcmp(gen, gen2) == 0,
		    "generation changed from %s to %s between parts", gen,
		    gen2);
		if (done)
			len--;		/* the end marker */
		ATF_REQUIRE_MSG(len > 0 || done, "part %u made no progress",
		    parts);
		ATF_REQUIRE(alllen + len <= want);
		memcpy(all + alllen, names, len);
		alllen += len;
		off += len;
		parts++;
		ATF_REQUIRE(parts < 100);
	} while (!done);
	ATF_REQUIRE_MSG(parts >= 2, "%zu bytes of names came in one part",
	    alllen);
	ATF_REQUIRE_EQ(alllen, want);
	for (i = 0, off = 0; i < 400; i++) {
		snprintf(path, sizeof(path), "child-%04u", i);
		ATF_REQUIRE_STREQ(all + off, path);
		off += strlen(path) + 1;
	}
	free(all);
	close(fd);
}
ATF_TC_CLEANUP(directory_part, tc)
{
	xensimtest_stop();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, ids_echoed);
	ATF_TP_ADD_TC(tp, error_enoent);
	ATF_TP_ADD_TC(tp, error_unknown_type);
	ATF_TP_ADD_TC(tp, error_unterminated_path);
	ATF_TP_ADD_TC(tp, error_bad_path);
	ATF_TP_ADD_TC(tp, error_bad_perms);
	ATF_TP_ADD_TC(tp, error_too_many_perms);
	ATF_TP_ADD_TC(tp, error_watch_without_token);
	ATF_TP_ADD_TC(tp, oversized_header);
	ATF_TP_ADD_TC(tp, directory_part);
	return (atf_no_error());
}
