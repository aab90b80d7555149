/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * virtio-pci interrupts: a ladder from the best routing to the one that
 * always works.
 *
 *   1. MSI-X, nvqs + 1 vectors: config on 0, queue i on i + 1.
 *   2. MSI-X, 2 vectors: config on 0, every queue on 1.
 *   3. MSI, 1 vector: the handler reads the ISR to tell config from queue.
 *   4. INTx: the same handler; reading the ISR also acknowledges the line.
 *
 * A rung is left when the platform has no such interrupts or too few,
 * or when the device reads back VIRTIO_MSI_NO_VECTOR for a vector it was
 * given: it had no room to map it (4.1.5.1.2.1).  Queue vectors are
 * programmed here, before any queue is enabled, as the device expects.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_pci.h>

#include <pv/atomic.h>
#include <pv/console.h>
#include <pv/mem.h>
#include <pv/pci.h>
#include <pvvirtio/virtio.h>

#include "virtio_pci_var.h"

static void
vp_config_changed(struct virtio_pci *vp)
{
	pv_fetch_add(&vp->vp_config_changes, 1);
	virtio_config_intr(vp->vp_intr_vd);
}

static void
vp_all_queues(struct virtio_pci *vp)
{
	unsigned i;

	for (i = 0; i < vp->vp_nqueues; i++)
		virtio_vq_intr(vp->vp_intr_vd, i);
}

static void
vp_vec_intr(void *arg)
{
	struct vp_vec *vv = arg;
	struct virtio_pci *vp = vv->vv_vp;
	uint8_t isr;

	switch (vv->vv_kind) {
	case VV_CONFIG:
		vp_config_changed(vp);
		break;
	case VV_QUEUE:
		virtio_vq_intr(vp->vp_intr_vd, vv->vv_queue);
		break;
	case VV_QUEUES:
		vp_all_queues(vp);
		break;
	case VV_ISR:
		/* Read once: the read clears it and lowers INTx. */
		isr = vp->vp_layout->ly_read_isr(vp);
		if ((isr & VIRTIO_PCI_ISR_CONFIG) != 0)
			vp_config_changed(vp);
		if ((isr & 1) != 0)
			vp_all_queues(vp);
		break;
	}
}

/* Give back whatever a rung took, leaving no vector programmed. */
static void
vecs_release(struct virtio_pci *vp, bool programmed)
{
	const struct vp_layout *ly = vp->vp_layout;
	unsigned i;

	/* Legacy vector registers exist only while MSI-X is on. */
	if (programmed) {
		(void)ly->ly_config_vector(vp, VIRTIO_MSI_NO_VECTOR);
		for (i = 0; i < vp->vp_nqueues; i++)
			(void)ly->ly_queue_vector(vp, (uint16_t)i,
			    VIRTIO_MSI_NO_VECTOR);
	}
	pv_pci_release_irqs(vp->vp_dev);
	vp->vp_msix_on = false;
	for (i = 0; i < vp->vp_nvecs; i++)
		if (vp->vp_vecs[i].vv_ih != NULL)
			pv_intr_disestablish(vp->vp_vecs[i].vv_ih);
	pv_free(vp->vp_vecs);
	vp->vp_vecs = NULL;
	vp->vp_nvecs = 0;
	vp->vp_intr = VIRTIO_PCI_INTR_NONE;
}

/* Make n handlers and route platform interrupt i to the i-th. */
static int
vecs_establish(struct virtio_pci *vp, unsigned n, enum virtio_pci_intr intr)
{
	struct vp_vec *vv;
	char name[40];
	unsigned i;
	int error;

	vp->vp_vecs = pv_malloc(n * sizeof(*vp->vp_vecs), PV_M_ZERO);
	vp->vp_nvecs = n;
	for (i = 0; i < n; i++) {
		vv = &vp->vp_vecs[i];
		vv->vv_vp = vp;
		if (intr == VIRTIO_PCI_INTR_MSI || intr == VIRTIO_PCI_INTR_INTX)
			vv->vv_kind = VV_ISR;
		else if (i == 0)
			vv->vv_kind = VV_CONFIG;
		else if (intr == VIRTIO_PCI_INTR_MSIX_SHARED)
			vv->vv_kind = VV_QUEUES;
		else {
			vv->vv_kind = VV_QUEUE;
			vv->vv_queue = i - 1;
		}
		snprintf(name, sizeof(name), "virtio_pci%u_v%u", vp->vp_unit,
		    i);
		error = pv_intr_establish(&vv->vv_ih, name, vp_vec_intr, vv);
		if (error != 0) {
			vv->vv_ih = NULL;
			return (error);
		}
		if ((error = pv_pci_setup_irq(vp->vp_dev, i, vv->vv_ih)) != 0)
			return (error);
	}
	vp->vp_intr = intr;
	return (0);
}

