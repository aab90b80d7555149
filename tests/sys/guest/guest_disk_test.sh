#! /usr/bin/env atf-sh
# SPDX-License-Identifier: BSD-2-Clause
#
# The reference guest's virtio-blk over QEMU's virtio-blk-pci, on the
# transports and interrupt paths a user meets.  workload=verify first sums
# each disk (POSIX cksum, which the test recomputes with cksum(1) on the
# host), then stamps every sector and reads it back; afterwards the host
# checks the stamps with pvkit-imgcheck, so that the guest is judged on
# data it did not write and by code it did not run.

. "$(atf_get_srcdir)/guest.subr"

imgcheck()
{
	atf_check -o ignore "$PVTEST_BINDIR/pvkit-imgcheck" "$@"
}

# The guest's summary for disk $1 says no mismatch and no error.
disk_passed()
{
	atf_check -o match:"^verify: $1: [0-9]+ sectors.*, 0 mismatches, 0 errors" \
	    cat console.log
}

# The sum the guest printed for disk $1 is cksum(1) of file $2 as it was.
initial_sum_is()
{
	_is_want=$(cksum <"$2" | cut -d' ' -f1,2)
	atf_check -o match:"^verify: $1: initial cksum $_is_want\$" \
	    -x "tr -d '\r' <console.log"
}

random_image()
{
	dd if=/dev/urandom of="$1" bs=1M count="$2" status=none
	cp "$1" "$1.orig"
}

guest_case modern "a modern device: the host checks what the guest wrote"
modern_body()
{
	random_image disk.img 8
	guest_boot 0 --disk disk.img,disable-legacy=on,serial=PVKIT-SN-1 \
	    --machine q35 --append "workload=verify"
	atf_check -o match:'^vtbd0: .* serial "PVKIT-SN-1"' cat console.log
	atf_check -o match:'^vtbd0: virtio-pci modern \(device 0x1042\)' \
	    cat console.log
	# q35 has an MCFG: config space goes through ECAM.
	atf_check -o match:'^pci: configuration through ECAM at 0xb0000000' \
	    cat console.log
	initial_sum_is vtbd0 disk.img.orig
	disk_passed vtbd0
	imgcheck disk.img 1
	last_line_is "pvkit guest: PASS"
}

guest_case iso "GRUB from an ISO boots the same guest.elf by Multiboot"
iso_body()
{
	pvtest_require_peer grub-common grub-mkrescue
	pvtest_require_peer xorriso xorriso
	guest_find
	atf_check -o ignore "$PVTEST_SRCDIR/tools/vm/pvkit-iso" \
	    --kernel "$GUEST_ELF" --append "workload=verify" pvkit.iso
	random_image disk.img 8
	guest_boot 0 --cdrom pvkit.iso --disk disk.img
	atf_check -o match:'^pvkit guest: x86-64, Multiboot boot by GRUB' \
	    cat console.log
	# The memory map and the ACPI tables came from the loader and BIOS.
	atf_check -o match:'^memory: 25[0-9] MiB RAM' cat console.log
	atf_check -o match:'^cpu: .* 1 CPU\(s\) in the MADT' cat console.log
	atf_check -o match:'^cmdline: "workload=verify"' cat console.log
	initial_sum_is vtbd0 disk.img.orig
	disk_passed vtbd0
	imgcheck disk.img 1
	last_line_is "pvkit guest: PASS"
}

guest_case legacy "a transitional device forced legacy (disable-modern=on)"
legacy_body()
{
	random_image disk.img 8
	guest_boot 0 --disk disk.img,disable-modern=on \
	    --append "workload=verify"
	atf_check -o match:'^vtbd0: virtio-pci legacy \(device 0x1001\)' \
	    cat console.log
	atf_check -o match:'^pci: configuration through ports' cat console.log
	initial_sum_is vtbd0 disk.img.orig
	disk_passed vtbd0
	imgcheck disk.img 1
}

guest_case intx "no MSI-X (vectors=0): the INTx path, ISR read-to-ack"
intx_body()
{
	random_image disk.img 4
	guest_boot 0 --disk disk.img,vectors=0 --append "workload=verify"
	atf_check -o match:'^vtbd0: virtio-pci .*interrupts INTx' \
	    cat console.log
	atf_check -o match:'^vtbd0: .* [1-9][0-9]* interrupts \(INTx\)' \
	    cat console.log
	disk_passed vtbd0
	imgcheck disk.img 1
}

