/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * virtio-blk: negotiation, the config and its checks, queues, and the
 * disk the block layer serves.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include <pv/atomic.h>
#include <pv/blk.h>
#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/sysctl.h>

#include <pvvirtio/virtio_blk.h>

#include "virtio_blk_var.h"

/* The config up to and including the write-zeroes fields. */
#define	VTBLK_CONFIG_LEN \
	offsetof(struct virtio_blk_config, max_secure_erase_sectors)

/* hw.vtblk.*: their defaults are in the table below. */
static uint32_t	vtblk_max_queues;
static uint32_t	vtblk_queue_size;
static uint32_t	vtblk_indirect;
static uint32_t	vtblk_event_idx;
static uint32_t	vtblk_max_segs;
static uint32_t	vtblk_writeback;
uint32_t	vtblk_stall_ms;
static unsigned	vtblk_units;

static const struct pv_tunable vtblk_tunable_list[] = {
	{ "max_queues", &vtblk_max_queues, 4, 1, VTBLK_MAX_QUEUES,
	    "most request queues per disk" },
	{ "queue_size", &vtblk_queue_size, 0, 0, VQ_SIZE_MAX,
	    "largest queue to ask for, 0 for the device's" },
	{ "indirect", &vtblk_indirect, 1, 0, 1,
	    "use indirect descriptors when offered" },
	{ "event_idx", &vtblk_event_idx, 1, 0, 1,
	    "use event-index notification suppression when offered" },
	/* 256: 1 MiB of pages. */
	{ "max_segs", &vtblk_max_segs, 256, 1, 1024,
	    "most data descriptors per request" },
	{ "writeback", &vtblk_writeback, 0, 0, 1,
	    "ask a CONFIG_WCE device for a write-back cache" },
	/* No completion for this long with requests out: look, kick again. */
	{ "stall_ms", &vtblk_stall_ms, 20, 1, 60000,
	    "look for lost notifications after this long without progress" },
};
PV_TUNABLES(vtblk_tunables, "hw.vtblk", vtblk_tunable_list);

void
vtblk_init(void)
{
	pv_ctl_tunables(&vtblk_tunables);
	(void)pv_ctl_node(pv_ctl_node(NULL, "dev"), "vtblk");
}

static uint64_t
wanted_features(void)
{
	uint64_t f;

	f = 1ull << VIRTIO_BLK_F_SIZE_MAX | 1ull << VIRTIO_BLK_F_SEG_MAX |
	    1ull << VIRTIO_BLK_F_BLK_SIZE | 1ull << VIRTIO_BLK_F_TOPOLOGY |
	    1ull << VIRTIO_BLK_F_RO | 1ull << VIRTIO_BLK_F_FLUSH |
	    1ull << VIRTIO_BLK_F_CONFIG_WCE | 1ull << VIRTIO_BLK_F_DISCARD |
	    1ull << VIRTIO_BLK_F_WRITE_ZEROES | 1ull << VIRTIO_BLK_F_MQ;
	if (vtblk_indirect)
		f |= 1ull << VIRTIO_RING_F_INDIRECT_DESC;
	if (vtblk_event_idx)
		f |= 1ull << VIRTIO_RING_F_EVENT_IDX;
	return (f);
}

/* Config fields are little-endian on a modern device, native on legacy. */
static uint32_t
cfg32(const struct virtio_dev *vd, uint32_t v)
{
	return (virtio_has(vd, VIRTIO_F_VERSION_1) ? le32toh(v) : v);
}

static uint16_t
cfg16(const struct virtio_dev *vd, uint16_t v)
{
	return (virtio_has(vd, VIRTIO_F_VERSION_1) ? le16toh(v) : v);
}

static uint64_t
cfg64(const struct virtio_dev *vd, uint64_t v)
{
	return (virtio_has(vd, VIRTIO_F_VERSION_1) ? le64toh(v) : v);
}

/* What the driver will do with the device, from its config. */
struct vtblk_params {
	struct pv_disk_info	p_info;
	struct pv_blk_limits	p_lim;
	unsigned		p_nq;
	uint32_t		p_seg_max;
	uint32_t		p_size_max;
	bool			p_wce;
};

