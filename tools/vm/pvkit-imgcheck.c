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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl_stamp.h"

int
main(int argc, char **argv)
{
	uint8_t buf[STAMP_SECTOR];
	uint64_t s, bad = 0;
	unsigned long gen;
	char *end;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: pvkit-imgcheck IMAGE GEN\n");
		return (2);
	}
	errno = 0;
	gen = strtoul(argv[2], &end, 0);
	if (errno != 0 || *end != '\0' || gen > UINT32_MAX) {
		fprintf(stderr, "pvkit-imgcheck: GEN \"%s\" is not a number\n",
		    argv[2]);
		return (2);
	}
	if ((f = fopen(argv[1], "rb")) == NULL) {
		fprintf(stderr, "pvkit-imgcheck: %s: %s\n", argv[1],
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
	printf("pvkit-imgcheck: %s: %ju sectors, %ju bad\n", argv[1],
	    (uintmax_t)s, (uintmax_t)bad);
	return (bad == 0 && s > 0 ? 0 : 1);
}
