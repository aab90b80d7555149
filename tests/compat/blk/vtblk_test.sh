#! /usr/bin/env atf-sh
# SPDX-License-Identifier: BSD-2-Clause
#
# virtio-blk end to end: xbdtool --vhost-user against QEMU's own
# virtio-blk device model, exported by qemu-storage-daemon.  Data is
# checked through the driver (verify) and, independently, on the host
# image: what the test wrote the guest must read, and what the guest wrote
# the test must find.

. "$(atf_get_srcdir)/../../lib/pvtest.subr"
. "$(atf_get_srcdir)/qsd.subr"

vt_case()
{
	eval "atf_test_case $1 cleanup"
	eval "${1}_head() { atf_set descr '$2'; atf_set timeout 120; }"
	eval "${1}_cleanup() { qsd_stop; }"
}

# An image of N MiB of random bytes, and its copy for later comparison.
random_image()
{
	dd if=/dev/urandom of=disk.img bs=1M count="$1" status=none
	cp disk.img disk.orig
}

must_run()
{
	if ! vt_run "$@"; then
		cat vt.out vt.err >&2
		atf_fail "xbdtool --vhost-user $* failed"
	fi
	if grep -q LEAK vt.err; then
		cat vt.err >&2
		atf_fail "xbdtool $* leaked"
	fi
}

vt_case verify_defaults "4 queues of 1024, indirect, event-idx: verify"
verify_defaults_body()
{
	truncate -s 32M disk.img
	qsd_start disk.img writable=on,num-queues=4
	must_run verify
	vt_check_verify
	atf_check -o match:'4 queue\(s\) of 1024, 126 segments, indirect on, event-idx on' \
	    cat vt.err
	# The device's GET_ID answer, as QEMU's export gives it.
	atf_check -o match:'serial "vhost_user_blk"' cat vt.err
	# Fewer doorbells than requests: suppression worked.
	atf_check -o match:'kicks \(0\.[0-9]+ per request\)' cat vt.err
}

vt_case host_prefilled "the driver reads what the host wrote"
host_prefilled_body()
{
	random_image 8
	qsd_start disk.img writable=on
	must_run read 0 8388608
	atf_check cmp vt.out disk.orig
	# Unaligned: the layer reads whole sectors and hands back the bytes.
	must_run read 1000 70000
	dd if=disk.orig of=want bs=1 skip=1000 count=70000 status=none
	atf_check cmp vt.out want
}

vt_case host_checks_writes "the host finds what the driver wrote"
host_checks_writes_body()
{
	random_image 8
	dd if=/dev/urandom of=data bs=4096 count=300 status=none
	qsd_start disk.img writable=on
	if ! vt_run write 1048576 <data; then
		cat vt.err >&2
		atf_fail "write failed"
	fi
	dd if=disk.img of=got bs=4096 skip=256 count=300 status=none
	atf_check cmp got data
	# Nothing outside the range moved.
	atf_check cmp -n 1048576 disk.img disk.orig
	atf_check -s exit:0 sh -c 'cmp -i 2277376 disk.img disk.orig'
}

vt_case flush_writeback "a write-back cache is asked for and flushed"
flush_writeback_body()
{
	truncate -s 8M disk.img
	qsd_start disk.img writable=on
	must_run --tunable hw.vtblk.writeback=1 flush
	atf_check -o match:'write-back cache' cat vt.err
	atf_check -o match:'flushed \(sent to the device\)' cat vt.err
}

vt_case flush_reaches_device "a failing flush_to_disk fails our flush"
flush_reaches_device_body()
{
	truncate -s 8M disk.img
	QSD_BLKDEBUG='[{"event":"flush_to_disk","errno":5}]'
	qsd_start disk.img writable=on
	# QEMU skips a flush when nothing was written since the last one.
	head -c 4096 /dev/urandom >data
	vt_run write 0 <data || atf_fail "write failed: $(cat vt.err)"
	atf_check -s exit:1 -o ignore -e match:'flush: Input/output error' \
	    "$PVTEST_BINDIR/xbdtool" --vhost-user vu.sock \
	    --tunable hw.vtblk.writeback=1 flush
}

