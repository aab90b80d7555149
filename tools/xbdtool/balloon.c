/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xbdtool balloon SECONDS: the Xen balloon in a hosted domain.  It
 * follows memory/target (xensim-ctl mem-set) until SECONDS pass or a
 * SIGTERM or SIGINT comes, says on standard error each time the balloon
 * reaches a target and what the hypervisor then counts as our pages, and
 * ends with the balloon's counters on standard output.  As a whole
 * domain would, it also answers control/shutdown, and says when a
 * poweroff or reboot came (the signal, as xl destroy, still ends it).  After the detach
 * every ballooned page must be back in the allocator, or it says LEAK and
 * fails.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <xen/memory.h>

#include <pv/atomic.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/time.h>
#include <xenpv/balloon.h>
#include <xenpv/control.h>
#include <xenpv/hypervisor.h>

#include "xbdtool.h"

/* How often the loop looks at the balloon: well under a test's patience. */
#define	BALLOON_POLL_MS	20

static unsigned	stop_req;	/* 1 + enum xen_control_req; 0: none */

static void
control(enum xen_control_req req, void *arg)
{
	(void)arg;
	pv_store_rel(&stop_req, 1 + (unsigned)req);
}

static long
reservation(void)
{
	domid_t self = DOMID_SELF;

	return (HYPERVISOR_memory_op(XENMEM_current_reservation, &self));
}

/*
 * The hosted platform's RAM is a memfd the host fills only as pages are
 * first written.  Write every free page once, so that what the balloon
 * gives back shows in the host's count of the memfd's blocks.
 */
static uint64_t
fault_in(void)
{
	void *head = NULL, *va;
	uint64_t n = 0;

	while ((va = pv_page_alloc(PV_M_NOWAIT, NULL)) != NULL) {
		memset(va, 0x5a, PV_PAGE_SIZE);
		*(void **)va = head;
		head = va;
		n++;
	}
	while ((va = head) != NULL) {
		head = *(void **)va;
		pv_page_free(va);
	}
	return (n);
}

void
xbdtool_balloon_signals(void)
{
	sigset_t set;

	/* Before any thread starts, so that all of them leave it to us. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	(void)pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* Log what changed since the last look. */
static void
follow(struct xen_balloon *sc, struct xen_balloon_stats *last,
    bool *reachedp)
{
	struct xen_balloon_stats st;

	xen_balloon_stats(sc, &st);
	if (st.xs_core.bs_target != last->xs_core.bs_target) {
		fprintf(stderr, "xbdtool: balloon: target %ju pages "
		    "(memory/target %ju KiB)\n",
		    (uintmax_t)st.xs_core.bs_target,
		    (uintmax_t)st.xs_target_kib);
		*reachedp = false;
	}
	if (st.xs_bad_targets != last->xs_bad_targets)
		fprintf(stderr, "xbdtool: balloon: %ju bad targets\n",
		    (uintmax_t)st.xs_bad_targets);
	if (!*reachedp && st.xs_core.bs_size == st.xs_core.bs_target) {
		fprintf(stderr, "xbdtool: balloon: reached %ju pages; "
		    "reservation %ld pages\n", (uintmax_t)st.xs_core.bs_size,
		    reservation());
		*reachedp = true;
	}
	*last = st;
}

int
xbdtool_balloon(const struct xbdtool_args *a)
{
	struct pv_memstats before, after;
	struct xen_balloon_stats last;
	struct xen_balloon *sc;
	struct timespec poll = { 0, BALLOON_POLL_MS * 1000000L };
	uint64_t secs, end;
	bool reached = false;
	sigset_t set;
	int error, rc, sig;

	if (a->argc != 1 || pv_strtou64(a->argv[0], 3600, &secs) != 0) {
		fprintf(stderr, "xbdtool: balloon SECONDS: one number\n");
		return (2);
	}
	fprintf(stderr, "xbdtool: balloon: wrote %ju free pages; "
	    "reservation %ld pages\n", (uintmax_t)fault_in(), reservation());
	/* What lives as long as the kernel is not the balloon's to return. */
	pv_balloon_init();
	pv_mem_stats(&before);
	if ((error = xen_balloon_attach(&sc)) != 0) {
		fprintf(stderr, "xbdtool: balloon: %s\n", strerror(error));
		return (1);
	}
	if ((error = xen_control_attach(control, NULL)) != 0)
		fprintf(stderr, "xbdtool: balloon: control/shutdown: %s\n",
		    strerror(error));
	memset(&last, 0, sizeof(last));
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	fprintf(stderr, "xbdtool: balloon: following memory/target for up "
	    "to %ju s\n", (uintmax_t)secs);
	end = pv_uptime_ns() + secs * PV_NS_PER_SEC;
	for (;;) {
		follow(sc, &last, &reached);
		if (pv_uptime_ns() >= end)
			break;
		if ((sig = (int)pv_load_acq(&stop_req)) != 0) {
			/* As a domain shut down and kept: until destroyed. */
			fprintf(stderr, "xbdtool: balloon: the toolstack asks "
			    "for a %s; waiting to be destroyed\n",
			    sig - 1 == XEN_CONTROL_REBOOT ? "reboot" :
			    "poweroff");
			pv_store_rel(&stop_req, 0);
		}
		if ((sig = sigtimedwait(&set, NULL, &poll)) > 0) {
			fprintf(stderr, "xbdtool: balloon: %s\n",
			    strsignal(sig));
			break;
		}
	}
	follow(sc, &last, &reached);
	printf("balloon: target %ju pages, size %ju pages, inflated %ju, "
	    "deflated %ju, host refusals %ju, allocation failures %ju, "
	    "backoffs %ju, bad targets %ju\n",
	    (uintmax_t)last.xs_core.bs_target, (uintmax_t)last.xs_core.bs_size,
	    (uintmax_t)last.xs_core.bs_inflated,
	    (uintmax_t)last.xs_core.bs_deflated,
	    (uintmax_t)last.xs_core.bs_host_refusals,
	    (uintmax_t)last.xs_core.bs_alloc_fails,
	    (uintmax_t)last.xs_core.bs_backoffs,
	    (uintmax_t)last.xs_bad_targets);
	xen_balloon_detach(sc);
	pv_mem_stats(&after);
	printf("balloon: after detach: reservation %ld pages of %ju\n",
	    reservation(), (uintmax_t)last.xs_base_pages);
	rc = xbdtool_leaked(&before, &after, 0) ? 1 : 0;
	return (rc);
}
