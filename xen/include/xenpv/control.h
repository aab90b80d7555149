/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The toolstack's control node: xl shutdown, reboot and save write
 * control/shutdown, and the guest acknowledges and acts.
 */
#ifndef _XENPV_CONTROL_H_
#define _XENPV_CONTROL_H_

enum xen_control_req {
	XEN_CONTROL_POWEROFF,
	XEN_CONTROL_REBOOT,
};

/*
 * Called on the xenwatch thread once a poweroff or reboot has been
 * acknowledged: the program ends its work and shuts the domain down with
 * the matching reason.  A suspend is handled here (xen_suspend()).
 */
typedef void xen_control_fn(enum xen_control_req req, void *arg);

int	xen_control_attach(xen_control_fn *fn, void *arg);

#endif /* !_XENPV_CONTROL_H_ */
