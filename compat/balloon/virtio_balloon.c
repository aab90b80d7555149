/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * virtio-balloon over any virtio transport.
 *
 * A batch is one buffer of 32-bit frame numbers on the inflate or the
 * deflate queue, and the worker waits for the device to hand it back.
 * A device that never does keeps the pages: a frame the host may hold is
 * never reused.  num_pages comes from the device and is bounded by the
 * guest's RAM before it becomes the target.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_balloon.h>
#include <linux/virtio_config.h>

#include <pv/balloon.h>
#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/time.h>
#include <pvvirtio/virtio.h>
#include <pvvirtio/virtio_balloon.h>
#include <pvvirtio/virtqueue.h>

#define	VB_BATCH	256		/* frames per buffer */
#define	VB_WAIT_NS	(30ull * PV_NS_PER_SEC)
#define	VB_INFLATE	0
#define	VB_DEFLATE	1

struct vtballoon_softc {
	char			 sc_name[16];
	struct virtio_dev	*sc_vd;
	struct pv_balloon	*sc_b;
	struct pv_mtx		 sc_mtx;
	struct virtio_vq_info	 sc_vqi[2];
	uint32_t		*sc_pfns;	/* a page the device reads */
	bool			 sc_done;	/* the buffer came back */
	bool			 sc_broken;
};

static unsigned	vtballoon_units;

static void
vb_intr(void *arg)
{
	struct vtballoon_softc *sc = arg;
	uint32_t len;
	unsigned q;
	int error;

	pv_mtx_lock(&sc->sc_mtx);
	for (q = 0; q < 2; q++) {
		do {
			while (virtqueue_dequeue(sc->sc_vqi[q].vi_vq, &len,
			    &error) != NULL)
				sc->sc_done = true;
			if (error != 0)
				sc->sc_broken = true;
		} while (error == 0 &&
		    virtqueue_enable_intr(sc->sc_vqi[q].vi_vq));
	}
	pv_wakeup(sc);
	pv_mtx_unlock(&sc->sc_mtx);
}

/* One buffer of frames on queue q, waited for. */
static int
vb_send(struct vtballoon_softc *sc, unsigned q, const pv_pfn_t *pfns,
    unsigned n, unsigned *donep)
{
	struct vq_seg seg;
	uint64_t end = pv_uptime_ns() + VB_WAIT_NS, now;
	unsigned i;
	int error;

	*donep = 0;
	if (n > VB_BATCH)
		n = VB_BATCH;
	for (i = 0; i < n; i++) {
		/* The queue speaks 32-bit frames of 4096 bytes. */
		if (pfns[i] > UINT32_MAX)
			break;
		sc->sc_pfns[i] = htole32((uint32_t)pfns[i]);
	}
	if ((n = i) == 0)
		return (ERANGE);
	seg.vs_paddr = pv_vtophys(sc->sc_pfns);
	seg.vs_len = n * sizeof(uint32_t);
	seg.vs_write = false;
	pv_mtx_lock(&sc->sc_mtx);
	if (sc->sc_broken) {
		pv_mtx_unlock(&sc->sc_mtx);
		return (EIO);
	}
	sc->sc_done = false;
	if ((error = virtqueue_enqueue(sc->sc_vqi[q].vi_vq, sc, &seg, 1)) !=
	    0) {
		pv_mtx_unlock(&sc->sc_mtx);
		return (error);
	}
	virtqueue_kick(sc->sc_vqi[q].vi_vq);
	while (!sc->sc_done && !sc->sc_broken) {
		now = pv_uptime_ns();
		if (now >= end)
			break;
		(void)pv_sleep(sc, &sc->sc_mtx, "vballoon", end - now);
	}
	if (!sc->sc_done) {
		/* Never answered: the frames may be the host's now. */
		if (!sc->sc_broken)
			pv_log(PV_LOG_ERR, sc->sc_name, "the device did not "
			    "return a buffer in %ju s; it is not used again",
			    (uintmax_t)(VB_WAIT_NS / PV_NS_PER_SEC));
		sc->sc_broken = true;
		pv_mtx_unlock(&sc->sc_mtx);
		*donep = q == VB_INFLATE ? n : 0;
		return (EIO);
	}
	pv_mtx_unlock(&sc->sc_mtx);
	*donep = n;
	return (0);
}

static int
vb_inflate(void *arg, const pv_pfn_t *pfns, unsigned n, unsigned *donep)
{
	return (vb_send(arg, VB_INFLATE, pfns, n, donep));
}

