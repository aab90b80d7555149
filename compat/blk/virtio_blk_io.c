/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * virtio-blk requests: a command becomes header, data and status
 * descriptors on one of the disk's queues; a completion is checked before
 * the block layer hears of it.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/atomic.h>
#include <pv/blk.h>
#include <pv/console.h>
#include <pv/dma.h>
#include <pv/libkern.h>
#include <pv/mem.h>

#include "virtio_blk_var.h"

/*
 * The data as descriptors: frames merged where they are contiguous, cut
 * where a descriptor would pass size_max.  The data is shared through
 * pv/dma.h, which bounces it when a page has no frame the device could
 * reach; ENOMEM when that bounce cannot be had.
 */
static int
data_segs(struct vtblk_softc *sc, struct pv_blkcmd *c, struct vq_seg *segs,
    unsigned *nsegp, bool dev_writes)
{
	struct vtblk_slot *s = &sc->sc_slots[c->c_slot];
	const char *va;
	uint64_t left = c->c_bytes, chunk;
	unsigned n = *nsegp;
	pv_paddr_t pa;

	if (pv_dma_share(&s->s_dma, c->c_data, left, 1, dev_writes ?
	    PV_DMA_FROM_DEVICE : PV_DMA_TO_DEVICE) != 0)
		return (ENOMEM);
	if (pv_dma_bounced(&s->s_dma))
		sc->sc_bounced++;
	va = s->s_dma.dm_va;
	while (left > 0) {
		pa = pv_vtophys(va);
		chunk = pv_min(left, PV_PAGE_SIZE - (pa & PV_PAGE_MASK));
		if (n > 1 && segs[n - 1].vs_paddr + segs[n - 1].vs_len == pa &&
		    segs[n - 1].vs_len + chunk <= sc->sc_size_max) {
			segs[n - 1].vs_len += (uint32_t)chunk;
		} else {
			chunk = pv_min(chunk, sc->sc_size_max);
			if (n - 1 >= sc->sc_max_segs)
				return (EINVAL);	/* the layer's limits */
			segs[n].vs_paddr = pa;
			segs[n].vs_len = (uint32_t)chunk;
			segs[n].vs_write = dev_writes;
			n++;
		}
		va += chunk;
		left -= chunk;
	}
	*nsegp = n;
	return (0);
}

/* The device was stopped: no slot's bounce pages are its any more. */
void
vtblk_unbounce_all(struct vtblk_softc *sc)
{
	uint32_t i;

	for (i = 0; i < sc->sc_ncmds; i++)
		pv_dma_unshare(&sc->sc_slots[i].s_dma, false);
}

/* A queue with room for n descriptors, taking turns. */
static int
pick_queue(struct vtblk_softc *sc, unsigned ndesc)
{
	unsigned i, q;

	for (i = 0; i < sc->sc_nq; i++) {
		q = (sc->sc_next_q + i) % sc->sc_nq;
		if (virtqueue_nfree(sc->sc_vqi[q].vi_vq) >= ndesc) {
			sc->sc_next_q = q + 1;
			return ((int)q);
		}
	}
	return (-1);
}

