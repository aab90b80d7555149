/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The reference guest's main: report the machine, list the PCI bus,
 * attach drivers, run the workload named on the command line, and end
 * the run with "pvkit guest: PASS" or "pvkit guest: FAIL <reason>" as the
 * last console line, then leave QEMU with the matching exit code.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/console.h>
#include <pv/mem.h>
#include <pv/pci.h>
#include <pv/time.h>

#include "x86/cpufunc.h"
#include "x86/guest.h"
#include "x86/guest_exit.h"
#include "x86_var.h"

extern uint64_t	boot_tsc_main;
void	guest_main(void) __attribute__((noreturn));

static void
banner(void)
{
	uint32_t r[4];
	char vendor[13], brand[49];
	struct pv_memstats ms;
	unsigned i;

	cpuid(0, 0, r);
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = '\0';
	brand[0] = '\0';
	cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000004) {
		for (i = 0; i < 3; i++) {
			cpuid(0x80000002 + i, 0, r);
			memcpy(brand + 16 * i, r, 16);
		}
		brand[48] = '\0';
	}
	pv_mem_stats(&ms);
	pv_printf("pvkit guest: x86-64, PVH boot\n");
	pv_printf("cpu: %s \"%s\", %u CPU(s) in the MADT (using the BSP, "
	    "apic id %u)\n", vendor, brand, acpi_cpu_count(), lapic_id());
	pv_printf("clock: TSC %ju.%03ju MHz (%s), LAPIC timer %ju kHz\n",
	    (uintmax_t)(tsc_freq_hz() / 1000000),
	    (uintmax_t)(tsc_freq_hz() / 1000 % 1000), tsc_freq_source(),
	    (uintmax_t)(lapic_timer_hz() / 1000));
	pv_printf("memory: %ju MiB RAM, %ju MiB heap, %ju pages free for "
	    "the page allocator\n", (uintmax_t)(mem_ram_bytes() >> 20),
	    (uintmax_t)(mem_heap_bytes() >> 20),
	    (uintmax_t)ms.ms_pages_free);
	pv_printf("cmdline: \"%s\"\n", boot_cmdline);
	pv_printf("tunables: \"%s\"\n", boot_tunables);
	/* QEMU starts the TSC at 0 on reset, under TCG and KVM alike. */
	pv_printf("boot: reset to PVH entry %ju us, entry to kernel main "
	    "%ju us, main to here %ju us\n",
	    (uintmax_t)(tsc_to_ns(boot_tsc_entry) / 1000),
	    (uintmax_t)(tsc_to_ns(boot_tsc_main - boot_tsc_entry) / 1000),
	    (uintmax_t)(tsc_to_ns(rdtsc() - boot_tsc_main) / 1000));
}

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
guest_main(void)
{
	char names[64], why[160], *name, *next;
	unsigned attached;
	int error = 0;

	banner();
	pci_print();
	attached = guest_attach_pci();
	pv_printf("pci: %u device(s) attached to drivers\n", attached);
	attached = guest_attach_xen();
	if (attached > 0)
		pv_printf("xen: %u vbd(s) attached\n", attached);

	if (cmdline_get("workload", names, sizeof(names)) == NULL)
		snprintf(names, sizeof(names), "%s", GUEST_DEFAULT_WORKLOAD);
	why[0] = '\0';
	/* workload=a,b runs a, then b if a passed. */
	for (name = names; name != NULL && error == 0; name = next) {
		if ((next = strchr(name, ',')) != NULL)
			*next++ = '\0';
		error = workload_run(name, why, sizeof(why));
	}
	if (error == 0) {
		pv_printf("pvkit guest: PASS\n");
		x86_exit(GUEST_EXIT_PASS);
	}
	pv_printf("pvkit guest: FAIL %s\n", why[0] != '\0' ? why :
	    "(no reason given)");
	x86_exit(GUEST_EXIT_FAIL);
}
