/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * What the guest's verify workload writes, and how it sums what it
 * reads, in plain C that the host's checker (tools/vm/pvkit-imgcheck)
 * links too: the test then judges the guest with code the guest did not
 * run, and the sum is the one POSIX cksum(1) prints, so that a host
 * script needs no pvkit code at all to check it.
 */
#ifndef _X86_GUEST_STAMP_H_
#define _X86_GUEST_STAMP_H_

#include <stdbool.h>
#include <stdint.h>

#define	STAMP_SECTOR	512

/* Fill one 512-byte sector with generation gen's stamp for sector s. */
void	stamp_fill(uint8_t *buf, uint64_t sector, uint32_t gen);
bool	stamp_check(const uint8_t *buf, uint64_t sector, uint32_t gen);

/* POSIX cksum: feed bytes, then finish with the total length. */
uint32_t cksum_update(uint32_t crc, const uint8_t *p, uint64_t len);
uint32_t cksum_finish(uint32_t crc, uint64_t total);

#endif /* !_X86_GUEST_STAMP_H_ */
