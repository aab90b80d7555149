/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * blkfront: the xenbus half.  The handshake follows the backend's state:
 *
 *   InitWait     read its limits, make and grant the rings, publish them
 *                in one transaction, go Initialised;
 *   Connected    read the disk's size and features, check every one, make
 *                (or update) the disk, go Connected;
 *   Closing      close, unless the disk is open: then wait for the last
 *                close, as FreeBSD's xbd does;
 *   Closed       the backend went away under us: requeue what was in
 *                flight and wait for it to come back (InitWait again).
 *
 * Either side may skip InitWait and Initialised; a backend that arrives
 * at Connected first gets the rings made on the spot.  InitWait is acted
 * on only from Initialising, so a repeated event cannot set up twice.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xen/io/protocols.h>

#include <pv/console.h>
#include <pv/dma.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/time.h>
#include <xenpv/blkfront.h>
#include <xenpv/evtchn.h>
#include <xenpv/vdev.h>

#include "blkfront_var.h"

/* Front-end limits, as loader tunables; defaults in the table. */
static uint32_t	xbd_max_ring_order;
static uint32_t	xbd_max_indirect;
static uint32_t	xbd_max_queues;
static uint32_t	xbd_persistent;

#define	XBD_TXN_TRIES	100	/* transactions that conflicted, at most */

static const struct pv_tunable xbd_tunable_list[] = {
	/* 4: 16 pages. */
	{ "max_ring_order", &xbd_max_ring_order, 4, 0, XBD_MAX_RING_ORDER,
	    "log2 of the most ring pages to use" },
	/* 256: 1 MiB requests. */
	{ "max_indirect", &xbd_max_indirect, 256, 0, XBD_MAX_INDIRECT_SEGS,
	    "most segments per indirect request" },
	{ "max_queues", &xbd_max_queues, 4, 1, XBD_MAX_QUEUES,
	    "most rings (queues) per disk" },
	{ "persistent", &xbd_persistent, 1, 0, 1,
	    "offer persistent grants" },
};
PV_TUNABLES(xbd_tunables, "hw.xbd", xbd_tunable_list);

void
xbd_init(void)
{
	pv_ctl_tunables(&xbd_tunables);
	xbd_storm_tunables();
	xbd_purge_tunables();
	(void)pv_ctl_node(pv_ctl_node(NULL, "dev"), "xbd");
}

bool
xbd_want_persistent(void)
{
	return (xbd_persistent != 0);
}

void
xbd_set_conn(struct xbd_softc *sc, enum xbd_conn conn, int error)
{
	PV_MTX_ASSERT_OWNED(&sc->sc_mtx);
	sc->sc_conn = conn;
	if (error != 0)
		sc->sc_error = error;
	pv_wakeup(&sc->sc_conn);
}

/* Refuse the device with a message naming the key that was wrong. */
static void
xbd_refuse(struct xbd_softc *sc, int error, const char *what)
{
	pv_log(PV_LOG_ERR, sc->sc_name, "%s: %s", sc->sc_backend, what);
	(void)xenbus_printf(XENBUS_TXN_NONE, sc->sc_node, "error", "%d %s",
	    error, what);
	xbd_set_conn(sc, XBD_FAILED, error);
	(void)xenbus_switch_state(sc->sc_node, XenbusStateClosed);
}

/*
 * A directory's numeric keys, read one after another until one fails;
 * the refusal then names that key, its side and why.
 */
struct xbd_keys {
	const char	*k_dir;
	const char	*k_side;	/* "frontend" or "backend" */
	const char	*k_failed;	/* the key that could not be read */
	int		 k_error;
};

static void
xbd_key_read(struct xbd_keys *k, const char *key, uint64_t max,
    bool required, uint64_t dflt, uint64_t *valp)
{
	int error;

	if (k->k_error != 0)
		return;
	error = xenbus_read_u64(XENBUS_TXN_NONE, k->k_dir, key, max, valp);
	if (error == ENOENT && !required) {
		*valp = dflt;
		error = 0;
	}
	if (error != 0) {
		k->k_error = error;
		k->k_failed = key;
	}
}

