/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim: Xen in a process.  Runs in the foreground until SIGTERM or
 * SIGINT, then removes its sockets and shared memory.
 */
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hosted/xensim_proto.h>

#include "blkback.h"
#include "domain.h"
#include "evloop.h"
#include "xensim.h"
#include "xenstored.h"

#define	DEFAULT_STORE_PATH	"/run/xenstored/socket"

struct xensim_state xensim;

void
xensim_log(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xensim: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
on_signal(void *arg, uint32_t events)
{
	struct signalfd_siginfo si;
	int fd = *(int *)arg;

	(void)events;
	if (read(fd, &si, sizeof(si)) == sizeof(si))
		evloop_stop(0);
}

/* What a freshly booted dom0 shows before any guest exists. */
static int
store_populate(struct xsd *xsd)
{
	static const char *const nodes[][2] = {
		{ "/local/domain/0/name", "Domain-0" },
		{ "/local/domain/0/domid", "0" },
		{ "/tool/xenstored", "" },
		{ "/vm", "" },
		{ "/libxl", "" },
	};
	size_t i;
	int error;

	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if ((error = xsd_write(xsd, nodes[i][0], nodes[i][1])) != 0)
			return (error);
	}
	return (0);
}

static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f, "usage: xensim [-v] [-o blkback.KEY=VALUE] "
	    "[-o gnttab.max-frames=N] ...\n"
	    "       xensim -h | --help\n"
	    "  The xenstore socket is $XENSTORED_PATH, else %s.\n"
	    "  blkback keys: indirect, ring-order, queues, persistent, flush,\n"
	    "  barrier, discard, discard-secure, sector-size,\n"
	    "  physical-sector-size, max-persistent-grants, skip-initwait,\n"
	    "  ring-keys (order, pages, both); and to inject\n"
	    "  faults: fault=KIND[,KIND...] (error, delay, reorder,\n"
	    "  drop-notify, duplicate, bad-id, bad-op, bad-status, overrun,\n"
	    "  disconnect, resize, storm), fault-every, fault-after,\n"
	    "  fault-limit, fault-delay-ms, fault-op (any, read, write),\n"
	    "  fault-devid (one vbd only), fault-storm-us.\n",
	    DEFAULT_STORE_PATH);
	exit(status);
}

/* -o: an option of one of the parts, named with its prefix. */
static void
set_option(const char *arg)
{
	static const char bb[] = "blkback.", gt[] = "gnttab.";
	char err[320];

	if (strncmp(arg, gt, sizeof(gt) - 1) == 0) {
		if (gnttab_option(arg + sizeof(gt) - 1, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "xensim: %s\n", err);
			exit(2);
		}
		return;
	}
	if (strncmp(arg, bb, sizeof(bb) - 1) != 0) {
		fprintf(stderr, "xensim: unknown option \"%.*s\"\n",
		    (int)strcspn(arg, "="), arg);
		exit(2);
	}
	if (blkback_option(arg + sizeof(bb) - 1, err, sizeof(err)) != 0) {
		fprintf(stderr, "xensim: %s\n", err);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help",	no_argument,	NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct evsrc *sigsrc;
	sigset_t mask;
	char hvpath[256];
	int ch, error, sigfd, status;

	while ((ch = getopt_long(argc, argv, "ho:v", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			set_option(optarg);
			break;
		case 'v':
			xensim.verbose = true;
			break;
		case 'h':
			usage(stdout, 0);
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc)
		usage(stderr, 2);
	xensim.store_path = getenv("XENSTORED_PATH");
	if (xensim.store_path == NULL || xensim.store_path[0] == '\0')
		xensim.store_path = DEFAULT_STORE_PATH;

	/*
	 * An ignored signal is discarded, not queued for the signalfd, and
	 * whoever started us may have left SIGTERM ignored.
	 */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sigfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		xensim_log("signalfd: %s", strerror(errno));
		return (1);
	}
	if (evloop_init() != 0)
		return (1);
	if ((xensim.xsd = xsd_create(NULL)) == NULL ||
	    store_populate(xensim.xsd) != 0) {
		xensim_log("cannot create the store");
		return (1);
	}
	domain_dom0_init();
	if (toolstack_init() != 0 || blkback_init() != 0)
		return (1);
	snprintf(hvpath, sizeof(hvpath), "%s%s", xensim.store_path,
	    XENSIM_HV_SUFFIX);
	if ((error = hv_listen(hvpath)) != 0) {
		xensim_log("cannot listen on %s: %s", hvpath, strerror(error));
		return (1);
	}
	/*
	 * Clients wait for the xenstore socket: once it answers, the
	 * hypervisor's must too, so it is listening first.
	 */
	if (xs_sock_listen(xensim.store_path) != 0) {
		hv_close();
		return (1);
	}
	sigsrc = evloop_add(sigfd, EPOLLIN, on_signal, &sigfd);
	xensim_log("xenstore on %s", xensim.store_path);

	status = evloop_run();

	evloop_del(sigsrc);
	hv_close();
	blkback_fini();
	xs_sock_close();
	xsd_destroy(xensim.xsd);
	evloop_fini();
	close(sigfd);
	xensim_log("stopped");
	return (status);
}
