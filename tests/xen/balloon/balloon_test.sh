#! /usr/bin/env atf-sh
# SPDX-License-Identifier: BSD-2-Clause
#
# The Xen balloon end to end: xbdtool balloon (a hosted domain of 64 MiB)
# against xensim, with the target moved by xensim-ctl mem-set as xl
# would, or written by hand with xenstore-write.  What the balloon says
# is checked against the hypervisor's count of the domain's pages and
# against the host's count of the blocks behind the domain's RAM.

. "$(atf_get_srcdir)/../../lib/pvtest.subr"
. "$(atf_get_srcdir)/../../tools/xensim/xensim.subr"

DOM=4
MIB=64

# Start the domain; its pid is left in _pid, its output in bal.out and
# bal.err.  It writes all its free pages first, so the host backs them.
bal_start()
{
	"$PVTEST_BINDIR/xbdtool" --domain $DOM --mem $MIB balloon 100 \
	    >bal.out 2>bal.err &
	_pid=$!
	bal_wait_log 'reached 0 pages; reservation 16384 pages'
}

# Wait at most 10 s for the domain to log the extended regexp $1, on
# ${2:-1} lines.
bal_wait_log()
{
	_n=1000
	until [ "$(grep -Ec "$1" bal.err 2>/dev/null || :)" -ge "${2:-1}" ] \
	    2>/dev/null; do
		_n=$((_n - 1))
		if [ $_n -le 0 ] || ! kill -0 $_pid 2>/dev/null; then
			cat bal.err >&2
			atf_fail "xbdtool never logged \"$1\""
		fi
		sleep 0.01
	done
}

bal_mem_set()
{
	atf_check -s exit:0 "$PVTEST_BINDIR/xensim-ctl" mem-set $DOM "$1"
}

# SIGTERM ends it: it detaches and reports; its status is left in bal.rc.
bal_stop()
{
	kill -TERM $_pid
	_n=100
	while kill -0 $_pid 2>/dev/null; do
		_n=$((_n - 1))
		if [ $_n -le 0 ]; then
			kill -KILL $_pid
			wait $_pid
			cat bal.err >&2
			atf_fail "xbdtool still running 10 s after SIGTERM"
		fi
		sleep 0.1
	done
	wait $_pid
	echo $? >bal.rc
}

# Clean end: status 0, every page back, nothing leaked.
bal_check_clean()
{
	if [ "$(cat bal.rc)" != 0 ]; then
		cat bal.out bal.err >&2
		atf_fail "xbdtool balloon exited $(cat bal.rc)"
	fi
	atf_check -o match:'after detach: reservation 16384 pages of 16384' \
	    cat bal.out
	atf_check -s exit:1 grep -q LEAK bal.err
}

# KiB of host memory behind the domain's RAM: the blocks of its memfd.
bal_ram_kib()
{
	_fd=$(ls -l /proc/$_pid/fd | awk '/memfd:pvkit-guest-ram/ { print $9 }')
	[ -n "$_fd" ] || atf_fail "no guest RAM memfd in /proc/$_pid/fd"
	echo $(($(stat -L -c '%b * %B' /proc/$_pid/fd/$_fd) / 1024))
}

bal_case()
{
	eval "atf_test_case $1 cleanup"
	eval "$1_head() { atf_set descr '$2'; }"
	eval "$1_cleanup() { xensim_stop; }"
}

bal_case inflate_deflate \
    "mem-set 48 of 64 MiB gives 16 MiB to the host; mem-set 64 takes it back"
inflate_deflate_body()
{
	xensim_start
	bal_start
	full=$(bal_ram_kib)
	[ $full -ge $((MIB * 1024 - 64)) ] ||
	    atf_fail "only $full KiB of RAM backed before ballooning"

	bal_mem_set 48
	bal_wait_log 'reached 4096 pages; reservation 12288 pages'
	# The host really has the pages back: they are holes in the memfd.
	now=$(bal_ram_kib)
	[ $((full - now)) -ge 16384 ] ||
	    atf_fail "the host got $((full - now)) KiB back, not 16 MiB"

	bal_mem_set 64
	bal_wait_log 'target 0 pages \(memory/target 65536 KiB\)'
	bal_wait_log 'reached 0 pages; reservation 16384 pages$' 2
	bal_stop
	bal_check_clean
	atf_check -o match:'target 0 pages, size 0 pages, inflated 4096, ' \
	    -o match:'deflated 4096, host refusals 0,' cat bal.out
}

bal_case above_static_max \
    "a target above memory/static-max is refused and the balloon stays"
