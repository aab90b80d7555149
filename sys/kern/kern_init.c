/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Bring-up of the shared services, in dependency order: the tree first so
 * that presets exist before anyone registers a tunable, the console next
 * so that everything after it can report.
 */
#include <string.h>

#include <pv/sysctl.h>

#include "kern/md.h"

/* Presets come as "a.b=1 c=2" (spaces or commas), as on a command line. */
static void
kern_presets(const char *tunables)
{
	char word[PV_CTL_PATH_MAX + PV_CTL_VALUE_MAX];
	size_t n;

	while (tunables != NULL && *tunables != '\0') {
		n = strcspn(tunables, " ,");
		if (n > 0 && n < sizeof(word)) {
			memcpy(word, tunables, n);
			word[n] = '\0';
			(void)pv_tunable_parse(word);
		}
		tunables += n;
		tunables += strspn(tunables, " ,");
	}
}

int
pv_kern_init(const char *tunables)
{
	pv_physmem_init();
	pv_ctl_init();
	kern_presets(tunables);
	pv_cons_init();
	pv_dma_init();
	return (pv_callout_sys_init());
}

void
pv_kern_fini(void)
{
	pv_callout_sys_fini();
	pv_cons_fini();
	pv_ctl_fini();
	pv_physmem_fini();
}
