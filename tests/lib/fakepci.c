/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The fake PCI platform (see fakepci.h): config space from an image,
 * BARs decoded from it, interrupts handed out by a script, and a virtio
 * device model behind the BARs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include <pv/atomic.h>
#include <pv/intr.h>
#include <pv/pci.h>

#include "kern/md.h"

#include "lib/fakepci.h"
#include "lib/pvtest.h"

struct pv_pci_res {
	struct pv_pci_dev *fr_dev;
	int		 fr_bar;
	uint64_t	 fr_off;
	uint64_t	 fr_len;
};

static struct pv_pci_dev *fake_devs;

/* Config space ---------------------------------------------------------- */

uint32_t
fakepci_get(const struct pv_pci_dev *dev, unsigned off, unsigned width)
{
	uint32_t v = 0;
	unsigned i;

	for (i = 0; i < width && off + i < FAKEPCI_CFG_SIZE; i++)
		v |= (uint32_t)dev->fp_cfg[off + i] << (8 * i);
	return (v);
}

void
fakepci_put(struct pv_pci_dev *dev, unsigned off, uint32_t v, unsigned width)
{
	unsigned i;

	for (i = 0; i < width && off + i < FAKEPCI_CFG_SIZE; i++)
		dev->fp_cfg[off + i] = (uint8_t)(v >> (8 * i));
}

uint32_t
pv_pci_cfg_read(struct pv_pci_dev *dev, unsigned off, unsigned width)
{
	if ((width != 1 && width != 2 && width != 4) || off % width != 0 ||
	    off + width > FAKEPCI_CFG_SIZE) {
		dev->fp_bad_access++;
		return (0xffffffffu);
	}
	return (fakepci_get(dev, off, width));
}

void
pv_pci_cfg_write(struct pv_pci_dev *dev, unsigned off, uint32_t val,
    unsigned width)
{
	if ((width != 1 && width != 2 && width != 4) || off % width != 0 ||
	    off + width > FAKEPCI_CFG_SIZE) {
		dev->fp_bad_access++;
		return;
	}
	fakepci_put(dev, off, val, width);
}

const char *
pv_pci_name(const struct pv_pci_dev *dev)
{
	return (dev->fp_name);
}

/* BARs ------------------------------------------------------------------ */

