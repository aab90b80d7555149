/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pvkit-qmp: send QMP commands to a QEMU and print the answers, one line
 * each, so that shell scripts and tests can drive a running guest's host
 * (block_resize, balloon, quit) without Python or socat.
 *
 *   pvkit-qmp SOCKET 'COMMAND-JSON' ...
 *
 * The capabilities handshake is done first.  Asynchronous events are
 * skipped.  The exit status is 1 if a command answers with an error, 2 on
 * a connection or protocol problem.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define	QMP_TIMEOUT_MS	10000
#define	LINE_MAX_QMP	65536

static char	inbuf[LINE_MAX_QMP];
static size_t	inlen;

/* One line from QEMU, without its newline; -1 on timeout or EOF. */
static int
get_line(int fd, char *line, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char *nl;
	ssize_t n;
	size_t k;

	for (;;) {
		if ((nl = memchr(inbuf, '\n', inlen)) != NULL) {
			k = (size_t)(nl - inbuf);
			/* QMP ends its lines with CR LF. */
			if (k > 0 && inbuf[k - 1] == '\r')
				k--;
			if (k >= len)
				k = len - 1;
			memcpy(line, inbuf, k);
			line[k] = '\0';
			inlen -= (size_t)(nl - inbuf) + 1;
			memmove(inbuf, nl + 1, inlen);
			return (0);
		}
		if (inlen == sizeof(inbuf))
			return (-1);
		if (poll(&p, 1, QMP_TIMEOUT_MS) <= 0)
			return (-1);
		n = read(fd, inbuf + inlen, sizeof(inbuf) - inlen);
		if (n <= 0)
			return (-1);
		inlen += (size_t)n;
	}
}

/* Send cmd, print its answer; 0, 1 for an error answer, 2 if none came. */
static int
command(int fd, const char *cmd, bool print)
{
	static char line[LINE_MAX_QMP], out[LINE_MAX_QMP];
	size_t len = strlen(cmd);

	/* One write: QEMU acts on a complete object at once, and "quit"
	 * closes the socket before a second write could land. */
	if (len + 1 >= sizeof(out)) {
		fprintf(stderr, "pvkit-qmp: command too long\n");
		return (2);
	}
	memcpy(out, cmd, len);
	out[len++] = '\n';
	if (write(fd, out, len) != (ssize_t)len) {
		fprintf(stderr, "pvkit-qmp: write: %s\n", strerror(errno));
		return (2);
	}
	for (;;) {
		if (get_line(fd, line, sizeof(line)) != 0) {
			fprintf(stderr, "pvkit-qmp: no answer to %s\n", cmd);
			return (2);
		}
		if (strstr(line, "\"event\"") != NULL)
			continue;
		if (print)
			printf("%s\n", line);
		return (strstr(line, "\"return\"") != NULL ? 0 : 1);
	}
}

static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f, "usage: pvkit-qmp SOCKET 'COMMAND-JSON' ...\n"
	    "       pvkit-qmp -h | --help\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help",	no_argument,	NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char greeting[LINE_MAX_QMP];
	int ch, fd, i, rc = 0, r;

	/* '+': the options end at SOCKET; a command is never one. */
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout, 0);
		default:
			usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage(stderr, 2);
	if (strlen(argv[0]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "pvkit-qmp: socket path too long\n");
		return (2);
	}
	memcpy(sun.sun_path, argv[0], strlen(argv[0]));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "pvkit-qmp: %s: %s\n", argv[0],
		    strerror(errno));
		return (2);
	}
	if (get_line(fd, greeting, sizeof(greeting)) != 0 ||
	    strstr(greeting, "\"QMP\"") == NULL) {
		fprintf(stderr, "pvkit-qmp: %s: no QMP greeting\n", argv[0]);
		return (2);
	}
	/* A QEMU that quits mid-answer is an error status, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (command(fd, "{\"execute\":\"qmp_capabilities\"}", false) != 0)
		return (2);
	for (i = 1; i < argc; i++) {
		r = command(fd, argv[i], true);
		if (r > rc)
			rc = r;
	}
	close(fd);
	return (rc);
}
