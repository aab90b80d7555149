/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Memory reservation against xensim: what a balloon will do.  Pages given
 * back become holes in guest RAM; they come back zeroed, and only as far
 * as the maximum that the toolstack's memory/target allows.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include <xen/memory.h>

#include <pv/mem.h>
#include <xenpv/hypervisor.h>

#include "lib/pvtest.h"
#include "lib/xensimtest.h"
#include "lib/xentest.h"

#define	RAM	512

static long
reservation(unsigned cmd, xen_pfn_t *frames, unsigned n)
{
	struct xen_memory_reservation r = {
		.nr_extents = n,
		.extent_order = 0,
		.domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, frames);
	return (HYPERVISOR_memory_op(cmd, &r));
}

static long
current(void)
{
	domid_t self = DOMID_SELF;

	return (HYPERVISOR_memory_op(XENMEM_current_reservation, &self));
}

ATF_TC_WITH_CLEANUP(decrease_then_populate);
ATF_TC_HEAD(decrease_then_populate, tc)
{
	atf_tc_set_md_var(tc, "descr", "pages leave, come back zeroed");
}
ATF_TC_BODY(decrease_then_populate, tc)
{
	xen_pfn_t frames[20];
	pv_pfn_t pfn;
	uint8_t *va;
	int i;

	pvtest_require_peer("xenstore-utils", "xenstore-write");
	xentest_up(tc, 5, RAM);
	ATF_REQUIRE_EQ(current(), RAM);
	va = pv_pages_alloc(20, PV_M_WAITOK, &pfn);
	memset(va, 0xa5, 20 * PV_PAGE_SIZE);
	for (i = 0; i < 20; i++)
		frames[i] = pfn + i;
	ATF_REQUIRE_EQ(reservation(XENMEM_decrease_reservation, frames, 20),
	    20);
	ATF_REQUIRE_EQ(current(), RAM - 20);
	/* Giving back a page twice stops at it. */
	ATF_REQUIRE_EQ(reservation(XENMEM_decrease_reservation, frames, 1),
	    0);
	/* Outside RAM is refused the same way. */
	frames[0] = 1;
	ATF_REQUIRE_EQ(reservation(XENMEM_decrease_reservation, frames, 1),
	    0);
	frames[0] = pfn;

	/* The toolstack lowers the target: the maximum follows. */
	ATF_REQUIRE(system("xenstore-write /local/domain/5/memory/target "
	    "1000") == 0);
	/* (1000 + 1024 KiB of libxl slack) / 4 = 506 pages: 14 may return. */
	{
		long got = reservation(XENMEM_populate_physmap, frames, 20);

		ATF_REQUIRE_EQ_MSG(got, 14, "populated %ld of 20", got);
	}
	ATF_REQUIRE_EQ(current(), 506);
	for (i = 0; i < 14 * (int)PV_PAGE_SIZE; i++)
		ATF_REQUIRE_EQ_MSG(va[i], 0, "byte %d survived the balloon", i);
	ATF_REQUIRE(system("xenstore-write /local/domain/5/memory/target "
	    "2048") == 0);
	ATF_REQUIRE_EQ(reservation(XENMEM_populate_physmap, frames + 14, 6),
	    6);
	ATF_REQUIRE_EQ(current(), RAM);
	pv_pages_free(va, 20);
	xentest_down();
}
ATF_TC_CLEANUP(decrease_then_populate, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, decrease_then_populate);
	return (atf_no_error());
}
