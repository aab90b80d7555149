/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim-ctl: the toolstack commands of xl, against xensim.  It talks to
 * xenstore through the real libxenstore, and writes the nodes libxl
 * writes, in libxl's order and transactions (libxl_disk.c,
 * libxl_device.c, libxl_mem.c), so that what a frontend meets here is
 * what it meets on a Xen host.
 *
 *   xensim-ctl block-attach DOM 'format=raw, vdev=xvdb, access=rw, target=FILE'
 *
 * The spec may also say backendtype=phy|qdisk, and vdev-node=
 * virtual-device-ext to write the disk's number only under that key, as
 * old xend did for some disks, instead of libxl's virtual-device.
 *
 *   xensim-ctl block-detach DOM VDEV
 *   xensim-ctl mem-set DOM SIZE
 *   xensim-ctl list
 */
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xenstore.h>

#include <xen/io/xenbus.h>

#include <xenpv/vdev.h>

/* libxl's LIBXL_INIT_TIMEOUT and LIBXL_DESTROY_TIMEOUT, in ms. */
#define	INIT_TIMEOUT_MS		10000
#define	DESTROY_TIMEOUT_MS	10000

static struct xs_handle	*xsh;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xensim-ctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static unsigned
parse_domid(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v >= 0x7ff0)
		die("invalid domain \"%s\": expected a guest domid, 1-32751",
		    s);
	return ((unsigned)v);
}

static char *
xread(xs_transaction_t t, const char *path)
{
	unsigned int len;

	return (xs_read(xsh, t, path, &len));
}

static void
xwrite(xs_transaction_t t, const char *path, const char *val)
{
	if (!xs_write(xsh, t, path, val, strlen(val)))
		die("write %s: %s", path, strerror(errno));
}

static void
xperms(xs_transaction_t t, const char *path, unsigned owner, int oprm,
    unsigned other, int othprm)
{
	struct xs_permissions p[2] = {
		{ .id = owner, .perms = oprm },
		{ .id = other, .perms = othprm },
	};

	if (!xs_set_permissions(xsh, t, path, p, 2))
		die("set permissions of %s: %s", path, strerror(errno));
}

