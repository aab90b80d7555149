/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xenstore over the ring page (xen/io/xs_wire.h).  Requests are written
 * whole under one lock and carry a request id; replies are matched by
 * that id, so any number of threads may wait at once.  The ring indices
 * and every header come from the other side and are checked: a consumer
 * or producer out of range, or a reply longer than XENSTORE_PAYLOAD_MAX,
 * marks the connection broken, and every caller gets EIO from then on.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/io/xs_wire.h>

#include <pv/atomic.h>
#include <pv/console.h>
#include <pv/mem.h>
#include <pv/queue.h>
#include <pv/sync.h>
#include <pv/time.h>
#include <xenpv/evtchn.h>
#include <xenpv/hypervisor.h>

#include "xenbus_impl.h"

/* How long a reply may take before the store is declared dead. */
#define	XB_REPLY_TIMEOUT	(30 * PV_NS_PER_SEC)

struct xb_wait {
	TAILQ_ENTRY(xb_wait)	 x_link;
	uint32_t		 x_id;
	uint32_t		 x_type;
	char			*x_reply;
	size_t			 x_len;
	bool			 x_done;
};

static struct xenstore_domain_interface *xb_intf;
static evtchn_port_t	 xb_port;
static struct pv_mtx	 xb_mtx;	/* waiters, ring reader state */
static struct pv_mtx	 xb_wlock;	/* one writer at a time */
static TAILQ_HEAD(, xb_wait) xb_waiters = TAILQ_HEAD_INITIALIZER(xb_waiters);
static uint32_t		 xb_next_id;
static bool		 xb_broken;
static bool		 xb_suspended;	/* no new request may start */
/* The reply being assembled. */
static struct xsd_sockmsg xb_hdr;
static size_t		 xb_hdr_have;
static char		 xb_body[XENSTORE_PAYLOAD_MAX + 1];
static size_t		 xb_body_have;

static void
xb_break(const char *why)
{
	struct xb_wait *w;

	PV_MTX_ASSERT_OWNED(&xb_mtx);
	if (!xb_broken)
		pv_log(PV_LOG_ERR, "xenbus", "store connection broken: %s",
		    why);
	xb_broken = true;
	TAILQ_FOREACH(w, &xb_waiters, x_link)
		pv_wakeup(w);
	pv_wakeup(&xb_intf);
}

static void
xb_deliver(void)
{
	struct xb_wait *w;
	char *copy;

	if (xb_hdr.type == XS_WATCH_EVENT) {
		/* Not under the lock: the watch side takes its own. */
		pv_mtx_unlock(&xb_mtx);
		xb_watch_event(xb_body, xb_hdr.len);
		pv_mtx_lock(&xb_mtx);
		return;
	}
	TAILQ_FOREACH(w, &xb_waiters, x_link) {
		if (w->x_id == xb_hdr.req_id && !w->x_done)
			break;
	}
	if (w == NULL) {
		pv_log(PV_LOG_WARNING, "xenbus", "reply to unknown request %u "
		    "dropped", xb_hdr.req_id);
		return;
	}
	copy = pv_malloc(xb_hdr.len + 1, PV_M_NOWAIT);
	if (copy != NULL) {
		memcpy(copy, xb_body, xb_hdr.len);
		copy[xb_hdr.len] = '\0';
	}
	w->x_reply = copy;
	w->x_len = xb_hdr.len;
	w->x_type = copy != NULL ? xb_hdr.type : XS_ERROR;
	w->x_done = true;
	pv_wakeup(w);
}

static void
xb_intr(void *arg)
{
	XENSTORE_RING_IDX cons, prod;
	char c;

	(void)arg;
	pv_mtx_lock(&xb_mtx);
	/* Writers may be waiting for the request ring to drain. */
	pv_wakeup(&xb_intf);
	while (!xb_broken) {
		cons = xb_intf->rsp_cons;
		prod = pv_load_acq(&xb_intf->rsp_prod);
		if (prod - cons > XENSTORE_RING_SIZE) {
			xb_break("response producer out of range");
			break;
		}
		if (prod == cons)
			break;
		for (; cons != prod && !xb_broken; cons++) {
			c = xb_intf->rsp[MASK_XENSTORE_IDX(cons)];
			if (xb_hdr_have < sizeof(xb_hdr)) {
				((char *)&xb_hdr)[xb_hdr_have++] = c;
				if (xb_hdr_have < sizeof(xb_hdr))
					continue;
				if (xb_hdr.len > XENSTORE_PAYLOAD_MAX) {
					xb_break("reply over the payload limit");
					break;
				}
				xb_body_have = 0;
				if (xb_hdr.len > 0)
					continue;
			} else {
				xb_body[xb_body_have++] = c;
				if (xb_body_have < xb_hdr.len)
					continue;
			}
			xb_deliver();
			xb_hdr_have = 0;
		}
		pv_store_rel(&xb_intf->rsp_cons, cons);
		/* xenstored may be holding replies back for space. */
		(void)xen_evtchn_notify(xb_port);
	}
	pv_mtx_unlock(&xb_mtx);
}

