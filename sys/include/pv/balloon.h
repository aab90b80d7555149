/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The balloon: guest pages given back to the host, and taken back.
 *
 * The core owns everything that belongs to "a balloon" rather than to a
 * host's interface: the target, the pages in the balloon, batching, the
 * worker that moves towards the target, backoff when memory or the host
 * says no, and the counters.  A transport (virtio-balloon's queues, Xen's
 * memory reservation) only tells the host about one batch of frames.
 *
 * Sizes are in pages of PV_PAGE_SIZE.  "Size" is how many pages the
 * balloon holds, that is, how many the guest has given up.
 */
#ifndef _PV_BALLOON_H_
#define _PV_BALLOON_H_

#include <stdint.h>

#include <pv/mem.h>

struct pv_balloon;

struct pv_balloon_ops {
	/*
	 * Give the host npfns frames, which the core took from the page
	 * allocator and will not touch.  *donep is how many the host took,
	 * from the front of the array; the rest are the guest's again.
	 * Called from the balloon's thread; may sleep.  An error stops the
	 * worker until the next backoff.
	 */
	int	(*bo_inflate)(void *sc, const pv_pfn_t *pfns, unsigned npfns,
		    unsigned *donep);
	/*
	 * Take frames back: when it returns, the first *donep are usable
	 * RAM again and go back to the allocator.
	 */
	int	(*bo_deflate)(void *sc, const pv_pfn_t *pfns, unsigned npfns,
		    unsigned *donep);
	/* The balloon's size changed (virtio's "actual"); may be NULL. */
	void	(*bo_report)(void *sc, uint64_t size);
};

/*
 * Register the balloon tunables (hw.balloon.*) and counters' node, once
 * for the life of the kernel; pv_balloon_create does it if nobody did.
 */
void	pv_balloon_init(void);
/*
 * A balloon with its worker thread.  batch: most frames per transport
 * call.  It starts empty with a target of 0.
 */
int	pv_balloon_create(struct pv_balloon **bp, const char *name,
	    const struct pv_balloon_ops *ops, void *sc, unsigned batch);
/*
 * Stop the worker and give every page back (deflate); pages the host
 * would not return stay allocated, and the log says how many.
 */
void	pv_balloon_destroy(struct pv_balloon *b);

/* How many pages the host wants the balloon to hold. */
void	pv_balloon_set_target(struct pv_balloon *b, uint64_t pages);

struct pv_balloon_stats {
	uint64_t	bs_target;
	uint64_t	bs_size;	/* pages held now */
	uint64_t	bs_inflated;	/* pages given, in all */
	uint64_t	bs_deflated;	/* pages taken back, in all */
	uint64_t	bs_alloc_fails;	/* the guest had no page to give */
	uint64_t	bs_host_refusals; /* batches the host took in part */
	uint64_t	bs_backoffs;
};

void	pv_balloon_stats(struct pv_balloon *b, struct pv_balloon_stats *st);
/*
 * Wait until the size reaches the target, or timeout_ns passes; 0 or
 * ETIMEDOUT.  For tools and tests.
 */
int	pv_balloon_wait(struct pv_balloon *b, uint64_t timeout_ns);

#endif /* !_PV_BALLOON_H_ */