/* A key the protocol requires. */
static void
xbd_key(struct xbd_keys *k, const char *key, uint64_t max, uint64_t *valp)
{
	xbd_key_read(k, key, max, true, 0, valp);
}

/* A key that may be absent, meaning dflt. */
static void
xbd_key_default(struct xbd_keys *k, const char *key, uint64_t max,
    uint64_t dflt, uint64_t *valp)
{
	xbd_key_read(k, key, max, false, dflt, valp);
}

/* "backend key 'sectors' missing (ENOENT)" */
static void
xbd_keys_why(const struct xbd_keys *k, char *buf, size_t len)
{
	switch (k->k_error) {
	case ENOENT:
		snprintf(buf, len, "%s key '%s' missing (ENOENT)", k->k_side,
		    k->k_failed);
		break;
	case EINVAL:
		snprintf(buf, len, "%s key '%s' is not a number (EINVAL)",
		    k->k_side, k->k_failed);
		break;
	case ERANGE:
		snprintf(buf, len, "%s key '%s' is out of range (ERANGE)",
		    k->k_side, k->k_failed);
		break;
	default:
		snprintf(buf, len, "%s key '%s' unreadable (error %d)",
		    k->k_side, k->k_failed, k->k_error);
		break;
	}
}

/* --------------------------------------------------------------------
 * InitWait: the rings
 */

static void
xbd_talk(struct xbd_softc *sc)
{
	struct xbd_keys k = { .k_dir = sc->sc_backend, .k_side = "backend" };
	uint64_t order = 0, pages = 0, queues = 0;
	xenbus_txn_t t;
	char why[96];
	unsigned tries;
	int error;

	xbd_key_default(&k, "max-ring-page-order", 31, 0, &order);
	xbd_key_default(&k, "max-ring-pages", UINT32_MAX, 1, &pages);
	xbd_key_default(&k, "multi-queue-max-queues", UINT32_MAX, 1, &queues);
	if (k.k_error == 0 && pages == 0) {
		k.k_error = ERANGE;
		k.k_failed = "max-ring-pages";
	}
	if (k.k_error != 0) {
		xbd_keys_why(&k, why, sizeof(why));
		xbd_refuse(sc, EINVAL, why);
		return;
	}
	/*
	 * The deprecated page count may be all an older backend gives
	 * (RedHat/Amazon's scheme); a count that is not a power of two
	 * gives the largest power of two under it.
	 */
	while (order < 31 && (2ull << order) <= pages)
		order++;
	sc->sc_ring_order = (unsigned)pv_min(order, xbd_max_ring_order);
	sc->sc_nrings = (unsigned)pv_max(1, pv_min(queues, xbd_max_queues));
	if ((error = xbd_rings_alloc(sc)) != 0) {
		xbd_refuse(sc, error, "cannot make the rings");
		return;
	}
	/* A store that conflicts every time must not hold us for ever. */
	for (tries = 0; tries < XBD_TXN_TRIES; tries++) {
		if ((error = xenbus_transaction_start(&t)) != 0)
			break;
		if ((error = xbd_rings_publish(sc, t)) == 0)
			error = xenbus_write(t, sc->sc_node, "protocol",
			    XEN_IO_PROTO_ABI_NATIVE);
		/* Offered only as configured (Linux's 2022 fix). */
		if (error == 0)
			error = xenbus_printf(t, sc->sc_node,
			    "feature-persistent", "%u", xbd_want_persistent());
		if (error != 0) {
			(void)xenbus_transaction_end(t, true);
			break;
		}
		if ((error = xenbus_transaction_end(t, false)) != EAGAIN)
			break;
	}
	if (error != 0) {
		xbd_rings_free(sc);
		xbd_refuse(sc, error, "cannot publish the rings");
		return;
	}
	sc->sc_pub_nrings = sc->sc_nrings;
	sc->sc_pub_order = sc->sc_ring_order;
	xbd_set_conn(sc, XBD_CONNECTING, 0);
	(void)xenbus_switch_state(sc->sc_node, XenbusStateInitialised);
}

