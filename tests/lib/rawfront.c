/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A raw blkif frontend for tests; see rawfront.h.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "lib/rawfront.h"
#include "lib/xentest.h"

#include <hosted/xen.h>
#include <pv/libkern.h>
#include <pv/time.h>
#include <xenpv/evtchn.h>
#include <xenpv/vdev.h>
#include <xenpv/xenbus.h>

#include "lib/pvtest.h"
#include "lib/xensimtest.h"

#define	RF_GREFS	2048

static uint64_t	rf_next_id = 0x5a00;

void
rawfront_up(const atf_tc_t *tc, uint32_t domid, size_t mem_pages,
    const char *const *args)
{
	xentest_up_args(tc, domid, mem_pages, args);
}

void
rawfront_image(const char *name, uint64_t size)
{
	int fd;

	fd = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ATF_REQUIRE_MSG(fd >= 0, "%s: %s", name, strerror(errno));
	ATF_REQUIRE_MSG(ftruncate(fd, (off_t)size) == 0, "%s: %s", name,
	    strerror(errno));
	close(fd);
}

void
rawfront_attach(const atf_tc_t *tc, uint32_t domid, const char *vdev,
    const char *image, const char *access)
{
	char ctl[PATH_MAX], cwd[PATH_MAX], cmd[3 * PATH_MAX];
	int status;

	pvtest_bin(tc, "xensim-ctl", ctl, sizeof(ctl));
	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(cmd, sizeof(cmd), "'%s' block-attach %u 'format=raw, "
	    "vdev=%s, access=%s, target=%s/%s'", ctl, domid, vdev, access,
	    cwd, image);
	status = system(cmd);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s: status %#x", cmd, status);
}

void
rawfront_init(struct rawfront *rf, uint32_t domid, const char *vdev)
{
	char *be;
	int error;

	memset(rf, 0, sizeof(*rf));
	rf->rf_domid = domid;
	ATF_REQUIRE_EQ(xen_vdev_to_devid(vdev, &rf->rf_devid), 0);
	snprintf(rf->rf_fe, sizeof(rf->rf_fe), "/local/domain/%u/device/vbd/%u",
	    domid, rf->rf_devid);
	error = xenbus_read(XENBUS_TXN_NONE, rf->rf_fe, "backend", &be, NULL);
	ATF_REQUIRE_EQ_MSG(error, 0, "%s/backend: %s", rf->rf_fe,
	    strerror(error));
	snprintf(rf->rf_be, sizeof(rf->rf_be), "%s", be);
	pv_free(be);
	pv_mtx_init(&rf->rf_mtx, "rawfront");
	ATF_REQUIRE_EQ(xen_gnttab_reserve(&rf->rf_grefs, RF_GREFS), 0);
}

enum xenbus_state
rawfront_wait_be(struct rawfront *rf, enum xenbus_state state,
    unsigned timeout_ms)
{
	uint64_t t0 = pv_uptime_ns();
	enum xenbus_state s;

	while ((s = xenbus_read_state(rf->rf_be)) != state &&
	    pvtest_ms_since(t0) < timeout_ms)
		pvtest_msleep(2);
	return (s);
}

static void
rf_intr(void *arg)
{
	struct rawfront_queue *q = arg;
	struct rawfront *rf = q->q_rf;

	pv_mtx_lock(&rf->rf_mtx);
	q->q_events++;
	pv_wakeup(&q->q_events);
	pv_mtx_unlock(&rf->rf_mtx);
}

static void
rf_printf(struct rawfront *rf, const char *dir, const char *node,
    const char *fmt, unsigned val)
{
	char path[160];
	int error;

	snprintf(path, sizeof(path), "%s%s%s", rf->rf_fe, dir[0] != '\0' ?
	    "/" : "", dir);
	error = xenbus_printf(XENBUS_TXN_NONE, path, node, fmt, val);
	ATF_REQUIRE_EQ_MSG(error, 0, "writing %s/%s: %s", path, node,
	    strerror(error));
}

