/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xbdtool: a hosted frontend that attaches one disk and runs a workload on
 * it, through blkfront or through virtio-blk over vhost-user.
 *
 *   XENSTORED_PATH=SOCK xbdtool --domain N --vdev NAME [options] WORKLOAD
 *   xbdtool --vhost-user SOCK [options] WORKLOAD
 *   XENSTORED_PATH=SOCK xbdtool --domain N [--mem MIB] balloon SECONDS
 *
 * With --domain it joins xensim as domain N and waits for the toolstack to
 * attach NAME (xensim-ctl block-attach N '... vdev=NAME ...'); with
 * --vhost-user it connects to a vhost-user-blk back-end such as
 * qemu-storage-daemon's export.  Then it runs:
 *
 *   verify            stamped writes over the whole disk, random rewrites
 *                     (--ops N of them; --ops 0: none, every stamp gen 1),
 *                     then every sector read back and checked
 *   seq               sequential writes then reads, MB/s
 *   rand              random 4 KiB reads at a queue depth, IOPS
 *   info              the negotiated values and counters
 *   flush             a cache flush
 *   read OFF LEN      raw bytes to standard output
 *   write OFF         standard input to the disk
 *   discard OFF LEN   discard a range (--secure: erased for good)
 *   zeroes OFF LEN    write zeroes over a range (virtio-blk)
 *
 * balloon needs no disk: the domain's Xen balloon follows memory/target
 * for SECONDS or until SIGTERM (balloon.c).
 *
 * The exit status is non-zero on any error or any data mismatch.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hosted/hosted.h>
#include <hosted/xen.h>
#include <pv/blk.h>
#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/sysctl.h>
#include <pv/thread.h>
#include <pv/time.h>
#include <xenpv/blkfront.h>
#include <xenpv/evtchn.h>
#include <xenpv/gnttab.h>
#include <xenpv/vdev.h>
#include <xenpv/xenbus.h>

#include "xbdtool.h"

/* --suspend-every: one blkfront cycle, suspend then reconnect. */
static int
xbd_cycle(void *arg, uint64_t drain_ns, unsigned *requeuedp)
{
	struct xbd_softc *sc = arg;
	int error;

	if ((error = xbd_suspend(sc, drain_ns, requeuedp)) != 0)
		return (error);
	return (xbd_wait_connected(sc, 20 * PV_NS_PER_SEC));
}

/* idle SECONDS: stay attached, closed, until the toolstack detaches. */
static int
idle(const struct xbdtool_args *a, struct xbd_softc *sc)
{
	uint64_t secs;

	if (a->argc != 1 || pv_strtou64(a->argv[0], 3600, &secs) != 0) {
		fprintf(stderr, "xbdtool: idle SECONDS: one number\n");
		return (2);
	}
	fprintf(stderr, "xbdtool: idle: connected, closed, for up to %ju s\n",
	    (uintmax_t)secs);
	if (xbd_wait_closed(sc, secs * PV_NS_PER_SEC) == ETIMEDOUT) {
		fprintf(stderr, "xbdtool: idle: still attached\n");
		return (0);
	}
	fprintf(stderr, "xbdtool: idle: the disk was closed\n");
	return (0);
}

static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: xbdtool --domain N --vdev NAME [--wait SEC] [--polled] "
	    "[options] WORKLOAD\n"
	    "       xbdtool --vhost-user SOCKET [options] WORKLOAD\n"
	    "       xbdtool --domain N [--mem MIB] balloon SECONDS\n"
	    "       xbdtool -h | --help\n"
	    "options: [--mem MIB] [--depth N] [--ops N] [--bs BYTES] "
	    "[--seed N]\n"
	    "         [--threads N] [--stats] [--hold MS] "
	    "[--tunable NAME=VALUE]...\n"
	    "         [--suspend-every MS [--suspend-drain MS]] [--secure]\n"
	    "--threads: submitting threads (default: one per queue); "
	    "--stats: every\n"
	    "counter of the disk as name=value after the workload (and --hold "
	    "MS\nattached and idle); "
	    "--suspend-drain:\n"
	    "how long a suspend lets requests finish (default 5000; 0: "
	    "requeue all);\n"
	    "--secure: discard as a secure erase.\n"
	    "workloads: verify, seq, rand, info, flush, read OFFSET LENGTH,\n"
	    "           write OFFSET, discard OFFSET LENGTH, "
	    "zeroes OFFSET LENGTH,\n"
	    "           idle SECONDS (--domain only)\n"
	    "xensim is found through $XENSTORED_PATH.\n");
	exit(status);
}

static uint64_t
arg_u64(const char *opt, const char *s, uint64_t max)
{
	uint64_t v;

	if (pv_strtou64(s, max, &v) != 0) {
		fprintf(stderr, "xbdtool: %s: \"%s\" is not a number up to "
		    "%ju\n", opt, s, (uintmax_t)max);
		exit(2);
	}
	return (v);
}