/* --------------------------------------------------------------------
 * Connected: the disk
 */

/* Read the backend's description of the disk; 0 or a refusal logged. */
static int
xbd_gather(struct xbd_softc *sc, struct pv_disk_info *di, uint64_t *segsp)
{
	struct xbd_keys k = { .k_dir = sc->sc_backend, .k_side = "backend" };
	uint64_t sectors = 0, info = 0, ssize = PV_SECTOR_SIZE, pssize = 0;
	uint64_t flush = 0, barrier = 0, discard = 0, gran = 0, align = 0;
	uint64_t secure = 0, segs = 0, persistent = 0;
	const char *be = sc->sc_backend;
	char why[96];

	xbd_key(&k, "sectors", UINT64_MAX / PV_SECTOR_SIZE, &sectors);
	xbd_key_default(&k, "info", UINT32_MAX, 0, &info);
	xbd_key_default(&k, "sector-size", PV_SECTOR_SIZE_MAX, PV_SECTOR_SIZE,
	    &ssize);
	xbd_key_default(&k, "physical-sector-size", 1u << 20, ssize, &pssize);
	xbd_key_default(&k, "feature-flush-cache", 1, 0, &flush);
	xbd_key_default(&k, "feature-barrier", 1, 0, &barrier);
	xbd_key_default(&k, "feature-discard", 1, 0, &discard);
	xbd_key_default(&k, "discard-granularity", UINT32_MAX, ssize, &gran);
	xbd_key_default(&k, "discard-alignment", UINT32_MAX, 0, &align);
	xbd_key_default(&k, "discard-secure", 1, 0, &secure);
	xbd_key_default(&k, "feature-max-indirect-segments", UINT32_MAX, 0,
	    &segs);
	xbd_key_default(&k, "feature-persistent", 1, 0, &persistent);
	if (k.k_error != 0) {
		xbd_keys_why(&k, why, sizeof(why));
		goto refuse;
	}
	if (sectors == 0) {
		snprintf(why, sizeof(why), "sectors is 0");
		goto refuse;
	}
	if (!pv_powerof2(ssize) || ssize < PV_SECTOR_SIZE) {
		snprintf(why, sizeof(why), "sector-size %ju is not a power of "
		    "2 of at least 512", (uintmax_t)ssize);
		goto refuse;
	}
	if (!pv_powerof2(pssize) || pssize < ssize) {
		snprintf(why, sizeof(why), "physical-sector-size %ju is not "
		    "a power of 2 of at least sector-size", (uintmax_t)pssize);
		goto refuse;
	}
	if ((sectors * PV_SECTOR_SIZE) % ssize != 0) {
		snprintf(why, sizeof(why), "sectors %ju is not a whole number "
		    "of %ju-byte sectors", (uintmax_t)sectors, (uintmax_t)ssize);
		goto refuse;
	}
	if (discard != 0 && (gran == 0 || gran % ssize != 0)) {
		pv_log(PV_LOG_WARNING, sc->sc_name, "%s/discard-granularity "
		    "%ju is not a multiple of sector-size; not discarding", be,
		    (uintmax_t)gran);
		discard = 0;
	}
	memset(di, 0, sizeof(*di));
	pv_strlcpy(di->di_name, sc->sc_name, sizeof(di->di_name));
	di->di_sectors = sectors;
	di->di_sector_size = (uint32_t)ssize;
	di->di_phys_sector_size = (uint32_t)pssize;
	di->di_readonly = (info & VDISK_READONLY) != 0;
	di->di_discard_granularity = (uint32_t)gran;
	di->di_discard_alignment = (uint32_t)align;
	di->di_features = (flush ? PV_DISK_FLUSH : 0) |
	    (barrier ? PV_DISK_BARRIER : 0) |
	    (discard ? PV_DISK_DISCARD : 0) |
	    (discard && secure ? PV_DISK_SECURE_DISCARD : 0);
	*segsp = segs;
	sc->sc_persistent = persistent != 0 && xbd_want_persistent();
	return (0);
refuse:
	xbd_refuse(sc, EINVAL, why);
	return (EINVAL);
}

