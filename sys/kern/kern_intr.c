/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Interrupt threads.  A post only sets a latch and wakes the thread, so a
 * bus may post from its lowest-level context; the handler itself always
 * runs in the thread, one call at a time.
 */
#include <errno.h>
#include <stdio.h>

#include <pv/intr.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/sysctl.h>
#include <pv/thread.h>

#include "kern/md.h"

struct pv_intr {
	struct pv_mtx		 ih_mtx;
	pv_intr_fn_t		*ih_fn;
	void			*ih_arg;
	void			(*ih_done)(void *);
	void			*ih_done_arg;
	struct pv_thread	*ih_td;
	struct pv_ctl		*ih_ctl;
	uint64_t		 ih_count;
	bool			 ih_posted;
	bool			 ih_masked;
	bool			 ih_dying;
	char			 ih_name[32];
};

static void
intr_thread(void *arg)
{
	struct pv_intr *ih = arg;

	pv_mtx_lock(&ih->ih_mtx);
	for (;;) {
		if (ih->ih_dying)
			break;
		if (!ih->ih_posted || ih->ih_masked) {
			pv_sleep(ih, &ih->ih_mtx, "intr", 0);
			continue;
		}
		ih->ih_posted = false;
		ih->ih_count++;
		pv_mtx_unlock(&ih->ih_mtx);
		ih->ih_fn(ih->ih_arg);
		if (ih->ih_done != NULL)
			ih->ih_done(ih->ih_done_arg);
		pv_mtx_lock(&ih->ih_mtx);
	}
	pv_mtx_unlock(&ih->ih_mtx);
}

int
pv_intr_establish(struct pv_intr **ihp, const char *name, pv_intr_fn_t *fn,
    void *arg)
{
	struct pv_intr *ih;
	int error;

	ih = pv_malloc(sizeof(*ih), PV_M_ZERO | PV_M_NOWAIT);
	if (ih == NULL)
		return (ENOMEM);
	snprintf(ih->ih_name, sizeof(ih->ih_name), "%s", name);
	pv_mtx_init(&ih->ih_mtx, ih->ih_name);
	ih->ih_fn = fn;
	ih->ih_arg = arg;
	error = pv_thread_create(&ih->ih_td, ih->ih_name, intr_thread, ih);
	if (error != 0)
		goto fail;
	/* The counter is a convenience; a name clash only loses it. */
	ih->ih_ctl = pv_ctl_counter(pv_ctl_node(NULL, "intr"), ih->ih_name,
	    &ih->ih_count, "handler calls");
	*ihp = ih;
	return (0);
fail:
	pv_mtx_destroy(&ih->ih_mtx);
	pv_free(ih);
	return (error);
}

void
pv_intr_disestablish(struct pv_intr *ih)
{
	pv_ctl_remove(ih->ih_ctl);
	pv_mtx_lock(&ih->ih_mtx);
	ih->ih_dying = true;
	pv_wakeup(ih);
	pv_mtx_unlock(&ih->ih_mtx);
	pv_thread_join(ih->ih_td);
	pv_mtx_destroy(&ih->ih_mtx);
	pv_free(ih);
}

void
pv_intr_post(struct pv_intr *ih)
{
	pv_mtx_lock(&ih->ih_mtx);
	ih->ih_posted = true;
	if (!ih->ih_masked)
		pv_wakeup(ih);
	pv_mtx_unlock(&ih->ih_mtx);
}

void
pv_intr_mask(struct pv_intr *ih)
{
	pv_mtx_lock(&ih->ih_mtx);
	ih->ih_masked = true;
	pv_mtx_unlock(&ih->ih_mtx);
}

void
pv_intr_unmask(struct pv_intr *ih)
{
	pv_mtx_lock(&ih->ih_mtx);
	ih->ih_masked = false;
	if (ih->ih_posted)
		pv_wakeup(ih);
	pv_mtx_unlock(&ih->ih_mtx);
}

void
pv_intr_set_done(struct pv_intr *ih, void (*fn)(void *), void *arg)
{
	pv_mtx_lock(&ih->ih_mtx);
	ih->ih_done = fn;
	ih->ih_done_arg = arg;
	pv_mtx_unlock(&ih->ih_mtx);
}

uint64_t
pv_intr_count(const struct pv_intr *ih)
{
	return (__atomic_load_n(&ih->ih_count, __ATOMIC_RELAXED));
}
