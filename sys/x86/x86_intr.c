/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Hardware interrupt sources: a vector from the IOAPIC (INTx) or from a
 * device's MSI/MSI-X message, delivering to one or more pv_intr handlers.
 *
 * The vector handler runs on whatever thread was interrupted, so it only
 * records the vector as pending, masks a level-triggered line and sends
 * the EOI.  The dispatcher thread, "intrd", turns pending vectors into
 * pv_intr_post() calls in thread context, where posting may take the
 * handler's mutex.  A level-triggered INTx line stays masked until every
 * handler sharing it has returned (pv_intr_set_done); the device has
 * deasserted it by then or it fires again at once, as it should.
 */
#include <errno.h>

#include <pv/atomic.h>
#include <pv/console.h>
#include <pv/intr.h>
#include <pv/mem.h>
#include <pv/panic.h>
#include <pv/thread.h>

#include "kern/md.h"
#include "x86/cpufunc.h"
#include "x86_var.h"

#define	ISRC_SHARE_MAX	8	/* handlers on one INTx line */

struct x86_isrc {
	unsigned	 is_vec;
	unsigned	 is_refs;
	bool		 is_intx;
	uint32_t	 is_gsi;
	unsigned	 is_nih;
	unsigned	 is_busy;	/* posted handlers yet to return */
	bool		 is_missed;	/* a message came before a handler */
	struct pv_intr	*is_ih[ISRC_SHARE_MAX];
};

static struct x86_isrc	*isrc_by_vec[256];
static uint64_t		 isrc_pending[4];	/* bit per vector */
static unsigned		 isrc_nbound;
static struct pv_thread	*intrd_td;

/* Interrupt context. */
void
isrc_vector_intr(void *arg, unsigned vec)
{
	struct x86_isrc *is = arg;

	if (is->is_intx)
		ioapic_mask(is->is_gsi, true);
	pv_fetch_or(&isrc_pending[vec / 64], 1ull << (vec % 64));
	sched_hwintr();
	lapic_eoi();
}

/* Called by the scheduler, interrupts disabled. */
void
intr_kick(void)
{
	sched_wakeup(&isrc_pending, true);
}

unsigned
intr_bound_count(void)
{
	return (isrc_nbound);
}

/* In a handler's interrupt thread, once the handler has returned. */
static void
isrc_intx_done(void *arg)
{
	struct x86_isrc *is = arg;
	uint64_t prev = intr_disable();

	if (is->is_busy > 0 && --is->is_busy == 0)
		ioapic_mask(is->is_gsi, false);
	intr_restore(prev);
}

static void
isrc_dispatch(struct x86_isrc *is)
{
	struct pv_intr *ih[ISRC_SHARE_MAX];
	unsigned i, n;
	uint64_t prev;

	prev = intr_disable();
	n = is->is_nih;
	for (i = 0; i < n; i++)
		ih[i] = is->is_ih[i];
	if (is->is_intx)
		is->is_busy = n;	/* none: the line stays masked */
	else if (n == 0)
		is->is_missed = true;
	intr_restore(prev);
	for (i = 0; i < n; i++)
		pv_intr_post(ih[i]);
}

static void
intrd(void *arg)
{
	uint64_t bits[4], prev;
	unsigned w, vec;
	bool any;

	(void)arg;
	for (;;) {
		prev = intr_disable();
		any = false;
		for (w = 0; w < 4; w++) {
			bits[w] = pv_xchg(&isrc_pending[w], 0);
			any |= bits[w] != 0;
		}
		if (!any)
			sched_sleep(&isrc_pending, "intrd", 0, NULL);
		intr_restore(prev);
		for (w = 0; w < 4; w++) {
			while (bits[w] != 0) {
				vec = w * 64 +
				    (unsigned)__builtin_ctzll(bits[w]);
				bits[w] &= bits[w] - 1;
				if (isrc_by_vec[vec] != NULL)
					isrc_dispatch(isrc_by_vec[vec]);
			}
		}
	}
}

int
intr_init(void)
{
	return (pv_thread_create(&intrd_td, "intrd", intrd, NULL));
}

static int
isrc_new(struct x86_isrc **isp)
{
	struct x86_isrc *is;
	unsigned vec;

	for (vec = VEC_DEV_FIRST; vec <= VEC_DEV_LAST; vec++) {
		if (isrc_by_vec[vec] == NULL)
			break;
	}
	if (vec > VEC_DEV_LAST)
		return (ENOSPC);
	is = pv_malloc(sizeof(*is), PV_M_ZERO | PV_M_NOWAIT);
	if (is == NULL)
		return (ENOMEM);
	is->is_vec = vec;
	is->is_refs = 1;
	isrc_by_vec[vec] = is;
	vec_set_handler(vec, isrc_vector_intr, is);
	*isp = is;
	return (0);
}

int
isrc_alloc_msi(struct x86_isrc **isp)
{
	return (isrc_new(isp));
}

/* One source per line, shared by every device wired to it. */
int
isrc_get_intx(struct x86_isrc **isp, uint32_t gsi, bool level,
    bool active_low)
{
	struct x86_isrc *is;
	unsigned vec;
	int error;

	for (vec = VEC_DEV_FIRST; vec <= VEC_DEV_LAST; vec++) {
		is = isrc_by_vec[vec];
		if (is != NULL && is->is_intx && is->is_gsi == gsi) {
			is->is_refs++;
			*isp = is;
			return (0);
		}
	}
	if ((error = isrc_new(&is)) != 0)
		return (error);
	is->is_intx = true;
	is->is_gsi = gsi;
	/* Routed masked; the first handler unmasks it. */
	if ((error = ioapic_route(gsi, is->is_vec, level, active_low)) != 0) {
		isrc_release(is);
		return (error);
	}
	*isp = is;
	return (0);
}

void
isrc_release(struct x86_isrc *is)
{
	if (--is->is_refs > 0)
		return;
	if (is->is_intx)
		ioapic_mask(is->is_gsi, true);
	vec_set_handler(is->is_vec, NULL, NULL);
	isrc_by_vec[is->is_vec] = NULL;
	pv_free(is);
}

unsigned
isrc_vector(const struct x86_isrc *is)
{
	return (is->is_vec);
}

int
isrc_add(struct x86_isrc *is, struct pv_intr *ih)
{
	uint64_t prev;

	if (is->is_nih == ISRC_SHARE_MAX)
		return (ENOSPC);
	if (is->is_intx)
		pv_intr_set_done(ih, isrc_intx_done, is);
	prev = intr_disable();
	is->is_ih[is->is_nih++] = ih;
	isrc_nbound++;
	if (is->is_intx && is->is_nih == 1)
		ioapic_mask(is->is_gsi, false);
	/* An edge that found no handler is delivered now. */
	if (is->is_missed) {
		is->is_missed = false;
		pv_fetch_or(&isrc_pending[is->is_vec / 64],
		    1ull << (is->is_vec % 64));
		sched_hwintr();
	}
	intr_restore(prev);
	return (0);
}

void
isrc_remove(struct x86_isrc *is, struct pv_intr *ih)
{
	uint64_t prev;
	unsigned i;

	prev = intr_disable();
	for (i = 0; i < is->is_nih; i++) {
		if (is->is_ih[i] != ih)
			continue;
		is->is_ih[i] = is->is_ih[--is->is_nih];
		isrc_nbound--;
		break;
	}
	if (is->is_intx && is->is_nih == 0)
		ioapic_mask(is->is_gsi, true);
	intr_restore(prev);
	if (is->is_intx)
		pv_intr_set_done(ih, NULL, NULL);
}
