/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * What the shared kernel code needs from a platform (sys/hosted, sys/x86),
 * beyond the driver-facing services the platform implements directly
 * (mutex, sleep, threads, time).  Drivers never include this header.
 */
#ifndef _KERN_MD_H_
#define _KERN_MD_H_

#include <stdbool.h>
#include <stddef.h>

#include <pv/mem.h>

/* Console output of already formatted text. */
void	 md_cnputs(const char *s, size_t len);
/* Stop the machine after a panic message has been printed. */
void	 md_halt(void) __attribute__((noreturn));
/* The platform's private heap; NULL on exhaustion. */
void	*md_malloc(size_t size);
void	 md_free(void *p);

/* Hand a range of guest RAM, mapped at va, to the page allocator. */
int	 pv_physmem_add(void *va, pv_pfn_t pfn, size_t npages);
/*
 * Make frames outside RAM (a hypervisor's special pages) translatable by
 * pv_phystov/pv_vtophys without ever allocating them.
 */
int	 pv_physmem_add_reserved(void *va, pv_pfn_t pfn, size_t npages);
void	 pv_malloc_stats(struct pv_memstats *ms);

/*
 * Have fn(arg) called in ih's interrupt thread each time its handler
 * returns; a platform unmasks a level-triggered line there.
 */
struct pv_intr;
void	 pv_intr_set_done(struct pv_intr *ih, void (*fn)(void *), void *arg);

/* For a platform's pv_pci_map: decode the BAR's kind (kern_pci.c). */
struct pv_pci_dev;
void	 pv_pci_enable_decode(struct pv_pci_dev *dev, bool io);

/*
 * Bring the shared services up once the platform's primitives work, and
 * take them down again (a hosted process does this between test runs).
 */
int	 pv_kern_init(const char *tunables);
void	 pv_kern_fini(void);

/* Per-service set-up, called in order by pv_kern_init. */
void	 pv_physmem_init(void);
void	 pv_physmem_fini(void);
void	 pv_cons_init(void);
void	 pv_cons_fini(void);
void	 pv_ctl_init(void);
void	 pv_ctl_fini(void);
void	 pv_dma_init(void);
int	 pv_callout_sys_init(void);
void	 pv_callout_sys_fini(void);

#endif /* !_KERN_MD_H_ */
