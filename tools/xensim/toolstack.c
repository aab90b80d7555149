/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The toolstack part of xensim: what libxl does when a domain is created
 * or destroyed, and how a new memory target becomes the domain's maximum
 * reservation.  The nodes, values and permissions follow libxl's
 * libxl__domain_make and libxl__build_post for an HVM/PVH guest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <xen/io/xs_wire.h>

#include <hosted/xensim_proto.h>
#include <pv/libkern.h>

#include "blkback.h"
#include "domain.h"
#include "xensim.h"
#include "xenstored.h"

/* libxl's slack above the target for the hypervisor maximum, in KiB. */
#define	LIBXL_MAXMEM_CONSTANT	1024

static struct xs_conn	*ts_conn;
static bool		 ts_watching;

/*
 * What libxl writes for a PVH guest, in its order: xenstored lists
 * children in creation order, so the order is what xenstore-ls shows.
 * In paths and values: $D domid, $V the /vm path, $N name, $K memory in
 * KiB, $S/$R store port and frame, $C/$F console port and frame.
 * Permissions: "ro" n0 rD, "rw" nD, "fe" nD r0, "tool" n0, "" inherit.
 */
struct ts_node {
	const char	*path;
	const char	*value;
	const char	*perms;
};

static const struct ts_node ts_create[] = {
	/* libxl__domain_make */
	{ "/local/domain/$D",				"",	"ro" },
	{ "$V",						"",	"ro" },
	{ "/libxl/$D",					"",	"tool" },
	{ "/libxl/$D/device",				"",	"tool" },
	{ "/local/domain/$D/vm",			"$V",	"" },
	{ "/local/domain/$D/name",			"$N",	"" },
	{ "$V/name",					"$N",	"" },
	{ "/local/domain/$D/cpu",			"",	"ro" },
	{ "/local/domain/$D/memory",			"",	"ro" },
	{ "/local/domain/$D/device",			"",	"ro" },
	{ "/local/domain/$D/device/suspend/event-channel", "",	"rw" },
	{ "/local/domain/$D/control",			"",	"ro" },
	{ "/local/domain/$D/control/shutdown",		"",	"rw" },
	{ "/local/domain/$D/control/feature-poweroff",	"",	"rw" },
	{ "/local/domain/$D/control/feature-reboot",	"",	"rw" },
	{ "/local/domain/$D/control/feature-suspend",	"",	"rw" },
	{ "/local/domain/$D/control/sysrq",		"",	"rw" },
	{ "/local/domain/$D/data",			"",	"rw" },
	{ "/local/domain/$D/drivers",			"",	"rw" },
	{ "/local/domain/$D/feature",			"",	"rw" },
	{ "/local/domain/$D/attr",			"",	"rw" },
	{ "/local/domain/$D/error",			"",	"rw" },
	{ "$V/uuid",					"$U",	"" },
	{ "$V/name",					"$N",	"" },
	{ "/local/domain/$D/control/platform-feature-multiprocessor-suspend",
							"1",	"" },
	{ "/local/domain/$D/control/platform-feature-xs_reset_watches",
							"1",	"" },
	{ "/libxl/$D/type",				"pvh",	"" },
	/* libxl__build_post */
	{ "/local/domain/$D/memory/static-max",		"$K",	"" },
	{ "/local/domain/$D/memory/target",		"$K",	"" },
	{ "/local/domain/$D/memory/videoram",		"0",	"" },
	{ "/local/domain/$D/domid",			"$D",	"" },
	{ "/local/domain/$D/store/port",		"$S",	"" },
	{ "/local/domain/$D/store/ring-ref",		"$R",	"" },
	{ "/local/domain/$D/cpu/0/availability",	"online", "" },
	{ "$V/start_time",				"$T",	"" },
};