static void
xbd_connect(struct xbd_softc *sc)
{
	struct pv_blk_limits lim = { 0 };
	struct pv_disk_info di;
	uint64_t segs;
	unsigned q, ncmds;
	int error;

	if (xbd_gather(sc, &di, &segs) != 0)
		return;
	if (sc->sc_blk != NULL && sc->sc_cmds != NULL &&
	    sc->sc_conn == XBD_CONNECTED) {
		/* Connected again while connected: a resize. */
		if (di.di_sectors != sc->sc_info.di_sectors) {
			pv_log(PV_LOG_NOTICE, sc->sc_name, "resized from %ju "
			    "to %ju sectors", (uintmax_t)sc->sc_info.di_sectors,
			    (uintmax_t)di.di_sectors);
			sc->sc_info.di_sectors = di.di_sectors;
			pv_blk_lock(sc->sc_blk);
			pv_blk_set_info(sc->sc_blk, &sc->sc_info);
			pv_blk_unlock(sc->sc_blk);
		}
		return;
	}
	segs = pv_min(segs, xbd_max_indirect);
	sc->sc_indirect = segs > BLKIF_MAX_SEGMENTS_PER_REQUEST;
	sc->sc_max_segs = sc->sc_indirect ? (unsigned)segs :
	    BLKIF_MAX_SEGMENTS_PER_REQUEST;
	/*
	 * A barrier is a direct request only (indirect_op is READ or WRITE),
	 * so with indirect requests the block layer single-steps instead.
	 */
	if (sc->sc_indirect)
		di.di_features &= ~PV_DISK_BARRIER;
	sc->sc_features = di.di_features;
	sc->sc_info = di;
	for (q = 0, ncmds = 0; q < sc->sc_nrings; q++)
		ncmds += RING_SIZE(&sc->sc_rings[q].r_fr);
	if (sc->sc_cmds == NULL && (error = xbd_cmds_alloc(sc, ncmds)) != 0) {
		xbd_refuse(sc, error, "no memory for commands");
		return;
	}
	lim.bl_max_cmds = ncmds;
	lim.bl_max_segments = sc->sc_max_segs;
	lim.bl_max_bytes = (uint64_t)sc->sc_max_segs * PV_PAGE_SIZE;
	if (sc->sc_blk == NULL) {
		if ((error = pv_blk_create(&sc->sc_blk, &di, &lim,
		    &xbd_blk_ops, sc)) != 0) {
			xbd_refuse(sc, error, "the block layer refused the "
			    "disk");
			return;
		}
	} else {
		/*
		 * Back after a reconnect: send again what was in flight, cut
		 * to this backend's limits, which may be smaller (fewer
		 * indirect segments or none, smaller or fewer rings).
		 */
		pv_blk_lock(sc->sc_blk);
		pv_blk_set_info(sc->sc_blk, &di);
		pv_blk_set_limits(sc->sc_blk, &lim);
		pv_blk_requeue(sc->sc_blk);
		pv_blk_thaw(sc->sc_blk, PV_FREEZE_SUSPEND);
		pv_blk_unlock(sc->sc_blk);
	}
	sc->sc_c_ring_pages = 1u << sc->sc_ring_order;
	sc->sc_c_queues = sc->sc_nrings;
	sc->sc_c_max_requests = ncmds;
	sc->sc_c_max_segs = sc->sc_max_segs;
	sc->sc_c_max_bytes = lim.bl_max_bytes;
	xbd_features_string(sc);
	if (sc->sc_ctl == NULL)
		xbd_counters(sc);
	if (sc->sc_ctl != NULL)
		xbd_queue_counters(sc);
	xbd_purge_start(sc);
	pv_log(PV_LOG_INFO, sc->sc_name, "%ju sectors of %u bytes%s%s, %u "
	    "queue(s) of %u page(s), %u segments per request, features %s",
	    (uintmax_t)di.di_sectors, di.di_sector_size,
	    di.di_readonly ? ", read-only" : "",
	    sc->sc_trusted || sc->sc_persistent ? "" :
	    ", untrusted backend: bouncing all data",
	    sc->sc_nrings,
	    1u << sc->sc_ring_order, sc->sc_max_segs,
	    sc->sc_c_features[0] != '\0' ? sc->sc_c_features : "none");
	xbd_set_conn(sc, XBD_CONNECTED, 0);
	(void)xenbus_switch_state(sc->sc_node, XenbusStateConnected);
}