int
pv_pci_bar_info(struct pv_pci_dev *dev, int bar, struct pv_pci_bar *pb)
{
	uint32_t lo;

	memset(pb, 0, sizeof(*pb));
	if (bar < 0 || bar >= PV_PCI_NBARS || dev->fp_bar_size[bar] == 0)
		return (ENOENT);
	lo = fakepci_get(dev, PCI_BASE_ADDRESS_0 + 4 * bar, 4);
	pb->pb_io = (lo & PCI_BASE_ADDRESS_SPACE_IO) != 0;
	if (pb->pb_io) {
		pb->pb_base = lo & PCI_BASE_ADDRESS_IO_MASK;
	} else {
		pb->pb_base = lo & PCI_BASE_ADDRESS_MEM_MASK;
		pb->pb_prefetch = (lo & PCI_BASE_ADDRESS_MEM_PREFETCH) != 0;
		pb->pb_64 = (lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
		    PCI_BASE_ADDRESS_MEM_TYPE_64;
		if (pb->pb_64 && bar + 1 < PV_PCI_NBARS)
			pb->pb_base |= (uint64_t)fakepci_get(dev,
			    PCI_BASE_ADDRESS_0 + 4 * (bar + 1), 4) << 32;
	}
	pb->pb_size = dev->fp_bar_size[bar];
	if (pb->pb_base == 0)
		return (ENOENT);
	return (0);
}

int
pv_pci_map(struct pv_pci_dev *dev, int bar, uint64_t off, uint64_t len,
    struct pv_pci_res **resp)
{
	struct pv_pci_bar pb;
	struct pv_pci_res *res;

	if (pv_pci_bar_info(dev, bar, &pb) != 0)
		return (ENOENT);
	if (off > pb.pb_size || len > pb.pb_size - off)
		return (EINVAL);
	res = calloc(1, sizeof(*res));
	ATF_REQUIRE(res != NULL);
	res->fr_dev = dev;
	res->fr_bar = bar;
	res->fr_off = off;
	res->fr_len = len;
	pv_pci_enable_decode(dev, pb.pb_io);
	dev->fp_nmaps++;
	*resp = res;
	return (0);
}

void
pv_pci_unmap(struct pv_pci_res *res)
{
	res->fr_dev->fp_nmaps--;
	free(res);
}


/* The virtio model ------------------------------------------------------ */

static bool
msix_on(const struct pv_pci_dev *dev)
{
	return (dev->fp_irq_kind == PV_PCI_IRQ_MSIX);
}

static void
fv_reset(struct fakevirtio *fv)
{
	unsigned i;

	fv->fv_status = 0;
	fv->fv_driver = 0;
	fv->fv_isr = 0;
	fv->fv_config_vector = VIRTIO_MSI_NO_VECTOR;
	fv->fv_resets++;
	for (i = 0; i < FAKEPCI_MAXQ; i++) {
		fv->fv_q[i].fq_size = fv->fv_q[i].fq_max;
		fv->fv_q[i].fq_vector = VIRTIO_MSI_NO_VECTOR;
		fv->fv_q[i].fq_enable = 0;
		fv->fv_q[i].fq_desc = fv->fv_q[i].fq_avail = 0;
		fv->fv_q[i].fq_used = 0;
		fv->fv_q[i].fq_pfn = 0;
	}
}

static void
fv_set_status(struct fakevirtio *fv, uint8_t s)
{
	if (s == 0) {
		fv_reset(fv);
		return;
	}
	/* Features beyond the offer, or a refusing device, lose the bit. */
	if ((s & VIRTIO_CONFIG_S_FEATURES_OK) != 0 &&
	    (fv->fv_refuse || (fv->fv_driver & ~fv->fv_offered) != 0))
		s &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
	fv->fv_status = s;
}

/* What a device keeps for a vector it was given (QEMU's rule). */
static uint16_t
fv_vector(const struct fakevirtio *fv, uint32_t v)
{
	return (v < fv->fv_vectors ? (uint16_t)v : VIRTIO_MSI_NO_VECTOR);
}

static struct fakevirtio_queue *
fv_sel(struct fakevirtio *fv)
{
	if (fv->fv_qsel >= fv->fv_nqueues || fv->fv_qsel >= FAKEPCI_MAXQ)
		return (NULL);
	return (&fv->fv_q[fv->fv_qsel]);
}

static uint8_t
fv_read_isr(struct fakevirtio *fv)
{
	pv_fetch_add(&fv->fv_isr_reads, 1);
	return (pv_xchg(&fv->fv_isr, 0));
}

static uint32_t
fv_devcfg_read(struct fakevirtio *fv, uint64_t off, unsigned width)
{
	uint32_t v = 0;
	unsigned i;

	for (i = 0; i < width; i++)
		if (off + i < sizeof(fv->fv_devcfg))
			v |= (uint32_t)fv->fv_devcfg[off + i] << (8 * i);
	return (v);
}

/* Register widths of the modern common config, by offset. */
static unsigned
common_width(uint64_t off)
{
	if (off < VIRTIO_PCI_COMMON_MSIX)
		return (off % 4 == 0 ? 4 : 0);
	if (off == VIRTIO_PCI_COMMON_STATUS ||
	    off == VIRTIO_PCI_COMMON_CFGGENERATION)
		return (1);
	if (off < VIRTIO_PCI_COMMON_Q_DESCLO)
		return (off % 2 == 0 ? 2 : 0);
	if (off < sizeof(struct virtio_pci_common_cfg))
		return (off % 4 == 0 ? 4 : 0);
	return (0);
}

static uint32_t
common_read(struct pv_pci_dev *dev, uint64_t off)
{
	struct fakevirtio *fv = &dev->fp_virtio;
	struct fakevirtio_queue *q = fv_sel(fv);

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		return (fv->fv_dfselect);
	case VIRTIO_PCI_COMMON_DF:
		return (fv->fv_dfselect > 1 ? 0 :
		    (uint32_t)(fv->fv_offered >> (32 * fv->fv_dfselect)));
	case VIRTIO_PCI_COMMON_GFSELECT:
		return (fv->fv_gfselect);
	case VIRTIO_PCI_COMMON_GF:
		return (fv->fv_gfselect > 1 ? 0 :
		    (uint32_t)(fv->fv_driver >> (32 * fv->fv_gfselect)));
	case VIRTIO_PCI_COMMON_MSIX:
		return (fv->fv_config_vector);
	case VIRTIO_PCI_COMMON_NUMQ:
		return (fv->fv_nqueues);
	case VIRTIO_PCI_COMMON_STATUS:
		return (fv->fv_status);
	case VIRTIO_PCI_COMMON_CFGGENERATION:
		return (fv->fv_generation);
	case VIRTIO_PCI_COMMON_Q_SELECT:
		return (fv->fv_qsel);
	}
	if (q == NULL)
		return (0);
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		return (q->fq_size);
	case VIRTIO_PCI_COMMON_Q_MSIX:
		return (q->fq_vector);
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		return (q->fq_enable);
	case VIRTIO_PCI_COMMON_Q_NOFF:
		return (q->fq_notify_off);
	case VIRTIO_PCI_COMMON_Q_DESCLO:
		return ((uint32_t)q->fq_desc);
	case VIRTIO_PCI_COMMON_Q_DESCHI:
		return ((uint32_t)(q->fq_desc >> 32));
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
		return ((uint32_t)q->fq_avail);
	case VIRTIO_PCI_COMMON_Q_AVAILHI:
		return ((uint32_t)(q->fq_avail >> 32));
	case VIRTIO_PCI_COMMON_Q_USEDLO:
		return ((uint32_t)q->fq_used);
	case VIRTIO_PCI_COMMON_Q_USEDHI:
		return ((uint32_t)(q->fq_used >> 32));
	}
	return (0);
}

