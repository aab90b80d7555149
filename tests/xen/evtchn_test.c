/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Event channels between two frontend processes, domains 5 and 6, each a
 * hosted kernel attached to the same xensim.  The port number crosses by
 * pipe, as a toolstack would carry it through xenstore.  A send to
 * another domain rings xensim's doorbell, not a hypercall; xensim counts
 * both kinds in the line it logs when a domain goes.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include <hosted/hosted.h>
#include <hosted/xen.h>
#include <hosted/xensim_proto.h>
#include <pv/atomic.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <xenpv/evtchn.h>

#include "lib/pvtest.h"
#include "lib/xensimtest.h"
#include "lib/xentest.h"

static struct pv_mtx	mtx;
static int		events;

static void
handler(void *arg)
{
	(void)arg;
	pv_mtx_lock(&mtx);
	events++;
	pv_wakeup(&events);
	pv_mtx_unlock(&mtx);
}

/*
 * Domain 6: bind to the port domain 5 offered, say hello, expect an
 * answer, then report its own sends after the peer closed.
 */
static int
peer(int rfd, int wfd)
{
	evtchn_port_t remote, local;
	int error;

	if (read(rfd, &remote, sizeof(remote)) != sizeof(remote))
		return (10);
	pvtest_init(256);
	if (xen_hosted_attach(6, "peer") != 0 || xen_evtchn_init() != 0)
		return (11);
	pv_mtx_init(&mtx, "peer");
	/* A port that was not offered to us is refused. */
	if (xen_evtchn_bind_interdomain(5, remote + 1, &local) != EINVAL)
		return (12);
	if ((error = xen_evtchn_bind_interdomain(5, remote, &local)) != 0)
		return (13);
	if (xen_evtchn_bind(local, "peer", handler, NULL) != 0)
		return (14);
	if (write(wfd, &local, sizeof(local)) != sizeof(local))
		return (15);
	/* Xen marks a freshly bound port pending: that is one event. */
	if (pvtest_wait_atleast(&mtx, &events, 1, 5000) < 1)
		return (16);
	if (xen_evtchn_notify(local) != 0)
		return (17);
	if (pvtest_wait_atleast(&mtx, &events, 2, 5000) < 2)
		return (18);
	xen_evtchn_fini();
	xen_hosted_detach();
	pvtest_fini();
	return (0);
}

ATF_TC_WITH_CLEANUP(interdomain_between_processes);
ATF_TC_HEAD(interdomain_between_processes, tc)
{
	atf_tc_set_md_var(tc, "descr", "alloc_unbound, bind, send both ways");
}
ATF_TC_BODY(interdomain_between_processes, tc)
{
	int to_peer[2], from_peer[2], status;
	evtchn_port_t port, peer_port;
	pid_t pid;

	xensimtest_start(tc);
	ATF_REQUIRE(pipe(to_peer) == 0 && pipe(from_peer) == 0);
	pid = fork();
	ATF_REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(peer(to_peer[0], from_peer[1]));

	pvtest_init(256);
	ATF_REQUIRE_EQ(xen_hosted_attach(5, "offerer"), 0);
	ATF_REQUIRE_EQ(xen_evtchn_init(), 0);
	pv_mtx_init(&mtx, "test");
	ATF_REQUIRE_EQ(xen_evtchn_alloc_unbound(6, &port), 0);
	ATF_REQUIRE_EQ(xen_evtchn_bind(port, "offer", handler, NULL), 0);
	/* Nobody bound yet: a send is dropped, not an error. */
	ATF_REQUIRE_EQ(xen_evtchn_notify(port), 0);
	ATF_REQUIRE(write(to_peer[1], &port, sizeof(port)) == sizeof(port));
	ATF_REQUIRE(read(from_peer[0], &peer_port, sizeof(peer_port)) ==
	    sizeof(peer_port));
	ATF_REQUIRE_EQ_MSG(pvtest_wait_atleast(&mtx, &events, 1, 5000), 1,
	    "the peer's notify never arrived");
	ATF_REQUIRE_EQ(xen_evtchn_notify(port), 0);
	ATF_REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "peer failed at step %d", WEXITSTATUS(status));
	/* Only the one event: the peer's. */
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &events, 2, 0), 1);
	ATF_REQUIRE_EQ(xen_evtchn_close(port), 0);
	/* A closed port is never rung: the hypercall gives Xen's error. */
	ATF_REQUIRE_EQ(xen_evtchn_notify(port), EINVAL);
	xen_evtchn_fini();
	xen_hosted_detach();
	pvtest_fini();
	/* The events above came by doorbell, the error by hypercall. */
	ATF_REQUIRE_MSG(xensimtest_log_wait("domain 6 (peer) destroyed: ",
	    5000) && xensimtest_log_has("sends 0 by hypercall, 1 by doorbell "
	    "(1 wakeups, 0 refused)"), "the peer's send was no doorbell");
	ATF_REQUIRE_MSG(xensimtest_log_wait("sends 1 by hypercall, 2 by "
	    "doorbell (2 wakeups, 0 refused)", 5000),
	    "the offerer's sends were no doorbells");
}
ATF_TC_CLEANUP(interdomain_between_processes, tc)
{
	(void)tc;
	xensimtest_stop();
}

/*
 * Domain 5, with a loopback pair: one domain may bind to its own unbound
 * port.  Events on *ap, sent from *bp, count in events.
 */
