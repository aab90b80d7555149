/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xbdtool over virtio-blk: the same workloads, through vhost-user.
 */
#include <stdio.h>
#include <string.h>

#include <linux/virtio_config.h>

#include <pv/blk.h>
#include <pv/mem.h>
#include <pv/time.h>
#include <pvvirtio/vhost_user.h>
#include <pvvirtio/virtio.h>
#include <pvvirtio/virtio_blk.h>

#include "xbdtool.h"

static void
report(struct vtblk_softc *sc, const struct vhost_user_info *ui)
{
	struct vtblk_info vi;

	vtblk_info(sc, &vi);
	fprintf(stderr, "xbdtool: virtio-blk: offered %#jx, agreed %#jx, "
	    "protocol %#jx; %u queue(s) of %u, %u segments, indirect %s, "
	    "event-idx %s, %s cache\n", (uintmax_t)ui->vi_features,
	    (uintmax_t)vi.vi_features, (uintmax_t)ui->vi_protocol_features,
	    vi.vi_nqueues, vi.vi_queue_size, vi.vi_max_segs,
	    vi.vi_indirect ? "on" : "off", vi.vi_event_idx ? "on" : "off",
	    vi.vi_wce ? "write-back" : "write-through");
}

static int
vtblk_cycle(void *arg, uint64_t drain_ns, unsigned *requeuedp)
{
	struct vtblk_softc *sc = arg;
	int error;

	if ((error = vtblk_suspend(sc, drain_ns, requeuedp)) != 0)
		return (error);
	return (vtblk_resume(sc));
}

int
xbdtool_vhost(struct xbdtool_args *a, const char *path)
{
	struct pv_memstats before, after;
	struct vhost_user_info ui;
	struct vtblk_info vi;
	struct vhost_user *vu;
	struct vtblk_softc *sc;
	struct cycler cy;
	int error, rc;

	a->driver = "vtblk";
	a->kicks = "kicks";
	vtblk_init();
	pv_mem_stats(&before);
	if ((error = vhost_user_connect(path, &vu)) != 0) {
		fprintf(stderr, "xbdtool: vhost-user %s: %s\n", path,
		    strerror(error));
		return (1);
	}
	vhost_user_info(vu, &ui);
	if ((error = vtblk_attach(vhost_user_dev(vu), &sc)) != 0) {
		fprintf(stderr, "xbdtool: virtio-blk over %s: %s\n", path,
		    strerror(error));
		vhost_user_close(vu);
		return (1);
	}
	report(sc, &ui);
	a->blk = vtblk_disk(sc);
	cycler_start(&cy, a->suspend_ms, a->drain_ms, vtblk_cycle, sc);
	rc = xbdtool_run(a);
	if (cycler_stop(&cy) != 0)
		rc = 1;
	vtblk_info(sc, &vi);
	fprintf(stderr, "xbdtool: %ju requests, %ju kicks (%.3f per request), "
	    "%ju declined, %ju interrupts, %ju bounced\n",
	    (uintmax_t)vi.vi_requests, (uintmax_t)vi.vi_kicks,
	    vi.vi_requests != 0 ? (double)vi.vi_kicks /
	    (double)vi.vi_requests : 0.0, (uintmax_t)vi.vi_suppressed,
	    (uintmax_t)vi.vi_intrs, (uintmax_t)vi.vi_bounced);
	vtblk_detach(sc);
	vhost_user_close(vu);
	pv_mem_stats(&after);
	if (xbdtool_leaked(&before, &after, 0))
		rc = 1;
	return (rc);
}