static int
xb_write(const void *data, size_t len)
{
	const char *p = data;
	XENSTORE_RING_IDX cons, prod;
	size_t space, i;

	while (len > 0) {
		pv_mtx_lock(&xb_mtx);
		for (;;) {
			if (xb_broken) {
				pv_mtx_unlock(&xb_mtx);
				return (EIO);
			}
			cons = pv_load_acq(&xb_intf->req_cons);
			prod = xb_intf->req_prod;
			if (prod - cons > XENSTORE_RING_SIZE) {
				xb_break("request consumer out of range");
				continue;
			}
			if (prod - cons < XENSTORE_RING_SIZE)
				break;
			pv_sleep(&xb_intf, &xb_mtx, "xbwrite",
			    10 * PV_NS_PER_MS);
		}
		pv_mtx_unlock(&xb_mtx);
		space = XENSTORE_RING_SIZE - (prod - cons);
		if (space > len)
			space = len;
		for (i = 0; i < space; i++)
			xb_intf->req[MASK_XENSTORE_IDX(prod + i)] = p[i];
		pv_store_rel(&xb_intf->req_prod, prod + (XENSTORE_RING_IDX)space);
		(void)xen_evtchn_notify(xb_port);
		p += space;
		len -= space;
	}
	return (0);
}

static int
xb_errno(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
		if (strcmp(name, xsd_errors[i].errstring) == 0)
			return (xsd_errors[i].errnum);
	}
	return (EINVAL);
}

int
xb_request(uint32_t type, xenbus_txn_t t, const struct xb_part *parts,
    unsigned nparts, char **replyp, size_t *lenp)
{
	struct xsd_sockmsg hdr = { .type = type, .tx_id = t };
	struct xb_wait w = { .x_done = false };
	uint64_t deadline;
	unsigned i;
	int error;

	for (i = 0; i < nparts; i++)
		hdr.len += (uint32_t)parts[i].p_len;
	if (hdr.len > XENSTORE_PAYLOAD_MAX)
		return (E2BIG);
	pv_mtx_lock(&xb_wlock);
	pv_mtx_lock(&xb_mtx);
	/* Checked where the waiter is listed: a suspend counts it or stops it. */
	while (xb_suspended)
		pv_sleep(&xb_suspended, &xb_mtx, "xbsusp", 0);
	hdr.req_id = w.x_id = xb_next_id++;
	TAILQ_INSERT_TAIL(&xb_waiters, &w, x_link);
	pv_mtx_unlock(&xb_mtx);
	error = xb_write(&hdr, sizeof(hdr));
	for (i = 0; i < nparts && error == 0; i++)
		error = xb_write(parts[i].p_data, parts[i].p_len);
	pv_mtx_unlock(&xb_wlock);

	pv_mtx_lock(&xb_mtx);
	deadline = pv_uptime_ns() + XB_REPLY_TIMEOUT;
	while (error == 0 && !w.x_done && !xb_broken) {
		if (pv_uptime_ns() >= deadline) {
			xb_break("no reply within 30 s");
			break;
		}
		pv_sleep(&w, &xb_mtx, "xbreply", 100 * PV_NS_PER_MS);
	}
	TAILQ_REMOVE(&xb_waiters, &w, x_link);
	if (error == 0 && !w.x_done)
		error = EIO;
	pv_mtx_unlock(&xb_mtx);
	if (error != 0) {
		pv_free(w.x_reply);
		return (error);
	}
	if (w.x_type == XS_ERROR) {
		error = w.x_reply != NULL ? xb_errno(w.x_reply) : ENOMEM;
		pv_free(w.x_reply);
		return (error);
	}
	if (w.x_type != type) {
		pv_log(PV_LOG_ERR, "xenbus", "reply of type %u to request of "
		    "type %u", w.x_type, type);
		pv_free(w.x_reply);
		return (EIO);
	}
	if (lenp != NULL)
		*lenp = w.x_len;
	if (replyp != NULL)
		*replyp = w.x_reply;
	else
		pv_free(w.x_reply);
	return (0);
}

