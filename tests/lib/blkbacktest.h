/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Shared by the blkback_*_test programs (tests/tools/xensim): xensim's
 * block backend against a raw blkif frontend, where this process is
 * domain DOM with a disk IMG of IMG_SIZE bytes on xvdb.  Data is checked
 * on both sides: read back through the ring and read straight from IMG.
 */
#ifndef _BLKBACKTEST_H_
#define _BLKBACKTEST_H_

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <atf-c.h>

#include "lib/rawfront.h"

#define	DOM		1
#define	MEM_PAGES	4096
#define	IMG		"disk.img"
#define	IMG_SIZE	(4u << 20)
#define	SECTORS		(IMG_SIZE / 512)
#define	PAGE		4096
#define	BUSY		(GTF_reading | GTF_writing)

/* A request id no earlier request of this process used. */
uint64_t	bbt_next_id(void);
void		bbt_fill(uint8_t *p, size_t len, uint64_t seed);
uint64_t	bbt_sum(const uint8_t *p, size_t len);
void		bbt_image_read(const char *name, void *buf, size_t len,
		    off_t off);
uint64_t	bbt_image_sum(const char *name, size_t len, off_t off);
off_t		bbt_image_size(const char *name);
void		bbt_start(const atf_tc_t *tc, const char *const *args,
		    const char *access, struct rawfront *rf);
void		bbt_require_log(const char *needle);
void		bbt_restart(struct rawfront *rf);
int16_t		bbt_flush(struct rawfront *rf, uint8_t op);
int16_t		bbt_discard(struct rawfront *rf, uint64_t sector, uint64_t n,
		    uint8_t flag);
int16_t		bbt_indirect(struct rawfront *rf, uint8_t op, uint64_t sector,
		    struct rawbuf *b, unsigned nseg, struct rawbuf *ind);
void		bbt_require_same(const uint8_t *a, const uint8_t *b,
		    size_t len, const char *what);
void		bbt_seg_req(blkif_request_t *req, uint8_t op, uint8_t nseg,
		    uint64_t sector, grant_ref_t gref, uint8_t first,
		    uint8_t last);

#endif /* !_BLKBACKTEST_H_ */
