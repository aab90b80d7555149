#! /usr/bin/env atf-sh
# SPDX-License-Identifier: BSD-2-Clause
#
# blkfront against a backend that misbehaves on purpose: xensim's blkback
# injects one kind of fault (-o blkback.fault=KIND) under xbdtool verify.
#
# A benign fault (a late, reordered or unannounced response, a backend
# that goes away and comes back, a disk that grows, a small grant table)
# must cost nothing but time: verify passes, every sector intact, nothing
# leaked.  A hostile one (a response repeated, or with a bad id, operation
# or status, or a producer index past the requests) must fail the device
# with a message naming it, promptly and by a normal exit, and leave the
# backend serving the next disk.  An I/O error must reach the bio it
# belongs to and no other, and never cost an acknowledged write.

. "$(atf_get_srcdir)/../../lib/pvtest.subr"
. "$(atf_get_srcdir)/../../tools/xensim/xensim.subr"
. "$(atf_get_srcdir)/xbd.subr"

# xbd_run with a bound: a frontend that stalls on a fault fails the case
# with its last words, not kyua's timeout.
xbd_run_bounded()
{
	xbd_start "$@"
	xbd_wait 60
}

fault_case()
{
	eval "atf_test_case $1 cleanup"
	eval "${1}_head() { atf_set descr '$2'; }"
	eval "${1}_cleanup() { xensim_stop; }"
}

# --------------------------------------------------------------------
# Benign faults

fault_case delay "every 7th response held back 20 ms"
delay_body()
{
	xensim_start -o blkback.fault=delay
	DISK_MB=8 xbd_run_bounded verify
	xbd_check_verify
	atf_check -o match:'fault delay: ring [0-9]+: response to [0-9]+ held 20 ms' \
	    cat xensim.log
}

fault_case reorder "batches of responses answered in reverse order"
reorder_body()
{
	xensim_start -o blkback.fault=reorder
	DISK_MB=8 xbd_run_bounded verify
	xbd_check_verify
	# Reversing a batch of one would prove nothing.
	atf_check -o match:'a batch of ([2-9]|[1-9][0-9]+) responses answered' \
	    cat xensim.log
}

fault_case drop_notify "no response announced on time: only late events"
drop_notify_body()
{
	# Every push silent: each event comes with a later push, or 5 ms on.
	xensim_start -o blkback.fault=drop-notify -o blkback.fault-every=1 \
	    -o blkback.fault-delay-ms=5
	DISK_MB=8 xbd_run_bounded verify
	xbd_check_verify
	atf_check -o match:'fault drop-notify: ring [0-9]+: no event' \
	    cat xensim.log
}

fault_case disconnect "the backend drops the rings mid-I/O, three times"
disconnect_body()
{
	xensim_start -o blkback.fault=disconnect -o blkback.fault-every=150 \
	    -o blkback.fault-limit=3
	DISK_MB=8 xbd_run_bounded verify
	# Requests done but never answered were sent again: none lost,
	# none applied out of turn.
	xbd_check_verify
	atf_check -o inline:"3\n" grep -c 'fault disconnect: rings dropped' \
	    xensim.log
	atf_check -o inline:"3\n" grep -c \
	    '^xvdb: backend closed under us; waiting for it to return$' xbd.err
	atf_check -o inline:"3\n" grep -c 'blkback 3/51728: frontend reconnects' \
	    xensim.log
	atf_check -o inline:"4\n" grep -c 'blkback 3/51728: connected:' \
	    xensim.log
	atf_check -o inline:"4\n" grep -c '^xvdb: 16384 sectors of 512 bytes' \
	    xbd.err
}

fault_case resize "the disk grows by 1 MiB while connected"
resize_body()
{
	xensim_start -o blkback.fault=resize -o blkback.fault-after=50 \
	    -o blkback.fault-every=1 -o blkback.fault-limit=1
	DISK_MB=8 xbd_run_bounded verify
	xbd_check_verify
	atf_check -o match:'fault resize: the image grows to 18432 sectors' \
	    cat xensim.log
	atf_check -o match:'^xvdb: resized from 16384 to 18432 sectors$' \
	    cat xbd.err
	atf_check -o inline:"9437184\n" stat -c %s disk.img
}

fault_case grant_shortage "a 2-frame grant table at queue depth 64"
grant_shortage_body()
{
	xensim_start -o gnttab.max-frames=2
	# Transient grants: 257 references a 1 MiB request, 1016 in all.
	PVKIT_TUNABLES=kern.log_level=7 DISK_MB=8 \
	    xbd_run_bounded --depth 64 --tunable hw.xbd.persistent=0 verify
	xbd_check_verify
	atf_check -o match:'domain 3 \(xbdtool\) created: .*up to 2 frames' \
	    cat xensim.log
	atf_check -o match:'^xvdb: out of grant references: 257 wanted' \
	    cat xbd.err
}

fault_case grant_shortage_persistent \
    "persistent grants, a 2-frame table, every response held 20 ms"