/* After the introduction: dm-version, then console 0. */
static const struct ts_node ts_console[] = {
	{ "/libxl/$D/dm-version",			"qemu_xen", "" },
	{ "/libxl/$D/device/console/0/frontend",	"/local/domain/$D/console", "" },
	{ "/libxl/$D/device/console/0/backend",
	    "/local/domain/0/backend/console/$D/0",		"" },
	{ "/local/domain/$D/console",			"",	"ro" },
	{ "/local/domain/$D/console/backend",
	    "/local/domain/0/backend/console/$D/0",		"" },
	{ "/local/domain/$D/console/backend-id",	"0",	"fe" },
	{ "/local/domain/$D/console/limit",		"1048576", "ro" },
	{ "/local/domain/$D/console/type",		"xenconsoled", "ro" },
	{ "/local/domain/$D/console/output",		"pty",	"ro" },
	{ "/local/domain/$D/console/tty",		"",	"ro" },
	{ "/local/domain/$D/console/port",		"$C",	"ro" },
	{ "/local/domain/$D/console/ring-ref",		"$F",	"ro" },
	{ "/local/domain/0/backend/console/$D/0",	"",	"ro" },
	{ "/local/domain/0/backend/console/$D/0/frontend",
	    "/local/domain/$D/console",				"" },
	{ "/local/domain/0/backend/console/$D/0/frontend-id", "$D", "" },
	{ "/local/domain/0/backend/console/$D/0/online", "1",	"" },
	{ "/local/domain/0/backend/console/$D/0/state", "1",	"" },
	{ "/local/domain/0/backend/console/$D/0/protocol", "vt100", "" },
	{ "/libxl/$D/device/console/0/frontend-id",	"$D",	"" },
	{ "/libxl/$D/device/console/0/online",		"1",	"" },
	{ "/libxl/$D/device/console/0/state",		"1",	"" },
	{ "/libxl/$D/device/console/0/protocol",	"vt100", "" },
};

struct ts_vars {
	struct domain	*d;
	char		 uuid[40];
	char		 start[32];
	uint32_t	 cons_port;
};

static void
ts_expand(const struct ts_vars *v, const char *tmpl, char *out, size_t len)
{
	struct domain *d = v->d;
	char val[80];
	size_t n = 0;

	for (; *tmpl != '\0' && n + 1 < len; tmpl++) {
		if (*tmpl != '$' || tmpl[1] == '\0') {
			out[n++] = *tmpl;
			continue;
		}
		switch (*++tmpl) {
		case 'D':
			snprintf(val, sizeof(val), "%u", d->d_domid);
			break;
		case 'V':
			snprintf(val, sizeof(val), "/vm/%s", v->uuid);
			break;
		case 'U':
			snprintf(val, sizeof(val), "%s", v->uuid);
			break;
		case 'N':
			snprintf(val, sizeof(val), "%s", d->d_name);
			break;
		case 'K':
			snprintf(val, sizeof(val), "%ju",
			    (uintmax_t)d->d_ram_pages * 4);
			break;
		case 'S':
			snprintf(val, sizeof(val), "%ju", (uintmax_t)
			    d->d_hvm_param[HVM_PARAM_STORE_EVTCHN]);
			break;
		case 'R':
			snprintf(val, sizeof(val), "%ju", (uintmax_t)
			    d->d_hvm_param[HVM_PARAM_STORE_PFN]);
			break;
		case 'C':
			snprintf(val, sizeof(val), "%u", v->cons_port);
			break;
		case 'F':
			snprintf(val, sizeof(val), "%ju", (uintmax_t)
			    (d->d_base_pfn + d->d_ram_pages +
			    XENSIM_SPECIAL_CONSOLE));
			break;
		case 'T':
			snprintf(val, sizeof(val), "%s", v->start);
			break;
		default:
			val[0] = '\0';
			break;
		}
		n += (size_t)snprintf(out + n, len - n, "%s", val);
		if (n >= len)
			n = len - 1;
	}
	out[n] = '\0';
}

static int
ts_apply(const struct ts_vars *v, const struct ts_node *nodes, size_t count)
{
	char path[256], val[256], perms[32];
	uint32_t domid = v->d->d_domid;
	size_t i;
	int error;

	for (i = 0; i < count; i++) {
		ts_expand(v, nodes[i].path, path, sizeof(path));
		ts_expand(v, nodes[i].value, val, sizeof(val));
		if ((error = xsd_write(xensim.xsd, path, val)) != 0)
			return (error);
		if (strcmp(nodes[i].perms, "ro") == 0)
			snprintf(perms, sizeof(perms), "n0 r%u", domid);
		else if (strcmp(nodes[i].perms, "rw") == 0)
			snprintf(perms, sizeof(perms), "n%u", domid);
		else if (strcmp(nodes[i].perms, "fe") == 0)
			snprintf(perms, sizeof(perms), "n%u r0", domid);
		else if (strcmp(nodes[i].perms, "tool") == 0)
			snprintf(perms, sizeof(perms), "n0");
		else
			continue;
		if ((error = xsd_set_perms(xensim.xsd, path, perms)) != 0)
			return (error);
	}
	return (0);
}

