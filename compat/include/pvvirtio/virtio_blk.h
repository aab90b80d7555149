/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * virtio-blk: a disk of the shared block layer over any virtio transport.
 * The block layer owns ordering, splitting, freezes and flush policy; this
 * driver turns commands into virtio-blk requests and checks the answers.
 *
 * Tunables (hw.vtblk.*): max_queues, queue_size (0: the device's),
 * indirect, event_idx, max_segs.
 */
#ifndef _PVVIRTIO_VIRTIO_BLK_H_
#define _PVVIRTIO_VIRTIO_BLK_H_

#include <stdbool.h>
#include <stdint.h>

struct pv_blk;
struct virtio_dev;
struct vtblk_softc;

void	vtblk_init(void);
/*
 * Negotiate, read and check the config, set up the queues and register
 * the disk ("vtbd0", ...).  The device is left FAILED on error, with the
 * reason logged naming the field.
 */
int	vtblk_attach(struct virtio_dev *vd, struct vtblk_softc **scp);
/* Reset the device, then fail what is left and free everything. */
void	vtblk_detach(struct vtblk_softc *sc);
struct pv_blk *vtblk_disk(struct vtblk_softc *sc);
/*
 * Suspend: drain for at most drain_ns, reset the device and free its
 * queues; what was still on the wire is requeued and waits, frozen.
 * Resume: the whole initialisation again, checked against what was agreed
 * before (features, queues, sector size), then the queued I/O goes out.
 * A device that comes back different fails the disk.
 */
int	vtblk_suspend(struct vtblk_softc *sc, uint64_t drain_ns,
	    unsigned *requeuedp);
int	vtblk_resume(struct vtblk_softc *sc);

struct vtblk_info {
	uint64_t	vi_features;	/* negotiated */
	unsigned	vi_nqueues;
	uint16_t	vi_queue_size;
	bool		vi_indirect;
	bool		vi_event_idx;
	bool		vi_wce;		/* a write-back cache */
	uint32_t	vi_max_segs;	/* data segments per request */
	uint64_t	vi_requests;	/* put on a queue */
	uint64_t	vi_kicks;	/* doorbells rung */
	uint64_t	vi_suppressed;	/* doorbells the device declined */
	uint64_t	vi_intrs;
	uint64_t	vi_bounced;	/* requests through a bounce buffer */
	uint64_t	vi_stalls;	/* lost notifications made good */
	char		vi_serial[21];	/* GET_ID, printable; "" if none */
};

void	vtblk_info(struct vtblk_softc *sc, struct vtblk_info *vi);

#endif /* !_PVVIRTIO_VIRTIO_BLK_H_ */