void
rawfront_setup(struct rawfront *rf, const struct rawfront_opts *o)
{
	struct rawfront_queue *q;
	char dir[24], node[24];
	unsigned i, j, npages;
	pv_pfn_t pfn;
	int error;

	rf->rf_nqueues = o->o_queues > 1 ? o->o_queues : 1;
	ATF_REQUIRE(rf->rf_nqueues <= RF_MAX_QUEUES);
	ATF_REQUIRE(o->o_order <= RF_MAX_ORDER);
	npages = o->o_multi || o->o_num_pages ? 1u << o->o_order : 1;
	for (i = 0; i < rf->rf_nqueues; i++) {
		q = &rf->rf_q[i];
		q->q_rf = rf;
		q->q_npages = npages;
		q->q_sring = pv_pages_alloc(npages, PV_M_WAITOK | PV_M_ZERO,
		    &pfn);
		ATF_REQUIRE(q->q_sring != NULL);
		SHARED_RING_INIT((blkif_sring_t *)q->q_sring);
		FRONT_RING_INIT(&q->q_ring, (blkif_sring_t *)q->q_sring,
		    npages * PV_PAGE_SIZE);
		for (j = 0; j < npages; j++) {
			q->q_refs[j] = xen_gnttab_claim(&rf->rf_grefs);
			xen_gnttab_grant(q->q_refs[j], 0, pfn + j, false);
		}
		error = xen_evtchn_alloc_unbound(0, &q->q_port);
		ATF_REQUIRE_EQ_MSG(error, 0, "alloc_unbound: %s",
		    strerror(error));
		ATF_REQUIRE_EQ(xen_evtchn_bind(q->q_port, "rawfront", rf_intr,
		    q), 0);
		q->q_bound = true;
		if (rf->rf_nqueues == 1)
			dir[0] = '\0';
		else
			snprintf(dir, sizeof(dir), "queue-%u", i);
		rf_printf(rf, dir, "event-channel", "%u", q->q_port);
		for (j = 0; j < npages; j++) {
			if (o->o_multi || o->o_num_pages)
				snprintf(node, sizeof(node), "ring-ref%u", j);
			else
				snprintf(node, sizeof(node), "ring-ref");
			rf_printf(rf, dir, node, "%u", q->q_refs[j]);
		}
	}
	if (o->o_multi)
		rf_printf(rf, "", "ring-page-order", "%u", o->o_order);
	if (o->o_num_pages)
		rf_printf(rf, "", "num-ring-pages", "%u", npages);
	if (rf->rf_nqueues > 1)
		rf_printf(rf, "", "multi-queue-num-queues", "%u",
		    rf->rf_nqueues);
	if (o->o_persistent)
		rf_printf(rf, "", "feature-persistent", "%u", 1);
	error = xenbus_write(XENBUS_TXN_NONE, rf->rf_fe, "protocol",
	    o->o_protocol != NULL ? o->o_protocol : XEN_IO_PROTO_ABI_X86_64);
	ATF_REQUIRE_EQ(error, 0);
}

void
rawfront_connect(struct rawfront *rf, const struct rawfront_opts *o)
{
	enum xenbus_state s;

	rawfront_setup(rf, o);
	ATF_REQUIRE_EQ(xenbus_switch_state(rf->rf_fe,
	    XenbusStateInitialised), 0);
	s = rawfront_wait_be(rf, XenbusStateConnected, RF_TIMEOUT_MS);
	ATF_REQUIRE_EQ_MSG(s, XenbusStateConnected, "backend %s is %s, "
	    "not Connected", rf->rf_be, xenbus_strstate(s));
}

void
rawfront_teardown(struct rawfront *rf)
{
	static const char *const keys[] = { "ring-ref", "event-channel",
	    "ring-page-order", "num-ring-pages", "multi-queue-num-queues",
	    "feature-persistent", "protocol" };
	struct rawfront_queue *q;
	char node[24];
	unsigned i, j;
	int error;

	for (i = 0; i < rf->rf_nqueues; i++) {
		q = &rf->rf_q[i];
		if (q->q_bound) {
			xen_evtchn_unbind(q->q_port);
			(void)xen_evtchn_close(q->q_port);
			q->q_bound = false;
		}
		for (j = 0; j < q->q_npages; j++) {
			error = xen_gnttab_end(q->q_refs[j]);
			ATF_REQUIRE_EQ_MSG(error, 0, "ring grant %u still "
			    "mapped by the backend", q->q_refs[j]);
			xen_gnttab_release(&rf->rf_grefs, q->q_refs[j]);
		}
		pv_pages_free(q->q_sring, q->q_npages);
		memset(q, 0, sizeof(*q));
	}
	rf->rf_nqueues = 0;
	/* A later connection must not meet this one's keys. */
	for (i = 0; i < nitems(keys); i++)
		(void)xenbus_rm(XENBUS_TXN_NONE, rf->rf_fe, keys[i]);
	for (i = 0; i < RF_MAX_QUEUES; i++) {
		snprintf(node, sizeof(node), "queue-%u", i);
		(void)xenbus_rm(XENBUS_TXN_NONE, rf->rf_fe, node);
	}
	for (i = 0; i < 1u << RF_MAX_ORDER; i++) {
		snprintf(node, sizeof(node), "ring-ref%u", i);
		(void)xenbus_rm(XENBUS_TXN_NONE, rf->rf_fe, node);
	}
}

void
rawfront_close(struct rawfront *rf)
{
	enum xenbus_state s;

	ATF_REQUIRE_EQ(xenbus_switch_state(rf->rf_fe, XenbusStateClosing), 0);
	s = rawfront_wait_be(rf, XenbusStateClosed, RF_TIMEOUT_MS);
	ATF_REQUIRE_EQ_MSG(s, XenbusStateClosed, "backend %s is %s after "
	    "our Closing", rf->rf_be, xenbus_strstate(s));
	ATF_REQUIRE_EQ(xenbus_switch_state(rf->rf_fe, XenbusStateClosed), 0);
	rawfront_teardown(rf);
}

