/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The vhost-user transport.
 *
 * Every request that the back-end would answer only with silence is sent
 * with NEED_REPLY when REPLY_ACK was agreed, so that a refusal is seen at
 * the step that caused it and not as a queue that never completes.  Every
 * reply is checked: its request, its version and reply flags, its size.
 */
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/virtio_config.h>

#include <hosted/hosted.h>
#include <pv/console.h>
#include <pv/intr.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pvvirtio/vhost_user.h>
#include <pvvirtio/virtio.h>
#include <pvvirtio/virtqueue.h>

#include "vhost_user_proto.h"

#define	VU_MAX_QUEUES	64
/* libvhost-user's largest queue; the protocol has no way to ask. */
#define	VU_QUEUE_MAX	1024
#define	VU_REPLY_MS	10000

struct vu_queue {
	struct vhost_user	*q_vu;
	uint16_t		 q_idx;
	int			 q_kick;
	int			 q_call;
	struct pv_intr		*q_ih;
	bool			 q_started;
};

struct vhost_user {
	int			 vu_fd;
	char			 vu_name[32];
	struct virtio_dev	 vu_vd;
	uint64_t		 vu_offer;	/* GET_FEATURES, as sent */
	uint64_t		 vu_pfeatures;	/* agreed protocol features */
	unsigned		 vu_max_queues;
	uint8_t			 vu_status;
	bool			 vu_mem_sent;
	bool			 vu_broken;	/* the connection is unusable */
	unsigned		 vu_nq;		/* queues with interrupts */
	struct vu_queue		 vu_q[VU_MAX_QUEUES];
};

static const char *
req_name(uint32_t req)
{
	static const char *const names[] = {
		[VU_GET_FEATURES] = "GET_FEATURES",
		[VU_SET_FEATURES] = "SET_FEATURES",
		[VU_SET_OWNER] = "SET_OWNER",
		[VU_SET_MEM_TABLE] = "SET_MEM_TABLE",
		[VU_SET_VRING_NUM] = "SET_VRING_NUM",
		[VU_SET_VRING_ADDR] = "SET_VRING_ADDR",
		[VU_SET_VRING_BASE] = "SET_VRING_BASE",
		[VU_GET_VRING_BASE] = "GET_VRING_BASE",
		[VU_SET_VRING_KICK] = "SET_VRING_KICK",
		[VU_SET_VRING_CALL] = "SET_VRING_CALL",
		[VU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
		[VU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
		[VU_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
		[VU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
		[VU_GET_CONFIG] = "GET_CONFIG",
		[VU_SET_CONFIG] = "SET_CONFIG",
	};

	return (req < nitems(names) && names[req] != NULL ? names[req] : "?");
}

static int
vu_error(struct vhost_user *vu, uint32_t req, int error, const char *why)
{
	pv_log(PV_LOG_ERR, vu->vu_name, "%s: %s", req_name(req), why);
	if (error != EOPNOTSUPP)
		vu->vu_broken = true;
	return (error);
}

static int
vu_send(struct vhost_user *vu, uint32_t req, uint32_t flags,
    const void *payload, uint32_t size, const int *fds, unsigned nfds)
{
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(int) * VU_MAX_REGIONS)];
	} cm;
	struct vu_hdr h = { .request = req, .flags = VU_VERSION | flags,
	    .size = size };
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)(uintptr_t)payload, .iov_len = size },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = size > 0 ? 2 : 1 };
	struct cmsghdr *c;
	ssize_t n;

	if (vu->vu_broken)
		return (EIO);
	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		m.msg_control = cm.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do {
		n = sendmsg(vu->vu_fd, &m, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)(sizeof(h) + size))
		return (vu_error(vu, req, EIO, n < 0 ? strerror(errno) :
		    "short send"));
	return (0);
}

