/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * virtio-blk against a device the test plays: a config it chooses, and a
 * request processor that answers from the rings the way the test says,
 * honestly or not.  What no real device will do on request (a bad status,
 * a short read, a config out of range) is checked here; the real device
 * model is tests/compat/blk/vtblk_test.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <atf-c.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include <pv/blk.h>
#include <pv/intr.h>
#include <pv/mem.h>
#include <pvvirtio/virtio.h>
#include <pvvirtio/virtio_blk.h>
#include <pvvirtio/virtqueue.h>

#include "lib/pvtest.h"

#define	DISK_SECTORS	2048

enum misbehaviour {
	HONEST,
	BAD_STATUS,		/* a status byte no spec defines */
	NO_STATUS,		/* leaves the status untouched */
	SHORT_READ,		/* used length one byte short */
	IOERR,			/* an honest I/O error */
	SILENT,			/* takes requests and never answers */
};

struct fakedev {
	struct virtio_dev	 vd;
	uint64_t		 offered;
	uint8_t			 status;
	struct virtio_blk_config cfg;
	struct virtqueue	*vq;
	struct vring_desc	*desc;
	struct vring_avail	*avail;
	struct vring_used	*used;
	uint16_t		 qsize;
	uint16_t		 last_avail;
	struct pv_intr		*ih;
	enum misbehaviour	 mode;
	uint8_t			 disk[DISK_SECTORS * 512];
	unsigned		 requests;
};

static struct fakedev *
fd_of(void *t)
{
	return (t);
}

static void f_reset(void *t) { fd_of(t)->status = 0; }
static uint8_t f_get_status(void *t) { return (fd_of(t)->status); }
static void f_set_status(void *t, uint8_t s) { fd_of(t)->status = s; }
static uint64_t f_get_features(void *t) { return (fd_of(t)->offered); }
static void f_set_features(void *t, uint64_t f) { (void)t; (void)f; }
static uint32_t f_generation(void *t) { (void)t; return (0); }
static bool f_modern(void *t) { (void)t; return (true); }
static bool f_fixed(void *t) { (void)t; return (false); }

static void
f_read_config(void *t, unsigned off, void *buf, unsigned len)
{
	memcpy(buf, (char *)&fd_of(t)->cfg + off, len);
}

static uint16_t
f_queue_max(void *t, uint16_t idx)
{
	(void)t;
	return (idx == 0 ? 64 : 0);
}

static void
f_intr(void *arg)
{
	struct fakedev *f = arg;

	virtio_vq_intr(&f->vd, 0);
}

static int
f_intr_setup(void *t, struct virtio_dev *vd, unsigned nvqs)
{
	(void)vd;
	if (nvqs != 1)
		return (EINVAL);
	return (pv_intr_establish(&fd_of(t)->ih, "fakeblk", f_intr, t));
}

static void
f_intr_teardown(void *t)
{
	pv_intr_disestablish(fd_of(t)->ih);
}

static int
f_queue_enable(void *t, uint16_t idx, struct virtqueue *vq)
{
	struct fakedev *f = t;

	(void)idx;
	f->vq = vq;
	f->qsize = virtqueue_size(vq);
	f->desc = pv_phystov(virtqueue_desc_paddr(vq));
	f->avail = pv_phystov(virtqueue_avail_paddr(vq));
	f->used = pv_phystov(virtqueue_used_paddr(vq));
	f->last_avail = 0;
	return (0);
}

