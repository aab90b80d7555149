/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The xenbus client API.  Paths are "dir/node" (or just dir); values a
 * backend or toolstack wrote are checked by the typed readers before a
 * driver sees them, and a bad one is logged with its full key.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/time.h>

#include <xenpv/suspend.h>

#include "xenbus_impl.h"

#define	PATH_BUF	(XENSTORE_ABS_PATH_MAX + 1)

/* How long a suspend waits for the replies to requests already sent. */
#define	XB_SUSPEND_WAIT	(5 * PV_NS_PER_SEC)

static domid_t	xb_domid;

static int
xb_join(char *buf, const char *dir, const char *node)
{
	int n;

	if (node == NULL || node[0] == '\0')
		n = snprintf(buf, PATH_BUF, "%s", dir);
	else
		n = snprintf(buf, PATH_BUF, "%s/%s", dir, node);
	return (n < 0 || n >= PATH_BUF ? ENAMETOOLONG : 0);
}

static int
path_request(uint32_t type, xenbus_txn_t t, const char *dir, const char *node,
    char **replyp, size_t *lenp)
{
	char path[PATH_BUF];
	struct xb_part part;
	int error;

	if ((error = xb_join(path, dir, node)) != 0)
		return (error);
	part.p_data = path;
	part.p_len = strlen(path) + 1;
	return (xb_request(type, t, &part, 1, replyp, lenp));
}

int
xenbus_read(xenbus_txn_t t, const char *dir, const char *node, char **valp,
    size_t *lenp)
{
	return (path_request(XS_READ, t, dir, node, valp, lenp));
}

int
xenbus_write(xenbus_txn_t t, const char *dir, const char *node,
    const char *val)
{
	char path[PATH_BUF];
	struct xb_part parts[2];
	int error;

	if ((error = xb_join(path, dir, node)) != 0)
		return (error);
	parts[0].p_data = path;
	parts[0].p_len = strlen(path) + 1;
	parts[1].p_data = val;
	parts[1].p_len = strlen(val);
	return (xb_request(XS_WRITE, t, parts, 2, NULL, NULL));
}

int
xenbus_printf(xenbus_txn_t t, const char *dir, const char *node,
    const char *fmt, ...)
{
	char val[XENSTORE_PAYLOAD_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(val))
		return (E2BIG);
	return (xenbus_write(t, dir, node, val));
}

int
xenbus_rm(xenbus_txn_t t, const char *dir, const char *node)
{
	return (path_request(XS_RM, t, dir, node, NULL, NULL));
}

bool
xenbus_exists(xenbus_txn_t t, const char *dir, const char *node)
{
	return (path_request(XS_READ, t, dir, node, NULL, NULL) == 0);
}

int
xenbus_directory(xenbus_txn_t t, const char *dir, const char *node,
    unsigned *nump, char ***namesp)
{
	char *reply, **names, *p;
	size_t len, i;
	unsigned n;
	int error;

	if ((error = path_request(XS_DIRECTORY, t, dir, node, &reply,
	    &len)) != 0)
		return (error);
	for (n = 0, i = 0; i < len; i++)
		n += reply[i] == '\0';
	/* Pointers, then the strings, in one block the caller frees. */
	names = pv_malloc(n * sizeof(char *) + len + 1, PV_M_NOWAIT);
	if (names == NULL) {
		pv_free(reply);
		return (ENOMEM);
	}
	p = (char *)(names + n);
	memcpy(p, reply, len);
	p[len] = '\0';
	pv_free(reply);
	for (i = 0; i < n; i++) {
		names[i] = p;
		p += strlen(p) + 1;
	}
	*nump = n;
	*namesp = names;
	return (0);
}

int
xenbus_read_u64(xenbus_txn_t t, const char *dir, const char *node,
    uint64_t max, uint64_t *valp)
{
	char *val;
	int error;

	if ((error = xenbus_read(t, dir, node, &val, NULL)) != 0)
		return (error);
	error = pv_strtou64(val, max, valp);
	if (error == EINVAL)
		pv_log(PV_LOG_ERR, "xenbus", "%s/%s: \"%.32s\" is not a number",
		    dir, node, val);
	else if (error == ERANGE)
		pv_log(PV_LOG_ERR, "xenbus", "%s/%s: %.32s is out of range "
		    "(at most %ju)", dir, node, val, (uintmax_t)max);
	pv_free(val);
	return (error);
}

