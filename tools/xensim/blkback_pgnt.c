/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Grant maps for data pages.  Without persistent grants each segment's
 * grant is mapped for its request and unmapped after, read-only when the
 * backend only reads the page.  With them (both ends offered
 * feature-persistent), a grant stays mapped until the ring disconnects
 * and its next use costs a lookup, as in Linux blkback.  Kept maps are
 * writable whatever the request, which blkif.h note 8 lets us ask of the
 * frontend; the table is bounded and, once full, further grants are
 * mapped per request as before.  It is an open-addressed table twice the
 * bound's size that only ever empties whole, at disconnect.
 */
#include <errno.h>
#include <stdlib.h>

#include "blkback.h"
#include "blkback_impl.h"
#include "domain.h"

int
pgnt_init(struct bb_ring *r)
{
	unsigned cap = 16;

	if (blkback_conf.bc_max_pgrants == 0)
		return (0);
	while (cap < 2 * blkback_conf.bc_max_pgrants)
		cap <<= 1;
	if ((r->r_pg = calloc(cap, sizeof(*r->r_pg))) == NULL)
		return (ENOMEM);
	r->r_pg_cap = cap;
	r->r_pg_count = 0;
	return (0);
}

/* gref's slot, or the free slot where it belongs. */
static struct bb_pgnt *
pgnt_slot(struct bb_ring *r, grant_ref_t gref)
{
	unsigned i = (gref * 2654435761u) & (r->r_pg_cap - 1);

	/* Fewer entries than slots: a free slot ends every search. */
	while (r->r_pg[i].pg_page != NULL && r->r_pg[i].pg_ref != gref)
		i = (i + 1) & (r->r_pg_cap - 1);
	return (&r->r_pg[i]);
}

void *
pgnt_map_once(struct bb_ring *r, grant_ref_t gref, bool readonly)
{
	struct domain *d = r->r_vbd->v_dom;
	void *page;
	int error;

	if ((page = gnttab_map(d, 0, gref, readonly, &error)) == NULL)
		return (NULL);
	r->r_maps[r->r_nmaps].m_ref = gref;
	r->r_maps[r->r_nmaps].m_readonly = readonly;
	r->r_nmaps++;
	r->r_st.st_maps++;
	return (page);
}

void *
pgnt_map(struct bb_ring *r, grant_ref_t gref, bool guest_write)
{
	struct domain *d = r->r_vbd->v_dom;
	struct bb_pgnt *pg;
	void *page;
	int error;

	if (r->r_pg == NULL)
		return (pgnt_map_once(r, gref, !guest_write));
	pg = pgnt_slot(r, gref);
	if (pg->pg_page != NULL) {
		r->r_st.st_pgnt_hits++;
		return (pg->pg_page);
	}
	if (r->r_pg_count >= blkback_conf.bc_max_pgrants) {
		r->r_st.st_pgnt_full++;
		return (pgnt_map_once(r, gref, !guest_write));
	}
	if ((page = gnttab_map(d, 0, gref, false, &error)) == NULL) {
		/* A frontend that granted read-only can still have writes. */
		if (error == EROFS && !guest_write)
			return (pgnt_map_once(r, gref, true));
		return (NULL);
	}
	pg->pg_ref = gref;
	pg->pg_page = page;
	r->r_pg_count++;
	r->r_st.st_pgnt_maps++;
	return (page);
}

void
pgnt_put_all(struct bb_ring *r)
{
	struct domain *d = r->r_vbd->v_dom;
	unsigned i;

	for (i = 0; i < r->r_nmaps; i++)
		gnttab_unmap(d, r->r_maps[i].m_ref, r->r_maps[i].m_readonly);
	r->r_nmaps = 0;
}

void
pgnt_flush(struct bb_ring *r)
{
	struct domain *d = r->r_vbd->v_dom;
	unsigned i;

	for (i = 0; r->r_pg != NULL && i < r->r_pg_cap; i++) {
		if (r->r_pg[i].pg_page == NULL)
			continue;
		gnttab_unmap(d, r->r_pg[i].pg_ref, false);
		r->r_pg[i].pg_page = NULL;
	}
	r->r_pg_count = 0;
}
