/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The guest on Xen (a PVH or HVM domain): finding the hypervisor by its
 * CPUID leaves, the hypercall page, and the hypercalls of
 * xenpv/hypervisor.h, so that xen/ runs here as it does hosted.
 *
 * Everything works from the first instructions of x86_boot: the hypercall
 * page is in the kernel image, whose addresses are physical.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/features.h>
#include <xen/version.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/sched.h>

#include <pv/atomic.h>
#include <pv/console.h>
#include <pv/intr.h>
#include <pv/mem.h>
#include <pv/sysctl.h>
#include <xenpv/hypervisor.h>

#include "kern/md.h"
#include "x86/cpufunc.h"
#include "x86_var.h"
#include "x86_xen.h"

/* The stubs are 32 bytes apart, one per hypercall number. */
static uint8_t	hypercall_page[4096] __attribute__((aligned(4096)));
static bool	xen_found;
static bool	xen_is_hvm;
static uint32_t	xen_base;		/* CPUID leaf of the signature */
static uint32_t	xen_version_word;

/*
 * Xen's leaves may sit above another hypervisor's (Viridian takes
 * 0x40000000 when enabled): look every 0x100.
 */
static bool
xen_find_leaves(void)
{
	uint32_t r[4], base;
	char sig[13];

	for (base = 0x40000000; base < 0x40010000; base += 0x100) {
		cpuid(base, 0, r);
		memcpy(sig, &r[1], 4);
		memcpy(sig + 4, &r[2], 4);
		memcpy(sig + 8, &r[3], 4);
		sig[12] = '\0';
		if (strcmp(sig, "XenVMMXenVMM") == 0 && r[0] >= base + 2) {
			xen_base = base;
			return (true);
		}
	}
	return (false);
}

bool
xen_early_init(bool multiboot)
{
	uint32_t r[4];

	/* Not the hypervisor bit's business: QEMU sets it as well. */
	cpuid(1, 0, r);
	if ((r[2] & (1u << 31)) == 0 || !xen_find_leaves())
		return (false);
	cpuid(xen_base + 1, 0, r);
	xen_version_word = r[0];
	/* Leaf base+2: how many hypercall pages, and the MSR to ask by. */
	cpuid(xen_base + 2, 0, r);
	if (r[0] < 1)
		return (false);
	wrmsr(r[1], (uint64_t)(uintptr_t)hypercall_page);
	xen_found = true;
	xen_is_hvm = multiboot;
	return (true);
}

bool
xen_present(void)
{
	return (xen_found);
}

bool
xen_pvh(void)
{
	return (xen_found && !xen_is_hvm);
}

bool
xen_hvm(void)
{
	return (xen_found && xen_is_hvm);
}

uint32_t
xen_version(void)
{
	return (xen_version_word);
}

/* Up to three arguments: rdi, rsi, rdx; the result in rax. */
static long
hypercall3(unsigned op, unsigned long a1, unsigned long a2, unsigned long a3)
{
	register unsigned long rdi __asm__("rdi") = a1;
	register unsigned long rsi __asm__("rsi") = a2;
	register unsigned long rdx __asm__("rdx") = a3;
	void *entry = hypercall_page + op * 32;
	long ret;

	__asm__ volatile("call *%[entry]"
	    : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx)
	    : [entry] "r"(entry)
	    : "memory", "rcx", "r8", "r9", "r10", "r11");
	return (ret);
}

long
HYPERVISOR_event_channel_op(int cmd, void *arg)
{
	return (hypercall3(__HYPERVISOR_event_channel_op, (unsigned long)cmd,
	    (unsigned long)arg, 0));
}

long
HYPERVISOR_grant_table_op(unsigned int cmd, void *uop, unsigned int count)
{
	return (hypercall3(__HYPERVISOR_grant_table_op, cmd,
	    (unsigned long)uop, count));
}

long
HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
	return (hypercall3(__HYPERVISOR_memory_op, cmd, (unsigned long)arg,
	    0));
}

long
HYPERVISOR_hvm_op(int op, void *arg)
{
	return (hypercall3(__HYPERVISOR_hvm_op, (unsigned long)op,
	    (unsigned long)arg, 0));
}

long
HYPERVISOR_sched_op(int cmd, void *arg)
{
	return (hypercall3(__HYPERVISOR_sched_op, (unsigned long)cmd,
	    (unsigned long)arg, 0));
}

