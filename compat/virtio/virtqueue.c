/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Split virtqueues.
 *
 * The free descriptors, each chain's length and what each chain lets the
 * device write are kept in private arrays: the device shares the
 * descriptor table and could rewrite it, so nothing is read back from it.
 * A chain's head is its id; a used entry must name a head in flight.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <linux/virtio_ring.h>

#include <pv/atomic.h>
#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pvvirtio/virtqueue.h>

#define	VQ_ALIGN	PV_PAGE_SIZE	/* the used ring, in legacy layout */
#define	NO_DESC		0xffff

struct virtqueue {
	struct vq_config	 q_cfg;
	uint16_t		 q_size;
	void			*q_mem;
	size_t			 q_mem_pages;
	struct vring_desc	*q_desc;
	struct vring_avail	*q_avail;
	struct vring_used	*q_used;
	uint16_t		*q_used_event;	/* in the available ring */
	uint16_t		*q_avail_event;	/* in the used ring */
	/* Private: never read back from shared memory. */
	void			**q_cookie;	/* by head; NULL if not in flight */
	uint16_t		*q_next;	/* free list and chain links */
	uint16_t		*q_ndesc;	/* by head */
	uint32_t		*q_wlen;	/* by head: writable bytes offered */
	uint16_t		 q_free_head;
	uint16_t		 q_nfree;
	uint16_t		 q_avail_idx;	/* ours, not yet all published */
	uint16_t		 q_kicked_idx;	/* last published */
	uint16_t		 q_last_used;
	bool			 q_broken;
	/* Indirect tables, one per head. */
	struct vring_desc	*q_ind;
	size_t			 q_ind_pages;
	struct vq_stats		 q_stats;
};

static size_t
ring_bytes(uint16_t n, size_t *used_off)
{
	size_t avail_end = 16u * n + 6 + 2u * n;

	*used_off = pv_roundup(avail_end, VQ_ALIGN);
	return (*used_off + pv_roundup(6 + 8u * n, VQ_ALIGN));
}

int
virtqueue_alloc(struct virtqueue **vqp, const struct vq_config *cfg)
{
	struct virtqueue *vq;
	size_t used_off, bytes;
	uint16_t n = cfg->vc_size, i;

	if (n == 0 || !pv_powerof2(n) || n > VQ_SIZE_MAX ||
	    cfg->vc_notify == NULL ||
	    (cfg->vc_indirect && cfg->vc_max_indirect < 2))
		return (EINVAL);
	if ((vq = pv_malloc(sizeof(*vq), PV_M_ZERO | PV_M_NOWAIT)) == NULL)
		return (ENOMEM);
	vq->q_cfg = *cfg;
	vq->q_size = n;
	bytes = ring_bytes(n, &used_off);
	vq->q_mem_pages = bytes / PV_PAGE_SIZE;
	vq->q_mem = pv_pages_alloc(vq->q_mem_pages, PV_M_NOWAIT | PV_M_ZERO,
	    NULL);
	vq->q_cookie = pv_malloc(n * sizeof(void *), PV_M_ZERO | PV_M_NOWAIT);
	vq->q_next = pv_malloc(n * sizeof(uint16_t), PV_M_NOWAIT);
	vq->q_ndesc = pv_malloc(n * sizeof(uint16_t), PV_M_ZERO | PV_M_NOWAIT);
	vq->q_wlen = pv_malloc(n * sizeof(uint32_t), PV_M_ZERO | PV_M_NOWAIT);
	if (vq->q_mem == NULL || vq->q_cookie == NULL || vq->q_next == NULL ||
	    vq->q_ndesc == NULL || vq->q_wlen == NULL)
		goto fail;
	if (cfg->vc_indirect) {
		vq->q_ind_pages = pv_roundup((size_t)n * cfg->vc_max_indirect *
		    sizeof(struct vring_desc), PV_PAGE_SIZE) / PV_PAGE_SIZE;
		vq->q_ind = pv_pages_alloc(vq->q_ind_pages, PV_M_NOWAIT, NULL);
		if (vq->q_ind == NULL)
			goto fail;
	}
	vq->q_desc = vq->q_mem;
	vq->q_avail = (struct vring_avail *)((char *)vq->q_mem + 16u * n);
	vq->q_used = (struct vring_used *)((char *)vq->q_mem + used_off);
	vq->q_used_event = (uint16_t *)&vq->q_avail->ring[n];
	vq->q_avail_event = (uint16_t *)&vq->q_used->ring[n];
	for (i = 0; i < n; i++)
		vq->q_next[i] = i + 1 < n ? i + 1 : NO_DESC;
	vq->q_free_head = 0;
	vq->q_nfree = n;
	*vqp = vq;
	return (0);
fail:
	virtqueue_free(vq);
	return (ENOMEM);
}

