/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Connecting a vbd, as Linux blkback's connect_ring and connect: read the
 * frontend's transport keys, map its rings and bind its channels, then
 * publish the device's properties and go Connected.  The keys are the
 * guest's to write, so each is read once and checked; a bad one is named
 * with its value in the log and in the error node, and the device closes.
 */
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

#include <pv/libkern.h>

#include "blkback.h"
#include "blkback_impl.h"
#include "domain.h"
#include "xensim.h"

/*
 * A number no greater than max from the frontend's directory.  ENOENT
 * when absent; any other error has been made fatal, naming the key.
 */
static int
fe_number(struct vbd *v, const char *key, uint64_t max, const char *limit,
    uint64_t *valp)
{
	char val[32];
	int error;

	error = vbd_fe_read(v, key, val, sizeof(val));
	if (error == ENOENT)
		return (ENOENT);
	if (error != 0) {
		vbd_fatal(v, error, "reading %s/%s: longer than %zu bytes",
		    v->v_fe, key, sizeof(val) - 1);
		return (error);
	}
	if ((error = pv_strtou64(val, max, valp)) != 0) {
		vbd_printable(val);
		vbd_fatal(v, error, "%s/%s is \"%s\": %s %s", v->v_fe, key,
		    val, error == ERANGE ? "more than" : "not a number up to",
		    limit);
		return (error);
	}
	return (0);
}

static int
fe_protocol(struct vbd *v)
{
	char val[32];
	int error;

	error = vbd_fe_read(v, "protocol", val, sizeof(val));
	if (error == ENOENT)
		return (0);	/* the default is the native ABI */
	if (error != 0) {
		vbd_fatal(v, error, "reading %s/protocol", v->v_fe);
		return (error);
	}
	/* Only the native layout is served: no translation of rings. */
	if (strcmp(val, XEN_IO_PROTO_ABI_X86_64) != 0) {
		vbd_printable(val);
		vbd_fatal(v, ENOSYS, "%s/protocol is \"%s\": only \"%s\" is "
		    "served", v->v_fe, val, XEN_IO_PROTO_ABI_X86_64);
		return (ENOSYS);
	}
	return (0);
}

/*
 * The ring size, from the scheme we published (blkback.ring-keys): a
 * backend of one scheme never looks at the other's key.  With both, they
 * must agree when both are set.
 */
static int
fe_ring_pages(struct vbd *v, unsigned *npagesp, bool *multip)
{
	uint32_t maxorder = v->v_max_ring_order;
	uint8_t keys = blkback_conf.bc_ring_keys;
	uint64_t order, pages;
	char limit[40];
	int e1 = ENOENT, e2 = ENOENT;

	snprintf(limit, sizeof(limit), "max-ring-page-order %u", maxorder);
	if (keys != BRK_PAGES)
		e1 = fe_number(v, "ring-page-order", maxorder, limit, &order);
	if (e1 != 0 && e1 != ENOENT)
		return (e1);
	snprintf(limit, sizeof(limit), "%u pages", 1u << maxorder);
	if (keys != BRK_ORDER)
		e2 = fe_number(v, "num-ring-pages", 1u << maxorder, limit,
		    &pages);
	if (e2 != 0 && e2 != ENOENT)
		return (e2);
	if (e2 == 0 && !pv_powerof2(pages)) {
		vbd_fatal(v, EINVAL, "%s/num-ring-pages is \"%ju\": not a "
		    "power of two", v->v_fe, (uintmax_t)pages);
		return (EINVAL);
	}
	if (e1 == 0 && e2 == 0 && pages != (1u << order)) {
		vbd_fatal(v, EINVAL, "%s/num-ring-pages is \"%ju\" but "
		    "ring-page-order is \"%ju\"", v->v_fe, (uintmax_t)pages,
		    (uintmax_t)order);
		return (EINVAL);
	}
	*multip = e1 == 0 || e2 == 0;
	*npagesp = e1 == 0 ? 1u << order : e2 == 0 ? (unsigned)pages : 1;
	return (0);
}

