/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * blkfront's counters and negotiated values under dev.xbd.NAME, as
 * sysctl dev.xbd shows them on FreeBSD, and each ring's under
 * dev.xbd.NAME.qN.
 */
#include <stdio.h>
#include <string.h>

#include <pv/sysctl.h>

#include "blkfront_var.h"

void
xbd_features_string(struct xbd_softc *sc)
{
	snprintf(sc->sc_c_features, sizeof(sc->sc_c_features),
	    "%s%s%s%s%s%s", (sc->sc_features & PV_DISK_FLUSH) ? "flush," : "",
	    (sc->sc_features & PV_DISK_BARRIER) ? "barrier," : "",
	    (sc->sc_features & PV_DISK_DISCARD) ? "discard," : "",
	    (sc->sc_features & PV_DISK_SECURE_DISCARD) ? "secure," : "",
	    sc->sc_indirect ? "indirect," : "",
	    sc->sc_persistent ? "persistent," : "");
	if (sc->sc_c_features[0] != '\0')
		sc->sc_c_features[strlen(sc->sc_c_features) - 1] = '\0';
}

void
xbd_counters(struct xbd_softc *sc)
{
	struct pv_ctl *n;

	n = pv_ctl_node(pv_ctl_node(pv_ctl_node(NULL, "dev"), "xbd"),
	    sc->sc_name);
	if ((sc->sc_ctl = n) == NULL)
		return;
	pv_ctl_counter(n, "ring_pages", &sc->sc_c_ring_pages, "per queue");
	pv_ctl_counter(n, "queues", &sc->sc_c_queues, "rings in use");
	pv_ctl_counter(n, "max_requests", &sc->sc_c_max_requests,
	    "requests in flight, all queues");
	pv_ctl_counter(n, "max_segments", &sc->sc_c_max_segs, "per request");
	pv_ctl_counter(n, "max_request_size", &sc->sc_c_max_bytes, "bytes");
	pv_ctl_string(n, "features", sc->sc_c_features, "negotiated");
	pv_ctl_counter(n, "notifications", &sc->sc_c_kicks,
	    "event channel sends");
	pv_ctl_counter(n, "interrupts", &sc->sc_c_intrs, "");
	pv_ctl_counter(n, "responses", &sc->sc_c_responses, "");
	pv_ctl_counter(n, "trusted", &sc->sc_c_trusted,
	    "0: the toolstack says the backend may not see our pages");
	pv_ctl_counter(n, "bounced", &sc->sc_c_bounced,
	    "requests through bounce buffers");
	pv_ctl_counter(n, "indirect", &sc->sc_c_indirect,
	    "indirect requests");
	pv_ctl_counter(n, "persistent_pages", &sc->sc_c_pgnt,
	    "pages granted for good, all queues");
	pv_ctl_counter(n, "persistent_waits", &sc->sc_c_pgnt_waits,
	    "freezes until a completion gave pool pages back");
	pv_ctl_counter(n, "persistent_purged", &sc->sc_c_pgnt_purged,
	    "idle pool pages taken back");
	xbd_storm_counters(n, NULL, sc, NULL);
}

/* dev.xbd.NAME.qN for each ring, as many as any connection has had. */
void
xbd_queue_counters(struct xbd_softc *sc)
{
	struct xbd_ring *r;
	struct pv_ctl *n;
	char name[16];

	for (; sc->sc_nqctl < sc->sc_nrings; sc->sc_nqctl++) {
		r = &sc->sc_rings[sc->sc_nqctl];
		snprintf(name, sizeof(name), "q%u", sc->sc_nqctl);
		if ((n = pv_ctl_node(sc->sc_ctl, name)) == NULL)
			return;
		pv_ctl_counter(n, "requests", &r->r_requests, "sent");
		pv_ctl_counter(n, "responses", &r->r_responses, "taken");
		pv_ctl_counter(n, "notifications", &r->r_kicks,
		    "event channel sends");
		pv_ctl_counter(n, "interrupts", &r->r_intrs,
		    "events received");
		pv_ctl_counter(n, "max_depth", &r->r_max_depth,
		    "most requests in flight at once");
		xbd_storm_counters(NULL, n, sc, r);
	}
}
