/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The Xen balloon's private state, shared by its xenbus half
 * (balloon.c) and its hypercall half (balloon_resv.c).
 */
#ifndef _XEN_BALLOON_VAR_H_
#define _XEN_BALLOON_VAR_H_

#include <stdint.h>

#include <xen/xen.h>
#include <xen/memory.h>

#include <pv/balloon.h>
#include <pv/sync.h>
#include <xenpv/xenbus.h>

/*
 * Frames per hypercall: one page of frame numbers, as Linux's frame list,
 * and as many as the hosted platform carries inline in one message.
 */
#define	XEN_BALLOON_BATCH	512

struct xen_balloon {
	struct pv_balloon	*sc_balloon;
	struct xenbus_watch	 sc_watch;
	uint64_t		 sc_base_pages;		/* read-only */
	uint64_t		 sc_static_max_kib;	/* read-only */
	struct pv_mtx		 sc_mtx;	/* the fields below */
	uint64_t		 sc_target_kib;
	uint64_t		 sc_bad_targets;
	/*
	 * The hypercall's extent list: the core calls its ops from one
	 * thread at a time (its worker, then destroy), so one is enough.
	 */
	xen_pfn_t		 sc_frames[XEN_BALLOON_BATCH];
};

/* balloon_resv.c: the transport ops of the balloon core. */
extern const struct pv_balloon_ops xen_balloon_ops;

#endif /* !_XEN_BALLOON_VAR_H_ */
