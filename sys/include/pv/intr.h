/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Interrupt service.  A bus (Xen event channels, PCI MSI-X or INTx) posts
 * an interrupt; the handler a driver established runs later in interrupt
 * thread context, never nested with itself.  Posts that arrive while the
 * handler runs or while the interrupt is masked are latched, so one more
 * call follows and no edge is lost.
 */
#ifndef _PV_INTR_H_
#define _PV_INTR_H_

#include <stdint.h>

struct pv_intr;

typedef void pv_intr_fn_t(void *arg);

int	 pv_intr_establish(struct pv_intr **ihp, const char *name,
	    pv_intr_fn_t *fn, void *arg);
/* Returns after any running call of the handler has finished. */
void	 pv_intr_disestablish(struct pv_intr *ih);
/*
 * Callable from any thread, with or without driver locks held.  It takes
 * a mutex, so a platform's hardware vector does not call it directly: it
 * hands the vector to a thread that does (sys/x86's intrd).
 */
void	 pv_intr_post(struct pv_intr *ih);
void	 pv_intr_mask(struct pv_intr *ih);
void	 pv_intr_unmask(struct pv_intr *ih);
uint64_t pv_intr_count(const struct pv_intr *ih);

#endif /* !_PV_INTR_H_ */
