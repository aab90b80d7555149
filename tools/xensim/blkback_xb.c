/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The block backend's xenbus side: it notices devices the toolstack adds
 * under /local/domain/0/backend/vbd, opens the image named by "params",
 * publishes what it supports and goes to InitWait, as Linux blkback does
 * at probe.  It then follows the frontend's state: Initialised (or
 * Connected, when the frontend skipped a state) connects, Closing and
 * Closed disconnect, and Initialising after Closed starts over.  The
 * toolstack's Closing is answered with Closed at once when no frontend
 * is connected, else once the frontend has closed; a device whose
 * directory is removed is forgotten.
 *
 * Watch events reach us from inside xenstored while it handles someone's
 * request; they are queued and handled from the event loop, so the
 * backend never re-enters xenstored in the middle of a message.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/io/xenbus.h>
#include <xen/io/xs_wire.h>

#include <pv/libkern.h>

#include "blkback.h"
#include "blkback_impl.h"
#include "evloop.h"
#include "xensim.h"
#include "xenstored.h"

#define	DOM0_HOME	"/local/domain/0/"
#define	VBD_ROOT	DOM0_HOME "backend/vbd"
#define	FE_TOKEN	"fe"

struct pending {
	STAILQ_ENTRY(pending)	 p_link;
	char			 p_path[];
};

static TAILQ_HEAD(, vbd)	 vbds = TAILQ_HEAD_INITIALIZER(vbds);
static STAILQ_HEAD(, pending)	 pendq = STAILQ_HEAD_INITIALIZER(pendq);
static struct xs_conn		*bb_conn;
static int			 bb_efd = -1;
static struct evsrc		*bb_src;

int
vbd_be_read(const struct vbd *v, const char *node, char *buf, size_t len)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", v->v_path, node);
	return (xsd_read(xensim.xsd, path, buf, len));
}

int
vbd_fe_read(const struct vbd *v, const char *node, char *buf, size_t len)
{
	char path[192];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", v->v_fe, node) >=
	    sizeof(path))
		return (ENAMETOOLONG);
	return (xsd_read(xensim.xsd, path, buf, len));
}

void
vbd_be_write(const struct vbd *v, const char *node, const char *fmt, ...)
{
	char path[160], val[256];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", v->v_path, node);
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	(void)xsd_write(xensim.xsd, path, val);
}

void
vbd_printable(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
	}
}

void
vbd_state(struct vbd *v, int state)
{
	v->v_state = state;
	vbd_be_write(v, "state", "%d", state);
}

/* Where xenbus_dev_error leaves its message: dom0's error/<nodename>. */
static void
error_path(const struct vbd *v, char *buf, size_t len)
{
	snprintf(buf, len, DOM0_HOME "error/%s/error",
	    v->v_path + strlen(DOM0_HOME));
}

static void
vbd_verror(struct vbd *v, int error, const char *fmt, va_list ap)
{
	char msg[256], path[192];
	int n;

	n = snprintf(msg, sizeof(msg), "%d ", error);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	xensim_log("blkback %u/%u: %s", v->v_domid, v->v_devid, msg);
	error_path(v, path, sizeof(path));
	(void)xsd_write(xensim.xsd, path, msg);
}

void
vbd_error(struct vbd *v, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbd_verror(v, error, fmt, ap);
	va_end(ap);
}

void
vbd_fatal(struct vbd *v, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbd_verror(v, error, fmt, ap);
	va_end(ap);
	vbd_disconnect(v);
	vbd_state(v, XenbusStateClosed);
}

/* A command on our own xenstore connection: path\0token\0. */
static int
bb_xs(uint32_t type, const char *path, const char *token)
{
	struct xsd_sockmsg h = { .type = type };
	char buf[sizeof(h) + XENSTORE_ABS_PATH_MAX + 16];
	size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;

	if (plen + tlen > sizeof(buf) - sizeof(h))
		return (ENAMETOOLONG);
	h.len = (uint32_t)(plen + tlen);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), path, plen);
	memcpy(buf + sizeof(h) + plen, token, tlen);
	return (xsd_conn_input(bb_conn, buf, sizeof(h) + plen + tlen) == 0 ?
	    0 : EIO);
}

static void
vbd_free(struct vbd *v)
{
	char path[192];

	vbd_disconnect(v);
	fault_vbd_gone(v);
	if (v->v_watching)
		(void)bb_xs(XS_UNWATCH, v->v_fe_state, FE_TOKEN);
	error_path(v, path, sizeof(path));
	*strrchr(path, '/') = '\0';
	(void)xsd_rm(xensim.xsd, path);
	TAILQ_REMOVE(&vbds, v, v_link);
	if (v->v_fd >= 0)
		close(v->v_fd);
	free(v);
}

