/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Guest RAM for a hosted kernel: one sealed-size memfd mapped shared.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <hosted/hosted.h>
#include <hosted/xensim_proto.h>

#include "hosted_var.h"
#include "kern/md.h"

static int	 mem_fd = -1;
static void	*mem_va;
static size_t	 mem_pages;
static pv_pfn_t	 mem_base;

void *
md_malloc(size_t size)
{
	return (malloc(size));
}

void
md_free(void *p)
{
	free(p);
}

/*
 * RAM is followed by the pages a hypervisor owns in an HVM guest's frame
 * space (xenstore ring, shared_info, console ring): xensim reaches them
 * at the same frame numbers through the same memfd.
 */
int
hosted_mem_init(size_t npages, pv_pfn_t base)
{
	size_t len = (npages + XENSIM_SPECIAL_PAGES) * PV_PAGE_SIZE;
	int error;

	mem_fd = memfd_create("pvkit-guest-ram", MFD_CLOEXEC);
	if (mem_fd < 0)
		return (errno);
	if (ftruncate(mem_fd, (off_t)len) != 0) {
		error = errno;
		goto fail_fd;
	}
	mem_va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mem_fd,
	    0);
	if (mem_va == MAP_FAILED) {
		error = errno;
		goto fail_fd;
	}
	mem_pages = npages;
	mem_base = base;
	if ((error = pv_physmem_add(mem_va, base, npages)) != 0 ||
	    (error = pv_physmem_add_reserved((char *)mem_va + npages *
	    PV_PAGE_SIZE, base + npages, XENSIM_SPECIAL_PAGES)) != 0)
		goto fail_map;
	return (0);
fail_map:
	munmap(mem_va, len);
	mem_va = NULL;
fail_fd:
	close(mem_fd);
	mem_fd = -1;
	return (error);
}

void
hosted_mem_fini(void)
{
	if (mem_va != NULL)
		munmap(mem_va, (mem_pages + XENSIM_SPECIAL_PAGES) *
		    PV_PAGE_SIZE);
	if (mem_fd >= 0)
		close(mem_fd);
	mem_va = NULL;
	mem_fd = -1;
}

int
pv_hosted_memfd(pv_pfn_t *basep, size_t *npagesp)
{
	if (basep != NULL)
		*basep = mem_base;
	if (npagesp != NULL)
		*npagesp = mem_pages;
	return (mem_fd);
}