static int
vtblk_start(void *arg, struct pv_blkcmd *c)
{
	struct vtblk_softc *sc = arg;
	struct vtblk_dma *d = &sc->sc_dma[c->c_slot];
	struct vtblk_slot *s = &sc->sc_slots[c->c_slot];
	struct vq_seg *segs = sc->sc_segs;
	unsigned n = 1, ndesc;
	uint32_t type;
	int q, error;

	memset(d, 0, sizeof(*d));
	switch (c->c_op) {
	case PV_BIO_READ:
	case PV_BIO_WRITE:
		type = c->c_op == PV_BIO_READ ? VIRTIO_BLK_T_IN :
		    VIRTIO_BLK_T_OUT;
		if ((error = data_segs(sc, c, segs, &n,
		    c->c_op == PV_BIO_READ)) != 0) {
			pv_dma_unshare(&s->s_dma, false);
			return (error);
		}
		break;
	case PV_BIO_FLUSH:
		type = VIRTIO_BLK_T_FLUSH;
		break;
	case PV_BIO_DISCARD:
	case PV_BIO_WRITE_ZEROES:
		type = c->c_op == PV_BIO_DISCARD ? VIRTIO_BLK_T_DISCARD :
		    VIRTIO_BLK_T_WRITE_ZEROES;
		d->d_range.sector = htole64(c->c_sector);
		d->d_range.num_sectors = htole32((uint32_t)(c->c_bytes /
		    PV_SECTOR_SIZE));
		if (c->c_op == PV_BIO_WRITE_ZEROES &&
		    (c->c_flags & PV_BIO_UNMAP) != 0)
			d->d_range.flags =
			    htole32(VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
		segs[n].vs_paddr = pv_vtophys(&d->d_range);
		segs[n].vs_len = sizeof(d->d_range);
		segs[n].vs_write = false;
		n++;
		break;
	default:
		return (EOPNOTSUPP);
	}
	d->d_hdr.type = htole32(type);
	d->d_hdr.sector = htole64(c->c_op == PV_BIO_FLUSH ? 0 : c->c_sector);
	segs[0].vs_paddr = pv_vtophys(&d->d_hdr);
	segs[0].vs_len = sizeof(d->d_hdr);
	segs[0].vs_write = false;
	d->d_status = VTBLK_S_UNSET;
	segs[n].vs_paddr = pv_vtophys(&d->d_status);
	segs[n].vs_len = 1;
	segs[n].vs_write = true;
	n++;
	ndesc = sc->sc_vqi[0].vi_max_indirect >= n ? 1 : n;
	if ((q = pick_queue(sc, ndesc)) < 0) {
		pv_dma_unshare(&s->s_dma, false);
		pv_blk_freeze(sc->sc_blk, PV_FREEZE_CMDS);
		return (EAGAIN);
	}
	error = virtqueue_enqueue(sc->sc_vqi[q].vi_vq, c, segs, n);
	if (error != 0) {
		pv_dma_unshare(&s->s_dma, false);
		if (error == EIO)
			pv_blk_fail(sc->sc_blk, "a queue is broken");
		return (error);
	}
	s->s_queue = (uint16_t)q;
	sc->sc_kick[q] = true;
	return (0);
}

static void
vtblk_kick(void *arg)
{
	struct vtblk_softc *sc = arg;
	unsigned q;

	for (q = 0; q < sc->sc_nq; q++) {
		if (!sc->sc_kick[q])
			continue;
		sc->sc_kick[q] = false;
		if (virtqueue_kick(sc->sc_vqi[q].vi_vq))
			sc->sc_kicks++;
	}
}

/*
 * The device broke the protocol: stop it before the block layer fails what
 * is in flight, so that nothing it still holds is written after the
 * buffers go back to their owners.
 */
static void
vtblk_broken(struct vtblk_softc *sc, const char *why)
{
	pv_blk_fail(sc->sc_blk, why);
	virtio_fail(sc->sc_vd, why);
	virtio_reset(sc->sc_vd);
	vtblk_unbounce_all(sc);
}

/* Check what the device said of one command, and end it. */
static bool
vtblk_complete(struct vtblk_softc *sc, struct pv_blkcmd *c, uint32_t len)
{
	struct vtblk_dma *d = &sc->sc_dma[c->c_slot];
	struct vtblk_slot *s = &sc->sc_slots[c->c_slot];
	uint8_t status = pv_load_acq(&d->d_status);
	char why[96];
	int error;

	switch (status) {
	case VIRTIO_BLK_S_OK:
		error = 0;
		break;
	case VIRTIO_BLK_S_IOERR:
		error = EIO;
		break;
	case VIRTIO_BLK_S_UNSUPP:
		error = EOPNOTSUPP;
		break;
	default:
		snprintf(why, sizeof(why), "request %u ended with status %u "
		    "(length %u), which is no virtio-blk status", c->c_slot,
		    status, len);
		goto bad;
	}
	if (error == 0 && c->c_op == PV_BIO_READ && len != c->c_bytes + 1 &&
	    len != 0) {
		/* A short read would hand back stale bytes as data. */
		snprintf(why, sizeof(why), "read of %ju bytes completed with "
		    "used length %u", (uintmax_t)c->c_bytes, len);
		goto bad;
	}
	pv_dma_unshare(&s->s_dma, error == 0);
	sc->sc_done++;
	pv_blk_done(sc->sc_blk, c, error);
	return (true);
bad:
	vtblk_broken(sc, why);
	return (false);
}

/* Take every completion of queue q; the disk is locked. */
static void
vtblk_reap(struct vtblk_softc *sc, unsigned q)
{
	struct virtqueue *vq = sc->sc_vqi[q].vi_vq;
	struct pv_blkcmd *c;
	uint32_t len;
	int error;

	do {
		while ((c = virtqueue_dequeue(vq, &len, &error)) != NULL) {
			if (c->c_state != PV_CMD_BUSY ||
			    sc->sc_slots[c->c_slot].s_queue != q) {
				vtblk_broken(sc, "a completion for a request "
				    "not in flight on its queue");
				return;
			}
			if (!vtblk_complete(sc, c, len))
				return;
		}
		if (error != 0) {
			vtblk_broken(sc, "the device broke a queue");
			return;
		}
	} while (virtqueue_enable_intr(vq));
}

void
vtblk_vq_intr(void *arg)
{
	struct vtblk_queue *vq = arg;
	struct vtblk_softc *sc = vq->q_sc;

	/* A back-end may signal as soon as it has the call fd. */
	if (pv_load_acq(&sc->sc_blk) == NULL)
		return;
	pv_blk_lock(sc->sc_blk);
	sc->sc_intrs++;
	if (!pv_blk_failed(sc->sc_blk))
		vtblk_reap(sc, vq->q_idx);
	pv_blk_unlock(sc->sc_blk);
}

/*
 * Requests out and nothing completed for a while: take what is there, in
 * case an interrupt was lost, and ring again, in case a kick was.  Both
 * happen on QEMU before 8.1 under TCG with one CPU, which drops the
 * guest's memory barriers, so that event-index suppression can race.
 */
void
vtblk_watchdog(void *arg)
{
	struct vtblk_softc *sc = arg;
	bool stop;
	unsigned q;

	pv_blk_lock(sc->sc_blk);
	if (!pv_blk_failed(sc->sc_blk) && !sc->sc_suspended &&
	    pv_blk_busy(sc->sc_blk) > 0 && sc->sc_done == sc->sc_done_seen) {
		for (q = 0; q < sc->sc_nq && !pv_blk_failed(sc->sc_blk); q++)
			vtblk_reap(sc, q);
		if (sc->sc_done == sc->sc_done_seen) {
			if (sc->sc_stalls++ == 0)
				pv_log(PV_LOG_WARNING, sc->sc_name, "no "
				    "completion in %u ms with %u requests out; "
				    "ringing again (a notification was lost)",
				    vtblk_stall_ms, pv_blk_busy(sc->sc_blk));
			for (q = 0; q < sc->sc_nq; q++)
				virtqueue_notify(sc->sc_vqi[q].vi_vq);
		}
	}
	sc->sc_done_seen = sc->sc_done;
	stop = sc->sc_wd_stop;
	pv_blk_unlock(sc->sc_blk);
	if (!stop)
		pv_callout_reset(&sc->sc_wd, vtblk_stall_ms * PV_NS_PER_MS,
		    vtblk_watchdog, sc);
}

static void
vtblk_poll(void *arg)
{
	struct vtblk_softc *sc = arg;
	unsigned q;

	pv_blk_lock(sc->sc_blk);
	for (q = 0; q < sc->sc_nq && !pv_blk_failed(sc->sc_blk); q++)
		vtblk_reap(sc, q);
	pv_blk_unlock(sc->sc_blk);
}

const struct pv_blk_ops vtblk_ops = {
	.bo_start = vtblk_start,
	.bo_kick = vtblk_kick,
	.bo_poll = vtblk_poll,
};
