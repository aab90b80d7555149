/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Hypercalls for a hosted kernel: each is one request and one reply on
 * the SOCK_SEQPACKET socket to xensim (see pv/xensim_proto.h).  Where Xen
 * would follow a guest handle, the array travels inline, and the reply's
 * copy is written back to it.  Calls are serialised: Xen's hypercalls are
 * synchronous for the calling vCPU, and one socket keeps replies in order.
 * EVTCHNOP_send to another domain, the one hypercall a driver makes per
 * batch of I/O, rings xensim's doorbell instead (xen_doorbell.c).
 */
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>

#include <hosted/hosted.h>
#include <hosted/xen.h>
#include <hosted/xensim_proto.h>
#include <xenpv/hypervisor.h>

#include "hosted_var.h"

static pthread_mutex_t	 hc_lock = PTHREAD_MUTEX_INITIALIZER;
static int		 hc_fd = -1;
static uint32_t		 hc_domid;
static int		 hc_upcall_fd = -1;
static bool		 hc_upcall_bound;
static struct shared_info *hc_shinfo;

static long
hc_call(uint32_t op, uint32_t cmd, void *arg, size_t len, size_t extra,
    void *extra_buf)
{
	char buf[XENSIM_MSG_MAX];
	struct xensim_req req = {
		.xr_op = op,
		.xr_cmd = cmd,
		.xr_len = (uint32_t)(len + extra),
	};
	struct xensim_rsp rsp;
	ssize_t n;
	long ret;

	if (sizeof(req) + len + extra > sizeof(buf))
		return (-E2BIG);
	memcpy(buf, &req, sizeof(req));
	memcpy(buf + sizeof(req), arg, len);
	if (extra > 0)
		memcpy(buf + sizeof(req) + len, extra_buf, extra);
	pthread_mutex_lock(&hc_lock);
	if (hc_fd < 0) {
		pthread_mutex_unlock(&hc_lock);
		return (-ENODEV);
	}
	n = send(hc_fd, buf, sizeof(req) + len + extra, MSG_NOSIGNAL);
	if (n == (ssize_t)(sizeof(req) + len + extra))
		n = recv(hc_fd, buf, sizeof(buf), 0);
	pthread_mutex_unlock(&hc_lock);
	if (n < (ssize_t)sizeof(rsp))
		return (-EIO);	/* the hypervisor is gone */
	memcpy(&rsp, buf, sizeof(rsp));
	ret = (long)rsp.xp_ret;
	/* Copy back only what we sent: the reply cannot grow our buffers. */
	if (rsp.xp_len == len + extra && (size_t)n == sizeof(rsp) + len +
	    extra) {
		memcpy(arg, buf + sizeof(rsp), len);
		if (extra > 0)
			memcpy(extra_buf, buf + sizeof(rsp) + len, extra);
	}
	return (ret);
}

/* Whether a port's other end is another domain: only those are rung. */
static bool
hc_remote(domid_t dom)
{
	return (dom != DOMID_SELF && dom != hc_domid);
}

long
HYPERVISOR_event_channel_op(int cmd, void *arg)
{
	struct evtchn_alloc_unbound *au = arg;
	struct evtchn_bind_interdomain *bi = arg;
	size_t len;
	long ret;

	switch (cmd) {
	case EVTCHNOP_alloc_unbound:
		len = sizeof(struct evtchn_alloc_unbound);
		break;
	case EVTCHNOP_bind_interdomain:
		len = sizeof(struct evtchn_bind_interdomain);
		break;
	case EVTCHNOP_close:
		/* Before the close: no send may ring what is rebound. */
		xen_bell_forget(((struct evtchn_close *)arg)->port);
		len = sizeof(struct evtchn_close);
		break;
	case EVTCHNOP_send:
		if (xen_bell_ring(((struct evtchn_send *)arg)->port))
			return (0);
		len = sizeof(struct evtchn_send);
		break;
	case EVTCHNOP_unmask:
		len = sizeof(struct evtchn_unmask);
		break;
	default:
		return (-ENOSYS);
	}
	ret = hc_call(XENSIM_OP_EVTCHN, (uint32_t)cmd, arg, len, 0, NULL);
	if (ret == 0 && cmd == EVTCHNOP_alloc_unbound &&
	    hc_remote(au->remote_dom))
		xen_bell_allow(au->port);
	if (ret == 0 && cmd == EVTCHNOP_bind_interdomain &&
	    hc_remote(bi->remote_dom))
		xen_bell_allow(bi->local_port);
	return (ret);
}

long
HYPERVISOR_grant_table_op(unsigned int cmd, void *uop, unsigned int count)
{
	if (cmd != GNTTABOP_query_size || count != 1)
		return (-ENOSYS);
	return (hc_call(XENSIM_OP_GNTTAB, cmd, uop,
	    sizeof(struct gnttab_query_size), 0, NULL));
}

long
HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
	struct xen_memory_reservation *r = arg;
	xen_pfn_t *ext;
	size_t n;

	switch (cmd) {
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		/* The extent list goes inline, a page of it at a time. */
		n = r->nr_extents;
		if (n > 512)
			return (-E2BIG);
		ext = r->extent_start.p;
		return (hc_call(XENSIM_OP_MEMORY, cmd, r, sizeof(*r),
		    n * sizeof(xen_pfn_t), ext));
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
		return (hc_call(XENSIM_OP_MEMORY, cmd, arg, sizeof(domid_t), 0,
		    NULL));
	case XENMEM_add_to_physmap:
		return (hc_call(XENSIM_OP_MEMORY, cmd, arg,
		    sizeof(struct xen_add_to_physmap), 0, NULL));
	}
	return (-ENOSYS);
}

