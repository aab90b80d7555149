/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The console: a 16550 UART on COM1, polled.  Output is synchronous so
 * that the last line before a crash is on the wire.
 */
#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/sched.h>

#include <pv/console.h>

#include "kern/md.h"
#include "x86/cpufunc.h"
#include "x86/exit.h"
#include "x86_var.h"
#include "x86_xen.h"

#define	COM1		0x3f8
#define	COM_DATA	0
#define	COM_IER		1
#define	COM_DLL		0
#define	COM_DLM		1
#define	COM_FCR		2
#define	COM_LCR		3
#define	COM_MCR		4
#define	COM_LSR		5
#define	LCR_DLAB	0x80
#define	LCR_8N1		0x03
#define	LSR_THRE	0x20

/* Bounded, so that a missing UART cannot hang the kernel. */
#define	UART_SPIN	100000

static bool	uart_halting;

void
uart_init(void)
{
	outb(COM1 + COM_IER, 0);
	outb(COM1 + COM_LCR, LCR_DLAB);
	outb(COM1 + COM_DLL, 1);		/* 115200 baud */
	outb(COM1 + COM_DLM, 0);
	outb(COM1 + COM_LCR, LCR_8N1);
	outb(COM1 + COM_FCR, 0x07);		/* enable and clear FIFOs */
	outb(COM1 + COM_MCR, 0x03);		/* DTR, RTS */
}

static void
uart_putc(char c)
{
	int i;

	for (i = 0; i < UART_SPIN; i++) {
		if ((inb(COM1 + COM_LSR) & LSR_THRE) != 0)
			break;
		cpu_pause();
	}
	outb(COM1 + COM_DATA, (uint8_t)c);
}

void
uart_puts(const char *s)
{
	while (*s != '\0') {
		if (*s == '\n')
			uart_putc('\r');
		uart_putc(*s++);
	}
}

void
md_cnputs(const char *s, size_t len)
{
	size_t i;

	/* A PVH domain has no UART: its console is Xen's. */
	if (xen_pvh()) {
		if (!xencons_write(s, len))
			xen_console_io_write(s, len);
		return;
	}
	/*
	 * An HVM domain's COM1 is QEMU's, an exit to dom0 a byte: Xen's own
	 * console (xl dmesg) has each line too, and sooner.
	 */
	if (xen_present())
		xen_console_io_write(s, len);
	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

/*
 * Leave QEMU through isa-debug-exit.  Without that device (or under Xen)
 * the write does nothing and the CPU parks instead.
 */
void
x86_exit(uint32_t code)
{
	(void)intr_disable();
	/* Xen has no isa-debug-exit: a PASS powers off, anything else is a
	 * crash, which "xl list" and on_crash show. */
	if (xen_present())
		xen_shutdown(code == X86_EXIT_PASS ? SHUTDOWN_poweroff :
		    SHUTDOWN_crash);
	outl(X86_EXIT_PORT, code);
	for (;;)
		__asm__ volatile("hlt");
}

/* Xen's reboot, or the keyboard controller's reset line as BIOSes use. */
void
x86_reboot(void)
{
	(void)intr_disable();
	if (xen_present())
		xen_shutdown(SHUTDOWN_reboot);
	outb(0x64, 0xfe);
	for (;;)
		__asm__ volatile("hlt");
}

void
md_halt(void)
{
	/* A panic inside the panic path must not recurse. */
	if (!uart_halting) {
		uart_halting = true;
		uart_puts("pvkit guest: FAIL panic\n");
	}
	x86_exit(X86_EXIT_PANIC);
}
