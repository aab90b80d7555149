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
# xbd_start, xbd_run, xbd_check_verify, xbd_discard_granules
. "$(atf_get_srcdir)/xbd.subr"

BE=/local/domain/0/backend/vbd/3/51728
FE=/local/domain/3/device/vbd/51728

# Attach a disk that stays idle (connected, closed) with the options given.
idle_connected()
{
	xbd_start "$@" idle 20
	xbd_wait_log 'idle: connected'
}

# Detach the idle disk; xbdtool must end cleanly.
idle_detach()
{
	atf_check -s exit:0 "$PVTEST_BINDIR/xensim-ctl" block-detach 3 xvdb
	xbd_wait 15
	atf_check -o inline:"0\n" cat xbd.rc
	atf_check -s exit:1 grep -q LEAK xbd.err
}

# verify passes on rings of $1 pages, as both ends see them.
verify_ring_pages()
{
	xbd_run verify
	xbd_check_verify
	atf_check -o match:"connected: 4 ring\\(s\\) of $1 page\\(s\\)" \
	    cat xensim.log
	atf_check -o match:"4 queue\\(s\\) of $1 page\\(s\\)" cat xbd.err
}

# A backend of one ring-size scheme ($1: order or pages) offering 2^$2
# pages publishes that scheme's key alone.  blkfront takes the size from
# it and writes both schemes' keys, as blkif.h's note 3 asks; I/O goes
# through, the backend reading its own scheme's key alone.
ring_keys_single()
{
	pvtest_require_peer xenstore-utils xenstore-read xenstore-exists
	xensim_start -o blkback.ring-keys=$1 -o blkback.ring-order=$2
	idle_connected
	if [ $1 = order ]; then
		atf_check -o inline:"$2\n" \
		    xenstore-read "$BE/max-ring-page-order"
		atf_check -s exit:1 xenstore-exists "$BE/max-ring-pages"
	else
		atf_check -o inline:"$((1 << $2))\n" \
		    xenstore-read "$BE/max-ring-pages"
		atf_check -s exit:1 xenstore-exists "$BE/max-ring-page-order"
	fi
	fe_key ring-page-order $2
	fe_key num-ring-pages $((1 << $2))
	idle_detach
	verify_ring_pages $((1 << $2))
}

# The frontend's key $1 is $2, or absent when $2 is "-".
fe_key()
{
	if [ "$2" = - ]; then
		atf_check -s exit:1 xenstore-exists "$FE/$1"
	else
		atf_check -o inline:"$2\n" xenstore-read "$FE/$1"
	fi
}

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

atf_test_case ring_keys_both cleanup
ring_keys_both_head()
{
	atf_set descr "a backend that offers both ring-size schemes (the" \
	    "default): ring-page-order and num-ring-pages both written, equal"
}
ring_keys_both_body()
{
	pvtest_require_peer xenstore-utils xenstore-read xenstore-exists
	xensim_start -o blkback.queues=1
	idle_connected
	atf_check -o inline:"4\n" xenstore-read "$BE/max-ring-page-order"
	atf_check -o inline:"16\n" xenstore-read "$BE/max-ring-pages"
	fe_key ring-page-order 4
	fe_key num-ring-pages 16
	# Sixteen pages, ring-ref0 to ring-ref15, and no ring-ref.
	atf_check -o match:'^[0-9]+$' xenstore-read "$FE/ring-ref0"
	atf_check -o match:'^[0-9]+$' xenstore-read "$FE/ring-ref15"
	fe_key ring-ref16 -
	fe_key ring-ref -
	idle_detach
}
ring_keys_both_cleanup()
{
	xensim_stop
}

atf_test_case ring_keys_order_only cleanup
ring_keys_order_only_head()
{
	atf_set descr "a backend with only max-ring-page-order (Linux):" \
	    "ring-page-order written, num-ring-pages too (blkif.h note 3)"
}
ring_keys_order_only_body()
{
	ring_keys_single order 2
}
ring_keys_order_only_cleanup()
{
	xensim_stop
}

