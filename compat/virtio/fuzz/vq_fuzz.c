/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libFuzzer target: a device that writes whatever it likes into the used
 * ring.  The input chooses the queue's shape, the requests made, and then
 * the device's writes (entries and index).  Whatever it writes, the queue
 * must hand back only cookies in flight, each once, with a length within
 * what was offered, never count more free descriptors than it has, and
 * refuse everything once it has called the device broken.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/virtio_ring.h>

#include <hosted/hosted.h>
#include <pv/mem.h>
#include <pvvirtio/virtqueue.h>

#define	MAXQ	256

struct input {
	const uint8_t	*p;
	size_t		 left;
};

static uint32_t
take(struct input *in, unsigned bytes)
{
	uint32_t v = 0;

	while (bytes-- > 0) {
		v <<= 8;
		if (in->left > 0) {
			v |= *in->p++;
			in->left--;
		}
	}
	return (v);
}

static void
notify(struct virtqueue *vq, void *arg)
{
	(void)vq;
	(void)arg;
}

static void
check(int cond)
{
	if (!cond)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool up;
	static char tok[MAXQ];	/* request i's cookie is &tok[i] */
	struct input in = { data, size };
	struct vq_config cfg = { .vc_notify = notify };
	struct vq_seg segs[8];
	uint32_t wlen[MAXQ], len;
	bool inflight[MAXQ];
	struct virtqueue *vq;
	struct vring_used *used;
	uint16_t n, uidx;
	unsigned i, k, nseg, shape;
	void *c;
	int error;

	if (!up) {
		struct pv_hosted_conf conf = { .hc_mem_pages = 1024,
		    .hc_quiet = true };

		if (pv_hosted_init(&conf) != 0)
			__builtin_trap();
		up = true;
	}
	shape = take(&in, 1);
	n = (uint16_t)(1u << (shape % 8 + 1));	/* 2 to 256 */
	cfg.vc_size = n;
	cfg.vc_event_idx = (shape & 0x10) != 0;
	cfg.vc_indirect = (shape & 0x20) != 0;
	cfg.vc_max_indirect = 8;
	if (virtqueue_alloc(&vq, &cfg) != 0)
		return (0);
	used = pv_phystov(virtqueue_used_paddr(vq));
	memset(inflight, 0, sizeof(inflight));
	uidx = 0;
	while (in.left > 0) {
		k = take(&in, 1);
		if ((k & 3) == 0) {
			/* The driver makes a request: 1 to 8 segments. */
			nseg = (k >> 2) % 8 + 1;
			for (i = 0; i < nseg; i++) {
				segs[i].vs_paddr = 0x100000 + i * 4096;
				segs[i].vs_len = 512u * (i + 1);
				segs[i].vs_write = i + 1 == nseg || (k & 0x80);
			}
			/* Readable first: make the mix valid. */
			for (i = 0; i + 1 < nseg; i++)
				if (segs[i].vs_write && !segs[i + 1].vs_write)
					segs[i].vs_write = false;
			for (i = 0; i < MAXQ && inflight[i]; i++)
				;
			/* No more in flight than the queue has heads. */
			if (i == MAXQ) {
				check(virtqueue_nfree(vq) == 0);
				continue;
			}
			error = virtqueue_enqueue(vq, &tok[i], segs, nseg);
			if (error == 0) {
				inflight[i] = true;
				wlen[i] = 0;
				for (k = 0; k < nseg; k++)
					if (segs[k].vs_write)
						wlen[i] += segs[k].vs_len;
			} else
				check(error == ENOSPC || error == EIO ||
				    error == EINVAL);
			virtqueue_kick(vq);
		} else if ((k & 3) == 1) {
			/* The device writes a used entry. */
			i = uidx & (n - 1);
			used->ring[i].id = take(&in, 2);
			used->ring[i].len = take(&in, 4);
			uidx++;
		} else if ((k & 3) == 2) {
			/* The device publishes an index of its choosing. */
			used->idx = (k & 0x80) ? uidx : (uint16_t)take(&in, 2);
		} else {
			/* The driver reaps. */
			while ((c = virtqueue_dequeue(vq, &len, &error)) !=
			    NULL) {
				i = (unsigned)((char *)c - tok);
				check(i < MAXQ && inflight[i]);
				check(len <= wlen[i]);
				inflight[i] = false;
			}
			if (error != 0)
				check(virtqueue_broken(vq));
			(void)virtqueue_enable_intr(vq);
		}
		check(virtqueue_nfree(vq) <= n);
		if (virtqueue_broken(vq)) {
			segs[0].vs_write = true;
			check(virtqueue_enqueue(vq, &tok[0], segs, 1) == EIO);
			break;
		}
	}
	virtqueue_free(vq);
	return (0);
}
