#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# The pvkit guest on real Xen, judged from dom0: each scenario is a
# function case_NAME below, run in the order written, each with a PVH
# guest of its own named NAME.  run.sh runs this as /test.sh:
#
#   tools/xenhost/run.sh --file build/guest.elf:/root/guest.elf \
#       --file build/bin/pvkit-imgcheck:/root/pvkit-imgcheck \
#       [--file CASES:/root/cases] tools/xenhost/cases.sh
#
# /root/cases, when there, names the cases to run (one a line); else all
# run.  Each case prints, on the console, each line on its own:
#
#   XENCASE: NAME BEGIN
#   XENCASE: NAME: evidence ...          what dom0 saw
#   XENCASE: NAME PASS
#   XENCASE: NAME FAIL why               after the guest's last console
#                                        lines and dom0's and Xen's logs
#
# tests/tools/xenhost/xen_test (make test) and make xentest judge those
# lines.  A new case is one more case_NAME function here and one test case
# there.  Exits with the number of failed cases.
#
# What each case asserts is observed from dom0's side (xenstore, blkback's
# sysfs and kernel log, Xen's grant table dump, xl, the image the guest
# wrote), beside the guest's own console lines.

PATH=/usr/lib/xen-4.17/bin:$PATH
. /dom0.subr
CASE=""
SELF=$0

say() { echo "XENCASE: $CASE: $*"; }
# fail WHY: end the case (it runs in a subshell) with WHY.
fail() { echo "$*" >/tmp/case.why; exit 1; }
glog() { echo "/var/log/xen/console/guest-$CASE.log"; }
domid() { xl domid "$CASE" 2>/dev/null; }

# What a failed case leaves for its report: the guest's last console
# lines, then dom0's and Xen's lines about it.
diagnose()
{
	d=$(domid)
	[ -f "$(glog)" ] && tail -n 40 "$(glog)" | tr -d '\r' |
	    sed "s/^/XENCASE: $CASE: guest: /"
	dmesg | grep -i 'blkback\|blkfront\|vbd\|qdisk\|loop[0-9]' | tail -n 15 |
	    sed "s/^/XENCASE: $CASE: dom0: /"
	xl dmesg | grep -v '^(XEN) \[[ 0-9.]*\] \[0x' | tail -n 15 |
	    sed "s/^/XENCASE: $CASE: xen: /"
	for f in "/var/log/xen/xl-$CASE.log" \
	    "/var/log/xen/qemu-dm-$CASE.log"; do
		[ -f "$f" ] && tail -n 10 "$f" |
		    sed "s|^|XENCASE: $CASE: ${f##*/}: |"
	done
	[ -n "$d" ] && xl list "$CASE" 2>&1 | sed "s/^/XENCASE: $CASE: /"
}

# log_wait PATTERN SECS WHY: until the guest's console has a line matching
# PATTERN (grep -E), from line LOG_FROM on (default 1); fail with WHY after
# SECS, or at once when the guest failed or its domain died.
log_wait()
{
	# By the clock: under TCG one look can take longer than its nap.
	end=$(($(cut -d. -f1 /proc/uptime) + $2))
	until tail -n +"${LOG_FROM:-1}" "$(glog)" 2>/dev/null | tr -d '\r' |
	    grep -Eq -- "$1"; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ] ||
		    fail "$3 (no \"$1\" in $2 s)"
		grep -q 'pvkit guest: FAIL' "$(glog)" 2>/dev/null &&
		    fail "the guest failed: $(grep 'pvkit guest: FAIL' \
		    "$(glog)" | tr -d '\r')"
		[ -n "$(domid)" ] || fail "$3: the domain is gone"
		sleep 0.1
	done
}

# log_value SED: the first guest console line SED (sed -n) prints.
log_value() { tr -d '\r' <"$(glog)" | sed -n "$1" | head -n 1; }

# guest_create EXTRA [DISK...]: the case's guest, with kernel command line
# EXTRA and the xl disk specs given: PVH, or HVM when GUEST_TYPE=hvm.
# An HVM domain takes BOOT_EXTRA seconds more to come up (SeaBIOS, and
# QEMU's linuxboot.bin reading the kernel by port I/O under TCG).
BOOT_EXTRA=0
guest_create()
{
	extra=$1
	shift
	if [ "${GUEST_TYPE:-pvh}" = hvm ]; then
		hvm_cfg "$CASE" /root/guest.elf "$extra" "$(glog)" "$@"
	else
		pvh_cfg "$CASE" /root/guest.elf "$extra" "$@"
	fi >"/root/$CASE.cfg"
	xl create "/root/$CASE.cfg" || fail "xl create"
	DOMID=$(domid)
	say "${GUEST_TYPE:-pvh} domain $DOMID created: extra=\"$extra\"" \
	    "disks: $*"
}

