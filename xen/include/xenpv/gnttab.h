/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Grant tables, version 1, for a frontend granting its pages to a
 * backend.  A driver reserves a group of references up front, so that
 * building a request never fails half way for want of one, and may ask
 * to be called back when enough are free again.
 */
#ifndef _XENPV_GNTTAB_H_
#define _XENPV_GNTTAB_H_

#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/grant_table.h>

#include <pv/mem.h>
#include <pv/queue.h>

int	xen_gnttab_init(void);
void	xen_gnttab_fini(void);
/* After a resume in a new domain: the table's frames mapped again. */
int	xen_gnttab_resume(void);

/* A driver's reserved references. */
struct xen_grefs {
	grant_ref_t	*g_refs;
	unsigned	 g_count;	/* reserved, not claimed */
	unsigned	 g_claimed;	/* claimed, not yet released */
	unsigned	 g_cap;
};

/* Reserve count references; ENOSPC when the table cannot supply them. */
int		xen_gnttab_reserve(struct xen_grefs *g, unsigned count);
/* Give back every reserved reference. */
void		xen_gnttab_unreserve(struct xen_grefs *g);
/* Give back those reserved and not claimed; the claimed stay the group's. */
void		xen_gnttab_unreserve_spare(struct xen_grefs *g);
grant_ref_t	xen_gnttab_claim(struct xen_grefs *g);
void		xen_gnttab_release(struct xen_grefs *g, grant_ref_t ref);

/* Grant domid access to the frame, through a reference already held. */
void	xen_gnttab_grant(grant_ref_t ref, domid_t domid, pv_pfn_t pfn,
	    bool readonly);
/*
 * Revoke a grant.  Returns 0, or EBUSY while the backend still has the
 * frame mapped: the reference, and the page, must not be reused yet.
 */
int	xen_gnttab_end(grant_ref_t ref);
/* The flags word, for tests and debugging. */
uint16_t xen_gnttab_flags(grant_ref_t ref);

/* Called once, from a task queue, when count references are free. */
struct xen_gnttab_waiter {
	TAILQ_ENTRY(xen_gnttab_waiter)	 w_link;
	void				(*w_fn)(void *arg);
	void				*w_arg;
	unsigned			 w_count;
	bool				 w_queued;
};

void	xen_gnttab_wait_free(struct xen_gnttab_waiter *w, unsigned count,
	    void (*fn)(void *), void *arg);
void	xen_gnttab_cancel_wait(struct xen_gnttab_waiter *w);

struct xen_gnttab_stats {
	unsigned	gs_frames;
	unsigned	gs_max_frames;
	unsigned	gs_free;	/* unreserved references */
	unsigned	gs_total;	/* usable references */
};

void	xen_gnttab_stats(struct xen_gnttab_stats *st);

#endif /* !_XENPV_GNTTAB_H_ */
