/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The virtio device core against a scripted transport that records every
 * status the driver sets.
 */
#include <errno.h>
#include <string.h>

#include <atf-c.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include <pvvirtio/virtio.h>

#include "lib/pvtest.h"

struct fake {
	bool		 modern;
	uint64_t	 offered;
	uint64_t	 driver;
	uint8_t		 status;
	uint8_t		 trail[16];	/* statuses set, in order */
	int		 ntrail;
	bool		 refuse;	/* clears FEATURES_OK */
	bool		 sticky;	/* reset does not clear status */
	int		 unsettled;	/* config reads that see a change */
	uint32_t	 gen;
	uint32_t	 cfg;
};

static void
f_reset(void *t)
{
	struct fake *f = t;

	if (!f->sticky)
		f->status = 0;
}

static uint8_t
f_get_status(void *t)
{
	return (((struct fake *)t)->status);
}

static void
f_set_status(void *t, uint8_t s)
{
	struct fake *f = t;

	if (f->refuse)
		s &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
	f->status = s;
	if (f->ntrail < 16)
		f->trail[f->ntrail++] = s;
}

static uint64_t
f_get_features(void *t)
{
	return (((struct fake *)t)->offered);
}

static void
f_set_features(void *t, uint64_t v)
{
	((struct fake *)t)->driver = v;
}

static uint32_t
f_gen(void *t)
{
	return (((struct fake *)t)->gen);
}

static void
f_read(void *t, unsigned off, void *buf, unsigned len)
{
	struct fake *f = t;

	(void)off;
	/* A change lands between the two halves of a read. */
	if (f->unsettled > 0) {
		f->unsettled--;
		f->gen++;
		f->cfg += 0x10001;
	}
	memcpy(buf, &f->cfg, len);
}

static bool
f_modern(void *t)
{
	return (((struct fake *)t)->modern);
}

static const struct virtio_transport_ops fake_ops = {
	.vt_reset = f_reset,
	.vt_get_status = f_get_status,
	.vt_set_status = f_set_status,
	.vt_get_features = f_get_features,
	.vt_set_features = f_set_features,
	.vt_config_generation = f_gen,
	.vt_read_config = f_read,
	.vt_modern = f_modern,
};

#define	BIT(b)	(1ull << (b))

static void
setup(struct virtio_dev *vd, struct fake *f)
{
	pvtest_init(0);
	memset(vd, 0, sizeof(*vd));
	vd->vd_ops = &fake_ops;
	vd->vd_t = f;
	vd->vd_name = "vtblk0";
	f->status = 0x7f;	/* whatever a previous owner left */
}

