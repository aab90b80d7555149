/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * blkfront's defence against an event storm (XSA-391, CVE-2021-28711): a
 * backend that signals a ring's event channel without end and puts no
 * response on it would otherwise keep the ring's handler running for
 * nothing, and the guest with it.
 *
 * An event that finds no response taken on its ring since the last one
 * is spurious.  A correct backend makes one now and then, when our reap
 * took the responses of a notification still on its way, and a response
 * comes between two of them; storm_threshold spurious events in a row
 * within one second (XBD_STORM_WINDOW) are a storm.  The window keeps a
 * correct backend's rare spurious events on an idle ring from adding up
 * over hours, and the threshold bounds what a storm costs before it is
 * noticed to that many calls of the handler.
 *
 * Then the ring's channel is masked and the ring is polled from a
 * callout, first after storm_poll_min_us and twice as long each time up
 * to storm_poll_max_ms, as Linux's late EOI delays a spurious event's
 * EOI more each time.  A poll that finds a response goes back to
 * interrupts and forgets the backoff: the backend works again, and a
 * storm that resumes is noticed anew.  A poll that finds requests
 * outstanding and no response for storm_timeout_ms fails the disk: the
 * backend has shown itself hostile and withholds what it owes, and the
 * guest would otherwise wait for ever.  With nothing outstanding there
 * is nothing it owes, so the ring is only polled, at the slowest rate,
 * until a request and its response come.
 *
 * Polls take the disk lock; the callout has no mutex of its own.
 */
#include <stdio.h>

#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/time.h>
#include <xenpv/evtchn.h>

#include "blkfront_var.h"

/* A storm's events come closer together than this. */
#define	XBD_STORM_WINDOW	PV_NS_PER_SEC

static uint32_t	xbd_storm_threshold;
static uint32_t	xbd_storm_poll_min_us;
static uint32_t	xbd_storm_poll_max_ms;
static uint32_t	xbd_storm_timeout_ms;

static const struct pv_tunable xbd_storm_tunable_list[] = {
	{ "storm_threshold", &xbd_storm_threshold, 64, 0, 1000000,
	    "spurious events in a row, within a second, that make a storm; "
	    "0: no defence" },
	{ "storm_poll_min_us", &xbd_storm_poll_min_us, 1000, 10, 1000000,
	    "first poll of a storming ring, microseconds" },
	{ "storm_poll_max_ms", &xbd_storm_poll_max_ms, 100, 1, 10000,
	    "longest poll interval of a storming ring, milliseconds" },
	{ "storm_timeout_ms", &xbd_storm_timeout_ms, 30000, 100, 3600000,
	    "no response this long to a storming ring's requests fails the "
	    "disk" },
};
PV_TUNABLES(xbd_storm_tunables_reg, "hw.xbd", xbd_storm_tunable_list);

void
xbd_storm_tunables(void)
{
	pv_ctl_tunables(&xbd_storm_tunables_reg);
}

void
xbd_storm_counters(struct pv_ctl *disk, struct pv_ctl *queue,
    struct xbd_softc *sc, struct xbd_ring *r)
{
	if (disk != NULL) {
		pv_ctl_counter(disk, "spurious", &sc->sc_c_spurious,
		    "events that brought no response, all queues");
		pv_ctl_counter(disk, "storms", &sc->sc_c_storms,
		    "event storms: a queue masked and polled");
		pv_ctl_counter(disk, "polls", &sc->sc_c_polls,
		    "looks at masked queues");
	}
	if (queue != NULL) {
		pv_ctl_counter(queue, "spurious", &r->r_spurious,
		    "events that brought no response");
		pv_ctl_counter(queue, "storms", &r->r_storms,
		    "times masked and polled");
		pv_ctl_counter(queue, "polls", &r->r_polls, "while masked");
	}
}

void
xbd_storm_init(struct xbd_ring *r)
{
	pv_callout_init(&r->r_poll_co, NULL);
	r->r_polling = r->r_poll_stop = false;
	r->r_run = 0;
	r->r_resp_seen = r->r_responses;
}

static uint64_t
poll_min_ns(void)
{
	return ((uint64_t)xbd_storm_poll_min_us * PV_NS_PER_US);
}

static uint64_t
poll_max_ns(void)
{
	/* A ceiling set below the floor gives way to it. */
	return (pv_max((uint64_t)xbd_storm_poll_max_ms * PV_NS_PER_MS,
	    poll_min_ns()));
}

static void	storm_poll(void *arg);