atf_test_case ring_keys_pages_only cleanup
ring_keys_pages_only_head()
{
	atf_set descr "an old backend with only max-ring-pages: blkfront" \
	    "sizes its ring from it and writes num-ring-pages, which is" \
	    "all that backend reads"
}
ring_keys_pages_only_body()
{
	ring_keys_single pages 3
}
ring_keys_pages_only_cleanup()
{
	xensim_stop
}

atf_test_case ring_keys_one_page cleanup
ring_keys_one_page_head()
{
	atf_set descr "hw.xbd.max_ring_order=0 against a backend offering" \
	    "both schemes: neither ring-page-order nor num-ring-pages," \
	    "and the one page is ring-ref"
}
ring_keys_one_page_body()
{
	pvtest_require_peer xenstore-utils xenstore-read xenstore-exists
	xensim_start -o blkback.ring-keys=both -o blkback.queues=1
	idle_connected --tunable hw.xbd.max_ring_order=0
	fe_key ring-page-order -
	fe_key num-ring-pages -
	fe_key ring-ref0 -
	atf_check -o match:'^[0-9]+$' xenstore-read "$FE/ring-ref"
	idle_detach
}
ring_keys_one_page_cleanup()
{
	xensim_stop
}

atf_test_case secure_discard cleanup
secure_discard_head()
{
	atf_set descr "xbdtool --secure discard: the backend sees the" \
	    "secure flag on whole 4 KiB granules, which read back as zeroes"
}
secure_discard_body()
{
	xensim_start -o blkback.discard-secure=1
	xbd_discard_granules --secure
	atf_check -o match:'features flush,discard,secure,' cat xbd.err
	atf_check -o match:'securely discarded 16384 bytes' cat xbd.err
	# Sectors 8 to 39: the granules, flagged secure, and done.
	atf_check -o match:'blkback 3/51728: secure discard of sectors 8\+32: done' \
	    cat xensim.log
	atf_check -o match:'discard 1 \(secure 1\)' cat xensim.log
}
secure_discard_cleanup()
{
	xensim_stop
}

atf_test_case secure_discard_not_offered cleanup
secure_discard_not_offered_head()
{
	atf_set descr "discard-secure=0: a --secure discard fails in the" \
	    "guest, and nothing reaches the backend or the image"
}
secure_discard_not_offered_body()
{
	xensim_start
	head -c 1048576 /dev/urandom >disk.img
	cp disk.img before.img
	DISK_MB=1 xbd_run --secure discard 0 8192
	atf_check -o inline:"1\n" cat xbd.rc
	atf_check -o match:'discard: Operation not supported' cat xbd.err
	atf_check -o not-match:'secure' -x "grep features xbd.err"
	atf_check -o not-match:'secure discard' cat xensim.log
	atf_check -s exit:0 cmp disk.img before.img
}
secure_discard_not_offered_cleanup()
{
	xensim_stop
}

atf_test_case virtual_device_ext_only cleanup
virtual_device_ext_only_head()
{
	atf_set descr "a toolstack that writes only virtual-device-ext:" \
	    "blkfront takes the disk's number from it, and verify passes"
}
virtual_device_ext_only_body()
{
	pvtest_require_peer xenstore-utils xenstore-read xenstore-exists
	xensim_start
	XBD_SPEC=vdev-node=virtual-device-ext idle_connected
	fe_key virtual-device -
	fe_key virtual-device-ext 51728
	atf_check -o match:'xvdb: numbered 51728 by virtual-device-ext' \
	    cat xbd.err
	idle_detach
	XBD_SPEC=vdev-node=virtual-device-ext xbd_run verify
	xbd_check_verify
}
virtual_device_ext_only_cleanup()
{
	xensim_stop
}

atf_init_test_cases()
{
	atf_add_test_case sector_size_4096
	atf_add_test_case backend_skips_initwait
	atf_add_test_case ring_keys_both
	atf_add_test_case ring_keys_order_only
	atf_add_test_case ring_keys_pages_only
	atf_add_test_case ring_keys_one_page
	atf_add_test_case secure_discard
	atf_add_test_case secure_discard_not_offered
	atf_add_test_case virtual_device_ext_only
}
