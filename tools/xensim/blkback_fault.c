/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Faults the block backend injects on request (-o blkback.fault=KIND),
 * to show how a frontend copes with a backend that is slow, out of
 * order, forgetful, restless or broken.  A fault falls on every
 * fault-every'th request after the first fault-after, counted per device
 * among those fault-op selects, at most fault-limit times in all; the
 * kinds listed are taken in turn.  The benign kinds must cost a correct
 * frontend nothing but time; the hostile ones (duplicate, bad-id, bad-op,
 * bad-status, overrun) it must notice and fail the device on.
 *
 * Responses go on the ring as they are made or, when reorder is among
 * the kinds, are staged for a batch (what one pass over the ring took)
 * and pushed at its end.  What must happen later, a held response or
 * notification, the disconnect and the return, waits on one timerfd in
 * the event loop: nothing here sleeps.  Every response, even a spoilt
 * one, goes in the slot of a request we took, never in one the frontend
 * may be writing: a duplicate stands in for the next response.  Only an
 * overrun breaks the indices, and its ring is wrecked: it takes no more
 * requests, since its indices no longer mean anything.
 *
 * A storm (XSA-391) holds its request's response for fault-delay-ms and
 * meanwhile signals the frontend's channel every fault-storm-us with
 * nothing new on the ring, taking no more requests from it: a frontend
 * that answers each event livelocks for that long.  Storms share a
 * second, periodic timerfd, so that they do not crowd the one-shot
 * timers, and fault-devid keeps every fault to one disk while the
 * others are served normally.
 */
#include <sys/timerfd.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include <pv/libkern.h>

#include "blkback.h"
#include "blkback_impl.h"
#include "evloop.h"
#include "xensim.h"

/* What a resize adds, as an administrator's lvextend might. */
#define	RESIZE_STEP	(1 << 20)

enum tm_kind {
	TM_RESPONSE,		/* a delayed response goes out */
	TM_NOTIFY,		/* a held notification goes out */
	TM_DISCONNECT,		/* drop the rings, go Closed */
	TM_RESUME,		/* the pause is over: InitWait again */
	TM_STORM_END,		/* the storm is over: the held response goes */
};

struct bb_timer {
	TAILQ_ENTRY(bb_timer)	 t_link;
	uint64_t		 t_when;	/* CLOCK_MONOTONIC, ns */
	enum tm_kind		 t_kind;
	struct bb_ring		*t_ring;
	struct vbd		*t_vbd;
	blkif_response_t	 t_rsp;
};

static TAILQ_HEAD(, bb_timer)	 timers = TAILQ_HEAD_INITIALIZER(timers);
static int			 tm_fd = -1;
static struct evsrc		*tm_src;
static uint64_t			 fault_total;
static TAILQ_HEAD(, bb_ring)	 storms = TAILQ_HEAD_INITIALIZER(storms);
static int			 st_fd = -1;
static struct evsrc		*st_src;

static const char *const fault_names[BF_NKINDS] = {
	[BF_NONE] = "none",
	[BF_ERROR] = "error",
	[BF_DELAY] = "delay",
	[BF_REORDER] = "reorder",
	[BF_DROP_NOTIFY] = "drop-notify",
	[BF_DUPLICATE] = "duplicate",
	[BF_BAD_ID] = "bad-id",
	[BF_BAD_OP] = "bad-op",
	[BF_BAD_STATUS] = "bad-status",
	[BF_OVERRUN] = "overrun",
	[BF_DISCONNECT] = "disconnect",
	[BF_RESIZE] = "resize",
	[BF_STORM] = "storm",
};

const char *
bb_fault_name(enum bb_fault f)
{
	return ((unsigned)f < BF_NKINDS ? fault_names[f] : "?");
}