/* The store's page and channel, as the HVM parameters name them now. */
static int
xb_ring_find(void)
{
	struct xen_hvm_param hp = { .domid = DOMID_SELF };
	long rc;

	hp.index = HVM_PARAM_STORE_PFN;
	if ((rc = HYPERVISOR_hvm_op(HVMOP_get_param, &hp)) != 0)
		return ((int)-rc);
	xb_intf = pv_phystov(pv_ptoa(hp.value));
	if (xb_intf == NULL) {
		pv_log(PV_LOG_ERR, "xenbus", "store frame %#jx is not mapped",
		    (uintmax_t)hp.value);
		return (ENXIO);
	}
	hp.index = HVM_PARAM_STORE_EVTCHN;
	if ((rc = HYPERVISOR_hvm_op(HVMOP_get_param, &hp)) != 0)
		return ((int)-rc);
	if (hp.value == 0 || hp.value > UINT32_MAX) {
		pv_log(PV_LOG_ERR, "xenbus", "store event channel %ju is not "
		    "a port", (uintmax_t)hp.value);
		return (ENXIO);
	}
	xb_port = (evtchn_port_t)hp.value;
	return (0);
}

int
xb_ring_init(void)
{
	int error;

	if ((error = xb_ring_find()) != 0)
		return (error);
	pv_mtx_init(&xb_mtx, "xenbus");
	pv_mtx_init(&xb_wlock, "xenbus_w");
	xb_broken = false;
	xb_suspended = false;
	xb_hdr_have = xb_body_have = 0;
	xb_next_id = 1;
	if ((error = xen_evtchn_bind(xb_port, "xenstore", xb_intr, NULL)) !=
	    0) {
		pv_mtx_destroy(&xb_wlock);
		pv_mtx_destroy(&xb_mtx);
	}
	return (error);
}

/*
 * Before a suspend: hold new requests back and wait for the replies to
 * those already sent, so that none is cut in half by the save.
 */
int
xb_ring_suspend(uint64_t timeout_ns)
{
	uint64_t end = pv_uptime_ns() + timeout_ns;
	int error = 0;

	pv_mtx_lock(&xb_mtx);
	xb_suspended = true;
	while (!TAILQ_EMPTY(&xb_waiters) && !xb_broken) {
		if (pv_uptime_ns() >= end) {
			error = ETIMEDOUT;
			break;
		}
		pv_sleep(&xb_waiters, &xb_mtx, "xbquiet", PV_NS_PER_MS);
	}
	pv_mtx_unlock(&xb_mtx);
	if (error != 0)
		xb_ring_resume(false);
	return (error);
}

/*
 * After the suspend.  In a new domain the ring was cleared and its
 * channel is another: start from empty indices on the new port.
 */
int
xb_ring_resume(bool newdom)
{
	int error = 0;

	if (newdom) {
		xen_evtchn_unbind(xb_port);
		pv_mtx_lock(&xb_mtx);
		xb_broken = false;
		xb_hdr_have = xb_body_have = 0;
		error = xb_ring_find();
		pv_mtx_unlock(&xb_mtx);
		if (error == 0)
			error = xen_evtchn_bind(xb_port, "xenstore", xb_intr,
			    NULL);
		if (error != 0)
			pv_log(PV_LOG_ERR, "xenbus", "no store after resume "
			    "(error %d)", error);
	}
	pv_mtx_lock(&xb_mtx);
	if (error != 0)
		xb_break("lost across the suspend");
	xb_suspended = false;
	pv_wakeup(&xb_suspended);
	pv_mtx_unlock(&xb_mtx);
	return (error);
}

void
xb_ring_fini(void)
{
	xen_evtchn_unbind(xb_port);
	pv_mtx_destroy(&xb_wlock);
	pv_mtx_destroy(&xb_mtx);
}