/* The device: serve every request made available, as mode says. */
static void
f_notify(void *t, uint16_t idx)
{
	struct fakedev *f = t;
	struct vring_desc chain[16], *d;
	struct virtio_blk_outhdr *h;
	uint16_t head, n, i, uidx;
	uint32_t len, written;
	uint8_t *status;
	char *data;

	(void)idx;
	if (f->mode == SILENT)
		return;
	while (f->last_avail != le16toh(f->avail->idx)) {
		head = le16toh(f->avail->ring[f->last_avail % f->qsize]);
		f->last_avail++;
		d = &f->desc[head];
		if (le16toh(d->flags) & VRING_DESC_F_INDIRECT) {
			n = (uint16_t)(le32toh(d->len) / sizeof(*d));
			memcpy(chain, pv_phystov(le64toh(d->addr)),
			    n * sizeof(*d));
		} else {
			for (n = 0;; n++) {
				chain[n] = *d;
				if (!(le16toh(d->flags) & VRING_DESC_F_NEXT))
					break;
				d = &f->desc[le16toh(d->next)];
			}
			n++;
		}
		h = pv_phystov(le64toh(chain[0].addr));
		status = pv_phystov(le64toh(chain[n - 1].addr));
		written = 1;
		for (i = 1; i + 1 < n; i++) {
			data = pv_phystov(le64toh(chain[i].addr));
			len = le32toh(chain[i].len);
			if (le32toh(h->type) == VIRTIO_BLK_T_IN) {
				memcpy(data, f->disk + le64toh(h->sector) *
				    512 + (written - 1), len);
				written += len;
			} else if (le32toh(h->type) == VIRTIO_BLK_T_OUT)
				memcpy(f->disk + le64toh(h->sector) * 512, data,
				    len);
			else if (le32toh(h->type) == VIRTIO_BLK_T_GET_ID)
				memcpy(data, "FAKE-SERIAL\0\x01", 14);
		}
		f->requests++;
		switch (f->mode) {
		case BAD_STATUS:
			*status = 7;
			break;
		case NO_STATUS:
			break;
		case IOERR:
			*status = VIRTIO_BLK_S_IOERR;
			break;
		case SHORT_READ:
			written--;
			/* FALLTHROUGH */
		default:
			*status = VIRTIO_BLK_S_OK;
		}
		uidx = le16toh(f->used->idx);
		f->used->ring[uidx % f->qsize].id = htole32(head);
		f->used->ring[uidx % f->qsize].len = htole32(written);
		__atomic_store_n(&f->used->idx, htole16(uidx + 1),
		    __ATOMIC_RELEASE);
	}
	pv_intr_post(f->ih);
}

static const struct virtio_transport_ops fake_ops = {
	.vt_reset = f_reset,
	.vt_get_status = f_get_status,
	.vt_set_status = f_set_status,
	.vt_get_features = f_get_features,
	.vt_set_features = f_set_features,
	.vt_config_generation = f_generation,
	.vt_read_config = f_read_config,
	.vt_modern = f_modern,
	.vt_queue_max = f_queue_max,
	.vt_queue_size_fixed = f_fixed,
	.vt_intr_setup = f_intr_setup,
	.vt_intr_teardown = f_intr_teardown,
	.vt_queue_enable = f_queue_enable,
	.vt_notify = f_notify,
};

static struct fakedev *
fake_new(void)
{
	struct fakedev *f;

	pvtest_init(4096);
	f = pv_malloc(sizeof(*f), PV_M_ZERO);
	f->vd.vd_ops = &fake_ops;
	f->vd.vd_t = f;
	f->vd.vd_name = "fakeblk";
	f->offered = 1ull << VIRTIO_F_VERSION_1 |
	    1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_BLK_SIZE |
	    1ull << VIRTIO_RING_F_INDIRECT_DESC;
	f->cfg.capacity = htole64(DISK_SECTORS);
	f->cfg.seg_max = htole32(8);
	f->cfg.blk_size = htole32(512);
	return (f);
}

/* Attach must fail, and say why naming the field. */
static void
attach_refused(struct fakedev *f, const char *needle)
{
	struct vtblk_softc *sc;

	ATF_REQUIRE(vtblk_attach(&f->vd, &sc) != 0);
	ATF_CHECK_MSG(pvtest_msgbuf_has(needle), "no \"%s\" logged", needle);
	ATF_CHECK((f->status & VIRTIO_CONFIG_S_DRIVER_OK) == 0);
}

ATF_TC_WITHOUT_HEAD(config_checked);
ATF_TC_BODY(config_checked, tc)
{
	struct fakedev *f = fake_new();

	f->cfg.blk_size = htole32(768);
	attach_refused(f, "config blk_size = 768");
	ATF_CHECK(f->status & VIRTIO_CONFIG_S_FAILED);
	f->cfg.blk_size = htole32(512);
	f->cfg.seg_max = 0;
	attach_refused(f, "config seg_max = 0");
	f->cfg.seg_max = htole32(8);
	f->offered |= 1ull << VIRTIO_BLK_F_MQ;
	f->cfg.num_queues = 0;
	attach_refused(f, "config num_queues = 0");
	f->offered &= ~(1ull << VIRTIO_BLK_F_MQ);
	f->cfg.capacity = htole64(UINT64_MAX / 4);
	attach_refused(f, "config capacity");
	f->cfg.capacity = 0;
	attach_refused(f, "capacity = 0: the disk is empty");
	pv_free(f);
	pvtest_fini();
}

