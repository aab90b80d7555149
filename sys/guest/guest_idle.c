/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * workload=idle: stay up, doing nothing, so that the host can drive the
 * balloon; kern.guest.idle_secs (0: for ever) ends it with PASS.
 *
 * A disk the toolstack hot-plugs (xl block-attach) is verified, or with
 * kern.guest.hot_write=1 written until it is wanted back, and kept open
 * until the toolstack asks for it (xl block-detach), as a mounted disk
 * would be; then it is closed.  The grant references the domain holds
 * are printed at the start and after each close, so that dom0 can see
 * that a disk's attach and detach left none behind.
 */
#include <stdio.h>

#include <pv/balloon.h>
#include <pv/blk.h>
#include <pv/console.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/sysctl.h>
#include <pv/time.h>

#include "guest.h"

static uint32_t	idle_secs;
static uint32_t	hot_write;

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

static void
report_grants(const char *when)
{
	unsigned n;

	if (guest_grants_in_use(&n))
		pv_printf("idle: %u grant references in use %s\n", n, when);
}

/*
 * A disk the toolstack plugged in: use it, keep it open until the
 * toolstack wants it back (or the idle time is over), then let it go.
 */
static int
use_hotplugged(struct guest_disk *gk, uint64_t *np, char *why,
    size_t whylen)
{
	struct pv_disk_info di;
	int error;

	pv_blk_info(gk->gk_blk, &di);
	if (hot_write)
		error = guest_write_until_wanted(gk, why, whylen);
	else
		error = guest_verify_disk(gk, why, whylen);
	if (error == 0) {
		pv_printf("idle: %s %s; open until the toolstack wants it "
		    "back\n", di.di_name, hot_write ? "written" : "verified");
		for (; !guest_disk_wanted_back(gk) && (idle_secs == 0 ||
		    *np < idle_secs * 10ull); (*np)++)
			pv_pause("idlehold", PV_NS_PER_SEC / 10);
	}
	if (hot_write)
		guest_disk_report(gk);
	/* The close may free the disk: di names it afterwards. */
	guest_disk_close(gk);
	if (error == 0)
		pv_printf("idle: hot-plugged %s closed\n", di.di_name);
	report_grants("after the close");
	return (error);
}

int
guest_idle(char *why, size_t whylen)
{
	struct pv_ctl *node;
	struct guest_disk *gk;
	uint64_t n, said = 0;
	int error;

	node = pv_ctl_node(pv_ctl_node(NULL, "kern"), "guest");
	pv_ctl_tunable(node, "idle_secs", &idle_secs, 0, 86400,
	    "idle for this long, 0: ever");
	pv_ctl_tunable(node, "hot_write", &hot_write, 0, 1,
	    "write a hot-plugged disk until it is wanted back, not verify it");
	pv_printf("idle: up with %u disk(s); waiting%s\n", guest_ndisks,
	    idle_secs != 0 ? "" : " until QEMU is stopped");
	report_grants("at the start");
	/* Ten looks a second: say when the balloon's size settles. */
	for (n = 0; (idle_secs == 0 || n < idle_secs * 10ull) &&
	    guest_stop_requested() == GUEST_RUN; n++) {
		pv_pause("idle", PV_NS_PER_SEC / 10);
		if (guest_balloon != NULL)
			report_balloon(&said);
		while ((gk = guest_hotplugged()) != NULL) {
			if ((error = use_hotplugged(gk, &n, why, whylen)) != 0)
				return (error);
		}
	}
	if (guest_stop_requested() != GUEST_RUN)
		pv_printf("idle: stopped by the toolstack after %ju.%ju s\n",
		    (uintmax_t)(n / 10), (uintmax_t)(n % 10));
	else
		pv_printf("idle: %u s passed\n", idle_secs);
	return (0);
}
