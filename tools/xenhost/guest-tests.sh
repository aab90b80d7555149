#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# The dom0 tests for run.sh (make xentest), the pvkit guest as a PVH domU
# on real Xen:
#  1. with a loop-backed vbd served by Linux blkback it runs
#     workload=verify, judged on the guest's own verdict, on its initial
#     sum against cksum(1) of the image, and on every stamp it wrote
#     (pvkit-imgcheck);
#  2. idle, its balloon follows xl mem-set down to 96 MiB and back, as
#     xl list sees it;
#  3. still idle, xl block-attach gives it a disk, which it verifies and
#     closes, and xl block-detach then takes it away.
# It needs, from the host:
#
#   --file build/guest.elf:/root/guest.elf
#   --file build/bin/pvkit-imgcheck:/root/pvkit-imgcheck
#
# Exits 0 when all of it holds.

log=/var/log/xen/console/guest-pvkit.log
fail()
{
	echo "XENTEST: FAIL $*"
	[ -f "$log" ] && sed 's/^/  guest: /' "$log"
	xl destroy pvkit 2>/dev/null
	exit 1
}

# log_wait PATTERN TENTHS WHY: until the guest's console matches, or fail
# with WHY after TENTHS tenths of a second, or at once if the guest failed.
log_wait()
{
	i=0
	until grep -q "$1" "$log" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt "$2" ] || fail "$3"
		grep -q 'pvkit guest: FAIL' "$log" 2>/dev/null &&
		    fail "the guest failed"
		sleep 0.1
	done
}

dd if=/dev/urandom of=/root/disk.img bs=1M count=16 status=none
want=$(cksum </root/disk.img | cut -d' ' -f1,2)
losetup /dev/loop0 /root/disk.img || fail "losetup"
cat >/root/pvkit.cfg <<EOC
name = "pvkit"
type = "pvh"
kernel = "/root/guest.elf"
extra = "workload=verify"
memory = 128
vcpus = 1
tsc_mode = "native"
on_crash = "preserve"
on_poweroff = "preserve"
disk = [ 'format=raw, vdev=xvdb, access=rw, target=/dev/loop0' ]
EOC
xl create /root/pvkit.cfg || fail "xl create"
log_wait 'pvkit guest: PASS' 600 "no verdict from the guest in 60 s"
sed 's/^/  guest: /' "$log"
got=$(sed -n 's/^verify: xvdb: initial cksum //p' "$log" | tr -d '\r')
[ "$got" = "$want" ] || fail "the guest read cksum '$got', dom0 '$want'"
echo "XENTEST: the guest read what dom0 wrote: cksum $got"
xl destroy pvkit
losetup -d /dev/loop0
/root/pvkit-imgcheck /root/disk.img 1 || fail "the stamps in the image"
echo "XENTEST: verify passed"

# 2. The balloon, through the toolstack.
rm -f "$log"
sed -e 's/^extra = .*/extra = "workload=idle kern.guest.idle_secs=30"/' \
    -e '/^disk = /d' /root/pvkit.cfg >/root/idle.cfg
xl create /root/idle.cfg || fail "xl create (idle)"
log_wait '^idle: up' 600 "the idle guest did not come up"
# mem_is MIB: xl list shows the domain at MIB within 10 s.
mem_is()
{
	i=0
	until [ "$(xl list pvkit | awk 'NR == 2 { print $3 }')" = "$1" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "xl list never showed $1 MiB"
		sleep 0.1
	done
}
mem_is 128
xl mem-set pvkit 96m || fail "xl mem-set 96m"
mem_is 96
xl mem-set pvkit 128m || fail "xl mem-set 128m"
mem_is 128
echo "XENTEST: the balloon followed xl mem-set to 96 MiB and back"

# 3. Hot-plug.
dd if=/dev/urandom of=/root/hot.img bs=1M count=8 status=none
losetup /dev/loop1 /root/hot.img || fail "losetup (hot-plug)"
xl block-attach pvkit 'format=raw, vdev=xvdc, access=rw, target=/dev/loop1' ||
    fail "xl block-attach"
log_wait '^idle: hot-plugged disk verified' 300 \
    "the guest did not verify the hot-plugged disk"
xl block-detach pvkit xvdc || fail "xl block-detach"
xl block-list pvkit | grep -q 51744 && fail "xvdc is still attached"
losetup -d /dev/loop1
/root/pvkit-imgcheck /root/hot.img 1 || fail "the stamps in the hot-plugged image"
echo "XENTEST: xl block-attach, verify, xl block-detach"
xl destroy pvkit
echo "XENTEST: PASS"
exit 0