/* Write a pattern, read it back, and find it on the "device" too. */
static int
rw(struct fakedev *f, struct pv_blk *blk, int *rerr)
{
	struct pv_bio bio;
	uint8_t *buf;
	int error, i;

	buf = pv_pages_alloc(4, PV_M_ZERO, NULL);
	for (i = 0; i < 16384; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	memset(&bio, 0, sizeof(bio));
	bio.b_op = PV_BIO_WRITE;
	bio.b_sector = 8;
	bio.b_bytes = 16384;
	bio.b_data = buf;
	error = pv_blk_io(blk, &bio);
	if (error == 0)
		ATF_CHECK(memcmp(f->disk + 8 * 512, buf, 16384) == 0);
	memset(buf, 0, 16384);
	bio.b_op = PV_BIO_READ;
	*rerr = pv_blk_io(blk, &bio);
	if (*rerr == 0)
		ATF_CHECK(memcmp(f->disk + 8 * 512, buf, 16384) == 0);
	pv_pages_free(buf, 4);
	return (error);
}

ATF_TC_WITHOUT_HEAD(honest_device);
ATF_TC_BODY(honest_device, tc)
{
	struct fakedev *f = fake_new();
	struct vtblk_softc *sc;
	struct vtblk_info vi;
	int rerr;

	ATF_REQUIRE_EQ(vtblk_attach(&f->vd, &sc), 0);
	ATF_CHECK(f->status & VIRTIO_CONFIG_S_DRIVER_OK);
	vtblk_info(sc, &vi);
	ATF_CHECK_STREQ(vi.vi_serial, "FAKE-SERIAL");
	ATF_CHECK_EQ(rw(f, vtblk_disk(sc), &rerr), 0);
	ATF_CHECK_EQ(rerr, 0);
	ATF_CHECK(f->requests >= 2);
	vtblk_detach(sc);
	pv_free(f);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(io_error_is_per_bio);
ATF_TC_BODY(io_error_is_per_bio, tc)
{
	struct fakedev *f = fake_new();
	struct vtblk_softc *sc;
	int rerr;

	ATF_REQUIRE_EQ(vtblk_attach(&f->vd, &sc), 0);
	f->mode = IOERR;
	ATF_CHECK_EQ(rw(f, vtblk_disk(sc), &rerr), EIO);
	ATF_CHECK_EQ(rerr, EIO);
	ATF_CHECK(!pv_blk_failed(vtblk_disk(sc)));
	f->mode = HONEST;
	ATF_CHECK_EQ(rw(f, vtblk_disk(sc), &rerr), 0);
	ATF_CHECK_EQ(rerr, 0);
	vtblk_detach(sc);
	pv_free(f);
	pvtest_fini();
}

/* The device breaks the protocol: the disk fails, named, and is reset. */
static void
hostile(enum misbehaviour mode, const char *needle)
{
	struct fakedev *f = fake_new();
	struct vtblk_softc *sc;
	int werr, rerr;

	ATF_REQUIRE_EQ(vtblk_attach(&f->vd, &sc), 0);
	f->mode = mode;
	werr = rw(f, vtblk_disk(sc), &rerr);
	ATF_CHECK(werr == EIO || rerr == EIO);
	ATF_CHECK(pv_blk_failed(vtblk_disk(sc)));
	ATF_CHECK_MSG(pvtest_msgbuf_has(needle), "no \"%s\" logged", needle);
	/* Reset, so that it holds nothing of ours any more. */
	ATF_CHECK_EQ(f->status, 0);
	vtblk_detach(sc);
	pv_free(f);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(bad_status_fails_disk);
ATF_TC_BODY(bad_status_fails_disk, tc)
{
	hostile(BAD_STATUS, "status 7");
}

ATF_TC_WITHOUT_HEAD(unwritten_status_fails_disk);
ATF_TC_BODY(unwritten_status_fails_disk, tc)
{
	hostile(NO_STATUS, "status 255");
}

ATF_TC_WITHOUT_HEAD(short_read_fails_disk);
ATF_TC_BODY(short_read_fails_disk, tc)
{
	hostile(SHORT_READ, "completed with used length 16384");
}

/* A device that never hands back its first request is not used. */
ATF_TC_WITHOUT_HEAD(silent_device_refused);
ATF_TC_BODY(silent_device_refused, tc)
{
	struct fakedev *f = fake_new();
	struct vtblk_softc *sc;

	f->mode = SILENT;
	ATF_CHECK_EQ(vtblk_attach(&f->vd, &sc), EIO);
	ATF_CHECK(pvtest_msgbuf_has("GET_ID: no answer in 1 s"));
	ATF_CHECK(f->status & VIRTIO_CONFIG_S_FAILED);
	pv_free(f);
	pvtest_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, silent_device_refused);
	ATF_TP_ADD_TC(tp, config_checked);
	ATF_TP_ADD_TC(tp, honest_device);
	ATF_TP_ADD_TC(tp, io_error_is_per_bio);
	ATF_TP_ADD_TC(tp, bad_status_fails_disk);
	ATF_TP_ADD_TC(tp, unwritten_status_fails_disk);
	ATF_TP_ADD_TC(tp, short_read_fails_disk);
	return (atf_no_error());
}
