/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * File descriptors as interrupt lines.  A peer process signals us through
 * an eventfd (xensim's event channels, a vhost-user call fd); one poller
 * thread turns readiness into pv_intr_post().
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
static struct pv_intr	*intr_by_fd[INTR_FD_MAX];
static int		 intr_epfd = -1;
static int		 intr_stopfd = -1;
static pthread_t	 intr_poller;

static void *
intr_poll(void *arg)
{
	struct epoll_event ev[16];
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
			if (intr_by_fd[fd] != NULL) {
				while (read(fd, buf, sizeof(buf)) > 0)
					;
				pv_intr_post(intr_by_fd[fd]);
			}
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

int
pv_hosted_intr_bind_fd(struct pv_intr *ih, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	int error = 0;

	if (fd < 0 || fd >= INTR_FD_MAX)
		return (EINVAL);
	pthread_mutex_lock(&intr_lock);
	if (intr_epfd < 0 && (error = intr_start()) != 0)
		goto out;
	if (intr_by_fd[fd] != NULL) {
		error = EBUSY;
		goto out;
	}
	if (epoll_ctl(intr_epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		error = errno;
		goto out;
	}
	intr_by_fd[fd] = ih;
out:
	pthread_mutex_unlock(&intr_lock);
	return (error);
}

void
pv_hosted_intr_unbind_fd(int fd)
{
	if (fd < 0 || fd >= INTR_FD_MAX)
		return;
	pthread_mutex_lock(&intr_lock);
	if (intr_by_fd[fd] != NULL) {
		epoll_ctl(intr_epfd, EPOLL_CTL_DEL, fd, NULL);
		intr_by_fd[fd] = NULL;
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
		intr_by_fd[fd] = NULL;
	close(intr_stopfd);
	close(intr_epfd);
	intr_stopfd = intr_epfd = -1;
}
