/*-
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <sys/epoll.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <pv/queue.h>

#include "evloop.h"

struct evsrc {
	TAILQ_ENTRY(evsrc)	 e_link;
	int			 e_fd;
	evloop_fn		*e_fn;
	void			*e_arg;
	bool			 e_dead;
};

static int			 ep_fd = -1;
static bool			 ep_stop;
static int			 ep_status;
static TAILQ_HEAD(, evsrc)	 ep_dead = TAILQ_HEAD_INITIALIZER(ep_dead);
static evloop_round_fn		*ep_round;

int
evloop_init(void)
{
	ep_fd = epoll_create1(EPOLL_CLOEXEC);
	return (ep_fd < 0 ? errno : 0);
}

static void
ep_reap(void)
{
	struct evsrc *e;

	while ((e = TAILQ_FIRST(&ep_dead)) != NULL) {
		TAILQ_REMOVE(&ep_dead, e, e_link);
		free(e);
	}
}

void
evloop_fini(void)
{
	ep_reap();
	if (ep_fd >= 0)
		close(ep_fd);
	ep_fd = -1;
}

struct evsrc *
evloop_add(int fd, uint32_t events, evloop_fn *fn, void *arg)
{
	struct epoll_event ev = { .events = events };
	struct evsrc *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return (NULL);
	e->e_fd = fd;
	e->e_fn = fn;
	e->e_arg = arg;
	ev.data.ptr = e;
	if (epoll_ctl(ep_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		free(e);
		return (NULL);
	}
	return (e);
}

int
evloop_modify(struct evsrc *e, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = e };

	return (epoll_ctl(ep_fd, EPOLL_CTL_MOD, e->e_fd, &ev) != 0 ? errno :
	    0);
}

void
evloop_del(struct evsrc *e)
{
	if (e == NULL || e->e_dead)
		return;
	epoll_ctl(ep_fd, EPOLL_CTL_DEL, e->e_fd, NULL);
	e->e_dead = true;
	/* Freed after the current batch: later events may still name it. */
	TAILQ_INSERT_TAIL(&ep_dead, e, e_link);
}

void
evloop_set_round(evloop_round_fn *fn)
{
	ep_round = fn;
}

int
evloop_run(void)
{
	struct epoll_event ev[32];
	struct evsrc *e;
	bool more = false;
	int i, n;

	ep_stop = false;
	while (!ep_stop) {
		n = epoll_wait(ep_fd, ev, 32, more ? 0 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (errno);
		for (i = 0; i < n && !ep_stop; i++) {
			e = ev[i].data.ptr;
			if (!e->e_dead)
				e->e_fn(e->e_arg, ev[i].events);
		}
		more = !ep_stop && ep_round != NULL && ep_round();
		ep_reap();
	}
	return (ep_status);
}

void
evloop_stop(int status)
{
	ep_stop = true;
	ep_status = status;
}
