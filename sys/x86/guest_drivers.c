/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The PCI drivers linked into the guest.  The virtio-pci transport's
 * entries (virtio-blk, virtio-balloon) go here.
 */
#include <stdbool.h>

#include "x86/guest.h"

const struct guest_pci_driver *const guest_pci_drivers[] = {
	NULL,
};

const size_t guest_npci_drivers = 0;