static void
hotplug_error(struct vbd *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
hotplug_error(struct vbd *v, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xensim_log("%s: %s", v->v_path, msg);
	vbd_be_write(v, "hotplug-error", "%s", msg);
	vbd_be_write(v, "hotplug-status", "error");
}

/* The block script's part: open the image, or say why not. */
static int
vbd_open(struct vbd *v)
{
	char params[256], mode[8];
	const char *file = params;

	if (vbd_be_read(v, "params", params, sizeof(params)) != 0 ||
	    params[0] == '\0') {
		hotplug_error(v, "no params");
		return (EINVAL);
	}
	if (strncmp(params, "aio:", 4) == 0)
		file = params + 4;
	if (vbd_be_read(v, "mode", mode, sizeof(mode)) != 0)
		strcpy(mode, "w");
	/* Linux blkback: read-only unless the mode has a 'w'. */
	v->v_readonly = strchr(mode, 'w') == NULL;
	v->v_fd = open(file, (v->v_readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (v->v_fd < 0) {
		int error = errno;

		hotplug_error(v, "%s: %s", file, strerror(error));
		return (error);
	}
	return (0);
}

/* Follow the frontend's state, in the directory the toolstack named. */
static int
vbd_watch_frontend(struct vbd *v)
{
	char prefix[32];
	size_t n;
	int error;

	if (vbd_be_read(v, "frontend", v->v_fe, sizeof(v->v_fe)) != 0) {
		hotplug_error(v, "no frontend");
		return (EINVAL);
	}
	n = (size_t)snprintf(prefix, sizeof(prefix), "/local/domain/%u/",
	    v->v_domid);
	if (strncmp(v->v_fe, prefix, n) != 0 || v->v_fe[n] == '\0' ||
	    (size_t)snprintf(v->v_fe_state, sizeof(v->v_fe_state), "%s/state",
	    v->v_fe) >= sizeof(v->v_fe_state)) {
		hotplug_error(v, "frontend \"%s\" is not a directory of "
		    "domain %u", v->v_fe, v->v_domid);
		return (EINVAL);
	}
	if ((error = bb_xs(XS_WATCH, v->v_fe_state, FE_TOKEN)) != 0) {
		hotplug_error(v, "cannot watch %s", v->v_fe_state);
		return (error);
	}
	v->v_watching = true;
	return (0);
}

/* What Linux blkback publishes at probe (see xen-in-qemu.md). */
static void
vbd_publish_limits(const struct vbd *v)
{
	uint8_t keys = blkback_conf.bc_ring_keys;

	if (v->v_max_indirect != 0)
		vbd_be_write(v, "feature-max-indirect-segments", "%u",
		    v->v_max_indirect);
	if (v->v_max_queues > 1)
		vbd_be_write(v, "multi-queue-max-queues", "%u",
		    v->v_max_queues);
	if (v->v_max_ring_order != 0 && keys != BRK_PAGES)
		vbd_be_write(v, "max-ring-page-order", "%u",
		    v->v_max_ring_order);
	if (v->v_max_ring_order != 0 && keys != BRK_ORDER)
		vbd_be_write(v, "max-ring-pages", "%u",
		    1u << v->v_max_ring_order);
}

/*
 * -o blkback.shrink-on-reconnect: the frontend comes back to a backend
 * that takes less, as after a migration to an older host.
 */
static void
vbd_shrink(struct vbd *v)
{
	static const char *const keys[] = {
		"feature-max-indirect-segments", "multi-queue-max-queues",
		"max-ring-page-order", "max-ring-pages",
	};
	char path[160];
	size_t i;

	if (v->v_max_indirect == 0 && v->v_max_queues == 1 &&
	    v->v_max_ring_order == 0)
		return;
	for (i = 0; i < nitems(keys); i++) {
		snprintf(path, sizeof(path), "%s/%s", v->v_path, keys[i]);
		(void)xsd_rm(xensim.xsd, path);
	}
	v->v_max_indirect = 0;
	v->v_max_queues = 1;
	v->v_max_ring_order = 0;
	xensim_log("blkback %u/%u: shrinks for the reconnect: no indirect "
	    "segments, one queue, a one-page ring", v->v_domid, v->v_devid);
}

static void
vbd_probe(uint32_t domid, uint32_t devid, const char *path)
{
	const struct blkback_conf *c = &blkback_conf;
	struct vbd *v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return;
	v->v_domid = domid;
	v->v_devid = devid;
	v->v_fd = -1;
	v->v_state = XenbusStateInitialising;
	snprintf(v->v_path, sizeof(v->v_path), "%s", path);
	TAILQ_INSERT_TAIL(&vbds, v, v_link);
	if (vbd_open(v) != 0)
		return;
	v->v_max_indirect = c->bc_max_indirect;
	v->v_max_ring_order = c->bc_max_ring_order;
	v->v_max_queues = c->bc_max_queues;
	vbd_publish_limits(v);
	if (c->bc_skip_initwait)
		(void)vbd_connect_early(v);
	else
		vbd_state(v, XenbusStateInitWait);
	/* Its first event reads the frontend's state as it stands. */
	if (vbd_watch_frontend(v) != 0) {
		close(v->v_fd);
		v->v_fd = -1;
	}
}

static struct vbd *
vbd_find(uint32_t domid, uint32_t devid)
{
	struct vbd *v;

	TAILQ_FOREACH(v, &vbds, v_link) {
		if (v->v_domid == domid && v->v_devid == devid)
			return (v);
	}
	return (NULL);
}

/* Something changed at or below VBD_ROOT/<dom>/<devid>. */
static void
vbd_changed(const char *path)
{
	char dir[96], val[16];
	unsigned domid, devid;
	struct vbd *v;
	uint64_t s;
	bool offline;
	int n = 0;

	if (sscanf(path, VBD_ROOT "/%u/%u%n", &domid, &devid, &n) != 2 ||
	    (path[n] != '\0' && path[n] != '/'))
		return;
	snprintf(dir, sizeof(dir), VBD_ROOT "/%u/%u", domid, devid);
	v = vbd_find(domid, devid);
	if (xsd_read(xensim.xsd, dir, val, sizeof(val)) == ENOENT) {
		if (v != NULL)
			vbd_free(v);
		return;
	}
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/state");
	if (xsd_read(xensim.xsd, dir, val, sizeof(val)) != 0 ||
	    pv_strtou64(val, XenbusStateReconfigured, &s) != 0)
		return;
	if (v == NULL) {
		/* The toolstack has written the whole device in one go. */
		if (s == XenbusStateInitialising) {
			snprintf(dir, sizeof(dir), VBD_ROOT "/%u/%u", domid,
			    devid);
			vbd_probe(domid, devid, dir);
		}
		return;
	}
	if (v->v_detaching)
		return;
	/*
	 * The toolstack writes online=0 with its Closing; a state we wrote
	 * since may hide the Closing, but not the online.
	 */
	offline = vbd_be_read(v, "online", val, sizeof(val)) == 0 &&
	    strcmp(val, "0") == 0;
	if (s != XenbusStateClosing && !offline)
		return;
	v->v_detaching = true;
	if (v->v_rings == NULL) {
		vbd_disconnect(v);
		vbd_state(v, XenbusStateClosed);
		return;
	}
	/*
	 * A connected frontend is told by the Closing and closes when its
	 * disk is idle; as with Linux blkback, we serve it until then.
	 */
	xensim_log("blkback %u/%u: the toolstack closes the device; serving "
	    "the frontend until it closes", v->v_domid, v->v_devid);
	if (s != XenbusStateClosing)
		vbd_state(v, XenbusStateClosing);
}

/* The frontend's state changed, or we just started watching it. */
static void
fe_changed(struct vbd *v)
{
	char val[32];
	uint64_t s;
	int error;

	/* Without an image there is nothing to serve: wait for removal. */
	if (v->v_fd < 0)
		return;
	error = vbd_fe_read(v, "state", val, sizeof(val));
	if (error == ENOENT)
		s = XenbusStateUnknown;
	else if (error != 0 ||
	    pv_strtou64(val, XenbusStateReconfigured, &s) != 0) {
		if (error != 0)
			strcpy(val, "(unreadable)");
		vbd_printable(val);
		if (v->v_state != XenbusStateClosed)
			vbd_fatal(v, EINVAL, "%s/state is \"%s\": not a state",
			    v->v_fe, val);
		return;
	}
	if (v->v_detaching) {
		/* Going away: only the frontend's close is still awaited. */
		if (v->v_state != XenbusStateClosed &&
		    (s == XenbusStateClosing || s == XenbusStateClosed ||
		    s == XenbusStateUnknown)) {
			vbd_disconnect(v);
			vbd_state(v, XenbusStateClosed);
		}
		return;
	}
	/* Closed by a fault for a while: the frontend's return must wait. */
	if (v->v_fault_hold && s != XenbusStateClosing &&
	    s != XenbusStateClosed && s != XenbusStateUnknown)
		return;
	switch (s) {
	case XenbusStateInitialising:
		if (v->v_state == XenbusStateClosed) {
			xensim_log("blkback %u/%u: frontend reconnects",
			    v->v_domid, v->v_devid);
			if (blkback_conf.bc_shrink_reconnect)
				vbd_shrink(v);
			if (blkback_conf.bc_skip_initwait)
				(void)vbd_connect_early(v);
			else
				vbd_state(v, XenbusStateInitWait);
		}
		break;
	case XenbusStateInitWait:
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		/*
		 * Two quick changes may show us only the second.  Connected
		 * without rings is skip-initwait's: the rings are due now.
		 */
		if (v->v_state == XenbusStateConnected && v->v_rings != NULL)
			break;
		if (v->v_state == XenbusStateClosed)
			vbd_state(v, XenbusStateInitWait);
		(void)vbd_connect(v);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		vbd_disconnect(v);
		if (v->v_state != XenbusStateClosed)
			vbd_state(v, XenbusStateClosed);
		break;
	case XenbusStateUnknown:
		/* The frontend's directory went away. */
		if (v->v_state == XenbusStateConnected) {
			vbd_disconnect(v);
			vbd_state(v, XenbusStateClosed);
		}
		break;
	default:
		if (v->v_state != XenbusStateClosed)
			vbd_fatal(v, EINVAL, "saw state %ju at frontend",
			    (uintmax_t)s);
		break;
	}
}

bool
vbd_fault_resume(struct vbd *v)
{
	char val[32];
	uint64_t s;

	/*
	 * A frontend that has not yet seen our Closed still shows its old
	 * rings: connecting now would map what it is about to take back.
	 */
	if (vbd_fe_read(v, "state", val, sizeof(val)) == 0 &&
	    pv_strtou64(val, XenbusStateReconfigured, &s) == 0 &&
	    (s == XenbusStateInitialised || s == XenbusStateConnected))
		return (false);
	v->v_fault_hold = false;
	fe_changed(v);
	return (true);
}

static void
route(const char *path)
{
	struct vbd *v;

	if (strncmp(path, VBD_ROOT "/", sizeof(VBD_ROOT)) == 0) {
		vbd_changed(path);
		return;
	}
	TAILQ_FOREACH(v, &vbds, v_link) {
		if (v->v_watching && strcmp(path, v->v_fe_state) == 0) {
			fe_changed(v);
			return;
		}
	}
}

static void
bb_run(void *arg, uint32_t events)
{
	struct pending *p;
	uint64_t n;

	(void)arg;
	(void)events;
	if (read(bb_efd, &n, sizeof(n)) != sizeof(n))
		return;
	while ((p = STAILQ_FIRST(&pendq)) != NULL) {
		STAILQ_REMOVE_HEAD(&pendq, p_link);
		route(p->p_path);
		free(p);
	}
}

static void
bb_event(void *ctx, const void *msg, size_t len)
{
	const struct xsd_sockmsg *h = msg;
	const char *path = (const char *)(h + 1);
	struct pending *p;
	uint64_t one = 1;
	size_t plen;

	(void)ctx;
	if (len < sizeof(*h) || h->type != XS_WATCH_EVENT)
		return;
	plen = strnlen(path, len - sizeof(*h));
	if ((p = malloc(sizeof(*p) + plen + 1)) == NULL)
		return;
	memcpy(p->p_path, path, plen);
	p->p_path[plen] = '\0';
	STAILQ_INSERT_TAIL(&pendq, p, p_link);
	(void)write(bb_efd, &one, sizeof(one));
}

int
blkback_init(void)
{
	int error;

	bb_ring_init();
	if ((error = fault_init()) != 0)
		return (error);
	if ((bb_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return (errno);
	if ((bb_src = evloop_add(bb_efd, EPOLLIN, bb_run, NULL)) == NULL)
		return (ENOMEM);
	if ((bb_conn = xsd_conn_new(xensim.xsd, 0, true, bb_event, NULL)) ==
	    NULL)
		return (ENOMEM);
	return (bb_xs(XS_WATCH, VBD_ROOT, "blkback"));
}

void
blkback_domain_gone(uint32_t domid)
{
	struct vbd *v, *tmp;

	TAILQ_FOREACH_SAFE(v, &vbds, v_link, tmp) {
		if (v->v_domid == domid)
			vbd_free(v);
	}
}

void
blkback_fini(void)
{
	struct pending *p;

	while (!TAILQ_EMPTY(&vbds))
		vbd_free(TAILQ_FIRST(&vbds));
	while ((p = STAILQ_FIRST(&pendq)) != NULL) {
		STAILQ_REMOVE_HEAD(&pendq, p_link);
		free(p);
	}
	evloop_del(bb_src);
	if (bb_efd >= 0)
		close(bb_efd);
	bb_efd = -1;
	fault_fini();
	bb_ring_fini();
}