static void
ts_vars(struct ts_vars *v, struct domain *d)
{
	struct timespec ts;

	memset(v, 0, sizeof(*v));
	v->d = d;
	/* A stable uuid per domid keeps runs reproducible. */
	snprintf(v->uuid, sizeof(v->uuid),
	    "00000000-0000-4000-8000-%012x", d->d_domid);
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(v->start, sizeof(v->start), "%ju.%02ld",
	    (uintmax_t)ts.tv_sec, ts.tv_nsec / 10000000);
}

int
toolstack_domain_created(struct domain *d)
{
	struct evtchn_alloc_unbound au = {
		.dom = DOMID_SELF,
		.remote_dom = 0,
	};
	struct ts_vars v;
	int error;

	ts_vars(&v, d);
	if ((error = ts_apply(&v, ts_create, nitems(ts_create))) != 0)
		return (error);
	d->d_max_pages = d->d_ram_pages + LIBXL_MAXMEM_CONSTANT / 4;
	xsd_fire_special(xensim.xsd, "@introduceDomain");
	/* The console's channel waits, unbound, for a console backend. */
	if ((error = evtchn_op(d, EVTCHNOP_alloc_unbound, &au, sizeof(au))) !=
	    0)
		return (error);
	v.cons_port = au.port;
	return (ts_apply(&v, ts_console, nitems(ts_console)));
}

void
toolstack_domain_gone(struct domain *d)
{
	struct ts_vars v;
	char path[128];

	ts_vars(&v, d);
	/* libxl destroys the devices first, forcibly. */
	blkback_domain_gone(d->d_domid);
	snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u",
	    d->d_domid);
	(void)xsd_rm(xensim.xsd, path);
	snprintf(path, sizeof(path), "/local/domain/0/backend/console/%u",
	    d->d_domid);
	(void)xsd_rm(xensim.xsd, path);
	snprintf(path, sizeof(path), "/vm/%s", v.uuid);
	(void)xsd_rm(xensim.xsd, path);
	snprintf(path, sizeof(path), "/local/domain/%u", d->d_domid);
	(void)xsd_rm(xensim.xsd, path);
	snprintf(path, sizeof(path), "/libxl/%u", d->d_domid);
	(void)xsd_rm(xensim.xsd, path);
	xsd_forget_domain(xensim.xsd, d->d_domid);
	if (d->d_introduced)
		xsd_fire_special(xensim.xsd, "@releaseDomain");
}

/* A new memory/target moves the domain's maximum, as libxl's mem-set. */
static void
ts_target_changed(uint32_t domid)
{
	struct domain *d = domain_get(domid);
	char path[64], val[32];
	uint64_t kib;

	if (d == NULL || domid == 0)
		return;
	snprintf(path, sizeof(path), "/local/domain/%u/memory/target", domid);
	if (xsd_read(xensim.xsd, path, val, sizeof(val)) != 0 ||
	    pv_strtou64(val, UINT64_MAX / 1024, &kib) != 0) {
		xensim_log("domain %u: memory/target \"%s\" is not a number",
		    domid, val);
		return;
	}
	d->d_max_pages = (kib + LIBXL_MAXMEM_CONSTANT) / 4;
}

static void
ts_event(void *ctx, const void *msg, size_t len)
{
	const struct xsd_sockmsg *h = msg;
	const char *path = (const char *)(h + 1);
	unsigned domid;
	char tail[32];

	(void)ctx;
	if (len >= sizeof(*h) && h->type == XS_WATCH)
		ts_watching = true;	/* the reply: "OK" */
	if (len < sizeof(*h) || h->type != XS_WATCH_EVENT)
		return;
	if (sscanf(path, "/local/domain/%u/%31s", &domid, tail) == 2 &&
	    strcmp(tail, "memory/target") == 0)
		ts_target_changed(domid);
}

int
toolstack_init(void)
{
	/* path\0token\0: the literal's own terminator is not sent. */
	static const char watch[] = "/local/domain\0ts";
	struct xsd_sockmsg h = {
		.type = XS_WATCH,
		.len = sizeof(watch),
	};
	char buf[sizeof(h) + sizeof(watch)];

	ts_conn = xsd_conn_new(xensim.xsd, 0, true, ts_event, NULL);
	if (ts_conn == NULL)
		return (ENOMEM);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), watch, sizeof(watch));
	ts_watching = false;
	if (xsd_conn_input(ts_conn, buf, sizeof(buf)) != 0 || !ts_watching) {
		xensim_log("toolstack: cannot watch /local/domain");
		return (EIO);
	}
	return (0);
}
