/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim's grant mapping, on a domain made here: the checks a backend's
 * map must pass against v1 entries laid out as a guest writes them, and
 * the in-use flags a guest relies on before it reuses a page.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "xensim/domain.h"

#define	BASE	0x100
#define	PAGES	8

static struct domain	 dom;
static uint8_t		 ram[PAGES * 4096] __attribute__((aligned(4096)));
static uint8_t		 populated[PAGES];

static grant_entry_v1_t *
entry(uint32_t ref)
{
	return ((grant_entry_v1_t *)ram + ref);
}

static void
setup(void)
{
	memset(&dom, 0, sizeof(dom));
	memset(ram, 0, sizeof(ram));
	memset(populated, 1, sizeof(populated));
	dom.d_domid = 7;
	dom.d_mem = ram;
	dom.d_base_pfn = BASE;
	dom.d_ram_pages = dom.d_mem_pages = PAGES;
	dom.d_populated = populated;
	dom.d_gnt_max_frames = 1;
	dom.d_gnt_pins = calloc(GNT_PER_FRAME, sizeof(*dom.d_gnt_pins));
	/* Frame 0 of the grant table is the guest's first RAM page. */
	ATF_REQUIRE_EQ(gnttab_add_frame(&dom, 0, BASE), 0);
	ATF_REQUIRE_EQ(gnttab_add_frame(&dom, 1, BASE + 1), EINVAL);
}

static void
grant(uint32_t ref, uint16_t domid, uint64_t frame, uint16_t flags)
{
	entry(ref)->frame = (uint32_t)frame;
	entry(ref)->domid = domid;
	entry(ref)->flags = flags;
}

ATF_TC_WITHOUT_HEAD(map_checks_type_domid_and_readonly);
ATF_TC_BODY(map_checks_type_domid_and_readonly, tc)
{
	int error;
	void *p;

	setup();
	grant(8, 0, BASE + 3, GTF_permit_access);
	grant(9, 0, BASE + 4, GTF_permit_access | GTF_readonly);
	grant(10, 5, BASE + 4, GTF_permit_access);
	grant(11, 0, BASE + 4, GTF_invalid);
	grant(12, 0, BASE + 99, GTF_permit_access);

	p = gnttab_map(&dom, 0, 8, false, &error);
	ATF_REQUIRE_EQ(error, 0);
	ATF_REQUIRE_EQ(p, ram + 3 * 4096);
	ATF_REQUIRE(gnttab_map(&dom, 0, 9, false, &error) == NULL);
	ATF_REQUIRE_EQ_MSG(error, EROFS, "a read-only grant mapped writable");
	ATF_REQUIRE(gnttab_map(&dom, 0, 9, true, &error) != NULL);
	ATF_REQUIRE(gnttab_map(&dom, 0, 10, false, &error) == NULL);
	ATF_REQUIRE_EQ_MSG(error, EACCES, "mapped a grant meant for dom5");
	ATF_REQUIRE(gnttab_map(&dom, 0, 11, false, &error) == NULL);
	ATF_REQUIRE_EQ(error, EACCES);
	ATF_REQUIRE(gnttab_map(&dom, 0, 12, false, &error) == NULL);
	ATF_REQUIRE_EQ_MSG(error, EFAULT, "mapped a frame outside RAM");
	ATF_REQUIRE_EQ(entry(12)->flags & (GTF_reading | GTF_writing), 0);
	/* References past the table. */
	ATF_REQUIRE(gnttab_map(&dom, 0, GNT_PER_FRAME, false, &error) ==
	    NULL);
	ATF_REQUIRE_EQ(error, EINVAL);
	ATF_REQUIRE(gnttab_map(&dom, 0, UINT32_MAX, true, &error) == NULL);
	free(dom.d_gnt_pins);
}

ATF_TC_WITHOUT_HEAD(in_use_flags_follow_the_maps);
ATF_TC_BODY(in_use_flags_follow_the_maps, tc)
{
	int error;

	setup();
	grant(8, 0, BASE + 3, GTF_permit_access);
	ATF_REQUIRE(gnttab_map(&dom, 0, 8, true, &error) != NULL);
	ATF_REQUIRE_EQ(entry(8)->flags, GTF_permit_access | GTF_reading);
	ATF_REQUIRE(gnttab_map(&dom, 0, 8, false, &error) != NULL);
	ATF_REQUIRE_EQ(entry(8)->flags, GTF_permit_access | GTF_reading |
	    GTF_writing);
	gnttab_unmap(&dom, 8, false);
	ATF_REQUIRE_EQ_MSG(entry(8)->flags, GTF_permit_access | GTF_reading,
	    "still mapped read-only, so still reading");
	gnttab_unmap(&dom, 8, true);
	ATF_REQUIRE_EQ(entry(8)->flags, GTF_permit_access);
	/* An unmap without a map changes nothing. */
	gnttab_unmap(&dom, 8, true);
	ATF_REQUIRE_EQ(entry(8)->flags, GTF_permit_access);
	free(dom.d_gnt_pins);
}

ATF_TC_WITHOUT_HEAD(ballooned_frame_cannot_be_mapped);
ATF_TC_BODY(ballooned_frame_cannot_be_mapped, tc)
{
	int error;

	setup();
	grant(8, 0, BASE + 5, GTF_permit_access);
	populated[5] = 0;
	ATF_REQUIRE(gnttab_map(&dom, 0, 8, false, &error) == NULL);
	ATF_REQUIRE_EQ(error, EFAULT);
	free(dom.d_gnt_pins);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, map_checks_type_domid_and_readonly);
	ATF_TP_ADD_TC(tp, in_use_flags_follow_the_maps);
	ATF_TP_ADD_TC(tp, ballooned_frame_cannot_be_mapped);
	return (atf_no_error());
}
