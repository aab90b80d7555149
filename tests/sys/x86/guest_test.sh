#! /usr/bin/env atf-sh
# SPDX-License-Identifier: BSD-2-Clause
#
# The reference guest kernel under QEMU (TCG): boot build/guest.elf with
# tools/vm/pvkit-vm (QEMU loads it by its Multiboot header), and judge the
# run by the launcher's exit status and the serial console.

. "$(atf_get_srcdir)/../guest/guest.subr"

guest_case selftest \
    "workload=selftest passes: threads, sleep, callout, taskq, interrupts"
selftest_body()
{
	guest_boot 0 --append "workload=selftest kern.log_level=7 junk"
	last_line_is "pvkit guest: PASS"
	atf_check -o match:'^tunables: "kern.log_level=7"' cat console.log
	atf_check -o match:'^selftest: kern.log_level = 7: ok' cat console.log
	# QEMU's -kernel takes a Linux boot protocol header before Multiboot
	# or a PVH note: linuxboot_dma.bin runs the guest's setup (setup.S),
	# which builds the memory map from the BIOS's e820 and enters by
	# Multiboot.  Xen's PVH domains, in tests/tools/xenhost, take the note.
	atf_check -o match:'^pvkit guest: x86-64, Multiboot boot by pvkit setup \(Linux boot protocol\)' \
	    cat console.log
	atf_check -o match:'^memory: [0-9]+ MiB RAM' cat console.log
	atf_check -o match:'^boot: reset to entry [0-9]+ us' cat console.log
	atf_check -o match:'^pci0:0:0\.0: 8086:1237 class 06\.00\.00' \
	    cat console.log
	for t in "threads x" "timeout after" "woken after" \
	    "timer interrupts while asleep" "callout after" "taskq" \
	    "to a pv_intr handler" "pages at frame"; do
		atf_check -o match:"^selftest: .*$t.*: ok" cat console.log
	done
}

guest_case default_workload "no workload= on the command line runs selftest"
default_workload_body()
{
	guest_boot 0
	atf_check -o match:'^workload selftest:' cat console.log
	last_line_is "pvkit guest: PASS"
}

guest_case q35_pci \
    "q35, two CPUs, virtio devices: the bus is listed with BARs and lines"
q35_pci_body()
{
	truncate -s 1M disk.img
	guest_boot 0 --machine q35 --smp 2 --mem 512 \
	    --disk disk.img --device virtio-balloon-pci \
	    --append "workload=selftest"
	atf_check -o match:'2 CPU\(s\) in the MADT' cat console.log
	blk='^pci0:0:[0-9]+\.0: 1af4:1001 class 01\.00\.00 intA line [0-9]+'
	blk="$blk bar0 io 0x[0-9a-f]+/0x80 .*bar4 mem64,pf 0x[0-9a-f]+/0x4000"
	atf_check -o match:"$blk" cat console.log
	atf_check -o match:'^pci0:0:[0-9]+\.0: 1af4:1002 ' cat console.log
	last_line_is "pvkit guest: PASS"
}

pciirq_check()
{
	atf_check -o match:'^pciirq: INTx: 3 interrupts, 3 handler calls: ok' \
	    cat console.log
	atf_check -o match:'^pciirq: MSI: 3 interrupts, 3 handler calls: ok' \
	    cat console.log
	atf_check -o match:'^pciirq: pci0:0:[0-9]+\.0: MSI-X entry 1 -> vec' \
	    cat console.log
	last_line_is "pvkit guest: PASS"
}

# virtio-rng has MSI-X and no driver in the guest, so the workload may
# take its vectors for itself.
guest_case pciirq_pc "INTx, MSI and MSI-X on the pc machine (edu, virtio-rng)"
pciirq_pc_body()
{
	guest_boot 0 --device edu --device virtio-rng-pci \
	    --append "workload=pciirq"
	pciirq_check
}

guest_case pciirq_q35 "INTx, MSI and MSI-X on the q35 machine (edu, virtio-rng)"
pciirq_q35_body()
{
	guest_boot 0 --machine q35 --device edu --device virtio-rng-pci \
	    --append "workload=pciirq"
	pciirq_check
}

guest_case fault_pf "a page fault dumps the registers and fails the run"
fault_pf_body()
{
	guest_boot 3 --append "workload=fault fault=pf"
	atf_check -o match:'^fatal trap: vector 14 \(#PF page fault\), error' \
	    cat console.log
	atf_check -o match:'error code 0x2' cat console.log
	atf_check -o match:'^rip [0-9a-f]{16} ' cat console.log
	atf_check -o match:'cr2    00007ff000000000' cat console.log
	atf_check -o match:'^rax [0-9a-f]{16}  rbx' cat console.log
	atf_check -o match:'^r13 [0-9a-f]{16}  r14 [0-9a-f]{16}  r15' \
	    cat console.log
	atf_check -o match:'^panic: fatal trap 14' cat console.log
	last_line_is "pvkit guest: FAIL panic"
}

guest_case fault_ud "an invalid opcode dumps the registers and fails the run"
fault_ud_body()
{
	guest_boot 3 --append "workload=fault fault=ud"
	atf_check -o match:'^fatal trap: vector 6 \(#UD invalid opcode\)' \
	    cat console.log
	last_line_is "pvkit guest: FAIL panic"
}

guest_case unknown_workload "an unknown workload is a FAIL, not a crash"
unknown_workload_body()
{
	guest_boot 1 --append "workload=nosuch"
	last_line_is 'pvkit guest: FAIL unknown workload "nosuch"'
}

atf_test_case launcher_args
launcher_args_head()
{
	atf_set descr "pvkit-vm builds the QEMU command line it documents"
}
launcher_args_body()
{
	guest_find
	atf_check -o save:cmd -e empty "$PVKIT_VM" --dry-run --accel tcg \
	    --kernel "$GUEST_ELF" --append "workload=selftest a.b=1" \
	    --disk "d0.img,num-queues=2,cache=none" --disk d1.img \
	    --device virtio-balloon-pci --machine q35 --smp 2 --mem 128 \
	    --qmp q.sock
	for want in '-machine q35' '-accel tcg' '-smp 2' '-m 128' \
	    '-display none' '-nodefaults' \
	    '-device isa-debug-exit,iobase=0xf4,iosize=4' \
	    '-append workload=selftest a.b=1' \
	    '-drive file=d0.img,if=none,id=disk0,cache=none,format=raw' \
	    '-device virtio-blk-pci,drive=disk0,num-queues=2' \
	    '-drive file=d1.img,if=none,id=disk1,format=raw' \
	    '-device virtio-balloon-pci' \
	    '-qmp unix:q.sock,server=on,wait=off'; do
		atf_check -o ignore grep -F -e "$want" cmd
	done
	atf_check -s exit:2 -e match:'unknown option' "$PVKIT_VM" --bogus
	atf_check -s exit:2 -e match:'pc or q35' "$PVKIT_VM" --machine isapc
}

guest_case launcher_timeout "a guest that never ends is killed: exit 124"
launcher_timeout_body()
{
	# -S: QEMU waits for a monitor command that never comes.
	guest_boot 124 --timeout 2 -- -S
}

atf_init_test_cases()
{
	atf_add_test_case selftest
	atf_add_test_case default_workload
	atf_add_test_case q35_pci
	atf_add_test_case pciirq_pc
	atf_add_test_case pciirq_q35
	atf_add_test_case fault_pf
	atf_add_test_case fault_ud
	atf_add_test_case unknown_workload
	atf_add_test_case launcher_args
	atf_add_test_case launcher_timeout
}
