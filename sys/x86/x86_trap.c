/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The IDT and the C side of every vector.  A CPU exception is always
 * fatal here: the kernel runs nothing that could fault on purpose, so the
 * registers are dumped and the machine panics.  Device and timer vectors
 * go to the handler registered for them, which must not sleep or take a
 * pv_mtx: it runs on whatever thread was interrupted.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <pv/panic.h>
#include <pv/thread.h>

#include "kern/md.h"
#include "x86/cpufunc.h"
#include "x86/frame.h"
#include "x86/segments.h"
#include "x86_var.h"

#define	NIDT		256
#define	GATE_INTR	0x8e	/* present, DPL 0, 64-bit interrupt gate */
#define	VEC_STUB_SIZE	16

struct gate {
	uint16_t	g_off_lo;
	uint16_t	g_sel;
	uint8_t		g_ist;
	uint8_t		g_type;
	uint16_t	g_off_mid;
	uint32_t	g_off_hi;
	uint32_t	g_zero;
};

struct vec_handler {
	x86_vec_fn	*vh_fn;
	void		*vh_arg;
};

extern char	x86_vectors[];

static struct gate		idt[NIDT] __attribute__((aligned(16)));
static struct vec_handler	vec_handlers[NIDT];
static int			trap_depth;
static unsigned			intr_nesting;	/* in a vector handler */
static uint64_t			stray_count;

static const char *const exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
};

void
idt_init(void)
{
	struct {
		uint16_t	limit;
		uint64_t	base;
	} __attribute__((packed)) idtr;
	uint64_t off;
	int i;

	for (i = 0; i < NIDT; i++) {
		off = (uint64_t)(uintptr_t)(x86_vectors + i * VEC_STUB_SIZE);
		idt[i].g_off_lo = off & 0xffff;
		idt[i].g_sel = GSEL_KCODE;
		idt[i].g_ist = 0;
		idt[i].g_type = GATE_INTR;
		idt[i].g_off_mid = (off >> 16) & 0xffff;
		idt[i].g_off_hi = off >> 32;
		idt[i].g_zero = 0;
	}
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/*
 * True inside a vector handler.  Nothing there may sleep or take a
 * pv_mtx (that includes pv_intr_post, which x86 defers to intrd).
 */
bool
in_intr(void)
{
	return (intr_nesting != 0);
}

void
vec_set_handler(unsigned vec, x86_vec_fn *fn, void *arg)
{
	uint64_t prev = intr_disable();

	vec_handlers[vec].vh_arg = arg;
	vec_handlers[vec].vh_fn = fn;
	intr_restore(prev);
}

static void
trap_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Straight to the UART: the console lock may be held by the victim. */
static void
trap_print(const char *fmt, ...)
{
	char line[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		md_cnputs(line, (size_t)n < sizeof(line) ? (size_t)n :
		    sizeof(line) - 1);
}

static void __attribute__((noreturn))
trap_fatal(const struct trapframe *tf)
{
	const char *name = tf->tf_vec < 32 && exc_names[tf->tf_vec] != NULL ?
	    exc_names[tf->tf_vec] : "exception";
	uint64_t cr2 = rcr2();

	if (++trap_depth > 1) {
		uart_puts("fatal trap while handling a fatal trap\n");
		md_halt();
	}
	trap_print("\nfatal trap: vector %ju (%s), error code %#jx\n",
	    (uintmax_t)tf->tf_vec, name, (uintmax_t)tf->tf_err);
	trap_print("thread \"%s\"\n", pv_thread_name(pv_curthread()));
	trap_print("rip %016jx  cs  %04jx  rflags %016jx\n",
	    (uintmax_t)tf->tf_rip, (uintmax_t)tf->tf_cs,
	    (uintmax_t)tf->tf_rflags);
	trap_print("rsp %016jx  ss  %04jx  cr2    %016jx  cr3 %016jx\n",
	    (uintmax_t)tf->tf_rsp, (uintmax_t)tf->tf_ss, (uintmax_t)cr2,
	    (uintmax_t)rcr3());
	trap_print("rax %016jx  rbx %016jx  rcx %016jx  rdx %016jx\n",
	    (uintmax_t)tf->tf_rax, (uintmax_t)tf->tf_rbx,
	    (uintmax_t)tf->tf_rcx, (uintmax_t)tf->tf_rdx);
	trap_print("rsi %016jx  rdi %016jx  rbp %016jx  r8  %016jx\n",
	    (uintmax_t)tf->tf_rsi, (uintmax_t)tf->tf_rdi,
	    (uintmax_t)tf->tf_rbp, (uintmax_t)tf->tf_r8);
	trap_print("r9  %016jx  r10 %016jx  r11 %016jx  r12 %016jx\n",
	    (uintmax_t)tf->tf_r9, (uintmax_t)tf->tf_r10,
	    (uintmax_t)tf->tf_r11, (uintmax_t)tf->tf_r12);
	trap_print("r13 %016jx  r14 %016jx  r15 %016jx\n",
	    (uintmax_t)tf->tf_r13, (uintmax_t)tf->tf_r14,
	    (uintmax_t)tf->tf_r15);
	pv_panic("fatal trap %ju (%s) at rip %#jx", (uintmax_t)tf->tf_vec,
	    name, (uintmax_t)tf->tf_rip);
}

void	x86_trap(struct trapframe *tf);

void
x86_trap(struct trapframe *tf)
{
	struct vec_handler *vh;

	if (tf->tf_vec < 32)
		trap_fatal(tf);
	if (tf->tf_vec == VEC_SPURIOUS)
		return;			/* spurious: no EOI */
	vh = &vec_handlers[tf->tf_vec];
	if (vh->vh_fn != NULL) {
		intr_nesting++;
		vh->vh_fn(vh->vh_arg, (unsigned)tf->tf_vec);
		intr_nesting--;
		return;
	}
	/* An interrupt nobody asked for: acknowledge it and go on. */
	if (stray_count++ < 10)
		trap_print("stray interrupt on vector %ju\n",
		    (uintmax_t)tf->tf_vec);
	lapic_eoi();
}
