/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Event channels.  Each bound port gets an interrupt of its own, posted
 * from the upcall, so a device's handler runs as its own interrupt thread
 * with the latching that pv/intr.h promises.
 */
#ifndef _XENPV_EVTCHN_H_
#define _XENPV_EVTCHN_H_

#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>

#include <pv/intr.h>

int	xen_evtchn_init(void);
void	xen_evtchn_fini(void);
/*
 * After a resume in a new domain: every port masked.  Owners unbind
 * their old ports (never close them: the numbers are the new domain's)
 * and bind new ones.
 */
void	xen_evtchn_resume(void);

/* Errors are positive errno values. */
int	xen_evtchn_alloc_unbound(domid_t remote, evtchn_port_t *portp);
int	xen_evtchn_bind_interdomain(domid_t remote, evtchn_port_t rport,
	    evtchn_port_t *portp);
/* Deliver the port's events to fn; the port is unmasked. */
int	xen_evtchn_bind(evtchn_port_t port, const char *name,
	    pv_intr_fn_t *fn, void *arg);
/* Mask the port and wait out a running handler. */
void	xen_evtchn_unbind(evtchn_port_t port);
int	xen_evtchn_notify(evtchn_port_t port);
int	xen_evtchn_close(evtchn_port_t port);
void	xen_evtchn_mask(evtchn_port_t port);
void	xen_evtchn_unmask(evtchn_port_t port);
/* Test and clear the port's pending bit, for polled paths. */
int	xen_evtchn_test_and_clear(evtchn_port_t port);

#endif /* !_XENPV_EVTCHN_H_ */
