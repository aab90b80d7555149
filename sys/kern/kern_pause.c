/*-
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <pv/sync.h>

void
pv_pause(const char *wmesg, uint64_t ns)
{
	struct pv_mtx m;
	int chan;

	/* Nobody wakes this channel: the sleep ends by its timeout. */
	pv_mtx_init(&m, "pause");
	pv_mtx_lock(&m);
	(void)pv_sleep(&chan, &m, wmesg, ns);
	pv_mtx_unlock(&m);
	pv_mtx_destroy(&m);
}
