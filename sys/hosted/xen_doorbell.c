/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Our end of xensim's doorbell (hosted/xensim_proto.h).  EVTCHNOP_send
 * by hypercall waits for xensim's loop to answer, and a driver sends with
 * its disk's lock held: every other submitter and the interrupt handler
 * waited behind that round trip.  On Xen a send sets a bit and returns;
 * here it sets the port's bit on the doorbell page and writes an eventfd
 * when the bit was clear, and returns.
 *
 * Only a port we allocated or bound towards another domain, and have not
 * closed, is rung.  Any other send goes by hypercall: a port never bound
 * or closed gets Xen's error back, and a loopback port's sender, which is
 * also its receiver, may look at the pending bit as soon as the send
 * returns, which only a hypercall guarantees.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <xen/xen.h>

#include <hosted/xensim_proto.h>
#include <pv/atomic.h>

#include "hosted_var.h"

#define	BITS	(sizeof(xen_ulong_t) * 8)

static int		 bell_fd = -1;
static xen_ulong_t	*bell_page;
/* Ports that may be rung. */
static xen_ulong_t	 bell_ok[XENSIM_DOORBELL_PORTS / BITS];

void
xen_bell_start(int fd, void *page)
{
	memset(bell_ok, 0, sizeof(bell_ok));
	bell_page = page;
	pv_store_rel(&bell_fd, fd);
}

/* Returns the eventfd, for the caller to close. */
int
xen_bell_stop(void)
{
	int fd = pv_xchg(&bell_fd, -1);

	memset(bell_ok, 0, sizeof(bell_ok));
	bell_page = NULL;
	return (fd);
}

void
xen_bell_allow(uint32_t port)
{
	if (port < XENSIM_DOORBELL_PORTS)
		pv_fetch_or(&bell_ok[port / BITS], (xen_ulong_t)1 <<
		    (port % BITS));
}

void
xen_bell_forget(uint32_t port)
{
	if (port < XENSIM_DOORBELL_PORTS)
		pv_fetch_and(&bell_ok[port / BITS], ~((xen_ulong_t)1 <<
		    (port % BITS)));
}

/* Whether the send went by doorbell; false: make the hypercall. */
bool
xen_bell_ring(uint32_t port)
{
	xen_ulong_t m = (xen_ulong_t)1 << (port % BITS);
	uint64_t one = 1;
	int fd = pv_load_acq(&bell_fd);

	if (fd < 0 || port >= XENSIM_DOORBELL_PORTS ||
	    (pv_load_acq(&bell_ok[port / BITS]) & m) == 0)
		return (false);
	/* Still set: xensim has not taken it, and a write is on its way. */
	if ((pv_fetch_or(&bell_page[port / BITS], m) & m) != 0)
		return (true);
	/*
	 * Should the write fail, the hypercall sends instead; xensim may
	 * then send twice, which a port takes as one pending event.
	 */
	return (write(fd, &one, sizeof(one)) == sizeof(one));
}