/* One queue's keys, in dir ("" or "queue-N/"); then map and bind. */
static int
fe_ring(struct vbd *v, struct bb_ring *r, const char *dir, bool multi)
{
	char key[BB_MAX_RING_PAGES][40], chan[40];
	uint64_t port, ref;
	unsigned i;
	int error;

	snprintf(chan, sizeof(chan), "%sevent-channel", dir);
	if ((error = fe_number(v, chan, UINT32_MAX, "2^32 - 1", &port)) != 0) {
		if (error == ENOENT)
			vbd_fatal(v, EINVAL, "reading %s/%s: missing",
			    v->v_fe, chan);
		return (EINVAL);
	}
	for (i = 0; i < r->r_npages; i++) {
		if (multi)
			snprintf(key[i], sizeof(key[i]), "%sring-ref%u", dir,
			    i);
		else
			snprintf(key[i], sizeof(key[i]), "%sring-ref", dir);
		error = fe_number(v, key[i], UINT32_MAX, "2^32 - 1", &ref);
		/* One page with the multi-page keys: either name will do. */
		if (error == ENOENT && multi && r->r_npages == 1) {
			snprintf(key[i], sizeof(key[i]), "%sring-ref", dir);
			error = fe_number(v, key[i], UINT32_MAX, "2^32 - 1",
			    &ref);
		}
		if (error == ENOENT)
			vbd_fatal(v, EINVAL, "reading %s/%s: missing",
			    v->v_fe, key[i]);
		if (error != 0)
			return (EINVAL);
		r->r_refs[i] = (grant_ref_t)ref;
	}
	if ((error = ring_map(r, (uint32_t)port)) == 0)
		return (0);
	/* Name the key whose value let us down. */
	if (r->r_nmapped < r->r_npages)
		vbd_fatal(v, error, "%s/%s is \"%u\": cannot map the grant: %s",
		    v->v_fe, key[r->r_nmapped], r->r_refs[r->r_nmapped],
		    strerror(error));
	else if (!r->r_bound)
		vbd_fatal(v, error, "%s/%s is \"%ju\": cannot bind: %s",
		    v->v_fe, chan, (uintmax_t)port, strerror(error));
	else
		vbd_fatal(v, error, "mapping %sring-ref%s port %ju: %s", dir,
		    multi ? "0.." : "", (uintmax_t)port, strerror(error));
	return (error);
}

/* "0" or "1" from the frontend; absent is 0. */
static int
fe_bool(struct vbd *v, const char *key, bool *valp)
{
	uint64_t n;
	int error;

	error = fe_number(v, key, 1, "1", &n);
	if (error != 0 && error != ENOENT)
		return (error);
	*valp = error == 0 && n == 1;
	return (0);
}

static void
publish(struct vbd *v)
{
	const struct blkback_conf *c = &blkback_conf;
	char val[8];
	unsigned info = 0;

	if (v->v_flush)
		vbd_be_write(v, "feature-flush-cache", "1");
	if (v->v_discard) {
		vbd_be_write(v, "discard-granularity", "%u",
		    v->v_discard_gran);
		vbd_be_write(v, "discard-alignment", "%u", v->v_discard_align);
		vbd_be_write(v, "discard-secure", "%d",
		    c->bc_discard_secure ? 1 : 0);
		vbd_be_write(v, "feature-discard", "1");
	}
	if (v->v_barrier)
		vbd_be_write(v, "feature-barrier", "1");
	if (c->bc_persistent)
		vbd_be_write(v, "feature-persistent", "1");
	vbd_be_write(v, "sectors", "%ju", (uintmax_t)v->v_sectors);
	if (v->v_readonly)
		info |= VDISK_READONLY;
	if (vbd_fe_read(v, "device-type", val, sizeof(val)) == 0 &&
	    strcmp(val, "cdrom") == 0)
		info |= VDISK_CDROM;
	vbd_be_write(v, "info", "%u", info);
	vbd_be_write(v, "sector-size", "%u", v->v_ssize);
	/* A multiple of the logical size, as blkif.h requires. */
	vbd_be_write(v, "physical-sector-size", "%u",
	    pv_max(c->bc_phys_sector_size, v->v_ssize));
}

/* The image's size and what we offer for it, fixed until disconnect. */
static int
describe(struct vbd *v)
{
	const struct blkback_conf *c = &blkback_conf;
	char val[8];
	off_t size;
	int error;

	if ((size = lseek(v->v_fd, 0, SEEK_END)) < 0) {
		error = errno;
		vbd_fatal(v, error, "sizing the image: %s", strerror(error));
		return (error);
	}
	v->v_sectors = (uint64_t)size / BB_SECTOR;
	v->v_ssize = c->bc_sector_size;
	v->v_flush = c->bc_flush;
	v->v_barrier = c->bc_barrier;
	/* The toolstack's discard-enable (default 1) may forbid discard. */
	v->v_discard = c->bc_discard &&
	    !(vbd_be_read(v, "discard-enable", val, sizeof(val)) == 0 &&
	    strcmp(val, "0") == 0);
	/* A page, as a host file system punches holes. */
	v->v_discard_gran = pv_max(4096u, v->v_ssize);
	v->v_discard_align = 0;
	return (0);
}

int
vbd_connect_early(struct vbd *v)
{
	int error;

	if ((error = describe(v)) != 0)
		return (error);
	publish(v);
	vbd_state(v, XenbusStateConnected);
	xensim_log("blkback %u/%u: skipped InitWait: Connected before the "
	    "frontend's rings", v->v_domid, v->v_devid);
	return (0);
}