/* --------------------------------------------------------------------
 * Closing and losing the backend
 */

/*
 * Take the rings down.  What was in flight is either requeued, for a
 * backend that will come back, or failed by destroying the disk.
 */
void
xbd_disconnect(struct xbd_softc *sc, bool requeue)
{
	struct xbd_cmd *x;
	unsigned i;

	/* No interrupt may reach the disk while it goes. */
	xbd_rings_unbind(sc);
	if (sc->sc_blk != NULL) {
		pv_blk_lock(sc->sc_blk);
		pv_blk_freeze(sc->sc_blk, PV_FREEZE_SUSPEND);
		for (i = 0; sc->sc_cmds != NULL && i < sc->sc_ncmds; i++) {
			x = &sc->sc_cmds[i];
			if (!x->x_inflight)
				continue;
			/* A closed backend has let go of its grants. */
			(void)xbd_cmd_end_grants(x);
			/* The pool goes with the rings below. */
			x->x_npg = 0;
			pv_dma_unshare(&x->x_dma, false);
			x->x_inflight = false;
		}
		/* The pools go with the rings: nothing to wait for in them. */
		if (sc->sc_pgnt_wait) {
			sc->sc_pgnt_wait = false;
			pv_blk_thaw(sc->sc_blk, PV_FREEZE_GRANTS);
		}
		if (requeue && !pv_blk_failed(sc->sc_blk))
			pv_blk_requeue(sc->sc_blk);
		pv_blk_unlock(sc->sc_blk);
		if (!requeue) {
			xen_gnttab_cancel_wait(&sc->sc_gnt_wait);
			pv_blk_destroy(sc->sc_blk);
			sc->sc_blk = NULL;
		}
	}
	xbd_rings_free(sc);
	memset(sc->sc_rings, 0, sizeof(sc->sc_rings));
	if (!requeue) {
		xbd_cmds_free(sc);
		pv_ctl_remove(sc->sc_ctl);
		sc->sc_ctl = NULL;
	}
}

/* How long a backend gets to let go of our rings once we close. */
#define	XBD_CLOSE_WAIT	(5 * PV_NS_PER_SEC)

/*
 * Wait, for XBD_CLOSE_WAIT at most, until the backend is at least in
 * state want, or gone (its directory removed: Unknown).  Nothing to wait
 * for when no ring is granted.
 */
static void
xbd_backend_wait(struct xbd_softc *sc, enum xenbus_state want)
{
	uint64_t end = pv_uptime_ns() + XBD_CLOSE_WAIT;
	enum xenbus_state be;

	while ((be = xenbus_read_state(sc->sc_backend)) < want &&
	    be != XenbusStateUnknown && sc->sc_rings[0].r_sring != NULL &&
	    pv_uptime_ns() < end)
		pv_pause("xbdclose", 2 * PV_NS_PER_MS);
}

/*
 * Say Closing and give the backend time to unmap: it does so when it sees
 * us Closing and then says Closed; only then are the rings' pages ours.
 */
static void
xbd_backend_let_go(struct xbd_softc *sc)
{
	(void)xenbus_switch_state(sc->sc_node, XenbusStateClosing);
	xbd_backend_wait(sc, XenbusStateClosed);
}

/*
 * Drop the rings but keep the disk: what is in flight is requeued, and the
 * handshake starts again when the backend is back at InitWait.
 */
static void
xbd_restart(struct xbd_softc *sc)
{
	xbd_disconnect(sc, true);
	xbd_set_conn(sc, XBD_DISCONNECTED, 0);
	(void)xenbus_switch_state(sc->sc_node, XenbusStateInitialising);
}

