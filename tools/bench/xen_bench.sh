#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# The pvkit guest beside a Debian Linux guest on real Xen: both PVH domUs
# of the xenhost test host (Xen 4.17, Linux 6.1 dom0, booted in QEMU TCG),
# in one boot, against the same blkback and the same image in dom0, one
# after the other, and the same pvkit guest.elf as an HVM domain booted by
# kernel=; then xl save and xl restore of an idle pvkit guest.
# The Linux guest runs dom0's own kernel (from the same package, with
# xen-blkfront from it) and a busybox initramfs (bench.subr).  The dom0
# side is xen_dom0.sh.  Figures are printed, never asserted: a side that
# cannot run says why, and the script still exits 0.
#
# usage: tools/bench/xen_bench.sh [BUILD_DIR]   (default: build)
#   The host must be built: tools/xenhost/build.sh BUILD_DIR/xenhost.
#   The serial log stays in BUILD_DIR/xen_bench.log.
set -u

usage() { sed -n 's/^# \(usage: .*\)/\1/p' "$0"; }
case "${1:-}" in
-h|--help)	usage; exit 0 ;;
--)		shift ;;
-*)		echo "xen_bench.sh: unknown option $1" >&2
		usage >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$root/build}" && pwd) || exit 1
X=$B/xenhost
log=$B/xen_bench.log
. "$root/tools/bench/bench.subr"

# The Linux guest's sizes: as guest_bench.sh's.  The pvkit guest's are
# its own (guest_bench.c: 2000 and 8000 random reads, 32 MiB each way).
img_mib=128
n4k1=2000
n4k32=8000
nseq=$img_mib

echo "== Xen guest disk bench: pvkit guest vs Debian Linux guest, PVH domUs"
echo "   NOTE: Xen runs under QEMU TCG here (no KVM): every guest and dom0"
echo "   instruction is emulated, so these figures count emulated"
echo "   instructions (driver and blkback code paths) far more than device"
echo "   time, and are no forecast of Xen on hardware."
for f in "$B/guest.elf" "$X/xen.elf" "$X/vmlinuz" "$X/dom0.cpio" "$X/versions"; do
	if [ ! -s "$f" ]; then
		echo "xen: not run: no $f (make build; tools/xenhost/build.sh $X)"
		exit 0
	fi
done

W=$(mktemp -d "${TMPDIR:-/tmp}/pvkit-xbench.XXXXXX") || exit 0
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM

