/*-
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <string.h>

#include <atf-c.h>

#include <hosted/xen.h>
#include <xenpv/evtchn.h>
#include <xenpv/gnttab.h>
#include <xenpv/xenbus.h>

#include "lib/pvtest.h"
#include "lib/xensimtest.h"
#include "lib/xentest.h"

void
xentest_up_args(const atf_tc_t *tc, uint32_t domid, size_t mem_pages,
    const char *const *args)
{
	int error;

	/* Fork the daemon before the platform has threads. */
	xensimtest_start_args(tc, args);
	pvtest_init(mem_pages);
	error = xen_hosted_attach(domid, "pvkit-test");
	ATF_REQUIRE_EQ_MSG(error, 0, "attach: %s", strerror(error));
	ATF_REQUIRE_EQ(xen_evtchn_init(), 0);
	ATF_REQUIRE_EQ(xen_gnttab_init(), 0);
	error = xenbus_init();
	ATF_REQUIRE_EQ_MSG(error, 0, "xenbus_init: %s", strerror(error));
}

void
xentest_up(const atf_tc_t *tc, uint32_t domid, size_t mem_pages)
{
	xentest_up_args(tc, domid, mem_pages, NULL);
}

void
xentest_down(void)
{
	xenbus_fini();
	xen_gnttab_fini();
	xen_evtchn_fini();
	xen_hosted_detach();
	pvtest_fini();
}
