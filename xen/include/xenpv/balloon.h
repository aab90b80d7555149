/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The Xen balloon: the lower half that follows the toolstack's
 * memory/target and moves pages with the memory reservation hypercalls.
 * The balloon core (pv/balloon.h) does the rest.
 */
#ifndef _XENPV_BALLOON_H_
#define _XENPV_BALLOON_H_

#include <stdint.h>

#include <pv/balloon.h>

struct xen_balloon;

struct xen_balloon_stats {
	struct pv_balloon_stats	xs_core;
	uint64_t	xs_base_pages;	/* RAM the domain booted with */
	uint64_t	xs_static_max_kib;
	uint64_t	xs_target_kib;	/* the last memory/target taken */
	uint64_t	xs_bad_targets;	/* unreadable or refused */
};

/*
 * Read memory/static-max, start the balloon and watch memory/target;
 * the watch's first event sets the first target.
 */
int	xen_balloon_attach(struct xen_balloon **scp);
/* Stop watching, and take every page back that the host will return. */
void	xen_balloon_detach(struct xen_balloon *sc);
void	xen_balloon_stats(struct xen_balloon *sc, struct xen_balloon_stats *st);
/* The core's balloon underneath, for reports. */
struct pv_balloon *xen_balloon_core(struct xen_balloon *sc);

/*
 * The balloon size a memory/target of target_kib asks for, for a domain
 * that booted with base_pages: base_pages less the target's pages, at
 * least 0 and at most base_pages.  ERANGE when the target is above
 * static-max, which no toolstack may ask.
 */
int	xen_balloon_target_pages(uint64_t base_pages, uint64_t static_max_kib,
	    uint64_t target_kib, uint64_t *pagesp);

#endif /* !_XENPV_BALLOON_H_ */