/*
 * For good: Closing, then Closed, and only then end the grants.  Linux
 * blkback unmaps the rings and its persistent grants when the frontend
 * says Closed (xen_blkif_disconnect), not before, and says Closed itself
 * only after: waiting for that while still Closing took 5 s and left
 * every grant mapped and leaked (seen on real Xen by
 * tests/tools/xenhost's attach_phy).  What is still in flight the backend
 * completes into the ring, which stays ours until it is Closed.
 */
static void
xbd_closing(struct xbd_softc *sc)
{
	xbd_set_conn(sc, XBD_CLOSING, 0);
	(void)xenbus_switch_state(sc->sc_node, XenbusStateClosing);
	xbd_backend_wait(sc, XenbusStateClosing);
	(void)xenbus_switch_state(sc->sc_node, XenbusStateClosed);
	xbd_backend_wait(sc, XenbusStateClosed);
	xbd_disconnect(sc, false);
	xbd_set_conn(sc, XBD_DISCONNECTED, ENXIO);
}

void
xbd_backend_changed(struct xenbus_watch *w, const char *path)
{
	struct xbd_softc *sc = w->w_arg;
	enum xenbus_state state;

	(void)path;
	state = xenbus_read_state(sc->sc_backend);
	pv_mtx_lock(&sc->sc_mtx);
	switch (state) {
	case XenbusStateInitWait:
		if (sc->sc_conn == XBD_DISCONNECTED)
			xbd_talk(sc);
		break;
	case XenbusStateConnected:
		if (sc->sc_conn == XBD_DISCONNECTED)
			xbd_talk(sc);	/* it skipped InitWait */
		if (sc->sc_conn == XBD_CONNECTING ||
		    sc->sc_conn == XBD_CONNECTED)
			xbd_connect(sc);
		break;
	case XenbusStateClosing:
		if (sc->sc_conn == XBD_FAILED || sc->sc_conn == XBD_CLOSING)
			break;
		if (sc->sc_users > 0) {
			/* Until the last close, as for a mounted disk. */
			if (!sc->sc_close_deferred)
				pv_log(PV_LOG_NOTICE, sc->sc_name, "backend "
				    "closing; deferred until the disk is "
				    "closed");
			sc->sc_close_deferred = true;
			break;
		}
		xbd_closing(sc);
		break;
	case XenbusStateClosed:
		if (sc->sc_conn == XBD_CONNECTED ||
		    sc->sc_conn == XBD_CONNECTING) {
			/* It may come back: keep the disk, requeue I/O. */
			pv_log(PV_LOG_WARNING, sc->sc_name, "backend closed "
			    "under us; waiting for it to return");
			xbd_restart(sc);
		}
		break;
	default:
		break;
	}
	pv_mtx_unlock(&sc->sc_mtx);
}

/* --------------------------------------------------------------------
 * Attach and detach
 */

/*
 * The frontend keys that say where the backend is (backend, backend-id),
 * and the watch on its state: at attach, and again in a new domain.
 */
int
xbd_find_backend(struct xbd_softc *sc)
{
	struct xbd_keys k = { .k_side = "frontend", .k_dir = sc->sc_node };
	char why[96], *be = NULL;
	uint64_t beid = 0;
	int error;

	xbd_key(&k, "backend-id", DOMID_FIRST_RESERVED - 1, &beid);
	if (k.k_error == 0 && (error = xenbus_read(XENBUS_TXN_NONE,
	    sc->sc_node, "backend", &be, NULL)) != 0) {
		k.k_error = error;
		k.k_failed = "backend";
	}
	if ((error = k.k_error) != 0) {
		xbd_keys_why(&k, why, sizeof(why));
		pv_log(PV_LOG_ERR, "xbd", "%s: %s", sc->sc_node, why);
		return (error);
	}
	if (be[0] != '/' || strlen(be) >= sizeof(sc->sc_backend)) {
		pv_log(PV_LOG_ERR, "xbd", "%s/backend: \"%.40s\" is not a "
		    "path", sc->sc_node, be);
		pv_free(be);
		return (EINVAL);
	}
	pv_strlcpy(sc->sc_backend, be, sizeof(sc->sc_backend));
	pv_free(be);
	sc->sc_backend_id = (domid_t)beid;
	snprintf(sc->sc_watch_path, sizeof(sc->sc_watch_path), "%s/state",
	    sc->sc_backend);
	sc->sc_watch.w_node = sc->sc_watch_path;
	sc->sc_watch.w_fn = xbd_backend_changed;
	sc->sc_watch.w_arg = sc;
	return (0);
}

