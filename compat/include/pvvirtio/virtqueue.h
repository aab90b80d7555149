/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Split virtqueues (virtio 1.x, 2.7), shared by every virtio transport.
 * The layout is the legacy one (descriptors, available ring, then the
 * used ring on the next page boundary), which modern devices accept too,
 * so one queue serves legacy and modern PCI and vhost-user alike.
 *
 * Nothing the device writes is believed: a used index that runs more than
 * a queue ahead, an id that is not the head of a chain in flight, or a
 * length beyond what the chain offered makes the queue broken, and it
 * answers EIO from then on.
 */
#ifndef _PVVIRTIO_VIRTQUEUE_H_
#define _PVVIRTIO_VIRTQUEUE_H_

#include <stdbool.h>
#include <stdint.h>

#include <pv/mem.h>

struct virtqueue;

/* One buffer of a request: the device reads it, or writes it. */
struct vq_seg {
	pv_paddr_t	vs_paddr;
	uint32_t	vs_len;
	bool		vs_write;	/* device-writable */
};

typedef void vq_notify_fn(struct virtqueue *vq, void *arg);

/* The largest queue a split ring may have (virtio 1.2, 2.7). */
#define	VQ_SIZE_MAX	32768

struct vq_config {
	uint16_t	 vc_index;	/* queue number on the device */
	uint16_t	 vc_size;	/* a power of 2, at most VQ_SIZE_MAX */
	bool		 vc_event_idx;	/* VIRTIO_RING_F_EVENT_IDX agreed */
	bool		 vc_indirect;	/* VIRTIO_RING_F_INDIRECT_DESC agreed */
	uint16_t	 vc_max_indirect; /* entries per indirect table */
	vq_notify_fn	*vc_notify;	/* the transport's doorbell */
	void		*vc_arg;
};

int	virtqueue_alloc(struct virtqueue **vqp, const struct vq_config *cfg);
void	virtqueue_free(struct virtqueue *vq);

/* Where the transport tells the device the queue lives. */
pv_paddr_t	virtqueue_desc_paddr(const struct virtqueue *vq);
pv_paddr_t	virtqueue_avail_paddr(const struct virtqueue *vq);
pv_paddr_t	virtqueue_used_paddr(const struct virtqueue *vq);
uint16_t	virtqueue_size(const struct virtqueue *vq);
uint16_t	virtqueue_index(const struct virtqueue *vq);

/*
 * Queue a request: the readable segments first, then the writable ones.
 * ENOSPC when there is no room (nothing queued), EIO once broken.
 */
int	virtqueue_enqueue(struct virtqueue *vq, void *cookie,
	    const struct vq_seg *segs, unsigned nsegs);
/*
 * Publish what was queued; ring the doorbell if the device wants it.
 * Returns whether it was rung.
 */
bool	virtqueue_kick(struct virtqueue *vq);
/* Ring the doorbell whatever the device said it wants: a second chance
 * for a notification the host may have lost. */
void	virtqueue_notify(struct virtqueue *vq);
/*
 * Take one completed request: its cookie, or NULL when none is ready.
 * *errorp is EIO (and NULL returned) once the device has misbehaved.
 */
void	*virtqueue_dequeue(struct virtqueue *vq, uint32_t *lenp, int *errorp);
/*
 * Ask for an interrupt at the next completion; returns true when one is
 * already waiting, so that the caller dequeues again and no completion
 * falls between.
 */
bool	virtqueue_enable_intr(struct virtqueue *vq);
bool	virtqueue_broken(const struct virtqueue *vq);
uint16_t virtqueue_nfree(const struct virtqueue *vq);

struct vq_stats {
	uint64_t	vq_enqueued;
	uint64_t	vq_kicks;	/* doorbells rung */
	uint64_t	vq_suppressed;	/* kicks the device did not want */
	uint64_t	vq_indirect;
};

void	virtqueue_stats(const struct virtqueue *vq, struct vq_stats *st);

#endif /* !_PVVIRTIO_VIRTQUEUE_H_ */
