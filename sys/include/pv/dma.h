/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * DMA sharing: how a driver lets its device or backend at a buffer for
 * one I/O.  pv_dma_share before the I/O gives the memory to hand over:
 * the buffer itself when every page of it has a frame and it is aligned
 * as the device needs, else private bounce pages, with the data copied
 * in for a device that reads it.  pv_dma_unshare after the I/O copies
 * back what the device wrote and releases the bounce pages.
 *
 * A driver that must not expose the caller's pages asks for bouncing
 * always (blkfront with trusted=0); so may the platform or the user, with
 * the tunable kern.dma.bounce=1.  The models are OpenBSD's bus_dma, the
 * Linux DMA API and the share/unshare of the rcore virtio-drivers HAL.
 */
#ifndef _PV_DMA_H_
#define _PV_DMA_H_

#include <stdbool.h>
#include <stddef.h>

#define	PV_DMA_TO_DEVICE	0x0001	/* the device reads the buffer */
#define	PV_DMA_FROM_DEVICE	0x0002	/* the device writes the buffer */
#define	PV_DMA_BOUNCE		0x0004	/* never the caller's own pages */

struct pv_dma {
	void	*dm_va;		/* what the device may be given */
	size_t	 dm_len;
	/* Private. */
	void	*dm_buf;
	void	*dm_bounce;
	size_t	 dm_bounce_pages;
	int	 dm_flags;
};

/*
 * Share len bytes at buf; align is what the device needs of the start
 * (a power of two; 1 for none).  ENOMEM when a bounce was needed and no
 * pages could be had; then nothing is shared.
 */
int	pv_dma_share(struct pv_dma *dm, void *buf, size_t len, size_t align,
	    int flags);
/*
 * The I/O is over: copy back what the device wrote when done is true
 * (it succeeded), and release the bounce pages.
 */
void	pv_dma_unshare(struct pv_dma *dm, bool done);
/*
 * The device may still hold the pages (a grant it did not give back):
 * leave them to it for ever rather than reuse memory it can write.
 */
void	pv_dma_abandon(struct pv_dma *dm);
bool	pv_dma_bounced(const struct pv_dma *dm);

#endif /* !_PV_DMA_H_ */