static void
loopback_up(const atf_tc_t *tc, evtchn_port_t *ap, evtchn_port_t *bp)
{
	xentest_up(tc, 5, 256);
	pv_mtx_init(&mtx, "test");
	ATF_REQUIRE_EQ(xen_evtchn_alloc_unbound(DOMID_SELF, ap), 0);
	ATF_REQUIRE_EQ(xen_evtchn_bind_interdomain(5, *ap, bp), 0);
	ATF_REQUIRE_EQ(xen_evtchn_bind(*ap, "loop_a", handler, NULL), 0);
}

ATF_TC_WITH_CLEANUP(masked_port_latches_until_unmasked);
ATF_TC_HEAD(masked_port_latches_until_unmasked, tc)
{
	atf_tc_set_md_var(tc, "descr", "pending and masked bits per port");
}
ATF_TC_BODY(masked_port_latches_until_unmasked, tc)
{
	evtchn_port_t a, b;

	loopback_up(tc, &a, &b);
	xen_evtchn_mask(a);
	ATF_REQUIRE_EQ(xen_evtchn_notify(b), 0);
	ATF_REQUIRE_EQ(xen_evtchn_notify(b), 0);
	pvtest_msleep(50);
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &events, 1, 0), 0);
	xen_evtchn_unmask(a);
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &events, 1, 5000), 1);
	/* Two sends while masked are one pending bit, so one event. */
	pvtest_msleep(50);
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &events, 2, 0), 1);
	/* A polled path sees the bit without any handler. */
	xen_evtchn_unbind(a);
	ATF_REQUIRE_EQ(xen_evtchn_notify(b), 0);
	ATF_REQUIRE_EQ(xen_evtchn_test_and_clear(a), 1);
	ATF_REQUIRE_EQ(xen_evtchn_test_and_clear(a), 0);
	xentest_down();
}
ATF_TC_CLEANUP(masked_port_latches_until_unmasked, tc)
{
	(void)tc;
	xensimtest_stop();
}

/* Set a port's bit as a send does, but leave xensim unwoken. */
static void
ring_unheard(evtchn_port_t port)
{
	xen_ulong_t *bell;
	size_t npages;
	pv_pfn_t base;

	ATF_REQUIRE(pv_hosted_memfd(&base, &npages) >= 0);
	bell = pv_phystov(pv_ptoa(base + npages + XENSIM_SPECIAL_DOORBELL));
	pv_fetch_or(&bell[port / 64], (xen_ulong_t)1 << (port % 64));
}

static int	new_events;

static void
new_handler(void *arg)
{
	(void)arg;
	pv_mtx_lock(&mtx);
	new_events++;
	pv_wakeup(&new_events);
	pv_mtx_unlock(&mtx);
}

ATF_TC_WITH_CLEANUP(doorbell_never_rings_a_rebound_port);
ATF_TC_HEAD(doorbell_never_rings_a_rebound_port, tc)
{
	atf_tc_set_md_var(tc, "descr", "a port rung before its close is "
	    "sent as it was bound; rung after, it is refused, and its next "
	    "binding hears nothing");
}
ATF_TC_BODY(doorbell_never_rings_a_rebound_port, tc)
{
	evtchn_port_t a, b, c, d, far;

	loopback_up(tc, &a, &b);
	/* Rung, then closed before xensim woke: the close sends it first. */
	ring_unheard(b);
	ATF_REQUIRE_EQ(xen_evtchn_close(b), 0);
	ATF_REQUIRE_EQ_MSG(pvtest_wait_atleast(&mtx, &events, 1, 5000), 1,
	    "a send rung before the close was lost");
	/* Rung after its close: stale.  The same number is bound anew. */
	ring_unheard(b);
	ATF_REQUIRE_EQ(xen_evtchn_alloc_unbound(DOMID_SELF, &c), 0);
	ATF_REQUIRE_EQ_MSG(c, b, "port %u reused as %u: nothing tested", b,
	    c);
	ATF_REQUIRE_EQ(xen_evtchn_bind_interdomain(5, c, &d), 0);
	/* Xen marks the binder's new port pending: that one event only. */
	ATF_REQUIRE_EQ(xen_evtchn_test_and_clear(d), 1);
	ATF_REQUIRE_EQ(xen_evtchn_bind(d, "new", new_handler, NULL), 0);
	/* A real ring (a port towards dom0) wakes xensim's doorbell. */
	ATF_REQUIRE_EQ(xen_evtchn_alloc_unbound(0, &far), 0);
	ATF_REQUIRE_EQ(xen_evtchn_notify(far), 0);
	pvtest_msleep(100);
	ATF_REQUIRE_EQ_MSG(pvtest_wait_atleast(&mtx, &new_events, 1, 0), 0,
	    "the stale ring reached the port's next binding");
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&mtx, &events, 2, 0), 1);
	xentest_down();
	ATF_REQUIRE_MSG(xensimtest_log_wait("by doorbell (1 wakeups, 1 "
	    "refused)", 5000), "the stale ring was not refused");
}
ATF_TC_CLEANUP(doorbell_never_rings_a_rebound_port, tc)
{
	(void)tc;
	xensimtest_stop();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, interdomain_between_processes);
	ATF_TP_ADD_TC(tp, masked_port_latches_until_unmasked);
	ATF_TP_ADD_TC(tp, doorbell_never_rings_a_rebound_port);
	return (atf_no_error());
}