static void
require_domain(unsigned domid)
{
	char path[64], *name;

	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	if ((name = xread(XBT_NULL, path)) == NULL)
		die("domain %u does not exist", domid);
	free(name);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/*
 * Wait for path to read want, or also when that is not NULL, or to be
 * gone when gone_ok; false after timeout_ms.
 */
static bool
wait_value(const char *path, const char *want, const char *also,
    bool gone_ok, int timeout_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	struct pollfd pfd;
	unsigned int n;
	char **ev, *v;
	bool ok = false;

	if (!xs_watch(xsh, path, "wait"))
		die("watch %s: %s", path, strerror(errno));
	pfd.fd = xs_fileno(xsh);
	pfd.events = POLLIN;
	while (!ok && now_ms() < deadline) {
		v = xread(XBT_NULL, path);
		ok = v == NULL ? gone_ok && errno == ENOENT :
		    strcmp(v, want) == 0 || (also != NULL &&
		    strcmp(v, also) == 0);
		free(v);
		if (ok)
			break;
		if (poll(&pfd, 1, (int)(deadline - now_ms())) > 0 &&
		    (ev = xs_read_watch(xsh, &n)) != NULL)
			free(ev);
	}
	xs_unwatch(xsh, path, "wait");
	return (ok);
}

/* xs_rm, then remove each parent left with an empty value and no child. */
static void
path_cleanup(xs_transaction_t t, const char *path)
{
	char buf[256], *slash, *v, **kids;
	unsigned int n;

	xs_rm(xsh, t, path);
	snprintf(buf, sizeof(buf), "%s", path);
	while ((slash = strrchr(buf, '/')) != NULL && slash != buf) {
		*slash = '\0';
		v = xread(t, buf);
		kids = xs_directory(xsh, t, buf, &n);
		if (v == NULL || v[0] != '\0' || kids == NULL || n != 0) {
			free(v);
			free(kids);
			break;
		}
		free(v);
		free(kids);
		xs_rm(xsh, t, buf);
	}
}

struct disk {
	const char	*format;
	const char	*vdev;
	const char	*access;
	const char	*target;
	const char	*backendtype;
	/* Where the disk's number goes: libxl's key, or old xend's. */
	const char	*vdev_node;
};

/* Parse "k=v, k=v"; unknown keys and bad values name themselves. */
static void
parse_disk(char *spec, struct disk *d)
{
	char *item, *save, *eq, *k, *v;

	memset(d, 0, sizeof(*d));
	d->format = "raw";
	d->access = "rw";
	d->backendtype = "phy";
	d->vdev_node = "virtual-device";
	for (item = strtok_r(spec, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ')
			item++;
		if (*item == '\0')
			continue;
		if ((eq = strchr(item, '=')) == NULL)
			die("disk spec: \"%s\" is not key=value", item);
		*eq = '\0';
		k = item;
		v = eq + 1;
		k[strcspn(k, " ")] = '\0';
		while (*v == ' ')
			v++;
		v[strcspn(v, " ")] = '\0';
		if (strcmp(k, "format") == 0)
			d->format = v;
		else if (strcmp(k, "vdev") == 0)
			d->vdev = v;
		else if (strcmp(k, "access") == 0)
			d->access = v;
		else if (strcmp(k, "target") == 0)
			d->target = v;
		else if (strcmp(k, "backendtype") == 0)
			d->backendtype = v;
		else if (strcmp(k, "vdev-node") == 0)
			d->vdev_node = v;
		else
			die("disk spec: unknown key \"%s\"", k);
	}
	if (d->vdev == NULL)
		die("disk spec: vdev= is required");
	if (d->target == NULL)
		die("disk spec: target= is required");
	if (strcmp(d->format, "raw") != 0)
		die("disk spec: format=%s: only raw images are served",
		    d->format);
	if (strcmp(d->access, "rw") != 0 && strcmp(d->access, "w") != 0 &&
	    strcmp(d->access, "ro") != 0 && strcmp(d->access, "r") != 0)
		die("disk spec: access=%s: expected rw or ro", d->access);
	if (strcmp(d->backendtype, "phy") != 0 &&
	    strcmp(d->backendtype, "qdisk") != 0)
		die("disk spec: backendtype=%s: expected phy or qdisk",
		    d->backendtype);
	if (strcmp(d->vdev_node, "virtual-device") != 0 &&
	    strcmp(d->vdev_node, "virtual-device-ext") != 0)
		die("disk spec: vdev-node=%s: expected virtual-device or "
		    "virtual-device-ext", d->vdev_node);
}

static int
block_attach(unsigned domid, char *spec)
{
	char fe[128], be[128], lx[128], p[256], v[256], c[16];
	const char *kind, *mode;
	xs_transaction_t t;
	struct disk d;
	struct stat st;
	uint32_t devid;
	char *old, *env;
	size_t i;
	/* libxl's switch for backends in a less trusted domain (XSA-403). */
	const char *trusted = (env = getenv("LIBXL_DISK_BACKEND_UNTRUSTED")) !=
	    NULL && strcmp(env, "1") == 0 ? "0" : "1";

	parse_disk(spec, &d);
	if (xen_vdev_to_devid(d.vdev, &devid) != 0)
		die("disk spec: vdev=%s is not a virtual disk name", d.vdev);
	if (stat(d.target, &st) != 0)
		die("disk spec: target=%s: %s", d.target, strerror(errno));
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		die("disk spec: target=%s is not a file or block device",
		    d.target);
	require_domain(domid);
	kind = strcmp(d.backendtype, "qdisk") == 0 ? "qdisk" : "vbd";
	mode = d.access[0] == 'r' && d.access[1] != 'w' ? "r" : "w";
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%u", domid,
	    devid);
	snprintf(be, sizeof(be), "/local/domain/0/backend/%s/%u/%u", kind,
	    domid, devid);
	snprintf(lx, sizeof(lx), "/libxl/%u/device/vbd/%u", domid, devid);
	if ((old = xread(XBT_NULL, lx)) != NULL) {
		free(old);
		die("device %s of domain %u already exists in xenstore",
		    d.vdev, domid);
	}

	const char *bents[][2] = {
		{ "params", NULL },
		{ "script", "/etc/xen/scripts/block" },
		{ "frontend-id", NULL },
		{ "online", "1" },
		{ "removable", "0" },
		{ "bootable", "1" },
		{ "state", "1" },
		{ "dev", d.vdev },
		{ "type", kind[0] == 'q' ? "qdisk" : "phy" },
		{ "mode", mode },
		{ "device-type", "disk" },
		{ "discard-enable", mode[0] == 'w' ? "1" : "0" },
		{ "specification", "xen" },
	};
	char params[300], feid[16], devids[16];

	snprintf(params, sizeof(params), "%s%s", kind[0] == 'q' ? "aio:" :
	    "", d.target);
	snprintf(feid, sizeof(feid), "%u", domid);
	snprintf(devids, sizeof(devids), "%u", devid);
	bents[0][1] = params;
	bents[2][1] = feid;

	for (;;) {
		if ((t = xs_transaction_start(xsh)) == XBT_NULL)
			die("transaction: %s", strerror(errno));
		xs_rm(xsh, t, lx);
		snprintf(p, sizeof(p), "%s/frontend", lx);
		xwrite(t, p, fe);
		snprintf(p, sizeof(p), "%s/backend", lx);
		xwrite(t, p, be);
		/* Frontend: owned by the guest, readable by the backend. */
		xs_rm(xsh, t, fe);
		xs_mkdir(xsh, t, fe);
		xperms(t, fe, domid, XS_PERM_NONE, 0, XS_PERM_READ);
		snprintf(p, sizeof(p), "%s/backend", fe);
		xwrite(t, p, be);
		{
			const char *fents[][2] = {
				{ "backend-id", "0" },
				{ "state", "1" },
				{ d.vdev_node, devids },
				{ "device-type", "disk" },
				{ "trusted", trusted },
			};

			for (i = 0; i < sizeof(fents) / sizeof(fents[0]);
			    i++) {
				snprintf(p, sizeof(p), "%s/%s", fe,
				    fents[i][0]);
				xwrite(t, p, fents[i][1]);
				xperms(t, p, domid, XS_PERM_NONE, 0,
				    XS_PERM_READ);
			}
		}
		/* Backend: owned by dom0, readable by the guest. */
		xs_rm(xsh, t, be);
		xs_mkdir(xsh, t, be);
		xperms(t, be, 0, XS_PERM_NONE, domid, XS_PERM_READ);
		snprintf(p, sizeof(p), "%s/frontend", be);
		xwrite(t, p, fe);
		for (i = 0; i < sizeof(bents) / sizeof(bents[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", be, bents[i][0]);
			xwrite(t, p, bents[i][1]);
		}
		/* The toolstack's own copy of what it told the backend. */
		for (i = 0; i < sizeof(bents) / sizeof(bents[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", lx, bents[i][0]);
			xwrite(t, p, bents[i][1]);
		}
		if (xs_transaction_end(xsh, t, false))
			break;
		if (errno != EAGAIN)
			die("commit: %s", strerror(errno));
	}

	snprintf(p, sizeof(p), "%s/state", be);
	snprintf(v, sizeof(v), "%d", XenbusStateInitWait);
	/* A backend may skip InitWait (blkif.h); then it is Connected. */
	snprintf(c, sizeof(c), "%d", XenbusStateConnected);
	if (!wait_value(p, v, c, false, INIT_TIMEOUT_MS)) {
		fprintf(stderr, "xensim-ctl: backend %s did not reach "
		    "InitWait within %d s; removing the device\n", be,
		    INIT_TIMEOUT_MS / 1000);
		path_cleanup(XBT_NULL, fe);
		path_cleanup(XBT_NULL, lx);
		path_cleanup(XBT_NULL, be);
		return (1);
	}
	/* What the hotplug script reports when it is done. */
	snprintf(p, sizeof(p), "%s/hotplug-status", be);
	xwrite(XBT_NULL, p, "connected");
	return (0);
}

static int
block_detach(unsigned domid, const char *vdev)
{
	char fe[128], be[128], lx[128], p[160], *state, *bep;
	xs_transaction_t t;
	uint32_t devid;

	if (xen_vdev_to_devid(vdev, &devid) != 0)
		die("\"%s\" is not a virtual disk name", vdev);
	snprintf(lx, sizeof(lx), "/libxl/%u/device/vbd/%u", domid, devid);
	snprintf(p, sizeof(p), "%s/backend", lx);
	if ((bep = xread(XBT_NULL, p)) == NULL)
		die("Device %s not connected.", vdev);
	snprintf(be, sizeof(be), "%s", bep);
	free(bep);
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%u", domid,
	    devid);
	for (;;) {
		if ((t = xs_transaction_start(xsh)) == XBT_NULL)
			die("transaction: %s", strerror(errno));
		snprintf(p, sizeof(p), "%s/state", be);
		state = xread(t, p);
		if (state == NULL) {
			xs_transaction_end(xsh, t, true);
			goto cleanup;	/* the backend is gone already */
		}
		snprintf(p, sizeof(p), "%s/online", be);
		xwrite(t, p, "0");
		if (strcmp(state, "6") != 0) {
			snprintf(p, sizeof(p), "%s/state", be);
			xwrite(t, p, "5");
		}
		free(state);
		if (xs_transaction_end(xsh, t, false))
			break;
		if (errno != EAGAIN)
			die("commit: %s", strerror(errno));
	}
	snprintf(p, sizeof(p), "%s/state", be);
	/*
	 * A frontend that closes and exits at once takes its domain, and
	 * with it the backend's directory, away: the device is gone too.
	 */
	if (!wait_value(p, "6", NULL, true, DESTROY_TIMEOUT_MS))
		die("unable to remove device with path %s: the backend did "
		    "not close within %d s", be, DESTROY_TIMEOUT_MS / 1000);
cleanup:
	for (;;) {
		if ((t = xs_transaction_start(xsh)) == XBT_NULL)
			die("transaction: %s", strerror(errno));
		path_cleanup(t, fe);
		path_cleanup(t, lx);
		path_cleanup(t, be);
		if (xs_transaction_end(xsh, t, false))
			break;
		if (errno != EAGAIN)
			die("commit: %s", strerror(errno));
	}
	return (0);
}

/* xl's parse_mem_size_kb: b, k, m, g, t; no suffix means MiB. */
static uint64_t
parse_size_kb(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || s[0] == '-')
		die("invalid size \"%s\"", s);
	switch (*end) {
	case '\0':
	case 'm':
	case 'M':
		v *= 1024;
		break;
	case 'b':
	case 'B':
		v /= 1024;
		break;
	case 'k':
	case 'K':
		break;
	case 'g':
	case 'G':
		v *= 1024 * 1024;
		break;
	case 't':
	case 'T':
		v *= 1024ull * 1024 * 1024;
		break;
	default:
		die("invalid size \"%s\": unknown suffix", s);
	}
	if (*end != '\0' && end[1] != '\0')
		die("invalid size \"%s\"", s);
	return (v);
}

static uint64_t
read_kb(xs_transaction_t t, unsigned domid, const char *node)
{
	char path[96], *v, *end;
	unsigned long long kb;

	snprintf(path, sizeof(path), "/local/domain/%u/memory/%s", domid,
	    node);
	if ((v = xread(t, path)) == NULL)
		die("domain %u has no %s", domid, path);
	errno = 0;
	kb = strtoull(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0')
		die("%s: \"%s\" is not a number", path, v);
	free(v);
	return (kb);
}

static int
mem_set(unsigned domid, const char *size)
{
	uint64_t kb = parse_size_kb(size), smax, video;
	char path[96], val[32], *vm;
	xs_transaction_t t;

	require_domain(domid);
	for (;;) {
		if ((t = xs_transaction_start(xsh)) == XBT_NULL)
			die("transaction: %s", strerror(errno));
		(void)read_kb(t, domid, "target");
		smax = read_kb(t, domid, "static-max");
		video = read_kb(t, domid, "videoram");
		if (kb < video || kb - video > smax) {
			xs_transaction_end(xsh, t, true);
			die("cannot set domid %u dynamic max memory to %s: "
			    "memory_dynamic_max must be less than or equal to "
			    "memory_static_max (%ju KiB)", domid, size,
			    (uintmax_t)smax);
		}
		snprintf(path, sizeof(path), "/local/domain/%u/memory/target",
		    domid);
		snprintf(val, sizeof(val), "%ju", (uintmax_t)(kb - video));
		xwrite(t, path, val);
		snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
		if ((vm = xread(t, path)) != NULL) {
			snprintf(path, sizeof(path), "%s/memory", vm);
			snprintf(val, sizeof(val), "%ju",
			    (uintmax_t)((kb - video) / 1024));
			xwrite(t, path, val);
			free(vm);
		}
		if (xs_transaction_end(xsh, t, false))
			break;
		if (errno != EAGAIN)
			die("commit: %s", strerror(errno));
	}
	return (0);
}

static int
list(void)
{
	char **doms, path[96], *name;
	unsigned int n, i, ncpu, c;
	unsigned long domid;
	char **cpus;

	if ((doms = xs_directory(xsh, XBT_NULL, "/local/domain", &n)) == NULL)
		die("/local/domain: %s", strerror(errno));
	printf("%-40s %5s %5s %5s\n", "Name", "ID", "Mem", "VCPUs");
	for (i = 0; i < n; i++) {
		domid = strtoul(doms[i], NULL, 10);
		snprintf(path, sizeof(path), "/local/domain/%lu/name", domid);
		if ((name = xread(XBT_NULL, path)) == NULL)
			continue;
		snprintf(path, sizeof(path), "/local/domain/%lu/cpu", domid);
		cpus = xs_directory(xsh, XBT_NULL, path, &ncpu);
		free(cpus);
		c = cpus != NULL ? ncpu : 1;
		printf("%-40s %5lu %5ju %5u\n", name, domid, domid == 0 ? 0 :
		    (uintmax_t)read_kb(XBT_NULL, (unsigned)domid, "target") /
		    1024, c);
		free(name);
	}
	free(doms);
	return (0);
}

static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: xensim-ctl block-attach DOM 'format=raw, vdev=xvdb, "
	    "access=rw, target=FILE'\n"
	    "         spec keys also: backendtype=phy|qdisk,\n"
	    "         vdev-node=virtual-device|virtual-device-ext\n"
	    "       xensim-ctl block-detach DOM VDEV\n"
	    "       xensim-ctl mem-set DOM SIZE\n"
	    "       xensim-ctl list\n"
	    "       xensim-ctl -h | --help\n"
	    "xenstore is found through $XENSTORED_PATH.\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	int rc;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0))
		usage(stdout, 0);
	/* No command starts with '-': an option is a usage error. */
	if (argc < 2 || argv[1][0] == '-')
		usage(stderr, 2);
	if ((xsh = xs_open(0)) == NULL)
		die("cannot reach xenstore (XENSTORED_PATH=%s): %s",
		    getenv("XENSTORED_PATH") != NULL ?
		    getenv("XENSTORED_PATH") : "unset", strerror(errno));
	if (strcmp(argv[1], "block-attach") == 0 && argc == 4)
		rc = block_attach(parse_domid(argv[2]), argv[3]);
	else if (strcmp(argv[1], "block-detach") == 0 && argc == 4)
		rc = block_detach(parse_domid(argv[2]), argv[3]);
	else if (strcmp(argv[1], "mem-set") == 0 && argc == 4)
		rc = mem_set(parse_domid(argv[2]), argv[3]);
	else if (strcmp(argv[1], "list") == 0 && argc == 2)
		rc = list();
	else
		usage(stderr, 2);
	xs_close(xsh);
	return (rc);
}
