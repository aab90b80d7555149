/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The workloads the guest can run, by name.  Add a line here (and the
 * function in a file of its own) for verify, bench or idle.  pciirq and
 * fault are the platform's own checks.
 */
#include <stdbool.h>

#include <pv/libkern.h>

#include <pv/machine.h>

#include "guest.h"

static int
guest_pciirq(char *why, size_t whylen)
{
	return (pv_machine_check("pciirq", why, whylen));
}

static int
guest_fault(char *why, size_t whylen)
{
	return (pv_machine_check("fault", why, whylen));
}

const struct guest_workload guest_workloads[] = {
	{ "selftest",	"kernel services: threads, sleep, callout, taskq, "
	    "interrupts, pages",			guest_selftest },
	{ "pciirq",	"PCI INTx and MSI on QEMU's edu device, MSI-X on "
	    "a virtio device",					guest_pciirq },
	{ "fault",	"take a deliberate exception (fault=pf|ud|de)",
							guest_fault },
	{ "verify",	"checksum every disk, stamp it, read it back",
							guest_verify },
	{ "bench",	"4 KiB random reads at depth 1 and 32, 1 MiB "
	    "sequential reads and writes",			guest_bench },
	{ "idle",	"stay up for balloon control (kern.guest.idle_secs)",
							guest_idle },
};

const size_t guest_nworkloads = nitems(guest_workloads);
