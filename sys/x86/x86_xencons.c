/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The PV console of a Xen domain: a ring page and an event channel that
 * the HVM parameters name, read by xenconsoled in dom0 (and logged to
 * /var/log/xen/console/guest-NAME.log).  A PVH domain has no COM1, so on
 * Xen this is where the console goes.
 */
#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/hvm/params.h>
#include <xen/io/console.h>

#include <pv/atomic.h>
#include <xenpv/hypervisor.h>

#include "x86/cpufunc.h"
#include "x86_var.h"
#include "x86_xen.h"

/* A full ring that dom0 never drains must not hang the kernel. */
#define	CONS_SPIN	1000000

static struct xencons_interface	*cons;
static evtchn_port_t		 cons_port;

void
xencons_init(void)
{
	uint64_t pfn, port;

	if (xen_hvm_param(HVM_PARAM_CONSOLE_PFN, &pfn) != 0 ||
	    xen_hvm_param(HVM_PARAM_CONSOLE_EVTCHN, &port) != 0 ||
	    pfn == 0 || pfn >= (1ull << (32 - 12)) || port > UINT32_MAX)
		return;
	cons_port = (evtchn_port_t)port;
	cons = (struct xencons_interface *)(uintptr_t)(pfn << 12);
}

static void
cons_notify(void)
{
	struct evtchn_send send = { .port = cons_port };

	(void)HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

bool
xencons_write(const char *s, size_t len)
{
	XENCONS_RING_IDX prod, cons_idx;
	size_t i;
	int spin;

	if (cons == NULL)
		return (false);
	prod = cons->out_prod;
	for (i = 0; i < len; i++) {
		for (spin = 0; ; spin++) {
			cons_idx = pv_load_acq(&cons->out_cons);
			if (prod - cons_idx < sizeof(cons->out))
				break;
			if (spin == CONS_SPIN)
				return (true);	/* dropped, not hung */
			pv_wmb();
			cons->out_prod = prod;
			cons_notify();
			cpu_pause();
		}
		cons->out[MASK_XENCONS_IDX(prod, cons->out)] = s[i];
		prod++;
	}
	pv_wmb();
	cons->out_prod = prod;
	cons_notify();
	return (true);
}
