/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The hypervisor service: hypercalls with the real Xen argument
 * structures, the shared_info page, and the upcall.  A platform provides
 * it: the guest kernel with the hypercall page, the hosted platform by
 * messages to xensim.  Xen code above this line does not know which.
 */
#ifndef _XENPV_HYPERVISOR_H_
#define _XENPV_HYPERVISOR_H_

#include <stdint.h>

#include <xen/xen.h>

#include <pv/intr.h>

/* As the hypercalls return: >= 0 on success, -errno on failure. */
long	HYPERVISOR_event_channel_op(int cmd, void *arg);
long	HYPERVISOR_grant_table_op(unsigned int cmd, void *uop,
	    unsigned int count);
long	HYPERVISOR_memory_op(unsigned int cmd, void *arg);
long	HYPERVISOR_hvm_op(int op, void *arg);

/* NULL until the platform has attached to a hypervisor. */
struct shared_info	*xen_shared_info(void);

/*
 * Route the event-channel upcall (HVM's callback vector) to a handler;
 * the handler runs as an interrupt thread.
 */
int	xen_upcall_establish(pv_intr_fn_t *fn, void *arg);
void	xen_upcall_disestablish(void);

/*
 * SCHEDOP_shutdown(SHUTDOWN_suspend), for a save, checkpoint or
 * migration: 1 when it was cancelled (xl save -c, a failed save) and the
 * domain goes on as it was; 0 when it resumed in a new domain, with
 * shared_info and the upcall set up again (event channels, grants and
 * xenstore are the caller's to redo); a negative errno when the platform
 * cannot suspend.
 */
int	xen_platform_suspend(void);

#endif /* !_XENPV_HYPERVISOR_H_ */