static int
bad_field(struct vtblk_softc *sc, const char *field, uint64_t v,
    const char *want)
{
	char why[128];

	snprintf(why, sizeof(why), "config %s = %ju: %s", field, (uintmax_t)v,
	    want);
	virtio_fail(sc->sc_vd, why);
	return (EIO);
}

/* Switch the cache to write-back, and believe it once it reads back. */
static bool
set_writeback(struct vtblk_softc *sc)
{
	uint8_t wce = 1;
	int error;

	error = virtio_write_config(sc->sc_vd, offsetof(struct
	    virtio_blk_config, wce), &wce, 1);
	if (error == 0) {
		wce = 0;
		error = virtio_read_config(sc->sc_vd, offsetof(struct
		    virtio_blk_config, wce), &wce, 1);
	}
	if (error != 0 || wce != 1) {
		pv_log(PV_LOG_WARNING, sc->sc_name, "the device kept its "
		    "write-through cache (%s)", error != 0 ? strerror(error) :
		    "wce reads back 0");
		return (false);
	}
	return (true);
}

/* Read the config once, settled, and check every field used. */
static int
read_params(struct vtblk_softc *sc, struct vtblk_params *p)
{
	struct virtio_dev *vd = sc->sc_vd;
	struct virtio_blk_config cfg;
	struct pv_disk_info *di = &p->p_info;
	uint64_t cap;
	uint32_t v;
	int error;

	memset(&cfg, 0, sizeof(cfg));
	if ((error = virtio_read_config(vd, 0, &cfg, VTBLK_CONFIG_LEN)) != 0)
		return (error);
	memset(p, 0, sizeof(*p));
	pv_strlcpy(di->di_name, sc->sc_name, sizeof(di->di_name));
	cap = cfg64(vd, cfg.capacity);
	if (cap == 0) {
		pv_log(PV_LOG_ERR, sc->sc_name, "config capacity = 0: the disk "
		    "is empty; not attaching it");
		return (ENXIO);
	}
	if (cap > UINT64_MAX / PV_SECTOR_SIZE)
		return (bad_field(sc, "capacity", cap, "beyond 2^64 bytes"));
	di->di_sectors = cap;
	di->di_sector_size = PV_SECTOR_SIZE;
	if (virtio_has(vd, VIRTIO_BLK_F_BLK_SIZE)) {
		v = cfg32(vd, cfg.blk_size);
		if (!pv_powerof2(v) || v < PV_SECTOR_SIZE ||
		    v > PV_SECTOR_SIZE_MAX) {
			char want[64];

			snprintf(want, sizeof(want), "not a power of 2 from "
			    "%u to %u", PV_SECTOR_SIZE, PV_SECTOR_SIZE_MAX);
			return (bad_field(sc, "blk_size", v, want));
		}
		di->di_sector_size = v;
	}
	di->di_phys_sector_size = di->di_sector_size;
	if (virtio_has(vd, VIRTIO_BLK_F_TOPOLOGY)) {
		if (cfg.physical_block_exp > 8)
			return (bad_field(sc, "physical_block_exp",
			    cfg.physical_block_exp, "more than 256 blocks"));
		di->di_phys_sector_size <<= cfg.physical_block_exp;
	}
	if (cap * PV_SECTOR_SIZE % di->di_sector_size != 0)
		return (bad_field(sc, "capacity", cap,
		    "not whole logical blocks"));
	p->p_seg_max = 1;	/* without SEG_MAX, one data descriptor */
	if (virtio_has(vd, VIRTIO_BLK_F_SEG_MAX)) {
		v = cfg32(vd, cfg.seg_max);
		if (v == 0)
			return (bad_field(sc, "seg_max", v,
			    "must be 1 or more"));
		p->p_seg_max = v;
	}
	p->p_size_max = UINT32_MAX;
	if (virtio_has(vd, VIRTIO_BLK_F_SIZE_MAX)) {
		v = cfg32(vd, cfg.size_max);
		/* 0 is what devices send when they mean no limit. */
		if (v != 0 && v < PV_SECTOR_SIZE)
			return (bad_field(sc, "size_max", v,
			    "less than one sector"));
		if (v != 0)
			p->p_size_max = v;
	}
	p->p_nq = 1;
	if (virtio_has(vd, VIRTIO_BLK_F_MQ)) {
		v = cfg16(vd, cfg.num_queues);
		if (v == 0)
			return (bad_field(sc, "num_queues", v,
			    "must be 1 or more"));
		p->p_nq = v;
	}
	di->di_readonly = virtio_has(vd, VIRTIO_BLK_F_RO);
	p->p_wce = virtio_has(vd, VIRTIO_BLK_F_FLUSH);
	if (virtio_has(vd, VIRTIO_BLK_F_CONFIG_WCE)) {
		p->p_wce = cfg.wce != 0;
		if (!p->p_wce && vtblk_writeback && set_writeback(sc))
			p->p_wce = true;
	}
	if (p->p_wce)
		di->di_features |= PV_DISK_FLUSH;
	if (virtio_has(vd, VIRTIO_BLK_F_DISCARD)) {
		v = cfg32(vd, cfg.max_discard_sectors);
		if (v == 0 || cfg32(vd, cfg.max_discard_seg) == 0)
			pv_log(PV_LOG_WARNING, sc->sc_name, "DISCARD offered "
			    "with max_discard_sectors %u, max_discard_seg %u: "
			    "not used", v, cfg32(vd, cfg.max_discard_seg));
		else {
			di->di_features |= PV_DISK_DISCARD;
			p->p_lim.bl_max_discard_bytes = (uint64_t)v *
			    PV_SECTOR_SIZE;
			v = cfg32(vd, cfg.discard_sector_alignment);
			if (v > UINT32_MAX / PV_SECTOR_SIZE)
				return (bad_field(sc,
				    "discard_sector_alignment", v,
				    "too large"));
			di->di_discard_granularity = v * PV_SECTOR_SIZE;
		}
	}
	if (virtio_has(vd, VIRTIO_BLK_F_WRITE_ZEROES)) {
		v = cfg32(vd, cfg.max_write_zeroes_sectors);
		if (v == 0 || cfg32(vd, cfg.max_write_zeroes_seg) == 0)
			pv_log(PV_LOG_WARNING, sc->sc_name, "WRITE_ZEROES "
			    "offered with no sectors or segments: not used");
		else {
			di->di_features |= PV_DISK_WRITE_ZEROES;
			p->p_lim.bl_max_zeroes_bytes = (uint64_t)v *
			    PV_SECTOR_SIZE;
		}
	}
	return (0);
}

