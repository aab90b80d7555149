/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * membw: this machine's memcpy bandwidth in MB/s, the yardstick for the
 * block path's 1 MiB throughput, which moves every byte at least once.
 * Printed twice: with 1 MiB buffers that stay in cache (as a reused I/O
 * buffer does) and with buffers far larger than any cache.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define	TOTAL	(4ull << 30)

static double
copy_rate(size_t chunk)
{
	struct timespec t0, t1;
	char *src, *dst;
	uint64_t done;

	if ((src = malloc(chunk)) == NULL || (dst = malloc(chunk)) == NULL)
		exit(1);
	memset(src, 0x5a, chunk);
	memset(dst, 0, chunk);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (done = 0; done < TOTAL; done += chunk) {
		memcpy(dst, src, chunk);
		/* Keep the compiler from proving the copies dead. */
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(src);
	free(dst);
	return (TOTAL / ((double)(t1.tv_sec - t0.tv_sec) +
	    (t1.tv_nsec - t0.tv_nsec) / 1e9) / 1e6);
}

static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f, "usage: membw\n"
	    "       membw -h | --help\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0))
		usage(stdout, 0);
	if (argc != 1)
		usage(stderr, 2);
	printf("membw: memcpy %.0f MB/s with 1 MiB buffers (cache), %.0f "
	    "MB/s with 256 MiB buffers (memory)\n", copy_rate(1u << 20),
	    copy_rate(256u << 20));
	return (0);
}
