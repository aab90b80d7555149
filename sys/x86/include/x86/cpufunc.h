/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Single instructions C cannot express: port I/O, MSRs, control
 * registers, the TSC and the interrupt flag.
 */
#ifndef _X86_CPUFUNC_H_
#define _X86_CPUFUNC_H_

#include <stdint.h>

#define	PSL_I		0x200		/* RFLAGS.IF */

static inline void
outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void
outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void
outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t
inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return (v);
}

static inline uint16_t
inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return (v);
}

static inline uint32_t
inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return (v);
}

static inline uint64_t
rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (((uint64_t)hi << 32) | lo);
}

static inline void
wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
	    "d"((uint32_t)(v >> 32)));
}

static inline uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (((uint64_t)hi << 32) | lo);
}

static inline void
cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]),
	    "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static inline uint64_t
rcr2(void)
{
	uint64_t v;

	__asm__ volatile("movq %%cr2, %0" : "=r"(v));
	return (v);
}

static inline uint64_t
rcr3(void)
{
	uint64_t v;

	__asm__ volatile("movq %%cr3, %0" : "=r"(v));
	return (v);
}

static inline void
lcr3(uint64_t v)
{
	__asm__ volatile("movq %0, %%cr3" : : "r"(v) : "memory");
}

static inline void
cpu_pause(void)
{
	__asm__ volatile("pause");
}

static inline uint64_t
read_rflags(void)
{
	uint64_t v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return (v);
}

/* Disable interrupts; returns the previous RFLAGS for intr_restore. */
static inline uint64_t
intr_disable(void)
{
	uint64_t v = read_rflags();

	__asm__ volatile("cli" : : : "memory");
	return (v);
}

static inline void
intr_restore(uint64_t rflags)
{
	if ((rflags & PSL_I) != 0)
		__asm__ volatile("sti" : : : "memory");
}

static inline void
intr_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

/* sti takes effect after the next instruction: no wakeup is lost. */
static inline void
cpu_idle_wait(void)
{
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

static inline void
mmio_write_4(uintptr_t pa, uint32_t v)
{
	*(volatile uint32_t *)pa = v;
}

static inline uint32_t
mmio_read_4(uintptr_t pa)
{
	return (*(volatile uint32_t *)pa);
}

#endif /* !_X86_CPUFUNC_H_ */