static void
free_dma(struct vtblk_softc *sc)
{
	if (sc->sc_dma != NULL)
		pv_pages_free(sc->sc_dma, sc->sc_dma_pages);
	pv_free(sc->sc_slots);
	pv_free(sc->sc_segs);
	sc->sc_dma = NULL;
	sc->sc_slots = NULL;
	sc->sc_segs = NULL;
}

static int
alloc_dma(struct vtblk_softc *sc)
{
	sc->sc_dma_pages = pv_roundup((size_t)sc->sc_ncmds *
	    sizeof(struct vtblk_dma), PV_PAGE_SIZE) / PV_PAGE_SIZE;
	sc->sc_dma = pv_pages_alloc(sc->sc_dma_pages, PV_M_NOWAIT | PV_M_ZERO,
	    NULL);
	sc->sc_slots = pv_malloc(sc->sc_ncmds * sizeof(*sc->sc_slots),
	    PV_M_NOWAIT | PV_M_ZERO);
	/* Header, data, range and status. */
	sc->sc_segs = pv_malloc((sc->sc_max_segs + 3) * sizeof(*sc->sc_segs),
	    PV_M_NOWAIT);
	if (sc->sc_dma == NULL || sc->sc_slots == NULL || sc->sc_segs == NULL) {
		free_dma(sc);
		return (ENOMEM);
	}
	return (0);
}