static void
set_half(uint64_t *p, bool hi, uint32_t v)
{
	if (hi)
		*p = (*p & 0xffffffffull) | (uint64_t)v << 32;
	else
		*p = (*p & ~0xffffffffull) | v;
}

static void
common_write(struct pv_pci_dev *dev, uint64_t off, uint32_t v)
{
	struct fakevirtio *fv = &dev->fp_virtio;
	struct fakevirtio_queue *q;

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		fv->fv_dfselect = v;
		return;
	case VIRTIO_PCI_COMMON_GFSELECT:
		fv->fv_gfselect = v;
		return;
	case VIRTIO_PCI_COMMON_GF:
		if (fv->fv_gfselect <= 1)
			set_half(&fv->fv_driver, fv->fv_gfselect == 1, v);
		return;
	case VIRTIO_PCI_COMMON_MSIX:
		fv->fv_config_vector = fv_vector(fv, v);
		return;
	case VIRTIO_PCI_COMMON_STATUS:
		fv_set_status(fv, (uint8_t)v);
		return;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		fv->fv_qsel = (uint16_t)v;
		return;
	}
	if ((q = fv_sel(fv)) == NULL)
		return;
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		q->fq_size = (uint16_t)v;
		break;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		q->fq_vector = fv_vector(fv, v);
		break;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		q->fq_enable = v == 1;
		break;
	case VIRTIO_PCI_COMMON_Q_DESCLO:
	case VIRTIO_PCI_COMMON_Q_DESCHI:
		set_half(&q->fq_desc, off == VIRTIO_PCI_COMMON_Q_DESCHI, v);
		break;
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
	case VIRTIO_PCI_COMMON_Q_AVAILHI:
		set_half(&q->fq_avail, off == VIRTIO_PCI_COMMON_Q_AVAILHI, v);
		break;
	case VIRTIO_PCI_COMMON_Q_USEDLO:
	case VIRTIO_PCI_COMMON_Q_USEDHI:
		set_half(&q->fq_used, off == VIRTIO_PCI_COMMON_Q_USEDHI, v);
		break;
	}
}

static void
notify_write(struct pv_pci_dev *dev, uint64_t off, uint32_t v)
{
	struct fakevirtio *fv = &dev->fp_virtio;

	if (v >= fv->fv_nqueues || v >= FAKEPCI_MAXQ) {
		dev->fp_bad_access++;
		return;
	}
	fv->fv_q[v].fq_notifies++;
	fv->fv_q[v].fq_notify_at = (uint32_t)off;
}

static unsigned
legacy_width(const struct pv_pci_dev *dev, uint64_t off)
{
	if (off < VIRTIO_PCI_QUEUE_NUM)
		return (off % 4 == 0 ? 4 : 0);
	if (off == VIRTIO_PCI_STATUS || off == VIRTIO_PCI_ISR)
		return (1);
	if (off < VIRTIO_PCI_CONFIG_OFF(msix_on(dev)))
		return (off % 2 == 0 ? 2 : 0);
	return (UINT32_MAX);	/* device config: any */
}

