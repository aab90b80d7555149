#! /usr/bin/env atf-sh
# SPDX-License-Identifier: BSD-2-Clause
#
# xensim-ctl, the toolstack commands, against a private xensim and a
# hosted guest attached as domain 1; the results are read back with the
# real xenstore-utils.

. "$(atf_get_srcdir)/../../lib/pvtest.subr"
. "$(atf_get_srcdir)/xensim.subr"

# Start guest_helper as domain $1; it lives while fd 9 stays open.  Every
# case starts one, after xensim_start: it also sets CTL, the xensim-ctl
# under test.
guest_start()
{
	pvtest_bindir xensim-ctl
	CTL=$PVTEST_BINDIR/xensim-ctl
	mkfifo guest.in
	"$(atf_get_srcdir)/guest_helper" "$1" "${2:-g$1}" "${3:-1024}" \
	    <guest.in >guest.out 2>guest.err &
	echo $! >guest.pid
	exec 9>guest.in
	_n=500
	until grep -q ready guest.out 2>/dev/null; do
		_n=$((_n - 1))
		if [ $_n -le 0 ]; then
			cat guest.err >&2
			atf_fail "guest did not attach"
		fi
		sleep 0.01
	done
}

guest_stop()
{
	exec 9>&-
	wait "$(cat guest.pid)" 2>/dev/null || true
}

attach()
{
	truncate -s 16M disk.img
	atf_check -s exit:0 -o empty -e empty "$CTL" block-attach 1 \
	    "format=raw, vdev=${1:-xvdb}, access=${2:-rw}, target=$(pwd)/disk.img"
}

atf_test_case attach_writes_libxls_tree cleanup
attach_writes_libxls_tree_head()
{
	atf_set "descr" "block-attach: libxl's nodes, values and permissions"
}
attach_writes_libxls_tree_body()
{
	pvtest_require_peer xenstore-utils xenstore-ls xenstore-read
	xensim_start
	guest_start 1
	attach
	be=/local/domain/0/backend/vbd/1/51728
	fe=/local/domain/1/device/vbd/51728
	printf '%s\n' \
	    "$fe/backend = \"$be\"   (n1,r0)" \
	    "$fe/backend-id = \"0\"   (n1,r0)" \
	    "$fe/state = \"1\"   (n1,r0)" \
	    "$fe/virtual-device = \"51728\"   (n1,r0)" \
	    "$fe/device-type = \"disk\"   (n1,r0)" \
	    "$fe/trusted = \"1\"   (n1,r0)" >expect.fe
	atf_check -o file:expect.fe xenstore-ls -fp $fe
	printf '%s\n' \
	    "$be/frontend = \"$fe\"   (n0,r1)" \
	    "$be/params = \"$(pwd)/disk.img\"   (n0,r1)" \
	    "$be/script = \"/etc/xen/scripts/block\"   (n0,r1)" \
	    "$be/frontend-id = \"1\"   (n0,r1)" \
	    "$be/online = \"1\"   (n0,r1)" \
	    "$be/removable = \"0\"   (n0,r1)" \
	    "$be/bootable = \"1\"   (n0,r1)" \
	    "$be/state = \"2\"   (n0,r1)" \
	    "$be/dev = \"xvdb\"   (n0,r1)" \
	    "$be/type = \"phy\"   (n0,r1)" \
	    "$be/mode = \"w\"   (n0,r1)" \
	    "$be/device-type = \"disk\"   (n0,r1)" \
	    "$be/discard-enable = \"1\"   (n0,r1)" \
	    "$be/specification = \"xen\"   (n0,r1)" >expect.be
	# Saved rather than piped into head, so that a failing xenstore-ls
	# fails here instead of leaving an empty listing to compare.
	atf_check -o save:ls.be xenstore-ls -fp $be
	atf_check -o file:expect.be head -n 14 ls.be
	# blkback's probe, then the hotplug script's verdict.
	atf_check -o inline:"256\n" \
	    xenstore-read $be/feature-max-indirect-segments
	atf_check -o inline:"connected\n" xenstore-read $be/hotplug-status
	atf_check -o inline:"$be\n" \
	    xenstore-read /libxl/1/device/vbd/51728/backend
	guest_stop
}
attach_writes_libxls_tree_cleanup()
{
	xensim_stop
}

atf_test_case attach_extended_and_readonly cleanup
attach_extended_and_readonly_head()
{
	atf_set "descr" "xvdq uses virtual-device-ext numbering; ro mode"
}
attach_extended_and_readonly_body()
{
	pvtest_require_peer xenstore-utils xenstore-read
	xensim_start
	guest_start 1
	attach xvdq ro
	atf_check -o inline:"268439552\n" \
	    xenstore-read /local/domain/1/device/vbd/268439552/virtual-device
	atf_check -o inline:"r\n" \
	    xenstore-read /local/domain/0/backend/vbd/1/268439552/mode
	atf_check -o inline:"0\n" \
	    xenstore-read /local/domain/0/backend/vbd/1/268439552/discard-enable
	guest_stop
}
attach_extended_and_readonly_cleanup()
{
	xensim_stop
}