static void
vtblk_config_changed(void *arg)
{
	struct vtblk_softc *sc = arg;
	struct vtblk_params p;
	struct pv_disk_info old;

	pv_blk_info(sc->sc_blk, &old);
	if (read_params(sc, &p) != 0)
		return;
	if (p.p_info.di_sectors != old.di_sectors) {
		pv_log(PV_LOG_NOTICE, sc->sc_name, "capacity changed from %ju "
		    "to %ju sectors", (uintmax_t)old.di_sectors,
		    (uintmax_t)p.p_info.di_sectors);
		old.di_sectors = p.p_info.di_sectors;
		pv_blk_lock(sc->sc_blk);
		pv_blk_set_info(sc->sc_blk, &old);
		pv_blk_unlock(sc->sc_blk);
	}
}

/* Queues, interrupts and the limits that follow from what was granted. */
static int
setup_queues(struct vtblk_softc *sc, struct vtblk_params *p)
{
	struct virtio_dev *vd = sc->sc_vd;
	uint32_t segs, qsize, per_page;
	unsigned q;
	bool ind = virtio_has(vd, VIRTIO_RING_F_INDIRECT_DESC);
	int error;

	sc->sc_nq = pv_min(p->p_nq, vtblk_max_queues);
	segs = pv_min(p->p_seg_max, vtblk_max_segs);
	for (q = 0; q < sc->sc_nq; q++) {
		sc->sc_q[q].q_sc = sc;
		sc->sc_q[q].q_idx = q;
		sc->sc_vqi[q].vi_intr = vtblk_vq_intr;
		sc->sc_vqi[q].vi_arg = &sc->sc_q[q];
		sc->sc_vqi[q].vi_max_size = (uint16_t)vtblk_queue_size;
		sc->sc_vqi[q].vi_max_indirect = ind ? (uint16_t)(segs + 2) : 0;
	}
	if ((error = virtio_alloc_queues(vd, sc->sc_nq, sc->sc_vqi)) != 0) {
		pv_log(PV_LOG_ERR, sc->sc_name, "%u queues: %s", sc->sc_nq,
		    strerror(error));
		return (error);
	}
	qsize = virtqueue_size(sc->sc_vqi[0].vi_vq);
	for (q = 1; q < sc->sc_nq; q++)
		qsize = pv_min(qsize, virtqueue_size(sc->sc_vqi[q].vi_vq));
	/* A direct chain holds the header and status too. */
	if (!ind) {
		if (qsize < 3) {
			virtio_free_queues(vd);
			return (bad_field(sc, "queue_size", qsize,
			    "too small for one request"));
		}
		segs = pv_min(segs, qsize - 2);
	}
	sc->sc_max_segs = segs;
	sc->sc_size_max = p->p_size_max;
	/* The block layer counts pages; a small size_max cuts each more. */
	per_page = sc->sc_size_max >= PV_PAGE_SIZE ? 1 :
	    PV_PAGE_SIZE / sc->sc_size_max;
	p->p_lim.bl_max_segments = pv_max(segs / per_page, 1u);
	p->p_lim.bl_max_bytes = (uint64_t)p->p_lim.bl_max_segments *
	    PV_PAGE_SIZE;
	if (per_page > 1 && segs < per_page)
		p->p_lim.bl_max_bytes = (uint64_t)segs * sc->sc_size_max;
	p->p_lim.bl_max_cmds = pv_min(sc->sc_nq * qsize, VTBLK_MAX_CMDS);
	sc->sc_qsize = (uint16_t)qsize;
	sc->sc_ncmds = p->p_lim.bl_max_cmds;
	return (0);
}

/*
 * The device's serial (VIRTIO_BLK_T_GET_ID), asked on queue 0 and polled
 * for: up to 20 bytes, kept when printable.  A device that does not
 * answer within a second holds a buffer of ours, and is not used.
 */
