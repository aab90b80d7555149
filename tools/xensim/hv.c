/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The hypervisor socket.  A frontend process connects, attaches as a
 * domain by handing over its RAM (a memfd), its upcall eventfd and, if it
 * has one, its doorbell eventfd (hv_doorbell.c), and then sends one
 * message per hypercall.  Everything in a message is
 * checked: the operation, the argument length against what the operation
 * takes, and every index inside.  The connection's end is the domain's
 * death.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <xen/hvm/hvm_op.h>

#include <hosted/xensim_proto.h>

#include "domain.h"
#include "evloop.h"
#include "xensim.h"

struct hv_pending {
	int		 h_fd;
	struct evsrc	*h_src;
};

static int		 hv_fd = -1;
static struct evsrc	*hv_src;
static char		 hv_path[108];

static void
hv_reply(int fd, int64_t ret, const void *arg, size_t len)
{
	char buf[XENSIM_MSG_MAX];
	struct xensim_rsp rsp = { .xp_ret = ret, .xp_len = (uint32_t)len };

	if (len > sizeof(buf) - sizeof(rsp))
		len = rsp.xp_len = 0;
	memcpy(buf, &rsp, sizeof(rsp));
	if (len > 0)
		memcpy(buf + sizeof(rsp), arg, len);
	(void)send(fd, buf, sizeof(rsp) + len, MSG_NOSIGNAL);
}

static int64_t
hvm_op(struct domain *d, uint32_t cmd, void *arg, size_t len)
{
	struct xen_hvm_param *hp = arg;

	if (len != sizeof(*hp) || hp->index >= HVM_NR_PARAMS ||
	    (hp->domid != DOMID_SELF && hp->domid != d->d_domid))
		return (-EINVAL);
	switch (cmd) {
	case HVMOP_get_param:
		hp->value = d->d_hvm_param[hp->index];
		return (0);
	case HVMOP_set_param:
		/* Only the callback "vector" is the guest's to set. */
		if (hp->index != HVM_PARAM_CALLBACK_IRQ)
			return (-EPERM);
		d->d_hvm_param[hp->index] = hp->value;
		return (0);
	}
	return (-ENOSYS);
}

static void
hv_domain_msg(void *arg, uint32_t events)
{
	struct domain *d = arg;
	char buf[XENSIM_MSG_MAX + 1];
	struct xensim_req req;
	size_t alen, outlen;
	int64_t ret;
	ssize_t n;
	void *a;

	(void)events;
	n = recv(d->d_hv_fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		domain_destroy(d);
		return;
	}
	if ((size_t)n < sizeof(req)) {
		hv_reply(d->d_hv_fd, -EINVAL, NULL, 0);
		return;
	}
	/* Sends rung before this call happened before it. */
	doorbell_drain_all();
	memcpy(&req, buf, sizeof(req));
	alen = (size_t)n - sizeof(req);
	if (req.xr_len != alen) {
		xensim_log("domain %u: hypercall length %u but %zu sent",
		    d->d_domid, req.xr_len, alen);
		hv_reply(d->d_hv_fd, -EINVAL, NULL, 0);
		return;
	}
	/* Aligned scratch copy: the wire gives no alignment. */
	a = buf + sizeof(req);
	{
		static uint64_t scratch[(XENSIM_MSG_MAX + 7) / 8];

		memcpy(scratch, a, alen);
		a = scratch;
	}
	d->d_hypercalls++;
	outlen = alen;
	switch (req.xr_op) {
	case XENSIM_OP_HVM:
		ret = hvm_op(d, req.xr_cmd, a, alen);
		break;
	case XENSIM_OP_MEMORY:
		ret = memory_op(d, req.xr_cmd, a, alen, &outlen);
		break;
	case XENSIM_OP_EVTCHN:
		ret = -evtchn_op(d, req.xr_cmd, a, alen);
		break;
	case XENSIM_OP_GNTTAB:
		ret = -gnttab_op(d, req.xr_cmd, a, alen);
		break;
	default:
		ret = -ENOSYS;
		break;
	}
	hv_reply(d->d_hv_fd, ret, a, outlen);
}

