/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * workload=idle: stay up, doing nothing, so that the host can drive the
 * balloon; kern.guest.idle_secs (0: for ever) ends it with PASS.
 */
#include <stdio.h>

#include <pv/balloon.h>
#include <pv/console.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/sysctl.h>
#include <pv/time.h>

#include "guest.h"

static uint32_t	idle_secs;

/* One line each time the balloon reaches a new target. */
static void
report_balloon(uint64_t *said)
{
	struct pv_balloon_stats st;
	struct pv_memstats ms;

	pv_balloon_stats(guest_balloon, &st);
	if (st.bs_size != st.bs_target || st.bs_size == *said)
		return;
	*said = st.bs_size;
	pv_mem_stats(&ms);
	pv_printf("idle: balloon holds %ju pages (%ju MiB); %ju pages free\n",
	    (uintmax_t)st.bs_size, (uintmax_t)(st.bs_size >> 8),
	    (uintmax_t)ms.ms_pages_free);
}

int
guest_idle(char *why, size_t whylen)
{
	struct guest_disk *gk;
	uint64_t n, said = 0;
	int error;

	pv_ctl_tunable(pv_ctl_node(pv_ctl_node(NULL, "kern"), "guest"),
	    "idle_secs", &idle_secs, 0, 86400, "idle for this long, 0: ever");
	pv_printf("idle: up with %u disk(s); waiting%s\n", guest_ndisks,
	    idle_secs != 0 ? "" : " until QEMU is stopped");
	/* Ten looks a second: say when the balloon's size settles. */
	for (n = 0; (idle_secs == 0 || n < idle_secs * 10ull) &&
	    guest_stop_requested() == GUEST_RUN; n++) {
		pv_pause("idle", PV_NS_PER_SEC / 10);
		if (guest_balloon != NULL)
			report_balloon(&said);
		/* A disk the toolstack plugged in: use it, then let it go. */
		while ((gk = guest_hotplugged()) != NULL) {
			error = guest_verify_disk(gk, why, whylen);
			guest_disk_close(gk);
			if (error != 0)
				return (error);
			pv_printf("idle: hot-plugged disk verified and "
			    "closed\n");
		}
	}
	if (guest_stop_requested() != GUEST_RUN)
		pv_printf("idle: stopped by the toolstack after %ju.%ju s\n",
		    (uintmax_t)(n / 10), (uintmax_t)(n % 10));
	else
		pv_printf("idle: %u s passed\n", idle_secs);
	return (0);
}
