/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vhost-user: a virtio transport for hosted kernels.  The device is
 * another process (qemu-storage-daemon's vhost-user-blk export, say) that
 * maps our guest RAM from the memfd we pass it, reads the virtqueues in
 * place, is kicked through one eventfd per queue and interrupts us through
 * another.  There is no device status on this wire: the transport keeps
 * it, and a reset stops the rings.
 */
#ifndef _PVVIRTIO_VHOST_USER_H_
#define _PVVIRTIO_VHOST_USER_H_

#include <stdint.h>

struct vhost_user;
struct virtio_dev;

/*
 * Connect to the back-end listening on path and learn what it offers.
 * Errors name the step that failed.
 */
int	vhost_user_connect(const char *path, struct vhost_user **vup);
/* Close the connection; the device must have been reset first. */
void	vhost_user_close(struct vhost_user *vu);
struct virtio_dev *vhost_user_dev(struct vhost_user *vu);

struct vhost_user_info {
	uint64_t	vi_features;		/* the device's offer */
	uint64_t	vi_protocol_features;	/* agreed */
	unsigned	vi_max_queues;
};

void	vhost_user_info(const struct vhost_user *vu,
	    struct vhost_user_info *vi);

#endif /* !_PVVIRTIO_VHOST_USER_H_ */