above_static_max_body()
{
	pvtest_require_peer xenstore-utils xenstore-write
	xensim_start
	bal_start
	bal_mem_set 48
	bal_wait_log 'reached 4096 pages'
	# xl refuses it itself ...
	atf_check -s not-exit:0 -e match:'memory_static_max' \
	    "$PVTEST_BINDIR/xensim-ctl" mem-set $DOM 80
	# ... so play a toolstack that does not.
	atf_check xenstore-write /local/domain/$DOM/memory/target 81920
	bal_wait_log 'memory/target: 81920 KiB is above memory/static-max'
	atf_check -o match:'\(65536 KiB\): refused; keeping 49152 KiB' \
	    cat bal.err
	bal_wait_log '1 bad targets'
	sleep 0.2
	atf_check -s exit:1 grep -q 'target 0 pages' bal.err
	bal_mem_set 64
	bal_wait_log 'reached 0 pages; reservation 16384 pages$' 2
	bal_stop
	bal_check_clean
	atf_check -o match:'inflated 4096, deflated 4096, .* bad targets 1$' \
	    cat bal.out
}

bal_case bad_target \
    "a memory/target that is not a number is named and ignored"
bad_target_body()
{
	pvtest_require_peer xenstore-utils xenstore-write
	xensim_start
	bal_start
	bal_mem_set 48
	bal_wait_log 'reached 4096 pages'
	atf_check xenstore-write /local/domain/$DOM/memory/target abc
	bal_wait_log 'memory/target: "abc" is not a number'
	bal_wait_log 'memory/target: not usable \(error [0-9]+\); keeping 49152 KiB'
	atf_check xenstore-write /local/domain/$DOM/memory/target ''
	bal_wait_log '2 bad targets'
	atf_check xenstore-write /local/domain/$DOM/memory/target \
	    99999999999999999999999
	bal_wait_log '3 bad targets'
	sleep 0.2
	kill -0 $_pid || atf_fail "xbdtool died on a bad target"
	# Still at 4096 pages, and a good target still works.  xl, like
	# xensim-ctl, will not move a target it cannot read: write it.
	atf_check -s exit:1 grep -q 'target 0 pages' bal.err
	atf_check xenstore-write /local/domain/$DOM/memory/target 61440
	bal_wait_log 'reached 1024 pages; reservation 15360 pages'
	bal_mem_set 64
	bal_wait_log 'reached 0 pages; reservation 16384 pages$' 2
	bal_stop
	bal_check_clean
	atf_check -o match:'inflated 4096, deflated 4096, .* bad targets 3$' \
	    cat bal.out
}

bal_case detach_ballooned \
    "pages the host will not return stay out, and the tool says so"
detach_ballooned_body()
{
	xensim_start
	bal_start
	bal_mem_set 48
	bal_wait_log 'reached 4096 pages'
	# At 48 MiB the domain's maximum lets only 256 pages come back
	# (libxl's 1 MiB of slack): the rest stay the host's.
	bal_stop
	atf_check -o inline:'1\n' cat bal.rc
	atf_check -o match:'the host kept 3840 pages' cat bal.err
	atf_check -o match:'LEAK after detach: 3840 pages' cat bal.err
	atf_check -o match:'after detach: reservation 12544 pages' cat bal.out
}

bal_case control_shutdown \
    "control/shutdown: unknown requests stay; a poweroff is acknowledged"
control_shutdown_body()
{
	pvtest_require_peer xenstore-utils xenstore-write
	xensim_start
	bal_start
	c=/local/domain/$DOM/control
	for f in poweroff reboot suspend; do
		atf_check -o inline:'1\n' xenstore-read $c/feature-$f
	done
	# xl never writes halt: not ours to acknowledge, nor to act on.
	atf_check xenstore-write $c/shutdown halt
	bal_wait_log '"halt" is no request we know; ignored'
	atf_check -o inline:'halt\n' xenstore-read $c/shutdown
	kill -0 $_pid || atf_fail "xbdtool ended on an unknown request"
	# Acknowledged as libxl waits for it: the node emptied.
	atf_check xenstore-write $c/shutdown poweroff
	bal_wait_log 'the toolstack asks for a poweroff'
	atf_check -o inline:'\n' xenstore-read $c/shutdown
	# What xl destroy would do next.
	bal_stop
	bal_check_clean
}

atf_init_test_cases()
{
	atf_add_test_case inflate_deflate
	atf_add_test_case above_static_max
	atf_add_test_case bad_target
	atf_add_test_case control_shutdown
	atf_add_test_case detach_ballooned
}
