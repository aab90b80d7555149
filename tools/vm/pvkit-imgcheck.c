/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pvkit-imgcheck: check on the host what the guest's verify workload
 * wrote into a disk image.
 *
 *   pvkit-imgcheck IMAGE GEN    every sector carries stamp GEN
 *
 * Exit 0 when all do; otherwise the first bad sectors are named and the
 * exit status is 1.
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
	fprintf(f, "usage: pvkit-imgcheck IMAGE GEN\n"
	    "       pvkit-imgcheck -h | --help\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help",	no_argument,	NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t buf[STAMP_SECTOR];
	uint64_t s, bad = 0;
	unsigned long gen;
	char *end;
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
	if (argc != 2)
		usage(stderr, 2);
	errno = 0;
	gen = strtoul(argv[1], &end, 0);
	if (errno != 0 || *end != '\0' || gen > UINT32_MAX) {
		fprintf(stderr, "pvkit-imgcheck: GEN \"%s\" is not a number\n",
		    argv[1]);
		return (2);
	}
	if ((f = fopen(argv[0], "rb")) == NULL) {
		fprintf(stderr, "pvkit-imgcheck: %s: %s\n", argv[0],
		    strerror(errno));
		return (2);
	}
	for (s = 0; fread(buf, 1, sizeof(buf), f) == sizeof(buf); s++) {
		if (stamp_check(buf, s, (uint32_t)gen))
			continue;
		if (bad++ < 5)
			fprintf(stderr, "pvkit-imgcheck: sector %ju does not "
			    "carry stamp %lu\n", (uintmax_t)s, gen);
	}
	fclose(f);
	printf("pvkit-imgcheck: %s: %ju sectors, %ju bad\n", argv[0],
	    (uintmax_t)s, (uintmax_t)bad);
	return (bad == 0 && s > 0 ? 0 : 1);
}