void
virtqueue_free(struct virtqueue *vq)
{
	if (vq->q_mem != NULL)
		pv_pages_free(vq->q_mem, vq->q_mem_pages);
	if (vq->q_ind != NULL)
		pv_pages_free(vq->q_ind, vq->q_ind_pages);
	pv_free(vq->q_cookie);
	pv_free(vq->q_next);
	pv_free(vq->q_ndesc);
	pv_free(vq->q_wlen);
	pv_free(vq);
}

pv_paddr_t
virtqueue_desc_paddr(const struct virtqueue *vq)
{
	return (pv_vtophys(vq->q_desc));
}

pv_paddr_t
virtqueue_avail_paddr(const struct virtqueue *vq)
{
	return (pv_vtophys(vq->q_avail));
}

pv_paddr_t
virtqueue_used_paddr(const struct virtqueue *vq)
{
	return (pv_vtophys(vq->q_used));
}

uint16_t
virtqueue_size(const struct virtqueue *vq)
{
	return (vq->q_size);
}

uint16_t
virtqueue_index(const struct virtqueue *vq)
{
	return (vq->q_cfg.vc_index);
}

uint16_t
virtqueue_nfree(const struct virtqueue *vq)
{
	return (vq->q_nfree);
}

bool
virtqueue_broken(const struct virtqueue *vq)
{
	return (vq->q_broken);
}

static void
vq_fill(struct vring_desc *d, const struct vq_seg *s, uint16_t next, bool last)
{
	d->addr = htole64(s->vs_paddr);
	d->len = htole32(s->vs_len);
	d->flags = htole16((s->vs_write ? VRING_DESC_F_WRITE : 0) |
	    (last ? 0 : VRING_DESC_F_NEXT));
	d->next = htole16(last ? 0 : next);
}

int
virtqueue_enqueue(struct virtqueue *vq, void *cookie,
    const struct vq_seg *segs, unsigned nsegs)
{
	uint16_t head, d, i;
	uint32_t wlen = 0;
	bool ind;

	if (vq->q_broken)
		return (EIO);
	if (nsegs == 0 || cookie == NULL)
		return (EINVAL);
	/* Readable segments must come before writable ones (2.7.4.2). */
	for (i = 0; i < nsegs; i++) {
		if (i > 0 && segs[i - 1].vs_write && !segs[i].vs_write)
			return (EINVAL);
		if (segs[i].vs_write)
			wlen += segs[i].vs_len;
	}
	ind = vq->q_cfg.vc_indirect && nsegs > 1 &&
	    nsegs <= vq->q_cfg.vc_max_indirect;
	/* A direct chain longer than the queue could never be queued. */
	if (!ind && nsegs > vq->q_size)
		return (EINVAL);
	if (vq->q_nfree < (ind ? 1 : nsegs))
		return (ENOSPC);
	head = vq->q_free_head;
	if (ind) {
		struct vring_desc *t = vq->q_ind + (size_t)head *
		    vq->q_cfg.vc_max_indirect;

		for (i = 0; i < nsegs; i++)
			vq_fill(&t[i], &segs[i], (uint16_t)(i + 1),
			    i + 1u == nsegs);
		vq->q_desc[head].addr = htole64(pv_vtophys(t));
		vq->q_desc[head].len = htole32(nsegs *
		    (uint32_t)sizeof(struct vring_desc));
		vq->q_desc[head].flags = htole16(VRING_DESC_F_INDIRECT);
		vq->q_desc[head].next = 0;
		vq->q_free_head = vq->q_next[head];
		vq->q_ndesc[head] = 1;
		vq->q_stats.vq_indirect++;
	} else {
		for (i = 0, d = head; i < nsegs; i++) {
			vq_fill(&vq->q_desc[d], &segs[i], vq->q_next[d],
			    i + 1u == nsegs);
			if (i + 1u < nsegs)
				d = vq->q_next[d];
		}
		vq->q_free_head = vq->q_next[d];
		vq->q_ndesc[head] = (uint16_t)nsegs;
	}
	vq->q_nfree -= vq->q_ndesc[head];
	vq->q_cookie[head] = cookie;
	vq->q_wlen[head] = wlen;
	vq->q_avail->ring[vq->q_avail_idx & (vq->q_size - 1)] = htole16(head);
	vq->q_avail_idx++;
	vq->q_stats.vq_enqueued++;
	return (0);
}

