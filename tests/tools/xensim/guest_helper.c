/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A hosted kernel that attaches to xensim as a domain and idles, so that
 * shell tests have a guest to attach devices to.  It says "ready" once
 * attached and detaches when its standard input closes.
 *
 *   guest_helper DOMID NAME [RAM_PAGES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hosted/hosted.h>
#include <hosted/xen.h>

int
main(int argc, char **argv)
{
	struct pv_hosted_conf conf = { .hc_quiet = true };
	char buf[64];
	int error;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: guest_helper DOMID NAME [RAM_PAGES]\n");
		return (2);
	}
	if (argc == 4)
		conf.hc_mem_pages = strtoul(argv[3], NULL, 10);
	if ((error = pv_hosted_init(&conf)) != 0 ||
	    (error = xen_hosted_attach((uint32_t)strtoul(argv[1], NULL, 10),
	    argv[2])) != 0) {
		fprintf(stderr, "guest_helper: %s\n", strerror(error));
		return (1);
	}
	printf("ready\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	xen_hosted_detach();
	pv_hosted_fini();
	return (0);
}