# image FILE MIB: random contents.
image()
{
	dd if=/dev/urandom of="$1" bs=1M count="$2" status=none ||
	    fail "no room for a $2 MiB image in $(dirname "$1")"
}

# loop_image IMAGE MIB: a fresh random IMAGE of MIB on loop device
# $loop, its cksum(1) in $want.
loop_image()
{
	image "$1" "$2"
	want=$(cksum <"$1" | cut -d' ' -f1,2)
	loop=$(losetup -f --show "$1") || fail "losetup"
}

# vbd_guest IMAGE MIB EXTRA: the case's guest with loop_image's disk as
# its xvdb.
vbd_guest()
{
	loop_image "$1" "$2"
	guest_create "$3" "format=raw, vdev=xvdb, access=rw, target=$loop"
}

# verified_clean VDEV: the guest's first verify of VDEV ended with 0
# mismatches and 0 errors, and the sum it read first is $want.
verified_clean()
{
	line=$(log_value "/^verify: $1: [0-9]* sectors/p")
	say "guest: $line"
	echo "$line" | grep -q ', 0 mismatches, 0 errors' ||
	    fail "the guest's verify of $1 failed: $line"
	got=$(log_value "s/^verify: $1: initial cksum //p")
	[ "$got" = "$want" ] || fail "the guest read cksum '$got', dom0 '$want'"
	say "the guest's initial cksum of $1 is cksum(1)'s: $got"
}

