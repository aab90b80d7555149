/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Modern virtio-pci: the vendor capabilities that say where the common
 * config, notify, ISR and device config structures live (virtio 1.x,
 * 4.1.4).
 *
 * The first capability of each type that holds up is used, as the
 * specification asks; one that does not (a reserved BAR, a window past
 * the end of its BAR, a structure too short) is passed over, and if none
 * of a needed type is left the reason the last one failed is what the
 * error names.  The PCI config access capability is not used.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/virtio_pci.h>

#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/pci.h>

#include "virtio_pci_var.h"

#define	NTYPES	(VIRTIO_PCI_CAP_DEVICE_CFG + 1)

struct cap_type {
	const char	*ct_name;
	unsigned	 ct_cap_len;	/* the capability in config space */
	unsigned	 ct_min_len;	/* the structure it points at */
	unsigned	 ct_align;	/* of the structure's offset */
	bool		 ct_needed;
};

static const struct cap_type cap_types[NTYPES] = {
	[VIRTIO_PCI_CAP_COMMON_CFG] = { "common config",
	    sizeof(struct virtio_pci_cap),
	    sizeof(struct virtio_pci_common_cfg), 4, true },
	/* A doorbell is a 16-bit write. */
	[VIRTIO_PCI_CAP_NOTIFY_CFG] = { "notify",
	    sizeof(struct virtio_pci_notify_cap), 2, 2, true },
	[VIRTIO_PCI_CAP_ISR_CFG] = { "ISR", sizeof(struct virtio_pci_cap),
	    1, 1, true },
	/* Some device types have no config at all. */
	[VIRTIO_PCI_CAP_DEVICE_CFG] = { "device config",
	    sizeof(struct virtio_pci_cap), 0, 1, false },
};

static struct vp_window *
cap_window(struct virtio_pci *vp, unsigned type)
{
	switch (type) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		return (&vp->vp_common);
	case VIRTIO_PCI_CAP_NOTIFY_CFG:
		return (&vp->vp_notify);
	case VIRTIO_PCI_CAP_ISR_CFG:
		return (&vp->vp_isr);
	default:
		return (&vp->vp_devcfg);
	}
}

/*
 * Check the capability at off, of a type in cap_types.  0 with *reg (and
 * *multp for notify) filled in, or EINVAL with why naming the field.
 */
static int
cap_check(struct virtio_pci *vp, unsigned off, unsigned type,
    struct virtio_pci_region *reg, uint32_t *multp, char *why, size_t len)
{
	const struct cap_type *ct = &cap_types[type];
	struct pv_pci_dev *dev = vp->vp_dev;
	struct pv_pci_bar pb;
	unsigned cap_len, bar;
	uint32_t boff, blen, mult;

	cap_len = pv_pci_cfg_read(dev, off + VIRTIO_PCI_CAP_LEN, 1);
	bar = pv_pci_cfg_read(dev, off + VIRTIO_PCI_CAP_BAR, 1);
	if (cap_len < ct->ct_cap_len) {
		snprintf(why, len, "cap_len %u is below %u", cap_len,
		    ct->ct_cap_len);
		return (EINVAL);
	}
	if (off + cap_len > 0x100) {
		snprintf(why, len, "cap_len %u runs past config space",
		    cap_len);
		return (EINVAL);
	}
	boff = pv_pci_cfg_read(dev, off + VIRTIO_PCI_CAP_OFFSET, 4);
	blen = pv_pci_cfg_read(dev, off + VIRTIO_PCI_CAP_LENGTH, 4);
	if (bar >= PV_PCI_NBARS) {
		snprintf(why, len, "bar %u is reserved", bar);
		return (EINVAL);
	}
	if (pv_pci_bar_info(dev, (int)bar, &pb) != 0 || pb.pb_size == 0) {
		snprintf(why, len, "bar %u is not implemented", bar);
		return (EINVAL);
	}
	if ((uint64_t)boff + blen > pb.pb_size) {
		snprintf(why, len, "offset %#x + length %#x runs past bar %u "
		    "(size %#jx)", boff, blen, bar, (uintmax_t)pb.pb_size);
		return (EINVAL);
	}
	if (blen < ct->ct_min_len || blen == 0) {
		snprintf(why, len, "length %u is below %u", blen,
		    pv_max(ct->ct_min_len, 1u));
		return (EINVAL);
	}
	if (boff % ct->ct_align != 0) {
		snprintf(why, len, "offset %#x is not %u-byte aligned", boff,
		    ct->ct_align);
		return (EINVAL);
	}
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
		mult = pv_pci_cfg_read(dev, off + VIRTIO_PCI_NOTIFY_CAP_MULT,
		    4);
		/* 0 (one doorbell for all) or a power of 2 (4.1.4.4). */
		if (mult != 0 && !pv_powerof2(mult)) {
			snprintf(why, len, "notify_off_multiplier %u is not a "
			    "power of 2", mult);
			return (EINVAL);
		}
		*multp = mult;
	}
	reg->vr_bar = (uint8_t)bar;
	reg->vr_off = boff;
	reg->vr_len = blen;
	return (0);
}

