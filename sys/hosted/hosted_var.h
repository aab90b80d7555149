/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Internal to sys/hosted.
 */
#ifndef _HOSTED_HOSTED_VAR_H_
#define _HOSTED_HOSTED_VAR_H_

#include <errno.h>
#include <stddef.h>

#include <pv/mem.h>

int	hosted_mem_init(size_t npages, pv_pfn_t base);
void	hosted_mem_fini(void);
void	hosted_intr_fini(void);

#endif /* !_HOSTED_HOSTED_VAR_H_ */
