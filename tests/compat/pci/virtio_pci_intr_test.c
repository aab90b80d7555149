/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The virtio-pci interrupt ladder on the fake platform: which rung is
 * taken when the platform or the device runs short, what is programmed
 * into the device, and where each interrupt is delivered.
 */
#include <errno.h>
#include <string.h>

#include <atf-c.h>

#include <linux/virtio_pci.h>

#include <pv/pci.h>
#include <pv/sync.h>
#include <pvvirtio/virtio.h>
#include <pvvirtio/virtio_pci.h>

#include "lib/fakepci.h"
#include "lib/pvtest.h"

#define	MAXQ	4
#define	WAIT_MS	5000
/* Long enough for a wrongly routed interrupt to have shown up. */
#define	SETTLE_MS	30

static struct pv_mtx	cnt_mtx;
static int		q_calls[MAXQ];
static int		config_calls;

static void
count(void *arg)
{
	int *p = arg;

	pv_mtx_lock(&cnt_mtx);
	(*p)++;
	pv_wakeup(p);
	pv_mtx_unlock(&cnt_mtx);
}

static int
calls(const int *p)
{
	int n;

	pv_mtx_lock(&cnt_mtx);
	n = *p;
	pv_mtx_unlock(&cnt_mtx);
	return (n);
}

static void
wait_calls(const int *p, int n)
{
	ATF_REQUIRE_EQ(pvtest_wait_atleast(&cnt_mtx, p, n, WAIT_MS), n);
}

static void
init(const char *tunables)
{
	pvtest_init_tunables(0, tunables);
	pv_mtx_init(&cnt_mtx, "cnt");
}

/* Attach, negotiate and set up nvqs queues: the ladder runs here. */
static struct virtio_pci *
bring_up(struct pv_pci_dev *dev, unsigned nvqs, struct virtio_vq_info *info,
    struct virtio_pci_info *vpi)
{
	struct virtio_pci *vp;
	struct virtio_dev *vd;
	unsigned i;

	dev->fp_virtio.fv_nqueues = (uint16_t)nvqs;
	ATF_REQUIRE_EQ(virtio_pci_attach(dev, &vp), 0);
	vd = virtio_pci_dev(vp);
	vd->vd_config_fn = count;
	vd->vd_config_arg = &config_calls;
	ATF_REQUIRE_EQ(virtio_negotiate(vd, 0), 0);
	memset(info, 0, nvqs * sizeof(*info));
	for (i = 0; i < nvqs; i++) {
		info[i].vi_intr = count;
		info[i].vi_arg = &q_calls[i];
	}
	ATF_REQUIRE_EQ(virtio_alloc_queues(vd, nvqs, info), 0);
	virtio_pci_info(vp, vpi);
	return (vp);
}

static void
take_down(struct virtio_pci *vp, struct pv_pci_dev *dev)
{
	struct virtio_dev *vd = virtio_pci_dev(vp);

	virtio_reset(vd);
	virtio_free_queues(vd);
	ATF_REQUIRE_EQ(dev->fp_irq_kind, -1);
	virtio_pci_detach(vp);
	ATF_REQUIRE_EQ(dev->fp_nmaps, 0);
	ATF_REQUIRE_EQ(dev->fp_bad_access, 0);
	fakepci_free(dev);
}

static void
trail_is(const struct pv_pci_dev *dev, const char *want)
{
	ATF_REQUIRE_STREQ_MSG(dev->fp_irq_trail, want, "tried \"%s\"",
	    dev->fp_irq_trail);
}