long
HYPERVISOR_hvm_op(int op, void *arg)
{
	if (op != HVMOP_get_param && op != HVMOP_set_param)
		return (-ENOSYS);
	return (hc_call(XENSIM_OP_HVM, (uint32_t)op, arg,
	    sizeof(struct xen_hvm_param), 0, NULL));
}

struct shared_info *
xen_shared_info(void)
{
	return (hc_shinfo);
}

/*
 * The upcall runs in the interrupt poller: it only sorts pending ports
 * into posts, so a thread of its own was one more wakeup per event.
 */
int
xen_upcall_establish(pv_intr_fn_t *fn, void *arg)
{
	int error;

	if (hc_upcall_fd < 0)
		return (ENODEV);
	if (hc_upcall_bound)
		return (EBUSY);
	if ((error = pv_hosted_intr_bind_fd_fn(hc_upcall_fd, fn, arg)) == 0)
		hc_upcall_bound = true;
	return (error);
}

void
xen_upcall_disestablish(void)
{
	if (!hc_upcall_bound)
		return;
	pv_hosted_intr_unbind_fd(hc_upcall_fd);
	hc_upcall_bound = false;
}

/* xensim keeps a domain in one process for its whole life. */
int
xen_platform_suspend(void)
{
	return (-ENOSYS);
}

static int
hc_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, error;

	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s%s", path,
	    XENSIM_HV_SUFFIX) >= (int)sizeof(sun.sun_path))
		return (-ENAMETOOLONG);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return (-errno);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		error = errno;
		close(fd);
		return (-error);
	}
	return (fd);
}

/* ATTACH: our RAM, upcall and doorbell (-1: none); the reply's flags. */
static int
hc_send_attach(int fd, const struct xensim_attach *at, const int fds[3],
    uint32_t *flagsp)
{
	char buf[sizeof(struct xensim_req) + sizeof(*at)];
	char cbuf[CMSG_SPACE(3 * sizeof(int))];
	struct xensim_req req = {
		.xr_op = XENSIM_OP_ATTACH,
		.xr_len = sizeof(*at),
	};
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
	};
	struct xensim_attach_rsp ar;
	struct xensim_rsp rsp;
	char rbuf[sizeof(rsp) + sizeof(ar)];
	struct cmsghdr *cm;
	int nfd = fds[2] >= 0 ? 3 : 2;
	ssize_t n;

	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_controllen = CMSG_SPACE(nfd * sizeof(int));
	memcpy(buf, &req, sizeof(req));
	memcpy(buf + sizeof(req), at, sizeof(*at));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(nfd * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, nfd * sizeof(int));
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(buf))
		return (errno);
	n = recv(fd, rbuf, sizeof(rbuf), 0);
	if (n < (ssize_t)sizeof(rsp))
		return (EIO);
	memcpy(&rsp, rbuf, sizeof(rsp));
	*flagsp = 0;
	/* Flags only with a whole reply: an older xensim sends none. */
	if (rsp.xp_ret == 0 && rsp.xp_len == sizeof(ar) &&
	    n == (ssize_t)sizeof(rbuf)) {
		memcpy(&ar, rbuf + sizeof(rsp), sizeof(ar));
		*flagsp = ar.xar_flags;
	}
	return ((int)-rsp.xp_ret);
}

int
xen_hosted_attach(uint32_t domid, const char *name)
{
	struct xensim_attach at = { .xa_domid = domid };
	const char *path;
	size_t ram_pages;
	pv_pfn_t base;
	uint32_t flags;
	int fd, fds[3], error;

	if (hc_fd >= 0)
		return (EBUSY);
	path = getenv("XENSTORED_PATH");
	if (path == NULL || path[0] == '\0')
		path = "/run/xenstored/socket";
	fds[0] = pv_hosted_memfd(&base, &ram_pages);
	if (fds[0] < 0)
		return (ENXIO);
	at.xa_base_pfn = base;
	at.xa_ram_pages = ram_pages;
	snprintf(at.xa_name, sizeof(at.xa_name), "%s", name);
	if ((fd = hc_connect(path)) < 0)
		return (-fd);
	hc_upcall_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (hc_upcall_fd < 0) {
		error = errno;
		goto fail;
	}
	fds[1] = hc_upcall_fd;
	/* No doorbell is no failure: sends then go by hypercall. */
	fds[2] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if ((error = hc_send_attach(fd, &at, fds, &flags)) != 0)
		goto fail_bell;
	hc_shinfo = pv_phystov(pv_ptoa(base + ram_pages +
	    XENSIM_SPECIAL_SHINFO));
	hc_domid = domid;
	if (fds[2] >= 0 && (flags & XENSIM_ATTACH_DOORBELL) != 0)
		xen_bell_start(fds[2], pv_phystov(pv_ptoa(base + ram_pages +
		    XENSIM_SPECIAL_DOORBELL)));
	else if (fds[2] >= 0)
		close(fds[2]);
	pthread_mutex_lock(&hc_lock);
	hc_fd = fd;
	pthread_mutex_unlock(&hc_lock);
	return (0);
fail_bell:
	if (fds[2] >= 0)
		close(fds[2]);
	close(hc_upcall_fd);
	hc_upcall_fd = -1;
fail:
	close(fd);
	return (error);
}

void
xen_hosted_detach(void)
{
	int fd;

	xen_upcall_disestablish();
	if ((fd = xen_bell_stop()) >= 0)
		close(fd);
	pthread_mutex_lock(&hc_lock);
	if (hc_fd >= 0)
		close(hc_fd);
	hc_fd = -1;
	pthread_mutex_unlock(&hc_lock);
	if (hc_upcall_fd >= 0)
		close(hc_upcall_fd);
	hc_upcall_fd = -1;
	hc_shinfo = NULL;
}