static int
get_id(struct vtblk_softc *sc)
{
	struct virtqueue *vq = sc->sc_vqi[0].vi_vq;
	struct vtblk_dma *d = &sc->sc_dma[0];
	struct vq_seg segs[3];
	uint64_t end = pv_uptime_ns() + PV_NS_PER_SEC;
	uint8_t *id;
	uint32_t len;
	unsigned i;
	void *c;
	int error;

	if ((id = pv_page_alloc(PV_M_NOWAIT | PV_M_ZERO, NULL)) == NULL)
		return (ENOMEM);
	memset(d, 0, sizeof(*d));
	d->d_hdr.type = htole32(VIRTIO_BLK_T_GET_ID);
	d->d_status = VTBLK_S_UNSET;
	segs[0] = (struct vq_seg){ pv_vtophys(&d->d_hdr), sizeof(d->d_hdr),
	    false };
	segs[1] = (struct vq_seg){ pv_vtophys(id), VIRTIO_BLK_ID_BYTES, true };
	segs[2] = (struct vq_seg){ pv_vtophys(&d->d_status), 1, true };
	if ((error = virtqueue_enqueue(vq, sc, segs, 3)) != 0)
		goto out;
	/* Published, and rung whatever the device said it wants. */
	if (!virtqueue_kick(vq))
		virtqueue_notify(vq);
	while ((c = virtqueue_dequeue(vq, &len, &error)) == NULL &&
	    error == 0 && pv_uptime_ns() < end)
		pv_pause("vtblkid", PV_NS_PER_MS);
	if (c == NULL) {
		pv_log(PV_LOG_ERR, sc->sc_name, "GET_ID: %s", error != 0 ?
		    "the device broke the queue" : "no answer in 1 s");
		error = EIO;
		goto out;
	}
	if (pv_load_acq(&d->d_status) == VIRTIO_BLK_S_OK) {
		for (i = 0; i < VIRTIO_BLK_ID_BYTES && id[i] >= 0x20 &&
		    id[i] < 0x7f; i++)
			sc->sc_serial[i] = (char)id[i];
		sc->sc_serial[i] = '\0';
	}
out:
	pv_page_free(id);
	return (error);
}

static void
vtblk_counters(struct vtblk_softc *sc)
{
	struct pv_ctl *n;

	n = pv_ctl_node(pv_ctl_node(pv_ctl_node(NULL, "dev"), "vtblk"),
	    sc->sc_name);
	if ((sc->sc_ctl = n) == NULL)
		return;
	pv_ctl_counter(n, "kicks", &sc->sc_kicks, "doorbells rung");
	pv_ctl_counter(n, "intrs", &sc->sc_intrs, "queue interrupts handled");
	pv_ctl_counter(n, "bounced", &sc->sc_bounced,
	    "requests copied through a bounce buffer");
	pv_ctl_counter(n, "stalls", &sc->sc_stalls,
	    "times the watchdog found requests out and nothing done");
}

