/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The reference guest's extension points: PCI drivers to attach and
 * workloads to run, each a table in its own file (guest_drivers.c,
 * guest_workloads.c).
 */
#ifndef _X86_GUEST_H_
#define _X86_GUEST_H_

#include <stddef.h>
#include <stdint.h>

struct pv_pci_dev;

/*
 * A PCI driver.  match returns true for a vendor:device it drives; attach
 * returns 0 or an errno, and a failure is reported without stopping the
 * boot.
 */
struct guest_pci_driver {
	const char	*gd_name;
	bool		(*gd_match)(uint16_t vendor, uint16_t device);
	int		(*gd_attach)(struct pv_pci_dev *dev);
};

extern const struct guest_pci_driver *const guest_pci_drivers[];
extern const size_t guest_npci_drivers;

/* Attach every driver to its devices; returns how many attached. */
unsigned	guest_attach_pci(void);

/*
 * A workload, selected with workload=NAME.  run returns 0 for PASS, or an
 * errno with a reason in why for FAIL.
 */
struct guest_workload {
	const char	*gw_name;
	const char	*gw_descr;
	int		(*gw_run)(char *why, size_t whylen);
};

extern const struct guest_workload guest_workloads[];
extern const size_t guest_nworkloads;

#define	GUEST_DEFAULT_WORKLOAD	"selftest"

/* Workloads in guest_selftest.c. */
int	guest_selftest(char *why, size_t whylen);
int	guest_fault(char *why, size_t whylen);
/* guest_pciirq.c */
int	guest_pciirq(char *why, size_t whylen);

#endif /* !_X86_GUEST_H_ */
