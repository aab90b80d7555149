/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Watches.  Events are queued as they arrive and handed to callbacks on
 * one thread, xenwatch, so a callback may sleep and may talk to xenstore.
 * The token of a watch is its address; an event whose token no longer
 * names a registered watch is dropped, which is what makes unregistering
 * from inside a callback safe.
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include <pv/console.h>
#include <pv/mem.h>
#include <pv/queue.h>
#include <pv/sync.h>
#include <pv/taskq.h>
#include <pv/thread.h>

#include "xenbus_impl.h"

struct xw_event {
	TAILQ_ENTRY(xw_event)	 e_link;
	char			*e_path;
	char			*e_token;
};

static struct pv_mtx		 xw_mtx;
static struct xenbus_watch	*xw_list;
static TAILQ_HEAD(, xw_event)	 xw_queue = TAILQ_HEAD_INITIALIZER(xw_queue);
static struct pv_taskq		*xw_tq;
static struct pv_task		 xw_task;
static struct pv_thread		*xw_td;
static struct xenbus_watch	*xw_running;

static void
token_of(const struct xenbus_watch *w, char *buf, size_t len)
{
	snprintf(buf, len, "%lx", (unsigned long)(uintptr_t)w);
}

static struct xenbus_watch *
find_watch(const char *token)
{
	struct xenbus_watch *w;
	char tok[32];

	for (w = xw_list; w != NULL; w = w->w_next) {
		token_of(w, tok, sizeof(tok));
		if (strcmp(tok, token) == 0)
			return (w);
	}
	return (NULL);
}

static void
xw_run(void *arg, int pending)
{
	struct xenbus_watch *w;
	struct xw_event *e;

	(void)arg;
	(void)pending;
	pv_mtx_lock(&xw_mtx);
	xw_td = pv_curthread();
	while ((e = TAILQ_FIRST(&xw_queue)) != NULL) {
		TAILQ_REMOVE(&xw_queue, e, e_link);
		w = find_watch(e->e_token);
		if (w != NULL) {
			xw_running = w;
			pv_mtx_unlock(&xw_mtx);
			w->w_fn(w, e->e_path);
			pv_mtx_lock(&xw_mtx);
			xw_running = NULL;
			pv_wakeup(&xw_running);
		}
		pv_free(e);
	}
	pv_mtx_unlock(&xw_mtx);
}

void
xb_watch_event(const char *payload, size_t len)
{
	size_t plen, tlen;
	struct xw_event *e;

	/* path\0token\0, both terminated inside the payload. */
	plen = strnlen(payload, len);
	if (plen == len) {
		pv_log(PV_LOG_WARNING, "xenbus", "watch event without a path");
		return;
	}
	tlen = strnlen(payload + plen + 1, len - plen - 1);
	if (plen + 1 + tlen == len) {
		pv_log(PV_LOG_WARNING, "xenbus", "watch event without a token");
		return;
	}
	e = pv_malloc(sizeof(*e) + plen + tlen + 2, PV_M_NOWAIT);
	if (e == NULL)
		return;
	e->e_path = (char *)(e + 1);
	e->e_token = e->e_path + plen + 1;
	memcpy(e->e_path, payload, plen + 1);
	memcpy(e->e_token, payload + plen + 1, tlen + 1);
	pv_mtx_lock(&xw_mtx);
	TAILQ_INSERT_TAIL(&xw_queue, e, e_link);
	pv_mtx_unlock(&xw_mtx);
	pv_taskq_enqueue(xw_tq, &xw_task);
}

/* XS_WATCH or XS_UNWATCH for w, its token being its address. */
static int
watch_request(uint32_t type, struct xenbus_watch *w)
{
	struct xb_part parts[2];
	char tok[32];

	token_of(w, tok, sizeof(tok));
	parts[0].p_data = w->w_node;
	parts[0].p_len = strlen(w->w_node) + 1;
	parts[1].p_data = tok;
	parts[1].p_len = strlen(tok) + 1;
	return (xb_request(type, XENBUS_TXN_NONE, parts, 2, NULL, NULL));
}

int
xenbus_watch_register(struct xenbus_watch *w)
{
	int error;

	pv_mtx_lock(&xw_mtx);
	if (w->w_registered) {
		pv_mtx_unlock(&xw_mtx);
		return (EEXIST);
	}
	/* Listed first, so the initial event finds it. */
	w->w_next = xw_list;
	xw_list = w;
	w->w_registered = true;
	pv_mtx_unlock(&xw_mtx);
	error = watch_request(XS_WATCH, w);
	if (error != 0)
		xenbus_watch_unregister(w);
	return (error);
}

/*
 * Called on the xenwatch thread (the suspend runs there), which is also
 * the only one that unregisters from inside a callback: the list holds
 * still while we walk it unlocked.
 */
void
xb_watch_resume(void)
{
	struct xenbus_watch *w, *next;
	int error;

	pv_mtx_lock(&xw_mtx);
	w = xw_list;
	pv_mtx_unlock(&xw_mtx);
	for (; w != NULL; w = next) {
		pv_mtx_lock(&xw_mtx);
		next = w->w_next;
		pv_mtx_unlock(&xw_mtx);
		if ((error = watch_request(XS_WATCH, w)) != 0)
			pv_log(PV_LOG_ERR, "xenbus", "watch on %s lost across "
			    "the suspend (error %d)", w->w_node, error);
	}
}

void
xenbus_watch_unregister(struct xenbus_watch *w)
{
	struct xenbus_watch **pp;

	pv_mtx_lock(&xw_mtx);
	if (!w->w_registered) {
		pv_mtx_unlock(&xw_mtx);
		return;
	}
	for (pp = &xw_list; *pp != NULL; pp = &(*pp)->w_next) {
		if (*pp == w) {
			*pp = w->w_next;
			break;
		}
	}
	w->w_registered = false;
	pv_mtx_unlock(&xw_mtx);
	(void)watch_request(XS_UNWATCH, w);

	/* From its own callback, returning is all that is left to wait for. */
	pv_mtx_lock(&xw_mtx);
	if (pv_curthread() != xw_td) {
		while (xw_running == w)
			pv_sleep(&xw_running, &xw_mtx, "xwunreg", 0);
	}
	pv_mtx_unlock(&xw_mtx);
}

int
xb_watch_init(void)
{
	pv_mtx_init(&xw_mtx, "xenwatch");
	xw_list = NULL;
	xw_td = NULL;
	PV_TASK_INIT(&xw_task, xw_run, NULL);
	return (pv_taskq_create(&xw_tq, "xenwatch"));
}

void
xb_watch_fini(void)
{
	struct xw_event *e;

	pv_taskq_free(xw_tq);
	while ((e = TAILQ_FIRST(&xw_queue)) != NULL) {
		TAILQ_REMOVE(&xw_queue, e, e_link);
		pv_free(e);
	}
	pv_mtx_destroy(&xw_mtx);
}
