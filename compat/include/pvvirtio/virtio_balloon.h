/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * virtio-balloon: the balloon core (pv/balloon.h) over a virtio device.
 * The device's num_pages is the core's target; each batch of frames goes
 * to the inflate or deflate queue and is waited for; the size the
 * balloon reaches is written back as actual.
 */
#ifndef _PVVIRTIO_VIRTIO_BALLOON_H_
#define _PVVIRTIO_VIRTIO_BALLOON_H_

#include <stdint.h>

struct pv_balloon;
struct virtio_dev;
struct vtballoon_softc;

/* Negotiate, set up the queues and start the balloon ("balloon0", ...). */
int	vtballoon_attach(struct virtio_dev *vd, struct vtballoon_softc **scp);
/* Give every page back, then reset the device. */
void	vtballoon_detach(struct vtballoon_softc *sc);
struct pv_balloon *vtballoon_balloon(struct vtballoon_softc *sc);
const char *vtballoon_name(const struct vtballoon_softc *sc);

#endif /* !_PVVIRTIO_VIRTIO_BALLOON_H_ */
