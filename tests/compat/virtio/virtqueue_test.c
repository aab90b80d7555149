/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Split virtqueues against a device played here, on the shared memory
 * itself: wrap-around, indirect tables, notification suppression both
 * ways, and a device that lies.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <atf-c.h>

#include <linux/virtio_ring.h>

#include <pv/mem.h>
#include <pvvirtio/virtqueue.h>

#include "lib/pvtest.h"

struct dev {
	struct virtqueue	*vq;
	struct vring_desc	*desc;
	struct vring_avail	*avail;
	struct vring_used	*used;
	uint16_t		 n;
	uint16_t		 last_avail;
	unsigned		 notified;
};

static void
notify(struct virtqueue *vq, void *arg)
{
	struct dev *d = arg;

	(void)vq;
	d->notified++;
}

static void
dev_up(struct dev *d, uint16_t size, bool event_idx, bool indirect)
{
	struct vq_config cfg = {
		.vc_size = size,
		.vc_event_idx = event_idx,
		.vc_indirect = indirect,
		.vc_max_indirect = 16,
		.vc_notify = notify,
		.vc_arg = d,
	};

	pvtest_init(256);
	memset(d, 0, sizeof(*d));
	ATF_REQUIRE_EQ(virtqueue_alloc(&d->vq, &cfg), 0);
	d->n = size;
	d->desc = pv_phystov(virtqueue_desc_paddr(d->vq));
	d->avail = pv_phystov(virtqueue_avail_paddr(d->vq));
	d->used = pv_phystov(virtqueue_used_paddr(d->vq));
	/* The used ring sits on its own page, as legacy devices expect. */
	ATF_REQUIRE_EQ(virtqueue_used_paddr(d->vq) % PV_PAGE_SIZE, 0);
}

/* Take the next available chain: its head and its descriptors. */
static bool
dev_take(struct dev *d, uint16_t *head, struct vring_desc *out, unsigned *n)
{
	struct vring_desc *t;
	uint16_t i;

	if (le16toh(d->avail->idx) == d->last_avail)
		return (false);
	*head = le16toh(d->avail->ring[d->last_avail++ % d->n]);
	*n = 0;
	if (le16toh(d->desc[*head].flags) & VRING_DESC_F_INDIRECT) {
		t = pv_phystov(le64toh(d->desc[*head].addr));
		for (i = 0;; i++) {
			out[(*n)++] = t[i];
			if (!(le16toh(t[i].flags) & VRING_DESC_F_NEXT))
				break;
		}
		return (true);
	}
	for (i = *head;; i = le16toh(d->desc[i].next)) {
		out[(*n)++] = d->desc[i];
		if (!(le16toh(d->desc[i].flags) & VRING_DESC_F_NEXT))
			break;
	}
	return (true);
}

static void
dev_complete(struct dev *d, uint32_t id, uint32_t len)
{
	uint16_t u = le16toh(d->used->idx);

	d->used->ring[u % d->n].id = htole32(id);
	d->used->ring[u % d->n].len = htole32(len);
	d->used->idx = htole16((uint16_t)(u + 1));
}

static struct vq_seg
seg(pv_paddr_t pa, uint32_t len, bool write)
{
	struct vq_seg s = { .vs_paddr = pa, .vs_len = len, .vs_write = write };

	return (s);
}

ATF_TC_WITHOUT_HEAD(wraps_around_many_times);
ATF_TC_BODY(wraps_around_many_times, tc)
{
	struct vring_desc got[4];
	struct vq_seg s[2];
	uint16_t head;
	uint32_t len;
	struct dev d;
	unsigned n, r, k;
	int cookies[3], error;

	dev_up(&d, 8, false, false);
	for (r = 0; r < 100; r++) {
		for (k = 0; k < 3; k++) {
			s[0] = seg(0x1000 * (k + 1), 16, false);
			s[1] = seg(0x9000, 512 + k, true);
			ATF_REQUIRE_EQ(virtqueue_enqueue(d.vq, &cookies[k], s,
			    2), 0);
		}
		ATF_REQUIRE_EQ(virtqueue_nfree(d.vq), 2);
		virtqueue_kick(d.vq);
		for (k = 0; k < 3; k++) {
			ATF_REQUIRE(dev_take(&d, &head, got, &n));
			ATF_REQUIRE_EQ(n, 2);
			ATF_REQUIRE_EQ(le64toh(got[0].addr), 0x1000 * (k + 1));
			ATF_REQUIRE_EQ(le16toh(got[1].flags) &
			    VRING_DESC_F_WRITE, VRING_DESC_F_WRITE);
			dev_complete(&d, head, 512 + k);
		}
		for (k = 0; k < 3; k++) {
			ATF_REQUIRE_EQ(virtqueue_dequeue(d.vq, &len, &error),
			    &cookies[k]);
			ATF_REQUIRE_EQ(len, 512 + k);
		}
		ATF_REQUIRE(virtqueue_dequeue(d.vq, &len, &error) == NULL);
		ATF_REQUIRE_EQ(error, 0);
		ATF_REQUIRE_EQ(virtqueue_nfree(d.vq), 8);
	}
	/* 300 requests: the 16-bit indices wrapped past the ring many times. */
	ATF_REQUIRE_EQ(le16toh(d.avail->idx), 300);
	virtqueue_free(d.vq);
}

