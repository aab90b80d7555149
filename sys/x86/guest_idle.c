/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * workload=idle: stay up, doing nothing, so that the host can drive the
 * balloon; kern.guest.idle_secs (0: for ever) ends it with PASS.
 */
#include <stdio.h>

#include <pv/console.h>
#include <pv/sync.h>
#include <pv/sysctl.h>
#include <pv/time.h>

#include "x86/guest.h"

static uint32_t	idle_secs;

int
guest_idle(char *why, size_t whylen)
{
	uint64_t n;

	(void)why;
	(void)whylen;
	pv_ctl_tunable(pv_ctl_node(pv_ctl_node(NULL, "kern"), "guest"),
	    "idle_secs", &idle_secs, 0, 86400, "idle for this long, 0: ever");
	pv_printf("idle: up with %u disk(s); waiting%s\n", guest_ndisks,
	    idle_secs != 0 ? "" : " until QEMU is stopped");
	for (n = 0; idle_secs == 0 || n < idle_secs; n++)
		pv_pause("idle", PV_NS_PER_SEC);
	pv_printf("idle: %u s passed\n", idle_secs);
	return (0);
}