/* Xen's own console: lines land in "xl dmesg" as (dN) with guest_loglvl. */
void
xen_console_io_write(const char *s, size_t len)
{
	if (xen_found)
		(void)hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, len,
		    (unsigned long)s);
}

int
xen_hvm_param(unsigned idx, uint64_t *valp)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = idx };
	long rc;

	if (!xen_found)
		return (-1);
	if ((rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p)) != 0)
		return ((int)rc);
	*valp = p.value;
	return (0);
}

/* Whether Xen offers XENFEAT_bit (submap 0 is all there is today). */
static bool
xen_feature(unsigned bit)
{
	xen_feature_info_t fi = { .submap_idx = bit / 32 };

	if (!xen_found || hypercall3(__HYPERVISOR_xen_version,
	    XENVER_get_features, (unsigned long)&fi, 0) != 0)
		return (false);
	return ((fi.submap & (1u << (bit % 32))) != 0);
}

void
xen_shutdown(unsigned reason)
{
	struct sched_shutdown sd = { .reason = reason };

	(void)HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
}

/* ------------------------------------------------------------------ */

static struct shared_info	*shinfo;
static pv_pfn_t			 shinfo_pfn;
static struct x86_isrc		*upcall_isrc;	/* the vector's */
static struct pv_intr		*upcall_ih;
static uint64_t			 upcall_via;	/* HVM_PARAM_CALLBACK_IRQ */

static uint32_t			 use_vector;
static const struct pv_tunable	 xen_tunable_list[] = {
	{ "callback_vector", &use_vector, 1, 0, 1,
	  "HVM: events on a vector when Xen offers it; 0: platform INTx" },
};
PV_TUNABLES(xen_tunables, "hw.xen", xen_tunable_list);

/*
 * The xenstore and console rings live in special frames outside RAM,
 * already in the identity map: make them translatable, as the hosted
 * platform does for xensim's, so that xen/ finds them by frame number.
 */
static void
xen_special_pages(void)
{
	static const unsigned params[] = {
		HVM_PARAM_STORE_PFN, HVM_PARAM_CONSOLE_PFN,
	};
	uint64_t pfn = 0;
	unsigned i;

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		if (xen_hvm_param(params[i], &pfn) != 0 || pfn == 0 ||
		    pfn >= (1ull << (32 - PV_PAGE_SHIFT)))
			continue;
		if (pv_phystov(pv_ptoa(pfn)) == NULL)
			(void)pv_physmem_add_reserved((void *)(uintptr_t)
			    pv_ptoa(pfn), pfn, 1);
	}
}

/* Xen backs the frame at pfn with shared_info: at boot and after a resume. */
static long
shared_info_map(pv_pfn_t pfn)
{
	struct xen_add_to_physmap xatp;

	memset(&xatp, 0, sizeof(xatp));
	xatp.domid = DOMID_SELF;
	xatp.space = XENMAPSPACE_shared_info;
	xatp.idx = 0;
	xatp.gpfn = pfn;
	return (HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp));
}

/*
 * Map shared_info over a page of our RAM: Xen takes the frame's backing
 * and the page is never given back to the allocator.
 */
int
xen_shared_info_init(void)
{
	pv_pfn_t pfn;
	void *va;
	long rc;

	if (!xen_found || shinfo != NULL)
		return (xen_found ? 0 : ENXIO);
	if ((va = pv_page_alloc(PV_M_NOWAIT | PV_M_ZERO, &pfn)) == NULL)
		return (ENOMEM);
	if ((rc = shared_info_map(pfn)) != 0) {
		pv_log(PV_LOG_ERR, "xen", "mapping shared_info: error %ld",
		    rc);
		pv_page_free(va);
		return (EIO);
	}
	shinfo = va;
	shinfo_pfn = pfn;
	xen_special_pages();
	return (0);
}

struct shared_info *
xen_shared_info(void)
{
	return (shinfo);
}

/*
 * Xen raises the callback vector for as long as evtchn_upcall_pending is
 * set: clear it here, in the vector, or the vector storms and intrd never
 * runs.  The upcall thread reads the pending words whatever the flag.
 */
static void
xen_callback_vector(void *arg, unsigned vec)
{
	if (shinfo != NULL)
		pv_store_rel(&shinfo->vcpu_info[0].evtchn_upcall_pending, 0);
	isrc_vector_intr(arg, vec);
}