grant_shortage_persistent_body()
{
	# The pools are what the table bounds.  Holding every response keeps
	# depth 64 in flight whatever the speed of the build, so a ring
	# whose pool cannot grow must borrow another's or wait for pages.
	xensim_start -o gnttab.max-frames=2 -o blkback.fault=delay \
	    -o blkback.fault-every=1
	DISK_MB=8 xbd_run_bounded --depth 64 --stats verify
	xbd_check_verify
	atf_check -o match:'features .*persistent' cat xbd.err
	atf_check -o match:'^dev.xbd.xvdb.persistent_waits=[1-9]' cat xbd.out
	atf_check -o match:'^disk.xvdb.freeze_grants=[1-9]' cat xbd.out
}

fault_case mixed "delay, reorder, drop-notify, disconnect, resize in turn"
mixed_body()
{
	xensim_start -o blkback.fault=delay,reorder \
	    -o blkback.fault=drop-notify,disconnect,resize \
	    -o blkback.fault-every=11 -o blkback.fault-limit=40
	DISK_MB=8 xbd_run_bounded verify
	xbd_check_verify
	atf_check -o inline:"8\n" grep -c 'fault disconnect: rings dropped' \
	    xensim.log
	atf_check -o match:'^xvdb: resized from' cat xbd.err
}

# --------------------------------------------------------------------
# I/O errors

fault_case error_reads "every 7th read fails, 20 in all"
error_reads_body()
{
	xensim_start -o blkback.fault=error -o blkback.fault-op=read \
	    -o blkback.fault-limit=20
	DISK_MB=8 xbd_run_bounded verify
	# Exactly the 20 bios failed; every write was acknowledged, and the
	# last pass, after the 20, read every sector back as last written.
	atf_check -o inline:"1\n" cat xbd.rc
	atf_check -o match:' 20 errors, 0 mismatches' cat xbd.out
	atf_check -o inline:"20\n" grep -c 'fault error: ' xensim.log
	atf_check -s exit:1 grep -q 'device failed' xbd.err
	atf_check -s exit:1 grep -q LEAK xbd.err
}

fault_case error_write "a failed write among acknowledged ones"
error_write_body()
{
	xensim_start -o blkback.fault=error -o blkback.fault-op=write \
	    -o blkback.fault-after=2 -o blkback.fault-every=1 \
	    -o blkback.fault-limit=1
	head -c 4194304 /dev/urandom >payload
	# Four 1 MiB writes in turn: the third fails, and ends the tool.
	DISK_MB=8 xbd_run write 0 <payload
	atf_check -o inline:"1\n" cat xbd.rc
	atf_check -o match:'^xbdtool: write: Input/output error$' cat xbd.err
	atf_check -s exit:1 grep -q LEAK xbd.err
	# The two acknowledged are on the disk; the failed one is not.
	atf_check -s exit:0 cmp -n 2097152 payload disk.img
	atf_check -s exit:0 cmp -n 6291456 disk.img /dev/zero 2097152 0
	# And read back through blkfront, the fault spent.
	DISK_MB=8 xbd_run read 0 2097152
	atf_check -o inline:"0\n" cat xbd.rc
	atf_check -s exit:0 cmp -n 2097152 payload xbd.out
}

fault_case error_writes "every 7th write fails under verify, 10 in all"
error_writes_body()
{
	xensim_start -o blkback.fault=error -o blkback.fault-op=write \
	    -o blkback.fault-limit=10
	DISK_MB=8 xbd_run_bounded verify
	# Each error reaches the one bio it belongs to (which verify then
	# finds stale), and the disk itself stays up.
	atf_check -o inline:"1\n" cat xbd.rc
	atf_check -o match:' 10 errors, ' cat xbd.out
	atf_check -o inline:"10\n" grep -c 'fault error: ' xensim.log
	atf_check -s exit:1 grep -q 'device failed' xbd.err
	atf_check -s exit:1 grep -q LEAK xbd.err
	DISK_MB=8 xbd_run_bounded verify
	xbd_check_verify
}

# --------------------------------------------------------------------
# Hostile faults

# One fault of kind $1 on the 101st response, with verify's requests in
# flight.  xbdtool must fail the device with a message matching $2 (an
# extended regular expression, after "xvdb: device failed: "), end by
# itself with status 1, not by a signal, and leak nothing; no read that
# succeeded may have brought back wrong data.  xensim must then serve a
# fresh disk.
hostile()
{
	xensim_start -o blkback.fault=$1 -o blkback.fault-after=100 \
	    -o blkback.fault-every=1 -o blkback.fault-limit=1
	DISK_MB=8 xbd_start verify
	xbd_wait 60
	cp xbd.err hostile.err
	atf_check -o match:"fault $1: " cat xensim.log
	atf_check -o inline:"1\n" cat xbd.rc
	atf_check -o match:"^xvdb: device failed: $2; all I/O now ends in EIO$" \
	    cat hostile.err
	atf_check -s exit:1 grep -q LEAK hostile.err
	atf_check -o match:' errors, 0 mismatches$' cat xbd.out
	xensim_alive || atf_fail "xensim is gone: $(cat xensim.status)"
	XBD_DISK=fresh.img DISK_MB=8 xbd_run_bounded verify
	xbd_check_verify
}

