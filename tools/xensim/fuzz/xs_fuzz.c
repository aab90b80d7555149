/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libFuzzer target for xenstored's message parser: the bytes a guest puts
 * on its ring, or a dom0 client on the socket, are the least trusted input
 * xensim reads.
 *
 * Input: one byte choosing the hooks, then chunks, each introduced by
 * the separator "XSFZ" so that inserting or removing bytes in one chunk
 * leaves the others whole.  A chunk's first byte says what it is:
 *
 *	bits 0-1	0: a message: type, req_id and tx_id (12 bytes, host
 *			   order), then the payload; its header's len is
 *			   made to match, so mutated payloads still frame
 *			1: raw bytes, anything at all
 *			2: a message as with 0, fed in pieces of bits 3-7,
 *			   plus one, bytes
 *			3: an event, bits 2-7 choosing which
 *	bit 2		for 0-2: to domain 5's connection (unprivileged)
 *			rather than to dom0's (privileged)
 *
 * Either connection keeps its own stream, so a raw chunk can leave half a
 * message for the next chunk to complete, with the other connection's
 * traffic in between.  The seeds in corpus/ come from mkcorpus.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include "xenstored.h"

#define	GUEST_DOMID	5

struct fuzz_conn {
	struct xs_conn	*fc_conn;
	uint32_t	 fc_domid;
	bool		 fc_privileged;
};

static struct xsd	*xsd;
static struct fuzz_conn	 conns[2];
static uint8_t		 hook_mode;
/* Where the bytes sent go, so that reading them is not optimised out. */
static volatile uint8_t	 sink;

static bool
is_errno_name(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
		if (strlen(xsd_errors[i].errstring) + 1 == len &&
		    memcmp(xsd_errors[i].errstring, s, len) == 0)
			return (true);
	}
	return (false);
}

/* How many NUL-terminated strings make up exactly these bytes, or -1. */
static int
count_strings(const char *p, size_t len)
{
	int n = 0;
	size_t i;

	if (len == 0 || p[len - 1] != '\0')
		return (-1);
	for (i = 0; i < len; i++)
		n += p[i] == '\0';
	return (n);
}

/*
 * What xenstored sends must be a well-formed message whatever it was
 * fed: anything else would break the peer.  Abort so libFuzzer reports.
 */
static void
check_send(void *ctx, const void *msg, size_t len)
{
	struct xsd_sockmsg hdr;
	const char *p = msg, *body;
	uint8_t sum = 0;
	size_t i;

	(void)ctx;
	if (len < sizeof(hdr))
		abort();
	memcpy(&hdr, msg, sizeof(hdr));
	if (hdr.len > XENSTORE_PAYLOAD_MAX || len != sizeof(hdr) + hdr.len)
		abort();
	/* Touch every byte: ASan then catches a reply built past a buffer. */
	for (i = 0; i < len; i++)
		sum += (uint8_t)p[i];
	sink = sum;
	body = p + sizeof(hdr);
	switch (hdr.type) {
	case XS_ERROR:
		if (!is_errno_name(body, hdr.len))
			abort();
		break;
	case XS_WATCH_EVENT:
		/* Path and token, from nobody's request. */
		if (count_strings(body, hdr.len) != 2 || hdr.req_id != 0 ||
		    hdr.tx_id != 0)
			abort();
		break;
	}
}

static int
hook_introduce(void *arg, uint32_t domid, uint64_t gfn, uint32_t port)
{
	(void)arg;
	(void)gfn;
	(void)port;
	/* Succeed, or fail with an errno that has no wire name. */
	if (hook_mode & 2)
		return (domid == GUEST_DOMID ? EEXIST : 12345);
	return (0);
}

static int
hook_release(void *arg, uint32_t domid)
{
	(void)arg;
	if (hook_mode & 2)
		return (ENOENT);
	/* A released guest loses its connection, as with the daemon. */
	if (domid == GUEST_DOMID) {
		xsd_forget_domain(xsd, domid);
		conns[1].fc_conn = NULL;
	}
	return (0);
}

static bool
hook_is_introduced(void *arg, uint32_t domid)
{
	(void)arg;
	return ((hook_mode & 4) != 0 || domid == GUEST_DOMID);
}

static void
conn_open(struct fuzz_conn *fc)
{
	fc->fc_conn = xsd_conn_new(xsd, fc->fc_domid, fc->fc_privileged,
	    check_send, fc);
	if (fc->fc_conn == NULL)
		abort();
}

