/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The x86 platform's part of a self-test: the LAPIC timer ticks while
 * the kernel sleeps, a vector raised by the LAPIC reaches a pv_intr
 * handler through intrd, the identity map reaches the top of RAM; and a
 * deliberate exception, to prove that one is reported with a register
 * dump and ends the run as a failure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/console.h>
#include <pv/intr.h>
#include <pv/machine.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/time.h>

#include "x86_var.h"

#define	CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		snprintf(why, whylen, __VA_ARGS__);			\
		return (EIO);						\
	}								\
} while (0)

static struct {
	struct pv_mtx	xs_mtx;
	uint64_t	xs_intr_calls;
} xst;

static void
intr_fn(void *arg)
{
	(void)arg;
	pv_mtx_lock(&xst.xs_mtx);
	xst.xs_intr_calls++;
	pv_wakeup(&xst.xs_intr_calls);
	pv_mtx_unlock(&xst.xs_mtx);
}

/* A vector raised by the LAPIC, through intrd, to a pv_intr handler. */
static int
test_intr(char *why, size_t whylen)
{
	struct x86_isrc *is;
	struct pv_intr *ih;
	unsigned vec;
	int error, i;

	error = pv_intr_establish(&ih, "selftest", intr_fn, NULL);
	CHECK(error == 0, "pv_intr_establish: error %d", error);
	error = isrc_alloc_msi(&is);
	CHECK(error == 0, "isrc_alloc_msi: error %d", error);
	error = isrc_add(is, ih);
	CHECK(error == 0, "isrc_add: error %d", error);
	xst.xs_intr_calls = 0;
	for (i = 0; i < 3; i++) {
		lapic_self_ipi(isrc_vector(is));
		pv_mtx_lock(&xst.xs_mtx);
		error = 0;
		while (xst.xs_intr_calls <= (uint64_t)i && error == 0)
			error = pv_sleep(&xst.xs_intr_calls, &xst.xs_mtx, "intr",
			    PV_NS_PER_SEC);
		pv_mtx_unlock(&xst.xs_mtx);
		CHECK(error == 0, "interrupt %d not delivered", i);
	}
	vec = isrc_vector(is);
	isrc_remove(is, ih);
	isrc_release(is);
	pv_intr_disestablish(ih);
	pv_printf("selftest: vector %u to a pv_intr handler, 3 times: ok\n",
	    vec);
	return (0);
}

/*
 * The last page of RAM (above 4 GiB in a large guest) is mapped: read and
 * restore a word of it, through the allocator's own translation.
 */
static bool
top_page_check(void)
{
	uint64_t top = 0, end;
	volatile uint64_t *p;
	uint64_t v;
	unsigned i;

	for (i = 0; i < mem_map_count; i++) {
		end = mem_map[i].addr + mem_map[i].size;
		if (mem_map[i].type == XEN_HVM_MEMMAP_TYPE_RAM && end > top)
			top = end;
	}
	p = pv_phystov((top & ~(uint64_t)PV_PAGE_MASK) - PV_PAGE_SIZE);
	if (p == NULL)
		return (false);
	v = *p;
	*p = ~v;
	if (*p != ~v)
		return (false);
	*p = v;
	return (true);
}


static int
test_timer(char *why, size_t whylen)
{
	uint64_t ticks0 = lapic_timer_count();

	pv_pause("ticks", 10 * PV_NS_PER_MS);
	CHECK(lapic_timer_count() > ticks0, "no timer interrupt while idle");
	pv_printf("selftest: %ju timer interrupts while asleep: ok\n",
	    (uintmax_t)(lapic_timer_count() - ticks0));
	return (0);
}

static int
test_identity(char *why, size_t whylen)
{
	pv_pfn_t pfn;
	void *va;

	va = pv_page_alloc(PV_M_NOWAIT, &pfn);
	CHECK(va != NULL, "no page");
	pv_page_free(va);
	CHECK(pv_ptoa(pfn) == (pv_paddr_t)(uintptr_t)va,
	    "page %p has frame %#jx: not identity mapped", va,
	    (uintmax_t)pfn);
	CHECK(top_page_check(), "the highest RAM page is not reachable");
	return (0);
}

int
x86_selftest(char *why, size_t whylen)
{
	int error;

	pv_mtx_init(&xst.xs_mtx, "x86test");
	if ((error = test_timer(why, whylen)) == 0 &&
	    (error = test_intr(why, whylen)) == 0)
		error = test_identity(why, whylen);
	pv_mtx_destroy(&xst.xs_mtx);
	return (error);
}

int
x86_fault(char *why, size_t whylen)
{
	char kind[8];
	volatile uint64_t *bad = (volatile uint64_t *)0x7ff000000000ull;
	volatile int zero = 0;

	if (cmdline_get("fault", kind, sizeof(kind)) == NULL)
		snprintf(kind, sizeof(kind), "pf");
	pv_printf("fault: taking a deliberate %s\n", kind);
	if (strcmp(kind, "ud") == 0)
		__asm__ volatile("ud2");
	else if (strcmp(kind, "de") == 0)
		pv_printf("%d\n", 1 / zero);
	else
		*bad = 1;	/* no mapping above 4 GiB there: #PF */
	snprintf(why, whylen, "the deliberate %s did not trap", kind);
	return (EFAULT);
}
