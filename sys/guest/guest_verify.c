/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * workload=verify: on every disk, read everything first and print its
 * POSIX cksum (a test compares it with cksum(1) of an image it filled),
 * then stamp every sector, flush, and read it all back, checking each
 * stamp.  A read-only disk must refuse a write.  One summary line a disk.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/blk.h>
#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/time.h>
#include <pvvirtio/virtio_blk.h>

#include "guest.h"
#include "wl_stamp.h"

#define	CHUNK		(1024 * 1024)
#define	VERIFY_GEN	1

struct vstate {
	struct guest_disk	*v_gk;
	struct pv_disk_info	 v_di;
	uint8_t			*v_buf;
	uint64_t		 v_read, v_written, v_bad, v_errors;
	int			 v_first_error;
};

static int
chunk_io(struct vstate *v, enum pv_bio_op op, uint64_t off, uint64_t len)
{
	struct pv_bio bio;
	int error;

	memset(&bio, 0, sizeof(bio));
	bio.b_op = op;
	bio.b_sector = off / PV_SECTOR_SIZE;
	bio.b_bytes = len;
	bio.b_data = op == PV_BIO_FLUSH ? NULL : v->v_buf;
	if ((error = guest_disk_io(v->v_gk, &bio)) != 0) {
		v->v_errors++;
		if (v->v_first_error == 0)
			v->v_first_error = error;
		return (error);
	}
	if (op == PV_BIO_READ)
		v->v_read += len;
	else if (op == PV_BIO_WRITE)
		v->v_written += len;
	return (0);
}

/* Pass 1: what was there before us, summed. */
static void
sum_disk(struct vstate *v)
{
	uint64_t size = v->v_di.di_sectors * PV_SECTOR_SIZE, off, len;
	uint32_t crc = 0;

	for (off = 0; off < size; off += len) {
		len = pv_min(size - off, CHUNK);
		if (chunk_io(v, PV_BIO_READ, off, len) != 0)
			return;
		crc = cksum_update(crc, v->v_buf, len);
	}
	pv_printf("verify: %s: initial cksum %u %ju\n", v->v_di.di_name,
	    cksum_finish(crc, size), (uintmax_t)size);
}

static void
stamp_disk(struct vstate *v)
{
	uint64_t size = v->v_di.di_sectors * PV_SECTOR_SIZE, off, len, i;

	for (off = 0; off < size; off += len) {
		len = pv_min(size - off, CHUNK);
		for (i = 0; i < len; i += STAMP_SECTOR)
			stamp_fill(v->v_buf + i, (off + i) / STAMP_SECTOR,
			    VERIFY_GEN);
		if (chunk_io(v, PV_BIO_WRITE, off, len) != 0)
			return;
	}
	(void)chunk_io(v, PV_BIO_FLUSH, 0, 0);
}

static void
check_disk(struct vstate *v)
{
	uint64_t size = v->v_di.di_sectors * PV_SECTOR_SIZE, off, len, i;

	for (off = 0; off < size; off += len) {
		len = pv_min(size - off, CHUNK);
		memset(v->v_buf, 0, len);
		if (chunk_io(v, PV_BIO_READ, off, len) != 0)
			return;
		for (i = 0; i < len; i += STAMP_SECTOR)
			if (!stamp_check(v->v_buf + i, (off + i) / STAMP_SECTOR,
			    VERIFY_GEN))
				v->v_bad++;
	}
}

/* A read-only disk must refuse, and change nothing. */
static void
write_refused(struct vstate *v)
{
	int error;

	stamp_fill(v->v_buf, 0, VERIFY_GEN);
	error = chunk_io(v, PV_BIO_WRITE, 0, v->v_di.di_sector_size);
	if (error == EROFS) {
		v->v_errors--;
		v->v_first_error = 0;
		pv_printf("verify: %s: read-only: a write is refused (EROFS)\n",
		    v->v_di.di_name);
	} else if (error == 0) {
		v->v_errors++;
		v->v_first_error = EPERM;
	}
}

int
guest_verify_disk(struct guest_disk *gk, char *why, size_t whylen)
{
	struct vstate v;
	uint64_t t0 = pv_uptime_ns();

	memset(&v, 0, sizeof(v));
	v.v_gk = gk;
	pv_blk_info(gk->gk_blk, &v.v_di);
	if ((v.v_buf = pv_pages_alloc(CHUNK / PV_PAGE_SIZE, PV_M_NOWAIT,
	    NULL)) == NULL) {
		snprintf(why, whylen, "%s: no memory", v.v_di.di_name);
		return (ENOMEM);
	}
	sum_disk(&v);
	if (v.v_errors == 0 && v.v_di.di_readonly)
		write_refused(&v);
	else if (v.v_errors == 0) {
		stamp_disk(&v);
		if (v.v_errors == 0)
			check_disk(&v);
	}
	pv_pages_free(v.v_buf, CHUNK / PV_PAGE_SIZE);
	pv_printf("verify: %s: %ju sectors%s, %ju MiB written, %ju MiB read, "
	    "%ju mismatches, %ju errors, %ju ms\n", v.v_di.di_name,
	    (uintmax_t)v.v_di.di_sectors, v.v_di.di_readonly ?
	    " (read-only)" : "", (uintmax_t)(v.v_written >> 20),
	    (uintmax_t)(v.v_read >> 20), (uintmax_t)v.v_bad,
	    (uintmax_t)v.v_errors,
	    (uintmax_t)((pv_uptime_ns() - t0) / PV_NS_PER_MS));
	guest_disk_report(gk);
	if (v.v_first_error == EPERM) {
		snprintf(why, whylen, "%s: a read-only disk took a write",
		    v.v_di.di_name);
		return (EPERM);
	}
	if (v.v_errors != 0 || v.v_bad != 0) {
		snprintf(why, whylen, "%s: %ju mismatches, %ju errors (first: "
		    "%s)", v.v_di.di_name, (uintmax_t)v.v_bad,
		    (uintmax_t)v.v_errors, v.v_first_error != 0 ?
		    strerror(v.v_first_error) : "none");
		return (EIO);
	}
	return (0);
}

int
guest_verify(char *why, size_t whylen)
{
	char later[128];
	unsigned i;
	int error, first = 0;

	if (guest_ndisks == 0) {
		snprintf(why, whylen, "no disk attached");
		return (ENXIO);
	}
	/* Every disk is checked; the first failure gives the reason. */
	for (i = 0; i < guest_ndisks; i++) {
		error = guest_verify_disk(&guest_disks[i],
		    first == 0 ? why : later,
		    first == 0 ? whylen : sizeof(later));
		if (first == 0)
			first = error;
	}
	return (first);
}
