/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Save, restore and migration from the guest's side.  Frontends register
 * a hook; xen_suspend() quiesces them, suspends the domain, and takes
 * them either on as before (a cancelled suspend) or into the new domain.
 */
#ifndef _XENPV_SUSPEND_H_
#define _XENPV_SUSPEND_H_

#include <pv/queue.h>

struct xen_suspend_hook {
	const char	*sh_name;
	void		*sh_arg;
	/* Stop issuing; what is in flight stays in flight. */
	void		(*sh_suspend)(void *arg);
	/* The suspend was cancelled: the same backend, the same rings. */
	void		(*sh_cancel)(void *arg);
	/*
	 * A new domain, before xenstore is back: forget the old domain's
	 * event channels and grants, keep what is in flight.  No xenstore.
	 */
	void		(*sh_forget)(void *arg);
	/* A new domain, xenstore back: connect again and reissue. */
	void		(*sh_resume)(void *arg);
	/* Private. */
	TAILQ_ENTRY(xen_suspend_hook) sh_link;
};

/* Once, by xenbus_init: a suspend needs the store. */
void	xen_suspend_init(void);
void	xen_suspend_register(struct xen_suspend_hook *h);
void	xen_suspend_unregister(struct xen_suspend_hook *h);

/*
 * The whole suspend, from the thread that took the request (xenwatch):
 * 0 after a resume in a new domain, 1 when the suspend was cancelled, or
 * an errno when it could not start (and nothing changed).
 */
int	xen_suspend(void);

#endif /* !_XENPV_SUSPEND_H_ */
