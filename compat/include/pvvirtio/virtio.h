/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A virtio device as its driver sees it, over any transport.  The
 * transport (virtio-pci legacy or modern, vhost-user, ...) supplies the
 * ops; the device core runs the initialisation sequence of the virtio 1.x
 * specification (3.1.1) and keeps config reads consistent.
 */
#ifndef _PVVIRTIO_VIRTIO_H_
#define _PVVIRTIO_VIRTIO_H_

#include <stdbool.h>
#include <stdint.h>

struct virtqueue;
struct virtio_dev;

struct virtio_transport_ops {
	void		(*vt_reset)(void *t);
	uint8_t		(*vt_get_status)(void *t);
	void		(*vt_set_status)(void *t, uint8_t status);
	uint64_t	(*vt_get_features)(void *t);	/* the device's */
	void		(*vt_set_features)(void *t, uint64_t features);
	/* 0 for transports without one (legacy): reads are then retried
	 * only if the transport says the config changed. */
	uint32_t	(*vt_config_generation)(void *t);
	void		(*vt_read_config)(void *t, unsigned off, void *buf,
			    unsigned len);
	/* Whether the transport speaks virtio 1.x (modern) at all. */
	bool		(*vt_modern)(void *t);

	/*
	 * Queues.  The largest size the device takes for queue idx, 0 when
	 * there is no such queue; a transport whose size is fixed (legacy
	 * PCI) says so, and the queue is then made exactly that size.
	 */
	uint16_t	(*vt_queue_max)(void *t, uint16_t idx);
	bool		(*vt_queue_size_fixed)(void *t);
	/*
	 * Route interrupts for nvqs queues and config changes, before any
	 * queue is enabled.  The transport then calls virtio_vq_intr() and
	 * virtio_config_intr() from interrupt thread context.
	 */
	int		(*vt_intr_setup)(void *t, struct virtio_dev *vd,
			    unsigned nvqs);
	void		(*vt_intr_teardown)(void *t);
	/* Tell the device where the queue lives, and enable it. */
	int		(*vt_queue_enable)(void *t, uint16_t idx,
			    struct virtqueue *vq);
	/* The doorbell. */
	void		(*vt_notify)(void *t, uint16_t idx);
	/* Write device config (a driver-writable field); may be NULL. */
	int		(*vt_write_config)(void *t, unsigned off,
			    const void *buf, unsigned len);
};

typedef void virtio_intr_fn(void *arg);

/* What a driver asks for each of its queues. */
struct virtio_vq_info {
	virtio_intr_fn	*vi_intr;	/* completions; interrupt thread */
	void		*vi_arg;
	uint16_t	 vi_max_size;	/* 0: as large as the device takes */
	uint16_t	 vi_max_indirect; /* entries per indirect table */
	struct virtqueue *vi_vq;	/* out */
};

struct virtio_dev {
	const struct virtio_transport_ops *vd_ops;
	void		*vd_t;
	const char	*vd_name;
	uint64_t	 vd_features;	/* negotiated */
	bool		 vd_failed;
	/* Set by the driver before virtio_alloc_queues. */
	virtio_intr_fn	*vd_config_fn;	/* config changed; may be NULL */
	void		*vd_config_arg;
	/* Private to the core. */
	struct virtio_vq_info *vd_vqs;
	unsigned	 vd_nvqs;
};

/*
 * Reset, acknowledge, and agree on features: the device's offer masked by
 * wanted, with VIRTIO_F_VERSION_1 always taken when a modern device
 * offers it (the specification's MUST).  On a modern device FEATURES_OK
 * is set and read back; a device that clears it refused the set, and the
 * device is marked FAILED.  Returns 0 or an errno; the log names why.
 */
int	virtio_negotiate(struct virtio_dev *vd, uint64_t wanted);
bool	virtio_has(const struct virtio_dev *vd, unsigned bit);
/* Queues are set up: the driver is ready. */
void	virtio_driver_ok(struct virtio_dev *vd);
/* Give up on the device: FAILED, and say why once. */
void	virtio_fail(struct virtio_dev *vd, const char *why);
/*
 * Read len bytes of device config at off, retrying until the config
 * generation is the same before and after, as a multi-field read needs.
 * EIO if it never settles.
 */
int	virtio_read_config(struct virtio_dev *vd, unsigned off, void *buf,
	    unsigned len);

/* EOPNOTSUPP when the transport cannot write config. */
int	virtio_write_config(struct virtio_dev *vd, unsigned off,
	    const void *buf, unsigned len);

/*
 * Make nvqs queues (INDIRECT_DESC and EVENT_IDX as negotiated), route
 * their interrupts and enable them.  Between virtio_negotiate and
 * virtio_driver_ok.  On error nothing is left allocated.
 */
int	virtio_alloc_queues(struct virtio_dev *vd, unsigned nvqs,
	    struct virtio_vq_info *info);
/* After a reset: the device no longer looks at the queues. */
void	virtio_free_queues(struct virtio_dev *vd);
/* Reset the device so that it stops using memory (detach, suspend). */
void	virtio_reset(struct virtio_dev *vd);

/* For transports, from interrupt thread context. */
void	virtio_vq_intr(struct virtio_dev *vd, unsigned idx);
void	virtio_config_intr(struct virtio_dev *vd);

#endif /* !_PVVIRTIO_VIRTIO_H_ */
