/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * File descriptors as interrupt lines.  A peer process signals us through
 * an eventfd (xensim's event channels, a vhost-user call fd); one poller
 * thread turns readiness into pv_intr_post(), or, for a line bound to a
 * function, calls it there: Xen's upcall only sorts pending ports into
 * posts, and a thread of its own cost each event one more wakeup.
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include <hosted/hosted.h>

#include "hosted_var.h"

#define	INTR_FD_MAX	4096

static pthread_mutex_t	 intr_lock = PTHREAD_MUTEX_INITIALIZER;
struct intr_line {
	struct pv_intr	*il_ih;		/* posted, or */
	pv_intr_fn_t	*il_fn;		/* called by the poller */
	void		*il_arg;
};

static struct intr_line	 intr_by_fd[INTR_FD_MAX];
static int		 intr_epfd = -1;
static int		 intr_stopfd = -1;
static pthread_t	 intr_poller;

static void *
intr_poll(void *arg)
{
	struct epoll_event ev[16];
	struct intr_line *il;
	char buf[64];
	int i, n, fd;

	(void)arg;
	for (;;) {
		n = epoll_wait(intr_epfd, ev, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (i = 0; i < n; i++) {
			fd = ev[i].data.fd;
			if (fd == intr_stopfd)
				return (NULL);
			pthread_mutex_lock(&intr_lock);
			il = &intr_by_fd[fd];
			/*
			 * One read: it clears an eventfd, and what a pipe has
			 * left makes the (level-triggered) wait return again.
			 */
			if (il->il_ih != NULL || il->il_fn != NULL) {
				(void)read(fd, buf, sizeof(buf));
			}
			if (il->il_ih != NULL)
				pv_intr_post(il->il_ih);
			else if (il->il_fn != NULL)
				il->il_fn(il->il_arg);
			pthread_mutex_unlock(&intr_lock);
		}
	}
	return (NULL);
}

static int
intr_start(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int error;

	intr_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (intr_epfd < 0)
		return (errno);
	intr_stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (intr_stopfd < 0) {
		error = errno;
		goto fail_ep;
	}
	ev.data.fd = intr_stopfd;
	if (epoll_ctl(intr_epfd, EPOLL_CTL_ADD, intr_stopfd, &ev) != 0) {
		error = errno;
		goto fail_stop;
	}
	if ((error = pthread_create(&intr_poller, NULL, intr_poll, NULL)) != 0)
		goto fail_stop;
	return (0);
fail_stop:
	close(intr_stopfd);
	intr_stopfd = -1;
fail_ep:
	close(intr_epfd);
	intr_epfd = -1;
	return (error);
}

static int
intr_bind(int fd, const struct intr_line *il)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	int error = 0;

	if (fd < 0 || fd >= INTR_FD_MAX)
		return (EINVAL);
	pthread_mutex_lock(&intr_lock);
	if (intr_epfd < 0 && (error = intr_start()) != 0)
		goto out;
	if (intr_by_fd[fd].il_ih != NULL || intr_by_fd[fd].il_fn != NULL) {
		error = EBUSY;
		goto out;
	}
	if (epoll_ctl(intr_epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		error = errno;
		goto out;
	}
	intr_by_fd[fd] = *il;
out:
	pthread_mutex_unlock(&intr_lock);
	return (error);
}

int
pv_hosted_intr_bind_fd(struct pv_intr *ih, int fd)
{
	struct intr_line il = { .il_ih = ih };

	return (ih == NULL ? EINVAL : intr_bind(fd, &il));
}

int
pv_hosted_intr_bind_fd_fn(int fd, pv_intr_fn_t *fn, void *arg)
{
	struct intr_line il = { .il_fn = fn, .il_arg = arg };

	return (fn == NULL ? EINVAL : intr_bind(fd, &il));
}

void
pv_hosted_intr_unbind_fd(int fd)
{
	if (fd < 0 || fd >= INTR_FD_MAX)
		return;
	pthread_mutex_lock(&intr_lock);
	if (intr_by_fd[fd].il_ih != NULL || intr_by_fd[fd].il_fn != NULL) {
		epoll_ctl(intr_epfd, EPOLL_CTL_DEL, fd, NULL);
		intr_by_fd[fd] = (struct intr_line){ .il_ih = NULL };
	}
	pthread_mutex_unlock(&intr_lock);
}

void
hosted_intr_fini(void)
{
	uint64_t one = 1;
	int fd;

	if (intr_epfd < 0)
		return;
	if (write(intr_stopfd, &one, sizeof(one)) != sizeof(one))
		return;
	pthread_join(intr_poller, NULL);
	for (fd = 0; fd < INTR_FD_MAX; fd++)
		intr_by_fd[fd] = (struct intr_line){ .il_ih = NULL };
	close(intr_stopfd);
	close(intr_epfd);
	intr_stopfd = intr_epfd = -1;
}
