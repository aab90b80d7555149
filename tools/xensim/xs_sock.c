/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The xenstore unix socket.  Its clients are the toolstack and backends
 * of dom0 and are privileged, as with the real xenstored's socket.
 * Replies that the peer does not read at once are queued and flushed when
 * the socket drains; a client that never reads is dropped once its queue
 * exceeds a bound, so it cannot exhaust the simulator.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evloop.h"
#include "xensim.h"
#include "xenstored.h"

#define	SOCK_OUTQ_MAX	(4u << 20)

struct sock_conn {
	int		 s_fd;
	struct evsrc	*s_src;
	struct xs_conn	*s_xc;
	char		*s_out;
	size_t		 s_outlen;
	bool		 s_dead;
};

static int		 listen_fd = -1;
static struct evsrc	*listen_src;
static char		 listen_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void
sock_close(struct sock_conn *s)
{
	evloop_del(s->s_src);
	xsd_conn_free(s->s_xc);
	close(s->s_fd);
	free(s->s_out);
	free(s);
}

static void
sock_flush(struct sock_conn *s)
{
	ssize_t n;

	while (s->s_outlen > 0) {
		n = send(s->s_fd, s->s_out, s->s_outlen, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			s->s_dead = true;
			s->s_outlen = 0;
			return;
		}
		memmove(s->s_out, s->s_out + n, s->s_outlen - (size_t)n);
		s->s_outlen -= (size_t)n;
	}
	evloop_modify(s->s_src, EPOLLIN | (s->s_outlen > 0 ? EPOLLOUT : 0));
}

static void
sock_send(void *ctx, const void *msg, size_t len)
{
	struct sock_conn *s = ctx;
	char *p;

	if (s->s_dead)
		return;
	if (s->s_outlen + len > SOCK_OUTQ_MAX) {
		xensim_log("xenstored: socket client not reading; dropping it");
		s->s_dead = true;
		return;
	}
	if ((p = realloc(s->s_out, s->s_outlen + len)) == NULL) {
		s->s_dead = true;
		return;
	}
	s->s_out = p;
	memcpy(s->s_out + s->s_outlen, msg, len);
	s->s_outlen += len;
	sock_flush(s);
}

static void
sock_event(void *arg, uint32_t events)
{
	struct sock_conn *s = arg;
	char buf[8192];
	ssize_t n;

	if (events & EPOLLOUT)
		sock_flush(s);
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		n = recv(s->s_fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 || xsd_conn_input(s->s_xc, buf, (size_t)n) != 0)
			s->s_dead = true;
	}
	if (s->s_dead)
		sock_close(s);
}

static void
sock_accept(void *arg, uint32_t events)
{
	struct sock_conn *s;
	int fd;

	(void)arg;
	(void)events;
	fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto fail;
	s->s_fd = fd;
	s->s_xc = xsd_conn_new(xensim.xsd, 0, true, sock_send, s);
	if (s->s_xc == NULL)
		goto fail_s;
	if ((s->s_src = evloop_add(fd, EPOLLIN, sock_event, s)) == NULL)
		goto fail_xc;
	return;
fail_xc:
	xsd_conn_free(s->s_xc);
fail_s:
	free(s);
fail:
	close(fd);
}

int
xs_sock_listen(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int error;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		xensim_log("socket path too long: %s", path);
		return (ENAMETOOLONG);
	}
	strcpy(sun.sun_path, path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (listen_fd < 0)
		return (errno);
	unlink(path);
	if (bind(listen_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(listen_fd, 64) != 0) {
		error = errno;
		xensim_log("cannot listen on %s: %s", path, strerror(error));
		close(listen_fd);
		listen_fd = -1;
		return (error);
	}
	strcpy(listen_path, path);
	listen_src = evloop_add(listen_fd, EPOLLIN, sock_accept, NULL);
	return (listen_src == NULL ? ENOMEM : 0);
}

void
xs_sock_close(void)
{
	if (listen_fd < 0)
		return;
	evloop_del(listen_src);
	close(listen_fd);
	unlink(listen_path);
	listen_fd = -1;
}
