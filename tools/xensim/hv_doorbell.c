/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The doorbell: EVTCHNOP_send without a round trip (the protocol is in
 * hosted/xensim_proto.h).  A frontend that sent by hypercall stalled
 * until this loop answered, holding whatever lock it sent under; on Xen
 * the send costs the guest a few instructions.  Here the guest sets its
 * port's bit on the doorbell page and writes an eventfd only when the bit
 * was clear; this loop takes the bits and sends on those ports exactly as
 * the hypercall would.  The page is the guest's: only the words covering
 * ports we can have bound are read, each with one exchange, and every
 * port found goes through the same checks as a hypercall's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <hosted/xensim_proto.h>

#include "domain.h"
#include "evloop.h"
#include "xensim.h"

#define	BITS	(sizeof(xen_ulong_t) * 8)

_Static_assert(EVTCHN_PORTS <= XENSIM_DOORBELL_PORTS,
    "the doorbell page names every port");
_Static_assert(EVTCHN_PORTS % (sizeof(xen_ulong_t) * 8) == 0,
    "whole words of ports");

void
doorbell_drain(struct domain *d)
{
	xen_ulong_t bits;
	uint32_t w, port;

	if (d->d_bell == NULL)
		return;
	for (w = 0; w < EVTCHN_PORTS / BITS; w++) {
		/* A plain look first: most words are clear. */
		if (__atomic_load_n(&d->d_bell[w], __ATOMIC_RELAXED) == 0)
			continue;
		bits = __atomic_exchange_n(&d->d_bell[w], 0, __ATOMIC_SEQ_CST);
		while (bits != 0) {
			port = w * BITS + (uint32_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			if (evtchn_send(d, port) == 0)
				d->d_sends_bell++;
			else
				d->d_bells_refused++;
		}
	}
}

/*
 * Every domain's, before any hypercall: a send rung before it in real
 * time may have led to it through a path we never see (another domain
 * saw its effect, a pipe between two processes), and on Xen that send
 * would have been made by then.
 */
void
doorbell_drain_all(void)
{
	uint32_t i;

	for (i = 1; i < DOM_MAX; i++) {
		if (domains[i] != NULL && domains[i]->d_live)
			doorbell_drain(domains[i]);
	}
}

static void
doorbell_event(void *arg, uint32_t events)
{
	struct domain *d = arg;
	uint64_t cnt;

	(void)events;
	/* The count first, then the bits: a bit set later writes again. */
	if (read(d->d_bell_fd, &cnt, sizeof(cnt)) != sizeof(cnt))
		return;
	d->d_bell_wakeups++;
	doorbell_drain(d);
}

/*
 * Take fd as d's doorbell; on an error the caller keeps it and the
 * domain sends by hypercall only.
 */
int
doorbell_attach(struct domain *d, int fd)
{
	xen_ulong_t *bell;
	int fl;

	bell = domain_gfn(d, d->d_base_pfn + d->d_ram_pages +
	    XENSIM_SPECIAL_DOORBELL);
	if (bell == NULL)
		return (EINVAL);
	/*
	 * The guest may read the eventfd too, so that our read finds it
	 * empty after epoll said otherwise: it must not block the loop.
	 */
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
		return (EINVAL);
	/* Bits set before we listened name no send we owe. */
	memset(bell, 0, 4096);
	d->d_bell_src = evloop_add(fd, EPOLLIN, doorbell_event, d);
	if (d->d_bell_src == NULL)
		return (EINVAL);	/* not a pollable descriptor */
	d->d_bell = bell;
	d->d_bell_fd = fd;
	return (0);
}

void
doorbell_detach(struct domain *d)
{
	evloop_del(d->d_bell_src);
	d->d_bell_src = NULL;
	d->d_bell = NULL;
	if (d->d_bell_fd >= 0)
		close(d->d_bell_fd);
	d->d_bell_fd = -1;
}