bool
virtqueue_kick(struct virtqueue *vq)
{
	uint16_t old = vq->q_kicked_idx, new = vq->q_avail_idx;
	bool notify;

	if (old == new)
		return (false);
	/* The entries before the index that publishes them. */
	pv_wmb();
	pv_store_rel(&vq->q_avail->idx, htole16(new));
	vq->q_kicked_idx = new;
	/* The index before reading whether the device wants to hear. */
	pv_mb();
	if (vq->q_cfg.vc_event_idx)
		notify = vring_need_event(le16toh(pv_load_acq(
		    vq->q_avail_event)), new, old);
	else
		notify = (le16toh(pv_load_acq(&vq->q_used->flags)) &
		    VRING_USED_F_NO_NOTIFY) == 0;
	if (notify) {
		vq->q_stats.vq_kicks++;
		vq->q_cfg.vc_notify(vq, vq->q_cfg.vc_arg);
	} else
		vq->q_stats.vq_suppressed++;
	return (notify);
}

void
virtqueue_notify(struct virtqueue *vq)
{
	vq->q_stats.vq_kicks++;
	vq->q_cfg.vc_notify(vq, vq->q_cfg.vc_arg);
}

static void
vq_break(struct virtqueue *vq, const char *why, unsigned a, unsigned b)
{
	if (!vq->q_broken)
		pv_log(PV_LOG_ERR, "virtqueue", "queue %u: %s (%u, %u); the "
		    "device is not believed any more", vq->q_cfg.vc_index, why,
		    a, b);
	vq->q_broken = true;
}

void *
virtqueue_dequeue(struct virtqueue *vq, uint32_t *lenp, int *errorp)
{
	struct vring_used_elem e;
	uint16_t idx, d, n;
	uint32_t id, len;
	void *cookie;

	*errorp = 0;
	if (vq->q_broken) {
		*errorp = EIO;
		return (NULL);
	}
	idx = le16toh(pv_load_acq(&vq->q_used->idx));
	if (idx == vq->q_last_used)
		return (NULL);
	if ((uint16_t)(idx - vq->q_last_used) > vq->q_size) {
		vq_break(vq, "used index runs past the queue", idx,
		    vq->q_last_used);
		*errorp = EIO;
		return (NULL);
	}
	/* The entry after the index that published it; read it once. */
	pv_rmb();
	memcpy(&e, &vq->q_used->ring[vq->q_last_used & (vq->q_size - 1)],
	    sizeof(e));
	id = le32toh(e.id);
	len = le32toh(e.len);
	if (id >= vq->q_size || vq->q_cookie[id] == NULL) {
		vq_break(vq, "used id is not a request in flight", id,
		    vq->q_last_used);
		*errorp = EIO;
		return (NULL);
	}
	if (len > vq->q_wlen[id]) {
		vq_break(vq, "used length beyond the buffer", len,
		    vq->q_wlen[id]);
		*errorp = EIO;
		return (NULL);
	}
	/* Back to the free list, by our own record of the chain. */
	for (n = 1, d = (uint16_t)id; n < vq->q_ndesc[id]; n++)
		d = vq->q_next[d];
	vq->q_next[d] = vq->q_free_head;
	vq->q_free_head = (uint16_t)id;
	vq->q_nfree += vq->q_ndesc[id];
	cookie = vq->q_cookie[id];
	vq->q_cookie[id] = NULL;
	vq->q_last_used++;
	*lenp = len;
	return (cookie);
}

bool
virtqueue_enable_intr(struct virtqueue *vq)
{
	if (vq->q_cfg.vc_event_idx)
		pv_store_rel(vq->q_used_event, htole16(vq->q_last_used));
	else
		pv_store_rel(&vq->q_avail->flags, htole16(0));
	/* Our request before the device's index we then look at. */
	pv_mb();
	return (le16toh(pv_load_acq(&vq->q_used->idx)) != vq->q_last_used);
}

void
virtqueue_stats(const struct virtqueue *vq, struct vq_stats *st)
{
	*st = vq->q_stats;
}