/* Read exactly len bytes, or fail after the reply timeout. */
static int
vu_read(struct vhost_user *vu, void *buf, size_t len)
{
	struct pollfd p = { .fd = vu->vu_fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = poll(&p, 1, VU_REPLY_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return (ETIMEDOUT);
		n = recv(vu->vu_fd, (char *)buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (EPIPE);
		got += (size_t)n;
	}
	return (0);
}

/*
 * Wait for the reply to req: exactly size bytes of payload, or, when size
 * is 0, a REPLY_ACK's u64 that must be zero.
 */
static int
vu_reply(struct vhost_user *vu, uint32_t req, void *payload, uint32_t size)
{
	struct vu_hdr h;
	union vu_payload p;
	uint32_t want = size != 0 ? size : sizeof(uint64_t);
	char why[96];
	int error;

	if ((error = vu_read(vu, &h, sizeof(h))) != 0)
		return (vu_error(vu, req, error, error == ETIMEDOUT ?
		    "no reply from the back-end" : "the back-end hung up"));
	if (h.request != req || (h.flags & VU_VERSION_MASK) != VU_VERSION ||
	    (h.flags & VU_FLAG_REPLY) == 0 || h.size != want) {
		snprintf(why, sizeof(why), "bad reply header: request %u flags "
		    "%#x size %u (want size %u)", h.request, h.flags, h.size,
		    want);
		/* The stream is out of step now: nothing more is believed. */
		return (vu_error(vu, req, EIO, why));
	}
	if ((error = vu_read(vu, &p, want)) != 0)
		return (vu_error(vu, req, error, "reply cut short"));
	if (size != 0) {
		memcpy(payload, &p, size);
		return (0);
	}
	if (p.u64 != 0) {
		snprintf(why, sizeof(why), "refused (status %ju)",
		    (uintmax_t)p.u64);
		return (vu_error(vu, req, EOPNOTSUPP, why));
	}
	return (0);
}

/* A request the back-end acknowledges only under REPLY_ACK. */
static int
vu_set(struct vhost_user *vu, uint32_t req, const void *payload,
    uint32_t size, const int *fds, unsigned nfds)
{
	bool ack = (vu->vu_pfeatures & (1ull << VU_PF_REPLY_ACK)) != 0;
	int error;

	error = vu_send(vu, req, ack ? VU_FLAG_NEED_REPLY : 0, payload, size,
	    fds, nfds);
	if (error == 0 && ack)
		error = vu_reply(vu, req, NULL, 0);
	return (error);
}

static int
vu_get_u64(struct vhost_user *vu, uint32_t req, uint64_t *valp)
{
	int error;

	if ((error = vu_send(vu, req, 0, NULL, 0, NULL, 0)) != 0)
		return (error);
	return (vu_reply(vu, req, valp, sizeof(*valp)));
}

static int
vu_set_u64(struct vhost_user *vu, uint32_t req, uint64_t val)
{
	return (vu_set(vu, req, &val, sizeof(val), NULL, 0));
}

static int
vu_set_state(struct vhost_user *vu, uint32_t req, unsigned idx, unsigned num)
{
	struct vhost_vring_state s = { .index = idx, .num = num };

	return (vu_set(vu, req, &s, sizeof(s), NULL, 0));
}

/* ------------------------------------------------------------------ */

static struct vhost_user *
tvu(void *t)
{
	return (t);
}

/* Stop every started ring: GET_VRING_BASE is what makes it stop. */
static void
vu_reset(void *t)
{
	struct vhost_user *vu = tvu(t);
	struct vhost_vring_state s;
	unsigned i;

	for (i = 0; i < VU_MAX_QUEUES; i++) {
		struct vu_queue *q = &vu->vu_q[i];

		if (!q->q_started)
			continue;
		if ((vu->vu_offer & (1ull << VU_F_PROTOCOL_FEATURES)) != 0)
			(void)vu_set_state(vu, VU_SET_VRING_ENABLE, i, 0);
		s.index = i;
		s.num = 0;
		if (vu_send(vu, VU_GET_VRING_BASE, 0, &s, sizeof(s), NULL,
		    0) == 0)
			(void)vu_reply(vu, VU_GET_VRING_BASE, &s, sizeof(s));
		close(q->q_kick);
		q->q_kick = -1;
		q->q_started = false;
	}
	vu->vu_status = 0;
}

static uint8_t
vu_get_status(void *t)
{
	return (tvu(t)->vu_status);
}

static void
vu_set_status(void *t, uint8_t status)
{
	struct vhost_user *vu = tvu(t);

	/* A connection that failed cannot have accepted the features. */
	if (vu->vu_broken)
		status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	vu->vu_status = status;
}

static uint64_t
vu_get_features(void *t)
{
	return (tvu(t)->vu_offer & ~(1ull << VU_F_PROTOCOL_FEATURES));
}

static void
vu_set_features(void *t, uint64_t features)
{
	struct vhost_user *vu = tvu(t);

	/* The transport's own bit goes back whenever it was offered. */
	features |= vu->vu_offer & (1ull << VU_F_PROTOCOL_FEATURES);
	(void)vu_set_u64(vu, VU_SET_FEATURES, features);
}

static uint32_t
vu_config_generation(void *t)
{
	(void)t;
	return (0);
}

static void
vu_read_config(void *t, unsigned off, void *buf, unsigned len)
{
	struct vhost_user *vu = tvu(t);
	struct vu_config c;
	uint32_t size = sizeof(c) - VU_MAX_CONFIG + off + len;

	memset(buf, 0, len);
	if ((vu->vu_pfeatures & (1ull << VU_PF_CONFIG)) == 0 ||
	    off + len > VU_MAX_CONFIG) {
		(void)vu_error(vu, VU_GET_CONFIG, EOPNOTSUPP,
		    "the back-end has no config space to read");
		return;
	}
	/* Back-ends serve the config from its start, whatever the offset. */
	memset(&c, 0, sizeof(c));
	c.offset = 0;
	c.size = off + len;
	if (vu_send(vu, VU_GET_CONFIG, 0, &c, size, NULL, 0) != 0 ||
	    vu_reply(vu, VU_GET_CONFIG, &c, size) != 0)
		return;
	if (c.size != off + len) {
		(void)vu_error(vu, VU_GET_CONFIG, EIO,
		    "reply size differs from the request");
		return;
	}
	memcpy(buf, c.region + off, len);
}

static int
vu_write_config(void *t, unsigned off, const void *buf, unsigned len)
{
	struct vhost_user *vu = tvu(t);
	struct vu_config c;

	if ((vu->vu_pfeatures & (1ull << VU_PF_CONFIG)) == 0 ||
	    off + len > VU_MAX_CONFIG)
		return (EOPNOTSUPP);
	memset(&c, 0, sizeof(c));
	c.offset = off;
	c.size = len;
	memcpy(c.region, buf, len);
	return (vu_set(vu, VU_SET_CONFIG, &c, sizeof(c) - VU_MAX_CONFIG + len,
	    NULL, 0));
}

static bool
vu_modern(void *t)
{
	(void)t;
	return (true);
}

static uint16_t
vu_queue_max(void *t, uint16_t idx)
{
	return (idx < tvu(t)->vu_max_queues ? VU_QUEUE_MAX : 0);
}

static bool
vu_queue_size_fixed(void *t)
{
	(void)t;
	return (false);
}

static void
vu_intr(void *arg)
{
	struct vu_queue *q = arg;

	virtio_vq_intr(&q->q_vu->vu_vd, q->q_idx);
}

static void
vu_intr_teardown(void *t)
{
	struct vhost_user *vu = tvu(t);
	unsigned i;

	for (i = 0; i < vu->vu_nq; i++) {
		struct vu_queue *q = &vu->vu_q[i];

		pv_hosted_intr_unbind_fd(q->q_call);
		pv_intr_disestablish(q->q_ih);
		close(q->q_call);
		q->q_call = -1;
		q->q_ih = NULL;
	}
	vu->vu_nq = 0;
}

static int
vu_intr_setup(void *t, struct virtio_dev *vd, unsigned nvqs)
{
	struct vhost_user *vu = tvu(t);
	char name[64];
	int error;

	(void)vd;
	if (nvqs > vu->vu_max_queues)
		return (EINVAL);
	for (vu->vu_nq = 0; vu->vu_nq < nvqs; vu->vu_nq++) {
		struct vu_queue *q = &vu->vu_q[vu->vu_nq];

		q->q_vu = vu;
		q->q_idx = (uint16_t)vu->vu_nq;
		snprintf(name, sizeof(name), "%s_q%u", vu->vu_name, vu->vu_nq);
		if ((q->q_call = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
			error = errno;
			goto fail;
		}
		if ((error = pv_intr_establish(&q->q_ih, name, vu_intr,
		    q)) != 0) {
			close(q->q_call);
			goto fail;
		}
		if ((error = pv_hosted_intr_bind_fd(q->q_ih, q->q_call)) != 0) {
			pv_intr_disestablish(q->q_ih);
			close(q->q_call);
			goto fail;
		}
	}
	return (0);
fail:
	vu_intr_teardown(vu);
	return (error);
}

/* All of guest RAM, in one region: descriptors carry its frames. */
static int
vu_send_mem(struct vhost_user *vu)
{
	struct vu_memory m;
	pv_pfn_t base;
	size_t npages;
	int fd;

	if ((fd = pv_hosted_memfd(&base, &npages)) < 0)
		return (vu_error(vu, VU_SET_MEM_TABLE, ENXIO,
		    "no guest RAM memfd to share"));
	memset(&m, 0, sizeof(m));
	m.nregions = 1;
	m.regions[0].guest_phys_addr = pv_ptoa(base);
	m.regions[0].memory_size = (uint64_t)npages * PV_PAGE_SIZE;
	m.regions[0].userspace_addr = (uintptr_t)pv_phystov(pv_ptoa(base));
	m.regions[0].mmap_offset = 0;
	return (vu_set(vu, VU_SET_MEM_TABLE, &m, 8 + sizeof(m.regions[0]),
	    &fd, 1));
}

static int
vu_queue_enable(void *t, uint16_t idx, struct virtqueue *vq)
{
	struct vhost_user *vu = tvu(t);
	struct vu_queue *q;
	struct vhost_vring_addr a;
	uint64_t v;
	int error;

	if (idx >= vu->vu_nq)
		return (EINVAL);
	q = &vu->vu_q[idx];
	if (!vu->vu_mem_sent) {
		if ((error = vu_send_mem(vu)) != 0)
			return (error);
		vu->vu_mem_sent = true;
	}
	memset(&a, 0, sizeof(a));
	a.index = idx;
	/* Ring addresses are ours to the back-end: it maps them back
	 * through the region's userspace_addr. */
	a.desc_user_addr = (uintptr_t)pv_phystov(virtqueue_desc_paddr(vq));
	a.avail_user_addr = (uintptr_t)pv_phystov(virtqueue_avail_paddr(vq));
	a.used_user_addr = (uintptr_t)pv_phystov(virtqueue_used_paddr(vq));
	if ((error = vu_set_state(vu, VU_SET_VRING_NUM, idx,
	    virtqueue_size(vq))) != 0 ||
	    (error = vu_set(vu, VU_SET_VRING_ADDR, &a, sizeof(a), NULL,
	    0)) != 0 ||
	    (error = vu_set_state(vu, VU_SET_VRING_BASE, idx, 0)) != 0)
		return (error);
	/* The call fd before the kick: a started ring must have it. */
	v = idx;
	if ((error = vu_set(vu, VU_SET_VRING_CALL, &v, sizeof(v), &q->q_call,
	    1)) != 0)
		return (error);
	if ((q->q_kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return (errno);
	if ((error = vu_set(vu, VU_SET_VRING_KICK, &v, sizeof(v), &q->q_kick,
	    1)) != 0) {
		close(q->q_kick);
		q->q_kick = -1;
		return (error);
	}
	q->q_started = true;
	/* With protocol features, rings start disabled. */
	if ((vu->vu_offer & (1ull << VU_F_PROTOCOL_FEATURES)) != 0 &&
	    (error = vu_set_state(vu, VU_SET_VRING_ENABLE, idx, 1)) != 0)
		return (error);
	return (0);
}

static void
vu_notify(void *t, uint16_t idx)
{
	struct vhost_user *vu = tvu(t);
	uint64_t one = 1;

	if (idx < VU_MAX_QUEUES && vu->vu_q[idx].q_kick >= 0)
		(void)write(vu->vu_q[idx].q_kick, &one, sizeof(one));
}

static const struct virtio_transport_ops vu_ops = {
	.vt_reset = vu_reset,
	.vt_get_status = vu_get_status,
	.vt_set_status = vu_set_status,
	.vt_get_features = vu_get_features,
	.vt_set_features = vu_set_features,
	.vt_config_generation = vu_config_generation,
	.vt_read_config = vu_read_config,
	.vt_modern = vu_modern,
	.vt_queue_max = vu_queue_max,
	.vt_queue_size_fixed = vu_queue_size_fixed,
	.vt_intr_setup = vu_intr_setup,
	.vt_intr_teardown = vu_intr_teardown,
	.vt_queue_enable = vu_queue_enable,
	.vt_notify = vu_notify,
	.vt_write_config = vu_write_config,
};

/* ------------------------------------------------------------------ */

static int
vu_handshake(struct vhost_user *vu)
{
	uint64_t pf, nq;
	char why[80];
	int error;

	if ((error = vu_send(vu, VU_SET_OWNER, 0, NULL, 0, NULL, 0)) != 0 ||
	    (error = vu_get_u64(vu, VU_GET_FEATURES, &vu->vu_offer)) != 0)
		return (error);
	vu->vu_max_queues = 1;
	if ((vu->vu_offer & (1ull << VU_F_PROTOCOL_FEATURES)) == 0)
		return (0);
	if ((error = vu_get_u64(vu, VU_GET_PROTOCOL_FEATURES, &pf)) != 0)
		return (error);
	pf &= (1ull << VU_PF_MQ) | (1ull << VU_PF_REPLY_ACK) |
	    (1ull << VU_PF_CONFIG);
	/* No ack for this one: REPLY_ACK is not agreed until it lands. */
	if ((error = vu_send(vu, VU_SET_PROTOCOL_FEATURES, 0, &pf,
	    sizeof(pf), NULL, 0)) != 0)
		return (error);
	vu->vu_pfeatures = pf;
	if ((pf & (1ull << VU_PF_MQ)) != 0) {
		if ((error = vu_get_u64(vu, VU_GET_QUEUE_NUM, &nq)) != 0)
			return (error);
		if (nq == 0 || nq > VU_MAX_QUEUES) {
			snprintf(why, sizeof(why), "%ju queues is not 1 to %u",
			    (uintmax_t)nq, VU_MAX_QUEUES);
			return (vu_error(vu, VU_GET_QUEUE_NUM, EIO, why));
		}
		vu->vu_max_queues = (unsigned)nq;
	}
	return (0);
}

int
vhost_user_connect(const char *path, struct vhost_user **vup)
{
	static unsigned unit;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct vhost_user *vu;
	unsigned i;
	int error;

	if (strlen(path) >= sizeof(sun.sun_path))
		return (ENAMETOOLONG);
	if ((vu = pv_malloc(sizeof(*vu), PV_M_ZERO | PV_M_NOWAIT)) == NULL)
		return (ENOMEM);
	for (i = 0; i < VU_MAX_QUEUES; i++)
		vu->vu_q[i].q_kick = vu->vu_q[i].q_call = -1;
	snprintf(vu->vu_name, sizeof(vu->vu_name), "vhostuser%u", unit++);
	memcpy(sun.sun_path, path, strlen(path));
	if ((vu->vu_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		error = errno;
		goto fail;
	}
	if (connect(vu->vu_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		error = errno;
		pv_log(PV_LOG_ERR, vu->vu_name, "connect %s: %s", path,
		    strerror(error));
		goto fail_sock;
	}
	if ((error = vu_handshake(vu)) != 0)
		goto fail_sock;
	vu->vu_vd.vd_ops = &vu_ops;
	vu->vu_vd.vd_t = vu;
	vu->vu_vd.vd_name = vu->vu_name;
	*vup = vu;
	return (0);
fail_sock:
	close(vu->vu_fd);
fail:
	pv_free(vu);
	return (error);
}

void
vhost_user_close(struct vhost_user *vu)
{
	vu_reset(vu);
	vu_intr_teardown(vu);
	close(vu->vu_fd);
	pv_free(vu);
}

struct virtio_dev *
vhost_user_dev(struct vhost_user *vu)
{
	return (&vu->vu_vd);
}

void
vhost_user_info(const struct vhost_user *vu, struct vhost_user_info *vi)
{
	vi->vi_features = vu->vu_offer;
	vi->vi_protocol_features = vu->vu_pfeatures;
	vi->vi_max_queues = vu->vu_max_queues;
}
