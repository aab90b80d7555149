/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Event channels, 2-level ABI.  Delivery to a frontend follows Xen's
 * event_2l.c on the guest's shared_info page: set the port's pending bit;
 * if it was clear and the port is unmasked, set its word's bit in vCPU 0's
 * pending selector and, if the upcall was not already pending, raise the
 * upcall (the eventfd that stands for the callback vector).  The guest
 * shares these words, so every update is atomic.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "domain.h"
#include "xensim.h"

#define	BITS	(sizeof(xen_ulong_t) * 8)

static bool
test_and_set(xen_ulong_t *word, unsigned bit)
{
	xen_ulong_t m = (xen_ulong_t)1 << bit;

	return ((__atomic_fetch_or(word, m, __ATOMIC_SEQ_CST) & m) != 0);
}

static bool
test_bit(xen_ulong_t *word, unsigned bit)
{
	return ((__atomic_load_n(word, __ATOMIC_SEQ_CST) >> bit) & 1);
}

static void
raise_upcall(struct domain *d, unsigned port)
{
	struct shared_info *s = d->d_shinfo;
	struct vcpu_info *v = &s->vcpu_info[0];
	uint64_t one = 1;

	if (test_and_set(&v->evtchn_pending_sel, port / BITS))
		return;
	if (__atomic_exchange_n(&v->evtchn_upcall_pending, 1,
	    __ATOMIC_SEQ_CST) != 0)
		return;
	d->d_upcalls++;
	if (write(d->d_upcall_fd, &one, sizeof(one)) != sizeof(one))
		xensim_log("domain %u: upcall lost", d->d_domid);
}

static void
deliver(struct domain *d, uint32_t port)
{
	struct shared_info *s;
	struct evtchn *e = &d->d_evtchn[port];

	d->d_notify_to++;
	if (d->d_domid == 0) {
		if (e->e_handler != NULL)
			e->e_handler(e->e_arg, port);
		return;
	}
	s = d->d_shinfo;
	if (test_and_set(&s->evtchn_pending[port / BITS], port % BITS))
		return;
	if (test_bit(&s->evtchn_mask[port / BITS], port % BITS))
		return;
	raise_upcall(d, port);
}

static int
port_alloc(struct domain *d, uint32_t *portp)
{
	uint32_t p;

	/* Port 0 is never valid, as in Xen. */
	for (p = 1; p < EVTCHN_PORTS; p++) {
		if (d->d_evtchn[p].e_state == ECS_FREE) {
			*portp = p;
			return (0);
		}
	}
	return (ENOSPC);
}

static void
port_reset(struct domain *d, uint32_t port)
{
	struct evtchn *e = &d->d_evtchn[port];

	e->e_state = ECS_FREE;
	e->e_handler = NULL;
	e->e_arg = NULL;
	if (d->d_shinfo != NULL) {
		__atomic_fetch_and(&d->d_shinfo->evtchn_pending[port / BITS],
		    ~((xen_ulong_t)1 << (port % BITS)), __ATOMIC_SEQ_CST);
	}
}

static int
alloc_unbound(struct domain *d, uint32_t remote_dom, uint32_t *portp)
{
	int error;

	if ((error = port_alloc(d, portp)) != 0)
		return (error);
	d->d_evtchn[*portp].e_state = ECS_UNBOUND;
	d->d_evtchn[*portp].e_remote_dom = remote_dom;
	return (0);
}

static int
bind_interdomain(struct domain *d, uint32_t rdomid, uint32_t rport,
    uint32_t *portp)
{
	struct domain *rd;
	struct evtchn *re;
	int error;

	if ((rd = domain_get(rdomid)) == NULL)
		return (ESRCH);
	if (rport == 0 || rport >= EVTCHN_PORTS)
		return (EINVAL);
	re = &rd->d_evtchn[rport];
	if (re->e_state != ECS_UNBOUND || re->e_remote_dom != d->d_domid)
		return (EINVAL);
	if ((error = port_alloc(d, portp)) != 0)
		return (error);
	d->d_evtchn[*portp].e_state = ECS_INTERDOMAIN;
	d->d_evtchn[*portp].e_remote_dom = rdomid;
	d->d_evtchn[*portp].e_remote_port = rport;
	re->e_state = ECS_INTERDOMAIN;
	re->e_remote_dom = d->d_domid;
	re->e_remote_port = *portp;
	/* Xen marks the new local port pending so no early send is lost. */
	deliver(d, *portp);
	return (0);
}