ATF_TC_WITHOUT_HEAD(msix_vector_per_queue);
ATF_TC_BODY(msix_vector_per_queue, tc)
{
	struct virtio_vq_info info[3];
	struct virtio_pci_info vpi;
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	unsigned i;

	init(NULL);
	dev = fakepci_load(tc, "blk-modern");
	dev->fp_irq_max[PV_PCI_IRQ_MSIX] = 4;
	dev->fp_virtio.fv_vectors = 4;
	vp = bring_up(dev, 3, info, &vpi);
	trail_is(dev, "msix:4 ");
	ATF_REQUIRE_EQ(vpi.vpi_intr, VIRTIO_PCI_INTR_MSIX);
	ATF_REQUIRE_EQ(vpi.vpi_nvectors, 4);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_config_vector, 0);
	for (i = 0; i < 3; i++) {
		ATF_REQUIRE_EQ(dev->fp_virtio.fv_q[i].fq_vector, i + 1);
		ATF_REQUIRE_EQ(dev->fp_virtio.fv_q[i].fq_enable, 1);
	}
	ATF_REQUIRE(pvtest_msgbuf_has("interrupts: MSI-X, 4 vectors for 3 "
	    "queues"));

	/* Vector 3 is queue 2's alone; vector 0 is config's alone. */
	fakepci_fire(dev, 3, 0);
	wait_calls(&q_calls[2], 1);
	fakepci_fire(dev, 0, 0);
	wait_calls(&config_calls, 1);
	pvtest_msleep(SETTLE_MS);
	ATF_REQUIRE_EQ(calls(&q_calls[0]), 0);
	ATF_REQUIRE_EQ(calls(&q_calls[1]), 0);
	ATF_REQUIRE_EQ(calls(&config_calls), 1);
	/* MSI-X needs no ISR read. */
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_isr_reads, 0);
	virtio_pci_info(vp, &vpi);
	ATF_REQUIRE_EQ(vpi.vpi_intrs, 2);
	ATF_REQUIRE_EQ(vpi.vpi_config_changes, 1);
	take_down(vp, dev);
}

ATF_TC_WITHOUT_HEAD(device_refuses_vector_shared);
ATF_TC_BODY(device_refuses_vector_shared, tc)
{
	struct virtio_vq_info info[3];
	struct virtio_pci_info vpi;
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	unsigned i;

	init(NULL);
	dev = fakepci_load(tc, "blk-modern");
	/* The platform has 4, the device maps only 2. */
	dev->fp_irq_max[PV_PCI_IRQ_MSIX] = 4;
	dev->fp_virtio.fv_vectors = 2;
	vp = bring_up(dev, 3, info, &vpi);
	trail_is(dev, "msix:4 msix:2 ");
	ATF_REQUIRE(pvtest_msgbuf_has("MSI-X: queue 1 vector 2 read back as "
	    "0xffff"));
	ATF_REQUIRE_EQ(vpi.vpi_intr, VIRTIO_PCI_INTR_MSIX_SHARED);
	ATF_REQUIRE_EQ(vpi.vpi_nvectors, 2);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_config_vector, 0);
	for (i = 0; i < 3; i++)
		ATF_REQUIRE_EQ(dev->fp_virtio.fv_q[i].fq_vector, 1);
	/* Vector 1 stands for every queue. */
	fakepci_fire(dev, 1, 0);
	for (i = 0; i < 3; i++)
		wait_calls(&q_calls[i], 1);
	pvtest_msleep(SETTLE_MS);
	ATF_REQUIRE_EQ(calls(&config_calls), 0);
	take_down(vp, dev);
}

ATF_TC_WITHOUT_HEAD(platform_out_of_msix_msi);
ATF_TC_BODY(platform_out_of_msix_msi, tc)
{
	struct virtio_vq_info info[2];
	struct virtio_pci_info vpi;
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;

	init(NULL);
	dev = fakepci_load(tc, "blk-modern");
	dev->fp_irq_error[PV_PCI_IRQ_MSIX] = ENOSPC;
	dev->fp_irq_error[PV_PCI_IRQ_MSI] = 0;
	vp = bring_up(dev, 2, info, &vpi);
	trail_is(dev, "msix:3 msix:2 msi:1 ");
	ATF_REQUIRE_EQ(vpi.vpi_intr, VIRTIO_PCI_INTR_MSI);
	ATF_REQUIRE_EQ(vpi.vpi_nvectors, 1);
	/* Nothing was routed through MSI-X vectors. */
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_config_vector, VIRTIO_MSI_NO_VECTOR);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_q[0].fq_vector, VIRTIO_MSI_NO_VECTOR);
	/* With one vector, the ISR tells a config change from a queue. */
	fakepci_fire(dev, 0, VIRTIO_PCI_ISR_CONFIG);
	wait_calls(&config_calls, 1);
	pvtest_msleep(SETTLE_MS);
	ATF_REQUIRE_EQ(calls(&q_calls[0]), 0);
	fakepci_fire(dev, 0, 1);
	wait_calls(&q_calls[0], 1);
	wait_calls(&q_calls[1], 1);
	ATF_REQUIRE(pvtest_msgbuf_has("interrupts: MSI, 1 vector for 2 "
	    "queues"));
	take_down(vp, dev);
}

