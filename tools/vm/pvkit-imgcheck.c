/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pvkit-imgcheck: check on the host what the guest's verify workload
 * wrote into a disk image.
 *
 *   pvkit-imgcheck IMAGE GEN                every sector carries stamp GEN
 *   pvkit-imgcheck IMAGE GEN FIRST COUNT    sectors [FIRST, FIRST + COUNT) do
 *
 * The range serves a guest that says how far its writes got (the
 * hot-plugged disk it wrote until the toolstack took it back).  Exit 0
 * when all do; otherwise the first bad sectors are named and the exit
 * status is 1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl_stamp.h"

static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f, "usage: pvkit-imgcheck IMAGE GEN [FIRST COUNT]\n"
	    "       pvkit-imgcheck -h | --help\n");
	exit(status);
}

/* A non-negative number in *np; 2 for the exit status when it is none. */
static int
number(const char *what, const char *arg, uint64_t *np)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno != 0 || *end != '\0' || arg[0] == '\0' || arg[0] == '-') {
		fprintf(stderr, "pvkit-imgcheck: %s \"%s\" is not a number\n",
		    what, arg);
		return (2);
	}
	*np = v;
	return (0);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help",	no_argument,	NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t buf[STAMP_SECTOR];
	uint64_t s, bad = 0, first = 0, count = UINT64_MAX, n = 0;
	unsigned long gen;
	FILE *f;
	int ch;

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
	if (argc != 2 && argc != 4)
		usage(stderr, 2);
	if (number("GEN", argv[1], &n) != 0 || n > UINT32_MAX)
		return (2);
	gen = (unsigned long)n;
	if (argc == 4 && (number("FIRST", argv[2], &first) != 0 ||
	    number("COUNT", argv[3], &count) != 0))
		return (2);
	if ((f = fopen(argv[0], "rb")) == NULL) {
		fprintf(stderr, "pvkit-imgcheck: %s: %s\n", argv[0],
		    strerror(errno));
		return (2);
	}
	n = 0;
	/* Unsigned: s - first is only a distance once s has reached first. */
	for (s = 0; (s < first || s - first < count) &&
	    fread(buf, 1, sizeof(buf), f) == sizeof(buf); s++) {
		if (s < first)
			continue;
		n++;
		if (stamp_check(buf, s, (uint32_t)gen))
			continue;
		if (bad++ < 5)
			fprintf(stderr, "pvkit-imgcheck: sector %ju does not "
			    "carry stamp %lu\n", (uintmax_t)s, gen);
	}
	fclose(f);
	printf("pvkit-imgcheck: %s: %ju sectors checked from %ju, %ju bad\n",
	    argv[0], (uintmax_t)n, (uintmax_t)first, (uintmax_t)bad);
	/* A range past the image's end is short: that is no pass. */
	if (count != UINT64_MAX && n != count) {
		fprintf(stderr, "pvkit-imgcheck: %s: %ju of %ju sectors there\n",
		    argv[0], (uintmax_t)n, (uintmax_t)count);
		return (1);
	}
	return (bad == 0 && (n > 0 || count == 0) ? 0 : 1);
}
