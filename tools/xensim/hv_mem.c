/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Memory reservation.  A page given back with decrease_reservation is
 * punched out of the domain's memfd, so the host really gets it back, and
 * stays a hole nothing can map until populate_physmap fills it again,
 * within the domain's maximum.  Like Xen, each call does what it can and
 * returns how many extents it did.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>

#include <xen/memory.h>

#include "domain.h"
#include "xensim.h"

static int64_t
reservation(struct domain *d, uint32_t cmd, void *arg, size_t len,
    size_t *outlen)
{
	struct xen_memory_reservation *r = arg;
	xen_pfn_t *ext = (xen_pfn_t *)(r + 1);
	uint64_t i, idx;

	if (len < sizeof(*r) || r->nr_extents > (len - sizeof(*r)) /
	    sizeof(*ext))
		return (-EINVAL);
	if (r->domid != DOMID_SELF && r->domid != d->d_domid)
		return (-EPERM);
	if (r->extent_order != 0)
		return (-EINVAL);	/* 4 KiB extents only, for now */
	*outlen = sizeof(*r) + r->nr_extents * sizeof(*ext);
	for (i = 0; i < r->nr_extents; i++) {
		if (ext[i] < d->d_base_pfn)
			break;
		idx = ext[i] - d->d_base_pfn;
		if (idx >= d->d_ram_pages)
			break;
		if (cmd == XENMEM_decrease_reservation) {
			if (!d->d_populated[idx])
				break;
			if (fallocate(d->d_memfd, FALLOC_FL_PUNCH_HOLE |
			    FALLOC_FL_KEEP_SIZE, (off_t)(idx * 4096), 4096) !=
			    0)
				break;
			d->d_populated[idx] = 0;
			d->d_tot_pages--;
		} else {
			if (d->d_populated[idx] ||
			    d->d_tot_pages >= d->d_max_pages)
				break;
			d->d_populated[idx] = 1;
			d->d_tot_pages++;
		}
	}
	return ((int64_t)i);
}

/* Returns as the hypercall does: a count, or -errno. */
int64_t
memory_op(struct domain *d, uint32_t cmd, void *arg, size_t len,
    size_t *outlen)
{
	struct xen_add_to_physmap *ap = arg;
	domid_t *dom = arg;

	*outlen = len;
	switch (cmd) {
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return (reservation(d, cmd, arg, len, outlen));
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
		if (len != sizeof(*dom) ||
		    (*dom != DOMID_SELF && *dom != d->d_domid))
			return (-EINVAL);
		return ((int64_t)(cmd == XENMEM_current_reservation ?
		    d->d_tot_pages : d->d_max_pages));
	case XENMEM_add_to_physmap:
		if (len != sizeof(*ap) || (ap->domid != DOMID_SELF &&
		    ap->domid != d->d_domid))
			return (-EINVAL);
		if (ap->space == XENMAPSPACE_grant_table &&
		    (ap->idx & XENMAPIDX_grant_table_status) == 0)
			return (-gnttab_add_frame(d, ap->idx, ap->gpfn));
		return (-ENOSYS);
	}
	return (-ENOSYS);
}
