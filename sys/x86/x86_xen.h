/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The guest's Xen platform (x86_xen.c, x86_xencons.c): what the rest of
 * sys/x86 needs beyond xenpv/hypervisor.h.
 */
#ifndef _X86_XEN_H_
#define _X86_XEN_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x86_var.h"

struct pv_intr;

/*
 * Find Xen and install the hypercall page; false when not on Xen.  How
 * the kernel was entered says what Xen built: the PVH note for a PVH
 * domain, Multiboot (from GRUB or setup.S, under a BIOS) for HVM.
 */
bool	xen_early_init(bool multiboot);
bool	xen_present(void);
bool	xen_pvh(void);
bool	xen_hvm(void);
uint32_t xen_version(void);		/* major << 16 | minor */
long	HYPERVISOR_sched_op(int cmd, void *arg);
int	xen_hvm_param(unsigned idx, uint64_t *valp);
/* SHUTDOWN_poweroff, SHUTDOWN_crash, ... */
void	xen_shutdown(unsigned reason);

/* x86_xenhvm.c: an HVM domain unplugs QEMU's emulated disks and NICs. */
int	xen_hvm_unplug(void);
/* Events through the platform device's INTx instead of a vector. */
int	xen_hvm_intx_establish(struct pv_intr *ih, x86_vec_fn *fn,
	    uint64_t *viap);
void	xen_hvm_intx_disestablish(void);

/* shared_info over a page of RAM; after the page allocator is up. */
int	xen_shared_info_init(void);

/* Consoles: the hypervisor's (xl dmesg), then the PV ring (xenconsoled). */
void	xen_console_io_write(const char *s, size_t len);
void	xencons_init(void);
bool	xencons_write(const char *s, size_t len);

#endif /* !_X86_XEN_H_ */
