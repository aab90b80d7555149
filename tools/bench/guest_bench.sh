#!/bin/sh
# The pvkit reference guest beside a Debian Linux guest, each booted by
# tools/vm/pvkit-vm with the same machine, accelerator, memory, CPUs,
# virtio-blk-pci options and image file, one after the other in one run.
# Only the kernel, its command line and Linux's initramfs differ.  Figures
# are printed, never asserted: a side that cannot run says why, and the
# script still exits 0.
#
#   tools/bench/guest_bench.sh [BUILD_DIR]
set -u

usage()
{
	echo "usage: tools/bench/guest_bench.sh [BUILD_DIR]   (default: build)"
}
case "${1:-}" in
-h|--help)	usage; exit 0 ;;
--)		shift ;;
-*)		echo "guest_bench.sh: unknown option $1" >&2
		usage >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$root/build}" && pwd) || exit 1
vm=$root/tools/vm/pvkit-vm
. "$root/tools/bench/bench.subr"

# Sizes for the Linux side.  The image is small so that it is quick to
# make; it lives in /dev/shm, so both guests measure software paths (the
# guest driver, QEMU's device model), not a disk.
img_mib=128
n4k1=2000	# 4 KiB reads by one dd
n4k32=8000	# 4 KiB reads split over 32 dd processes
nseq=$img_mib	# MiB read, then written, in 1 MiB blocks: the whole disk

W=$(mktemp -d /dev/shm/pvkit-gbench.XXXXXX) || exit 1
lpid=
cleanup()
{
	# pvkit-vm runs QEMU under timeout(1) in a process group of its own:
	# stop that timeout too, or QEMU outlives us until its deadline.
	if [ -n "$lpid" ]; then
		for p in $(ps -o pid= --ppid "$lpid" 2>/dev/null); do
			kill "$p" 2>/dev/null
		done
		kill "$lpid" 2>/dev/null
		wait "$lpid" 2>/dev/null
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then accel=kvm; else accel=tcg; fi
# QEMU's own virtio-blk-pci defaults for both guests: with one vCPU, one
# queue of 256.
set -- --machine pc --accel "$accel" --smp 1 --mem 256 --disk "$W/disk.img"
dd if=/dev/urandom of="$W/disk.img" bs=1M count=$img_mib status=none

if [ "$accel" = tcg ]; then
	echo "== guest disk bench: pvkit guest vs Debian Linux guest, TCG" \
	    "(no usable /dev/kvm: an emulated CPU; not what KVM would show)"
else
	echo "== guest disk bench: pvkit guest vs Debian Linux guest, KVM"
fi
echo "   both: $* (raw ${img_mib} MiB image in /dev/shm)"

# 1. The pvkit guest -----------------------------------------------------
p1='' p32='' pr='' pw='' pfirst=''
if [ ! -r "$B/guest.elf" ]; then
	echo "pvkit: no $B/guest.elf (make guest)"
else
	"$vm" "$@" --kernel "$B/guest.elf" --append "workload=bench" \
	    --log "$W/pvkit.log" --quiet --timeout 90
	prc=$?
	pl=$W/pvkit.log
	pvkit_figures "$pl" ""
	if grep -q 'FAIL unknown workload' "$pl"; then
		echo "pvkit: pvkit guest bench workload not available"
	elif [ -z "$p1$p32$pr$pw$pfirst" ]; then
		echo "pvkit: no figures (pvkit-vm status $prc); the console ended:"
		tr -d '\r' <"$pl" | tail -n 5 | sed 's/^/    /'
	else
		tr -d '\r' <"$pl" | grep 'bench: ' | sed 's/^/    /'
		[ $prc = 0 ] || echo "pvkit: incomplete (pvkit-vm status $prc)"
	fi
fi

# 2. The Linux guest -----------------------------------------------------
l1='' l32='' lr='' lw='' lfirst='' lprobe='' lhost=''
# The newest Debian kernel installed (a bzImage: QEMU boots it as is).
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
if [ -z "$kernel" ] || [ ! -r "$kernel" ]; then
	why="no readable /boot/vmlinuz-* (apt-get install linux-image-amd64)"
else
	# The drivers are modules in Debian's kernel.
	why=$(linux_initrd "" "${kernel#/boot/vmlinuz-}" /dev/vda \
	    VIRTIO_PCI:virtio_pci VIRTIO_BLK:virtio_blk)
fi
if [ -z "$why" ]; then
	ll=$W/linux.log
	: >"$ll"
	start=$(date +%s%N)
	"$vm" "$@" --kernel "$kernel" --initrd "$W/initrd.gz" \
	    --append "console=ttyS0 quiet panic=-1" \
	    --log "$ll" --quiet --timeout 150 2>"$W/linux.err" &
	lpid=$!
	# Poll the console for the init's first line; 20 ms steps.
	while kill -0 "$lpid" 2>/dev/null; do
		if grep -q '^linux: first I/O' "$ll"; then
			lhost=$((($(date +%s%N) - start) / 1000000))
			break
		fi
		sleep 0.02
	done
	wait "$lpid"
	lrc=$?
	lpid=
	linux_figures "$ll" ""
	echo "linux: $(basename "$kernel"), modules:$(cat "$W/lmods")"
	tr -d '\r' <"$ll" | grep '^linux: ' | sed 's/^/    /'
	# Power off ends QEMU without a verdict: pvkit-vm's status 4.
	if ! grep -q '^linux: done' "$ll"; then
		echo "linux: incomplete (pvkit-vm status $lrc); the console ended:"
		tr -d '\r' <"$ll" | tail -n 5 | sed 's/^/    /'
		sed 's/^/    /' "$W/linux.err"
	fi
else
	echo "linux: not run: $why"
fi

# 3. Side by side --------------------------------------------------------
echo "== side by side ($accel)"
disk_rows
row "first I/O, guest clock (ms)" "$pfirst" "$lfirst"
printf '%-34s %12s %12s\n' "linux: vda attached, guest (ms)" "" "${lprobe:--}"
printf '%-34s %12s %12s\n' "linux: QEMU start to init, host (ms)" "" \
    "${lhost:--}"
cat <<EOF
How Linux was measured (busybox dd, O_DIRECT on /dev/vda, timed with the
microsecond clock busybox adjtimex shows; a dd's start-up is inside it):
- depth 1: $n4k1 4 KiB reads by one dd, in order: busybox dd cannot seek
  at random (pvkit reads at random; on a RAM-backed image order should
  matter little);
- depth 32: 32 dd processes, $((n4k32 / 32)) 4 KiB reads each in their own
  1/32 of the disk: up to 32 in flight, 32 process start-ups included;
- sequential: $nseq MiB read, then $nseq MiB of zeros written with
  oflag=direct conv=fsync; MB is 10^6 bytes;
- first I/O: Linux's uptime (10 ms steps) just before its first dd; its
  kernel read the partition table earlier, when vda attached.  Uptime
  starts with the kernel, after firmware and decompression; pvkit's figure
  is its own, from reset.  The host time runs from starting pvkit-vm to
  the init's first line, polled every 20 ms.
EOF
exit 0
