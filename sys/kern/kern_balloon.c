/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The balloon core.  One worker thread per balloon moves the size towards
 * the target one batch at a time.  When the guest has no page to give or
 * the host takes less than it was offered, the worker backs off,
 * doubling the wait up to hw.balloon.backoff_max_ms, and tries again: a
 * target may be reachable later, when memory is freed or the host has
 * room.  A new target ends the wait at once.
 *
 * The pages in the balloon are the host's: the core keeps only their
 * addresses, in chunks of its own memory, never in the pages themselves.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/balloon.h>
#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/sysctl.h>
#include <pv/thread.h>
#include <pv/time.h>

#define	CHUNK_PAGES	510

/* The addresses of ballooned pages, a stack of chunks. */
struct bchunk {
	struct bchunk	*bc_next;
	unsigned	 bc_n;
	void		*bc_va[CHUNK_PAGES];
};

struct pv_balloon {
	char			 b_name[16];
	const struct pv_balloon_ops *b_ops;
	void			*b_sc;
	unsigned		 b_batch;
	struct pv_mtx		 b_mtx;
	struct pv_thread	*b_td;
	bool			 b_stop;
	uint64_t		 b_target;
	uint64_t		 b_gen;		/* bumped by each new target */
	struct bchunk		*b_pages;
	pv_pfn_t		*b_pfns;	/* one batch, worker's */
	void			**b_vas;
	struct pv_balloon_stats	 b_st;
	struct pv_ctl		*b_ctl;
};

static uint32_t	balloon_backoff_max_ms;
static uint32_t	balloon_reserve_pct;

static const struct pv_tunable balloon_tunable_list[] = {
	{ "backoff_max_ms", &balloon_backoff_max_ms, 3200, 10, 600000,
	    "longest wait before trying again after a refusal" },
	/* Never give away the guest's last pages: a host may ask for all. */
	{ "reserve_pct", &balloon_reserve_pct, 5, 0, 50,
	    "percent of RAM the balloon leaves free whatever the target" },
};
PV_TUNABLES(balloon_tunables, "hw.balloon", balloon_tunable_list);

void
pv_balloon_init(void)
{
	pv_ctl_tunables(&balloon_tunables);
	(void)pv_ctl_node(pv_ctl_node(NULL, "dev"), "balloon");
}

/* Keep a page's address; the balloon is locked. */
static int
push_page(struct pv_balloon *b, void *va)
{
	struct bchunk *c = b->b_pages;

	if (c == NULL || c->bc_n == CHUNK_PAGES) {
		if ((c = pv_malloc(sizeof(*c), PV_M_NOWAIT)) == NULL)
			return (ENOMEM);
		c->bc_n = 0;
		c->bc_next = b->b_pages;
		b->b_pages = c;
	}
	c->bc_va[c->bc_n++] = va;
	return (0);
}

static void *
pop_page(struct pv_balloon *b)
{
	struct bchunk *c = b->b_pages;
	void *va;

	if (c == NULL)
		return (NULL);
	va = c->bc_va[--c->bc_n];
	if (c->bc_n == 0) {
		b->b_pages = c->bc_next;
		pv_free(c);
	}
	return (va);
}

/* Give up to n pages; returns how many went.  Unlocked. */
static unsigned
balloon_inflate(struct pv_balloon *b, unsigned n, bool *refusedp)
{
	struct pv_memstats ms;
	uint64_t reserve;
	unsigned got, done = 0, i;
	int error;

	pv_mem_stats(&ms);
	reserve = ms.ms_pages_total * balloon_reserve_pct / 100;
	if (ms.ms_pages_free <= reserve)
		n = 0;
	else if (ms.ms_pages_free - reserve < n)
		n = (unsigned)(ms.ms_pages_free - reserve);
	for (got = 0; got < n; got++) {
		/* Never wait for memory: giving it away must not starve. */
		if ((b->b_vas[got] = pv_page_alloc(PV_M_NOWAIT, NULL)) == NULL)
			break;
		b->b_pfns[got] = pv_atop(pv_vtophys(b->b_vas[got]));
	}
	if (got < n || n == 0) {
		pv_mtx_lock(&b->b_mtx);
		b->b_st.bs_alloc_fails++;
		pv_mtx_unlock(&b->b_mtx);
		*refusedp = true;
	}
	if (got > 0) {
		error = b->b_ops->bo_inflate(b->b_sc, b->b_pfns, got, &done);
		if (done > got)
			done = 0;	/* a transport bug: believe nothing */
		if (error != 0 || done < got)
			*refusedp = true;
	}
	pv_mtx_lock(&b->b_mtx);
	for (i = 0; i < done; i++) {
		if (push_page(b, b->b_vas[i]) != 0) {
			/* Nowhere to note it: the host keeps it for good. */
			pv_log(PV_LOG_ERR, b->b_name, "no memory to track "
			    "a ballooned page; it stays given");
		}
	}
	b->b_st.bs_size += done;
	b->b_st.bs_inflated += done;
	if (got > 0 && done < got)
		b->b_st.bs_host_refusals++;
	pv_mtx_unlock(&b->b_mtx);
	/* What the host did not take was never given. */
	for (i = done; i < got; i++)
		pv_page_free(b->b_vas[i]);
	return (done);
}

