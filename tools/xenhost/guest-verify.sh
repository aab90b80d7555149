#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# A dom0 test for run.sh (make xentest): the pvkit guest as a PVH domU on
# real Xen, with a loop-backed vbd served by Linux blkback, runs
# workload=verify.  dom0 then judges it on the guest's own verdict, on its
# initial sum against cksum(1) of the image, and on every stamp it wrote
# (pvkit-imgcheck).  It needs, from the host:
#
#   --file build/guest.elf:/root/guest.elf
#   --file build/bin/pvkit-imgcheck:/root/pvkit-imgcheck
#
# Exits 0 when all three hold.

log=/var/log/xen/console/guest-pvkit.log
fail()
{
	echo "XENTEST: FAIL $*"
	[ -f "$log" ] && sed 's/^/  guest: /' "$log"
	xl destroy pvkit 2>/dev/null
	exit 1
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
i=0
until grep -q 'pvkit guest: \(PASS\|FAIL\)' "$log" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 600 ] || fail "no verdict from the guest in 60 s"
	sleep 0.1
done
sed 's/^/  guest: /' "$log"
grep -q 'pvkit guest: PASS' "$log" || fail "the guest's verdict"
got=$(sed -n 's/^verify: xvdb: initial cksum //p' "$log" | tr -d '\r')
[ "$got" = "$want" ] || fail "the guest read cksum '$got', dom0 '$want'"
echo "XENTEST: the guest read what dom0 wrote: cksum $got"
xl destroy pvkit
losetup -d /dev/loop0
/root/pvkit-imgcheck /root/disk.img 1 || fail "the stamps in the image"
echo "XENTEST: PASS"
exit 0
