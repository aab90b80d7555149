#! /usr/bin/env atf-sh
# SPDX-License-Identifier: BSD-2-Clause
#
# The reference guest's virtio-balloon under QEMU's own device, driven the
# way a user drives it: QMP balloon, checked with QMP query-balloon, which
# reports what the guest wrote back as "actual".

. "$(atf_get_srcdir)/guest.subr"

MIB=1048576

# Boot workload=idle for $1 seconds in the background, with a balloon
# whose extra options are $2, and wait until the guest is up.
idle_boot()
{
	guest_start --mem 256 --append "workload=idle kern.guest.idle_secs=$1" \
	    --device "virtio-balloon-pci$2" --qmp qmp.sock
	VM=$GUEST_PID
	QMP=$PVTEST_BINDIR/pvkit-qmp
	console_wait '^idle: up'
}

actual_is()
{
	atf_check -o inline:"{\"return\": {\"actual\": $1}}\n" \
	    "$QMP" qmp.sock '{"execute":"query-balloon"}'
}

# The guest idles 12 s, then ends the run itself: its verdict counts.
inflate_deflate()
{
	idle_boot 12 "$1"
	actual_is $((256 * MIB))
	atf_check -o ignore "$QMP" qmp.sock \
	    "{\"execute\":\"balloon\",\"arguments\":{\"value\":$((192 * MIB))}}"
	console_wait '^idle: balloon holds 16384 pages'
	actual_is $((192 * MIB))
	atf_check -o ignore "$QMP" qmp.sock \
	    "{\"execute\":\"balloon\",\"arguments\":{\"value\":$((256 * MIB))}}"
	console_wait '^idle: balloon holds 0 pages'
	actual_is $((256 * MIB))
	wait $VM || atf_fail "the guest run failed: $(tail -n 3 console.log)"
	last_line_is "pvkit guest: PASS"
	atf_check -s exit:1 grep -q panic console.log
}

guest_case modern "64 MiB out through QMP balloon, and back"
modern_body()
{
	inflate_deflate ",disable-legacy=on"
	atf_check -o match:'^balloon0: virtio-pci modern' cat console.log
}

guest_case legacy "the same through a legacy device"
legacy_body()
{
	inflate_deflate ",disable-modern=on"
	atf_check -o match:'^balloon0: virtio-pci legacy' cat console.log
}

guest_case greedy_host "a host asking for nearly all RAM: the guest lives"
greedy_host_body()
{
	idle_boot 6 ""
	atf_check -o ignore "$QMP" qmp.sock \
	    "{\"execute\":\"balloon\",\"arguments\":{\"value\":$MIB}}"
	# It gives what it can spare, keeps 5% of RAM, and stays up.
	sleep 2
	actual=$("$QMP" qmp.sock '{"execute":"query-balloon"}' |
	    sed 's/.*"actual": \([0-9]*\).*/\1/')
	[ "$actual" -ge $((12 * MIB)) ] && [ "$actual" -le $((40 * MIB)) ] ||
	    atf_fail "query-balloon says the guest kept $actual bytes"
	wait $VM || atf_fail "the guest run failed: $(tail -n 3 console.log)"
	last_line_is "pvkit guest: PASS"
	atf_check -s exit:1 grep -q panic console.log
}

atf_init_test_cases()
{
	atf_add_test_case modern
	atf_add_test_case legacy
	atf_add_test_case greedy_host
}