int
vtblk_attach(struct virtio_dev *vd, struct vtblk_softc **scp)
{
	struct vtblk_softc *sc;
	struct vtblk_params p;
	struct pv_blk *blk;
	int error;

	vtblk_init();
	if ((sc = pv_malloc(sizeof(*sc), PV_M_ZERO | PV_M_NOWAIT)) == NULL)
		return (ENOMEM);
	sc->sc_vd = vd;
	snprintf(sc->sc_name, sizeof(sc->sc_name), "vtbd%u", vtblk_units++);
	if ((error = virtio_negotiate(vd, wanted_features())) != 0)
		goto fail;
	if ((error = read_params(sc, &p)) != 0)
		goto fail_reset;
	vd->vd_config_fn = NULL;	/* no disk yet to tell */
	if ((error = setup_queues(sc, &p)) != 0)
		goto fail_reset;
	if ((error = alloc_dma(sc)) != 0)
		goto fail_queues;
	if ((error = pv_blk_create(&blk, &p.p_info, &p.p_lim, &vtblk_ops,
	    sc)) != 0)
		goto fail_dma;
	virtio_driver_ok(vd);
	/* Before the disk is published, so that the queue is ours alone. */
	if ((error = get_id(sc)) != 0) {
		pv_blk_destroy(blk);
		goto fail_dma;
	}
	pv_store_rel(&sc->sc_blk, blk);
	sc->sc_wce = p.p_wce;
	sc->sc_info = p.p_info;
	vtblk_counters(sc);
	vd->vd_config_arg = sc;
	vd->vd_config_fn = vtblk_config_changed;
	pv_callout_init(&sc->sc_wd, NULL);
	pv_callout_reset(&sc->sc_wd, vtblk_stall_ms * PV_NS_PER_MS,
	    vtblk_watchdog, sc);
	pv_log(PV_LOG_INFO, sc->sc_name, "%ju sectors of %u bytes%s, %u "
	    "queue(s) of %u, %u segments, features %#jx%s%s%s, serial \"%s\"",
	    (uintmax_t)p.p_info.di_sectors, p.p_info.di_sector_size,
	    p.p_info.di_readonly ? " (read-only)" : "", sc->sc_nq,
	    virtqueue_size(sc->sc_vqi[0].vi_vq), sc->sc_max_segs,
	    (uintmax_t)vd->vd_features, sc->sc_wce ? ", write-back" : "",
	    (p.p_info.di_features & PV_DISK_DISCARD) != 0 ? ", discard" : "",
	    (p.p_info.di_features & PV_DISK_WRITE_ZEROES) != 0 ?
	    ", write-zeroes" : "", sc->sc_serial);
	*scp = sc;
	return (0);
fail_dma:
	free_dma(sc);
fail_queues:
	virtio_reset(vd);
	virtio_free_queues(vd);
	goto fail;
fail_reset:
	virtio_reset(vd);
fail:
	if (error != ENXIO)
		virtio_fail(vd, "virtio-blk did not attach");
	pv_free(sc);
	return (error);
}

void
vtblk_detach(struct vtblk_softc *sc)
{
	sc->sc_vd->vd_config_fn = NULL;
	pv_blk_lock(sc->sc_blk);
	sc->sc_wd_stop = true;
	pv_blk_unlock(sc->sc_blk);
	pv_callout_drain(&sc->sc_wd);
	if (sc->sc_suspended) {
		/* Its queues are gone already; end what waits for them. */
		pv_blk_lock(sc->sc_blk);
		pv_blk_fail(sc->sc_blk, "detached while suspended");
		pv_blk_unlock(sc->sc_blk);
	}
	if (sc->sc_ctl != NULL)
		pv_ctl_remove(sc->sc_ctl);
	/* The device stops first: nothing it holds is touched after. */
	virtio_reset(sc->sc_vd);
	virtio_free_queues(sc->sc_vd);	/* nothing, if suspended */
	pv_blk_destroy(sc->sc_blk);
	vtblk_unbounce_all(sc);
	free_dma(sc);
	pv_free(sc);
}

/* Add up the queues' figures into st; the disk is locked. */
static void
add_vq_stats(struct vtblk_softc *sc, struct vq_stats *st)
{
	struct vq_stats q1;
	unsigned q;

	for (q = 0; q < sc->sc_nq && sc->sc_vqi[q].vi_vq != NULL; q++) {
		virtqueue_stats(sc->sc_vqi[q].vi_vq, &q1);
		st->vq_enqueued += q1.vq_enqueued;
		st->vq_kicks += q1.vq_kicks;
		st->vq_suppressed += q1.vq_suppressed;
		st->vq_indirect += q1.vq_indirect;
	}
}

int
vtblk_suspend(struct vtblk_softc *sc, uint64_t drain_ns, unsigned *requeuedp)
{
	uint32_t busy;

	if (sc->sc_suspended)
		return (EALREADY);
	busy = pv_blk_drain(sc->sc_blk, drain_ns);
	/* Stopped, the device holds nothing: its queues can go. */
	virtio_reset(sc->sc_vd);
	pv_blk_lock(sc->sc_blk);
	add_vq_stats(sc, &sc->sc_vq_past);
	pv_blk_unlock(sc->sc_blk);
	virtio_free_queues(sc->sc_vd);
	pv_blk_lock(sc->sc_blk);
	pv_blk_requeue(sc->sc_blk);
	vtblk_unbounce_all(sc);
	sc->sc_suspended = true;
	pv_blk_unlock(sc->sc_blk);
	if (requeuedp != NULL)
		*requeuedp = busy;
	return (0);
}

