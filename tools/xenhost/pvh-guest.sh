#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# A dom0 test script for run.sh: show that the Xen host works, then start
# the pvkit guest as a PVH domU and report what became of it.  It needs
# the guest in dom0:
#
#   tools/xenhost/run.sh --file build/guest.elf:/root/guest.elf \
#       tools/xenhost/pvh-guest.sh
#
# Exits 0 when the host came up and xl create succeeded; the guest's own
# fate is printed, not judged (it has no Xen console yet).

up() { cut -d' ' -f1 /proc/uptime; }
step() { echo "=== $* (dom0 uptime $(up) s)"; }

step "xl info"
xl info || exit 1
step "xl list"
xl list || exit 1
step "xenstore-ls /local/domain/0"
xenstore-ls /local/domain/0 | head -n 20

[ -f /root/guest.elf ] || { echo "no /root/guest.elf (--file?)"; exit 1; }
# tsc_mode native: TCG's SVM has no NRIPS, so an emulated RDTSCP kills
# the guest.  on_crash preserve: keep a crashed guest for xl to show.
cat >/root/pvkit.cfg <<EOF
name = "pvkit"
type = "pvh"
kernel = "/root/guest.elf"
extra = "workload=selftest"
memory = 128
vcpus = 1
tsc_mode = "native"
on_crash = "preserve"
on_poweroff = "preserve"
on_reboot = "preserve"
EOF

step "xl create"
t0=$(up)
xl create /root/pvkit.cfg
st=$?
t1=$(up)
echo "xl create: status $st in $(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }') s"
[ "$st" -eq 0 ] || { xl dmesg | tail -n 30; exit 2; }

# Watch it for up to 15 s; stop early once it has shut down or crashed
# (xl list state s or c; preserve keeps the domain around to look at).
i=0
while [ $i -lt 15 ]; do
	sleep 1
	i=$((i + 1))
	line=$(xl list | awk '$1 == "pvkit"')
	echo "--- +${i}s: $line"
	case "$(echo "$line" | awk '{ print $5 }')" in *s*|*c*|"") break ;; esac
done
# -v adds the shutdown reason code: 0 poweroff, 1 reboot (a triple fault
# lands here too), 3 crash.
step "xl list -v"
xl list -v
step "xenstore-ls /local/domain/\$(xl domid pvkit)"
id=$(xl domid pvkit 2>/dev/null) && xenstore-ls "/local/domain/$id" | head -n 30
step "xl dmesg | tail"
xl dmesg | tail -n 40
step "guest console log"
cat /var/log/xen/console/guest-pvkit.log 2>/dev/null || echo "(none)"
step "xl destroy"
xl destroy pvkit
xl list
exit 0