# The Linux guest: xen-blkfront from the package dom0's kernel came from
# (build.sh keeps dom0's modules only).  Only drivers/block and the config
# are unpacked, then indexed so that modinfo finds them and their deps.
linux_why=
kpkg=$(awk '/^linux-image-/ { print $1; exit }' "$X/versions")
kver=${kpkg#linux-image-}
deb=$(ls "$X/debs/${kpkg}"_*.deb 2>/dev/null | head -n 1)
if [ -z "$kpkg" ] || [ -z "$deb" ]; then
	linux_why="no ${kpkg:-kernel} .deb in $X/debs (tools/xenhost/build.sh $X)"
elif ! dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$W" --wildcards \
    "./lib/modules/$kver/kernel/drivers/block/*" "./boot/config-$kver" \
    "./lib/modules/$kver/modules.*" 2>"$W/tar.err" ||
    ! depmod -b "$W" "$kver" 2>>"$W/tar.err"; then
	linux_why="cannot unpack $deb: $(head -n 1 "$W/tar.err")"
else
	linux_why=$(linux_initrd "$W" "$kver" /dev/xvdb \
	    XEN_BLKDEV_FRONTEND:xen-blkfront)
fi
set -- --file "$B/guest.elf:/root/guest.elf"
if [ -z "$linux_why" ]; then
	set -- "$@" --file "$X/vmlinuz:/root/linux.vmlinuz" \
	    --file "$W/initrd.gz:/root/linux.initrd.gz"
	echo "   linux: $kpkg (dom0's kernel), modules:$(cat "$W/lmods")," \
	    "busybox dd on /dev/xvdb"
fi
echo "img_mib=$img_mib" >"$W/bench.conf"

t0=$(date +%s)
"$root/tools/xenhost/run.sh" --out "$X" --log "$log" --timeout 2400 \
    "$@" --file "$W/bench.conf:/root/bench.conf" \
    "$root/tools/bench/xen_dom0.sh" >"$W/run.out" 2>&1
rc=$?
t1=$(date +%s)
grep -a 'XENBENCH: ' "$log" 2>/dev/null | tr -d '\r' |
    sed 's/.*XENBENCH: //' >"$W/r"
if [ ! -s "$W/r" ]; then
	echo "xen: not run: the xenhost run ended with status $rc:"
	sed 's/^/    /' "$W/run.out"
	exit 0
fi
# dom0's own lines, and of the guests' consoles what holds a figure or
# says what the guest had (all of them stay in the serial log).
grep -v '^[a-z]*: console: \|^BEGIN\|^END' "$W/r" | sed 's/^/    /'
grep -E '^[a-z]*: console: (bench: |linux: |boot: |xvdb: [0-9]|xen: resumed|xen: HVM|pvkit guest: FAIL)' \
    "$W/r" | sed 's/^/    /'
[ "$rc" -eq 0 ] || echo "    (the xenhost run ended with status $rc; see $log)"
if [ -n "$linux_why" ]; then
	echo "linux: not run: $linux_why"
	echo "linux: not run: $linux_why" >>"$W/r"
fi

r=$W/r
# The HVM domain's figures first: pvkit_figures sets the same names.
pvkit_figures "$r" "hvm: console: "
h1=$p1 h32=$p32 hr=$pr hw=$pw hfirst=$pfirst
pvkit_figures "$r" "pvkit: console: "
linux_figures "$r" "linux: console: "
pdom0=$(field "$r" "pvkit: xl create to first I/O (dom0 clock): $num ms")
ldom0=$(field "$r" "linux: xl create to first I/O (dom0 clock): $num ms")
pcreate=$(field "$r" "pvkit: xl create returned after $num ms")
lcreate=$(field "$r" "linux: xl create returned after $num ms")
save=$(field "$r" "sr: xl save: $num ms")
rest=$(field "$r" "sr: xl restore to 'resumed' on the console: $num ms")

echo "== side by side (Xen 4.17 PVH domUs, 128 MiB, 1 vCPU, under QEMU TCG)"
disk_rows
row "xl create to first I/O, dom0 (ms)" "$pdom0" "$ldom0"
# Not a ratio: the two clocks start at different moments.
printf '%-34s %12s %12s\n' "  first I/O, guest's clock (ms)" "${pfirst:--}" \
    "${lfirst:--}"
printf '%-34s %12s %12s\n' "  xl create returned (ms)" "${pcreate:--}" \
    "${lcreate:--}"
echo "== the same guest.elf as a Xen HVM domain (kernel=), same blkback and image"
printf '%-34s %12s %12s %11s\n' "figure" "HVM" "PVH" "HVM/PVH"
row "4 KiB read, depth 1 (IOPS)" "$h1" "$p1"
row "4 KiB read, depth 32 (IOPS)" "$h32" "$p32"
row "1 MiB sequential read (MB/s)" "$hr" "$pr"
row "1 MiB sequential write (MB/s)" "$hw" "$pw"
printf '%-34s %12s %12s\n' "  first I/O, guest's clock (ms)" "${hfirst:--}" \
    "${pfirst:--}"
printf '%-34s %12s\n' "pvkit, 128 MiB: xl save (ms)" "${save:--}"
printf '%-34s %12s\n' "pvkit: xl restore to resumed (ms)" "${rest:--}"
cat <<EOF
How it was measured: one image of $img_mib MiB in dom0's RAM on a loop
device, served by Linux blkback to each guest in turn as xvdb.  pvkit:
its workload=bench (random 4 KiB reads, 2000 at depth 1 and 8000 at depth
32; 32 MiB written then read in 1 MiB requests).  Linux: busybox dd with
O_DIRECT on /dev/xvdb, as guest_bench.sh does it (depth 1: $n4k1 reads in
order; depth 32: 32 dd's of $((n4k32 / 32)) reads; $nseq MiB each way).
First I/O, dom0: from xl create to the guest's console line just before
its first I/O, as xenconsoled logged it, polled every 50 ms.  xl create
returns once the domain is built (Linux: its bzImage unpacked by dom0)
and the disk's hotplug script has run.  Guest's clock: pvkit from the
domain's creation (the TSC Xen starts at 0 for it); Linux's uptime,
which starts with its kernel.  Save: xl save to a file in dom0's tmpfs;
restore: xl restore until the guest prints "xen: resumed".  Under TCG
the figures move a lot from one run to the next: compare within a run.
xenhost run: $((t1 - t0)) s from boot to power-off; serial log $log.
EOF
exit 0