int
vtblk_resume(struct vtblk_softc *sc)
{
	struct virtio_dev *vd = sc->sc_vd;
	uint64_t agreed = vd->vd_features;
	struct vtblk_params p;
	struct pv_disk_info di;
	const char *why = NULL;
	unsigned nq = sc->sc_nq, q;
	int error;

	if (!sc->sc_suspended)
		return (EINVAL);
	vd->vd_config_fn = NULL;
	if ((error = virtio_negotiate(vd, agreed)) != 0)
		why = "negotiation failed";
	else if (vd->vd_features != agreed)
		why = "the device offers other features than before";
	else if ((error = read_params(sc, &p)) != 0)
		why = "its config is no longer valid";
	else if (p.p_info.di_sector_size != sc->sc_info.di_sector_size ||
	    pv_min(p.p_nq, vtblk_max_queues) != nq)
		why = "its sector size or queue count changed";
	else if ((error = virtio_alloc_queues(vd, nq, sc->sc_vqi)) != 0)
		why = "its queues could not be set up again";
	if (why == NULL)
		for (q = 0; q < nq; q++)
			if (virtqueue_size(sc->sc_vqi[q].vi_vq) != sc->sc_qsize)
				why = "its queues are another size";
	pv_blk_info(sc->sc_blk, &di);
	pv_blk_lock(sc->sc_blk);
	sc->sc_suspended = false;
	if (why != NULL) {
		/* What waits cannot go anywhere: fail it, loudly. */
		virtio_fail(vd, why);
		pv_blk_fail(sc->sc_blk, why);
		pv_blk_thaw(sc->sc_blk, PV_FREEZE_SUSPEND);
		pv_blk_unlock(sc->sc_blk);
		return (error != 0 ? error : EIO);
	}
	if (p.p_info.di_sectors != di.di_sectors) {
		pv_log(PV_LOG_NOTICE, sc->sc_name, "capacity is %ju sectors "
		    "after resume, was %ju", (uintmax_t)p.p_info.di_sectors,
		    (uintmax_t)di.di_sectors);
		di.di_sectors = p.p_info.di_sectors;
		pv_blk_set_info(sc->sc_blk, &di);
	}
	virtio_driver_ok(vd);
	vd->vd_config_arg = sc;
	vd->vd_config_fn = vtblk_config_changed;
	pv_blk_thaw(sc->sc_blk, PV_FREEZE_SUSPEND);
	pv_blk_unlock(sc->sc_blk);
	return (0);
}

struct pv_blk *
vtblk_disk(struct vtblk_softc *sc)
{
	return (sc->sc_blk);
}

void
vtblk_info(struct vtblk_softc *sc, struct vtblk_info *vi)
{
	struct vq_stats st;

	memset(vi, 0, sizeof(*vi));
	vi->vi_features = sc->sc_vd->vd_features;
	vi->vi_nqueues = sc->sc_nq;
	vi->vi_queue_size = sc->sc_qsize;
	vi->vi_indirect = virtio_has(sc->sc_vd, VIRTIO_RING_F_INDIRECT_DESC);
	vi->vi_event_idx = virtio_has(sc->sc_vd, VIRTIO_RING_F_EVENT_IDX);
	vi->vi_wce = sc->sc_wce;
	vi->vi_max_segs = sc->sc_max_segs;
	pv_blk_lock(sc->sc_blk);
	st = sc->sc_vq_past;
	if (!sc->sc_suspended)
		add_vq_stats(sc, &st);
	vi->vi_requests = st.vq_enqueued;
	vi->vi_kicks = st.vq_kicks;
	vi->vi_suppressed = st.vq_suppressed;
	vi->vi_intrs = sc->sc_intrs;
	vi->vi_bounced = sc->sc_bounced;
	vi->vi_stalls = sc->sc_stalls;
	pv_strlcpy(vi->vi_serial, sc->sc_serial, sizeof(vi->vi_serial));
	pv_blk_unlock(sc->sc_blk);
}
