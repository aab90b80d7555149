/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * virtio-pci: recognise the device, choose between the modern and the
 * legacy register layouts, and hand the driver a struct virtio_dev.
 *
 * The layouts live in virtio_pci_modern.c (with the capability parsing
 * in virtio_pci_caps.c) and virtio_pci_legacy.c; interrupts, the same for
 * both, in virtio_pci_intr.c.
 */
#include <errno.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/virtio_ids.h>

#include <pv/atomic.h>
#include <pv/console.h>
#include <pv/mem.h>
#include <pv/pci.h>
#include <pv/sysctl.h>
#include <pvvirtio/virtio_pci.h>

#include "virtio_pci_var.h"

/* Device ids (4.1.2): transitional first, then modern as 0x1040 + type. */
#define	VP_ID_TRANS_FIRST	0x1000
#define	VP_ID_TRANS_LAST	0x103f
#define	VP_ID_MODERN_FIRST	0x1040
#define	VP_ID_MODERN_LAST	0x107f

struct vp_tunables vp_tunables;

static const struct pv_tunable vp_tunable_list[] = {
	{ "force_legacy", &vp_tunables.tu_force_legacy, 0, 0, 1,
	    "drive transitional devices through the legacy interface" },
	{ "disable_msix", &vp_tunables.tu_disable_msix, 0, 0, 1,
	    "do not use MSI-X" },
	{ "disable_msi", &vp_tunables.tu_disable_msi, 0, 0, 1,
	    "do not use MSI" },
};
PV_TUNABLES(vp_tunables_reg, "hw.virtio_pci", vp_tunable_list);

bool
virtio_pci_match(uint16_t vendor, uint16_t device)
{
	return (vendor == VIRTIO_PCI_VENDOR && device >= VP_ID_TRANS_FIRST &&
	    device <= VP_ID_MODERN_LAST);
}

/* Try the modern layout, then, where the device has one, the legacy. */
static int
vp_choose(struct virtio_pci *vp)
{
	char why[160], lwhy[160];
	bool transitional;
	int error;

	transitional = vp->vp_device <= VP_ID_TRANS_LAST;
	if (!transitional || !vp_tunables.tu_force_legacy) {
		error = vp_modern_attach(vp, why, sizeof(why));
		if (error == 0)
			return (0);
		if (!transitional) {
			pv_log(PV_LOG_ERR, vp->vp_name, "not attached: %s",
			    why);
			return (ENXIO);
		}
		/* Silence for a device that simply predates 1.0. */
		if (error != ENOENT)
			pv_log(PV_LOG_WARNING, vp->vp_name, "modern interface "
			    "unusable (%s); trying legacy", why);
	}
	if (vp_legacy_attach(vp, lwhy, sizeof(lwhy)) != 0) {
		pv_log(PV_LOG_ERR, vp->vp_name, "not attached: %s", lwhy);
		return (ENXIO);
	}
	return (0);
}

/* Interrupts are named for counters: no ':' or '.' in the names. */
static unsigned	vp_units;

int
virtio_pci_attach(struct pv_pci_dev *dev, struct virtio_pci **vpp)
{
	struct virtio_pci *vp;
	uint16_t vendor, device, type;

	vendor = (uint16_t)pv_pci_cfg_read(dev, PCI_VENDOR_ID, 2);
	device = (uint16_t)pv_pci_cfg_read(dev, PCI_DEVICE_ID, 2);
	if (!virtio_pci_match(vendor, device))
		return (ENXIO);
	/* A transitional device's type is its subsystem id. */
	if (device >= VP_ID_MODERN_FIRST)
		type = device - VP_ID_MODERN_FIRST;
	else
		type = (uint16_t)pv_pci_cfg_read(dev, PCI_SUBSYSTEM_ID, 2);
	if (type == 0) {
		pv_log(PV_LOG_ERR, pv_pci_name(dev), "virtio device type 0 "
		    "is reserved; not attached");
		return (ENXIO);
	}
	pv_ctl_tunables(&vp_tunables_reg);

	vp = pv_malloc(sizeof(*vp), PV_M_ZERO);
	vp->vp_unit = vp_units++;
	vp->vp_dev = dev;
	vp->vp_name = pv_pci_name(dev);
	vp->vp_device = device;
	vp->vp_type = type;
	if (vp_choose(vp) != 0) {
		pv_free(vp);
		return (ENXIO);
	}
	pv_pci_enable_busmaster(dev);
	vp->vp_vd.vd_ops = vp->vp_layout->ly_ops;
	vp->vp_vd.vd_t = vp;
	vp->vp_vd.vd_name = vp->vp_name;
	pv_log(PV_LOG_INFO, vp->vp_name, "virtio-pci %04x:%04x, type %u, %s "
	    "interface", vendor, device, type, vp->vp_layout ==
	    &vp_modern_layout ? "modern" : "legacy");
	*vpp = vp;
	return (0);
}