ATF_TC_WITHOUT_HEAD(platform_gives_too_few_msix);
ATF_TC_BODY(platform_gives_too_few_msix, tc)
{
	struct virtio_vq_info info[2];
	struct virtio_pci_info vpi;
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;

	init(NULL);
	dev = fakepci_load(tc, "blk-modern");
	/* One vector cannot separate config from queues: down to INTx. */
	dev->fp_irq_max[PV_PCI_IRQ_MSIX] = 1;
	vp = bring_up(dev, 2, info, &vpi);
	trail_is(dev, "msix:3 msix:2 msi:1 intx:1 ");
	ATF_REQUIRE_EQ(vpi.vpi_intr, VIRTIO_PCI_INTR_INTX);
	take_down(vp, dev);
}

ATF_TC_WITHOUT_HEAD(no_msi_intx);
ATF_TC_BODY(no_msi_intx, tc)
{
	struct virtio_vq_info info[2];
	struct virtio_pci_info vpi;
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;

	init(NULL);
	dev = fakepci_load(tc, "blk-modern");
	dev->fp_irq_error[PV_PCI_IRQ_MSIX] = ENOSPC;
	vp = bring_up(dev, 2, info, &vpi);
	trail_is(dev, "msix:3 msix:2 msi:1 intx:1 ");
	ATF_REQUIRE_EQ(vpi.vpi_intr, VIRTIO_PCI_INTR_INTX);
	ATF_REQUIRE_EQ(vpi.vpi_nvectors, 1);
	take_down(vp, dev);
}

/* With MSI-X and MSI both on offer, tunables decide the rung. */
static void
tunable_rung(const atf_tc_t *tc, const char *tunables, const char *trail,
    enum virtio_pci_intr intr)
{
	struct virtio_vq_info info[1];
	struct virtio_pci_info vpi;
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;

	init(tunables);
	dev = fakepci_load(tc, "blk-modern");
	dev->fp_irq_error[PV_PCI_IRQ_MSI] = 0;
	vp = bring_up(dev, 1, info, &vpi);
	trail_is(dev, trail);
	ATF_REQUIRE_EQ(vpi.vpi_intr, intr);
	take_down(vp, dev);
}

ATF_TC_WITHOUT_HEAD(disable_msix_tunable);
ATF_TC_BODY(disable_msix_tunable, tc)
{
	/* MSI-X was there to take, and was not asked for. */
	tunable_rung(tc, "hw.virtio_pci.disable_msix=1", "msi:1 ",
	    VIRTIO_PCI_INTR_MSI);
}

ATF_TC_WITHOUT_HEAD(disable_msi_tunable);
ATF_TC_BODY(disable_msi_tunable, tc)
{
	tunable_rung(tc, "hw.virtio_pci.disable_msix=1 "
	    "hw.virtio_pci.disable_msi=1", "intx:1 ", VIRTIO_PCI_INTR_INTX);
}

ATF_TC_WITHOUT_HEAD(no_tunable_msix_first);
ATF_TC_BODY(no_tunable_msix_first, tc)
{
	tunable_rung(tc, NULL, "msix:2 ", VIRTIO_PCI_INTR_MSIX);
}

ATF_TC_WITHOUT_HEAD(intx_reads_isr);
ATF_TC_BODY(intx_reads_isr, tc)
{
	struct virtio_vq_info info[2];
	struct virtio_pci_info vpi;
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	unsigned reads;

	init(NULL);
	/* vectors=0: no MSI-X capability, so not even asked twice. */
	dev = fakepci_load(tc, "blk-novectors");
	vp = bring_up(dev, 2, info, &vpi);
	trail_is(dev, "msix:3 msi:1 intx:1 ");
	ATF_REQUIRE_EQ(vpi.vpi_intr, VIRTIO_PCI_INTR_INTX);
	ATF_REQUIRE(pvtest_msgbuf_has("interrupts: INTx, 1 vector for 2 "
	    "queues"));

	/* Bit 0: the queues, and the read acknowledges it. */
	fakepci_fire(dev, 0, 1);
	wait_calls(&q_calls[0], 1);
	wait_calls(&q_calls[1], 1);
	pvtest_msleep(SETTLE_MS);
	ATF_REQUIRE_EQ(calls(&config_calls), 0);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_isr, 0);
	reads = dev->fp_virtio.fv_isr_reads;
	ATF_REQUIRE(reads >= 1);

	/* Bit 1: a config change only. */
	fakepci_fire(dev, 0, VIRTIO_PCI_ISR_CONFIG);
	wait_calls(&config_calls, 1);
	pvtest_msleep(SETTLE_MS);
	ATF_REQUIRE_EQ(calls(&q_calls[0]), 1);
	ATF_REQUIRE_EQ(calls(&q_calls[1]), 1);

	/* Nothing set: another device's interrupt on a shared line. */
	fakepci_fire(dev, 0, 0);
	pvtest_msleep(SETTLE_MS);
	ATF_REQUIRE(dev->fp_virtio.fv_isr_reads > reads);
	ATF_REQUIRE_EQ(calls(&q_calls[0]), 1);
	ATF_REQUIRE_EQ(calls(&config_calls), 1);
	virtio_pci_info(vp, &vpi);
	ATF_REQUIRE_EQ(vpi.vpi_config_changes, 1);
	take_down(vp, dev);
}