ATF_TC_WITHOUT_HEAD(indirect_table_takes_one_descriptor);
ATF_TC_BODY(indirect_table_takes_one_descriptor, tc)
{
	struct vring_desc got[16];
	struct vq_seg s[6];
	struct vq_stats st;
	uint16_t head;
	uint32_t len;
	struct dev d;
	unsigned n, i;
	int c, error;

	dev_up(&d, 4, false, true);
	for (i = 0; i < 6; i++)
		s[i] = seg(0x2000 + i * 0x1000, 100 + i, i >= 4);
	ATF_REQUIRE_EQ(virtqueue_enqueue(d.vq, &c, s, 6), 0);
	ATF_REQUIRE_EQ(virtqueue_nfree(d.vq), 3);
	virtqueue_kick(d.vq);
	ATF_REQUIRE(dev_take(&d, &head, got, &n));
	ATF_REQUIRE_EQ(n, 6);
	for (i = 0; i < 6; i++) {
		ATF_REQUIRE_EQ(le64toh(got[i].addr), 0x2000 + i * 0x1000);
		ATF_REQUIRE_EQ(!!(le16toh(got[i].flags) & VRING_DESC_F_WRITE),
		    i >= 4);
	}
	/* A single segment never needs a table. */
	ATF_REQUIRE_EQ(virtqueue_enqueue(d.vq, &c + 1, s, 1), 0);
	virtqueue_stats(d.vq, &st);
	ATF_REQUIRE_EQ(st.vq_indirect, 1);
	dev_complete(&d, head, 104 + 105);
	ATF_REQUIRE_EQ(virtqueue_dequeue(d.vq, &len, &error), &c);
	ATF_REQUIRE_EQ(len, 209);
	virtqueue_free(d.vq);
}

ATF_TC_WITHOUT_HEAD(kicks_follow_the_device_wishes);
ATF_TC_BODY(kicks_follow_the_device_wishes, tc)
{
	struct vq_seg s = seg(0x3000, 512, false);
	struct dev d;
	int c[8], i;

	/* EVENT_IDX: a notification only as the index passes avail_event. */
	dev_up(&d, 8, true, false);
	{
		uint16_t ev = htole16(3);	/* avail_event, after the ring */

		memcpy(&d.used->ring[d.n], &ev, sizeof(ev));
	}
	for (i = 0; i < 6; i++) {
		ATF_REQUIRE_EQ(virtqueue_enqueue(d.vq, &c[i], &s, 1), 0);
		virtqueue_kick(d.vq);
	}
	ATF_REQUIRE_EQ(d.notified, 1);	/* when idx went from 3 to 4 */
	virtqueue_free(d.vq);
	pvtest_fini();

	/* Without it: VRING_USED_F_NO_NOTIFY silences the doorbell. */
	dev_up(&d, 8, false, false);
	ATF_REQUIRE_EQ(virtqueue_enqueue(d.vq, &c[0], &s, 1), 0);
	virtqueue_kick(d.vq);
	ATF_REQUIRE_EQ(d.notified, 1);
	d.used->flags = htole16(VRING_USED_F_NO_NOTIFY);
	ATF_REQUIRE_EQ(virtqueue_enqueue(d.vq, &c[1], &s, 1), 0);
	virtqueue_kick(d.vq);
	ATF_REQUIRE_EQ(d.notified, 1);
	/* Nothing new: no doorbell at all. */
	d.used->flags = 0;
	virtqueue_kick(d.vq);
	ATF_REQUIRE_EQ(d.notified, 1);
	virtqueue_free(d.vq);
}