atf_test_case attach_refuses_bad_specs cleanup
attach_refuses_bad_specs_head()
{
	atf_set "descr" "every bad spec is named, and changes nothing"
}
attach_refuses_bad_specs_body()
{
	pvtest_require_peer xenstore-utils xenstore-exists
	xensim_start
	guest_start 1
	truncate -s 1M disk.img
	img="$(pwd)/disk.img"
	atf_check -s exit:1 -e match:'unknown key "colour"' \
	    "$CTL" block-attach 1 "vdev=xvdb, target=$img, colour=red"
	atf_check -s exit:1 -e match:'target= is required' \
	    "$CTL" block-attach 1 "vdev=xvdb"
	atf_check -s exit:1 -e match:'target=/nonexistent: No such file' \
	    "$CTL" block-attach 1 "vdev=xvdb, target=/nonexistent"
	atf_check -s exit:1 -e match:'vdev=xvd0 is not a virtual disk name' \
	    "$CTL" block-attach 1 "vdev=xvd0, target=$img"
	atf_check -s exit:1 -e match:'format=qcow2' \
	    "$CTL" block-attach 1 "format=qcow2, vdev=xvdb, target=$img"
	atf_check -s exit:1 -e match:'access=rx' \
	    "$CTL" block-attach 1 "access=rx, vdev=xvdb, target=$img"
	atf_check -s exit:1 -e match:'vdev-node=devno: expected virtual-device or virtual-device-ext' \
	    "$CTL" block-attach 1 "vdev-node=devno, vdev=xvdb, target=$img"
	atf_check -s exit:1 -e match:'domain 7 does not exist' \
	    "$CTL" block-attach 7 "vdev=xvdb, target=$img"
	atf_check -s exit:1 -e match:'invalid domain' \
	    "$CTL" block-attach 0 "vdev=xvdb, target=$img"
	atf_check -s exit:1 xenstore-exists /local/domain/1/device/vbd
	atf_check -s exit:1 xenstore-exists /local/domain/0/backend/vbd
	# A second attach of the same vdev is refused; the first is kept.
	attach
	atf_check -s exit:1 -e match:'already exists' \
	    "$CTL" block-attach 1 "vdev=xvdb, target=$img"
	atf_check -s exit:0 xenstore-exists /local/domain/1/device/vbd/51728
	guest_stop
}
attach_refuses_bad_specs_cleanup()
{
	xensim_stop
}

atf_test_case detach_removes_the_device cleanup
detach_removes_the_device_head()
{
	atf_set "descr" "block-detach: Closing, Closed, then the nodes go"
}
detach_removes_the_device_body()
{
	pvtest_require_peer xenstore-utils xenstore-exists
	xensim_start
	guest_start 1
	attach
	atf_check -s exit:0 "$CTL" block-detach 1 xvdb
	atf_check -s exit:1 xenstore-exists /local/domain/1/device/vbd
	atf_check -s exit:1 xenstore-exists /libxl/1/device/vbd
	atf_check -s exit:1 xenstore-exists /local/domain/0/backend/vbd
	# Parents that hold something else stay.
	atf_check -s exit:0 xenstore-exists /local/domain/1/device/suspend
	atf_check -s exit:0 xenstore-exists /libxl/1/device/console
	atf_check -s exit:1 -e match:'Device xvdb not connected' \
	    "$CTL" block-detach 1 xvdb
	guest_stop
}
detach_removes_the_device_cleanup()
{
	xensim_stop
}

atf_test_case mem_set_moves_the_target cleanup
mem_set_moves_the_target_head()
{
	atf_set "descr" "mem-set: KiB target, MiB in /vm, static-max bound"
}
mem_set_moves_the_target_body()
{
	pvtest_require_peer xenstore-utils xenstore-read
	xensim_start
	guest_start 1 g1 4096
	atf_check -o inline:"16384\n" \
	    xenstore-read /local/domain/1/memory/static-max
	atf_check -s exit:0 "$CTL" mem-set 1 10
	atf_check -o inline:"10240\n" xenstore-read /local/domain/1/memory/target
	vm=$(xenstore-read /local/domain/1/vm)
	atf_check -o inline:"10\n" xenstore-read "$vm/memory"
	atf_check -s exit:0 "$CTL" mem-set 1 8192k
	atf_check -o inline:"8192\n" xenstore-read /local/domain/1/memory/target
	atf_check -s exit:1 -e match:'memory_static_max' "$CTL" mem-set 1 17
	atf_check -s exit:1 -e match:'invalid size' "$CTL" mem-set 1 12q
	atf_check -o inline:"8192\n" xenstore-read /local/domain/1/memory/target
	guest_stop
}
mem_set_moves_the_target_cleanup()
{
	xensim_stop
}

atf_test_case list_and_domain_death cleanup
list_and_domain_death_head()
{
	atf_set "descr" "list shows the guest; its death removes its nodes"
}
list_and_domain_death_body()
{
	pvtest_require_peer xenstore-utils xenstore-exists
	xensim_start
	guest_start 1 alpha 4096
	attach
	atf_check -o match:'^alpha +1 +16 +1$' -o match:'^Domain-0 +0 ' "$CTL" list
	guest_stop
	_n=500
	while xenstore-exists /local/domain/1 2>/dev/null; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || atf_fail "/local/domain/1 outlived the domain"
		sleep 0.01
	done
	atf_check -s exit:1 xenstore-exists /local/domain/0/backend/vbd/1
	atf_check -s exit:1 xenstore-exists /libxl/1
	atf_check -o not-match:alpha "$CTL" list
}
list_and_domain_death_cleanup()
{
	xensim_stop
}

atf_init_test_cases()
{
	atf_add_test_case attach_writes_libxls_tree
	atf_add_test_case attach_extended_and_readonly
	atf_add_test_case attach_refuses_bad_specs
	atf_add_test_case detach_removes_the_device
	atf_add_test_case mem_set_moves_the_target
	atf_add_test_case list_and_domain_death
}
