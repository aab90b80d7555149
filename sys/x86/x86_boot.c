/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * From the PVH entry to the program's main: check what the loader handed over,
 * copy it out of the loader's memory, then bring the machine up in
 * dependency order (traps first so that any fault is reported).
 */
#include <stdint.h>
#include <string.h>

#include <xen/arch-x86/hvm/start_info.h>

#include <pv/console.h>
#include <pv/machine.h>
#include <pv/panic.h>

#include "kern/md.h"
#include "x86/cpufunc.h"
#include "x86/exit.h"
#include "x86_var.h"
#include "x86_xen.h"

void	x86_boot(uint32_t start_info_pa) __attribute__((noreturn));

uint64_t	boot_tsc_main;		/* TSC on entering x86_boot */
char		boot_tunables[CMDLINE_MAX];

static void __attribute__((noreturn))
boot_fail(const char *why)
{
	uart_puts("pvkit guest: FAIL ");
	uart_puts(why);
	uart_puts("\n");
	x86_exit(X86_EXIT_FAIL);
}

static void
boot_copy_start_info(const struct hvm_start_info *si)
{
	const struct hvm_memmap_table_entry *mm;
	const char *cl;
	size_t n;
	unsigned i;

	if (si->cmdline_paddr != 0 && si->cmdline_paddr < (4ull << 30)) {
		cl = (const char *)(uintptr_t)si->cmdline_paddr;
		n = strnlen(cl, sizeof(boot_cmdline) - 1);
		memcpy(boot_cmdline, cl, n);
		boot_cmdline[n] = '\0';
	}
	if (si->version < 1 || si->memmap_paddr == 0 ||
	    si->memmap_entries == 0)
		boot_fail("no memory map in hvm_start_info");
	mm = (const struct hvm_memmap_table_entry *)(uintptr_t)
	    si->memmap_paddr;
	for (i = 0; i < si->memmap_entries && i < MEMMAP_MAX; i++)
		mem_map[i] = mm[i];
	mem_map_count = i;
}

void
x86_boot(uint32_t start_info_pa)
{
	const struct hvm_start_info *si;
	const char *why;
	uint64_t rsdp;
	int error;

	boot_tsc_main = rdtsc();
	/*
	 * On Xen the console is the hypervisor's from here on, but for an
	 * HVM domain (the one that comes through Multiboot): QEMU gives it
	 * a COM1, and its PV console goes to no log.
	 */
	if (xen_early_init(boot_multiboot) && xen_pvh())
		xencons_init();
	else
		uart_init();
	if (boot_multiboot) {
		if ((why = multiboot_copy(start_info_pa)) != NULL)
			boot_fail(why);
		rsdp = 0;
	} else {
		si = (const struct hvm_start_info *)(uintptr_t)start_info_pa;
		if (start_info_pa == 0 ||
		    si->magic != XEN_HVM_START_MAGIC_VALUE)
			boot_fail("bad hvm_start_info magic");
		boot_copy_start_info(si);
		rsdp = si->rsdp_paddr;
	}

	idt_init();
	sched_init();
	pmap_init();
	if (mem_init() != 0)
		boot_fail("no RAM for the kernel heap");
	clock_init();

	cmdline_tunables(boot_tunables, sizeof(boot_tunables));
	if ((error = pv_kern_init(boot_tunables)) != 0)
		pv_panic("pv_kern_init: error %d", error);
	if ((error = mem_add_ram()) != 0)
		pv_panic("giving RAM to the page allocator: error %d", error);
	/* Before any driver looks for a disk.  PVH has no such ports. */
	if (xen_hvm() && xen_hvm_unplug() != 0)
		pv_printf("xen: no Xen platform device to unplug disks with\n");
	if (xen_present())
		pv_printf("xen: Xen %u.%u, %s domain\n", xen_version() >> 16,
		    xen_version() & 0xffff, xen_hvm() ? "HVM" : "PVH");

	/* Multiboot passes no RSDP: it is where the BIOS put it. */
	if (rsdp == 0)
		rsdp = acpi_find_rsdp();
	if (acpi_init(rsdp) != 0)
		pv_printf("acpi: no usable MADT; IOAPIC assumed at %#jx\n",
		    (uintmax_t)acpi_ioapic_addr());
	if ((error = lapic_init()) != 0)
		pv_panic("lapic: error %d", error);
	/* Without one, INTx is unavailable; messages still work. */
	if ((error = ioapic_init()) != 0)
		pv_printf("ioapic: none usable (error %d): no INTx\n", error);
	if ((error = intr_init()) != 0)
		pv_panic("interrupt dispatcher: error %d", error);
	intr_enable();
	sched_idle_enable();
	pci_init();
	/* Xen's shared_info: the event channels a program binds need it. */
	if (xen_present() && (error = xen_shared_info_init()) != 0)
		pv_printf("xen: no shared_info page (error %d)\n", error);
	pv_program_main();
}
