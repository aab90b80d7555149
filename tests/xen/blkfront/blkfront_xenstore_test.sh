#! /usr/bin/env atf-sh
# SPDX-License-Identifier: BSD-2-Clause
#
# blkfront against bad values in the backend's xenstore directory.  A dom0
# client may write anything there, as a buggy or hostile backend would;
# rewriting "state" announces Connected again, and blkfront must read the
# description afresh, refuse what is wrong with the key named, and end
# the disk cleanly: no crash, no hang, nothing leaked.

. "$(atf_get_srcdir)/../../lib/pvtest.subr"
. "$(atf_get_srcdir)/../../tools/xensim/xensim.subr"
. "$(atf_get_srcdir)/xbd.subr"

BE=/local/domain/0/backend/vbd/3/51728

# Connect an idle (closed) disk, then run "$@" and re-announce.
tamper()
{
	xensim_start
	xbd_start idle 20
	xbd_wait_log 'idle: connected'
	atf_check "$@"
	atf_check xenstore-write "$BE/state" 4
	xbd_wait 15
	atf_check -o inline:"0\n" cat xbd.rc
	atf_check -s exit:1 grep -q LEAK xbd.err
}

bad_value()
{
	tamper xenstore-write "$BE/$1" "$2"
}

atf_test_case sectors_not_a_number cleanup
sectors_not_a_number_head()
{
	atf_set descr "sectors=12x: refused, the key named"
}
sectors_not_a_number_body()
{
	pvtest_require_peer xenstore-utils xenstore-write
	bad_value sectors 12x
	atf_check -o match:"$BE/sectors: \"12x\" is not a number" cat xbd.err
	atf_check -o match:"$BE: backend key 'sectors' is not a number \\(EINVAL\\)" \
	    cat xbd.err
}
sectors_not_a_number_cleanup()
{
	xensim_stop
}

atf_test_case sectors_missing cleanup
sectors_missing_head()
{
	atf_set descr "no sectors key: refused, the key and its path named"
}
sectors_missing_body()
{
	pvtest_require_peer xenstore-utils xenstore-rm xenstore-write
	tamper xenstore-rm "$BE/sectors"
	atf_check -o match:"$BE: backend key 'sectors' missing \\(ENOENT\\)" \
	    cat xbd.err
}
sectors_missing_cleanup()
{
	xensim_stop
}

atf_test_case zero_sectors cleanup
zero_sectors_head()
{
	atf_set descr "sectors=0: refused"
}
zero_sectors_body()
{
	pvtest_require_peer xenstore-utils xenstore-write
	bad_value sectors 0
	atf_check -o match:'xvdb: .*: sectors is 0' cat xbd.err
}
zero_sectors_cleanup()
{
	xensim_stop
}

atf_test_case sector_size_not_a_power_of_two cleanup
sector_size_not_a_power_of_two_head()
{
	atf_set descr "sector-size=1000: refused"
}
sector_size_not_a_power_of_two_body()
{
	pvtest_require_peer xenstore-utils xenstore-write
	bad_value sector-size 1000
	atf_check -o match:'sector-size 1000 is not a power of 2' cat xbd.err
}
sector_size_not_a_power_of_two_cleanup()
{
	xensim_stop
}

atf_test_case sectors_out_of_range cleanup
sectors_out_of_range_head()
{
	atf_set descr "sectors beyond 2^64 bytes: refused"
}
sectors_out_of_range_body()
{
	pvtest_require_peer xenstore-utils xenstore-write
	bad_value sectors 36028797018963968
	atf_check -o match:"$BE/sectors: 36028797018963968 is out of range" \
	    cat xbd.err
}
sectors_out_of_range_cleanup()
{
	xensim_stop
}

atf_test_case physical_smaller_than_logical cleanup
physical_smaller_than_logical_head()
{
	atf_set descr "physical-sector-size below sector-size: refused"
}
physical_smaller_than_logical_body()
{
	pvtest_require_peer xenstore-utils xenstore-write
	bad_value physical-sector-size 256
	atf_check -o match:'physical-sector-size 256 is not a power of 2 of at least sector-size' \
	    cat xbd.err
}
physical_smaller_than_logical_cleanup()
{
	xensim_stop
}

atf_init_test_cases()
{
	atf_add_test_case sectors_not_a_number
	atf_add_test_case sectors_missing
	atf_add_test_case zero_sectors
	atf_add_test_case sector_size_not_a_power_of_two
	atf_add_test_case sectors_out_of_range
	atf_add_test_case physical_smaller_than_logical
}