void
vp_caps_unmap(struct virtio_pci *vp)
{
	struct vp_window *w;
	unsigned type;

	for (type = 1; type < NTYPES; type++) {
		w = cap_window(vp, type);
		if (w->vw_res != NULL)
			pv_pci_unmap(w->vw_res);
		memset(w, 0, sizeof(*w));
	}
	vp->vp_notify_mult = 0;
}

int
vp_caps_map(struct virtio_pci *vp, char *why, size_t len)
{
	struct pv_pci_dev *dev = vp->vp_dev;
	struct virtio_pci_region reg;
	struct vp_window *w;
	char skipped[NTYPES][96];
	bool found[NTYPES];
	unsigned off, type, nvndr;
	uint32_t mult;
	int error;

	memset(found, 0, sizeof(found));
	memset(skipped, 0, sizeof(skipped));
	nvndr = 0;
	for (off = pv_pci_find_cap(dev, PCI_CAP_ID_VNDR, 0); off != 0;
	    off = pv_pci_find_cap(dev, PCI_CAP_ID_VNDR, off)) {
		nvndr++;
		type = pv_pci_cfg_read(dev, off + VIRTIO_PCI_CAP_CFG_TYPE, 1);
		if (type == 0 || type >= NTYPES || found[type])
			continue;
		mult = 0;
		if (cap_check(vp, off, type, &reg, &mult, skipped[type],
		    sizeof(skipped[type])) != 0) {
			pv_log(PV_LOG_WARNING, vp->vp_name, "%s capability at "
			    "%#x passed over: %s", cap_types[type].ct_name,
			    off, skipped[type]);
			continue;
		}
		found[type] = true;
		cap_window(vp, type)->vw_reg = reg;
		if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
			vp->vp_notify_mult = mult;
	}
	if (nvndr == 0) {
		snprintf(why, len, "no virtio capabilities");
		return (ENOENT);
	}
	for (type = 1; type < NTYPES; type++) {
		if (found[type] || !cap_types[type].ct_needed)
			continue;
		snprintf(why, len, "no usable %s capability%s%s",
		    cap_types[type].ct_name, skipped[type][0] != '\0' ?
		    ": " : "", skipped[type]);
		/* Leave nothing modern behind for a legacy fallback. */
		vp_caps_unmap(vp);
		return (ENXIO);
	}
	for (type = 1; type < NTYPES; type++) {
		if (!found[type])
			continue;
		w = cap_window(vp, type);
		error = pv_pci_map(dev, w->vw_reg.vr_bar, w->vw_reg.vr_off,
		    w->vw_reg.vr_len, &w->vw_res);
		if (error != 0) {
			w->vw_res = NULL;
			snprintf(why, len, "%s capability: cannot map bar %u "
			    "offset %#x length %#x (error %d)",
			    cap_types[type].ct_name, w->vw_reg.vr_bar,
			    w->vw_reg.vr_off, w->vw_reg.vr_len, error);
			vp_caps_unmap(vp);
			return (ENXIO);
		}
	}
	return (0);
}