static void	flog(const struct bb_ring *r, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* One line per fault: a test reads what was done, and to which request. */
static void
flog(const struct bb_ring *r, const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xensim_log("blkback %u/%u: fault %s", r->r_vbd->v_domid,
	    r->r_vbd->v_devid, msg);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

static void
timer_arm(void)
{
	struct itimerspec its;
	struct bb_timer *t;

	memset(&its, 0, sizeof(its));
	if ((t = TAILQ_FIRST(&timers)) != NULL) {
		its.it_value.tv_sec = (time_t)(t->t_when / 1000000000u);
		its.it_value.tv_nsec = (long)(t->t_when % 1000000000u);
		/* Zero would disarm it; a time past fires at once. */
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	(void)timerfd_settime(tm_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static bool
timer_add(enum tm_kind kind, struct bb_ring *r, struct vbd *v, uint32_t ms,
    const blkif_response_t *rsp)
{
	struct bb_timer *t, *at;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (false);
	t->t_when = now_ns() + (uint64_t)ms * 1000000u;
	t->t_kind = kind;
	t->t_ring = r;
	t->t_vbd = v;
	if (rsp != NULL)
		t->t_rsp = *rsp;
	/* After those due at the same time: held responses keep order. */
	TAILQ_FOREACH(at, &timers, t_link) {
		if (at->t_when > t->t_when)
			break;
	}
	if (at != NULL)
		TAILQ_INSERT_BEFORE(at, t, t_link);
	else
		TAILQ_INSERT_TAIL(&timers, t, t_link);
	if (TAILQ_FIRST(&timers) == t)
		timer_arm();
	return (true);
}

/*
 * Push what was put.  A silent push owes the frontend its event, which
 * goes with the next push or after fault-delay-ms, whichever is first:
 * late, never lost, as a correct frontend may assume.
 */
static void
push(struct bb_ring *r, bool silent)
{
	bool want = ring_push(r);

	if (silent) {
		if (!r->r_owed && !timer_add(TM_NOTIFY, r, NULL,
		    blkback_conf.bc_fault_delay_ms, NULL)) {
			ring_notify(r);
			return;
		}
		r->r_owed = true;
		return;
	}
	if (want || r->r_owed) {
		r->r_owed = false;
		ring_notify(r);
	}
}

/*
 * Put what is staged, backwards if a reorder fell in the batch, and push
 * it with what put says was put past the stage.
 */
static void
batch_push(struct bb_ring *r, bool put)
{
	unsigned i, n = r->r_nstage;

	for (i = 0; i < n; i++)
		ring_put(r, &r->r_stage[r->r_rev ? n - 1 - i : i]);
	r->r_nstage = 0;
	if (r->r_rev && n > 1)
		flog(r, "reorder: ring %u: a batch of %u responses answered "
		    "backwards", r->r_idx, n);
	/* Past anything the frontend can have asked: it must not believe it. */
	if (r->r_overrun)
		r->r_ring.rsp_prod_pvt += RING_SIZE(&r->r_ring) + 1;
	if (n > 0 || put || r->r_overrun)
		push(r, r->r_nonotify);
	r->r_rev = r->r_nonotify = r->r_overrun = false;
}

void
fault_batch_end(struct bb_ring *r)
{
	batch_push(r, false);
}

static void
emit(struct bb_ring *r, const blkif_response_t *rsp)
{
	if (r->r_stage == NULL) {
		ring_put(r, rsp);
		return;
	}
	/* A batch is at most a ring of requests; this is only a guard. */
	if (r->r_nstage == r->r_stage_cap)
		batch_push(r, false);
	r->r_stage[r->r_nstage++] = *rsp;
}

static void
fault_resize(struct bb_ring *r)
{
	struct vbd *v = r->r_vbd;
	off_t size;

	if ((size = lseek(v->v_fd, 0, SEEK_END)) < 0 ||
	    ftruncate(v->v_fd, size + RESIZE_STEP) != 0) {
		flog(r, "resize: cannot grow the image: %s", strerror(errno));
		return;
	}
	v->v_sectors = (uint64_t)(size + RESIZE_STEP) / BB_SECTOR;
	flog(r, "resize: the image grows to %ju sectors",
	    (uintmax_t)v->v_sectors);
	vbd_be_write(v, "sectors", "%ju", (uintmax_t)v->v_sectors);
	/* As Linux blkback's vbd_resize: the state again wakes the frontend. */
	vbd_state(v, XenbusStateConnected);
}

enum bb_fault
fault_pick(struct bb_ring *r, uint8_t op)
{
	const struct blkback_conf *c = &blkback_conf;
	struct vbd *v = r->r_vbd;
	uint64_t n;

	if (c->bc_nfaults == 0)
		return (BF_NONE);
	if (c->bc_fault_devid != 0 && v->v_devid != c->bc_fault_devid)
		return (BF_NONE);
	if ((c->bc_fault_op == BFO_READ && op != BLKIF_OP_READ) ||
	    (c->bc_fault_op == BFO_WRITE && op != BLKIF_OP_WRITE &&
	    op != BLKIF_OP_WRITE_BARRIER))
		return (BF_NONE);
	n = ++v->v_fault_seen;
	if (n <= c->bc_fault_after ||
	    (n - c->bc_fault_after) % c->bc_fault_every != 0)
		return (BF_NONE);
	if (c->bc_fault_limit != 0 && fault_total >= c->bc_fault_limit)
		return (BF_NONE);
	r->r_st.st_faults++;
	return ((enum bb_fault)c->bc_faults[fault_total++ % c->bc_nfaults]);
}

/* Arm the storms' timer while any ring storms, disarm it after. */
static void
storm_arm(void)
{
	struct itimerspec its;
	long ns = (long)blkback_conf.bc_storm_us * 1000;

	memset(&its, 0, sizeof(its));
	if (!TAILQ_EMPTY(&storms)) {
		its.it_interval.tv_sec = ns / 1000000000;
		its.it_interval.tv_nsec = ns % 1000000000;
		its.it_value = its.it_interval;
	}
	(void)timerfd_settime(st_fd, 0, &its, NULL);
}

static void
storm_stop(struct bb_ring *r)
{
	if (!r->r_storm)
		return;
	TAILQ_REMOVE(&storms, r, r_storm_link);
	r->r_storm = false;
	if (TAILQ_EMPTY(&storms))
		storm_arm();
}

/* Each tick, one event on every storming ring and nothing on the ring. */
static void
storm_run(void *arg, uint32_t events)
{
	struct bb_ring *r;
	uint64_t n;

	(void)arg;
	(void)events;
	/* Ticks missed while the loop was busy are not made up. */
	(void)read(st_fd, &n, sizeof(n));
	TAILQ_FOREACH(r, &storms, r_storm_link) {
		r->r_storm_events++;
		ring_notify(r);
	}
}

/*
 * Hold rsp until the storm ends; false when no timer could be had, and
 * then the response goes on time.
 */
static bool
storm_start(struct bb_ring *r, const blkif_response_t *rsp)
{
	uint32_t ms = blkback_conf.bc_fault_delay_ms;

	if (r->r_storm || !timer_add(TM_STORM_END, r, NULL, ms, rsp))
		return (false);
	flog(r, "storm: ring %u: response to %ju held %u ms, the frontend "
	    "signalled every %u us meanwhile", r->r_idx, (uintmax_t)rsp->id,
	    ms, blkback_conf.bc_storm_us);
	r->r_storm = true;
	r->r_storm_events = 0;
	TAILQ_INSERT_TAIL(&storms, r, r_storm_link);
	if (TAILQ_FIRST(&storms) == r)
		storm_arm();
	return (true);
}

void
fault_respond(struct bb_ring *r, blkif_response_t *rsp)
{
	struct vbd *v = r->r_vbd;
	enum bb_fault f = r->r_fault;
	uint32_t ms = blkback_conf.bc_fault_delay_ms;

	r->r_fault = BF_NONE;
	/*
	 * A duplicate takes the slot of the next request we took: any later
	 * slot may still be the frontend's to write a request in.
	 */
	if (r->r_dup) {
		flog(r, "duplicate: ring %u: response to %ju sent again, in "
		    "place of the one to %ju", r->r_idx,
		    (uintmax_t)r->r_dup_rsp.id, (uintmax_t)rsp->id);
		*rsp = r->r_dup_rsp;
		r->r_dup = false;
		f = BF_NONE;
	}
	switch (f) {
	case BF_ERROR:
		flog(r, "error: ring %u: request %ju answered with an error, "
		    "undone", r->r_idx, (uintmax_t)rsp->id);
		break;
	case BF_DELAY:
		if (!timer_add(TM_RESPONSE, r, NULL, ms, rsp))
			break;	/* then on time */
		flog(r, "delay: ring %u: response to %ju held %u ms",
		    r->r_idx, (uintmax_t)rsp->id, ms);
		return;
	case BF_REORDER:
		r->r_rev = true;
		break;
	case BF_DROP_NOTIFY:
		flog(r, "drop-notify: ring %u: no event for the response to "
		    "%ju", r->r_idx, (uintmax_t)rsp->id);
		r->r_nonotify = true;
		break;
	case BF_DUPLICATE:
		r->r_dup = true;
		r->r_dup_rsp = *rsp;
		break;
	case BF_BAD_ID:
		flog(r, "bad-id: ring %u: response to %ju carries id %ju",
		    r->r_idx, (uintmax_t)rsp->id,
		    (uintmax_t)(rsp->id ^ (1ull << 63)));
		rsp->id ^= 1ull << 63;
		break;
	case BF_BAD_OP:
		flog(r, "bad-op: ring %u: response to %ju says operation %u, "
		    "not %u", r->r_idx, (uintmax_t)rsp->id,
		    rsp->operation == BLKIF_OP_READ ? BLKIF_OP_WRITE :
		    BLKIF_OP_READ, rsp->operation);
		rsp->operation = rsp->operation == BLKIF_OP_READ ?
		    BLKIF_OP_WRITE : BLKIF_OP_READ;
		break;
	case BF_BAD_STATUS:
		flog(r, "bad-status: ring %u: response to %ju has status 7",
		    r->r_idx, (uintmax_t)rsp->id);
		rsp->status = 7;
		break;
	case BF_OVERRUN:
		flog(r, "overrun: ring %u: rsp_prod pushed %u past the "
		    "responses; the ring stops", r->r_idx,
		    RING_SIZE(&r->r_ring) + 1);
		r->r_overrun = true;
		r->r_wrecked = true;
		break;
	case BF_DISCONNECT:
		/* Done on the image, never answered: it must come again. */
		if (!timer_add(TM_DISCONNECT, NULL, v, 0, NULL))
			break;
		flog(r, "disconnect: ring %u: request %ju done, not answered; "
		    "dropping the rings", r->r_idx, (uintmax_t)rsp->id);
		v->v_fault_dc = true;
		return;
	case BF_STORM:
		if (storm_start(r, rsp))
			return;
		break;
	default:
		break;
	}
	emit(r, rsp);
	if (f == BF_RESIZE)
		fault_resize(r);
	if (r->r_stage == NULL)
		batch_push(r, true);
}

/* Go Closed, dropping the rings as a restarted backend would. */
static void
fault_disconnect(struct vbd *v)
{
	v->v_fault_dc = false;
	/* The frontend or the toolstack may have closed it meanwhile. */
	if (v->v_rings == NULL || v->v_detaching ||
	    v->v_state != XenbusStateConnected)
		return;
	xensim_log("blkback %u/%u: fault disconnect: rings dropped, Closed "
	    "for %u ms", v->v_domid, v->v_devid,
	    blkback_conf.bc_fault_delay_ms);
	vbd_disconnect(v);
	v->v_fault_hold = true;
	vbd_state(v, XenbusStateClosed);
	if (!timer_add(TM_RESUME, NULL, v, blkback_conf.bc_fault_delay_ms,
	    NULL))
		(void)vbd_fault_resume(v);
}

static void
timer_fire(struct bb_timer *t)
{
	struct bb_ring *r = t->t_ring;

	switch (t->t_kind) {
	case TM_RESPONSE:
		if (r->r_wrecked)
			break;
		ring_put(r, &t->t_rsp);
		push(r, false);
		/* It may have stopped short, with a ring full unanswered. */
		ring_kick(r);
		break;
	case TM_NOTIFY:
		if (r->r_owed) {
			r->r_owed = false;
			ring_notify(r);
		}
		break;
	case TM_DISCONNECT:
		fault_disconnect(t->t_vbd);
		break;
	case TM_STORM_END:
		flog(r, "storm: ring %u: over after %ju events; the response "
		    "to %ju goes out", r->r_idx, (uintmax_t)r->r_storm_events,
		    (uintmax_t)t->t_rsp.id);
		storm_stop(r);
		ring_put(r, &t->t_rsp);
		push(r, false);
		/* The ring took nothing while it stormed. */
		ring_kick(r);
		break;
	case TM_RESUME:
		/* Retried until the frontend has let its old rings go. */
		if (!vbd_fault_resume(t->t_vbd) && !timer_add(TM_RESUME,
		    NULL, t->t_vbd, pv_max(blkback_conf.bc_fault_delay_ms,
		    1u), NULL))
			t->t_vbd->v_fault_hold = false;
		break;
	}
}

static void
timer_run(void *arg, uint32_t events)
{
	struct bb_timer *t;
	uint64_t n, now;

	(void)arg;
	(void)events;
	(void)read(tm_fd, &n, sizeof(n));
	/* Fixed once: what the handlers add waits for the next round. */
	now = now_ns();
	while ((t = TAILQ_FIRST(&timers)) != NULL && t->t_when <= now) {
		TAILQ_REMOVE(&timers, t, t_link);
		timer_fire(t);
		free(t);
	}
	timer_arm();
}

int
fault_ring_init(struct bb_ring *r)
{
	const struct blkback_conf *c = &blkback_conf;
	unsigned i;

	for (i = 0; i < c->bc_nfaults; i++) {
		if (c->bc_faults[i] == BF_REORDER)
			break;
	}
	if (i == c->bc_nfaults)
		return (0);
	/* A batch is at most a ring of requests. */
	r->r_stage_cap = RING_SIZE(&r->r_ring);
	if ((r->r_stage = calloc(r->r_stage_cap, sizeof(*r->r_stage))) ==
	    NULL)
		return (ENOMEM);
	return (0);
}

static void
purge(const struct bb_ring *r, const struct vbd *v)
{
	struct bb_timer *t, *tmp;
	bool first = false;

	TAILQ_FOREACH_SAFE(t, &timers, t_link, tmp) {
		if ((r != NULL && t->t_ring == r) ||
		    (v != NULL && t->t_vbd == v)) {
			first |= t == TAILQ_FIRST(&timers);
			TAILQ_REMOVE(&timers, t, t_link);
			free(t);
		}
	}
	if (first)
		timer_arm();
}

void
fault_ring_gone(struct bb_ring *r)
{
	purge(r, NULL);
	storm_stop(r);
	free(r->r_stage);
	r->r_stage = NULL;
	r->r_nstage = r->r_stage_cap = 0;
	r->r_fault = BF_NONE;
	r->r_wrecked = r->r_owed = r->r_rev = false;
	r->r_nonotify = r->r_overrun = r->r_dup = false;
}

void
fault_vbd_gone(struct vbd *v)
{
	purge(NULL, v);
	v->v_fault_dc = v->v_fault_hold = false;
}

int
fault_init(void)
{
	if ((tm_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) < 0)
		return (errno);
	if ((tm_src = evloop_add(tm_fd, EPOLLIN, timer_run, NULL)) == NULL)
		return (ENOMEM);
	if ((st_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) < 0)
		return (errno);
	if ((st_src = evloop_add(st_fd, EPOLLIN, storm_run, NULL)) == NULL)
		return (ENOMEM);
	return (0);
}

void
fault_fini(void)
{
	struct bb_timer *t;
	struct bb_ring *r;

	while ((t = TAILQ_FIRST(&timers)) != NULL) {
		TAILQ_REMOVE(&timers, t, t_link);
		free(t);
	}
	while ((r = TAILQ_FIRST(&storms)) != NULL)
		storm_stop(r);
	evloop_del(st_src);
	st_src = NULL;
	if (st_fd >= 0)
		close(st_fd);
	st_fd = -1;
	evloop_del(tm_src);
	tm_src = NULL;
	if (tm_fd >= 0)
		close(tm_fd);
	tm_fd = -1;
}