ATF_TC_WITHOUT_HEAD(legacy_msix_moves_config);
ATF_TC_BODY(legacy_msix_moves_config, tc)
{
	static const uint8_t cap[8] = { 0x00, 0x20, 0, 0, 0, 0, 0, 0 };
	struct virtio_vq_info info[1];
	struct virtio_pci_info vpi;
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	uint8_t buf[8];

	init(NULL);
	dev = fakepci_load(tc, "blk-legacy");
	memcpy(dev->fp_virtio.fv_devcfg, cap, sizeof(cap));
	ATF_REQUIRE_EQ(virtio_pci_attach(dev, &vp), 0);
	/* Before MSI-X is on, config sits at 20. */
	ATF_REQUIRE_EQ(virtio_read_config(virtio_pci_dev(vp), 0, buf, 8), 0);
	ATF_REQUIRE_EQ(memcmp(buf, cap, 8), 0);
	virtio_pci_detach(vp);

	vp = bring_up(dev, 1, info, &vpi);
	trail_is(dev, "msix:2 ");
	ATF_REQUIRE(!vpi.vpi_modern);
	ATF_REQUIRE_EQ(vpi.vpi_intr, VIRTIO_PCI_INTR_MSIX);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_config_vector, 0);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_q[0].fq_vector, 1);
	/* With it on, the vector registers come first and config at 24. */
	memset(buf, 0xa5, sizeof(buf));
	ATF_REQUIRE_EQ(virtio_read_config(virtio_pci_dev(vp), 0, buf, 8), 0);
	ATF_REQUIRE_EQ(memcmp(buf, cap, 8), 0);
	fakepci_fire(dev, 1, 0);
	wait_calls(&q_calls[0], 1);
	take_down(vp, dev);
}

ATF_TC_WITHOUT_HEAD(no_interrupt_at_all);
ATF_TC_BODY(no_interrupt_at_all, tc)
{
	struct virtio_vq_info info[1];
	struct pv_pci_dev *dev;
	struct virtio_pci *vp;
	struct virtio_dev *vd;

	init(NULL);
	dev = fakepci_load(tc, "blk-novectors");
	dev->fp_irq_error[PV_PCI_IRQ_INTX] = ENXIO;
	ATF_REQUIRE_EQ(virtio_pci_attach(dev, &vp), 0);
	vd = virtio_pci_dev(vp);
	ATF_REQUIRE_EQ(virtio_negotiate(vd, 0), 0);
	memset(info, 0, sizeof(info));
	info[0].vi_intr = count;
	info[0].vi_arg = &q_calls[0];
	ATF_REQUIRE_EQ(virtio_alloc_queues(vd, 1, info), ENXIO);
	ATF_REQUIRE(pvtest_msgbuf_has("no interrupt could be set up"));
	ATF_REQUIRE(info[0].vi_vq == NULL);
	ATF_REQUIRE_EQ(dev->fp_virtio.fv_q[0].fq_enable, 0);
	take_down(vp, dev);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, msix_vector_per_queue);
	ATF_TP_ADD_TC(tp, device_refuses_vector_shared);
	ATF_TP_ADD_TC(tp, platform_out_of_msix_msi);
	ATF_TP_ADD_TC(tp, platform_gives_too_few_msix);
	ATF_TP_ADD_TC(tp, no_msi_intx);
	ATF_TP_ADD_TC(tp, disable_msix_tunable);
	ATF_TP_ADD_TC(tp, disable_msi_tunable);
	ATF_TP_ADD_TC(tp, no_tunable_msix_first);
	ATF_TP_ADD_TC(tp, intx_reads_isr);
	ATF_TP_ADD_TC(tp, legacy_msix_moves_config);
	ATF_TP_ADD_TC(tp, no_interrupt_at_all);
	return (atf_no_error());
}
