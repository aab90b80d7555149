/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Grant tables, version 1.  The guest registers its grant frames with
 * XENMEM_add_to_physmap(XENMAPSPACE_grant_table), as an HVM guest does,
 * and writes entries there itself.  A map checks the entry as Xen's
 * _set_status_v1 does, with one compare-and-swap on the flags and domid
 * the guest may be changing at the same moment: the entry must permit
 * access, name the mapping domain, and allow writing unless the map is
 * read-only.  While any map is live the entry carries GTF_reading (and
 * GTF_writing), which is how the guest learns its grant is still in use.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <xen/grant_table.h>

#include <pv/libkern.h>

#include "domain.h"
#include "xensim.h"

#define	PIN_RO	0x0001
#define	PIN_RW	0x0100

/*
 * Xen's gnttab_max_frames boot option.  A small table is how a test runs
 * a frontend out of grant references.
 */
unsigned	gnttab_max_frames = GNTTAB_MAX_FRAMES;

/* -o gnttab.frames-log=PATH: every frame mapped, "DOMID FRAME" a line. */
static FILE	*gnttab_frames_log;

int
gnttab_option(const char *kv, char *err, size_t errlen)
{
	static const char key[] = "max-frames=", logkey[] = "frames-log=";
	uint64_t v;

	if (strncmp(kv, logkey, sizeof(logkey) - 1) == 0) {
		if (gnttab_frames_log != NULL)
			fclose(gnttab_frames_log);
		if ((gnttab_frames_log = fopen(kv + sizeof(logkey) - 1,
		    "w")) == NULL) {
			snprintf(err, errlen, "gnttab.%s: %s", kv,
			    strerror(errno));
			return (EINVAL);
		}
		return (0);
	}
	if (strncmp(kv, key, sizeof(key) - 1) != 0) {
		snprintf(err, errlen, "unknown option \"gnttab.%.*s\"",
		    (int)strcspn(kv, "="), kv);
		return (EINVAL);
	}
	if (pv_strtou64(kv + sizeof(key) - 1, GNTTAB_MAX_FRAMES, &v) != 0 ||
	    v < 1) {
		snprintf(err, errlen, "gnttab.%s: expected a number from 1 to "
		    "%d", kv, GNTTAB_MAX_FRAMES);
		return (EINVAL);
	}
	gnttab_max_frames = (unsigned)v;
	return (0);
}

static grant_entry_v1_t *
entry_of(struct domain *d, uint32_t ref)
{
	grant_entry_v1_t *frame;

	if (ref >= d->d_gnt_frames * GNT_PER_FRAME)
		return (NULL);
	frame = domain_gfn(d, d->d_gnt_gfn[ref / GNT_PER_FRAME]);
	return (frame == NULL ? NULL : &frame[ref % GNT_PER_FRAME]);
}

int
gnttab_add_frame(struct domain *d, uint64_t idx, uint64_t gfn)
{
	if (idx >= d->d_gnt_max_frames || idx > d->d_gnt_frames)
		return (EINVAL);
	if (gfn - d->d_base_pfn >= d->d_ram_pages || gfn < d->d_base_pfn ||
	    domain_gfn(d, gfn) == NULL)
		return (EINVAL);
	d->d_gnt_gfn[idx] = gfn;
	if (idx == d->d_gnt_frames)
		d->d_gnt_frames++;
	return (0);
}

void *
gnttab_map(struct domain *d, uint32_t mapper, uint32_t ref, bool readonly,
    int *errorp)
{
	grant_entry_v1_t *e;
	uint32_t *combo, old, new;
	uint16_t flags;
	void *page;

	*errorp = EINVAL;
	if ((e = entry_of(d, ref)) == NULL)
		return (NULL);
	/* flags and domid are adjacent: swap them as one word. */
	combo = (uint32_t *)(void *)e;
	old = __atomic_load_n(combo, __ATOMIC_SEQ_CST);
	for (;;) {
		flags = (uint16_t)(old & 0xffff);
		if ((flags & GTF_type_mask) != GTF_permit_access ||
		    (old >> 16) != mapper) {
			*errorp = EACCES;
			return (NULL);
		}
		if (!readonly && (flags & GTF_readonly) != 0) {
			*errorp = EROFS;
			return (NULL);
		}
		new = old | GTF_reading | (readonly ? 0 : GTF_writing);
		if (__atomic_compare_exchange_n(combo, &old, new, false,
		    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			break;
	}
	if ((page = domain_gfn(d, __atomic_load_n(&e->frame,
	    __ATOMIC_SEQ_CST))) == NULL ||
	    e->frame - d->d_base_pfn >= d->d_ram_pages) {
		/* Only RAM can be granted; undo if we were the first. */
		if (d->d_gnt_pins[ref] == 0)
			__atomic_fetch_and(&e->flags,
			    (uint16_t)~(GTF_reading | GTF_writing),
			    __ATOMIC_SEQ_CST);
		*errorp = EFAULT;
		return (NULL);
	}
	d->d_gnt_pins[ref] += readonly ? PIN_RO : PIN_RW;
	/* What the backend could see, for a test to compare with the guest's. */
	if (gnttab_frames_log != NULL) {
		fprintf(gnttab_frames_log, "%u %#jx\n", d->d_domid,
		    (uintmax_t)e->frame);
		fflush(gnttab_frames_log);
	}
	*errorp = 0;
	return (page);
}

void
gnttab_unmap(struct domain *d, uint32_t ref, bool readonly)
{
	grant_entry_v1_t *e;
	uint16_t clear = 0;

	if ((e = entry_of(d, ref)) == NULL || d->d_gnt_pins[ref] == 0)
		return;
	d->d_gnt_pins[ref] -= readonly ? PIN_RO : PIN_RW;
	if ((d->d_gnt_pins[ref] & 0xff00) == 0)
		clear |= GTF_writing;
	if (d->d_gnt_pins[ref] == 0)
		clear |= GTF_reading;
	if (clear != 0)
		__atomic_fetch_and(&e->flags, (uint16_t)~clear,
		    __ATOMIC_SEQ_CST);
}

int
gnttab_op(struct domain *d, uint32_t cmd, void *arg, size_t len)
{
	struct gnttab_query_size *qs = arg;

	switch (cmd) {
	case GNTTABOP_query_size:
		if (len != sizeof(*qs))
			return (EINVAL);
		qs->nr_frames = d->d_gnt_frames;
		qs->max_nr_frames = d->d_gnt_max_frames;
		qs->status = GNTST_okay;
		return (0);
	}
	return (ENOSYS);
}