static void
conn_close(struct fuzz_conn *fc)
{
	if (fc->fc_conn != NULL)
		xsd_conn_free(fc->fc_conn);
	fc->fc_conn = NULL;
}

static void
event(unsigned what)
{
	switch (what % 6) {
	case 0:				/* dom0's client reconnects */
		conn_close(&conns[0]);
		conn_open(&conns[0]);
		break;
	case 1:				/* the guest's ring is reset */
		conn_close(&conns[1]);
		conn_open(&conns[1]);
		break;
	case 2:				/* the guest dies */
		xsd_forget_domain(xsd, GUEST_DOMID);
		conns[1].fc_conn = NULL;
		conn_open(&conns[1]);
		break;
	case 3:
		xsd_fire_special(xsd, "@introduceDomain");
		break;
	case 4:
		xsd_fire_special(xsd, "@releaseDomain");
		break;
	case 5:				/* the toolstack sets up the guest */
		(void)xsd_write(xsd, "/local/domain/5/name", "guest");
		(void)xsd_set_perms(xsd, "/local/domain/5", "n5 r0");
		break;
	}
}

static void
feed(struct fuzz_conn *fc, const uint8_t *buf, size_t len)
{
	if (fc->fc_conn == NULL)
		conn_open(fc);
	/* A protocol error closes the connection; the peer comes back. */
	if (xsd_conn_input(fc->fc_conn, buf, len) != 0) {
		conn_close(fc);
		conn_open(fc);
	}
}

/* A message chunk: the header, completed, then its payload. */
static void
feed_message(struct fuzz_conn *fc, const uint8_t *buf, size_t len,
    size_t piece)
{
	struct xsd_sockmsg hdr;
	uint8_t *msg;
	size_t off, n;

	if (len < 12)
		return;
	memcpy(&hdr, buf, 12);
	/* Beyond what the field holds, len simply wraps: so does a peer. */
	hdr.len = (uint32_t)(len - 12);
	if ((msg = malloc(sizeof(hdr) + len - 12)) == NULL)
		abort();
	memcpy(msg, &hdr, sizeof(hdr));
	memcpy(msg + sizeof(hdr), buf + 12, len - 12);
	for (off = 0; off < sizeof(hdr) + len - 12; off += n) {
		n = sizeof(hdr) + len - 12 - off;
		if (n > piece)
			n = piece;
		feed(fc, msg + off, n);
	}
	free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "XSFZ";
	struct xsd_hooks hooks = {
		.introduce = hook_introduce,
		.release = hook_release,
		.is_introduced = hook_is_introduced,
	};
	const uint8_t *end, *next;
	struct fuzz_conn *fc;
	uint8_t ctl;
	size_t len;

	if (size < 1)
		return (0);
	hook_mode = *data++;
	size--;
	end = data + size;
	xsd = xsd_create((hook_mode & 1) ? &hooks : NULL);
	if (xsd == NULL)
		abort();
	conns[0] = (struct fuzz_conn){ .fc_domid = 0, .fc_privileged = true };
	conns[1] = (struct fuzz_conn){ .fc_domid = GUEST_DOMID };
	conn_open(&conns[0]);
	conn_open(&conns[1]);

	/* Whatever precedes the first separator is ignored. */
	next = memmem(data, (size_t)(end - data), sep, sizeof(sep) - 1);
	while (next != NULL) {
		data = next + sizeof(sep) - 1;
		next = memmem(data, (size_t)(end - data), sep,
		    sizeof(sep) - 1);
		len = (size_t)((next != NULL ? next : end) - data);
		if (len == 0)
			continue;
		ctl = data[0];
		fc = &conns[(ctl & 4) != 0];
		switch (ctl & 3) {
		case 0:
			feed_message(fc, data + 1, len - 1, SIZE_MAX);
			break;
		case 1:
			feed(fc, data + 1, len - 1);
			break;
		case 2:
			feed_message(fc, data + 1, len - 1, (ctl >> 3) + 1);
			break;
		case 3:
			event(ctl >> 2);
			break;
		}
	}

	/* Freeing the store frees its connections, transactions, watches. */
	xsd_destroy(xsd);
	xsd = NULL;
	conns[0].fc_conn = conns[1].fc_conn = NULL;
	return (0);
}
