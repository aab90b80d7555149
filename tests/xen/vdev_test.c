/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Virtual disk names and numbers, both ways.
 */
#include <errno.h>
#include <string.h>

#include <atf-c.h>

#include <xenpv/vdev.h>

static void
both_ways(const char *name, uint32_t devid, uint32_t disk, uint32_t part)
{
	uint32_t d, got_disk, got_part;
	char back[32];

	ATF_REQUIRE_EQ_MSG(xen_vdev_to_devid(name, &d), 0, "%s", name);
	ATF_REQUIRE_EQ_MSG(d, devid, "%s: %u, not %u", name, d, devid);
	ATF_REQUIRE_EQ(xen_devid_to_vdev(devid, back, sizeof(back),
	    &got_disk, &got_part), 0);
	ATF_REQUIRE_STREQ(back, name);
	ATF_REQUIRE_EQ(got_disk, disk);
	ATF_REQUIRE_EQ(got_part, part);
}

ATF_TC_WITHOUT_HEAD(libxl_numbers);
ATF_TC_BODY(libxl_numbers, tc)
{
	both_ways("xvda", 51712, 0, 0);
	both_ways("xvdb", 51728, 1, 0);
	both_ways("xvdb1", 51729, 1, 1);
	both_ways("xvdp", 51952, 15, 0);
	both_ways("hda", 768, 0, 0);
	both_ways("hdd", 5696, 3, 0);
	both_ways("sdb2", 2066, 1, 2);
}

ATF_TC_WITHOUT_HEAD(extended_numbers);
ATF_TC_BODY(extended_numbers, tc)
{
	/* Past xvdp, or past partition 15: virtual-device-ext. */
	both_ways("xvdq", 268439552, 16, 0);
	both_ways("xvda16", 268435472, 0, 16);
	both_ways("xvdaa", 268442112, 26, 0);
	both_ways("xvdzz255", (1u << 28) | (701u << 8) | 255, 701, 255);
}

ATF_TC_WITHOUT_HEAD(junk_is_refused);
ATF_TC_BODY(junk_is_refused, tc)
{
	static const char *const bad[] = {
		"", "xvd", "xvdA", "xvdb0", "xvdb256", "xvdb-1", "hde",
		"hda64", "sdq", "sda16", "nvme0n1", "0x10", "xvdb1x",
	};
	uint32_t d;
	char name[16];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_REQUIRE_EQ_MSG(xen_vdev_to_devid(bad[i], &d), EINVAL,
		    "\"%s\" was accepted", bad[i]);
	/* A plain number is the device number itself. */
	ATF_REQUIRE_EQ(xen_vdev_to_devid("51728", &d), 0);
	ATF_REQUIRE_EQ(d, 51728);
	/* Majors nobody assigned, and stray bits above the ext flag. */
	ATF_REQUIRE_EQ(xen_devid_to_vdev(77 << 8, name, sizeof(name), NULL,
	    NULL), EINVAL);
	ATF_REQUIRE_EQ(xen_devid_to_vdev((1u << 29) | (1u << 28), name,
	    sizeof(name), NULL, NULL), EINVAL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, libxl_numbers);
	ATF_TP_ADD_TC(tp, extended_numbers);
	ATF_TP_ADD_TC(tp, junk_is_refused);
	return (atf_no_error());
}