int
vbd_connect(struct vbd *v)
{
	const struct blkback_conf *c = &blkback_conf;
	char dir[24], limit[40];
	uint64_t nq;
	unsigned i, npages;
	bool multi, fe_persistent;
	int error;

	vbd_disconnect(v);
	if ((v->v_dom = domain_get(v->v_domid)) == NULL) {
		vbd_fatal(v, ESRCH, "domain %u is gone", v->v_domid);
		return (ESRCH);
	}
	if ((error = describe(v)) != 0)
		return (error);
	if ((error = fe_protocol(v)) != 0 ||
	    (error = fe_bool(v, "feature-persistent", &fe_persistent)) != 0)
		return (error);
	v->v_persistent = c->bc_persistent && fe_persistent;
	snprintf(limit, sizeof(limit), "multi-queue-max-queues %u",
	    v->v_max_queues);
	error = fe_number(v, "multi-queue-num-queues", v->v_max_queues,
	    limit, &nq);
	if (error == ENOENT)
		nq = 1;
	else if (error != 0)
		return (error);
	if (nq == 0) {
		vbd_fatal(v, EINVAL, "%s/multi-queue-num-queues is \"0\"",
		    v->v_fe);
		return (EINVAL);
	}
	if ((error = fe_ring_pages(v, &npages, &multi)) != 0)
		return (error);
	if ((v->v_rings = calloc(nq, sizeof(*v->v_rings))) == NULL) {
		vbd_fatal(v, ENOMEM, "allocating %ju rings", (uintmax_t)nq);
		return (ENOMEM);
	}
	v->v_nrings = (unsigned)nq;
	for (i = 0; i < v->v_nrings; i++) {
		v->v_rings[i].r_vbd = v;
		v->v_rings[i].r_idx = i;
		v->v_rings[i].r_npages = npages;
	}
	for (i = 0; i < v->v_nrings; i++) {
		/* One queue keeps the keys at the top, as before multi-queue. */
		if (nq == 1)
			dir[0] = '\0';
		else
			snprintf(dir, sizeof(dir), "queue-%u/", i);
		if ((error = fe_ring(v, &v->v_rings[i], dir, multi)) != 0)
			return (error);
	}
	publish(v);
	vbd_state(v, XenbusStateConnected);
	xensim_log("blkback %u/%u: connected: %u ring(s) of %u page(s), "
	    "%ju sectors%s%s", v->v_domid, v->v_devid, v->v_nrings, npages,
	    (uintmax_t)v->v_sectors, v->v_readonly ? ", read-only" : "",
	    v->v_persistent ? ", persistent grants" : "");
	/* Requests queued before we looked. */
	for (i = 0; i < v->v_nrings; i++)
		ring_kick(&v->v_rings[i]);
	return (0);
}

static void
stats_add(struct bb_stats *to, const struct bb_stats *s)
{
	const uint64_t *from = (const uint64_t *)(const void *)s;
	uint64_t *sum = (uint64_t *)(void *)to;
	size_t i;

	for (i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		sum[i] += from[i];
}

uint64_t
bb_stats_requests(const struct bb_stats *s)
{
	return (s->st_rd + s->st_wr + s->st_barrier + s->st_flush +
	    s->st_discard + s->st_unknown);
}

void
vbd_disconnect(struct vbd *v)
{
	struct bb_stats st;
	char faults[48];
	unsigned i;
	bool served = false;

	if (v->v_rings == NULL)
		return;
	memset(&st, 0, sizeof(st));
	for (i = 0; i < v->v_nrings; i++) {
		served |= v->v_rings[i].r_served;
		ring_unmap(&v->v_rings[i]);
		stats_add(&st, &v->v_rings[i].r_st);
	}
	if (!served)
		goto out;
	/* Each ring's share: the frontend's spreading, seen from here. */
	for (i = 0; i < v->v_nrings; i++)
		xensim_log("blkback: %u/%u ring %u: %ju requests", v->v_domid,
		    v->v_devid, i, (uintmax_t)bb_stats_requests(
		    &v->v_rings[i].r_st));
	faults[0] = '\0';
	if (st.st_faults > 0)
		snprintf(faults, sizeof(faults), "; faults injected %ju",
		    (uintmax_t)st.st_faults);
	xensim_log("blkback %u/%u: disconnected: requests rd %ju wr %ju "
	    "barrier %ju flush %ju discard %ju (secure %ju) indirect %ju "
	    "unknown %ju; "
	    "segments %ju; sectors rd %ju wr %ju; errors %ju; "
	    "notifications rx %ju tx %ju; persistent grants mapped %ju "
	    "reused %ju overflow %ju; transient maps %ju%s",
	    v->v_domid, v->v_devid, (uintmax_t)st.st_rd, (uintmax_t)st.st_wr,
	    (uintmax_t)st.st_barrier, (uintmax_t)st.st_flush,
	    (uintmax_t)st.st_discard, (uintmax_t)st.st_discard_secure,
	    (uintmax_t)st.st_indirect,
	    (uintmax_t)st.st_unknown, (uintmax_t)st.st_segs,
	    (uintmax_t)st.st_rd_sect, (uintmax_t)st.st_wr_sect,
	    (uintmax_t)st.st_errors, (uintmax_t)st.st_notify_rx,
	    (uintmax_t)st.st_notify_tx, (uintmax_t)st.st_pgnt_maps,
	    (uintmax_t)st.st_pgnt_hits, (uintmax_t)st.st_pgnt_full,
	    (uintmax_t)st.st_maps, faults);
out:
	free(v->v_rings);
	v->v_rings = NULL;
	v->v_nrings = 0;
	v->v_dom = NULL;
}