ATF_TC_WITHOUT_HEAD(enable_intr_reports_a_waiting_completion);
ATF_TC_BODY(enable_intr_reports_a_waiting_completion, tc)
{
	struct vq_seg s = seg(0x4000, 64, true);
	struct vring_desc got[2];
	uint16_t head;
	uint32_t len;
	struct dev d;
	unsigned n;
	int c, error;

	dev_up(&d, 8, true, false);
	ATF_REQUIRE(!virtqueue_enable_intr(d.vq));
	ATF_REQUIRE_EQ(virtqueue_enqueue(d.vq, &c, &s, 1), 0);
	virtqueue_kick(d.vq);
	ATF_REQUIRE(dev_take(&d, &head, got, &n));
	dev_complete(&d, head, 64);
	ATF_REQUIRE(virtqueue_enable_intr(d.vq));
	/* used_event asks for an interrupt after entry 0. */
	ATF_REQUIRE_EQ(le16toh(d.avail->ring[d.n]), 0);
	ATF_REQUIRE_EQ(virtqueue_dequeue(d.vq, &len, &error), &c);
	ATF_REQUIRE(!virtqueue_enable_intr(d.vq));
	ATF_REQUIRE_EQ(le16toh(d.avail->ring[d.n]), 1);
	virtqueue_free(d.vq);
}

static void
lying_device(struct dev *d, void (*lie)(struct dev *, uint16_t))
{
	struct vq_seg s = seg(0x5000, 512, true);
	struct vring_desc got[2];
	uint16_t head;
	uint32_t len;
	unsigned n;
	int c, error;

	dev_up(d, 8, false, false);
	ATF_REQUIRE_EQ(virtqueue_enqueue(d->vq, &c, &s, 1), 0);
	virtqueue_kick(d->vq);
	ATF_REQUIRE(dev_take(d, &head, got, &n));
	lie(d, head);
	/* Whatever came first, the lie ends in EIO and a broken queue. */
	while (virtqueue_dequeue(d->vq, &len, &error) != NULL)
		;
	ATF_REQUIRE_EQ(error, EIO);
	ATF_REQUIRE(virtqueue_broken(d->vq));
	ATF_REQUIRE_EQ(virtqueue_enqueue(d->vq, &c, &s, 1), EIO);
	ATF_REQUIRE(pvtest_msgbuf_has("device is not believed any more"));
	virtqueue_free(d->vq);
}

static void
lie_index_jump(struct dev *d, uint16_t head)
{
	dev_complete(d, head, 512);
	d->used->idx = htole16(40);
}

static void
lie_unknown_id(struct dev *d, uint16_t head)
{
	dev_complete(d, (uint32_t)head + 3, 0);
}

static void
lie_long_length(struct dev *d, uint16_t head)
{
	dev_complete(d, head, 4096);
}

static void
lie_twice(struct dev *d, uint16_t head)
{
	dev_complete(d, head, 512);
	dev_complete(d, head, 512);
}

ATF_TC_WITHOUT_HEAD(lying_device_breaks_the_queue);
ATF_TC_BODY(lying_device_breaks_the_queue, tc)
{
	struct dev d;

	lying_device(&d, lie_index_jump);
	pvtest_fini();
	lying_device(&d, lie_unknown_id);
	pvtest_fini();
	lying_device(&d, lie_long_length);
	pvtest_fini();
	lying_device(&d, lie_twice);
}

ATF_TC_WITHOUT_HEAD(bad_requests_are_refused);
ATF_TC_BODY(bad_requests_are_refused, tc)
{
	struct vq_seg s[2] = { seg(0x6000, 8, true), seg(0x7000, 8, false) };
	struct vq_config cfg = { .vc_size = 6, .vc_notify = notify };
	struct virtqueue *vq;
	struct dev d;
	int c[9], i;

	dev_up(&d, 8, false, false);
	/* A readable buffer after a writable one breaks 2.7.4.2. */
	ATF_REQUIRE_EQ(virtqueue_enqueue(d.vq, &c[0], s, 2), EINVAL);
	ATF_REQUIRE_EQ(virtqueue_enqueue(d.vq, &c[0], s, 0), EINVAL);
	ATF_REQUIRE_EQ(virtqueue_enqueue(d.vq, NULL, s, 1), EINVAL);
	for (i = 0; i < 8; i++)
		ATF_REQUIRE_EQ(virtqueue_enqueue(d.vq, &c[i], s, 1), 0);
	ATF_REQUIRE_EQ(virtqueue_enqueue(d.vq, &c[8], s, 1), ENOSPC);
	ATF_REQUIRE_EQ(virtqueue_alloc(&vq, &cfg), EINVAL);
	virtqueue_free(d.vq);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, wraps_around_many_times);
	ATF_TP_ADD_TC(tp, indirect_table_takes_one_descriptor);
	ATF_TP_ADD_TC(tp, kicks_follow_the_device_wishes);
	ATF_TP_ADD_TC(tp, enable_intr_reports_a_waiting_completion);
	ATF_TP_ADD_TC(tp, lying_device_breaks_the_queue);
	ATF_TP_ADD_TC(tp, bad_requests_are_refused);
	return (atf_no_error());
}