int
xenbus_read_u64_default(xenbus_txn_t t, const char *dir, const char *node,
    uint64_t max, uint64_t dflt, uint64_t *valp)
{
	int error;

	error = xenbus_read_u64(t, dir, node, max, valp);
	if (error == ENOENT) {
		*valp = dflt;
		error = 0;
	}
	return (error);
}

int
xenbus_gather(xenbus_txn_t t, const char *dir, ...)
{
	const char *node;
	uint64_t max, *valp;
	va_list ap;
	int error = 0;

	va_start(ap, dir);
	while (error == 0 && (node = va_arg(ap, const char *)) != NULL) {
		max = va_arg(ap, uint64_t);
		valp = va_arg(ap, uint64_t *);
		error = xenbus_read_u64(t, dir, node, max, valp);
	}
	va_end(ap);
	return (error);
}

int
xenbus_transaction_start(xenbus_txn_t *tp)
{
	struct xb_part part = { "", 1 };
	uint64_t id;
	char *reply;
	int error;

	if ((error = xb_request(XS_TRANSACTION_START, XENBUS_TXN_NONE, &part,
	    1, &reply, NULL)) != 0)
		return (error);
	error = pv_strtou64(reply, UINT32_MAX, &id);
	pv_free(reply);
	if (error != 0 || id == 0)
		return (EIO);
	*tp = (xenbus_txn_t)id;
	return (0);
}

int
xenbus_transaction_end(xenbus_txn_t t, bool abort)
{
	struct xb_part part = { abort ? "F" : "T", 2 };

	return (xb_request(XS_TRANSACTION_END, t, &part, 1, NULL, NULL));
}

int
xenbus_switch_state(const char *dir, enum xenbus_state state)
{
	return (xenbus_printf(XENBUS_TXN_NONE, dir, "state", "%d", state));
}

enum xenbus_state
xenbus_read_state(const char *dir)
{
	uint64_t v;

	if (xenbus_read_u64(XENBUS_TXN_NONE, dir, "state",
	    XenbusStateReconfigured, &v) != 0)
		return (XenbusStateUnknown);
	return ((enum xenbus_state)v);
}

const char *
xenbus_strstate(enum xenbus_state state)
{
	static const char *const names[] = {
		"Unknown", "Initialising", "InitWait", "Initialised",
		"Connected", "Closing", "Closed", "Reconfiguring",
		"Reconfigured",
	};

	return ((unsigned)state < nitems(names) ? names[state] : "Invalid");
}

domid_t
xenbus_domid(void)
{
	return (xb_domid);
}

/* A relative path names our own /local/domain/N. */
static int
xenbus_read_domid(void)
{
	uint64_t domid;
	int error;

	if ((error = xenbus_read_u64(XENBUS_TXN_NONE, "domid", NULL,
	    DOMID_FIRST_RESERVED - 1, &domid)) != 0) {
		pv_log(PV_LOG_ERR, "xenbus", "cannot read our domid: %d",
		    error);
		return (error);
	}
	xb_domid = (domid_t)domid;
	return (0);
}

int
xenbus_init(void)
{
	int error;

	xen_suspend_init();
	if ((error = xb_watch_init()) != 0)
		return (error);
	if ((error = xb_ring_init()) != 0)
		goto fail;
	if ((error = xenbus_read_domid()) != 0)
		goto fail_ring;
	return (0);
fail_ring:
	xb_ring_fini();
fail:
	xb_watch_fini();
	return (error);
}

void
xenbus_fini(void)
{
	xb_ring_fini();
	xb_watch_fini();
}

int
xenbus_suspend(void)
{
	return (xb_ring_suspend(XB_SUSPEND_WAIT));
}

void
xenbus_suspend_cancel(void)
{
	(void)xb_ring_resume(false);
}

/*
 * In a new domain: another domid, a cleared ring on another channel, and
 * a store that knows none of our watches.
 */
int
xenbus_resume(void)
{
	int error;

	if ((error = xb_ring_resume(true)) != 0)
		return (error);
	if ((error = xenbus_read_domid()) != 0)
		return (error);
	xb_watch_resume();
	return (0);
}
