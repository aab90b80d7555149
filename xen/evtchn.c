/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Event channels over the 2-level ABI.  The upcall clears vCPU 0's
 * upcall-pending flag, takes the pending selector, and for each selected
 * word takes the pending and unmasked ports, clearing each port's pending
 * bit before posting its interrupt: an event that arrives after the clear
 * sets the bit again and raises a new upcall, so none is lost.
 */
#include <errno.h>
#include <stdio.h>

#include <pv/atomic.h>
#include <pv/console.h>
#include <pv/sync.h>
#include <xenpv/evtchn.h>
#include <xenpv/hypervisor.h>

#define	NPORTS	(sizeof(xen_ulong_t) * 8 * sizeof(xen_ulong_t) * 8)
#define	BITS	(sizeof(xen_ulong_t) * 8)

static struct pv_intr	*port_ih[NPORTS];
static struct pv_mtx	 evtchn_mtx;

static void
set_bit(xen_ulong_t *w, unsigned bit)
{
	pv_fetch_or(w, (xen_ulong_t)1 << bit);
}

static void
clear_bit(xen_ulong_t *w, unsigned bit)
{
	pv_fetch_and(w, ~((xen_ulong_t)1 << bit));
}

static void
evtchn_upcall(void *arg)
{
	struct shared_info *s = xen_shared_info();
	struct vcpu_info *v = &s->vcpu_info[0];
	xen_ulong_t sel, pend;
	unsigned word, bit, port;
	struct pv_intr *ih;

	(void)arg;
	do {
		pv_store_rel(&v->evtchn_upcall_pending, 0);
		sel = pv_xchg(&v->evtchn_pending_sel, 0);
		while (sel != 0) {
			word = (unsigned)__builtin_ctzl(sel);
			sel &= sel - 1;
			pend = pv_load_acq(&s->evtchn_pending[word]) &
			    ~pv_load_acq(&s->evtchn_mask[word]);
			while (pend != 0) {
				bit = (unsigned)__builtin_ctzl(pend);
				pend &= pend - 1;
				port = word * BITS + bit;
				clear_bit(&s->evtchn_pending[word], bit);
				ih = pv_load_acq(&port_ih[port]);
				if (ih != NULL)
					pv_intr_post(ih);
			}
		}
	} while (pv_load_acq(&v->evtchn_upcall_pending) != 0);
}

static void
mask_all(struct shared_info *s)
{
	unsigned i;

	for (i = 0; i < sizeof(s->evtchn_mask) / sizeof(s->evtchn_mask[0]);
	    i++)
		pv_store_rel(&s->evtchn_mask[i], ~(xen_ulong_t)0);
}

int
xen_evtchn_init(void)
{
	struct shared_info *s = xen_shared_info();

	if (s == NULL)
		return (ENODEV);
	pv_mtx_init(&evtchn_mtx, "evtchn");
	/* Every port starts masked; binding unmasks. */
	mask_all(s);
	return (xen_upcall_establish(evtchn_upcall, NULL));
}

/*
 * A new domain's shared_info masks nothing and none of our ports exists
 * in it: mask them all until their owners bind new ones.
 */
void
xen_evtchn_resume(void)
{
	mask_all(xen_shared_info());
}

void
xen_evtchn_fini(void)
{
	evtchn_port_t p;

	xen_upcall_disestablish();
	for (p = 0; p < NPORTS; p++) {
		if (port_ih[p] != NULL)
			xen_evtchn_unbind(p);
	}
	pv_mtx_destroy(&evtchn_mtx);
}

int
xen_evtchn_alloc_unbound(domid_t remote, evtchn_port_t *portp)
{
	struct evtchn_alloc_unbound op = {
		.dom = DOMID_SELF,
		.remote_dom = remote,
	};
	long rc;

	if ((rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op)) !=
	    0)
		return ((int)-rc);
	if (op.port == 0 || op.port >= NPORTS)
		return (EINVAL);
	*portp = op.port;
	return (0);
}

int
xen_evtchn_bind_interdomain(domid_t remote, evtchn_port_t rport,
    evtchn_port_t *portp)
{
	struct evtchn_bind_interdomain op = {
		.remote_dom = remote,
		.remote_port = rport,
	};
	long rc;

	rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);
	if (rc != 0)
		return ((int)-rc);
	if (op.local_port == 0 || op.local_port >= NPORTS)
		return (EINVAL);
	*portp = op.local_port;
	return (0);
}

int
xen_evtchn_bind(evtchn_port_t port, const char *name, pv_intr_fn_t *fn,
    void *arg)
{
	struct pv_intr *ih;
	char iname[32];
	int error;

	if (port == 0 || port >= NPORTS)
		return (EINVAL);
	if (name != NULL)
		snprintf(iname, sizeof(iname), "%s", name);
	else
		snprintf(iname, sizeof(iname), "evtchn%u", port);
	if ((error = pv_intr_establish(&ih, iname, fn, arg)) != 0)
		return (error);
	pv_mtx_lock(&evtchn_mtx);
	if (port_ih[port] != NULL) {
		pv_mtx_unlock(&evtchn_mtx);
		pv_intr_disestablish(ih);
		return (EBUSY);
	}
	pv_store_rel(&port_ih[port], ih);
	pv_mtx_unlock(&evtchn_mtx);
	xen_evtchn_unmask(port);
	return (0);
}

void
xen_evtchn_unbind(evtchn_port_t port)
{
	struct pv_intr *ih;

	if (port == 0 || port >= NPORTS)
		return;
	xen_evtchn_mask(port);
	pv_mtx_lock(&evtchn_mtx);
	ih = port_ih[port];
	pv_store_rel(&port_ih[port], NULL);
	pv_mtx_unlock(&evtchn_mtx);
	if (ih != NULL)
		pv_intr_disestablish(ih);
}

int
xen_evtchn_notify(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };

	return ((int)-HYPERVISOR_event_channel_op(EVTCHNOP_send, &op));
}

int
xen_evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };

	xen_evtchn_unbind(port);
	return ((int)-HYPERVISOR_event_channel_op(EVTCHNOP_close, &op));
}

void
xen_evtchn_mask(evtchn_port_t port)
{
	set_bit(&xen_shared_info()->evtchn_mask[port / BITS], port % BITS);
}

void
xen_evtchn_unmask(evtchn_port_t port)
{
	struct shared_info *s = xen_shared_info();
	struct evtchn_unmask op = { .port = port };

	clear_bit(&s->evtchn_mask[port / BITS], port % BITS);
	/* An event that came while masked needs the hypervisor to re-raise. */
	if ((pv_load_acq(&s->evtchn_pending[port / BITS]) >> (port % BITS)) &
	    1)
		(void)HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

int
xen_evtchn_test_and_clear(evtchn_port_t port)
{
	xen_ulong_t m = (xen_ulong_t)1 << (port % BITS);

	return ((pv_fetch_and(&xen_shared_info()->evtchn_pending[port / BITS],
	    ~m) & m) != 0);
}
