/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * PCI code shared by every platform on top of its config access: the
 * command register's enables, and capability walking.
 *
 * The list lives in config space, which the device writes, so each call
 * checks the whole list before answering: a pointer into the header or
 * one that comes back to an entry already seen makes the list unusable,
 * and the walk says so and finds nothing.  Checking the whole list, not
 * only the part before the match, is what stops a caller that iterates
 * with 'after' from cycling forever around a loop.  (A masked 8-bit
 * pointer cannot leave config space; a capability's body can, and its
 * reader checks that against the capability's own length.)
 */
#include <stdbool.h>
#include <stdint.h>

#include <linux/pci_regs.h>

#include <pv/console.h>
#include <pv/pci.h>

#include "kern/md.h"

/* Capabilities sit on dword boundaries between the header and 0x100. */
#define	CAP_FIRST	0x40
#define	CAP_END		0x100
#define	CAP_SLOTS	((CAP_END - CAP_FIRST) / 4)

unsigned
pv_pci_find_cap(struct pv_pci_dev *dev, uint8_t id, unsigned after)
{
	uint64_t seen;
	unsigned ptr, from, found, steps;
	bool passed;

	if ((pv_pci_cfg_read(dev, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST) == 0)
		return (0);
	from = PCI_CAPABILITY_LIST;
	/* The low two bits of a pointer are reserved; software masks them. */
	ptr = pv_pci_cfg_read(dev, from, 1) & ~3u;
	seen = 0;
	found = 0;
	passed = after == 0;
	for (steps = 0; ptr != 0; steps++) {
		if (ptr < CAP_FIRST) {
			pv_log(PV_LOG_ERR, pv_pci_name(dev), "capability "
			    "pointer %#x at %#x points into the header", ptr,
			    from);
			return (0);
		}
		/* A slot already seen: the list loops.  Also bounds steps. */
		if ((seen & (1ull << ((ptr - CAP_FIRST) / 4))) != 0 ||
		    steps >= CAP_SLOTS) {
			pv_log(PV_LOG_ERR, pv_pci_name(dev), "capability "
			    "list loops back to %#x at %#x", ptr, from);
			return (0);
		}
		seen |= 1ull << ((ptr - CAP_FIRST) / 4);
		if (found == 0 && passed &&
		    pv_pci_cfg_read(dev, ptr, 1) == id)
			found = ptr;
		if (ptr == after)
			passed = true;
		from = ptr + 1;
		ptr = pv_pci_cfg_read(dev, from, 1) & ~3u;
	}
	return (found);
}

static void
command_set(struct pv_pci_dev *dev, uint16_t bits)
{
	uint16_t cmd = (uint16_t)pv_pci_cfg_read(dev, PCI_COMMAND, 2);

	pv_pci_cfg_write(dev, PCI_COMMAND, cmd | bits, 2);
}

void
pv_pci_enable_busmaster(struct pv_pci_dev *dev)
{
	command_set(dev, PCI_COMMAND_MASTER);
}

void
pv_pci_enable_decode(struct pv_pci_dev *dev, bool io)
{
	command_set(dev, io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY);
}