static int
try_msix(struct virtio_pci *vp, unsigned n, enum virtio_pci_intr intr)
{
	const struct vp_layout *ly = vp->vp_layout;
	unsigned count, q;
	uint16_t want, got;
	int error;

	count = n;
	error = pv_pci_alloc_irqs(vp->vp_dev, PV_PCI_IRQ_MSIX, &count);
	if (error != 0)
		return (error);
	vp->vp_msix_on = true;
	if (count < n) {
		vecs_release(vp, false);
		return (ENOSPC);
	}
	if ((error = vecs_establish(vp, n, intr)) != 0) {
		vecs_release(vp, false);
		return (error);
	}
	if ((got = ly->ly_config_vector(vp, 0)) != 0) {
		pv_log(PV_LOG_NOTICE, vp->vp_name, "%s: config vector 0 read "
		    "back as %#x", virtio_pci_intr_name(intr), got);
		goto refused;
	}
	for (q = 0; q < vp->vp_nqueues; q++) {
		want = intr == VIRTIO_PCI_INTR_MSIX ? (uint16_t)(q + 1) : 1;
		if ((got = ly->ly_queue_vector(vp, (uint16_t)q, want)) !=
		    want) {
			pv_log(PV_LOG_NOTICE, vp->vp_name, "%s: queue %u "
			    "vector %u read back as %#x",
			    virtio_pci_intr_name(intr), q, want, got);
			goto refused;
		}
	}
	return (0);
refused:
	vecs_release(vp, true);
	return (ENOSPC);
}

static int
try_single(struct virtio_pci *vp, enum pv_pci_irq_kind kind,
    enum virtio_pci_intr intr)
{
	unsigned count;
	int error;

	count = 1;
	error = pv_pci_alloc_irqs(vp->vp_dev, kind, &count);
	if (error != 0)
		return (error);
	if (count < 1) {
		vecs_release(vp, false);
		return (ENOSPC);
	}
	if ((error = vecs_establish(vp, 1, intr)) != 0) {
		vecs_release(vp, false);
		return (error);
	}
	return (0);
}

int
vp_intr_setup(void *t, struct virtio_dev *vd, unsigned nvqs)
{
	struct virtio_pci *vp = t;
	int error;

	if (nvqs == 0 || nvqs >= VIRTIO_MSI_NO_VECTOR)
		return (EINVAL);
	if (vp->vp_queues != NULL)
		return (EBUSY);		/* set up already */
	vp->vp_queues = pv_malloc(nvqs * sizeof(*vp->vp_queues), PV_M_ZERO);
	vp->vp_nqueues = nvqs;
	vp->vp_intr_vd = vd;
	error = ENXIO;
	if (!vp_tunables.tu_disable_msix) {
		error = try_msix(vp, nvqs + 1, VIRTIO_PCI_INTR_MSIX);
		/*
		 * With one queue, the shared rung is the same routing; with
		 * no MSI-X at all (ENXIO), there is nothing to share.
		 */
		if (error != 0 && error != ENXIO && nvqs > 1)
			error = try_msix(vp, 2, VIRTIO_PCI_INTR_MSIX_SHARED);
	}
	if (error != 0 && !vp_tunables.tu_disable_msi)
		error = try_single(vp, PV_PCI_IRQ_MSI, VIRTIO_PCI_INTR_MSI);
	if (error != 0)
		error = try_single(vp, PV_PCI_IRQ_INTX, VIRTIO_PCI_INTR_INTX);
	if (error != 0) {
		pv_log(PV_LOG_ERR, vp->vp_name, "no interrupt could be set up "
		    "(error %d)", error);
		pv_free(vp->vp_queues);
		vp->vp_queues = NULL;
		vp->vp_nqueues = 0;
		return (error);
	}
	pv_log(PV_LOG_INFO, vp->vp_name, "interrupts: %s, %u vector%s for %u "
	    "queue%s", virtio_pci_intr_name(vp->vp_intr), vp->vp_nvecs,
	    vp->vp_nvecs == 1 ? "" : "s", nvqs, nvqs == 1 ? "" : "s");
	return (0);
}

void
vp_intr_teardown(void *t)
{
	struct virtio_pci *vp = t;

	if (vp->vp_queues == NULL)
		return;
	vecs_release(vp, false);
	pv_free(vp->vp_queues);
	vp->vp_queues = NULL;
	vp->vp_nqueues = 0;
	vp->vp_intr_vd = NULL;
}
