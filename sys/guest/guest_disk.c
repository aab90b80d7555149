/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The guest's disks, whichever bus brought them: each one's I/O, the
 * time of the first I/O since reset, and a line of what its driver
 * agreed and counted.
 */
#include <stdio.h>

#include <pv/blk.h>
#include <pv/console.h>
#include <pv/machine.h>
#include <pv/sysctl.h>
#include <pvvirtio/virtio_blk.h>
#include <pvvirtio/virtio_pci.h>

#include "guest.h"

struct guest_disk	guest_disks[GUEST_MAX_DISKS];
unsigned		guest_ndisks;
struct pv_balloon	*guest_balloon;
static uint64_t		first_io_ns;

int
guest_disk_io(struct guest_disk *gk, struct pv_bio *bio)
{
	int error;

	error = pv_blk_io(gk->gk_blk, bio);
	if (first_io_ns == 0)
		first_io_ns = pv_machine_reset_ns();
	return (error);
}

uint64_t
guest_first_io_ns(void)
{
	return (first_io_ns);
}

static int
print_ctl(const char *path, const char *value, const char *descr, void *arg)
{
	(void)descr;
	(void)arg;
	pv_printf("%s=%s\n", path, value);
	return (0);
}

void
guest_disk_report(struct guest_disk *gk)
{
	char prefix[PV_CTL_PATH_MAX];
	struct pv_disk_info di;
	struct vtblk_info vi;
	struct virtio_pci_info vpi;

	pv_blk_info(gk->gk_blk, &di);
	if (gk->gk_sc == NULL) {
		/* As xbdtool --stats prints them, for dom0 to read. */
		snprintf(prefix, sizeof(prefix), "dev.xbd.%s", di.di_name);
		(void)pv_ctl_walk(prefix, print_ctl, NULL);
		return;
	}
	vtblk_info(gk->gk_sc, &vi);
	virtio_pci_info(gk->gk_vp, &vpi);
	pv_printf("%s: %u queue(s) of %u, %u segments, indirect %s, "
	    "event-idx %s, %s cache; %ju requests, %ju kicks, %ju "
	    "interrupts (%s), %ju stalls\n", di.di_name, vi.vi_nqueues,
	    vi.vi_queue_size, vi.vi_max_segs, vi.vi_indirect ? "on" : "off",
	    vi.vi_event_idx ? "on" : "off", vi.vi_wce ? "write-back" :
	    "write-through", (uintmax_t)vi.vi_requests,
	    (uintmax_t)vi.vi_kicks, (uintmax_t)vpi.vpi_intrs,
	    virtio_pci_intr_name(vpi.vpi_intr), (uintmax_t)vi.vi_stalls);
}
