/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The Xen balloon's transport: frames leave the domain with
 * XENMEM_decrease_reservation and come back with XENMEM_populate_physmap
 * at the same guest frame numbers, as Linux and Mini-OS grow an HVM
 * guest (increase_reservation returns frames only to PV guests).
 *
 * Both return how many extents were done.  That count is the host's word
 * and is checked: a negative one is an error, one above what was asked is
 * hostile.  Then we cannot know which frames moved, so we err towards the
 * guest: frames we tried to give are kept out of use (the host may have
 * them), frames we tried to take back stay in the balloon (they may not
 * be there).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <xen/memory.h>

#include <pv/console.h>
#include <xenpv/hypervisor.h>

#include "balloon_var.h"

static int
xen_balloon_resv(struct xen_balloon *sc, unsigned cmd, const pv_pfn_t *pfns,
    unsigned npfns, unsigned *donep)
{
	struct xen_memory_reservation r = {
		.nr_extents = npfns,
		.extent_order = 0,
		.domid = DOMID_SELF,
	};
	const char *op = cmd == XENMEM_decrease_reservation ?
	    "decrease_reservation" : "populate_physmap";
	unsigned i;
	long rc;

	*donep = 0;
	if (npfns > XEN_BALLOON_BATCH) {
		pv_log(PV_LOG_ERR, "xen_balloon", "%s: %u frames, more than "
		    "the batch of %u", op, npfns, XEN_BALLOON_BATCH);
		return (EINVAL);
	}
	/* The caller's array is const and pv_pfn_t need not be xen_pfn_t. */
	for (i = 0; i < npfns; i++)
		sc->sc_frames[i] = (xen_pfn_t)pfns[i];
	set_xen_guest_handle(r.extent_start, sc->sc_frames);
	rc = HYPERVISOR_memory_op(cmd, &r);
	if (rc < 0) {
		pv_log(PV_LOG_ERR, "xen_balloon", "%s of %u frames: error %ld",
		    op, npfns, -rc);
		return ((int)-rc);
	}
	if ((unsigned long)rc > npfns) {
		pv_log(PV_LOG_ERR, "xen_balloon", "%s of %u frames: the "
		    "hypervisor says it did %ld", op, npfns, rc);
		if (cmd == XENMEM_decrease_reservation)
			*donep = npfns;
		return (EIO);
	}
	*donep = (unsigned)rc;
	return (0);
}

static int
xen_balloon_inflate(void *arg, const pv_pfn_t *pfns, unsigned npfns,
    unsigned *donep)
{
	return (xen_balloon_resv(arg, XENMEM_decrease_reservation, pfns,
	    npfns, donep));
}

static int
xen_balloon_deflate(void *arg, const pv_pfn_t *pfns, unsigned npfns,
    unsigned *donep)
{
	return (xen_balloon_resv(arg, XENMEM_populate_physmap, pfns, npfns,
	    donep));
}

/*
 * No report: memory/target is the toolstack's, and like Linux we write
 * nothing back; xl reads the domain's pages from the hypervisor.
 */
const struct pv_balloon_ops xen_balloon_ops = {
	.bo_inflate = xen_balloon_inflate,
	.bo_deflate = xen_balloon_deflate,
	.bo_report = NULL,
};
