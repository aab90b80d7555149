/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The hosted platform: pvkit's kernel services inside a POSIX process.
 * Only hosted programs (tools, tests, xensim's peers) include this; drivers
 * never do.
 */
#ifndef _HOSTED_HOSTED_H_
#define _HOSTED_HOSTED_H_

#include <stdbool.h>
#include <stddef.h>

#include <pv/intr.h>
#include <pv/mem.h>

struct pv_hosted_conf {
	size_t		 hc_mem_pages;	/* guest RAM; 0 for the default */
	pv_pfn_t	 hc_base_pfn;	/* frame of the first RAM page */
	const char	*hc_tunables;	/* "a.b=1 c=2" presets, or NULL */
	bool		 hc_quiet;	/* message buffer only, no stderr */
};

#define	PV_HOSTED_MEM_PAGES	16384	/* 64 MiB */
#define	PV_HOSTED_BASE_PFN	0x100	/* RAM starts at 1 MiB, as on x86 */

/*
 * Bring the platform up.  PVKIT_TUNABLES in the environment adds presets
 * after the configured ones; PVKIT_QUIET=1 silences stderr.
 */
int	pv_hosted_init(const struct pv_hosted_conf *conf);
void	pv_hosted_fini(void);

/*
 * Guest RAM is one memfd, mapped shared, so that a peer process (xensim's
 * backend, a vhost-user device) can map the same frames: frame f lives at
 * file offset (f - base_pfn) * PV_PAGE_SIZE.
 */
int	pv_hosted_memfd(pv_pfn_t *basep, size_t *npagesp);

/*
 * Post ih whenever fd (an eventfd or a pipe) becomes readable; what is
 * readable is consumed.  Unbinding returns once no post is in progress.
 */
int	pv_hosted_intr_bind_fd(struct pv_intr *ih, int fd);
/*
 * Call fn in the poller thread itself instead, one call at a time: for a
 * handler that never sleeps and only turns shared state into posts, as
 * Xen's upcall does, where a thread of its own is one more wakeup.
 */
int	pv_hosted_intr_bind_fd_fn(int fd, pv_intr_fn_t *fn, void *arg);
void	pv_hosted_intr_unbind_fd(int fd);

#endif /* !_HOSTED_HOSTED_H_ */