ATF_TC_WITHOUT_HEAD(modern_sequence_and_version_1);
ATF_TC_BODY(modern_sequence_and_version_1, tc)
{
	struct fake f = {
		.modern = true,
		.offered = BIT(VIRTIO_F_VERSION_1) |
		    BIT(VIRTIO_RING_F_EVENT_IDX) |
		    BIT(VIRTIO_RING_F_INDIRECT_DESC) | BIT(VIRTIO_F_RING_RESET),
	};
	struct virtio_dev vd;

	setup(&vd, &f);
	ATF_REQUIRE_EQ(virtio_negotiate(&vd, BIT(VIRTIO_RING_F_EVENT_IDX) |
	    BIT(VIRTIO_RING_F_INDIRECT_DESC)), 0);
	/* VERSION_1 taken though not asked for; RING_RESET not taken. */
	ATF_REQUIRE_EQ(f.driver, BIT(VIRTIO_F_VERSION_1) |
	    BIT(VIRTIO_RING_F_EVENT_IDX) | BIT(VIRTIO_RING_F_INDIRECT_DESC));
	ATF_REQUIRE(virtio_has(&vd, VIRTIO_RING_F_EVENT_IDX));
	ATF_REQUIRE(!virtio_has(&vd, VIRTIO_F_RING_RESET));
	virtio_driver_ok(&vd);
	/* ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK, each added in turn. */
	ATF_REQUIRE_EQ(f.ntrail, 4);
	ATF_REQUIRE_EQ(f.trail[0], VIRTIO_CONFIG_S_ACKNOWLEDGE);
	ATF_REQUIRE_EQ(f.trail[1], VIRTIO_CONFIG_S_ACKNOWLEDGE |
	    VIRTIO_CONFIG_S_DRIVER);
	ATF_REQUIRE_EQ(f.trail[2], VIRTIO_CONFIG_S_ACKNOWLEDGE |
	    VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	ATF_REQUIRE_EQ(f.trail[3], VIRTIO_CONFIG_S_ACKNOWLEDGE |
	    VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK |
	    VIRTIO_CONFIG_S_DRIVER_OK);
}

ATF_TC_WITHOUT_HEAD(refused_features_set_failed);
ATF_TC_BODY(refused_features_set_failed, tc)
{
	struct fake f = {
		.modern = true,
		.offered = BIT(VIRTIO_F_VERSION_1),
		.refuse = true,
	};
	struct virtio_dev vd;

	setup(&vd, &f);
	ATF_REQUIRE_EQ(virtio_negotiate(&vd, 0), ENOTSUP);
	ATF_REQUIRE(vd.vd_failed);
	ATF_REQUIRE(f.status & VIRTIO_CONFIG_S_FAILED);
	ATF_REQUIRE(pvtest_msgbuf_has("vtblk0: device refused features"));
}

ATF_TC_WITHOUT_HEAD(legacy_has_32_bits_and_no_features_ok);
ATF_TC_BODY(legacy_has_32_bits_and_no_features_ok, tc)
{
	struct fake f = {
		.modern = false,
		.offered = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_RING_RESET) |
		    BIT(VIRTIO_RING_F_INDIRECT_DESC),
	};
	struct virtio_dev vd;
	int i;

	setup(&vd, &f);
	ATF_REQUIRE_EQ(virtio_negotiate(&vd, ~0ull), 0);
	ATF_REQUIRE_EQ(f.driver, BIT(VIRTIO_RING_F_INDIRECT_DESC));
	for (i = 0; i < f.ntrail; i++)
		ATF_REQUIRE_EQ(f.trail[i] & VIRTIO_CONFIG_S_FEATURES_OK, 0);
}

ATF_TC_WITHOUT_HEAD(status_must_clear_on_reset);
ATF_TC_BODY(status_must_clear_on_reset, tc)
{
	struct fake f = { .modern = true, .sticky = true };
	struct virtio_dev vd;

	setup(&vd, &f);
	ATF_REQUIRE_EQ(virtio_negotiate(&vd, 0), EIO);
	ATF_REQUIRE(pvtest_msgbuf_has("status not 0 after reset"));
}

ATF_TC_WITHOUT_HEAD(config_reads_retry_until_settled);
ATF_TC_BODY(config_reads_retry_until_settled, tc)
{
	struct fake f = { .modern = true, .unsettled = 3, .cfg = 0x10 };
	struct virtio_dev vd;
	uint32_t v;

	setup(&vd, &f);
	ATF_REQUIRE_EQ(virtio_read_config(&vd, 0, &v, sizeof(v)), 0);
	/* Read after the third change, consistent with its generation. */
	ATF_REQUIRE_EQ(v, 0x10 + 3 * 0x10001);
	ATF_REQUIRE_EQ(f.gen, 3);
	/* One that never settles is given up on. */
	f.unsettled = 1000;
	ATF_REQUIRE_EQ(virtio_read_config(&vd, 0, &v, sizeof(v)), EIO);
	ATF_REQUIRE(vd.vd_failed);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, modern_sequence_and_version_1);
	ATF_TP_ADD_TC(tp, refused_features_set_failed);
	ATF_TP_ADD_TC(tp, legacy_has_32_bits_and_no_features_ok);
	ATF_TP_ADD_TC(tp, status_must_clear_on_reset);
	ATF_TP_ADD_TC(tp, config_reads_retry_until_settled);
	return (atf_no_error());
}
