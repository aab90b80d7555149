/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The reference guest program, above every platform: the drivers it
 * gives each bus (guest_virtio.c, guest_xen.c), the disks they found
 * (guest_disk.c) and the workloads it can run (guest_workloads.c).
 */
#ifndef _GUEST_GUEST_H_
#define _GUEST_GUEST_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pv_bio;
struct virtio_pci;
struct vtblk_softc;

/* virtio-blk and virtio-balloon on the PCI bus; how many attached. */
unsigned	guest_attach_virtio(void);

/*
 * A workload, selected with workload=NAME.  run returns 0 for PASS, or an
 * errno with a reason in why for FAIL.
 */
struct guest_workload {
	const char	*gw_name;
	const char	*gw_descr;
	int		(*gw_run)(char *why, size_t whylen);
};

extern const struct guest_workload guest_workloads[];
extern const size_t guest_nworkloads;

#define	GUEST_DEFAULT_WORKLOAD	"selftest"

/*
 * The disks attached: virtio-blk in bus order (guest_virtio.c), then Xen
 * vbds (guest_xen.c).  gk_blk is the block layer's disk either way.
 */
struct xbd_softc;
struct guest_disk {
	struct pv_blk		*gk_blk;
	struct virtio_pci	*gk_vp;		/* virtio-blk only */
	struct vtblk_softc	*gk_sc;
	struct xbd_softc	*gk_xbd;	/* blkfront only */
};

#define	GUEST_MAX_DISKS	8

extern struct guest_disk guest_disks[GUEST_MAX_DISKS];
extern unsigned		 guest_ndisks;
/* The virtio balloon, when QEMU gave one. */
struct pv_balloon;
extern struct pv_balloon *guest_balloon;

/* One bio, waited for; the first one done marks the first I/O. */
int		guest_disk_io(struct guest_disk *gk, struct pv_bio *bio);
uint64_t	guest_first_io_ns(void);	/* since reset; 0: none yet */
/*
 * What the driver negotiated and counted: one line for virtio-blk; for
 * blkfront, each dev.xbd.NAME value as PATH=VALUE (xbdtool --stats').
 */
void		guest_disk_report(struct guest_disk *gk);
/* On Xen: the PV services, then every vbd the toolstack gave. */
unsigned	guest_attach_xen(void);
/*
 * Disks attached since boot (xl block-attach), each handed out once;
 * NULL when there is none new.  The guest closes it when done, so that
 * the toolstack can detach it.
 */
struct guest_disk *guest_hotplugged(void);
void		guest_disk_close(struct guest_disk *gk);
/*
 * What the toolstack asked for through control/shutdown: a poweroff or a
 * reboot ends the workloads (idle looks between naps); 0 when nothing.
 */
enum guest_stop { GUEST_RUN, GUEST_POWEROFF, GUEST_REBOOT };
enum guest_stop	guest_stop_requested(void);
/* Before a shutdown: every vbd closed through the xenbus handshake. */
void		guest_detach_xen(void);
/* The toolstack asked for the disk back (a detach): give it up soon. */
bool		guest_disk_wanted_back(struct guest_disk *gk);
/* Grant references this domain holds; false when not on Xen. */
bool		guest_grants_in_use(unsigned *np);
/*
 * guest_hotwrite.c: stamp a hot-plugged disk, one acknowledged write
 * after another, until the toolstack wants it back; say what was written.
 */
int		guest_write_until_wanted(struct guest_disk *gk, char *why,
		    size_t whylen);
/* guest_verify.c: one disk's verify. */
int		guest_verify_disk(struct guest_disk *gk, char *why,
		    size_t whylen);

/* Workloads: guest_selftest.c, and the platform's deliberate fault. */
int	guest_selftest(char *why, size_t whylen);
/* guest_verify.c, guest_bench.c, guest_idle.c */
int	guest_verify(char *why, size_t whylen);
int	guest_bench(char *why, size_t whylen);
int	guest_idle(char *why, size_t whylen);

#endif /* !_GUEST_GUEST_H_ */
