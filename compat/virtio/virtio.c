/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The virtio device core: initialisation (virtio 1.x, 3.1.1) and
 * consistent config reads (2.5.1), for every transport.
 */
#include <errno.h>
#include <stdio.h>

#include <linux/virtio_config.h>

#include <pv/console.h>
#include <pvvirtio/virtio.h>

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
