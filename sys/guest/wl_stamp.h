/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * What the verify workload writes, and how it sums what it reads, in
 * plain C that the host's checker (tools/vm/pvkit-imgcheck) links too:
 * a test then judges the guest with code the guest did not run, and the
 * sum is the one POSIX cksum(1) prints, so that a host script needs no
 * pvkit code at all to check it.
 */
#ifndef _GUEST_WL_STAMP_H_
#define _GUEST_WL_STAMP_H_

#include <stdbool.h>
#include <stdint.h>

#define	STAMP_SECTOR	512

/* Fill one 512-byte sector with generation gen's stamp for sector s. */
void	stamp_fill(uint8_t *buf, uint64_t sector, uint32_t gen);
bool	stamp_check(const uint8_t *buf, uint64_t sector, uint32_t gen);
/* The sector and generation a stamp claims; false when it is none. */
bool	stamp_header(const uint8_t *buf, uint64_t *sectorp, uint32_t *genp);

/* POSIX cksum: feed bytes, then finish with the total length. */
uint32_t cksum_update(uint32_t crc, const uint8_t *p, uint64_t len);
uint32_t cksum_finish(uint32_t crc, uint64_t total);

#endif /* !_GUEST_WL_STAMP_H_ */