/* Take back up to n pages; returns how many came back.  Unlocked. */
static unsigned
balloon_deflate(struct pv_balloon *b, unsigned n, bool *refusedp)
{
	unsigned got, done = 0, i;
	int error;

	pv_mtx_lock(&b->b_mtx);
	for (got = 0; got < n; got++) {
		if ((b->b_vas[got] = pop_page(b)) == NULL)
			break;
		b->b_pfns[got] = pv_atop(pv_vtophys(b->b_vas[got]));
	}
	pv_mtx_unlock(&b->b_mtx);
	if (got == 0)
		return (0);
	error = b->b_ops->bo_deflate(b->b_sc, b->b_pfns, got, &done);
	if (done > got)
		done = 0;
	if (error != 0 || done < got)
		*refusedp = true;
	pv_mtx_lock(&b->b_mtx);
	/* Those the host kept stay in the balloon, in the same order. */
	for (i = got; i > done; i--)
		(void)push_page(b, b->b_vas[i - 1]);
	b->b_st.bs_size -= done;
	b->b_st.bs_deflated += done;
	if (done < got)
		b->b_st.bs_host_refusals++;
	pv_mtx_unlock(&b->b_mtx);
	for (i = 0; i < done; i++)
		pv_page_free(b->b_vas[i]);
	return (done);
}

static void
balloon_report(struct pv_balloon *b)
{
	uint64_t size;

	if (b->b_ops->bo_report == NULL)
		return;
	pv_mtx_lock(&b->b_mtx);
	size = b->b_st.bs_size;
	pv_mtx_unlock(&b->b_mtx);
	b->b_ops->bo_report(b->b_sc, size);
}

static void
balloon_worker(void *arg)
{
	struct pv_balloon *b = arg;
	uint64_t backoff = 0, gen, size, target, n;
	bool refused;
	unsigned moved;

	pv_mtx_lock(&b->b_mtx);
	while (!b->b_stop) {
		size = b->b_st.bs_size;
		target = b->b_target;
		if (size == target) {
			backoff = 0;
			pv_wakeup(&b->b_st);
			pv_sleep(b, &b->b_mtx, "balloon", 0);
			continue;
		}
		gen = b->b_gen;
		pv_mtx_unlock(&b->b_mtx);
		refused = false;
		n = pv_min(size < target ? target - size : size - target,
		    (uint64_t)b->b_batch);
		moved = size < target ?
		    balloon_inflate(b, (unsigned)n, &refused) :
		    balloon_deflate(b, (unsigned)n, &refused);
		if (moved > 0)
			balloon_report(b);
		pv_mtx_lock(&b->b_mtx);
		if (!refused) {
			backoff = 0;
			continue;
		}
		/* Wait, longer each time, unless the target moves. */
		backoff = backoff == 0 ? 10 : pv_min(backoff * 2,
		    (uint64_t)balloon_backoff_max_ms);
		b->b_st.bs_backoffs++;
		pv_wakeup(&b->b_st);
		if (b->b_gen == gen && !b->b_stop)
			pv_sleep(b, &b->b_mtx, "bbackoff",
			    backoff * PV_NS_PER_MS);
	}
	pv_mtx_unlock(&b->b_mtx);
}

static void
balloon_counters(struct pv_balloon *b)
{
	struct pv_ctl *n;

	n = pv_ctl_node(pv_ctl_node(pv_ctl_node(NULL, "dev"), "balloon"),
	    b->b_name);
	if ((b->b_ctl = n) == NULL)
		return;
	pv_ctl_counter(n, "target", &b->b_target, "pages the host asks for");
	pv_ctl_counter(n, "size", &b->b_st.bs_size, "pages held");
	pv_ctl_counter(n, "inflated", &b->b_st.bs_inflated, "pages given");
	pv_ctl_counter(n, "deflated", &b->b_st.bs_deflated,
	    "pages taken back");
	pv_ctl_counter(n, "alloc_fails", &b->b_st.bs_alloc_fails,
	    "batches short of free pages");
	pv_ctl_counter(n, "host_refusals", &b->b_st.bs_host_refusals,
	    "batches the host took only in part");
	pv_ctl_counter(n, "backoffs", &b->b_st.bs_backoffs,
	    "waits before trying again");
}

