#! /usr/bin/env atf-sh
# SPDX-License-Identifier: BSD-2-Clause
#
# blkfront end to end: xbdtool (a hosted frontend) against xensim's
# blkback, with the disk hot-plugged by xensim-ctl as xl would.  Each
# feature combination runs xbdtool verify, which fails on any mismatch,
# and on any page, allocation or grant left over after detach.

. "$(atf_get_srcdir)/../../lib/pvtest.subr"
. "$(atf_get_srcdir)/../../tools/xensim/xensim.subr"
# xbd_start, xbd_run, xbd_check_verify, xbd_discard_granules
. "$(atf_get_srcdir)/xbd.subr"

verify_case()
{
	_name=$1
	_descr=$2
	shift 2
	eval "atf_test_case $_name cleanup"
	eval "${_name}_head() { atf_set descr '$_descr'; }"
	eval "${_name}_cleanup() { xensim_stop; }"
}

# Every ring of $1 carried requests: by blkback's count, logged per
# ring when the rings went down, and by blkfront's per-queue counters.
every_ring_used()
{
	_q=0
	while [ $_q -lt $1 ]; do
		atf_check -o match:"blkback: 3/51728 ring $_q: [1-9][0-9]* requests" \
		    cat xensim.log
		atf_check -o match:"^dev.xbd.xvdb.q$_q.requests=[1-9][0-9]*\$" \
		    cat xbd.out
		atf_check -o match:"^dev.xbd.xvdb.q$_q.responses=[1-9][0-9]*\$" \
		    cat xbd.out
		_q=$((_q + 1))
	done
	atf_check -o not-match:"ring $1:" cat xensim.log
	atf_check -o not-match:"^dev.xbd.xvdb.q$1\." cat xbd.out
}

verify_case verify_defaults \
    "multi-page rings, 4 queues, each loaded, indirect segments"
verify_defaults_body()
{
	xensim_start
	xbd_run --stats verify
	xbd_check_verify
	atf_check -o match:'4 queue\(s\) of 16 page\(s\), 256 segments' \
	    cat xbd.err
	# One submitting thread per queue, and each on its own ring.
	every_ring_used 4
}

verify_case verify_single_page_ring "a one-page ring, as old backends want"
verify_single_page_ring_body()
{
	xensim_start
	xbd_run --tunable hw.xbd.max_ring_order=0 verify
	xbd_check_verify
	atf_check -o match:'of 1 page\(s\)' cat xbd.err
}

verify_case verify_without_indirect "11 segments per request, no indirect"
verify_without_indirect_body()
{
	xensim_start
	xbd_run --tunable hw.xbd.max_indirect=0 verify
	xbd_check_verify
	atf_check -o match:', 11 segments per request' cat xbd.err
	# Direct requests carry verify's ordered writes as barriers.
	atf_check -o match:'features flush,barrier,discard' cat xbd.err
	atf_check -o match:'barrier [1-9]' cat xensim.log
	atf_check -o not-match:'indirect' -x "grep features xbd.err"
}

verify_case verify_one_queue "a single ring"
verify_one_queue_body()
{
	xensim_start
	xbd_run --tunable hw.xbd.max_queues=1 verify
	xbd_check_verify
	atf_check -o match:'1 queue\(s\)' cat xbd.err
}

verify_case verify_two_queues "two rings"
verify_two_queues_body()
{
	xensim_start
	xbd_run --tunable hw.xbd.max_queues=2 --depth 64 --stats verify
	xbd_check_verify
	atf_check -o match:'2 queue\(s\)' cat xbd.err
	every_ring_used 2
}

verify_case verify_queue_depth_one "one request at a time"
verify_queue_depth_one_body()
{
	xensim_start
	DISK_MB=4 xbd_run --depth 1 verify
	xbd_check_verify
}

verify_case verify_untrusted_backend \
    "trusted=0: every data page goes through a bounce buffer"
verify_untrusted_backend_body()
{
	xensim_start
	# Persistent grants isolate by themselves: turn them off to bounce.
	LIBXL_DISK_BACKEND_UNTRUSTED=1 xbd_run --tunable hw.xbd.persistent=0 \
	    verify
	xbd_check_verify
	atf_check -o match:'untrusted backend: bouncing all data' cat xbd.err
}