guest_case two_disks_one_readonly \
    "two disks, the second read-only: it is read, summed, and not written"
two_disks_one_readonly_body()
{
	random_image a.img 8
	random_image b.img 4
	guest_boot 0 --disk a.img --disk b.img,readonly=on \
	    --append "workload=verify"
	disk_passed vtbd0
	disk_passed vtbd1
	atf_check -o match:'^verify: vtbd1: read-only: a write is refused' \
	    cat console.log
	initial_sum_is vtbd0 a.img.orig
	initial_sum_is vtbd1 b.img.orig
	imgcheck a.img 1
	atf_check cmp b.img b.img.orig
}

guest_case smp1 "-smp 1"
smp1_body()
{
	random_image disk.img 8
	guest_boot 0 --smp 1 --disk disk.img --append "workload=verify"
	disk_passed vtbd0
	imgcheck disk.img 1
}

guest_case smp2_multiqueue "-smp 2, two queues on q35"
smp2_multiqueue_body()
{
	random_image disk.img 8
	guest_boot 0 --smp 2 --machine q35 --disk disk.img,num-queues=2 \
	    --append "workload=verify"
	atf_check -o match:'^vtbd0: .*2 queue\(s\)' cat console.log
	atf_check -o match:'interrupts MSI-X with 3 vector' cat console.log
	disk_passed vtbd0
	imgcheck disk.img 1
}

guest_case no_disk "no disk at all: a clear FAIL, no panic"
no_disk_body()
{
	guest_boot 1 --append "workload=verify"
	last_line_is "pvkit guest: FAIL no disk attached"
	atf_check -s exit:1 grep -q panic console.log
}

guest_case zero_size_disk "an empty disk is refused, named, without a panic"
zero_size_disk_body()
{
	: >empty.img
	guest_boot 1 --disk empty.img --append "workload=verify"
	atf_check -o match:'config capacity = 0: the disk is empty' \
	    cat console.log
	last_line_is "pvkit guest: FAIL no disk attached"
	atf_check -s exit:1 grep -q panic console.log
}

guest_case bench "workload=bench prints its figures"
bench_body()
{
	truncate -s 64M disk.img
	guest_boot 0 --disk disk.img --append "workload=bench"
	for f in "4k random read depth 1: [0-9]+ IOPS" \
	    "4k random read depth 32: [0-9]+ IOPS" \
	    "1M sequential read: [0-9.]+ MB/s" \
	    "1M sequential write: [0-9.]+ MB/s"; do
		atf_check -o match:"^bench: vtbd0: $f" cat console.log
	done
	atf_check -o match:'^bench: first I/O [0-9]+ ms after reset' \
	    cat console.log
}

guest_case resize "the host grows the disk: the config interrupt says so"
resize_body()
{
	truncate -s 8M disk.img
	guest_start --append "workload=idle kern.guest.idle_secs=3" \
	    --disk disk.img --qmp qmp.sock
	vm=$GUEST_PID
	qmp=$PVTEST_BINDIR/pvkit-qmp
	console_wait '^idle: up'
	atf_check -o inline:'{"return": {}}\n' "$qmp" qmp.sock \
	    '{"execute":"block_resize","arguments":{"device":"disk0","size":16777216}}'
	wait $vm || atf_fail "the guest run failed: $(tail -n 3 console.log)"
	atf_check -o match:'^vtbd0: capacity changed from 16384 to 32768 sectors' \
	    cat console.log
	last_line_is "pvkit guest: PASS"
}

guest_case make_run "what make run runs ends with pvkit run: PASS"
make_run_body()
{
	guest_find
	PVKIT_RUN_DIR=$(pwd)/run
	export PVKIT_RUN_DIR
	atf_check -o save:report "$(dirname "$PVKIT_VM")/pvkit-run" \
	    "$(dirname "$GUEST_ELF")"
	atf_check -o match:'^pvkit run: the guest read back what the host' \
	    cat report
	atf_check -o match:'^pvkit run: the host checked what the guest wrote' \
	    cat report
	atf_check -o inline:'pvkit run: PASS\n' tail -n 1 report
}

atf_init_test_cases()
{
	for c in modern iso legacy intx two_disks_one_readonly smp1 \
	    smp2_multiqueue no_disk zero_size_disk bench resize make_run; do
		atf_add_test_case $c
	done
}