static int
port_close(struct domain *d, uint32_t port)
{
	struct evtchn *e;
	struct domain *rd;

	if (port == 0 || port >= EVTCHN_PORTS)
		return (EINVAL);
	e = &d->d_evtchn[port];
	if (e->e_state == ECS_FREE)
		return (EINVAL);
	if (e->e_state == ECS_INTERDOMAIN &&
	    (rd = domain_get(e->e_remote_dom)) != NULL) {
		/* The peer's end goes back to waiting for a bind. */
		rd->d_evtchn[e->e_remote_port].e_state = ECS_UNBOUND;
		rd->d_evtchn[e->e_remote_port].e_remote_dom = d->d_domid;
	}
	port_reset(d, port);
	return (0);
}

static int
port_send(struct domain *d, uint32_t port)
{
	struct evtchn *e;
	struct domain *rd;

	if (port == 0 || port >= EVTCHN_PORTS)
		return (EINVAL);
	e = &d->d_evtchn[port];
	if (e->e_state == ECS_UNBOUND)
		return (0);	/* nobody listens yet: dropped, as in Xen */
	if (e->e_state != ECS_INTERDOMAIN)
		return (EINVAL);
	if ((rd = domain_get(e->e_remote_dom)) == NULL)
		return (0);
	deliver(rd, e->e_remote_port);
	return (0);
}

static int
port_unmask(struct domain *d, uint32_t port)
{
	struct shared_info *s = d->d_shinfo;

	if (port == 0 || port >= EVTCHN_PORTS)
		return (EINVAL);
	__atomic_fetch_and(&s->evtchn_mask[port / BITS],
	    ~((xen_ulong_t)1 << (port % BITS)), __ATOMIC_SEQ_CST);
	if (test_bit(&s->evtchn_pending[port / BITS], port % BITS))
		raise_upcall(d, port);
	return (0);
}

int
evtchn_op(struct domain *d, uint32_t cmd, void *arg, size_t len)
{
	struct evtchn_alloc_unbound *au = arg;
	struct evtchn_bind_interdomain *bi = arg;
	struct evtchn_close *cl = arg;
	struct evtchn_send *se = arg;
	struct evtchn_unmask *um = arg;
	uint32_t port;
	int error;

	switch (cmd) {
	case EVTCHNOP_alloc_unbound:
		if (len != sizeof(*au))
			return (EINVAL);
		if (au->dom != DOMID_SELF && au->dom != d->d_domid)
			return (EPERM);
		error = alloc_unbound(d, au->remote_dom == DOMID_SELF ?
		    d->d_domid : au->remote_dom, &port);
		if (error == 0)
			au->port = port;
		return (error);
	case EVTCHNOP_bind_interdomain:
		if (len != sizeof(*bi))
			return (EINVAL);
		error = bind_interdomain(d, bi->remote_dom, bi->remote_port,
		    &port);
		if (error == 0)
			bi->local_port = port;
		return (error);
	case EVTCHNOP_close:
		return (len == sizeof(*cl) ? port_close(d, cl->port) : EINVAL);
	case EVTCHNOP_send:
		d->d_sends_hc++;
		return (len == sizeof(*se) ? port_send(d, se->port) : EINVAL);
	case EVTCHNOP_unmask:
		return (len == sizeof(*um) ? port_unmask(d, um->port) : EINVAL);
	}
	return (ENOSYS);
}

int
evtchn_dom0_bind(uint32_t remote_dom, uint32_t remote_port,
    evtchn_handler_fn *fn, void *arg, uint32_t *portp)
{
	struct domain *d0 = domain_get(0);
	struct evtchn *e;
	int error;

	/* Bound first with no handler, so the initial event is not taken. */
	if ((error = bind_interdomain(d0, remote_dom, remote_port, portp)) !=
	    0)
		return (error);
	e = &d0->d_evtchn[*portp];
	e->e_handler = fn;
	e->e_arg = arg;
	return (0);
}

int
evtchn_send(struct domain *d, uint32_t port)
{
	return (port_send(d, port));
}

int
evtchn_dom0_send(uint32_t port)
{
	return (port_send(domain_get(0), port));
}

void
evtchn_dom0_close(uint32_t port)
{
	(void)port_close(domain_get(0), port);
}

void
evtchn_close_all(struct domain *d)
{
	struct domain *d0 = domain_get(0);
	uint32_t p;

	for (p = 1; p < EVTCHN_PORTS; p++) {
		if (d->d_evtchn[p].e_state != ECS_FREE)
			(void)port_close(d, p);
	}
	/* Dom0 ports still waiting for this domain are useless now. */
	for (p = 1; d0 != NULL && p < EVTCHN_PORTS; p++) {
		if (d0->d_evtchn[p].e_state == ECS_UNBOUND &&
		    d0->d_evtchn[p].e_remote_dom == d->d_domid)
			port_reset(d0, p);
	}
}
