/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A domain's xenstore connection: the xenstore_domain_interface page
 * (xen/io/xs_wire.h) and an event channel, as xenstored serves a guest.
 * Indices come from the guest and are checked before use: a producer more
 * than a ring ahead of the consumer is a broken guest, which gets
 * XENSTORE_ERROR_RINGIDX in the page's error field and loses its
 * connection rather than the daemon losing its footing.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include <hosted/xensim_proto.h>

#include "domain.h"
#include "xensim.h"
#include "xenstored.h"

#define	STORE_OUTQ_MAX	(1u << 20)

static struct xenstore_domain_interface *
store_intf(struct domain *d)
{
	return (domain_gfn(d, d->d_hvm_param[HVM_PARAM_STORE_PFN]));
}

/*
 * A broken ring stops being served.  The connection itself is freed only
 * when no xenstored code can be using it: from the guest's next event or
 * at the domain's end, never from inside a send.
 */
static void
store_fail(struct domain *d, uint32_t error, const char *why)
{
	struct xenstore_domain_interface *intf = store_intf(d);

	if (!d->d_xs_broken)
		xensim_log("domain %u: xenstore ring: %s", d->d_domid, why);
	intf->error = error;
	d->d_xs_broken = true;
	d->d_xs_outlen = 0;
}

/* Move queued replies into the response ring as far as they fit. */
static void
store_flush(struct domain *d)
{
	struct xenstore_domain_interface *intf = store_intf(d);
	XENSTORE_RING_IDX cons, prod;
	size_t space, n, chunk, done = 0;

	if (d->d_xs_outlen == 0 || d->d_xs_broken)
		return;
	cons = __atomic_load_n(&intf->rsp_cons, __ATOMIC_ACQUIRE);
	prod = intf->rsp_prod;
	if (prod - cons > XENSTORE_RING_SIZE) {
		store_fail(d, XENSTORE_ERROR_RINGIDX, "rsp_cons out of range");
		return;
	}
	space = XENSTORE_RING_SIZE - (prod - cons);
	n = d->d_xs_outlen < space ? d->d_xs_outlen : space;
	while (done < n) {
		chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod + done);
		if (chunk > n - done)
			chunk = n - done;
		memcpy(intf->rsp + MASK_XENSTORE_IDX(prod + done),
		    d->d_xs_out + done, chunk);
		done += chunk;
	}
	if (n == 0)
		return;
	__atomic_store_n(&intf->rsp_prod, prod + (XENSTORE_RING_IDX)n,
	    __ATOMIC_RELEASE);
	memmove(d->d_xs_out, d->d_xs_out + n, d->d_xs_outlen - n);
	d->d_xs_outlen -= n;
	evtchn_dom0_send(d->d_store_port);
}

static void
store_send(void *ctx, const void *msg, size_t len)
{
	struct domain *d = ctx;
	char *p;

	if (d->d_xs_broken)
		return;
	if (d->d_xs_outlen + len > STORE_OUTQ_MAX) {
		store_fail(d, XENSTORE_ERROR_COMM, "guest does not read replies");
		return;
	}
	if ((p = realloc(d->d_xs_out, d->d_xs_outlen + len)) == NULL)
		return;
	d->d_xs_out = p;
	memcpy(d->d_xs_out + d->d_xs_outlen, msg, len);
	d->d_xs_outlen += len;
	/* Watch events from others' changes must not wait for the guest. */
	store_flush(d);
}

static void
store_event(void *arg, uint32_t port)
{
	struct domain *d = arg;
	struct xenstore_domain_interface *intf = store_intf(d);
	char buf[XENSTORE_RING_SIZE];
	XENSTORE_RING_IDX cons, prod;
	size_t n, i;

	(void)port;
	if (d->d_xs != NULL && d->d_xs_broken) {
		xsd_conn_free(d->d_xs);
		d->d_xs = NULL;
	}
	if (d->d_xs == NULL)
		return;
	cons = intf->req_cons;
	prod = __atomic_load_n(&intf->req_prod, __ATOMIC_ACQUIRE);
	if (prod - cons > XENSTORE_RING_SIZE) {
		store_fail(d, XENSTORE_ERROR_RINGIDX, "req_prod out of range");
		return;
	}
	n = prod - cons;
	for (i = 0; i < n; i++)
		buf[i] = intf->req[MASK_XENSTORE_IDX(cons + i)];
	__atomic_store_n(&intf->req_cons, prod, __ATOMIC_RELEASE);
	if (n > 0 && xsd_conn_input(d->d_xs, buf, n) != 0) {
		store_fail(d, XENSTORE_ERROR_PROTO, "message over the limit");
		return;
	}
	/* The guest may wait for request space as well as for replies. */
	store_flush(d);
	if (n > 0 && d->d_xs_outlen == 0)
		evtchn_dom0_send(d->d_store_port);
}

int
store_attach(struct domain *d)
{
	struct xenstore_domain_interface *intf = store_intf(d);
	struct evtchn_alloc_unbound au = {
		.dom = DOMID_SELF,
		.remote_dom = 0,
	};
	int error;

	memset(intf, 0, sizeof(*intf));
	intf->server_features = XENSTORE_SERVER_FEATURE_ERROR;
	intf->connection = XENSTORE_CONNECTED;
	/*
	 * The guest's end is found through HVM_PARAM_STORE_EVTCHN; dom0's
	 * end, bound to it, is what xenstored sends on.
	 */
	if ((error = evtchn_op(d, EVTCHNOP_alloc_unbound, &au, sizeof(au))) !=
	    0)
		return (error);
	d->d_hvm_param[HVM_PARAM_STORE_EVTCHN] = au.port;
	if ((error = evtchn_dom0_bind(d->d_domid, au.port, store_event, d,
	    &d->d_store_port)) != 0)
		return (error);
	d->d_xs = xsd_conn_new(xensim.xsd, d->d_domid, false, store_send, d);
	if (d->d_xs == NULL)
		return (ENOMEM);
	d->d_introduced = true;
	return (0);
}

void
store_detach(struct domain *d)
{
	if (d->d_xs != NULL)
		xsd_conn_free(d->d_xs);
	d->d_xs = NULL;
	free(d->d_xs_out);
	d->d_xs_out = NULL;
	d->d_xs_outlen = 0;
}
