#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# The dom0 half of tools/bench/xen_bench.sh: tools/xenhost/run.sh runs it
# as /test.sh, in one boot, with
#
#   /root/guest.elf          the pvkit guest
#   /root/linux.vmlinuz      dom0's own kernel, for the Linux guest
#   /root/linux.initrd.gz    its busybox initramfs (bench.subr, linux-init)
#   /root/bench.conf         img_mib, the image's size
#
# One image, one loop device, one blkback: the pvkit guest's workload=bench
# runs on it as xvdb, then the Linux guest's dd's, one guest after the
# other, each a PVH domU of 128 MiB and one vCPU.  Then an idle pvkit
# guest is saved and restored.  Everything it learns, the guests'
# consoles included, goes to the console as "XENBENCH: " lines (the host
# reads them from the serial log); a side that cannot run says why.
# Always exits 0: figures are never judged.

PATH=/usr/lib/xen-4.17/bin:$PATH
. /dom0.subr
img_mib=128
[ -f /root/bench.conf ] && . /root/bench.conf

say() { echo "XENBENCH: $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
glog() { echo "/var/log/xen/console/guest-$1.log"; }
# The console of guest $1, carriage returns dropped.
console() { tr -d '\r' <"$(glog "$1")" 2>/dev/null; }

# wait_line NAME ERE SECS: until guest NAME's console has a line matching
# ERE; false after SECS, or once the domain has ended (gone, shut down or
# crashed) without printing it.  Polled every 50 ms, so that the moment it
# returns is close to the moment the guest printed the line.
wait_line()
{
	end=$(($(now_ms) + $3 * 1000))
	n=0
	until console "$1" | grep -Eq -- "$2"; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		# xl is slow under TCG: ask it once a second.
		n=$((n + 1))
		if [ $((n % 20)) -eq 0 ]; then
			case $(xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }') in
			""|*s*|*c*)
				# Let xenconsoled write what is left.
				sleep 1
				console "$1" | grep -Eq -- "$2"
				return ;;
			esac
		fi
		sleep 0.05
	done
}

# create NAME: xl create, started at T_CREATE (ms); false with why said.
create()
{
	T_CREATE=$(now_ms)
	if ! xl create "/root/$1.cfg" >/tmp/create.out 2>&1; then
		say "$1: not run: xl create failed: $(tail -n 1 /tmp/create.out)"
		return 1
	fi
	say "$1: xl create returned after $(($(now_ms) - T_CREATE)) ms"
}

# bench NAME FIRST_ERE END_ERE OK_ERE: create guest NAME; say how long
# after xl create its console showed FIRST_ERE (the line it prints just
# before its first I/O), wait for END_ERE, copy its console to ours as
# "NAME: console: " lines, and destroy it.  OK_ERE tells a good end.
bench()
{
	create "$1" || return
	if wait_line "$1" "$2" 120; then
		say "$1: xl create to first I/O (dom0 clock): $(($(now_ms) - T_CREATE)) ms"
	fi
	if ! wait_line "$1" "$3" 900; then
		say "$1: no end in 900 s"
		xl list "$1" 2>&1 | tail -n 1 | sed "s/^/XENBENCH: $1: xl list: /"
	elif ! console "$1" | grep -Eq -- "$4"; then
		say "$1: the guest failed"
	fi
	say "$1: done $(($(now_ms) - T_CREATE)) ms after xl create"
	console "$1" | sed "s/^/XENBENCH: $1: console: /"
	xl destroy "$1" 2>/dev/null
}

say "BEGIN (dom0 uptime $(cut -d' ' -f1 /proc/uptime) s)"
say "host: Xen $(xl info | sed -n 's/^xen_version *: //p'), dom0 $(uname -r)"
# In /tmp, a tmpfs of its own: with the image in /root, on the root
# filesystem that holds all of dom0, later writes there failed with EIO.
t=$(now_ms)
if ! dd if=/dev/urandom of=/tmp/disk.img bs=1M count="$img_mib" status=none ||
    ! loop=$(losetup -f --show /tmp/disk.img); then
	say "not run: no image of $img_mib MiB: $(df -m /tmp | tail -n 1)"
	exit 0
fi
DISK="format=raw, vdev=xvdb, access=rw, target=$loop"
say "image: $img_mib MiB of random bytes in dom0's RAM, on $loop" \
    "($(($(now_ms) - t)) ms to make); both guests get '$DISK'"

# The pvkit guest prints "workload bench: ..." just before its first
# read; its own figure (from domain creation, by the TSC Xen starts at
# zero for the domain) is among its bench: lines.
pvh_cfg pvkit /root/guest.elf "workload=bench" "$DISK" >/root/pvkit.cfg
bench pvkit '^workload bench' '^pvkit guest: (PASS|FAIL)' \
    '^pvkit guest: PASS'

# The same guest.elf as an HVM domain, booted by kernel= (its Linux boot
# protocol setup), against the same blkback and image.
hvm_cfg hvm /root/guest.elf "workload=bench" "$(glog hvm)" "$DISK" \
    >/root/hvm.cfg
bench hvm '^workload bench' '^pvkit guest: (PASS|FAIL)' \
    '^pvkit guest: PASS'

if [ -f /root/linux.vmlinuz ] && [ -f /root/linux.initrd.gz ]; then
	RAMDISK=/root/linux.initrd.gz
	pvh_cfg linux /root/linux.vmlinuz "console=hvc0 quiet panic=-1" \
	    "$DISK" >/root/linux.cfg
	RAMDISK=
	bench linux '^linux: first I/O' '^linux: (done|FAIL)' '^linux: done'
else
	say "linux: not run: no /root/linux.vmlinuz or /root/linux.initrd.gz"
fi
losetup -d "$loop"
rm -f /tmp/disk.img

# Save and restore an idle pvkit guest of 128 MiB (no disk).  Restore ends
# when the guest says so: its devices are back then, not when xl returns.
pvh_cfg sr /root/guest.elf "workload=idle kern.guest.idle_secs=300" \
    >/root/sr.cfg
if create sr && wait_line sr '^idle: up' 120; then
	t=$(now_ms)
	if xl save sr /tmp/x.save >/tmp/save.out 2>&1; then
		say "sr: xl save: $(($(now_ms) - t)) ms," \
		    "$(($(wc -c </tmp/x.save) / 1048576)) MiB saved"
		t=$(now_ms)
		if xl restore /tmp/x.save >/tmp/restore.out 2>&1; then
			say "sr: xl restore returned: $(($(now_ms) - t)) ms"
			if wait_line sr '^xen: resumed as domain' 60; then
				say "sr: xl restore to 'resumed' on the console:" \
				    "$(($(now_ms) - t)) ms"
			else
				say "sr: the guest never said it resumed"
			fi
		else
			say "sr: xl restore failed: $(tail -n 2 /tmp/restore.out | tr '\n' ' ')"
		fi
	else
		say "sr: xl save failed: $(tail -n 2 /tmp/save.out | tr '\n' ' ')"
	fi
	rm -f /tmp/x.save
else
	say "sr: the idle guest did not come up"
fi
console sr | sed "s/^/XENBENCH: sr: console: /"
xl destroy sr 2>/dev/null
say "END (dom0 uptime $(cut -d' ' -f1 /proc/uptime) s)"
exit 0
