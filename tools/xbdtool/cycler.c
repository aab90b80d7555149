/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * --suspend-every: a thread that suspends and resumes the disk, through
 * whichever driver holds it, while the workload runs.
 */
#include <stdio.h>
#include <string.h>

#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/thread.h>
#include <pv/time.h>

#include "xbdtool.h"

static void
cycler_run(void *arg)
{
	struct cycler *cy = arg;
	struct pv_mtx *m = cy->cy_mtx;
	unsigned requeued;
	int error;

	pv_mtx_lock(m);
	while (!cy->cy_stop) {
		pv_sleep(cy, m, "cycle", cy->cy_every_ns);
		if (cy->cy_stop)
			break;
		pv_mtx_unlock(m);
		requeued = 0;
		error = cy->cy_fn(cy->cy_arg, cy->cy_drain_ns, &requeued);
		pv_mtx_lock(m);
		if (error != 0) {
			cy->cy_error = error;
			break;
		}
		cy->cy_cycles++;
		cy->cy_requeued += requeued;
	}
	pv_mtx_unlock(m);
}

void
cycler_start(struct cycler *cy, uint64_t every_ms, uint64_t drain_ms,
    cycle_fn *fn, void *arg)
{
	memset(cy, 0, sizeof(*cy));
	if (every_ms == 0)
		return;
	cy->cy_fn = fn;
	cy->cy_arg = arg;
	cy->cy_every_ns = every_ms * PV_NS_PER_MS;
	cy->cy_drain_ns = drain_ms * PV_NS_PER_MS;
	cy->cy_mtx = pv_malloc(sizeof(struct pv_mtx), PV_M_ZERO);
	pv_mtx_init(cy->cy_mtx, "cycler");
	if (pv_thread_create(&cy->cy_td, "cycler", cycler_run, cy) != 0) {
		fprintf(stderr, "xbdtool: no thread for --suspend-every\n");
		cy->cy_td = NULL;
		cy->cy_error = 1;
	}
}

int
cycler_stop(struct cycler *cy)
{
	if (cy->cy_mtx == NULL)
		return (0);
	if (cy->cy_td != NULL) {
		pv_mtx_lock(cy->cy_mtx);
		cy->cy_stop = true;
		pv_wakeup(cy);
		pv_mtx_unlock(cy->cy_mtx);
		pv_thread_join(cy->cy_td);
	}
	pv_mtx_destroy(cy->cy_mtx);
	pv_free(cy->cy_mtx);
	cy->cy_mtx = NULL;
	fprintf(stderr, "xbdtool: %u suspend/resume cycles, %u requests "
	    "requeued\n", cy->cy_cycles, cy->cy_requeued);
	if (cy->cy_error != 0) {
		fprintf(stderr, "xbdtool: suspend/resume: %s\n",
		    strerror(cy->cy_error));
		return (1);
	}
	return (0);
}
