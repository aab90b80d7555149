/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Set-up and requests shared by the blkback_*_test programs; see
 * blkbacktest.h.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "lib/rawfront.h"

#include <xenpv/xenbus.h>

#include "lib/blkbacktest.h"
#include "lib/xensimtest.h"

static uint64_t	next_id = 1;

uint64_t
bbt_next_id(void)
{
	return (next_id++);
}

/* xorshift: a pattern that differs for every seed and every byte. */
void
bbt_fill(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
}

/* FNV-1a. */
uint64_t
bbt_sum(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (len-- > 0)
		h = (h ^ *p++) * 0x100000001b3ull;
	return (h);
}

void
bbt_image_read(const char *name, void *buf, size_t len, off_t off)
{
	int fd;

	ATF_REQUIRE((fd = open(name, O_RDONLY | O_CLOEXEC)) >= 0);
	ATF_REQUIRE_EQ(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

uint64_t
bbt_image_sum(const char *name, size_t len, off_t off)
{
	uint8_t *buf;
	uint64_t h;

	ATF_REQUIRE((buf = malloc(len)) != NULL);
	bbt_image_read(name, buf, len, off);
	h = bbt_sum(buf, len);
	free(buf);
	return (h);
}

off_t
bbt_image_size(const char *name)
{
	int fd;
	off_t size;

	ATF_REQUIRE((fd = open(name, O_RDONLY | O_CLOEXEC)) >= 0);
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	return (size);
}

/* xensim, this domain, a disk of IMG_SIZE, and its backend in InitWait. */
void
bbt_start(const atf_tc_t *tc, const char *const *args, const char *access,
    struct rawfront *rf)
{
	enum xenbus_state s;

	rawfront_image(IMG, IMG_SIZE);
	rawfront_up(tc, DOM, MEM_PAGES, args);
	rawfront_attach(tc, DOM, "xvdb", IMG, access);
	rawfront_init(rf, DOM, "xvdb");
	s = rawfront_wait_be(rf, XenbusStateInitWait, RF_TIMEOUT_MS);
	ATF_REQUIRE_EQ_MSG(s, XenbusStateInitWait, "backend is %s",
	    xenbus_strstate(s));
}

void
bbt_require_log(const char *needle)
{
	ATF_REQUIRE_MSG(xensimtest_log_wait(needle, RF_TIMEOUT_MS),
	    "xensim never logged \"%s\"", needle);
}

/* Frontend Closed then Initialising: the backend must offer again. */
void
bbt_restart(struct rawfront *rf)
{
	enum xenbus_state s;

	ATF_REQUIRE_EQ(xenbus_switch_state(rf->rf_fe, XenbusStateClosed), 0);
	ATF_REQUIRE_EQ(xenbus_switch_state(rf->rf_fe,
	    XenbusStateInitialising), 0);
	s = rawfront_wait_be(rf, XenbusStateInitWait, RF_TIMEOUT_MS);
	ATF_REQUIRE_EQ_MSG(s, XenbusStateInitWait, "backend is %s after "
	    "the frontend came back", xenbus_strstate(s));
}

int16_t
bbt_flush(struct rawfront *rf, uint8_t op)
{
	blkif_request_t req;

	memset(&req, 0, sizeof(req));
	req.operation = op;
	req.id = bbt_next_id();
	return (rawfront_do(rf, 0, &req, req.id, op));
}

int16_t
bbt_discard(struct rawfront *rf, uint64_t sector, uint64_t n,
    uint8_t flag)
{
	blkif_request_discard_t d;
	blkif_request_t req;

	memset(&req, 0, sizeof(req));
	memset(&d, 0, sizeof(d));
	d.operation = BLKIF_OP_DISCARD;
	d.flag = flag;
	d.id = bbt_next_id();
	d.sector_number = sector;
	d.nr_sectors = n;
	memcpy(&req, &d, sizeof(d));
	return (rawfront_do(rf, 0, &req, d.id, BLKIF_OP_DISCARD));
}

/* An indirect request over data pages b[0..nseg) (repeating if more). */
int16_t
bbt_indirect(struct rawfront *rf, uint8_t op, uint64_t sector,
    struct rawbuf *b, unsigned nseg, struct rawbuf *ind)
{
	struct blkif_request_segment *seg = (void *)ind->b_va;
	blkif_request_indirect_t r;
	blkif_request_t req;
	unsigned i, per = PAGE / sizeof(*seg);

	ATF_REQUIRE(nseg <= ind->b_npages * per);
	for (i = 0; i < nseg; i++) {
		seg[i].gref = b->b_refs[i % b->b_npages];
		seg[i].first_sect = 0;
		seg[i].last_sect = 7;
	}
	memset(&r, 0, sizeof(r));
	r.operation = BLKIF_OP_INDIRECT;
	r.indirect_op = op;
	r.nr_segments = (uint16_t)nseg;
	r.id = bbt_next_id();
	r.sector_number = sector;
	r.handle = (blkif_vdev_t)rf->rf_devid;
	for (i = 0; i < (nseg + per - 1) / per; i++)
		r.indirect_grefs[i] = ind->b_refs[i];
	memset(&req, 0, sizeof(req));
	memcpy(&req, &r, sizeof(r));
	/* Linux blkback answers with the indirect operation itself. */
	return (rawfront_do(rf, 0, &req, r.id, op));
}

void
bbt_require_same(const uint8_t *a, const uint8_t *b, size_t len,
    const char *what)
{
	ATF_REQUIRE_MSG(memcmp(a, b, len) == 0, "%s: data differ", what);
}

/* A one-segment request with the fields a test spoils. */
void
bbt_seg_req(blkif_request_t *req, uint8_t op, uint8_t nseg,
    uint64_t sector, grant_ref_t gref, uint8_t first, uint8_t last)
{
	unsigned i;

	memset(req, 0, sizeof(*req));
	req->operation = op;
	req->nr_segments = nseg;
	req->id = bbt_next_id();
	req->sector_number = sector;
	for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		req->seg[i].gref = gref;
		req->seg[i].first_sect = first;
		req->seg[i].last_sect = last;
	}
}
