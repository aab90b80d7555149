/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The block backend's requests, done synchronously on the image: the
 * checks are Linux blkback's dispatch_rw_block_io and
 * dispatch_discard_io, on our private copy of the request.  Every sector
 * quantity is in 512-byte units whatever the sector size, which only
 * constrains alignment.  A request is checked whole and its grants are
 * all mapped before the image is touched, so a bad segment fails the
 * request without a partial write, and nothing outside the image is ever
 * read or written.
 */
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <unistd.h>

#include <pv/libkern.h>

#include "blkback.h"
#include "blkback_impl.h"
#include "xensim.h"

_Static_assert(sizeof(blkif_request_indirect_t) <= sizeof(blkif_request_t),
    "an indirect request fits a ring slot");
_Static_assert(sizeof(blkif_request_discard_t) <= sizeof(blkif_request_t),
    "a discard request fits a ring slot");

/*
 * The segments of a request are consecutive on the image: one preadv or
 * pwritev moves them all, resumed where a short transfer stopped.
 */
static int
image_iov(int fd, bool rd, struct iovec *iov, int niov, off_t pos)
{
	ssize_t n;

	while (niov > 0) {
		n = rd ? preadv(fd, iov, pv_min(niov, IOV_MAX), pos) :
		    pwritev(fd, iov, pv_min(niov, IOV_MAX), pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (n == 0 ? EIO : errno);
		pos += n;
		while (niov > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			niov--;
		}
		if (niov > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return (0);
}

/*
 * READ, WRITE, WRITE_BARRIER or FLUSH_DISKCACHE over nseg checked-here
 * segments starting at sector.
 */
static int16_t
rw_run(struct bb_ring *r, uint8_t op, uint64_t sector,
    const struct blkif_request_segment *seg, unsigned nseg)
{
	struct vbd *v = r->r_vbd;
	bool rd = op == BLKIF_OP_READ;
	uint64_t nsect = 0, end, align = v->v_ssize / BB_SECTOR - 1;
	unsigned i, n;
	off_t pos;
	uint8_t *page;
	int16_t status = BLKIF_RSP_OKAY;

	for (i = 0; i < nseg; i++) {
		if (seg[i].last_sect >= BB_SECTORS_PER_PAGE ||
		    seg[i].last_sect < seg[i].first_sect)
			return (BLKIF_RSP_ERROR);
		n = seg[i].last_sect - seg[i].first_sect + 1u;
		if (((sector | n) & align) != 0)
			return (BLKIF_RSP_ERROR);	/* misaligned */
		nsect += n;
	}
	if (!rd && v->v_readonly)
		return (BLKIF_RSP_ERROR);
	end = sector + nsect;
	if (nsect != 0 && (end < sector || end > v->v_sectors))
		return (BLKIF_RSP_ERROR);
	for (i = 0; i < nseg; i++) {
		r->r_pages[i] = pgnt_map(r, seg[i].gref, rd);
		if (r->r_pages[i] == NULL) {
			pgnt_put_all(r);
			return (BLKIF_RSP_ERROR);
		}
	}
	/* Synchronous: whatever came before is done; make it stable. */
	if (op == BLKIF_OP_WRITE_BARRIER && fsync(v->v_fd) != 0)
		status = BLKIF_RSP_ERROR;
	if (op == BLKIF_OP_FLUSH_DISKCACHE && fdatasync(v->v_fd) != 0)
		status = BLKIF_RSP_ERROR;
	/* In range, as checked above, whenever there is data. */
	pos = nsect != 0 ? (off_t)(sector * BB_SECTOR) : 0;
	for (i = 0; i < nseg; i++) {
		page = r->r_pages[i];
		n = seg[i].last_sect - seg[i].first_sect + 1u;
		r->r_iov[i].iov_base = page + seg[i].first_sect * BB_SECTOR;
		r->r_iov[i].iov_len = (size_t)n * BB_SECTOR;
	}
	if (status == BLKIF_RSP_OKAY && nseg > 0 &&
	    image_iov(v->v_fd, rd, r->r_iov, (int)nseg, pos) != 0)
		status = BLKIF_RSP_ERROR;
	pgnt_put_all(r);
	/* The barrier's own data is stable before it completes. */
	if (status == BLKIF_RSP_OKAY && op == BLKIF_OP_WRITE_BARRIER &&
	    nseg > 0 && fdatasync(v->v_fd) != 0)
		status = BLKIF_RSP_ERROR;
	r->r_st.st_segs += nseg;
	if (rd)
		r->r_st.st_rd_sect += nsect;
	else
		r->r_st.st_wr_sect += nsect;
	return (status);
}

static void
do_rw(struct bb_ring *r, const blkif_request_t *req)
{
	struct vbd *v = r->r_vbd;
	int16_t status;

	switch (req->operation) {
	case BLKIF_OP_READ:
		r->r_st.st_rd++;
		break;
	case BLKIF_OP_WRITE:
		r->r_st.st_wr++;
		break;
	case BLKIF_OP_WRITE_BARRIER:
		r->r_st.st_barrier++;
		if (!v->v_barrier) {
			status = BLKIF_RSP_EOPNOTSUPP;
			goto out;
		}
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
		r->r_st.st_flush++;
		if (!v->v_flush) {
			status = BLKIF_RSP_EOPNOTSUPP;
			goto out;
		}
		break;
	}
	/* Only a flush or a barrier may come without data. */
	if ((req->nr_segments == 0 && (req->operation == BLKIF_OP_READ ||
	    req->operation == BLKIF_OP_WRITE)) ||
	    req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		status = BLKIF_RSP_ERROR;
		goto out;
	}
	status = rw_run(r, req->operation, req->sector_number, req->seg,
	    req->nr_segments);
out:
	ring_respond(r, req->id, req->operation, status);
}

/*
 * The response carries indirect_op, not BLKIF_OP_INDIRECT, as Linux
 * blkback answers and Linux blkfront checks.
 */
static void
do_indirect(struct bb_ring *r, const blkif_request_t *slot)
{
	blkif_request_indirect_t req;
	unsigned i, npages, nseg, max = r->r_vbd->v_max_indirect;
	uint8_t *page;
	int16_t status;

	memcpy(&req, slot, sizeof(req));
	r->r_st.st_indirect++;
	if (max == 0) {
		status = BLKIF_RSP_EOPNOTSUPP;
		goto out;
	}
	if (req.indirect_op == BLKIF_OP_READ)
		r->r_st.st_rd++;
	else if (req.indirect_op == BLKIF_OP_WRITE)
		r->r_st.st_wr++;
	else {
		status = BLKIF_RSP_ERROR;
		goto out;
	}
	nseg = req.nr_segments;
	if (nseg == 0 || nseg > max) {
		status = BLKIF_RSP_ERROR;
		goto out;
	}
	/* Copied out of the guest's pages before anything looks at them. */
	npages = (nseg + BB_SEGS_PER_INDIRECT_PAGE - 1) /
	    BB_SEGS_PER_INDIRECT_PAGE;
	for (i = 0; i < npages; i++) {
		if ((page = pgnt_map_once(r, req.indirect_grefs[i], true)) ==
		    NULL) {
			pgnt_put_all(r);
			status = BLKIF_RSP_ERROR;
			goto out;
		}
		memcpy(r->r_segs + i * BB_SEGS_PER_INDIRECT_PAGE, page,
		    pv_min(nseg - i * BB_SEGS_PER_INDIRECT_PAGE,
		    (unsigned)BB_SEGS_PER_INDIRECT_PAGE) *
		    sizeof(*r->r_segs));
	}
	pgnt_put_all(r);
	status = rw_run(r, req.indirect_op, req.sector_number, r->r_segs,
	    nseg);
out:
	ring_respond(r, req.id, req.indirect_op, status);
}

/*
 * Whether a discard covers whole granules of what we published: starts
 * at discard-alignment plus a multiple of discard-granularity, and is a
 * multiple of it long.  blkif.h asks the frontend for no less.
 */
static bool
discard_aligned(const struct vbd *v, uint64_t sector, uint64_t nsect)
{
	uint64_t g = v->v_discard_gran;

	return ((sector * BB_SECTOR) % g == v->v_discard_align % g &&
	    (nsect * BB_SECTOR) % g == 0);
}

static void
do_discard(struct bb_ring *r, const blkif_request_t *slot)
{
	blkif_request_discard_t req;
	struct vbd *v = r->r_vbd;
	uint64_t end;
	int16_t status = BLKIF_RSP_OKAY;
	bool secure;

	memcpy(&req, slot, sizeof(req));
	r->r_st.st_discard++;
	secure = (req.flag & BLKIF_DISCARD_SECURE) != 0;
	end = req.sector_number + req.nr_sectors;
	/* As Linux blkback: secure only when discard-secure said so. */
	if (!v->v_discard || (secure && !blkback_conf.bc_discard_secure))
		status = BLKIF_RSP_EOPNOTSUPP;
	else if (v->v_readonly || end < req.sector_number ||
	    end > v->v_sectors ||
	    !discard_aligned(v, req.sector_number, req.nr_sectors))
		status = BLKIF_RSP_ERROR;
	else if (req.nr_sectors == 0)
		status = BLKIF_RSP_OKAY;
	else if (fallocate(v->v_fd, FALLOC_FL_PUNCH_HOLE |
	    FALLOC_FL_KEEP_SIZE, (off_t)(req.sector_number * BB_SECTOR),
	    (off_t)(req.nr_sectors * BB_SECTOR)) != 0)
		status = errno == EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP :
		    BLKIF_RSP_ERROR;
	/* Secure: the punched blocks must not linger in a cache either. */
	else if (secure && fdatasync(v->v_fd) != 0)
		status = BLKIF_RSP_ERROR;
	/* What a test of the frontend's secure discard looks for. */
	if (secure)
		xensim_log("blkback %u/%u: secure discard of sectors %ju+%ju: "
		    "%s", v->v_domid, v->v_devid,
		    (uintmax_t)req.sector_number, (uintmax_t)req.nr_sectors,
		    status == BLKIF_RSP_OKAY ? "done" :
		    status == BLKIF_RSP_EOPNOTSUPP ? "not supported" :
		    "refused");
	if (secure && status == BLKIF_RSP_OKAY)
		r->r_st.st_discard_secure++;
	ring_respond(r, req.id, req.operation, status);
}

void
bb_dispatch(struct bb_ring *r, const blkif_request_t *req)
{
	blkif_request_indirect_t ind;
	uint64_t id = req->id;
	uint8_t op = req->operation;

	/* A fault is drawn by what the request does to the data. */
	if (op == BLKIF_OP_INDIRECT) {
		memcpy(&ind, req, sizeof(ind));
		id = ind.id;
		op = ind.indirect_op;
	}
	r->r_fault = (uint8_t)fault_pick(r, op);
	if (r->r_fault == BF_ERROR) {
		/* Instead of the I/O: the image is not touched. */
		ring_respond(r, id, op, BLKIF_RSP_ERROR);
		return;
	}
	switch (req->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		do_rw(r, req);
		break;
	case BLKIF_OP_INDIRECT:
		do_indirect(r, req);
		break;
	case BLKIF_OP_DISCARD:
		do_discard(r, req);
		break;
	default:
		r->r_st.st_unknown++;
		ring_respond(r, req->id, req->operation, BLKIF_RSP_EOPNOTSUPP);
		break;
	}
}
