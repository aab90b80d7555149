/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The virtio device core: initialisation (virtio 1.x, 3.1.1) and
 * consistent config reads (2.5.1), for every transport.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include <pv/console.h>
#include <pv/libkern.h>
#include <pvvirtio/virtio.h>
#include <pvvirtio/virtqueue.h>

/* A config that changes under this many reads in a row is not settling. */
#define	CONFIG_RETRIES	64

void
virtio_fail(struct virtio_dev *vd, const char *why)
{
	if (!vd->vd_failed)
		pv_log(PV_LOG_ERR, vd->vd_name, "%s; device set FAILED", why);
	vd->vd_failed = true;
	vd->vd_ops->vt_set_status(vd->vd_t, vd->vd_ops->vt_get_status(vd->vd_t)
	    | VIRTIO_CONFIG_S_FAILED);
}

static void
add_status(struct virtio_dev *vd, uint8_t bit)
{
	vd->vd_ops->vt_set_status(vd->vd_t,
	    vd->vd_ops->vt_get_status(vd->vd_t) | bit);
}

int
virtio_negotiate(struct virtio_dev *vd, uint64_t wanted)
{
	const struct virtio_transport_ops *o = vd->vd_ops;
	uint64_t offered, agreed;
	bool modern;
	char why[96];

	vd->vd_failed = false;
	o->vt_reset(vd->vd_t);
	if (o->vt_get_status(vd->vd_t) != 0) {
		virtio_fail(vd, "status not 0 after reset");
		return (EIO);
	}
	add_status(vd, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	add_status(vd, VIRTIO_CONFIG_S_DRIVER);
	offered = o->vt_get_features(vd->vd_t);
	modern = o->vt_modern(vd->vd_t);
	agreed = offered & wanted;
	if (modern && (offered & (1ull << VIRTIO_F_VERSION_1)) != 0)
		agreed |= 1ull << VIRTIO_F_VERSION_1;
	else
		agreed &= 0xffffffffull;	/* a legacy device has 32 */
	o->vt_set_features(vd->vd_t, agreed);
	vd->vd_features = agreed;
	if ((agreed & (1ull << VIRTIO_F_VERSION_1)) == 0)
		return (0);	/* legacy: no FEATURES_OK step */
	add_status(vd, VIRTIO_CONFIG_S_FEATURES_OK);
	if ((o->vt_get_status(vd->vd_t) & VIRTIO_CONFIG_S_FEATURES_OK) == 0) {
		snprintf(why, sizeof(why), "device refused features %#jx",
		    (uintmax_t)agreed);
		virtio_fail(vd, why);
		return (ENOTSUP);
	}
	return (0);
}

bool
virtio_has(const struct virtio_dev *vd, unsigned bit)
{
	return (bit < 64 && (vd->vd_features & (1ull << bit)) != 0);
}

void
virtio_driver_ok(struct virtio_dev *vd)
{
	add_status(vd, VIRTIO_CONFIG_S_DRIVER_OK);
}

int
virtio_read_config(struct virtio_dev *vd, unsigned off, void *buf,
    unsigned len)
{
	const struct virtio_transport_ops *o = vd->vd_ops;
	uint32_t before, after;
	int i;

	for (i = 0; i < CONFIG_RETRIES; i++) {
		before = o->vt_config_generation(vd->vd_t);
		o->vt_read_config(vd->vd_t, off, buf, len);
		after = o->vt_config_generation(vd->vd_t);
		if (before == after)
			return (0);
	}
	virtio_fail(vd, "device config never settled");
	return (EIO);
}

int
virtio_write_config(struct virtio_dev *vd, unsigned off, const void *buf,
    unsigned len)
{
	if (vd->vd_ops->vt_write_config == NULL)
		return (EOPNOTSUPP);
	return (vd->vd_ops->vt_write_config(vd->vd_t, off, buf, len));
}

void
virtio_reset(struct virtio_dev *vd)
{
	vd->vd_ops->vt_reset(vd->vd_t);
}

static void
vq_doorbell(struct virtqueue *vq, void *arg)
{
	struct virtio_dev *vd = arg;

	vd->vd_ops->vt_notify(vd->vd_t, virtqueue_index(vq));
}

int
virtio_alloc_queues(struct virtio_dev *vd, unsigned nvqs,
    struct virtio_vq_info *info)
{
	const struct virtio_transport_ops *o = vd->vd_ops;
	struct vq_config cfg;
	unsigned i;
	uint16_t max;
	char why[96];
	int error;

	if (nvqs == 0 || nvqs > UINT16_MAX)
		return (EINVAL);
	for (i = 0; i < nvqs; i++)
		info[i].vi_vq = NULL;
	for (i = 0; i < nvqs; i++) {
		max = o->vt_queue_max(vd->vd_t, (uint16_t)i);
		/* A size the device makes up is not believed either. */
		if (max == 0 || max > VQ_SIZE_MAX || !pv_powerof2(max)) {
			snprintf(why, sizeof(why), "queue %u: size %u is not "
			    "a power of 2 up to %u", i, max, VQ_SIZE_MAX);
			error = max == 0 ? ENXIO : EIO;
			if (max != 0)
				virtio_fail(vd, why);
			goto fail;
		}
		memset(&cfg, 0, sizeof(cfg));
		cfg.vc_index = (uint16_t)i;
		cfg.vc_size = max;
		/* Shrink to the largest power of 2 the driver asked for. */
		if (!o->vt_queue_size_fixed(vd->vd_t))
			while (info[i].vi_max_size != 0 &&
			    cfg.vc_size > info[i].vi_max_size)
				cfg.vc_size >>= 1;
		cfg.vc_event_idx = virtio_has(vd, VIRTIO_RING_F_EVENT_IDX);
		cfg.vc_indirect = virtio_has(vd, VIRTIO_RING_F_INDIRECT_DESC) &&
		    info[i].vi_max_indirect >= 2;
		cfg.vc_max_indirect = info[i].vi_max_indirect;
		cfg.vc_notify = vq_doorbell;
		cfg.vc_arg = vd;
		if ((error = virtqueue_alloc(&info[i].vi_vq, &cfg)) != 0)
			goto fail;
	}
	vd->vd_vqs = info;
	vd->vd_nvqs = nvqs;
	if ((error = o->vt_intr_setup(vd->vd_t, vd, nvqs)) != 0)
		goto fail_vqs;
	for (i = 0; i < nvqs; i++)
		if ((error = o->vt_queue_enable(vd->vd_t, (uint16_t)i,
		    info[i].vi_vq)) != 0)
			goto fail_intr;
	return (0);
fail_intr:
	/* Enabled queues are the device's until it is reset. */
	o->vt_reset(vd->vd_t);
	o->vt_intr_teardown(vd->vd_t);
fail_vqs:
	vd->vd_vqs = NULL;
	vd->vd_nvqs = 0;
fail:
	for (i = 0; i < nvqs; i++)
		if (info[i].vi_vq != NULL) {
			virtqueue_free(info[i].vi_vq);
			info[i].vi_vq = NULL;
		}
	return (error);
}

void
virtio_free_queues(struct virtio_dev *vd)
{
	unsigned i;

	if (vd->vd_vqs == NULL)
		return;
	vd->vd_ops->vt_intr_teardown(vd->vd_t);
	for (i = 0; i < vd->vd_nvqs; i++) {
		virtqueue_free(vd->vd_vqs[i].vi_vq);
		vd->vd_vqs[i].vi_vq = NULL;
	}
	vd->vd_vqs = NULL;
	vd->vd_nvqs = 0;
}

void
virtio_vq_intr(struct virtio_dev *vd, unsigned idx)
{
	struct virtio_vq_info *vi;

	if (vd->vd_vqs == NULL || idx >= vd->vd_nvqs)
		return;
	vi = &vd->vd_vqs[idx];
	vi->vi_intr(vi->vi_arg);
}

void
virtio_config_intr(struct virtio_dev *vd)
{
	if (vd->vd_config_fn != NULL)
		vd->vd_config_fn(vd->vd_config_arg);
}