static int
vb_deflate(void *arg, const pv_pfn_t *pfns, unsigned n, unsigned *donep)
{
	/* Told first whether or not MUST_TELL_HOST was agreed, as Linux. */
	return (vb_send(arg, VB_DEFLATE, pfns, n, donep));
}

static void
vb_report(void *arg, uint64_t size)
{
	struct vtballoon_softc *sc = arg;
	uint32_t actual = htole32((uint32_t)pv_min(size, UINT32_MAX));

	(void)virtio_write_config(sc->sc_vd, offsetof(struct
	    virtio_balloon_config, actual), &actual, sizeof(actual));
}

static const struct pv_balloon_ops vb_ops = {
	.bo_inflate = vb_inflate,
	.bo_deflate = vb_deflate,
	.bo_report = vb_report,
};

/* num_pages changed: the new target, within what the guest has. */
static void
vb_config(void *arg)
{
	struct vtballoon_softc *sc = arg;
	struct pv_memstats ms;
	uint32_t num;

	if (virtio_read_config(sc->sc_vd, offsetof(struct
	    virtio_balloon_config, num_pages), &num, sizeof(num)) != 0)
		return;
	num = le32toh(num);
	pv_mem_stats(&ms);
	if (num > ms.ms_pages_total) {
		pv_log(PV_LOG_WARNING, sc->sc_name, "config num_pages = %u: "
		    "more than the guest's %ju pages; asking for those only",
		    num, (uintmax_t)ms.ms_pages_total);
		num = (uint32_t)ms.ms_pages_total;
	}
	pv_balloon_set_target(sc->sc_b, num);
}

int
vtballoon_attach(struct virtio_dev *vd, struct vtballoon_softc **scp)
{
	struct vtballoon_softc *sc;
	unsigned q;
	int error;

	if ((sc = pv_malloc(sizeof(*sc), PV_M_ZERO | PV_M_NOWAIT)) == NULL)
		return (ENOMEM);
	sc->sc_vd = vd;
	snprintf(sc->sc_name, sizeof(sc->sc_name), "balloon%u",
	    vtballoon_units++);
	pv_mtx_init(&sc->sc_mtx, "vballoon");
	if ((sc->sc_pfns = pv_page_alloc(PV_M_NOWAIT, NULL)) == NULL) {
		error = ENOMEM;
		goto fail;
	}
	if ((error = virtio_negotiate(vd,
	    1ull << VIRTIO_BALLOON_F_MUST_TELL_HOST)) != 0)
		goto fail_page;
	for (q = 0; q < 2; q++) {
		sc->sc_vqi[q].vi_intr = vb_intr;
		sc->sc_vqi[q].vi_arg = sc;
	}
	if ((error = virtio_alloc_queues(vd, 2, sc->sc_vqi)) != 0)
		goto fail_reset;
	if ((error = pv_balloon_create(&sc->sc_b, sc->sc_name, &vb_ops, sc,
	    VB_BATCH)) != 0)
		goto fail_queues;
	vd->vd_config_arg = sc;
	vd->vd_config_fn = vb_config;
	virtio_driver_ok(vd);
	pv_log(PV_LOG_INFO, sc->sc_name, "virtio-balloon, features %#jx",
	    (uintmax_t)vd->vd_features);
	vb_config(sc);
	*scp = sc;
	return (0);
fail_queues:
	virtio_reset(vd);
	virtio_free_queues(vd);
	goto fail_page;
fail_reset:
	virtio_reset(vd);
fail_page:
	pv_page_free(sc->sc_pfns);
fail:
	virtio_fail(vd, "virtio-balloon did not attach");
	pv_mtx_destroy(&sc->sc_mtx);
	pv_free(sc);
	return (error);
}

void
vtballoon_detach(struct vtballoon_softc *sc)
{
	sc->sc_vd->vd_config_fn = NULL;
	pv_balloon_destroy(sc->sc_b);
	virtio_reset(sc->sc_vd);
	virtio_free_queues(sc->sc_vd);
	pv_page_free(sc->sc_pfns);
	pv_mtx_destroy(&sc->sc_mtx);
	pv_free(sc);
}

struct pv_balloon *
vtballoon_balloon(struct vtballoon_softc *sc)
{
	return (sc->sc_b);
}

const char *
vtballoon_name(const struct vtballoon_softc *sc)
{
	return (sc->sc_name);
}
