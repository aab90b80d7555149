/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * workload=verify: the workload library's verify on every disk, with the
 * sum of what each held first (a test compares it with cksum(1) of the
 * image it filled) and no random rewrites, so that every sector ends at
 * generation 1 for the host to check.  One summary line a disk.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/blk.h>
#include <pv/console.h>
#include <pv/time.h>

#include "guest.h"
#include "wl.h"

#define	VERIFY_DEPTH	4

int
guest_verify_disk(struct guest_disk *gk, char *why, size_t whylen)
{
	struct wl_verify_args va = {
		.va_depth = VERIFY_DEPTH,
		.va_sum = true,
		.va_progress = true,	/* a host can act mid-verify */
	};
	struct wl_verify_result vr;
	struct pv_disk_info di;
	int error;

	pv_blk_info(gk->gk_blk, &di);
	if ((error = wl_verify(gk->gk_blk, &va, &vr)) != 0) {
		snprintf(why, whylen, "%s: verify could not run (error %d)",
		    di.di_name, error);
		return (error);
	}
	if (vr.vr_summed)
		pv_printf("verify: %s: initial cksum %u %ju\n", di.di_name,
		    vr.vr_cksum, (uintmax_t)vr.vr_cksum_bytes);
	if (vr.vr_ro_refused)
		pv_printf("verify: %s: read-only: a write is refused "
		    "(EROFS)\n", di.di_name);
	pv_printf("verify: %s: %ju sectors%s, %ju MiB written, %ju MiB read, "
	    "%ju mismatches, %ju errors, %ju ms\n", di.di_name,
	    (uintmax_t)vr.vr_sectors, vr.vr_readonly ? " (read-only)" : "",
	    (uintmax_t)(vr.vr_written >> 20), (uintmax_t)(vr.vr_read >> 20),
	    (uintmax_t)vr.vr_mismatches, (uintmax_t)vr.vr_errors,
	    (uintmax_t)(vr.vr_ns / PV_NS_PER_MS));
	guest_disk_report(gk);
	if (vr.vr_readonly && !vr.vr_ro_refused && vr.vr_errors == 0) {
		snprintf(why, whylen, "%s: a read-only disk took a write",
		    di.di_name);
		return (EPERM);
	}
	if (!wl_verify_passed(&vr)) {
		snprintf(why, whylen, "%s: %ju mismatches, %ju errors (first: "
		    "%s)", di.di_name, (uintmax_t)vr.vr_mismatches,
		    (uintmax_t)vr.vr_errors, vr.vr_first_error != 0 ?
		    strerror(vr.vr_first_error) : "none");
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
