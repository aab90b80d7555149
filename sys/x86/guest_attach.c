/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Driver attachment: each PCI function goes to the first driver in
 * guest_pci_drivers[] that matches it.
 */
#include <stdbool.h>

#include <pv/console.h>
#include <pv/pci.h>

#include "x86/guest.h"

struct attach_state {
	unsigned	as_attached;
};

static void
attach_one(struct pv_pci_dev *dev, uint16_t vendor, uint16_t device,
    void *arg)
{
	struct attach_state *as = arg;
	const struct guest_pci_driver *gd;
	size_t i;
	int error;

	for (i = 0; i < guest_npci_drivers; i++) {
		gd = guest_pci_drivers[i];
		if (gd == NULL || !gd->gd_match(vendor, device))
			continue;
		if ((error = gd->gd_attach(dev)) != 0) {
			pv_printf("%s: %s did not attach (error %d)\n",
			    pv_pci_name(dev), gd->gd_name, error);
			continue;
		}
		pv_printf("%s: %s attached\n", pv_pci_name(dev), gd->gd_name);
		as->as_attached++;
		return;
	}
}

unsigned
guest_attach_pci(void)
{
	struct attach_state as = { 0 };

	pv_pci_foreach(attach_one, &as);
	return (as.as_attached);
}
