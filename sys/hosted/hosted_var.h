/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Internal to sys/hosted.
 */
#ifndef _HOSTED_HOSTED_VAR_H_
#define _HOSTED_HOSTED_VAR_H_

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pv/mem.h>

int	hosted_mem_init(size_t npages, pv_pfn_t base);
void	hosted_mem_fini(void);
void	hosted_intr_fini(void);

/* xen_doorbell.c: EVTCHNOP_send without a round trip to xensim. */
void	xen_bell_start(int fd, void *page);
int	xen_bell_stop(void);
void	xen_bell_allow(uint32_t port);
void	xen_bell_forget(uint32_t port);
bool	xen_bell_ring(uint32_t port);

#endif /* !_HOSTED_HOSTED_VAR_H_ */