# xen_grants: how many entries of the guest's grant table are active
# (mapped or being copied by another domain), from Xen's own dump of the
# grant tables (debug key g), into GRANTS.
xen_grants()
{
	xl dmesg -c >/dev/null
	xl debug-keys g || fail "xl debug-keys g"
	xl dmesg -c >/tmp/gnt.txt
	grep -q "grant-table for remote d$DOMID " /tmp/gnt.txt ||
	    fail "Xen's grant dump has no table for d$DOMID"
	GRANTS=$(awk -v want="d$DOMID" '
	    /grant-table for remote d/ {
		cur = substr($0, index($0, "remote d") + 7); sub(/ .*/, "", cur)
	    }
	    /\[0x[0-9a-f]+\] +[0-9]+ 0x/ { if (cur == want) n++ }
	    END { print n + 0 }' /tmp/gnt.txt)
}

# grants_settle WANT: until Xen shows WANT active entries of the guest's
# table, for 10 s: a backend unmaps as it closes, not before xl returns.
grants_settle()
{
	i=0
	xen_grants
	while [ "$GRANTS" -ne "$1" ] && [ $i -lt 50 ]; do
		sleep 0.2
		i=$((i + 1))
		xen_grants
	done
}

# guest_grants WHEN: the grant references the guest says it holds, from
# its "idle: N grant references in use WHEN" line, into GGRANTS.
guest_grants()
{
	log_wait "^idle: [0-9]+ grant references in use $1" $((30 + BOOT_EXTRA)) \
	    "the guest did not count its grants $1"
	GGRANTS=$(log_value "s/^idle: \([0-9]*\) grant references in use $1.*/\1/p")
}

# The frontend and backend directories of vdev $1 of the case's guest.
fe_dir() { echo "/local/domain/$DOMID/device/vbd/$1"; }
be_dir() { xenstore-read "$(fe_dir "$1")/backend" 2>/dev/null; }
xsr() { xenstore-read "$1" 2>/dev/null; }

# hot_attach SPEC [VAR=VALUE...]: xl block-attach SPEC, in the
# environment given, after the baseline grant counts: Xen's (A0) and the
# guest's (G0).
hot_attach()
{
	spec=$1
	shift
	guest_grants "at the start"
	G0=$GGRANTS
	xen_grants
	A0=$GRANTS
	say "before the attach: the guest holds $G0 grant references," \
	    "Xen shows $A0 of them active"
	env "$@" xl block-attach "$CASE" "$spec" ||
	    fail "${*:+$* }xl block-attach $spec failed"
	say "${*:+$* }xl block-attach '$spec' returned"
}

# hot_verified VDEV_NAME VDEV_NUM: the guest verified the disk and keeps
# it open; a backend maps its grants meanwhile (A1 > A0).
hot_verified()
{
	log_wait "^idle: $1 verified" 60 "the guest did not verify $1"
	line=$(log_value "/^verify: $1: [0-9]* sectors/p")
	say "guest: $line"
	echo "$line" | grep -q ', 0 mismatches, 0 errors' ||
	    fail "the guest's verify of $1 failed: $line"
	xen_grants
	A1=$GRANTS
	say "while $1 is open Xen shows $A1 active entries (baseline $A0)"
	[ "$A1" -gt "$A0" ] || fail "no grant of the guest was mapped while" \
	    "$1 was connected: the measurement cannot see a backend"
	[ "$(xsr "$(be_dir "$2")/state")" = 4 ] ||
	    fail "the backend of $1 is not Connected"
}

# hot_detach VDEV_NAME VDEV_NUM: xl block-detach; it must wait for the
# guest to close (no forced removal), and every grant must come back.
hot_detach()
{
	t0=$(cut -d' ' -f1 /proc/uptime)
	if ! xl block-detach "$CASE" "$1" >/tmp/detach.out 2>&1; then
		cat /tmp/detach.out
		# libxl gives a backend 10 s to say Closed; QEMU's, under
		# TCG, can take longer after the guest has closed.  Only then
		# is a second try fair.
		fs=$(xsr "$(fe_dir "$2")/state")
		[ "$fs" = 6 ] || fail "xl block-detach $1 failed, the guest's" \
		    "frontend in state '$fs'"
		say "xl block-detach $1 timed out on the backend after the" \
		    "guest had closed (frontend Closed); detaching again"
		xl block-detach "$CASE" "$1" >/tmp/detach.out 2>&1 ||
		    { cat /tmp/detach.out; fail "xl block-detach $1 failed twice"; }
	fi
	t1=$(cut -d' ' -f1 /proc/uptime)
	say "xl block-detach $1 returned after" \
	    "$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }') s"
	if grep -qi 'timeout\|forced' /tmp/detach.out; then
		cat /tmp/detach.out
		fail "the detach was forced: the guest never closed $1"
	fi
	xl block-list "$CASE" | grep -q "^$2 " &&
	    fail "xl block-list still shows $1"
	log_wait "^idle: hot-plugged $1 closed" 20 "the guest did not close $1"
	guest_grants "after the close"
	say "after the detach the guest holds $GGRANTS grant references" \
	    "(before the attach: $G0)"
	[ "$GGRANTS" -eq "$G0" ] ||
	    fail "the guest holds $GGRANTS grant references, $G0 before"
	grants_settle "$A0"
	say "after the detach Xen shows $GRANTS active entries (before: $A0)"
	[ "$GRANTS" -eq "$A0" ] || fail "$GRANTS of the guest's grants are" \
	    "still active after the detach, $A0 before"
	[ -n "$(domid)" ] || fail "the guest died"
	grep -q 'pvkit guest: FAIL' "$(glog)" && fail "the guest failed"
	return 0
}

# The guest's dev.xbd.NAME.KEY value, as it printed its counters.
xbd_value() { log_value "s/^dev\.xbd\.$1\.$2=//p"; }

imgcheck()
{
	out=$(/root/pvkit-imgcheck "$@" 2>&1) || fail "pvkit-imgcheck: $out"
	say "$(echo "$out" | tail -n 1)"
}

# Cases ------------------------------------------------------------------

# A disk in the config: verify, judged on the initial sum against
# cksum(1) and on every stamp; what blkfront agreed with Linux blkback,
# as blkback and xenstore show it.
case_pvh_verify()
{
	vbd_guest /root/disk.img 16 "workload=verify,idle kern.guest.idle_secs=300"
	log_wait '^idle: up' 120 "the guest did not verify and go idle"
	verified_clean xvdb

	fe=$(fe_dir 51728)
	be=$(be_dir 51728)
	[ "$(xsr "$be/state")" = 4 ] || fail "blkback is not Connected"
	# A multi-page ring: blkback reads ring-page-order and then one
	# ring-refN a page; it connected, so it mapped them all.
	order=$(xsr "$fe/ring-page-order")
	say "blkback offers max-ring-page-order=$(xsr "$be/max-ring-page-order");" \
	    "the frontend wrote ring-page-order=$order"
	[ -n "$order" ] && [ "$order" -ge 1 ] ||
	    fail "no multi-page ring: ring-page-order='$order'"
	n=$((1 << order))
	i=0
	while [ $i -lt $n ]; do
		[ -n "$(xsr "$fe/ring-ref$i")" ] || fail "no $fe/ring-ref$i"
		i=$((i + 1))
	done
	say "ring-ref0..ring-ref$((n - 1)) are there: a $n-page ring, Connected"
	# Indirect segments: 11 direct segments carry 88 sectors at most.
	st=/sys/bus/xen-backend/devices/vbd-$DOMID-51728/statistics
	for k in rd_req rd_sect wr_req wr_sect; do
		eval "$k=\$(cat $st/$k)" || fail "no $st/$k"
	done
	say "blkback's statistics: $rd_req reads of $rd_sect sectors," \
	    "$wr_req writes of $wr_sect sectors;" \
	    "feature-max-indirect-segments=$(xsr "$be/feature-max-indirect-segments")"
	[ "$wr_req" -gt 0 ] && [ "$rd_req" -gt 0 ] || fail "blkback saw no I/O"
	[ $((wr_sect / wr_req)) -gt 88 ] && [ $((rd_sect / rd_req)) -gt 88 ] ||
	    fail "requests average $((wr_sect / wr_req)) (write) and" \
	    "$((rd_sect / rd_req)) (read) sectors: no indirect segments"
	say "requests average $((wr_sect / wr_req)) sectors written and" \
	    "$((rd_sect / rd_req)) read, above the 88 of 11 direct segments"
	# Persistent grants: both sides' keys, and blkback's line at connect.
	fp=$(xsr "$fe/feature-persistent")
	bp=$(xsr "$be/feature-persistent")
	[ "$fp" = 1 ] && [ "$bp" = 1 ] ||
	    fail "feature-persistent: frontend '$fp', backend '$bp'"
	kline=$(dmesg | grep "vbd/$DOMID/51728" | grep 'persistent grants' |
	    tail -n 1)
	[ -n "$kline" ] || fail "blkback never said it uses persistent grants"
	say "dom0 kernel: $kline"

	xl destroy "$CASE"
	losetup -d "$loop"
	imgcheck /root/disk.img 1
}

# attach_verified SPEC KIND [VAR=VALUE...]: the attach cases' course with
# an idle guest: attach xvdc (in the environment given), the guest
# verifies it, and its backend is of KIND (vbd, qdisk).
attach_verified()
{
	spec=$1
	kind=$2
	shift 2
	hot_attach "$spec" "$@"
	hot_verified xvdc 51744
	be=$(be_dir 51744)
	case "$be" in
	*/backend/$kind/*)	say "backend $be" ;;
	*)			fail "the backend is '$be', not a $kind one" ;;
	esac
}

case_attach_phy()
{
	loop_image /root/hot.img 8
	guest_create "workload=idle kern.guest.idle_secs=300"
	attach_verified "format=raw, vdev=xvdc, access=rw, target=$loop" vbd
	hot_detach xvdc 51744
	losetup -d "$loop"
	imgcheck /root/hot.img 1
}

# QEMU's qdisk backend.  libxl hot-plugs a qdisk disk only into a domain
# whose device model QEMU already runs (libxl__dm_check_start: "device
# model required but not running"), and starts one for a PV or PVH guest
# only when its config needs it (libxl__need_xenpv_qemu): so the guest is
# created with a small qdisk disk of its own, which it attaches and leaves
# alone.
case_attach_qdisk()
{
	image /root/seed.img 1
	image /root/hot.img 8
	guest_create "workload=idle kern.guest.idle_secs=300" \
	    "format=raw, vdev=xvdb, access=rw, backendtype=qdisk, target=/root/seed.img"
	pid=$(xsr "/local/domain/$DOMID/image/device-model-pid")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null ||
	    fail "libxl started no QEMU for the guest"
	say "QEMU (pid $pid) serves the guest's qdisk disks:" \
	    "$(tr '\0' ' ' </proc/"$pid"/cmdline | cut -c1-100)"
	attach_verified "format=raw, vdev=xvdc, access=rw, backendtype=qdisk, target=/root/hot.img" qdisk
	hot_detach xvdc 51744
	kill -0 "$pid" 2>/dev/null || fail "QEMU died"
	imgcheck /root/hot.img 1
}

# An untrusted backend: the guest must read trusted=0 in its frontend
# directory.  Xen 4.17's xl cannot write it: LIBXL_DISK_BACKEND_UNTRUSTED
# is the XSA-403 backport's (4.13 to 4.16) and 4.17's libxl ignores it,
# and the "untrusted" disk-spec keyword of 4.17's libxlu_disk_l.l is not
# in the scanner it ships (libxlu_disk_l.c was never regenerated: xl takes
# the word for a second target).  So xl attaches the disk with the guest
# paused, dom0 sets the key the toolstack owns, and only then does the
# guest see the disk.  The guest offers no persistent grants here
# (hw.xbd.persistent=0): with them every page the backend sees is a pool
# page anyway, and trusted=0 would change nothing.
case_attach_untrusted()
{
	loop_image /root/hot.img 8
	guest_create "workload=idle kern.guest.idle_secs=300 hw.xbd.persistent=0"
	guest_grants "at the start"
	xl pause "$CASE" || fail "xl pause"
	hot_attach "format=raw, vdev=xvdc, access=rw, target=$loop" \
	    LIBXL_DISK_BACKEND_UNTRUSTED=1
	fe=$(fe_dir 51744)
	say "libxl wrote trusted=$(xsr "$fe/trusted"); dom0 sets trusted=0" \
	    "before the guest runs again"
	xenstore-write "$fe/trusted" 0 || fail "xenstore-write $fe/trusted"
	xl unpause "$CASE" || fail "xl unpause"
	hot_verified xvdc 51744
	tr=$(xsr "$fe/trusted")
	say "the frontend directory says trusted=$tr"
	[ "$tr" = 0 ] || fail "trusted='$tr' in $fe"
	fp=$(xsr "$fe/feature-persistent")
	say "the frontend offered feature-persistent='$fp'"
	[ "${fp:-0}" = 0 ] || fail "the guest offered persistent grants"
	gt=$(xbd_value xvdc trusted)
	bn=$(xbd_value xvdc bounced)
	say "guest: dev.xbd.xvdc.trusted=$gt dev.xbd.xvdc.bounced=$bn"
	[ "$gt" = 0 ] || fail "the guest says trusted=$gt"
	[ -n "$bn" ] && [ "$bn" -gt 0 ] || fail "the guest bounced '$bn' requests"
	hot_detach xvdc 51744
	losetup -d "$loop"
	imgcheck /root/hot.img 1
}

# xl block-detach while the guest writes: the detach waits until the
# guest gives the disk up, it loses no acknowledged write and leaks no
# grant.
case_detach_busy()
{
	loop_image /root/hot.img 8
	guest_create "workload=idle kern.guest.idle_secs=300 kern.guest.hot_write=1"
	hot_attach "format=raw, vdev=xvdc, access=rw, target=$loop"
	log_wait '^hotwrite: xvdc: writing' 60 "the guest did not start writing"
	st=/sys/bus/xen-backend/devices/vbd-$DOMID-51744/statistics
	i=0
	until [ "$(cat $st/wr_req 2>/dev/null || echo 0)" -ge 50 ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || fail "blkback saw fewer than 50 writes in 30 s"
		sleep 0.1
	done
	w0=$(cat $st/wr_req)
	say "blkback has taken $w0 writes; detaching while the guest writes"
	hot_detach xvdc 51744
	line=$(log_value '/^hotwrite: xvdc: [0-9]* writes acknowledged/p')
	say "guest: $line"
	set -- $(echo "$line" | sed -n \
	    's/.* \([0-9]*\) writes acknowledged: generation \([0-9]*\) through sector \([0-9]*\) of \([0-9]*\); stopped: the toolstack.*/\1 \2 \3 \4/p')
	[ $# -eq 4 ] || fail "the guest's writer did not stop cleanly: $line"
	[ "$1" -ge "$w0" ] ||
	    fail "the guest counts $1 acknowledged writes, blkback took $w0"
	losetup -d "$loop"
	# Generation $2 in [0, $3), the one before in the rest.
	imgcheck /root/hot.img "$2" 0 "$3"
	[ "$2" -gt 1 ] && imgcheck /root/hot.img $(($2 - 1)) "$3" $(($4 - $3))
	return 0
}

# The balloon follows xl mem-set down and up, as xl list sees it.
case_mem_set()
{
	guest_create "workload=idle kern.guest.idle_secs=300"
	log_wait '^idle: up' $((60 + BOOT_EXTRA)) "the guest did not come up"
	mem_is 128
	xl mem-set "$CASE" 96m || fail "xl mem-set 96m"
	mem_is 96
	# An HVM domain starts a few pages short of 128 MiB (the VGA hole),
	# so its balloon holds a little under 32 MiB.
	log_wait '^idle: balloon holds [0-9]+ pages \(3[12] MiB\)' 20 \
	    "the guest's balloon never held 32 MiB"
	say "guest: $(log_value '/^idle: balloon holds [0-9]* pages (3[12] MiB)/p')"
	LOG_FROM=$(($(wc -l <"$(glog)") + 1))
	xl mem-set "$CASE" 128m || fail "xl mem-set 128m"
	mem_is 128
	# The balloon keeps the few pages static-max has beyond memory.
	log_wait '^idle: balloon holds [0-9]+ pages \(0 MiB\)' 20 \
	    "the guest's balloon never gave the 32 MiB back"
	say "guest: $(tail -n +"$LOG_FROM" "$(glog)" | tr -d '\r' |
	    grep '^idle: balloon holds' | tail -n 1)"
}

# uptime, and seconds since T0.
now() { cut -d' ' -f1 /proc/uptime; }
since() { echo "$1 $(now)" | awk '{ printf "%.2f", $2 - $1 }'; }

# log_mark: later log_waits look only at lines the guest writes from now.
log_mark() { LOG_FROM=$(($(wc -l <"$(glog)" 2>/dev/null || echo 0) + 1)); }

# xl save in the middle of a verify, xl restore: the same verify goes on
# in the new domain (blkfront requeues what was in flight) and ends with
# 0 mismatches; dom0 checks the sum and every stamp.  Then xl save -c, a
# checkpoint, in the middle of a second verify: the guest sees its
# suspend cancelled, goes on with the same rings, and verifies again.
case_save_restore()
{
	# The idle between the two verifies keeps dom0's checks of the first
	# from running into the second.
	vbd_guest /root/sr.img 64 \
	    "workload=verify,idle,verify,idle kern.guest.idle_secs=15"
	old=$DOMID
	log_wait '^verify: fill 20% of xvdb' $((120 + BOOT_EXTRA)) \
	    "the verify did not start"
	t0=$(now)
	xl save "$CASE" /tmp/sr.save >/tmp/save.out 2>&1 ||
	    { tail -n 5 /tmp/save.out; fail "xl save"; }
	say "xl save of the 128 MiB guest, 20% into its verify: $(since "$t0") s," \
	    "$(($(stat -c %s /tmp/sr.save) >> 20)) MiB saved"
	[ -z "$(domid)" ] || fail "the domain is still there after xl save"
	t0=$(now)
	xl restore /tmp/sr.save >/tmp/save.out 2>&1 ||
	    { tail -n 5 /tmp/save.out; fail "xl restore"; }
	rm -f /tmp/sr.save
	DOMID=$(domid)
	say "xl restore: $(since "$t0") s; domain $old is now $DOMID"
	[ -n "$DOMID" ] && [ "$DOMID" != "$old" ] || fail "no new domain"
	log_wait "^xen: resumed as domain $DOMID" 60 "the guest did not resume"
	say "guest: $(log_value '/^xvdb: new domain: /p')"
	log_wait '^verify: xvdb: [0-9]+ sectors' 300 "the verify did not end"
	verified_clean xvdb
	be=$(be_dir 51728)
	case "$be" in
	*/vbd/$DOMID/*)	;;
	*)		fail "the frontend names backend '$be', not one of d$DOMID" ;;
	esac
	[ "$(xsr "$be/state")" = 4 ] || fail "blkback of d$DOMID is not Connected"
	say "blkback $be is Connected to the new domain"

	# From the idle after the first verify on; the guest prints it a
	# little after the verify's last line, which is all we waited for.
	log_wait '^idle: up' 60 "the guest did not go idle after the verify"
	LOG_FROM=$(tr -d '\r' <"$(glog)" | grep -n '^idle: up' | head -n 1 |
	    cut -d: -f1)
	log_wait '^verify: fill 20% of xvdb' 60 "the second verify did not start"
	t0=$(now)
	xl save -c "$CASE" /tmp/ck.save >/tmp/save.out 2>&1 ||
	    { tail -n 5 /tmp/save.out; fail "xl save -c"; }
	rm -f /tmp/ck.save
	say "xl save -c: $(since "$t0") s"
	[ "$(domid)" = "$DOMID" ] || fail "the checkpoint changed the domain"
	log_wait '^xen: suspend cancelled; going on' 30 \
	    "the guest did not see its suspend cancelled"
	log_wait '^verify: xvdb: [0-9]+ sectors' 300 "the second verify did not end"
	line=$(tail -n +"$LOG_FROM" "$(glog)" | tr -d '\r' |
	    grep '^verify: xvdb: [0-9]* sectors' | head -n 1)
	say "guest: $line"
	echo "$line" | grep -q ', 0 mismatches, 0 errors' ||
	    fail "the verify across the checkpoint failed: $line"
	xl destroy "$CASE"
	losetup -d "$loop"
	imgcheck /root/sr.img 1
}

# control_wait VALUE SECS: until the guest's control/shutdown reads VALUE
# ("" once acknowledged); fails when the node goes first.
control_wait()
{
	i=0
	until [ "$(xenstore-read "/local/domain/$DOMID/control/shutdown" \
	    2>/dev/null || echo '(gone)')" = "$1" ]; do
		i=$((i + 1))
		[ $i -lt $(($2 * 20)) ] || fail "control/shutdown never read" \
		    "'$1' in $2 s"
		sleep 0.05
	done
}

# xl shutdown and xl reboot: acknowledged within 2 s, the disk closed
# through the handshake, the domain shut down with the matching reason:
# gone, or running again.
case_shutdown_reboot()
{
	vbd_guest /root/sd.img 4 "workload=idle kern.guest.idle_secs=300"
	log_wait '^idle: up' $((60 + BOOT_EXTRA)) "the guest did not come up"
	fe=$(fe_dir 51728)
	for f in poweroff reboot suspend; do
		[ "$(xsr "/local/domain/$DOMID/control/feature-$f")" = 1 ] ||
		    fail "no control/feature-$f"
	done
	t0=$(now)
	xl shutdown "$CASE" || fail "xl shutdown"
	control_wait "" 2
	say "xl shutdown acknowledged after at most $(since "$t0") s"
	i=0
	until xl list "$CASE" 2>/dev/null | awk 'NR == 2 { print $5 }' |
	    grep -q s; do
		i=$((i + 1))
		[ $i -lt 200 ] || fail "the domain did not shut down in 20 s"
		sleep 0.1
	done
	say "shut down $(since "$t0") s after xl shutdown:" \
	    "$(xl list -v "$CASE" | awk 'NR == 2')"
	# Kept (on_poweroff=preserve) to look at: its frontend said Closed.
	[ "$(xsr "$fe/state")" = 6 ] ||
	    fail "xvdb's frontend is in state '$(xsr "$fe/state")', not Closed"
	say "xvdb's frontend is Closed"
	xl destroy "$CASE"
	xl list "$CASE" >/dev/null 2>&1 && fail "the domain is still listed"
	say "xl list no longer shows it"

	# The new domain's lines follow the old one's in an HVM guest's log.
	log_mark
	ON_REBOOT=restart guest_create "workload=idle kern.guest.idle_secs=300" \
	    "format=raw, vdev=xvdb, access=rw, target=$loop"
	old=$DOMID
	log_wait '^idle: up' $((60 + BOOT_EXTRA)) "the guest did not come up"
	log_mark
	t0=$(now)
	xl reboot "$CASE" || fail "xl reboot"
	control_wait "" 2
	say "xl reboot acknowledged after at most $(since "$t0") s"
	i=0
	until [ -n "$(domid)" ] && [ "$(domid)" != "$old" ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || fail "no new domain 30 s after xl reboot"
		sleep 0.1
	done
	# xl builds the new domain under the same name: while it does, the
	# name may not resolve, which log_wait would take for a death.
	end=$(($(cut -d. -f1 /proc/uptime) + 60 + BOOT_EXTRA))
	until tail -n +"$LOG_FROM" "$(glog)" | tr -d '\r' | grep -q '^idle: up'
	do
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ] ||
		    fail "the rebooted guest did not come up in 60 s"
		sleep 0.2
	done
	DOMID=$(domid)
	st=$(xl list "$CASE" | awk 'NR == 2 { print $5 }')
	say "domain $old rebooted as $DOMID in $(since "$t0") s, state $st"
	case "$st" in
	*r*|*b*)	;;
	*)		fail "the rebooted domain is in state $st" ;;
	esac
	xl destroy "$CASE"
	losetup -d "$loop"
}

# The same guest.elf as an HVM domain, booted by GRUB from an emulated
# CD-ROM (/root/pvkit.iso, workload=verify,idle): it finds Xen, unplugs
# QEMU's emulated disks before it looks for one, and verifies its vbd
# through blkfront; dom0 checks the sum and every stamp.  Its console is
# QEMU's COM1, in the case's log.
case_hvm_iso()
{
	[ -f /root/pvkit.iso ] || fail "no /root/pvkit.iso (pvkit-iso failed?)"
	loop_image /root/hvm.img 16
	cat >"/root/$CASE.cfg" <<EOC
name = "$CASE"
type = "hvm"
boot = "d"
memory = 128
vcpus = 1
tsc_mode = "native"
serial = "file:$(glog)"
nographic = 1
vnc = 0
sdl = 0
on_crash = "preserve"
on_poweroff = "preserve"
disk = [ 'format=raw, vdev=xvda, access=rw, target=$loop',
    'format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/pvkit.iso' ]
EOC
	xl create "/root/$CASE.cfg" || fail "xl create"
	DOMID=$(domid)
	say "HVM domain $DOMID created, booting the ISO"
	log_wait '^idle: up' 240 "the HVM guest did not verify and go idle"
	guest_said '^pvkit guest: x86-64, Multiboot boot by GRUB' \
	    '^xen: HVM domain: emulated disks and NICs unplugged' \
	    '^xen: Xen [0-9.]*, HVM domain'
	blkback_served xvda 51712
	verified_clean xvda
	xl destroy "$CASE"
	losetup -d "$loop"
	imgcheck /root/hvm.img 1
}

# guest_said PATTERN...: the guest's console has a line matching each
# (grep -E); each is reported.
guest_said()
{
	for l in "$@"; do
		line=$(tr -d '\r' <"$(glog)" | grep -m 1 -E -- "$l") ||
		    fail "no \"$l\" from the guest; its first lines:" \
		    "$(tr -d '\r' <"$(glog)" | grep -v '^SeaBIOS\|^Machine\|^Booting' |
		    head -n 12 | tr '\n' '|')"
		say "guest: $line"
	done
}

# blkback_served VDEV DEVID: blkback's own counters show it served writes
# and reads of VDEV, so an HVM guest's I/O went through blkfront, not
# through QEMU's emulated disk.
blkback_served()
{
	st=/sys/bus/xen-backend/devices/vbd-$DOMID-$2/statistics
	[ "$(cat $st/wr_req 2>/dev/null || echo 0)" -gt 0 ] &&
	    [ "$(cat $st/rd_req 2>/dev/null || echo 0)" -gt 0 ] ||
	    fail "blkback served no I/O to $1"
	say "blkback served $(cat $st/wr_req) writes and $(cat $st/rd_req)" \
	    "reads of $1"
}

# An HVM domain booted by QEMU's -kernel (xl's kernel= and cmdline=): QEMU
# hands the file to linuxboot.bin, the guest's Linux boot protocol setup
# enters its Multiboot entry.  It unplugs QEMU's disks (xvdb is also an
# emulated IDE disk to QEMU), takes events on the callback vector and
# verifies xvdb through blkback.
hvm_verify()
{
	GUEST_TYPE=hvm
	BOOT_EXTRA=180
	vbd_guest /root/hvm.img 16 \
	    "workload=verify,idle kern.guest.idle_secs=300 $1"
	log_wait '^idle: up' 240 "the HVM guest did not verify and go idle"
	# The unplug is the kernel's first line, right after SeaBIOS's last
	# one, which ends with no newline.
	guest_said \
	    '^pvkit guest: x86-64, Multiboot boot by pvkit setup \(Linux boot' \
	    'xen: HVM domain: emulated disks and NICs unplugged' \
	    '^xen: Xen [0-9.]*, HVM domain' "$2"
	blkback_served xvdb 51728
	verified_clean xvdb
}

case_hvm_verify()
{
	hvm_verify "" '^xen: events on vector [0-9]+'
	xl destroy "$CASE"
	losetup -d "$loop"
	imgcheck /root/hvm.img 1
}

# The same with the callback vector switched off: events through the
# platform device's INTx, a level-triggered IOAPIC line.
case_hvm_intx()
{
	hvm_verify hw.xen.callback_vector=0 \
	    '^xen: events through pci0:0:[0-9]+\.0 INTA'
	# Xen's side: its virtual IOAPIC routes that line, unmasked and
	# level-triggered (redirection entry bits 16, 15 and 7:0).
	pin=$(log_value 's/^xen: events through .* INTA (line \([0-9]*\))$/\1/p')
	[ -n "$pin" ] || fail "the guest named no INTx line"
	ent=$(/usr/lib/xen-4.17/bin/xen-hvmctx "$DOMID" 2>/dev/null |
	    sed -n "s/^ *pin $(printf %02d "$pin"): 0x\([0-9a-f]*\)$/\1/p")
	[ -n "$ent" ] || fail "xen-hvmctx shows no IOAPIC pin $pin"
	e=$((0x$ent))
	[ $((e >> 16 & 1)) = 0 ] && [ $((e >> 15 & 1)) = 1 ] &&
	    [ $((e & 255)) -ge 32 ] ||
	    fail "Xen's IOAPIC pin $pin is 0x$ent: not an unmasked level line"
	say "Xen's virtual IOAPIC: pin $pin is 0x$ent: vector $((e & 255))," \
	    "level-triggered, unmasked"
	xl destroy "$CASE"
	losetup -d "$loop"
	imgcheck /root/hvm.img 1
}

# The PVH cases' courses with an HVM guest booted by kernel=.
case_hvm_attach() { GUEST_TYPE=hvm BOOT_EXTRA=180; case_attach_phy; }
case_hvm_mem_set() { GUEST_TYPE=hvm BOOT_EXTRA=180 MEM_SLACK=1; case_mem_set; }
case_hvm_save_restore() { GUEST_TYPE=hvm BOOT_EXTRA=180; case_save_restore; }
case_hvm_shutdown() { GUEST_TYPE=hvm BOOT_EXTRA=180; case_shutdown_reboot; }

# mem_is MIB: xl list shows the domain at MIB within 10 s, or up to
# MEM_SLACK MiB below: an HVM domain's count leaves out the VGA hole and
# what its firmware took.
mem_is()
{
	i=0
	until xl list "$CASE" | awk -v m="$1" -v s="${MEM_SLACK:-0}" \
	    'NR == 2 { v = $3 } END { exit !(v != "" && v <= m && v >= m - s) }'
	do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "xl list shows" \
		    "$(xl list "$CASE" | awk 'NR == 2 { print $3 }') MiB, not $1"
		sleep 0.1
	done
	say "xl list shows $(xl list "$CASE" | awk 'NR == 2 { print $3 }') MiB" \
	    "(asked: $1)"
}

# Running them ------------------------------------------------------------

cases=$(sed -n 's/^case_\([a-z0-9_]*\)().*/\1/p' "$SELF")
[ -f /root/cases ] && cases=$(cat /root/cases)
[ -f /root/guest.elf ] || { echo "no /root/guest.elf (--file?)"; exit 1; }
failed=0
for CASE in $cases; do
	echo "XENCASE: $CASE BEGIN (dom0 uptime $(cut -d' ' -f1 /proc/uptime) s)"
	rm -f /tmp/case.why
	# dom0's root is in its RAM: each case's images go with it.
	rm -f /root/*.img /tmp/*.save
	if ! grep -q "^case_$CASE()" "$SELF"; then
		echo "no such case" >/tmp/case.why
	elif ( "case_$CASE" ); then
		echo "XENCASE: $CASE PASS"
		xl destroy "$CASE" 2>/dev/null
		continue
	fi
	[ -s /tmp/case.why ] || echo "the case ended early" >/tmp/case.why
	diagnose
	xl destroy "$CASE" 2>/dev/null
	for l in $(losetup -n -O NAME 2>/dev/null); do losetup -d "$l"; done
	echo "XENCASE: $CASE FAIL $(head -n 1 /tmp/case.why)"
	failed=$((failed + 1))
done
exit $failed
