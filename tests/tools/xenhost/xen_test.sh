#! /usr/bin/env atf-sh
# SPDX-License-Identifier: BSD-2-Clause
#
# The pvkit guest on real Xen 4.17 with a Linux 6.1 dom0 (tools/xenhost,
# booted in QEMU TCG), one test case a scenario of tools/xenhost/cases.sh.
# Xen boots once for all of them: the first case to run boots it under a
# lock with every case's dom0 function, and each case then judges its own
# XENCASE: lines in dom0's serial log (xen.subr).  Adding a case: a
# case_NAME function in cases.sh and a xen_case line here.

. "$(atf_get_srcdir)/xen.subr"

xen_case pvh_verify "a disk in the config: verify, a multi-page ring," \
    "indirect segments and persistent grants as blkback sees them"
xen_case attach_phy "xl block-attach (kernel blkback), verify," \
    "xl block-detach; every grant back, in the guest and in Xen"
xen_case attach_qdisk "the same through QEMU's qdisk backend"
xen_case attach_untrusted "LIBXL_DISK_BACKEND_UNTRUSTED=1: trusted=0," \
    "bounce buffers, verify"
xen_case detach_busy "xl block-detach while the guest writes: it waits" \
    "for the close; no acknowledged write lost, no grant leaked"
xen_case mem_set "xl mem-set down and up: the balloon follows, xl list" \
    "agrees"
xen_case save_restore "xl save mid-verify and xl restore: the verify" \
    "ends clean in the new domain; xl save -c: a cancelled suspend"
xen_case shutdown_reboot "xl shutdown and xl reboot: acknowledged within" \
    "2 s, disks closed, the domain shut down or running again"
xen_case hvm_iso "the same guest.elf as an HVM domain from a GRUB ISO:" \
    "emulated disks unplugged, verify through blkfront"
xen_case hvm_verify "an HVM domain booted by kernel= (QEMU's linuxboot.bin," \
    "the guest's Linux boot protocol setup): unplug, events on the" \
    "callback vector, verify through blkback"
xen_case hvm_intx "the same with hw.xen.callback_vector=0: events through" \
    "the platform device's INTx"
xen_case hvm_attach "attach_phy's course with the HVM guest"
xen_case hvm_mem_set "mem_set's course with the HVM guest"
xen_case hvm_save_restore "save_restore's course with the HVM guest:" \
    "the unplug and the callback redone in the new domain"
xen_case hvm_shutdown "shutdown_reboot's course with the HVM guest"

atf_init_test_cases()
{
	for c in $XEN_CASES; do
		atf_add_test_case "$c"
	done
}
