/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Domain lifetime.  A frontend's death is a domain's destruction: every
 * channel closes, xenstore forgets it and the toolstack removes its nodes,
 * as libxl does after `xl destroy`.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hosted/xensim_proto.h>

#include "domain.h"
#include "evloop.h"
#include "xensim.h"

struct domain	*domains[DOM_MAX];
static struct domain dom0;

struct domain *
domain_get(uint32_t domid)
{
	if (domid >= DOM_MAX || domains[domid] == NULL ||
	    !domains[domid]->d_live)
		return (NULL);
	return (domains[domid]);
}

void
domain_dom0_init(void)
{
	memset(&dom0, 0, sizeof(dom0));
	dom0.d_live = true;
	dom0.d_memfd = dom0.d_hv_fd = dom0.d_upcall_fd = dom0.d_bell_fd = -1;
	strcpy(dom0.d_name, "Domain-0");
	domains[0] = &dom0;
}

int
domain_create(uint32_t domid, const char *name, int memfd, uint64_t base_pfn,
    uint64_t ram_pages, int upcall_fd, struct domain **dp)
{
	struct domain *d;
	off_t size;
	int error;

	if (domid == 0 || domid >= DOM_MAX)
		return (EINVAL);
	if (domains[domid] != NULL)
		return (EEXIST);
	size = lseek(memfd, 0, SEEK_END);
	if (ram_pages == 0 || base_pfn == 0 || size < 0 ||
	    (uint64_t)size != (ram_pages + XENSIM_SPECIAL_PAGES) * 4096)
		return (EINVAL);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (ENOMEM);
	d->d_domid = domid;
	snprintf(d->d_name, sizeof(d->d_name), "%s", name);
	d->d_memfd = memfd;
	d->d_upcall_fd = upcall_fd;
	d->d_hv_fd = d->d_bell_fd = -1;
	d->d_base_pfn = base_pfn;
	d->d_ram_pages = ram_pages;
	d->d_mem_pages = ram_pages + XENSIM_SPECIAL_PAGES;
	d->d_mem = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
	    memfd, 0);
	if (d->d_mem == MAP_FAILED) {
		error = errno;
		d->d_mem = NULL;
		goto fail;
	}
	if ((d->d_populated = malloc(ram_pages)) == NULL) {
		error = ENOMEM;
		goto fail_map;
	}
	memset(d->d_populated, 1, ram_pages);
	d->d_tot_pages = d->d_max_pages = ram_pages;
	d->d_gnt_max_frames = gnttab_max_frames;
	d->d_gnt_pins = calloc(GNTTAB_MAX_FRAMES * GNT_PER_FRAME,
	    sizeof(*d->d_gnt_pins));
	if (d->d_gnt_pins == NULL) {
		error = ENOMEM;
		goto fail_pop;
	}
	d->d_shinfo = domain_gfn(d, base_pfn + ram_pages +
	    XENSIM_SPECIAL_SHINFO);
	memset(d->d_shinfo, 0, 4096);
	d->d_hvm_param[HVM_PARAM_STORE_PFN] = base_pfn + ram_pages +
	    XENSIM_SPECIAL_STORE;
	d->d_live = true;
	domains[domid] = d;
	if ((error = store_attach(d)) != 0)
		goto fail_table;
	if ((error = toolstack_domain_created(d)) != 0)
		goto fail_store;
	xensim_log("domain %u (%s) created: %ju pages at pfn %#jx, grant "
	    "table up to %u frames", domid, d->d_name, (uintmax_t)ram_pages,
	    (uintmax_t)base_pfn, d->d_gnt_max_frames);
	*dp = d;
	return (0);
fail_store:
	store_detach(d);
fail_table:
	domains[domid] = NULL;
	free(d->d_gnt_pins);
fail_pop:
	free(d->d_populated);
fail_map:
	munmap(d->d_mem, d->d_mem_pages * 4096);
fail:
	free(d);
	return (error);
}

void
domain_destroy(struct domain *d)
{
	/* A send rung before the end had happened, as a hypercall would. */
	doorbell_drain(d);
	xensim_log("domain %u (%s) destroyed: %ju hypercalls, %ju events in "
	    "%ju upcalls; sends %ju by hypercall, %ju by doorbell (%ju "
	    "wakeups, %ju refused)", d->d_domid, d->d_name,
	    (uintmax_t)d->d_hypercalls, (uintmax_t)d->d_notify_to,
	    (uintmax_t)d->d_upcalls,
	    (uintmax_t)d->d_sends_hc, (uintmax_t)d->d_sends_bell,
	    (uintmax_t)d->d_bell_wakeups, (uintmax_t)d->d_bells_refused);
	doorbell_detach(d);
	d->d_live = false;
	/* The ring connection first: the toolstack forgets the rest. */
	store_detach(d);
	toolstack_domain_gone(d);
	evtchn_close_all(d);
	evloop_del(d->d_hv_src);
	if (d->d_hv_fd >= 0)
		close(d->d_hv_fd);
	if (d->d_upcall_fd >= 0)
		close(d->d_upcall_fd);
	close(d->d_memfd);
	munmap(d->d_mem, d->d_mem_pages * 4096);
	domains[d->d_domid] = NULL;
	free(d->d_gnt_pins);
	free(d->d_populated);
	free(d);
}