static void
storm_begin(struct xbd_softc *sc, struct xbd_ring *r, uint64_t now)
{
	unsigned run = r->r_run;

	r->r_polling = true;
	r->r_run = 0;
	r->r_storms++;
	sc->sc_c_storms++;
	xen_evtchn_mask(r->r_port);
	r->r_poll_ns = poll_min_ns();
	/* Time for what is outstanding runs from here. */
	r->r_progress = now;
	if (!r->r_storm_logged) {
		r->r_storm_logged = true;
		pv_log(PV_LOG_WARNING, sc->sc_name, "queue %u: event storm: "
		    "%u events in a row brought no response; interrupts "
		    "masked, polling every %ju us up to %u ms", r->r_qid, run,
		    (uintmax_t)(r->r_poll_ns / PV_NS_PER_US),
		    (unsigned)(poll_max_ns() / PV_NS_PER_MS));
	}
	if (!r->r_poll_stop)
		pv_callout_reset(&r->r_poll_co, r->r_poll_ns, storm_poll, r);
}

void
xbd_storm_event(struct xbd_softc *sc, struct xbd_ring *r)
{
	uint64_t now;

	if (r->r_responses != r->r_resp_seen) {
		r->r_resp_seen = r->r_responses;
		r->r_run = 0;
		return;
	}
	r->r_spurious++;
	sc->sc_c_spurious++;
	/* Latched before the mask: the poll has the ring now. */
	if (r->r_polling || xbd_storm_threshold == 0)
		return;
	now = pv_uptime_ns();
	if (r->r_run == 0 || now - r->r_run_start > XBD_STORM_WINDOW) {
		r->r_run = 0;
		r->r_run_start = now;
	}
	if (++r->r_run >= xbd_storm_threshold)
		storm_begin(sc, r, now);
}

/* Responses again: the channel is believed once more. */
static void
storm_end(struct xbd_ring *r)
{
	r->r_polling = false;
	r->r_run = 0;
	r->r_poll_ns = poll_min_ns();
	r->r_resp_seen = r->r_responses;
	xen_evtchn_unmask(r->r_port);
	pv_log(PV_LOG_DEBUG, r->r_sc->sc_name, "queue %u: responses again; "
	    "back to interrupts", r->r_qid);
}

static void
storm_poll(void *arg)
{
	struct xbd_ring *r = arg;
	struct xbd_softc *sc = r->r_sc;
	uint64_t now;
	unsigned out;
	char why[128];

	pv_blk_lock(sc->sc_blk);
	/* A failed disk takes no more responses: it stays masked. */
	if (r->r_poll_stop || !r->r_polling || pv_blk_failed(sc->sc_blk))
		goto out;
	r->r_polls++;
	sc->sc_c_polls++;
	/*
	 * The events of the storm are forgotten first, so that an event
	 * the unmask below finds pending is one sent after this look.
	 */
	(void)xen_evtchn_test_and_clear(r->r_port);
	xbd_ring_reap(sc, r);
	if (pv_blk_failed(sc->sc_blk))
		goto out;
	if (r->r_responses != r->r_resp_seen) {
		storm_end(r);
		goto out;
	}
	now = pv_uptime_ns();
	out = r->r_fr.req_prod_pvt - r->r_fr.rsp_cons;
	if (out == 0)
		r->r_progress = now;
	else if (now - r->r_progress >= (uint64_t)xbd_storm_timeout_ms *
	    PV_NS_PER_MS) {
		snprintf(why, sizeof(why), "queue %u: event storm, and no "
		    "response in %u ms to %u requests outstanding", r->r_qid,
		    xbd_storm_timeout_ms, out);
		pv_blk_fail(sc->sc_blk, why);
		goto out;
	}
	r->r_poll_ns = pv_min(r->r_poll_ns * 2, poll_max_ns());
	pv_callout_reset(&r->r_poll_co, r->r_poll_ns, storm_poll, r);
out:
	pv_blk_unlock(sc->sc_blk);
}

void
xbd_storm_stop(struct xbd_softc *sc)
{
	unsigned q;

	/* Under the lock: a running poll then cannot arm itself again. */
	if (sc->sc_blk != NULL)
		pv_blk_lock(sc->sc_blk);
	for (q = 0; q < sc->sc_nrings; q++)
		sc->sc_rings[q].r_poll_stop = true;
	if (sc->sc_blk != NULL)
		pv_blk_unlock(sc->sc_blk);
	for (q = 0; q < sc->sc_nrings; q++)
		(void)pv_callout_drain(&sc->sc_rings[q].r_poll_co);
}
