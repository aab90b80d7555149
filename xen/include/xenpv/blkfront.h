/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * blkfront: the Xen block frontend.  One instance drives one virtual disk
 * named by its xenstore frontend directory ("device/vbd/51728"); once the
 * backend is connected, the disk is a pv_blk of the block layer.
 */
#ifndef _XENPV_BLKFRONT_H_
#define _XENPV_BLKFRONT_H_

#include <stdbool.h>
#include <stdint.h>

#include <pv/blk.h>

struct xbd_softc;

/* Driver load: the hw.xbd tunables and the dev.xbd node. */
void		 xbd_init(void);

/* Start the handshake for the device at node (relative or absolute). */
int		 xbd_attach(const char *node, struct xbd_softc **scp);
/* Close towards the backend, fail what is left, free everything. */
void		 xbd_detach(struct xbd_softc *sc);
/* Wait until the disk is usable: 0, ETIMEDOUT, or why it failed. */
int		 xbd_wait_connected(struct xbd_softc *sc, uint64_t timeout_ns);
/*
 * Suspend, as before a checkpoint or migration: stop issuing, drain what
 * is in flight for up to drain_ns, let the backend go, and reconnect when
 * it is back at InitWait; what outlived the drain is requeued.  Resume is
 * xbd_wait_connected.
 */
int		 xbd_suspend(struct xbd_softc *sc, uint64_t drain_ns,
		    unsigned *requeuedp);
/*
 * Interrupts off (on): the rings' event channels are masked, and only
 * pv_blk_io_polled makes progress, as in a kernel dump.
 */
void		 xbd_polled(struct xbd_softc *sc, bool on);
/* Wait until the disk is no longer connected (the backend closed it). */
int		 xbd_wait_closed(struct xbd_softc *sc, uint64_t timeout_ns);
/* NULL until connected. */
struct pv_blk	*xbd_disk(struct xbd_softc *sc);
/*
 * Users of the disk.  A backend that asks to close while the disk is open
 * waits for the last close, as a mounted disk would make it wait.
 */
void		 xbd_open(struct xbd_softc *sc);
void		 xbd_close(struct xbd_softc *sc);
/*
 * The backend asked to close while the disk was open: a user that can
 * give the disk up (stop its I/O, then xbd_close) should, as a mounted
 * disk is unmounted when its eject is asked for.
 */
bool		 xbd_close_wanted(struct xbd_softc *sc);

#endif /* !_XENPV_BLKFRONT_H_ */