void
virtio_pci_detach(struct virtio_pci *vp)
{
	/* In case the driver did not: the device must stop first. */
	vp->vp_layout->ly_ops->vt_reset(vp);
	vp_intr_teardown(vp);
	if (vp->vp_layout == &vp_modern_layout)
		vp_modern_detach(vp);
	else
		vp_legacy_detach(vp);
	pv_free(vp);
}

struct virtio_dev *
virtio_pci_dev(struct virtio_pci *vp)
{
	return (&vp->vp_vd);
}

uint16_t
virtio_pci_type(const struct virtio_pci *vp)
{
	return (vp->vp_type);
}

void
virtio_pci_info(const struct virtio_pci *vp, struct virtio_pci_info *vpi)
{
	unsigned i;

	memset(vpi, 0, sizeof(*vpi));
	vpi->vpi_device = vp->vp_device;
	vpi->vpi_type = vp->vp_type;
	vpi->vpi_modern = vp->vp_layout == &vp_modern_layout;
	vpi->vpi_intr = vp->vp_intr;
	vpi->vpi_nvectors = vp->vp_nvecs;
	vpi->vpi_features = vp->vp_vd.vd_features;
	for (i = 0; i < vp->vp_nvecs; i++)
		vpi->vpi_intrs += pv_intr_count(vp->vp_vecs[i].vv_ih);
	vpi->vpi_config_changes = pv_load_relaxed(&vp->vp_config_changes);
	vpi->vpi_common = vp->vp_common.vw_reg;
	vpi->vpi_notify = vp->vp_notify.vw_reg;
	vpi->vpi_isr = vp->vp_isr.vw_reg;
	vpi->vpi_device_cfg = vp->vp_devcfg.vw_reg;
	vpi->vpi_notify_mult = vp->vp_notify_mult;
	vpi->vpi_legacy_size = vp->vp_io_size;
}

const char *
virtio_pci_intr_name(enum virtio_pci_intr intr)
{
	switch (intr) {
	case VIRTIO_PCI_INTR_MSIX:
		return ("MSI-X");
	case VIRTIO_PCI_INTR_MSIX_SHARED:
		return ("MSI-X shared");
	case VIRTIO_PCI_INTR_MSI:
		return ("MSI");
	case VIRTIO_PCI_INTR_INTX:
		return ("INTx");
	default:
		return ("none");
	}
}

/* The widest access, up to 4, that a is aligned to and len allows. */
static unsigned
win_width(uint64_t a, unsigned len)
{
	if (len >= 4 && (a & 3) == 0)
		return (4);
	if (len >= 2 && (a & 1) == 0)
		return (2);
	return (1);
}

/*
 * Copy device config out of a register window at base + off, a field at
 * a time where the width allows: devices expect naturally sized accesses
 * to their config fields (4.1.3.1).  Bytes come out little-endian.
 */
void
vp_read_window(struct pv_pci_res *res, uint64_t base, unsigned off,
    void *buf, unsigned len)
{
	uint8_t *p = buf;
	uint64_t a;
	uint32_t v;
	unsigned w, i;

	while (len > 0) {
		a = base + off;
		w = win_width(a, len);
		v = w == 4 ? pv_bus_read_4(res, a) : w == 2 ?
		    pv_bus_read_2(res, a) : pv_bus_read_1(res, a);
		for (i = 0; i < w; i++)
			p[i] = (uint8_t)(v >> (8 * i));
		p += w;
		off += w;
		len -= w;
	}
}

/* The same, the other way: little-endian bytes out, natural widths. */
void
vp_write_window(struct pv_pci_res *res, uint64_t base, unsigned off,
    const void *buf, unsigned len)
{
	const uint8_t *p = buf;
	uint64_t a;
	uint32_t v;
	unsigned w, i;

	while (len > 0) {
		a = base + off;
		w = win_width(a, len);
		for (i = 0, v = 0; i < w; i++)
			v |= (uint32_t)p[i] << (8 * i);
		if (w == 4)
			pv_bus_write_4(res, a, v);
		else if (w == 2)
			pv_bus_write_2(res, a, (uint16_t)v);
		else
			pv_bus_write_1(res, a, (uint8_t)v);
		p += w;
		off += w;
		len -= w;
	}
}