vt_case read_error "an I/O error ends the bio, not the device"
read_error_body()
{
	random_image 4
	QSD_BLKDEBUG='[{"event":"read_aio","errno":5,"once":true}]'
	qsd_start disk.img writable=on
	# The first read fails; the tool reads on and the second is good.
	atf_check -s exit:1 -o ignore -e match:'Input/output error' \
	    "$PVTEST_BINDIR/xbdtool" --vhost-user vu.sock read 0 4096
	must_run read 4096 4096
	dd if=disk.orig of=want bs=4096 skip=1 count=1 status=none
	atf_check cmp vt.out want
}

vt_case discard "discard punches holes in the host image"
discard_body()
{
	random_image 16
	qsd_start disk.img writable=on
	before=$(du -k disk.img | cut -f1)
	must_run discard 0 8388608
	after=$(du -k disk.img | cut -f1)
	[ $((before - after)) -ge 8000 ] ||
	    atf_fail "image used ${before} KiB before, ${after} KiB after"
	atf_check cmp -i 8388608 disk.img disk.orig
}

vt_case write_zeroes "write-zeroes zeroes exactly its range"
write_zeroes_body()
{
	random_image 8
	qsd_start disk.img writable=on
	must_run zeroes 1048576 2097152
	atf_check -o match:'write-zeroes' cat vt.err
	dd if=disk.img of=got bs=1M skip=1 count=2 status=none
	head -c 2097152 /dev/zero >zero
	atf_check cmp got zero
	atf_check cmp -n 1048576 disk.img disk.orig
	atf_check cmp -i 3145728 disk.img disk.orig
}

vt_case read_only "a read-only export: reads work, writes are refused"
read_only_body()
{
	random_image 4
	qsd_start disk.img writable=off
	must_run info
	atf_check -o match:'read-only' cat vt.out
	atf_check -s exit:1 -o ignore -e match:'Read-only file system' \
	    sh -c "head -c 4096 /dev/zero | '$PVTEST_BINDIR/xbdtool' \
	    --vhost-user vu.sock write 0"
	atf_check cmp disk.img disk.orig
	must_run read 0 4096
	head -c 4096 disk.orig >want
	atf_check cmp vt.out want
}

vt_case single_queue "one queue when the export has one"
single_queue_body()
{
	truncate -s 16M disk.img
	qsd_start disk.img writable=on,num-queues=1
	must_run verify
	vt_check_verify
	atf_check -o match:' 1 queue\(s\) of 1024' cat vt.err
}

vt_case queue_sizes "queues of 16, 64, 256 and 1024 entries"
queue_sizes_body()
{
	truncate -s 8M disk.img
	qsd_start disk.img writable=on,num-queues=2
	for s in 16 64 256 1024; do
		must_run --tunable hw.vtblk.queue_size=$s verify
		vt_check_verify
		atf_check -o match:"2 queue\\(s\\) of $s," cat vt.err
	done
}

vt_case indirect_off "direct chains only: segments bound by the queue"
indirect_off_body()
{
	truncate -s 8M disk.img
	qsd_start disk.img writable=on
	must_run --tunable hw.vtblk.indirect=0 --tunable hw.vtblk.queue_size=16 \
	    verify
	vt_check_verify
	atf_check -o match:'of 16, 14 segments, indirect off' cat vt.err
	must_run --tunable hw.vtblk.indirect=0 verify
	vt_check_verify
	atf_check -o match:'indirect off' cat vt.err
}

vt_case event_idx_off "flag-based notification suppression"
event_idx_off_body()
{
	truncate -s 8M disk.img
	qsd_start disk.img writable=on
	must_run --tunable hw.vtblk.event_idx=0 verify
	vt_check_verify
	atf_check -o match:'event-idx off' cat vt.err
}

vt_case suspend_resume "reset and reinit under load: nothing lost"
suspend_resume_body()
{
	truncate -s 16M disk.img
	qsd_start disk.img writable=on,num-queues=2
	must_run --suspend-every 20 verify
	vt_check_verify
	grep -q '^xbdtool: [1-9][0-9]* suspend/resume cycles' vt.err ||
	    atf_fail "no suspend/resume cycle ran: $(cat vt.err)"
}

atf_init_test_cases()
{
	for c in verify_defaults host_prefilled host_checks_writes \
	    flush_writeback flush_reaches_device read_error discard \
	    write_zeroes read_only single_queue queue_sizes indirect_off \
	    event_idx_off suspend_resume; do
		atf_add_test_case $c
	done
}