/* HVM_PARAM_CALLBACK_IRQ is not saved with a domain: at start and resume. */
static long
callback_set(void)
{
	struct xen_hvm_param p;
	long rc;

	memset(&p, 0, sizeof(p));
	p.domid = DOMID_SELF;
	p.index = HVM_PARAM_CALLBACK_IRQ;
	p.value = upcall_via;
	if ((rc = HYPERVISOR_hvm_op(HVMOP_set_param, &p)) != 0)
		pv_log(PV_LOG_ERR, "xen", "HVM_PARAM_CALLBACK_IRQ %#jx: error "
		    "%ld", (uintmax_t)upcall_via, rc);
	return (rc);
}

/*
 * Event channels arrive on one vector of our choosing (the HVM callback
 * "vector" type), handled like an MSI: the vector handler posts the
 * upcall's interrupt thread.  An HVM domain may take them through the
 * platform device's INTx instead (x86_xenhvm.c).
 */
int
xen_upcall_establish(pv_intr_fn_t *fn, void *arg)
{
	int error;

	if (!xen_found)
		return (ENXIO);
	if (upcall_ih != NULL)
		return (EBUSY);
	pv_ctl_tunables(&xen_tunables);
	if ((error = pv_intr_establish(&upcall_ih, "xen_upcall", fn, arg)) !=
	    0)
		return (error);
	if (xen_hvm() && (use_vector == 0 ||
	    !xen_feature(XENFEAT_hvm_callback_vector))) {
		if ((error = xen_hvm_intx_establish(upcall_ih,
		    xen_callback_vector, &upcall_via)) != 0)
			goto fail_ih;
	} else {
		if ((error = isrc_alloc_msi(&upcall_isrc)) != 0)
			goto fail_ih;
		if ((error = isrc_add(upcall_isrc, upcall_ih)) != 0)
			goto fail_isrc;
		vec_set_handler(isrc_vector(upcall_isrc), xen_callback_vector,
		    upcall_isrc);
		upcall_via = (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 |
		    isrc_vector(upcall_isrc);
		pv_printf("xen: events on vector %u\n",
		    isrc_vector(upcall_isrc));
	}
	if (callback_set() != 0) {
		error = EIO;
		goto fail_add;
	}
	return (0);
fail_add:
	if (upcall_isrc != NULL)
		isrc_remove(upcall_isrc, upcall_ih);
	else
		xen_hvm_intx_disestablish();
fail_isrc:
	if (upcall_isrc != NULL)
		isrc_release(upcall_isrc);
	upcall_isrc = NULL;
fail_ih:
	pv_intr_disestablish(upcall_ih);
	upcall_ih = NULL;
	return (error);
}

void
xen_upcall_disestablish(void)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF,
	    .index = HVM_PARAM_CALLBACK_IRQ, .value = 0 };

	if (upcall_ih == NULL)
		return;
	(void)HYPERVISOR_hvm_op(HVMOP_set_param, &p);
	if (upcall_isrc != NULL) {
		isrc_remove(upcall_isrc, upcall_ih);
		isrc_release(upcall_isrc);
	} else
		xen_hvm_intx_disestablish();
	pv_intr_disestablish(upcall_ih);
	upcall_isrc = NULL;
	upcall_ih = NULL;
}

/*
 * Interrupts stay off across the hypercall: on a resume in a new domain
 * nothing may run before shared_info and the upcall are back.  The rest
 * (event channels, grants, xenstore) is the drivers' to redo.
 */
int
xen_platform_suspend(void)
{
	struct sched_shutdown sd = { .reason = SHUTDOWN_suspend };
	uint64_t rflags;
	long rc;

	if (!xen_found || shinfo == NULL)
		return (-ENXIO);
	rflags = intr_disable();
	rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
	if (rc == 0) {
		if (shared_info_map(shinfo_pfn) != 0 ||
		    (upcall_ih != NULL && callback_set() != 0))
			rc = -EIO;
		xencons_init();
		/* The new domain's QEMU has its emulated disks back. */
		if (xen_hvm())
			(void)xen_hvm_unplug();
	}
	intr_restore(rflags);
	if (rc < 0)
		pv_log(PV_LOG_ERR, "xen", "suspend: error %ld", rc);
	return (rc < 0 ? (int)rc : rc != 0);
}
