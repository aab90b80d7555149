/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The machine service on x86: what the program is told about the
 * machine, its command line, the clock since reset, and how a run ends
 * (isa-debug-exit under QEMU, SCHEDOP_shutdown under Xen).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/machine.h>
#include <pv/mem.h>

#include "x86/cpufunc.h"
#include "x86/exit.h"
#include "x86_var.h"

extern uint64_t	boot_tsc_main;

void
pv_machine_report(void)
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
	pv_printf("pvkit guest: x86-64, %s boot%s%s\n", boot_multiboot ?
	    "Multiboot" : "PVH", boot_loader[0] != '\0' ? " by " : "",
	    boot_loader);
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
	pv_printf("boot: reset to entry %ju us, entry to kernel main "
	    "%ju us, main to here %ju us\n",
	    (uintmax_t)(tsc_to_ns(boot_tsc_entry) / 1000),
	    (uintmax_t)(tsc_to_ns(boot_tsc_main - boot_tsc_entry) / 1000),
	    (uintmax_t)(tsc_to_ns(rdtsc() - boot_tsc_main) / 1000));
	pci_print();
}

const char *
pv_machine_arg(const char *key, char *buf, size_t len)
{
	return (cmdline_get(key, buf, len));
}

/* QEMU starts the TSC at 0 on reset, under TCG and KVM alike. */
uint64_t
pv_machine_reset_ns(void)
{
	return (tsc_to_ns(rdtsc()));
}

void
pv_machine_exit(enum pv_exit_status st)
{
	switch (st) {
	case PV_EXIT_PASS:
		x86_exit(X86_EXIT_PASS);
	case PV_EXIT_FAIL:
		x86_exit(X86_EXIT_FAIL);
	case PV_EXIT_REBOOT:
		x86_reboot();
	default:
		x86_exit(X86_EXIT_PANIC);
	}
}

int
pv_machine_check(const char *name, char *why, size_t whylen)
{
	static const struct {
		const char	*name;
		int		(*fn)(char *, size_t);
	} checks[] = {
		{ "selftest",	x86_selftest },
		{ "pciirq",	x86_pciirq },
		{ "fault",	x86_fault },
	};
	size_t i;

	for (i = 0; i < nitems(checks); i++)
		if (strcmp(checks[i].name, name) == 0)
			return (checks[i].fn(why, whylen));
	snprintf(why, whylen, "this platform has no check \"%s\"", name);
	return (ENOENT);
}
