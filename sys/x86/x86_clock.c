/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Time: the TSC is the monotonic clock.  Its rate comes from the
 * hypervisor when it says (Xen's CPUID leaf, or the 0x40000010 timing leaf
 * KVM and others offer), else from one calibration against the i8254 PIT.
 * QEMU's TSC runs at a constant rate (the host's under TCG, a fixed
 * virtual rate under KVM), so one measurement holds for the run.
 */
#include <xen/arch-x86/cpuid.h>

#include <pv/time.h>

#include "x86/cpufunc.h"
#include "x86_var.h"

#define	PIT_HZ		1193182		/* the i8254's input clock */
#define	PIT_CH2		0x42
#define	PIT_MODE	0x43
#define	PORT_B		0x61		/* bit 0: ch2 gate, bit 5: ch2 out */
#define	CAL_MS		10
/* A machine without a PIT (a Xen PVH domU) must not hang us. */
#define	CAL_SPIN_MAX	100000000
#define	TSC_DEFAULT_HZ	1000000000ull
/* Anything outside this is a broken measurement, not a CPU. */
#define	TSC_MIN_HZ	100000000ull
#define	TSC_MAX_HZ	20000000000ull
#define	CPUID2_HV	(1u << 31)	/* leaf 1 ECX: under a hypervisor */
#define	CPUID_TIMING	0x40000010	/* EAX: TSC kHz */

static const char *tsc_source = "default";

static uint64_t	tsc_hz = TSC_DEFAULT_HZ;
static uint64_t	tsc_mult = 1ull << 32;	/* ns per tick, 32.32 fixed */

static uint64_t
pit_calibrate(void)
{
	uint32_t latch = PIT_HZ * CAL_MS / 1000;
	uint64_t t0, t1;
	unsigned spin;

	/* Gate on, speaker off; channel 2, mode 0 (one shot), lo/hi byte. */
	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);
	outb(PIT_MODE, 0xb0);
	outb(PIT_CH2, latch & 0xff);
	outb(PIT_CH2, latch >> 8);
	t0 = rdtsc();
	for (spin = 0; (inb(PORT_B) & 0x20) == 0; spin++) {
		if (spin == CAL_SPIN_MAX)
			return (0);
	}
	t1 = rdtsc();
	return ((t1 - t0) * (1000 / CAL_MS));
}

/* The rate a hypervisor states; 0 when it states none. */
static uint64_t
cpuid_tsc_hz(void)
{
	uint32_t r[4], base;

	cpuid(1, 0, r);
	if ((r[2] & CPUID2_HV) == 0)
		return (0);
	/* Xen moves its leaves up by 0x100 when it also offers Viridian. */
	for (base = XEN_CPUID_FIRST_LEAF; base <= XEN_CPUID_FIRST_LEAF + 0x100;
	    base += 0x100) {
		cpuid(base, 0, r);
		if (r[1] == XEN_CPUID_SIGNATURE_EBX &&
		    r[2] == XEN_CPUID_SIGNATURE_ECX &&
		    r[3] == XEN_CPUID_SIGNATURE_EDX && r[0] >= base + 3) {
			cpuid(base + 3, 0, r);
			return ((uint64_t)r[2] * 1000);
		}
	}
	cpuid(XEN_CPUID_FIRST_LEAF, 0, r);
	if (r[0] >= CPUID_TIMING) {
		cpuid(CPUID_TIMING, 0, r);
		return ((uint64_t)r[0] * 1000);
	}
	return (0);
}

void
clock_init(void)
{
	uint64_t hz;

	if ((hz = cpuid_tsc_hz()) >= TSC_MIN_HZ && hz <= TSC_MAX_HZ) {
		tsc_hz = hz;
		tsc_source = "hypervisor";
	} else if ((hz = pit_calibrate()) >= TSC_MIN_HZ && hz <= TSC_MAX_HZ) {
		tsc_hz = hz;
		tsc_source = "PIT";
	}
	tsc_mult = (PV_NS_PER_SEC << 32) / tsc_hz;
}

const char *
tsc_freq_source(void)
{
	return (tsc_source);
}

uint64_t
tsc_freq_hz(void)
{
	return (tsc_hz);
}

uint64_t
tsc_to_ns(uint64_t tsc)
{
	return ((uint64_t)(((unsigned __int128)tsc * tsc_mult) >> 32));
}

/* Nanoseconds since the PVH entry. */
uint64_t
pv_uptime_ns(void)
{
	return (tsc_to_ns(rdtsc() - boot_tsc_entry));
}

void
pv_delay_us(uint32_t us)
{
	uint64_t end = rdtsc() + us * tsc_hz / 1000000;

	while (rdtsc() < end)
		cpu_pause();
}