/* Our node under /local/domain/N, N being our domid now. */
void
xbd_set_node(struct xbd_softc *sc)
{
	if (sc->sc_rnode[0] == '/')
		snprintf(sc->sc_node, sizeof(sc->sc_node), "%s", sc->sc_rnode);
	else
		snprintf(sc->sc_node, sizeof(sc->sc_node), "/local/domain/%u/%s",
		    xenbus_domid(), sc->sc_rnode);
}

int
xbd_attach(const char *node, struct xbd_softc **scp)
{
	struct xbd_keys k = { .k_side = "frontend" };
	uint64_t devid = 0, trusted = 0;
	const char *vdkey = "virtual-device";
	struct xbd_softc *sc;
	char why[96];
	int error;

	xbd_init();
	if ((sc = pv_malloc(sizeof(*sc), PV_M_ZERO | PV_M_NOWAIT)) == NULL)
		return (ENOMEM);
	pv_mtx_init(&sc->sc_mtx, "xbd");
	if (strlen(node) >= sizeof(sc->sc_rnode)) {
		pv_log(PV_LOG_ERR, "xbd", "%.40s...: the path is too long",
		    node);
		error = ENAMETOOLONG;
		goto fail;
	}
	pv_strlcpy(sc->sc_rnode, node, sizeof(sc->sc_rnode));
	xbd_set_node(sc);
	snprintf(sc->sc_name, sizeof(sc->sc_name), "xbd");
	k.k_dir = sc->sc_node;
	/*
	 * Some toolstacks (xend) wrote only virtual-device-ext for a disk:
	 * Linux and FreeBSD fall back to it.  With neither, name the first.
	 */
	if (!xenbus_exists(XENBUS_TXN_NONE, sc->sc_node, "virtual-device") &&
	    xenbus_exists(XENBUS_TXN_NONE, sc->sc_node, "virtual-device-ext"))
		vdkey = "virtual-device-ext";
	xbd_key(&k, vdkey, UINT32_MAX, &devid);
	xbd_key_default(&k, "trusted", 1, 1, &trusted);
	if ((error = k.k_error) != 0) {
		xbd_keys_why(&k, why, sizeof(why));
		pv_log(PV_LOG_ERR, "xbd", "%s: %s", sc->sc_node, why);
		goto fail;
	}
	if ((error = xbd_find_backend(sc)) != 0)
		goto fail;
	if (xen_devid_to_vdev((uint32_t)devid, sc->sc_name,
	    sizeof(sc->sc_name), NULL, NULL) != 0) {
		pv_log(PV_LOG_ERR, "xbd", "%s/%s: %ju is not a disk number",
		    sc->sc_node, vdkey, (uintmax_t)devid);
		error = EINVAL;
		goto fail;
	}
	sc->sc_devid = (uint32_t)devid;
	sc->sc_trusted = trusted != 0;
	sc->sc_c_trusted = sc->sc_trusted;
	if (strcmp(vdkey, "virtual-device") != 0)
		pv_log(PV_LOG_INFO, sc->sc_name, "numbered %u by %s",
		    sc->sc_devid, vdkey);
	sc->sc_conn = XBD_DISCONNECTED;
	(void)xenbus_switch_state(sc->sc_node, XenbusStateInitialising);
	/* The watch's first event starts the handshake. */
	if ((error = xenbus_watch_register(&sc->sc_watch)) != 0)
		goto fail;
	xbd_suspend_hook(sc, true);
	*scp = sc;
	return (0);
fail:
	pv_mtx_destroy(&sc->sc_mtx);
	pv_free(sc);
	return (error);
}