# What the backend logged about its fault, by sed expression $1.
logged()
{
	sed -n "s/$1/\\1/p" xensim.log
}

fault_case duplicate "a response sent twice"
duplicate_body()
{
	hostile duplicate \
	    'response id [0-9]+ is not a request in flight on queue [0-9]+'
	_id=$(logged '.*fault duplicate: .*response to \([0-9]*\) sent again.*')
	atf_check -o match:"device failed: response id $_id is not" \
	    cat hostile.err
}

fault_case bad_id "a response with an id no request has"
bad_id_body()
{
	hostile bad-id \
	    'response id [0-9]+ is not a request in flight on queue [0-9]+'
	_id=$(logged '.*fault bad-id: .* carries id \([0-9]*\)$')
	atf_check -o match:"device failed: response id $_id is not" \
	    cat hostile.err
}

fault_case bad_op "a response with another operation than its request"
bad_op_body()
{
	hostile bad-op \
	    'response to [0-9]+ has operation [0-9]+, request had [0-9]+'
	_id=$(logged '.*fault bad-op: .*response to \([0-9]*\) says.*')
	_op=$(logged '.*says operation \([0-9]*\), not.*')
	_was=$(logged '.*says operation [0-9]*, not \([0-9]*\)$')
	_want="response to $_id has operation $_op, request had $_was;"
	atf_check -o match:"device failed: $_want" cat hostile.err
}

fault_case bad_status "a response with status 7"
bad_status_body()
{
	hostile bad-status 'response to [0-9]+ has status 7'
	_id=$(logged '.*fault bad-status: .*response to \([0-9]*\) has status 7$')
	atf_check -o match:"device failed: response to $_id has status 7" \
	    cat hostile.err
}

fault_case overrun "rsp_prod pushed past the requests made"
overrun_body()
{
	hostile overrun 'rsp_prod [0-9]+ runs past the [0-9]+ requests made'
}

# --------------------------------------------------------------------
# The options

atf_test_case options_are_checked
options_are_checked_head()
{
	atf_set descr "bad fault and grant-table options stop xensim"
}
options_are_checked_body()
{
	pvtest_bindir xensim
	_xs="$PVTEST_BINDIR/xensim"
	# Refused while parsing: no socket is ever made.
	export XENSTORED_PATH="$(pwd)/never.sock"
	atf_check -s exit:2 \
	    -e match:'blkback.fault=delay,bogus: "bogus" is not one of error, delay' \
	    "$_xs" -o blkback.fault=delay,bogus
	atf_check -s exit:2 -e match:'blkback.fault=delay,: "" is not one of' \
	    "$_xs" -o blkback.fault=delay,
	atf_check -s exit:2 \
	    -e match:'blkback.fault-every=0: expected a number from 1 to' \
	    "$_xs" -o blkback.fault-every=0
	atf_check -s exit:2 \
	    -e match:'fault-delay-ms=10001: expected a number from 0 to 10000' \
	    "$_xs" -o blkback.fault-delay-ms=10001
	atf_check -s exit:2 \
	    -e match:'fault-storm-us=0: expected a number from 1 to 1000000' \
	    "$_xs" -o blkback.fault-storm-us=0
	atf_check -s exit:2 -e match:'"sideways" is not one of .*, storm$' \
	    "$_xs" -o blkback.fault=sideways
	atf_check -s exit:2 \
	    -e match:'blkback.fault-op=sideways: expected any, read or write' \
	    "$_xs" -o blkback.fault-op=sideways
	atf_check -s exit:2 \
	    -e match:'gnttab.max-frames=0: expected a number from 1 to 32' \
	    "$_xs" -o gnttab.max-frames=0
	atf_check -s exit:2 \
	    -e match:'gnttab.max-frames=33: expected a number from 1 to 32' \
	    "$_xs" -o gnttab.max-frames=33
	atf_check -s exit:2 -e match:'unknown option "gnttab.frames"' \
	    "$_xs" -o gnttab.frames=2
	[ ! -e never.sock ] || atf_fail "xensim made its socket"
}

atf_init_test_cases()
{
	atf_add_test_case delay
	atf_add_test_case reorder
	atf_add_test_case drop_notify
	atf_add_test_case disconnect
	atf_add_test_case resize
	atf_add_test_case grant_shortage
	atf_add_test_case grant_shortage_persistent
	atf_add_test_case mixed
	atf_add_test_case error_reads
	atf_add_test_case error_write
	atf_add_test_case error_writes
	atf_add_test_case duplicate
	atf_add_test_case bad_id
	atf_add_test_case bad_op
	atf_add_test_case bad_status
	atf_add_test_case overrun
	atf_add_test_case options_are_checked
}
