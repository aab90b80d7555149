/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Time: the TSC, calibrated once against the i8254 PIT, is the monotonic
 * clock.  QEMU's TSC runs at a constant rate (the host's under TCG, a
 * fixed virtual rate under KVM), so one calibration holds for the run.
 */
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

void
clock_init(void)
{
	uint64_t hz;

	hz = pit_calibrate();
	if (hz != 0)
		tsc_hz = hz;
	tsc_mult = (PV_NS_PER_SEC << 32) / tsc_hz;
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
