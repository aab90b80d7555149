/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The block backend's xenbus side: it notices devices the toolstack adds
 * under /local/domain/0/backend/vbd, opens the image named by "params",
 * publishes what it supports and goes to InitWait, as Linux blkback does
 * at probe; it answers the toolstack's Closing with Closed, and forgets a
 * device whose directory is removed.
 *
 * Watch events reach us from inside xenstored while it handles someone's
 * request; they are queued and handled from the event loop, so the
 * backend never re-enters xenstored in the middle of a message.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/io/xenbus.h>
#include <xen/io/xs_wire.h>

#include <pv/libkern.h>
#include <pv/queue.h>

#include "blkback.h"
#include "evloop.h"
#include "xensim.h"
#include "xenstored.h"

#define	VBD_ROOT	"/local/domain/0/backend/vbd"

struct blkback_conf blkback_conf = {
	.bc_max_indirect = 256,
	.bc_max_ring_order = 4,
	.bc_max_queues = 4,
};

struct vbd {
	TAILQ_ENTRY(vbd)	 v_link;
	uint32_t		 v_domid;
	uint32_t		 v_devid;
	char			 v_path[96];
	int			 v_fd;
	int			 v_state;
};

struct pending {
	STAILQ_ENTRY(pending)	 p_link;
	char			 p_path[];
};

static TAILQ_HEAD(, vbd)	 vbds = TAILQ_HEAD_INITIALIZER(vbds);
static STAILQ_HEAD(, pending)	 pendq = STAILQ_HEAD_INITIALIZER(pendq);
static struct xs_conn		*bb_conn;
static int			 bb_efd = -1;
static struct evsrc		*bb_src;

static int
be_read(const struct vbd *v, const char *node, char *buf, size_t len)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", v->v_path, node);
	return (xsd_read(xensim.xsd, path, buf, len));
}

static void
be_write(const struct vbd *v, const char *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
be_write(const struct vbd *v, const char *node, const char *fmt, ...)
{
	char path[160], val[256];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", v->v_path, node);
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	(void)xsd_write(xensim.xsd, path, val);
}

static void
vbd_state(struct vbd *v, int state)
{
	v->v_state = state;
	be_write(v, "state", "%d", state);
}

static void
vbd_free(struct vbd *v)
{
	TAILQ_REMOVE(&vbds, v, v_link);
	if (v->v_fd >= 0)
		close(v->v_fd);
	free(v);
}

/* The block script's part: open the image, or say why not. */
static int
vbd_open(struct vbd *v)
{
	char params[256], mode[8];
	const char *file = params;

	if (be_read(v, "params", params, sizeof(params)) != 0 ||
	    params[0] == '\0') {
		xensim_log("%s: no params", v->v_path);
		be_write(v, "hotplug-error", "no params");
		be_write(v, "hotplug-status", "error");
		return (EINVAL);
	}
	if (strncmp(params, "aio:", 4) == 0)
		file = params + 4;
	if (be_read(v, "mode", mode, sizeof(mode)) != 0)
		strcpy(mode, "w");
	v->v_fd = open(file, (mode[0] == 'w' ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (v->v_fd < 0) {
		int error = errno;

		xensim_log("%s: params %s: %s", v->v_path, file,
		    strerror(error));
		be_write(v, "hotplug-error", "%s: %s", file, strerror(error));
		be_write(v, "hotplug-status", "error");
		return (error);
	}
	return (0);
}

static void
vbd_probe(uint32_t domid, uint32_t devid, const char *path)
{
	struct vbd *v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return;
	v->v_domid = domid;
	v->v_devid = devid;
	v->v_fd = -1;
	snprintf(v->v_path, sizeof(v->v_path), "%s", path);
	TAILQ_INSERT_TAIL(&vbds, v, v_link);
	if (vbd_open(v) != 0)
		return;
	/* What Linux blkback publishes at probe (see xen-in-qemu.md). */
	if (blkback_conf.bc_max_indirect != 0)
		be_write(v, "feature-max-indirect-segments", "%u",
		    blkback_conf.bc_max_indirect);
	if (blkback_conf.bc_max_queues != 0)
		be_write(v, "multi-queue-max-queues", "%u",
		    blkback_conf.bc_max_queues);
	if (blkback_conf.bc_max_ring_order != 0)
		be_write(v, "max-ring-page-order", "%u",
		    blkback_conf.bc_max_ring_order);
	vbd_state(v, XenbusStateInitWait);
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
	char dir[96], state[16];
	unsigned domid, devid;
	struct vbd *v;
	uint64_t s;
	int n = 0;

	if (sscanf(path, VBD_ROOT "/%u/%u%n", &domid, &devid, &n) != 2 ||
	    (path[n] != '\0' && path[n] != '/'))
		return;
	snprintf(dir, sizeof(dir), VBD_ROOT "/%u/%u", domid, devid);
	v = vbd_find(domid, devid);
	if (xsd_read(xensim.xsd, dir, state, sizeof(state)) == ENOENT) {
		if (v != NULL)
			vbd_free(v);
		return;
	}
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/state");
	if (xsd_read(xensim.xsd, dir, state, sizeof(state)) != 0 ||
	    pv_strtou64(state, XenbusStateReconfigured, &s) != 0)
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
	if (s == XenbusStateClosing && v->v_state != XenbusStateClosed)
		vbd_state(v, XenbusStateClosed);
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
		vbd_changed(p->p_path);
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
	static const char watch[] = VBD_ROOT "\0blkback";
	struct xsd_sockmsg h = { .type = XS_WATCH, .len = sizeof(watch) };
	char buf[sizeof(h) + sizeof(watch)];

	if ((bb_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return (errno);
	if ((bb_src = evloop_add(bb_efd, EPOLLIN, bb_run, NULL)) == NULL)
		return (ENOMEM);
	if ((bb_conn = xsd_conn_new(xensim.xsd, 0, true, bb_event, NULL)) ==
	    NULL)
		return (ENOMEM);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), watch, sizeof(watch));
	return (xsd_conn_input(bb_conn, buf, sizeof(buf)) == 0 ? 0 : EIO);
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
}