# In SEEN, how many frames of domain 3 that xensim mapped lie in
# xbdtool's data buffer, whose frames xbdtool logged.
frames_seen_in_buffer()
{
	_range=$(sed -n 's/.*data buffer: frames \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\)$/\1 \2/p' \
	    xbd.err | head -n 1)
	[ -n "$_range" ] || atf_fail "xbdtool logged no data buffer frames"
	_lo=$((${_range% *}))
	_hi=$((${_range#* }))
	SEEN=0
	while read -r _dom _frame; do
		[ "$_dom" = 3 ] || continue
		_f=$((_frame))
		[ $_f -lt $_lo ] || [ $_f -gt $_hi ] || SEEN=$((SEEN + 1))
	done <frames.log
}

# Write 1 MiB through transient grants (persistent ones copy whatever
# the trust), with xensim logging each frame it maps; $1 is libxl's
# LIBXL_DISK_BACKEND_UNTRUSTED for the toolstack.
frames_write()
{
	xensim_start -o gnttab.frames-log="$(pwd)/frames.log"
	head -c 1048576 /dev/urandom >payload
	LIBXL_DISK_BACKEND_UNTRUSTED=$1 PVKIT_TUNABLES=kern.log_level=7 \
	    DISK_MB=4 xbd_run --tunable hw.xbd.persistent=0 --stats \
	    write 0 <payload
	atf_check -o inline:"0\n" cat xbd.rc
	atf_check cmp -n 1048576 payload disk.img
	atf_check -o not-inline:"0\n" -x "grep -c '^3 ' frames.log"
	frames_seen_in_buffer
}

verify_case untrusted_backend_never_maps_caller_data \
    "trusted=0: the backend maps bounce and ring pages, never a caller page"
untrusted_backend_never_maps_caller_data_body()
{
	frames_write 1
	atf_check -o match:'^dev.xbd.xvdb.bounced=[1-9][0-9]*$' cat xbd.out
	[ $SEEN -eq 0 ] || atf_fail "the untrusted backend mapped $SEEN" \
	    "frames of the caller's buffer"
}

verify_case trusted_backend_maps_caller_data \
    "trusted=1: the backend is given the caller pages (the control)"
trusted_backend_maps_caller_data_body()
{
	frames_write 0
	atf_check -o match:'^dev.xbd.xvdb.bounced=0$' cat xbd.out
	[ $SEEN -gt 0 ] || atf_fail "a trusted backend mapped no frame of" \
	    "the buffer: the check above could not see one"
}

verify_case verify_persistent_off "transient grants for every request"
verify_persistent_off_body()
{
	xensim_start
	xbd_run --tunable hw.xbd.persistent=0 verify
	xbd_check_verify
	atf_check -o not-match:'persistent' -x "grep features xbd.err"
}

verify_case verify_backend_without_persistent \
    "the backend does not offer persistent grants"
verify_backend_without_persistent_body()
{
	xensim_start -o blkback.persistent=0
	xbd_run verify
	xbd_check_verify
	atf_check -o not-match:'persistent' -x "grep features xbd.err"
}

verify_case verify_backend_minimal \
    "a backend with every optional feature off"
verify_backend_minimal_body()
{
	xensim_start -o blkback.indirect=0 -o blkback.ring-order=0 \
	    -o blkback.queues=1 -o blkback.persistent=0 -o blkback.flush=0 \
	    -o blkback.barrier=0 -o blkback.discard=0
	xbd_run verify
	xbd_check_verify
	atf_check -o match:'1 queue\(s\) of 1 page\(s\), 11 segments per request, features none' \
	    cat xbd.err
}

verify_case verify_across_suspend_resume \
    "suspend and resume every 40 ms during verify: nothing lost"
verify_across_suspend_resume_body()
{
	xensim_start
	DISK_MB=32 xbd_run --suspend-every 40 verify
	xbd_check_verify
	atf_check -o match:'xbdtool: [1-9][0-9]* suspend/resume cycles' \
	    cat xbd.err
}

verify_case verify_requeues_in_flight \
    "a suspend with requests held in the backend requeues them: nothing lost"
verify_requeues_in_flight_body()
{
	# Every 7th response is held 30 ms; the suspends do not wait.
	xensim_start -o blkback.fault=delay -o blkback.fault-delay-ms=30
	DISK_MB=32 xbd_run --suspend-every 40 --suspend-drain 0 verify
	xbd_check_verify
	atf_check -o match:'xbdtool: [1-9][0-9]* suspend/resume cycles, [1-9][0-9]* requests requeued' \
	    cat xbd.err
}

# dev.xbd.xvdb.$1 from the --stats in xbd.out, into VAL.
stat_value()
{
	VAL=$(sed -n "s/^dev\.xbd\.xvdb\.$1=//p" xbd.out)
	[ -n "$VAL" ] || atf_fail "no dev.xbd.xvdb.$1 in the --stats"
}

# A backend that keeps at most 64 persistent grants a ring mapped: the
# pool pages beyond those are the frontend's to take back once idle.
verify_case idle_persistent_grants_are_purged \
    "pool pages idle for purge_ms go back, but not those the backend maps"
idle_persistent_grants_are_purged_body()
{
	xensim_start -o blkback.max-persistent-grants=64
	xbd_run --tunable hw.xbd.purge_ms=100 --hold 500 --stats verify
	xbd_check_verify
	stat_value persistent_purged
	[ "$VAL" -gt 0 ] || atf_fail "nothing purged"
	stat_value persistent_pages
	[ "$VAL" -le $((4 * 64)) ] ||
	    atf_fail "$VAL pool pages kept; the backend maps at most 256"
}

verify_case persistent_grants_stay_without_purge \
    "purge_ms=0: a once-busy pool keeps its pages (the control)"
persistent_grants_stay_without_purge_body()
{
	xensim_start -o blkback.max-persistent-grants=64
	xbd_run --tunable hw.xbd.purge_ms=0 --hold 500 --stats verify
	xbd_check_verify
	atf_check -o match:'^dev.xbd.xvdb.persistent_purged=0$' cat xbd.out
	stat_value persistent_pages
	[ "$VAL" -gt $((4 * 64)) ] ||
	    atf_fail "only $VAL pool pages: verify did not grow the pool"
}

verify_case verify_requeues_to_a_smaller_backend \
    "requests held at a suspend go to a backend that takes less, cut to fit"
verify_requeues_to_a_smaller_backend_body()
{
	# After the first suspend: no indirect segments, one queue, one page.
	xensim_start -o blkback.fault=delay -o blkback.fault-delay-ms=30 \
	    -o blkback.shrink-on-reconnect=1
	DISK_MB=32 xbd_run --suspend-every 40 --suspend-drain 0 verify
	xbd_check_verify
	atf_check -o match:'xbdtool: [1-9][0-9]* suspend/resume cycles, [1-9][0-9]* requests requeued' \
	    cat xbd.err
	atf_check -o match:'shrinks for the reconnect' cat xensim.log
	atf_check -o match:'4 queue\(s\) of 16 page\(s\), 256 segments' \
	    cat xbd.err
	atf_check -o match:'1 queue\(s\) of 1 page\(s\), 11 segments' \
	    cat xbd.err
}

atf_test_case polled_io_without_interrupts cleanup
polled_io_without_interrupts_head()
{
	atf_set descr "the ring interrupts masked: write and read by polling"
}
polled_io_without_interrupts_body()
{
	xensim_start
	head -c 20000 /dev/urandom >payload
	DISK_MB=1 xbd_run --polled --stats write 4096 <payload
	atf_check -o inline:"0\n" cat xbd.rc
	atf_check -s exit:0 cmp -n 20000 payload disk.img 0 4096
	# Answered, and not one interrupt taken for it.
	atf_check -o match:'^dev.xbd.xvdb.responses=[1-9][0-9]*$' cat xbd.out
	atf_check -o match:'^dev.xbd.xvdb.interrupts=0$' cat xbd.out
	DISK_MB=1 xbd_run --polled read 4096 20000
	atf_check -o inline:"0\n" cat xbd.rc
	atf_check -s exit:0 cmp payload xbd.out
}
polled_io_without_interrupts_cleanup()
{
	xensim_stop
}

atf_test_case discard_punches_whole_granules cleanup
discard_punches_whole_granules_head()
{
	atf_set descr "discard through blkfront: granules zeroed, rest kept"
}
discard_punches_whole_granules_body()
{
	xensim_start
	xbd_discard_granules
}
discard_punches_whole_granules_cleanup()
{
	xensim_stop
}

atf_test_case detach_while_idle_then_reattach cleanup
detach_while_idle_then_reattach_head()
{
	atf_set descr "block-detach of a closed disk, then a new attach"
}
detach_while_idle_then_reattach_body()
{
	xensim_start
	xbd_start idle 30
	xbd_wait_log 'idle: connected'
	atf_check -s exit:0 "$PVTEST_BINDIR/xensim-ctl" block-detach 3 xvdb
	wait $_pid
	atf_check -o inline:"0\n" -x "echo $?"
	atf_check -o match:'idle: the disk was closed' cat xbd.err
	atf_check -s exit:1 grep -q LEAK xbd.err
	atf_check -s exit:1 xenstore-exists /local/domain/0/backend/vbd/3
	# The same domain and vdev attach again and work.
	xbd_run verify
	xbd_check_verify
}
detach_while_idle_then_reattach_cleanup()
{
	xensim_stop
}

atf_test_case info_reports_negotiated_values cleanup
info_reports_negotiated_values_head()
{
	atf_set descr "the counters hold what was negotiated"
}
info_reports_negotiated_values_body()
{
	xensim_start
	DISK_MB=8 xbd_run info
	atf_check -o inline:"0\n" cat xbd.rc
	atf_check -o match:'^xvdb: 16384 sectors \(8 MiB\), sector size 512' \
	    -o match:'^dev.xbd.xvdb.ring_pages: 16$' \
	    -o match:'^dev.xbd.xvdb.queues: 4$' \
	    -o match:'^dev.xbd.xvdb.max_segments: 256$' \
	    -o match:'^dev.xbd.xvdb.max_request_size: 1048576$' \
	    -o match:'^dev.xbd.xvdb.features: flush,discard,indirect,persistent$' \
	    cat xbd.out
}
info_reports_negotiated_values_cleanup()
{
	xensim_stop
}

atf_test_case raw_write_lands_in_the_image cleanup
raw_write_lands_in_the_image_head()
{
	atf_set descr "unaligned write through blkfront, checked on the host"
}
raw_write_lands_in_the_image_body()
{
	xensim_start
	head -c 10000 /dev/urandom >payload
	# A write at an odd offset: the edges are read, merged, written.
	DISK_MB=1 xbd_run write 1000 <payload
	atf_check -o inline:"0\n" cat xbd.rc
	atf_check -o match:'wrote 10000 bytes at 1000' cat xbd.err
	atf_check -s exit:0 cmp -n 10000 payload disk.img 0 1000
	atf_check -s exit:0 cmp -n 1000 disk.img /dev/zero
	atf_check -s exit:0 cmp -n 10000 disk.img /dev/zero 11000 0
	# A second domain 3 reads it back through its own frontend.
	DISK_MB=1 xbd_run read 1000 10000
	atf_check -o inline:"0\n" cat xbd.rc
	atf_check -s exit:0 cmp payload xbd.out
}
raw_write_lands_in_the_image_cleanup()
{
	xensim_stop
}

atf_test_case detach_under_load_waits_for_close cleanup
detach_under_load_waits_for_close_head()
{
	atf_set descr "block-detach during verify: deferred, then clean"
}
detach_under_load_waits_for_close_body()
{
	xensim_start
	DISK_MB=64 xbd_start verify
	xbd_wait_log 'verify: fill'
	# The disk is open: the backend's Closing waits for the last close.
	atf_check -s exit:0 "$PVTEST_BINDIR/xensim-ctl" block-detach 3 xvdb
	wait $_pid
	echo $? >xbd.rc
	xbd_check_verify
	atf_check -o match:'deferred until the disk is closed' cat xbd.err
	atf_check -s exit:1 xenstore-exists /local/domain/0/backend/vbd/3
}
detach_under_load_waits_for_close_cleanup()
{
	xensim_stop
}

atf_init_test_cases()
{
	atf_add_test_case verify_defaults
	atf_add_test_case verify_single_page_ring
	atf_add_test_case verify_without_indirect
	atf_add_test_case verify_one_queue
	atf_add_test_case verify_two_queues
	atf_add_test_case verify_queue_depth_one
	atf_add_test_case verify_untrusted_backend
	atf_add_test_case verify_persistent_off
	atf_add_test_case verify_backend_without_persistent
	atf_add_test_case verify_backend_minimal
	atf_add_test_case verify_across_suspend_resume
	atf_add_test_case verify_requeues_in_flight
	atf_add_test_case verify_requeues_to_a_smaller_backend
	atf_add_test_case idle_persistent_grants_are_purged
	atf_add_test_case persistent_grants_stay_without_purge
	atf_add_test_case untrusted_backend_never_maps_caller_data
	atf_add_test_case trusted_backend_maps_caller_data
	atf_add_test_case polled_io_without_interrupts
	atf_add_test_case detach_while_idle_then_reattach
	atf_add_test_case discard_punches_whole_granules
	atf_add_test_case info_reports_negotiated_values
	atf_add_test_case raw_write_lands_in_the_image
	atf_add_test_case detach_under_load_waits_for_close
}