static uint32_t
legacy_read(struct pv_pci_dev *dev, uint64_t off, unsigned width)
{
	struct fakevirtio *fv = &dev->fp_virtio;
	struct fakevirtio_queue *q = fv_sel(fv);
	unsigned cfg = VIRTIO_PCI_CONFIG_OFF(msix_on(dev));

	if (off >= cfg)
		return (fv_devcfg_read(fv, off - cfg, width));
	switch (off) {
	case VIRTIO_PCI_HOST_FEATURES:
		return ((uint32_t)fv->fv_offered);
	case VIRTIO_PCI_GUEST_FEATURES:
		return ((uint32_t)fv->fv_driver);
	case VIRTIO_PCI_QUEUE_PFN:
		return (q != NULL ? q->fq_pfn : 0);
	case VIRTIO_PCI_QUEUE_NUM:
		return (q != NULL ? q->fq_max : 0);
	case VIRTIO_PCI_QUEUE_SEL:
		return (fv->fv_qsel);
	case VIRTIO_PCI_STATUS:
		return (fv->fv_status);
	case VIRTIO_PCI_ISR:
		return (fv_read_isr(fv));
	case VIRTIO_MSI_CONFIG_VECTOR:
		return (fv->fv_config_vector);
	case VIRTIO_MSI_QUEUE_VECTOR:
		return (q != NULL ? q->fq_vector : VIRTIO_MSI_NO_VECTOR);
	}
	return (0);
}

static void
legacy_write(struct pv_pci_dev *dev, uint64_t off, uint32_t v)
{
	struct fakevirtio *fv = &dev->fp_virtio;
	struct fakevirtio_queue *q = fv_sel(fv);

	switch (off) {
	case VIRTIO_PCI_GUEST_FEATURES:
		fv->fv_driver = v;
		break;
	case VIRTIO_PCI_QUEUE_PFN:
		if (q != NULL)
			q->fq_pfn = v;
		break;
	case VIRTIO_PCI_QUEUE_SEL:
		fv->fv_qsel = (uint16_t)v;
		break;
	case VIRTIO_PCI_QUEUE_NOTIFY:
		notify_write(dev, off, v);
		break;
	case VIRTIO_PCI_STATUS:
		fv_set_status(fv, (uint8_t)v);
		break;
	case VIRTIO_MSI_CONFIG_VECTOR:
		fv->fv_config_vector = fv_vector(fv, v);
		break;
	case VIRTIO_MSI_QUEUE_VECTOR:
		if (q != NULL)
			q->fq_vector = fv_vector(fv, v);
		break;
	default:
		/* Device config and the read-only registers. */
		dev->fp_bad_access++;
		break;
	}
}

/* One access at off in bar; width is checked against the register. */
static uint32_t
bar_access(struct pv_pci_dev *dev, int bar, uint64_t off, unsigned width,
    bool write, uint32_t v)
{
	struct fakevirtio *fv = &dev->fp_virtio;
	unsigned want;

	if (bar == 0 && dev->fp_bar_size[0] != 0 &&
	    (fakepci_get(dev, PCI_BASE_ADDRESS_0, 4) & 1) != 0) {
		want = legacy_width(dev, off);
		if (want != UINT32_MAX && want != width)
			goto bad;
		if (write)
			legacy_write(dev, off, v);
		return (write ? 0 : legacy_read(dev, off, width));
	}
	if (bar != FAKEPCI_MODERN_BAR)
		return (0);
	if (off < FAKEPCI_ISR) {
		if (common_width(off - FAKEPCI_COMMON) != width)
			goto bad;
		if (write)
			common_write(dev, off - FAKEPCI_COMMON, v);
		return (write ? 0 : common_read(dev, off - FAKEPCI_COMMON));
	}
	if (off < FAKEPCI_DEVCFG) {
		if (off != FAKEPCI_ISR || width != 1 || write)
			goto bad;
		return (fv_read_isr(fv));
	}
	if (off < FAKEPCI_NOTIFY) {
		if (write)
			goto bad;
		return (fv_devcfg_read(fv, off - FAKEPCI_DEVCFG, width));
	}
	if (!write || width != 2)
		goto bad;
	notify_write(dev, off - FAKEPCI_NOTIFY, v);
	return (0);
bad:
	dev->fp_bad_access++;
	return (0xffffffffu);
}

static uint32_t
res_access(struct pv_pci_res *res, uint64_t off, unsigned width, bool write,
    uint32_t v)
{
	struct pv_pci_dev *dev = res->fr_dev;

	if (off > res->fr_len || width > res->fr_len - off) {
		fprintf(stderr, "fakepci: %s: %u-byte access at %#jx outside "
		    "a window of %#jx\n", dev->fp_name, width, (uintmax_t)off,
		    (uintmax_t)res->fr_len);
		dev->fp_bad_access++;
		return (0xffffffffu);
	}
	return (bar_access(dev, res->fr_bar, res->fr_off + off, width, write,
	    v));
}

