/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Sector stamps and the POSIX cksum, shared by the workloads (the guest's
 * and xbdtool's) and the host's image checker.  No kernel services: plain
 * C everywhere.
 */
#include <stdint.h>
#include <string.h>

#include "wl_stamp.h"

static const uint8_t stamp_magic[8] = { 'p', 'v', 'k', 'i', 't', 's', 't',
    'm' };

static void
put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A sector whose bytes all depend on its number: misplaced data shows. */
void
stamp_fill(uint8_t *buf, uint64_t sector, uint32_t gen)
{
	uint64_t x = (sector + 1) * 0x9e3779b97f4a7c15ull ^ gen;
	unsigned i;

	memcpy(buf, stamp_magic, 8);
	put64(buf + 8, sector);
	put64(buf + 16, gen);
	for (i = 24; i < STAMP_SECTOR; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		put64(buf + i, x);
	}
}

bool
stamp_check(const uint8_t *buf, uint64_t sector, uint32_t gen)
{
	uint8_t want[STAMP_SECTOR];

	stamp_fill(want, sector, gen);
	return (memcmp(buf, want, STAMP_SECTOR) == 0);
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return (v);
}

bool
stamp_header(const uint8_t *buf, uint64_t *sectorp, uint32_t *genp)
{
	uint64_t gen;

	if (memcmp(buf, stamp_magic, 8) != 0)
		return (false);
	*sectorp = get64(buf + 8);
	gen = get64(buf + 16);
	*genp = gen > UINT32_MAX ? UINT32_MAX : (uint32_t)gen;
	return (true);
}

static uint32_t crc_table[256];

static void
crc_init(void)
{
	uint32_t c;
	int i, j;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i << 24;
		for (j = 0; j < 8; j++)
			c = (c & 0x80000000u) != 0 ? c << 1 ^ 0x04c11db7u :
			    c << 1;
		crc_table[i] = c;
	}
}

uint32_t
cksum_update(uint32_t crc, const uint8_t *p, uint64_t len)
{
	if (crc_table[1] == 0)
		crc_init();
	while (len-- > 0)
		crc = crc << 8 ^ crc_table[(crc >> 24 ^ *p++) & 0xff];
	return (crc);
}

/* cksum(1) appends the length, low byte first, with no zero bytes. */
uint32_t
cksum_finish(uint32_t crc, uint64_t total)
{
	uint8_t b;

	for (; total != 0; total >>= 8) {
		b = (uint8_t)total;
		crc = cksum_update(crc, &b, 1);
	}
	return (~crc);
}
