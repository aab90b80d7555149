/*-
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hosted/hosted.h>

#include "hosted_var.h"
#include "kern/md.h"

static bool	cons_quiet;

void
md_cnputs(const char *s, size_t len)
{
	ssize_t n;

	while (!cons_quiet && len > 0) {
		n = write(STDERR_FILENO, s, len);
		if (n <= 0)
			break;
		s += n;
		len -= (size_t)n;
	}
}

void
md_halt(void)
{
	abort();
}

int
pv_hosted_init(const struct pv_hosted_conf *conf)
{
	struct pv_hosted_conf defconf = { 0 };
	const char *env, *tun;
	char *both = NULL;
	int error;

	if (conf == NULL)
		conf = &defconf;
	env = getenv("PVKIT_QUIET");
	cons_quiet = conf->hc_quiet || (env != NULL && strcmp(env, "1") == 0);
	tun = conf->hc_tunables;
	env = getenv("PVKIT_TUNABLES");
	if (env != NULL) {
		size_t len = (tun != NULL ? strlen(tun) : 0) + strlen(env) + 2;

		if ((both = malloc(len)) == NULL)
			return (ENOMEM);
		strcpy(both, tun != NULL ? tun : "");
		strcat(both, " ");
		strcat(both, env);
		tun = both;
	}
	error = pv_kern_init(tun);
	free(both);
	if (error != 0)
		return (error);
	error = hosted_mem_init(conf->hc_mem_pages != 0 ? conf->hc_mem_pages :
	    PV_HOSTED_MEM_PAGES, conf->hc_base_pfn != 0 ? conf->hc_base_pfn :
	    PV_HOSTED_BASE_PFN);
	if (error != 0) {
		pv_kern_fini();
		return (error);
	}
	return (0);
}

void
pv_hosted_fini(void)
{
	hosted_intr_fini();
	pv_kern_fini();
	hosted_mem_fini();
}
