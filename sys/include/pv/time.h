/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Time service: a monotonic clock and a busy-wait delay.  The delay spins
 * rather than sleeps so that polled paths (a kernel dump with interrupts
 * off) may use it.
 */
#ifndef _PV_TIME_H_
#define _PV_TIME_H_

#include <stdint.h>

#define	PV_NS_PER_US	1000ull
#define	PV_NS_PER_MS	1000000ull
#define	PV_NS_PER_SEC	1000000000ull

uint64_t	pv_uptime_ns(void);
void		pv_delay_us(uint32_t us);

#endif /* !_PV_TIME_H_ */
