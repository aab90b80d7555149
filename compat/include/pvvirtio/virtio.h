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
};

struct virtio_dev {
	const struct virtio_transport_ops *vd_ops;
	void		*vd_t;
	const char	*vd_name;
	uint64_t	 vd_features;	/* negotiated */
	bool		 vd_failed;
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

#endif /* !_PVVIRTIO_VIRTIO_H_ */