bool
xbdtool_leaked(const struct pv_memstats *before,
    const struct pv_memstats *after, intmax_t grefs)
{
	if (after->ms_pages_free == before->ms_pages_free &&
	    after->ms_malloc_count == before->ms_malloc_count && grefs == 0)
		return (false);
	fprintf(stderr, "xbdtool: LEAK after detach: %jd pages, %jd "
	    "allocations, %jd grant references\n",
	    (intmax_t)(before->ms_pages_free - after->ms_pages_free),
	    (intmax_t)(after->ms_malloc_count - before->ms_malloc_count),
	    grefs);
	return (true);
}

/* Wait for the toolstack to create our end of the device. */
static int
wait_device(const char *node, unsigned seconds)
{
	uint64_t end = pv_uptime_ns() + seconds * PV_NS_PER_SEC;

	while (!xenbus_exists(XENBUS_TXN_NONE, node, "backend")) {
		if (pv_uptime_ns() > end)
			return (ETIMEDOUT);
		pv_pause("attach", 20 * PV_NS_PER_MS);
	}
	return (0);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domain",	required_argument, NULL, 'd' },
		{ "vdev",	required_argument, NULL, 'v' },
		{ "mem",	required_argument, NULL, 'm' },
		{ "wait",	required_argument, NULL, 'w' },
		{ "depth",	required_argument, NULL, 'q' },
		{ "ops",	required_argument, NULL, 'n' },
		{ "bs",		required_argument, NULL, 'b' },
		{ "seed",	required_argument, NULL, 's' },
		{ "tunable",	required_argument, NULL, 't' },
		{ "suspend-every", required_argument, NULL, 'S' },
		{ "suspend-drain", required_argument, NULL, 'D' },
		{ "polled",	no_argument,	   NULL, 'P' },
		{ "secure",	no_argument,	   NULL, 'E' },
		{ "vhost-user",	required_argument, NULL, 'V' },
		{ "threads",	required_argument, NULL, 'T' },
		{ "stats",	no_argument,	   NULL, 'C' },
		{ "hold",	required_argument, NULL, 'H' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xbdtool_args a = {
		.depth = 32,
		.ops = XBDTOOL_OPS_DEFAULT,
		.bs = 4096,
		.seed = 1,
		.drain_ms = 5000,
	};
	struct pv_hosted_conf conf = { .hc_mem_pages = 256 * 256 };
	char tunables[1024] = "", node[64];
	struct pv_memstats before, after;
	struct xen_gnttab_stats gbefore, gafter;
	struct xbd_softc *sc;
	uint64_t domid = 0;
	const char *vdev = NULL, *vhost = NULL;
	unsigned waitsec = 30;
	struct cycler cy;
	uint32_t devid = 0;
	bool balloon;
	int ch, error, rc;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			domid = arg_u64("--domain", optarg, 0x7fef);
			break;
		case 'v':
			vdev = optarg;
			break;
		case 'm':
			conf.hc_mem_pages = arg_u64("--mem", optarg, 65536) *
			    256;
			break;
		case 'w':
			waitsec = (unsigned)arg_u64("--wait", optarg, 3600);
			break;
		case 'q':
			a.depth = (unsigned)arg_u64("--depth", optarg, 1024);
			break;
		case 'n':
			a.ops = arg_u64("--ops", optarg, UINT32_MAX);
			break;
		case 'b':
			a.bs = arg_u64("--bs", optarg, 16u << 20);
			break;
		case 's':
			a.seed = arg_u64("--seed", optarg, UINT64_MAX);
			break;
		case 'P':
			a.polled = true;
			break;
		case 'D':
			a.drain_ms = arg_u64("--suspend-drain", optarg, 60000);
			break;
		case 'E':
			a.secure = true;
			break;
		case 'T':
			a.threads = (unsigned)arg_u64("--threads", optarg, 64);
			if (a.threads == 0) {
				fprintf(stderr, "xbdtool: --threads must be "
				    "positive\n");
				exit(2);
			}
			break;
		case 'C':
			a.stats = true;
			break;
		case 'H':
			a.hold_ms = arg_u64("--hold", optarg, 3600000);
			break;
		case 'V':
			vhost = optarg;
			break;
		case 'S':
			a.suspend_ms = arg_u64("--suspend-every", optarg,
			    60000);
			break;
		case 't':
			if (strchr(optarg, '=') == NULL ||
			    strlen(tunables) + strlen(optarg) + 2 >
			    sizeof(tunables)) {
				fprintf(stderr, "xbdtool: --tunable %s: expected "
				    "NAME=VALUE\n", optarg);
				exit(2);
			}
			strcat(tunables, optarg);
			strcat(tunables, " ");
			break;
		case 'h':
			usage(stdout, 0);
		default:
			usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	balloon = argc >= 1 && strcmp(argv[0], "balloon") == 0 &&
	    domid != 0 && vdev == NULL && vhost == NULL;
	if (argc < 1 || (!balloon && (vhost == NULL) == (domid == 0 ||
	    vdev == NULL)))
		usage(stderr, 2);
	if (!balloon && vhost == NULL &&
	    xen_vdev_to_devid(vdev, &devid) != 0) {
		fprintf(stderr, "xbdtool: --vdev %s is not a virtual disk "
		    "name\n", vdev);
		exit(2);
	}
	a.workload = argv[0];
	a.argc = argc - 1;
	a.argv = argv + 1;
	if (a.depth == 0 || a.bs == 0 || a.bs % PV_SECTOR_SIZE != 0) {
		fprintf(stderr, "xbdtool: --depth must be positive and --bs a "
		    "positive multiple of 512\n");
		exit(2);
	}

	if (balloon)
		xbdtool_balloon_signals();
	conf.hc_tunables = tunables;
	if ((error = pv_hosted_init(&conf)) != 0) {
		fprintf(stderr, "xbdtool: platform: %s\n", strerror(error));
		return (1);
	}
	if (vhost != NULL) {
		rc = xbdtool_vhost(&a, vhost);
		pv_hosted_fini();
		return (rc);
	}
	a.driver = "xbd";
	a.kicks = "notifications";
	if ((error = xen_hosted_attach((uint32_t)domid, "xbdtool")) != 0) {
		fprintf(stderr, "xbdtool: cannot attach as domain %ju to the "
		    "xensim at XENSTORED_PATH=%s: %s\n", (uintmax_t)domid,
		    getenv("XENSTORED_PATH") ? getenv("XENSTORED_PATH") : "",
		    strerror(error));
		return (1);
	}
	if ((error = xen_evtchn_init()) != 0 ||
	    (error = xen_gnttab_init()) != 0 || (error = xenbus_init()) != 0) {
		fprintf(stderr, "xbdtool: Xen services: %s\n", strerror(error));
		return (1);
	}
	if (balloon) {
		rc = xbdtool_balloon(&a);
		goto out;
	}
	/* What the disk borrows must all come back by detach. */
	xbd_init();
	pv_mem_stats(&before);
	xen_gnttab_stats(&gbefore);
	snprintf(node, sizeof(node), "device/vbd/%u", devid);
	fprintf(stderr, "xbdtool: domain %ju up; waiting for %s (%s)\n",
	    (uintmax_t)domid, vdev, node);
	rc = 1;
	if ((error = wait_device(node, waitsec)) != 0) {
		fprintf(stderr, "xbdtool: no %s after %u s: attach it with "
		    "xensim-ctl block-attach %ju 'vdev=%s, target=FILE'\n",
		    vdev, waitsec, (uintmax_t)domid, vdev);
		goto out;
	}
	if ((error = xbd_attach(node, &sc)) != 0) {
		fprintf(stderr, "xbdtool: blkfront: %s\n", strerror(error));
		goto out;
	}
	if ((error = xbd_wait_connected(sc, 30 * PV_NS_PER_SEC)) != 0) {
		fprintf(stderr, "xbdtool: %s did not connect: %s\n", vdev,
		    strerror(error));
		xbd_detach(sc);
		goto out;
	}
	if (strcmp(a.workload, "idle") == 0) {
		/* Connected but not open: the toolstack may detach it now. */
		rc = idle(&a, sc);
		xbd_detach(sc);
		goto out;
	}
	xbd_open(sc);
	a.blk = xbd_disk(sc);
	if (a.polled)
		xbd_polled(sc, true);
	cycler_start(&cy, a.suspend_ms, a.drain_ms, xbd_cycle, sc);
	rc = xbdtool_run(&a);
	if (a.polled)
		xbd_polled(sc, false);
	if (cycler_stop(&cy) != 0)
		rc = 1;
	xbd_close(sc);
	xbd_detach(sc);
	pv_mem_stats(&after);
	xen_gnttab_stats(&gafter);
	/* Grant frames the table grew by stay with the hypervisor. */
	after.ms_pages_free += gafter.gs_frames - gbefore.gs_frames;
	if (xbdtool_leaked(&before, &after, (intmax_t)(gbefore.gs_free +
	    (gafter.gs_total - gbefore.gs_total)) - (intmax_t)gafter.gs_free))
		rc = 1;
out:
	xenbus_fini();
	xen_gnttab_fini();
	xen_evtchn_fini();
	xen_hosted_detach();
	pv_hosted_fini();
	return (rc);
}
