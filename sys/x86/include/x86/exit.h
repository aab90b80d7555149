/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * How the guest ends a QEMU run: a 32-bit write of one of these values to
 * the isa-debug-exit port makes QEMU exit with status (value << 1) | 1.
 * tools/vm/pvkit-vm mirrors these numbers; change both together.
 */
#ifndef _X86_X86_EXIT_H_
#define _X86_X86_EXIT_H_

#define	X86_EXIT_PORT		0xf4

#define	X86_EXIT_PASS		0x10	/* QEMU exits 33 */
#define	X86_EXIT_FAIL		0x11	/* QEMU exits 35: a workload failed */
#define	X86_EXIT_PANIC	0x12	/* QEMU exits 37: panic or exception */

#endif /* !_X86_X86_EXIT_H_ */