int
xbd_wait_connected(struct xbd_softc *sc, uint64_t timeout_ns)
{
	uint64_t end = pv_uptime_ns() + timeout_ns;
	int error = 0;

	pv_mtx_lock(&sc->sc_mtx);
	while (sc->sc_conn != XBD_CONNECTED && sc->sc_conn != XBD_FAILED) {
		if (pv_uptime_ns() >= end) {
			error = ETIMEDOUT;
			break;
		}
		pv_sleep(&sc->sc_conn, &sc->sc_mtx, "xbdconn",
		    end - pv_uptime_ns());
	}
	if (sc->sc_conn == XBD_FAILED)
		error = sc->sc_error != 0 ? sc->sc_error : EIO;
	pv_mtx_unlock(&sc->sc_mtx);
	return (error);
}

int
xbd_suspend(struct xbd_softc *sc, uint64_t drain_ns, unsigned *requeuedp)
{
	unsigned busy;

	pv_mtx_lock(&sc->sc_mtx);
	if (sc->sc_conn != XBD_CONNECTED || sc->sc_blk == NULL) {
		pv_mtx_unlock(&sc->sc_mtx);
		return (ENXIO);
	}
	busy = pv_blk_drain(sc->sc_blk, drain_ns);
	xbd_backend_let_go(sc);
	xbd_restart(sc);
	pv_mtx_unlock(&sc->sc_mtx);
	if (requeuedp != NULL)
		*requeuedp = busy;
	return (0);
}

void
xbd_polled(struct xbd_softc *sc, bool on)
{
	unsigned q;

	pv_mtx_lock(&sc->sc_mtx);
	for (q = 0; q < sc->sc_nrings; q++) {
		if (sc->sc_rings[q].r_sring == NULL)
			continue;
		if (on)
			xen_evtchn_mask(sc->sc_rings[q].r_port);
		else
			xen_evtchn_unmask(sc->sc_rings[q].r_port);
	}
	pv_mtx_unlock(&sc->sc_mtx);
}

int
xbd_wait_closed(struct xbd_softc *sc, uint64_t timeout_ns)
{
	uint64_t end = pv_uptime_ns() + timeout_ns;
	int error = 0;

	pv_mtx_lock(&sc->sc_mtx);
	while (sc->sc_conn == XBD_CONNECTED || sc->sc_conn == XBD_CONNECTING) {
		if (pv_uptime_ns() >= end) {
			error = ETIMEDOUT;
			break;
		}
		pv_sleep(&sc->sc_conn, &sc->sc_mtx, "xbdclose",
		    end - pv_uptime_ns());
	}
	pv_mtx_unlock(&sc->sc_mtx);
	return (error);
}

struct pv_blk *
xbd_disk(struct xbd_softc *sc)
{
	return (sc->sc_blk);
}

void
xbd_open(struct xbd_softc *sc)
{
	pv_mtx_lock(&sc->sc_mtx);
	sc->sc_users++;
	pv_mtx_unlock(&sc->sc_mtx);
}

void
xbd_close(struct xbd_softc *sc)
{
	pv_mtx_lock(&sc->sc_mtx);
	pv_assert(sc->sc_users > 0);
	if (--sc->sc_users == 0 && sc->sc_close_deferred) {
		sc->sc_close_deferred = false;
		xbd_closing(sc);
	}
	pv_mtx_unlock(&sc->sc_mtx);
}

bool
xbd_close_wanted(struct xbd_softc *sc)
{
	bool wanted;

	pv_mtx_lock(&sc->sc_mtx);
	wanted = sc->sc_close_deferred;
	pv_mtx_unlock(&sc->sc_mtx);
	return (wanted);
}

void
xbd_detach(struct xbd_softc *sc)
{
	xbd_suspend_hook(sc, false);
	xenbus_watch_unregister(&sc->sc_watch);
	pv_mtx_lock(&sc->sc_mtx);
	if (sc->sc_conn != XBD_DISCONNECTED || sc->sc_blk != NULL ||
	    sc->sc_rings[0].r_sring != NULL)
		xbd_closing(sc);
	pv_mtx_unlock(&sc->sc_mtx);
	pv_mtx_destroy(&sc->sc_mtx);
	pv_free(sc);
}