uint8_t
pv_bus_read_1(struct pv_pci_res *res, uint64_t off)
{
	return ((uint8_t)res_access(res, off, 1, false, 0));
}

uint16_t
pv_bus_read_2(struct pv_pci_res *res, uint64_t off)
{
	return ((uint16_t)res_access(res, off, 2, false, 0));
}

uint32_t
pv_bus_read_4(struct pv_pci_res *res, uint64_t off)
{
	return (res_access(res, off, 4, false, 0));
}

void
pv_bus_write_1(struct pv_pci_res *res, uint64_t off, uint8_t v)
{
	(void)res_access(res, off, 1, true, v);
}

void
pv_bus_write_2(struct pv_pci_res *res, uint64_t off, uint16_t v)
{
	(void)res_access(res, off, 2, true, v);
}

void
pv_bus_write_4(struct pv_pci_res *res, uint64_t off, uint32_t v)
{
	(void)res_access(res, off, 4, true, v);
}

/* Interrupts ------------------------------------------------------------ */

static const char *const irq_kind_names[] = { "msix", "msi", "intx" };

int
pv_pci_alloc_irqs(struct pv_pci_dev *dev, enum pv_pci_irq_kind kind,
    unsigned *countp)
{
	size_t n = strlen(dev->fp_irq_trail);
	unsigned give;

	snprintf(dev->fp_irq_trail + n, sizeof(dev->fp_irq_trail) - n,
	    "%s:%u ", irq_kind_names[kind], *countp);
	if (dev->fp_irq_kind != -1) {
		dev->fp_bad_access++;	/* allocated twice */
		return (EBUSY);
	}
	if (dev->fp_irq_error[kind] != 0)
		return (dev->fp_irq_error[kind]);
	give = kind == PV_PCI_IRQ_INTX ? 1 : *countp;
	if (give > dev->fp_irq_max[kind])
		give = dev->fp_irq_max[kind];
	if (give > FAKEPCI_MAXIRQ)
		give = FAKEPCI_MAXIRQ;
	if (give == 0)
		return (ENOSPC);
	*countp = give;
	dev->fp_irq_kind = kind;
	dev->fp_nirqs = give;
	memset(dev->fp_ih, 0, sizeof(dev->fp_ih));
	return (0);
}

int
pv_pci_setup_irq(struct pv_pci_dev *dev, unsigned idx, struct pv_intr *ih)
{
	if (dev->fp_irq_kind == -1 || idx >= dev->fp_nirqs) {
		dev->fp_bad_access++;
		return (EINVAL);
	}
	pv_store_rel(&dev->fp_ih[idx], ih);
	return (0);
}

void
pv_pci_release_irqs(struct pv_pci_dev *dev)
{
	unsigned i;

	for (i = 0; i < FAKEPCI_MAXIRQ; i++)
		pv_store_rel(&dev->fp_ih[i], NULL);
	dev->fp_irq_kind = -1;
	dev->fp_nirqs = 0;
}

void
fakepci_fire(struct pv_pci_dev *dev, unsigned idx, uint8_t isr)
{
	struct pv_intr *ih;

	pv_fetch_or(&dev->fp_virtio.fv_isr, isr);
	ih = idx < FAKEPCI_MAXIRQ ? pv_load_acq(&dev->fp_ih[idx]) : NULL;
	if (ih != NULL)
		pv_intr_post(ih);
}

/* Devices --------------------------------------------------------------- */

void
pv_pci_foreach(pv_pci_attach_fn *fn, void *arg)
{
	struct pv_pci_dev *dev;

	for (dev = fake_devs; dev != NULL; dev = dev->fp_next)
		fn(dev, (uint16_t)fakepci_get(dev, PCI_VENDOR_ID, 2),
		    (uint16_t)fakepci_get(dev, PCI_DEVICE_ID, 2), arg);
}

