/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A fake PCI platform for tests: every function of <pv/pci.h> over a
 * 4096-byte config-space image (a real one captured from QEMU, or built
 * in memory), with a small model of a virtio device behind its BARs.
 *
 * The model follows QEMU's layout, which every captured image shares:
 * legacy registers at the start of I/O BAR0, and for the modern
 * interface, in BAR4, common config at 0, ISR at 0x1000, device config at
 * 0x2000 and doorbells from 0x3000.  The test scripts what the device
 * offers and how it answers, and reads back what the driver wrote.  An
 * access outside a mapped window, or of the wrong width for a register,
 * is counted in fp_bad_access.
 */
#ifndef _FAKEPCI_H_
#define _FAKEPCI_H_

#include <stdbool.h>
#include <stdint.h>

#include <atf-c.h>

#include <pv/pci.h>

#define	FAKEPCI_CFG_SIZE	4096
#define	FAKEPCI_MAXQ		8
#define	FAKEPCI_MAXIRQ		16

/* Where the model puts the modern structures (as QEMU 7.2 does). */
#define	FAKEPCI_MODERN_BAR	4
#define	FAKEPCI_COMMON		0x0000
#define	FAKEPCI_ISR		0x1000
#define	FAKEPCI_DEVCFG		0x2000
#define	FAKEPCI_NOTIFY		0x3000

struct fakevirtio_queue {
	uint16_t	fq_max;		/* test: the device's size */
	uint16_t	fq_notify_off;	/* test: queue_notify_off */
	uint16_t	fq_size;
	uint16_t	fq_vector;
	uint16_t	fq_enable;
	uint64_t	fq_desc, fq_avail, fq_used;
	uint32_t	fq_pfn;		/* legacy */
	unsigned	fq_notifies;
	uint32_t	fq_notify_at;	/* last doorbell, in the window */
};

struct fakevirtio {
	/* Set by the test. */
	uint64_t	fv_offered;
	bool		fv_refuse;	/* FEATURES_OK does not stick */
	uint16_t	fv_nqueues;
	uint16_t	fv_vectors;	/* a vector >= this reads back 0xffff */
	uint8_t		fv_devcfg[256];
	/* The device's state, read by the test. */
	uint64_t	fv_driver;	/* features the driver wrote */
	uint8_t		fv_status;
	uint8_t		fv_isr;		/* cleared when read */
	uint8_t		fv_generation;
	uint32_t	fv_dfselect;
	uint32_t	fv_gfselect;
	uint16_t	fv_qsel;
	uint16_t	fv_config_vector;
	unsigned	fv_isr_reads;
	unsigned	fv_resets;
	struct fakevirtio_queue fv_q[FAKEPCI_MAXQ];
};

struct pv_pci_dev {
	char		fp_name[32];
	uint8_t		fp_cfg[FAKEPCI_CFG_SIZE];
	uint64_t	fp_bar_size[PV_PCI_NBARS];
	struct fakevirtio fp_virtio;
	/* Interrupts: per kind, a forced error (0: none) and a limit. */
	int		fp_irq_error[3];
	unsigned	fp_irq_max[3];
	int		fp_irq_kind;	/* allocated kind, or -1 */
	unsigned	fp_nirqs;
	struct pv_intr	*fp_ih[FAKEPCI_MAXIRQ];
	char		fp_irq_trail[128]; /* "msix:3 msix:2 msi:1 " */
	/* Misuse the test asserts is absent. */
	unsigned	fp_bad_access;
	int		fp_nmaps;	/* live mappings */
	struct pv_pci_dev *fp_next;
};

/*
 * A fake device with config space from images/NAME.bin and BAR sizes
 * from images/NAME.info, found above the test's srcdir.
 */
struct pv_pci_dev *fakepci_load(const atf_tc_t *tc, const char *name);
/* One from bytes in memory; BAR sizes are then set by the test. */
struct pv_pci_dev *fakepci_new(const uint8_t *cfg, const char *name);
void	fakepci_free(struct pv_pci_dev *dev);

/* Set ISR bits, as the device does before it interrupts, and post idx. */
void	fakepci_fire(struct pv_pci_dev *dev, unsigned idx, uint8_t isr);

/* Little-endian helpers for tests that edit an image. */
void	fakepci_put(struct pv_pci_dev *dev, unsigned off, uint32_t v,
	    unsigned width);
uint32_t fakepci_get(const struct pv_pci_dev *dev, unsigned off,
	    unsigned width);

#endif /* !_FAKEPCI_H_ */