int
pv_balloon_create(struct pv_balloon **bp, const char *name,
    const struct pv_balloon_ops *ops, void *sc, unsigned batch)
{
	struct pv_balloon *b;
	int error;

	if (batch == 0 || ops->bo_inflate == NULL || ops->bo_deflate == NULL)
		return (EINVAL);
	pv_balloon_init();
	if ((b = pv_malloc(sizeof(*b), PV_M_ZERO | PV_M_NOWAIT)) == NULL)
		return (ENOMEM);
	pv_strlcpy(b->b_name, name, sizeof(b->b_name));
	b->b_ops = ops;
	b->b_sc = sc;
	b->b_batch = batch;
	b->b_pfns = pv_malloc(batch * sizeof(*b->b_pfns), PV_M_NOWAIT);
	b->b_vas = pv_malloc(batch * sizeof(*b->b_vas), PV_M_NOWAIT);
	if (b->b_pfns == NULL || b->b_vas == NULL) {
		error = ENOMEM;
		goto fail;
	}
	pv_mtx_init(&b->b_mtx, "balloon");
	balloon_counters(b);
	if ((error = pv_thread_create(&b->b_td, b->b_name, balloon_worker,
	    b)) != 0)
		goto fail_mtx;
	*bp = b;
	return (0);
fail_mtx:
	if (b->b_ctl != NULL)
		pv_ctl_remove(b->b_ctl);
	pv_mtx_destroy(&b->b_mtx);
fail:
	pv_free(b->b_pfns);
	pv_free(b->b_vas);
	pv_free(b);
	return (error);
}

void
pv_balloon_destroy(struct pv_balloon *b)
{
	bool refused = false;
	uint64_t left;

	pv_mtx_lock(&b->b_mtx);
	b->b_stop = true;
	pv_wakeup(b);
	pv_mtx_unlock(&b->b_mtx);
	pv_thread_join(b->b_td);
	/* Everything back, while the host lets us. */
	while (b->b_st.bs_size > 0 && !refused)
		(void)balloon_deflate(b, b->b_batch, &refused);
	if (b->b_st.bs_size > 0)
		balloon_report(b);
	if ((left = b->b_st.bs_size) > 0) {
		pv_log(PV_LOG_WARNING, b->b_name, "the host kept %ju pages; "
		    "they stay out of the allocator", (uintmax_t)left);
		while (pop_page(b) != NULL)
			;
	}
	if (b->b_ctl != NULL)
		pv_ctl_remove(b->b_ctl);
	pv_mtx_destroy(&b->b_mtx);
	pv_free(b->b_pfns);
	pv_free(b->b_vas);
	pv_free(b);
}

void
pv_balloon_set_target(struct pv_balloon *b, uint64_t pages)
{
	pv_mtx_lock(&b->b_mtx);
	if (pages != b->b_target)
		pv_log(PV_LOG_INFO, b->b_name, "target %ju pages (%ju MiB), "
		    "holding %ju", (uintmax_t)pages,
		    (uintmax_t)(pages >> (20 - PV_PAGE_SHIFT)),
		    (uintmax_t)b->b_st.bs_size);
	b->b_target = pages;
	b->b_gen++;
	pv_wakeup(b);
	pv_mtx_unlock(&b->b_mtx);
}

void
pv_balloon_stats(struct pv_balloon *b, struct pv_balloon_stats *st)
{
	pv_mtx_lock(&b->b_mtx);
	*st = b->b_st;
	st->bs_target = b->b_target;
	pv_mtx_unlock(&b->b_mtx);
}

int
pv_balloon_wait(struct pv_balloon *b, uint64_t timeout_ns)
{
	uint64_t end = pv_uptime_ns() + timeout_ns, now;
	int error = 0;

	pv_mtx_lock(&b->b_mtx);
	while (b->b_st.bs_size != b->b_target) {
		now = pv_uptime_ns();
		if (now >= end) {
			error = ETIMEDOUT;
			break;
		}
		(void)pv_sleep(&b->b_st, &b->b_mtx, "bwait", end - now);
	}
	pv_mtx_unlock(&b->b_mtx);
	return (error);
}
