/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The local APIC in xAPIC (MMIO) mode: end of interrupt, and its timer as
 * a one-shot alarm for the scheduler's earliest deadline.  The timer rate
 * is measured against the TSC at start-up; QEMU's runs at 1 GHz divided
 * by the divide configuration, but nothing here relies on that.
 */
#include <errno.h>

#include <pv/atomic.h>
#include <pv/time.h>

#include "x86/cpufunc.h"
#include "x86_var.h"

#define	MSR_APICBASE	0x1b
#define	APICBASE_EN	0x800
#define	APICBASE_MASK	0xfffff000ull

#define	LAPIC_ID	0x020
#define	LAPIC_TPR	0x080
#define	LAPIC_EOI	0x0b0
#define	LAPIC_SVR	0x0f0
#define	LAPIC_LVT_TIMER	0x320
#define	LAPIC_LVT_LINT0	0x350
#define	LAPIC_LVT_LINT1	0x360
#define	LAPIC_LVT_ERR	0x370
#define	LAPIC_TIMER_ICR	0x380
#define	LAPIC_TIMER_CCR	0x390
#define	LAPIC_TIMER_DCR	0x3e0

#define	SVR_ENABLE	0x100
#define	LVT_MASKED	0x10000
#define	LVT_NMI		0x400
#define	DCR_DIV16	0x3

#define	PIC1_DATA	0x21
#define	PIC2_DATA	0xa1

#define	CAL_US		5000
/* Cap one alarm well inside the 32-bit counter at any plausible rate. */
#define	ALARM_MAX_NS	(1000 * PV_NS_PER_MS)

static uintptr_t	lapic_base;
static uint64_t		lapic_hz;	/* timer ticks per second */
static uint64_t		timer_intrs;

static uint32_t
lapic_read(unsigned reg)
{
	return (mmio_read_4(lapic_base + reg));
}

static void
lapic_write(unsigned reg, uint32_t v)
{
	mmio_write_4(lapic_base + reg, v);
}

void
lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

uint32_t
lapic_id(void)
{
	return (lapic_read(LAPIC_ID) >> 24);
}

static void
lapic_timer_intr(void *arg, unsigned vec)
{
	(void)arg;
	(void)vec;
	pv_fetch_add(&timer_intrs, 1);
	lapic_eoi();
}

uint64_t
lapic_timer_count(void)
{
	return (pv_load_relaxed(&timer_intrs));
}

/*
 * Raise VEC_TIMER about ns from now; it only has to end a hlt, the
 * scheduler itself compares deadlines with the clock.
 */
void
lapic_timer_arm(uint64_t ns)
{
	uint64_t ticks;

	if (ns > ALARM_MAX_NS)
		ns = ALARM_MAX_NS;
	ticks = ns * lapic_hz / PV_NS_PER_SEC;
	if (ticks == 0)
		ticks = 1;
	if (ticks > UINT32_MAX)
		ticks = UINT32_MAX;
	lapic_write(LAPIC_TIMER_ICR, (uint32_t)ticks);
}

int
lapic_init(void)
{
	uint64_t base;
	uint32_t left;

	/* Every interrupt comes through the APICs: mask both 8259s. */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);

	base = rdmsr(MSR_APICBASE);
	if ((base & APICBASE_EN) == 0)
		wrmsr(MSR_APICBASE, base | APICBASE_EN);
	lapic_base = (uintptr_t)(base & APICBASE_MASK);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
	lapic_write(LAPIC_LVT_ERR, LVT_MASKED);

	/* Measure the timer against the TSC with the timer masked. */
	lapic_write(LAPIC_TIMER_DCR, DCR_DIV16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_ICR, UINT32_MAX);
	pv_delay_us(CAL_US);
	left = lapic_read(LAPIC_TIMER_CCR);
	lapic_write(LAPIC_TIMER_ICR, 0);
	lapic_hz = (uint64_t)(UINT32_MAX - left) * (1000000 / CAL_US);
	if (lapic_hz == 0)
		return (ENXIO);

	vec_set_handler(VEC_TIMER, lapic_timer_intr, NULL);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);	/* one shot */
	return (0);
}

uint64_t
lapic_timer_hz(void)
{
	return (lapic_hz);
}

#define	LAPIC_ICR_LO	0x300
#define	LAPIC_ICR_HI	0x310
#define	ICR_SELF	(1u << 18)	/* destination shorthand: self */
#define	ICR_PENDING	(1u << 12)

/* Raise vec on this CPU, as a device's MSI would. */
void
lapic_self_ipi(unsigned vec)
{
	uint64_t prev = intr_disable();

	while ((lapic_read(LAPIC_ICR_LO) & ICR_PENDING) != 0)
		cpu_pause();
	lapic_write(LAPIC_ICR_HI, 0);
	lapic_write(LAPIC_ICR_LO, ICR_SELF | vec);
	intr_restore(prev);
}