/* Take the descriptors an ATTACH carries: memfd, upcall, doorbell. */
static int
recv_attach(int fd, struct xensim_attach *at, int fds[3])
{
	char buf[sizeof(struct xensim_req) + sizeof(*at)];
	char cbuf[CMSG_SPACE(3 * sizeof(int))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct xensim_req req;
	struct cmsghdr *cm;
	size_t nfd;
	ssize_t n;

	fds[0] = fds[1] = fds[2] = -1;
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	cm = CMSG_FIRSTHDR(&mh);
	if (n >= 0 && cm != NULL && cm->cmsg_level == SOL_SOCKET &&
	    cm->cmsg_type == SCM_RIGHTS) {
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(cm), (nfd < 3 ? nfd : 3) * sizeof(int));
	}
	if (n != (ssize_t)sizeof(buf) || fds[0] < 0 || fds[1] < 0)
		return (EINVAL);
	memcpy(&req, buf, sizeof(req));
	if (req.xr_op != XENSIM_OP_ATTACH || req.xr_len != sizeof(*at))
		return (EINVAL);
	memcpy(at, buf + sizeof(req), sizeof(*at));
	at->xa_name[sizeof(at->xa_name) - 1] = '\0';
	return (0);
}

static void
hv_attach(void *arg, uint32_t events)
{
	struct hv_pending *p = arg;
	struct xensim_attach at = { .xa_domid = 0 };
	struct xensim_attach_rsp ar = { .xar_flags = 0 };
	struct domain *d;
	int error, fds[3], i;

	(void)events;
	evloop_del(p->h_src);
	error = recv_attach(p->h_fd, &at, fds);
	if (error == 0)
		error = domain_create(at.xa_domid, at.xa_name, fds[0],
		    at.xa_base_pfn, at.xa_ram_pages, fds[1], &d);
	if (error != 0) {
		xensim_log("attach of domain %u refused: %s", at.xa_domid,
		    strerror(error));
		hv_reply(p->h_fd, -error, NULL, 0);
		for (i = 0; i < 3; i++) {
			if (fds[i] >= 0)
				close(fds[i]);
		}
		close(p->h_fd);
		free(p);
		return;
	}
	/* Without a usable doorbell the domain sends by hypercall. */
	if (fds[2] >= 0 && doorbell_attach(d, fds[2]) != 0) {
		xensim_log("domain %u: its doorbell cannot be polled: sends by hypercall",
		    d->d_domid);
		close(fds[2]);
	}
	if (d->d_bell != NULL)
		ar.xar_flags |= XENSIM_ATTACH_DOORBELL;
	d->d_hv_fd = p->h_fd;
	free(p);
	d->d_hv_src = evloop_add(d->d_hv_fd, EPOLLIN, hv_domain_msg, d);
	hv_reply(d->d_hv_fd, 0, &ar, sizeof(ar));
}

static void
hv_accept(void *arg, uint32_t events)
{
	struct hv_pending *p;
	int fd;

	(void)arg;
	(void)events;
	fd = accept4(hv_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->h_src = evloop_add(fd, EPOLLIN, hv_attach, p)) == NULL) {
		free(p);
		close(fd);
		return;
	}
	p->h_fd = fd;
}

int
hv_listen(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sun.sun_path))
		return (ENAMETOOLONG);
	strcpy(sun.sun_path, path);
	hv_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (hv_fd < 0)
		return (errno);
	unlink(path);
	if (bind(hv_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(hv_fd, 16) != 0) {
		int error = errno;

		close(hv_fd);
		hv_fd = -1;
		return (error);
	}
	snprintf(hv_path, sizeof(hv_path), "%s", path);
	hv_src = evloop_add(hv_fd, EPOLLIN, hv_accept, NULL);
	return (hv_src == NULL ? ENOMEM : 0);
}

void
hv_close(void)
{
	uint32_t i;

	for (i = 1; i < DOM_MAX; i++) {
		if (domains[i] != NULL)
			domain_destroy(domains[i]);
	}
	if (hv_fd < 0)
		return;
	evloop_del(hv_src);
	close(hv_fd);
	unlink(hv_path);
	hv_fd = -1;
}
