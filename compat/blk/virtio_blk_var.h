/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * virtio-blk's private state, shared by its attach half (virtio_blk.c)
 * and its request half (virtio_blk_io.c).
 */
#ifndef _VIRTIO_BLK_VAR_H_
#define _VIRTIO_BLK_VAR_H_

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_blk.h>

#include <pv/blk.h>
#include <pv/callout.h>
#include <pv/dma.h>
#include <pv/mem.h>
#include <pv/time.h>
#include <pvvirtio/virtio.h>
#include <pvvirtio/virtqueue.h>

#define	VTBLK_MAX_QUEUES	16
#define	VTBLK_MAX_CMDS		1024
extern uint32_t vtblk_stall_ms;
/* A status the device never writes: one left in place was not written. */
#define	VTBLK_S_UNSET		0xff

/*
 * What the device reads and writes besides the data, per command slot, in
 * guest memory: the header, a discard/write-zeroes range and the status.
 */
struct vtblk_dma {
	struct virtio_blk_outhdr		d_hdr;
	struct virtio_blk_discard_write_zeroes	d_range;
	uint8_t					d_status;
	uint8_t					d_pad[15];
};

struct vtblk_slot {
	struct pv_dma	 s_dma;		/* the data, shared */
	uint16_t	 s_queue;
};

struct vtblk_softc;

/* What a queue's interrupt handler is given. */
struct vtblk_queue {
	struct vtblk_softc	*q_sc;
	unsigned		 q_idx;
};

struct vtblk_softc {
	char			 sc_name[16];
	struct virtio_dev	*sc_vd;
	struct pv_blk		*sc_blk;
	unsigned		 sc_nq;
	struct virtio_vq_info	 sc_vqi[VTBLK_MAX_QUEUES];
	struct vtblk_queue	 sc_q[VTBLK_MAX_QUEUES];
	bool			 sc_kick[VTBLK_MAX_QUEUES];
	unsigned		 sc_next_q;
	struct vtblk_dma	*sc_dma;
	size_t			 sc_dma_pages;
	struct vtblk_slot	*sc_slots;
	uint32_t		 sc_ncmds;
	struct vq_seg		*sc_segs;	/* scratch, disk locked */
	uint32_t		 sc_max_segs;	/* data descriptors */
	uint32_t		 sc_size_max;	/* bytes per descriptor */
	bool			 sc_wce;
	char			 sc_serial[VIRTIO_BLK_ID_BYTES + 1];
	bool			 sc_suspended;
	uint16_t		 sc_qsize;	/* every queue's, as agreed */
	struct pv_disk_info	 sc_info;	/* as attached */
	struct pv_ctl		*sc_ctl;
	struct pv_callout	 sc_wd;		/* the stall watchdog */
	bool			 sc_wd_stop;
	uint64_t		 sc_done;	/* completions, for the watchdog */
	uint64_t		 sc_done_seen;
	uint64_t		 sc_stalls;
	uint64_t		 sc_kicks;
	uint64_t		 sc_intrs;
	uint64_t		 sc_bounced;
	struct vq_stats		 sc_vq_past;	/* of queues freed on suspend */
};

extern const struct pv_blk_ops vtblk_ops;
void	vtblk_vq_intr(void *arg);
void	vtblk_watchdog(void *arg);
void	vtblk_unbounce_all(struct vtblk_softc *sc);

#endif /* !_VIRTIO_BLK_VAR_H_ */
