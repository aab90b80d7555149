/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The reference guest's main, called by the platform once its services
 * are up: report the machine, attach the drivers on every bus there is,
 * run the workloads named on the command line, and end the run with
 * "pvkit guest: PASS" or "pvkit guest: FAIL <reason>" as the last console
 * line, leaving the machine with the matching status.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/console.h>
#include <pv/machine.h>
#include <pv/time.h>

#include "guest.h"

static const struct guest_workload *
workload_find(const char *name)
{
	size_t i;

	for (i = 0; i < guest_nworkloads; i++) {
		if (strcmp(guest_workloads[i].gw_name, name) == 0)
			return (&guest_workloads[i]);
	}
	return (NULL);
}

/* Run one workload by name; 0 or an errno with the reason in why. */
static int
workload_run(const char *name, char *why, size_t whylen)
{
	const struct guest_workload *gw;
	uint64_t t0;
	int error;

	if ((gw = workload_find(name)) == NULL) {
		snprintf(why, whylen, "unknown workload \"%s\"", name);
		return (ENOENT);
	}
	pv_printf("workload %s: %s\n", gw->gw_name, gw->gw_descr);
	t0 = pv_uptime_ns();
	error = gw->gw_run(why, whylen);
	pv_printf("workload %s: done in %ju ms\n", gw->gw_name,
	    (uintmax_t)((pv_uptime_ns() - t0) / PV_NS_PER_MS));
	return (error);
}

void
pv_program_main(void)
{
	char names[64], why[160], *name, *next;
	unsigned attached;
	int error = 0;

	pv_machine_report();
	attached = guest_attach_virtio();
	pv_printf("pci: %u device(s) attached to drivers\n", attached);
	attached = guest_attach_xen();
	if (attached > 0)
		pv_printf("xen: %u vbd(s) attached\n", attached);

	if (pv_machine_arg("workload", names, sizeof(names)) == NULL)
		snprintf(names, sizeof(names), "%s", GUEST_DEFAULT_WORKLOAD);
	why[0] = '\0';
	/* workload=a,b runs a, then b if a passed. */
	for (name = names; name != NULL && error == 0 &&
	    guest_stop_requested() == GUEST_RUN; name = next) {
		if ((next = strchr(name, ',')) != NULL)
			*next++ = '\0';
		error = workload_run(name, why, sizeof(why));
	}
	if (error == 0 && guest_stop_requested() != GUEST_RUN) {
		/* The backends see us close before the domain goes. */
		guest_detach_xen();
		pv_printf("pvkit guest: PASS, %s as the toolstack asked\n",
		    guest_stop_requested() == GUEST_REBOOT ? "rebooting" :
		    "powering off");
		pv_machine_exit(guest_stop_requested() == GUEST_REBOOT ?
		    PV_EXIT_REBOOT : PV_EXIT_PASS);
	}
	if (error == 0) {
		pv_printf("pvkit guest: PASS\n");
		pv_machine_exit(PV_EXIT_PASS);
	}
	pv_printf("pvkit guest: FAIL %s\n", why[0] != '\0' ? why :
	    "(no reason given)");
	pv_machine_exit(PV_EXIT_FAIL);
}
