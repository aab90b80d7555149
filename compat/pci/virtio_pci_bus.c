/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The virtio-pci bus: every virtio function the platform enumerated gets
 * the transport, and then the driver its program gave for its virtio
 * device type.  The type comes from the transport (virtio_pci_type), which
 * knows the modern and transitional id schemes; nothing here matches
 * device ids by hand.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include <pv/console.h>
#include <pv/pci.h>
#include <pvvirtio/virtio_pci.h>

struct vpbus_probe {
	const struct virtio_pci_driver	*vb_drivers;
	size_t				 vb_ndrivers;
	void				*vb_arg;
	unsigned			 vb_attached;
};

static const struct virtio_pci_driver *
vpbus_driver(const struct vpbus_probe *vb, uint16_t type)
{
	size_t i;

	for (i = 0; i < vb->vb_ndrivers; i++)
		if (vb->vb_drivers[i].vpd_type == type)
			return (&vb->vb_drivers[i]);
	return (NULL);
}

static void
vpbus_attach_one(struct pv_pci_dev *dev, uint16_t vendor, uint16_t device,
    void *arg)
{
	struct vpbus_probe *vb = arg;
	const struct virtio_pci_driver *drv;
	struct virtio_pci *vp;
	int error;

	if (!virtio_pci_match(vendor, device) ||
	    virtio_pci_attach(dev, &vp) != 0)
		return;
	/* A device nobody drives is left reset, as the transport left it. */
	if ((drv = vpbus_driver(vb, virtio_pci_type(vp))) == NULL) {
		virtio_pci_detach(vp);
		return;
	}
	if ((error = drv->vpd_attach(vp, vb->vb_arg)) != 0) {
		pv_printf("%s: %s did not attach (error %d)\n",
		    pv_pci_name(dev), drv->vpd_name, error);
		virtio_pci_detach(vp);
		return;
	}
	pv_printf("%s: %s attached\n", pv_pci_name(dev), drv->vpd_name);
	vb->vb_attached++;
}

unsigned
virtio_pci_probe(const struct virtio_pci_driver *drivers, size_t ndrivers,
    void *arg)
{
	struct vpbus_probe vb = {
		.vb_drivers = drivers,
		.vb_ndrivers = ndrivers,
		.vb_arg = arg,
	};

	pv_pci_foreach(vpbus_attach_one, &vb);
	return (vb.vb_attached);
}