/* The MSI-X table size from the image, or 0 when there is no MSI-X. */
static unsigned
image_msix_size(const struct pv_pci_dev *dev)
{
	unsigned p, n;

	if ((fakepci_get(dev, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST) == 0)
		return (0);
	p = dev->fp_cfg[PCI_CAPABILITY_LIST] & ~3u;
	for (n = 0; p >= 0x40 && n < 48; n++) {
		if (dev->fp_cfg[p] == PCI_CAP_ID_MSIX)
			return ((fakepci_get(dev, p + PCI_MSIX_FLAGS, 2) &
			    PCI_MSIX_FLAGS_QSIZE) + 1);
		p = dev->fp_cfg[p + 1] & ~3u;
	}
	return (0);
}

struct pv_pci_dev *
fakepci_new(const uint8_t *cfg, const char *name)
{
	struct pv_pci_dev *dev;
	struct fakevirtio *fv;
	unsigned i;

	dev = calloc(1, sizeof(*dev));
	ATF_REQUIRE(dev != NULL);
	snprintf(dev->fp_name, sizeof(dev->fp_name), "%s", name);
	memcpy(dev->fp_cfg, cfg, FAKEPCI_CFG_SIZE);
	dev->fp_irq_kind = -1;
	dev->fp_irq_max[PV_PCI_IRQ_MSIX] = image_msix_size(dev);
	if (dev->fp_irq_max[PV_PCI_IRQ_MSIX] == 0)
		dev->fp_irq_error[PV_PCI_IRQ_MSIX] = ENXIO;
	/* QEMU's virtio functions have no MSI capability. */
	dev->fp_irq_error[PV_PCI_IRQ_MSI] = ENXIO;
	dev->fp_irq_max[PV_PCI_IRQ_MSI] = 1;
	if (dev->fp_cfg[PCI_INTERRUPT_PIN] == 0)
		dev->fp_irq_error[PV_PCI_IRQ_INTX] = ENXIO;
	dev->fp_irq_max[PV_PCI_IRQ_INTX] = 1;

	fv = &dev->fp_virtio;
	fv->fv_offered = 1ull << VIRTIO_F_VERSION_1;
	fv->fv_nqueues = 1;
	fv->fv_vectors = (uint16_t)dev->fp_irq_max[PV_PCI_IRQ_MSIX];
	for (i = 0; i < FAKEPCI_MAXQ; i++) {
		fv->fv_q[i].fq_max = 256;
		fv->fv_q[i].fq_notify_off = (uint16_t)i;	/* as QEMU */
	}
	fv_reset(fv);
	fv->fv_resets = 0;
	dev->fp_next = fake_devs;
	fake_devs = dev;
	return (dev);
}

void
fakepci_free(struct pv_pci_dev *dev)
{
	struct pv_pci_dev **pp;

	for (pp = &fake_devs; *pp != NULL; pp = &(*pp)->fp_next)
		if (*pp == dev) {
			*pp = dev->fp_next;
			break;
		}
	free(dev);
}

/* The source tree's tests/compat/pci/images/NAME.EXT. */
static FILE *
image_open(const atf_tc_t *tc, const char *name, const char *ext)
{
	char rel[256], path[1024];
	FILE *f;

	snprintf(rel, sizeof(rel), "tests/compat/pci/images/%s.%s", name,
	    ext);
	pvtest_srcfile(tc, rel, path, sizeof(path));
	if ((f = fopen(path, ext[0] == 'b' ? "rb" : "r")) == NULL)
		atf_tc_fail("%s: %s", path, strerror(errno));
	return (f);
}

struct pv_pci_dev *
fakepci_load(const atf_tc_t *tc, const char *name)
{
	struct pv_pci_dev *dev;
	uint8_t cfg[FAKEPCI_CFG_SIZE];
	char line[256];
	unsigned long long lo, hi;
	int bar;
	FILE *f;

	f = image_open(tc, name, "bin");
	ATF_REQUIRE_EQ_MSG(fread(cfg, 1, sizeof(cfg), f), sizeof(cfg),
	    "%s.bin is not %d bytes", name, FAKEPCI_CFG_SIZE);
	fclose(f);
	dev = fakepci_new(cfg, name);
	/* "      BAR4: 64 bit prefetchable memory at 0x... [0x...]." */
	f = image_open(tc, name, "info");
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = strstr(line, "BAR");

		if (p == NULL || sscanf(p, "BAR%d:", &bar) != 1 || bar < 0 ||
		    bar >= PV_PCI_NBARS || (p = strstr(p, " at ")) == NULL ||
		    sscanf(p, " at %llx [%llx]", &lo, &hi) != 2 || hi < lo)
			continue;
		dev->fp_bar_size[bar] = hi - lo + 1;
	}
	fclose(f);
	return (dev);
}
