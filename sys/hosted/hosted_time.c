/*-
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <time.h>

#include <pv/time.h>

uint64_t
pv_uptime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * PV_NS_PER_SEC + (uint64_t)ts.tv_nsec);
}

void
pv_delay_us(uint32_t us)
{
	uint64_t end = pv_uptime_ns() + us * PV_NS_PER_US;

	while (pv_uptime_ns() < end)
		;
}
