/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A hot-plugged disk kept busy until the toolstack takes it back
 * (kern.guest.hot_write=1 under workload=idle): stamps go out in order,
 * one 4 KiB write at a time, from sector 0 to the end and round again
 * with the next generation.  Each is waited for, so the closing line says
 * exactly what the backend acknowledged, and dom0 checks those stamps in
 * the image (pvkit-imgcheck IMAGE GEN FIRST COUNT): a detach that lost an
 * acknowledged write shows there.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/blk.h>
#include <pv/console.h>
#include <pv/mem.h>

#include "guest.h"
#include "wl_stamp.h"

#define	HOTWRITE_SECTORS	(PV_PAGE_SIZE / STAMP_SECTOR)

int
guest_write_until_wanted(struct guest_disk *gk, char *why, size_t whylen)
{
	struct pv_disk_info di;
	struct pv_bio bio;
	uint64_t s = 0, writes = 0;
	uint32_t gen = 1;
	unsigned i;
	pv_pfn_t pfn;
	uint8_t *buf;
	int error = 0;

	pv_blk_info(gk->gk_blk, &di);
	if (di.di_readonly || di.di_sectors < HOTWRITE_SECTORS ||
	    di.di_sectors % HOTWRITE_SECTORS != 0) {
		snprintf(why, whylen, "%s: %ju sectors%s: not a disk to stamp "
		    "in 4 KiB writes", di.di_name, (uintmax_t)di.di_sectors,
		    di.di_readonly ? ", read-only" : "");
		return (EINVAL);
	}
	if ((buf = pv_pages_alloc(1, PV_M_NOWAIT, &pfn)) == NULL) {
		snprintf(why, whylen, "%s: no page to write from", di.di_name);
		return (ENOMEM);
	}
	pv_printf("hotwrite: %s: writing stamps until the toolstack takes "
	    "it back\n", di.di_name);
	while (!guest_disk_wanted_back(gk)) {
		for (i = 0; i < HOTWRITE_SECTORS; i++)
			stamp_fill(buf + i * STAMP_SECTOR, s + i, gen);
		memset(&bio, 0, sizeof(bio));
		bio.b_op = PV_BIO_WRITE;
		bio.b_sector = s;
		bio.b_bytes = PV_PAGE_SIZE;
		bio.b_data = buf;
		if ((error = guest_disk_io(gk, &bio)) != 0)
			break;
		writes++;
		if ((s += HOTWRITE_SECTORS) == di.di_sectors) {
			s = 0;
			gen++;
		}
	}
	pv_pages_free(buf, 1);
	/*
	 * Generation gen holds [0, s), generation gen - 1 the rest (when
	 * gen > 1): the line dom0 checks the image against.
	 */
	pv_printf("hotwrite: %s: %ju writes acknowledged: generation %u "
	    "through sector %ju of %ju; %s\n", di.di_name, (uintmax_t)writes,
	    gen, (uintmax_t)s, (uintmax_t)di.di_sectors, error == 0 ?
	    "stopped: the toolstack wants the disk back" : strerror(error));
	if (error != 0)
		snprintf(why, whylen, "%s: write %ju failed: %s", di.di_name,
		    (uintmax_t)writes + 1, strerror(error));
	return (error);
}
