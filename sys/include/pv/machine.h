/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Machine service: what a bootable program asks of the platform it runs
 * on, and the one call that goes up.  The platform brings its services
 * up, then calls pv_program_main; nothing else below a program calls
 * into it.  A hosted process has its own main and does not use this.
 */
#ifndef _PV_MACHINE_H_
#define _PV_MACHINE_H_

#include <stddef.h>
#include <stdint.h>

enum pv_exit_status {
	PV_EXIT_PASS,
	PV_EXIT_FAIL,		/* the program failed */
	PV_EXIT_PANIC,		/* a panic or an exception */
	PV_EXIT_REBOOT,		/* start the program again */
};

/* The program's, called once on the boot thread; it never returns. */
void	pv_program_main(void) __attribute__((noreturn));

/* Say what the machine is: CPU, clock, memory, command line, buses. */
void	pv_machine_report(void);
/* KEY=VALUE from the boot command line into buf; NULL when absent. */
const char *pv_machine_arg(const char *key, char *buf, size_t len);
/* Nanoseconds since the machine was reset (not since the kernel began). */
uint64_t pv_machine_reset_ns(void);
/* Leave the machine with this status, as its host can see it. */
void	pv_machine_exit(enum pv_exit_status st) __attribute__((noreturn));

/*
 * The platform's own checks, by name: 0, or an errno with the reason in
 * why; ENOENT for a name the platform has not.  On x86: "selftest" (the
 * timer interrupt, a vector posted to a pv_intr, the identity map),
 * "pciirq" (INTx, MSI and MSI-X end to end on QEMU's edu device) and
 * "fault" (the exception fault=pf|ud|de names, which does not return).
 */
int	pv_machine_check(const char *name, char *why, size_t whylen);

#endif /* !_PV_MACHINE_H_ */