uint64_t
rawfront_be_u64(struct rawfront *rf, const char *key)
{
	uint64_t v;
	int error;

	error = xenbus_read_u64(XENBUS_TXN_NONE, rf->rf_be, key, UINT64_MAX,
	    &v);
	ATF_REQUIRE_EQ_MSG(error, 0, "%s/%s: %s", rf->rf_be, key,
	    strerror(error));
	return (v);
}

bool
rawfront_be_has(struct rawfront *rf, const char *key)
{
	return (xenbus_exists(XENBUS_TXN_NONE, rf->rf_be, key));
}

void
rawbuf_alloc(struct rawfront *rf, struct rawbuf *b, unsigned npages,
    bool readonly)
{
	unsigned i;

	b->b_npages = npages;
	b->b_va = pv_pages_alloc(npages, PV_M_WAITOK | PV_M_ZERO, &b->b_pfn);
	ATF_REQUIRE(b->b_va != NULL);
	b->b_refs = calloc(npages, sizeof(*b->b_refs));
	ATF_REQUIRE(b->b_refs != NULL);
	for (i = 0; i < npages; i++) {
		b->b_refs[i] = xen_gnttab_claim(&rf->rf_grefs);
		xen_gnttab_grant(b->b_refs[i], 0, b->b_pfn + i, readonly);
	}
}

void
rawbuf_free(struct rawfront *rf, struct rawbuf *b)
{
	unsigned i;

	for (i = 0; i < b->b_npages; i++) {
		ATF_REQUIRE_EQ_MSG(xen_gnttab_end(b->b_refs[i]), 0,
		    "data grant %u still mapped by the backend",
		    b->b_refs[i]);
		xen_gnttab_release(&rf->rf_grefs, b->b_refs[i]);
	}
	pv_pages_free(b->b_va, b->b_npages);
	free(b->b_refs);
	memset(b, 0, sizeof(*b));
}

void
rawfront_push(struct rawfront *rf, unsigned qi, const void *req)
{
	struct rawfront_queue *q = &rf->rf_q[qi];
	int notify;

	ATF_REQUIRE(qi < rf->rf_nqueues);
	memcpy(RING_GET_REQUEST(&q->q_ring, q->q_ring.req_prod_pvt), req,
	    sizeof(blkif_request_t));
	q->q_ring.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->q_ring, notify);
	if (notify)
		ATF_REQUIRE_EQ(xen_evtchn_notify(q->q_port), 0);
}

bool
rawfront_next(struct rawfront *rf, unsigned qi, blkif_response_t *rsp,
    unsigned timeout_ms)
{
	struct rawfront_queue *q = &rf->rf_q[qi];
	uint64_t t0 = pv_uptime_ns();
	uint64_t spent;
	int more, seen;

	for (;;) {
		pv_mtx_lock(&rf->rf_mtx);
		seen = q->q_events;
		pv_mtx_unlock(&rf->rf_mtx);
		/* rsp_event asks for an event; only the event wakes us. */
		RING_FINAL_CHECK_FOR_RESPONSES(&q->q_ring, more);
		if (more) {
			xen_rmb();
			RING_COPY_RESPONSE(&q->q_ring, q->q_ring.rsp_cons, rsp);
			q->q_ring.rsp_cons++;
			return (true);
		}
		if ((spent = pvtest_ms_since(t0)) >= timeout_ms)
			return (false);
		(void)pvtest_wait_atleast(&rf->rf_mtx, &q->q_events, seen + 1,
		    (unsigned)(timeout_ms - spent));
	}
}

int16_t
rawfront_do(struct rawfront *rf, unsigned q, const void *req, uint64_t id,
    uint8_t op)
{
	blkif_response_t rsp;

	rawfront_push(rf, q, req);
	ATF_REQUIRE_MSG(rawfront_next(rf, q, &rsp, RF_TIMEOUT_MS),
	    "no response to request %#jx (op %u) within %d ms",
	    (uintmax_t)id, op, RF_TIMEOUT_MS);
	ATF_REQUIRE_EQ_MSG(rsp.id, id, "response id %#jx, request %#jx",
	    (uintmax_t)rsp.id, (uintmax_t)id);
	ATF_REQUIRE_EQ_MSG(rsp.operation, op, "response op %u, expected %u",
	    rsp.operation, op);
	return (rsp.status);
}

int16_t
rawfront_rw(struct rawfront *rf, unsigned q, uint8_t op, uint64_t sector,
    struct rawbuf *b, unsigned first, unsigned n)
{
	blkif_request_t req;
	unsigned i;

	ATF_REQUIRE(n <= BLKIF_MAX_SEGMENTS_PER_REQUEST);
	ATF_REQUIRE(first + n <= b->b_npages);
	memset(&req, 0, sizeof(req));
	req.operation = op;
	req.nr_segments = (uint8_t)n;
	req.handle = (blkif_vdev_t)rf->rf_devid;
	req.id = rf_next_id++;
	req.sector_number = sector;
	for (i = 0; i < n; i++) {
		req.seg[i].gref = b->b_refs[first + i];
		req.seg[i].first_sect = 0;
		req.seg[i].last_sect = 7;
	}
	return (rawfront_do(rf, q, &req, req.id, op));
}
