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

field()		# FILE SED-REGEX: \1 of the first matching line (no '|')
{
	tr -d '\r' <"$1" | sed -n "s|.*$2.*|\\1|p" | head -n 1
}

num='\([0-9][0-9]*\(\.[0-9]*\)\{0,1\}\)'

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
	p1=$(field "$pl" "bench: vtbd0: 4k random read depth 1: $num IOPS")
	p32=$(field "$pl" "bench: vtbd0: 4k random read depth 32: $num IOPS")
	pr=$(field "$pl" "bench: vtbd0: 1M sequential read: $num MB/s")
	pw=$(field "$pl" "bench: vtbd0: 1M sequential write: $num MB/s")
	pfirst=$(field "$pl" "bench: first I/O $num ms after reset")
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
# Prints why the Linux side cannot run, or nothing once $W/initrd.gz and
# $W/lmods (the modules it loads, in order) are made.
mods=
want_mod()	# NAME: NAME's module dependencies first, then NAME
{
	f=$(modinfo -k "$kver" -F filename "$1" 2>/dev/null)
	# A built-in driver has no file, and its dependencies are built in.
	[ -f "$f" ] || return 0
	for d in $(modinfo -k "$kver" -F depends "$1" | tr , ' '); do
		want_mod "$d"
	done
	case " $mods " in
	*" $1 "*) ;;
	*) mods="$mods $1" ;;
	esac
}

make_initrd()
{
	if [ -z "$kernel" ] || [ ! -r "$kernel" ]; then
		echo "no readable /boot/vmlinuz-* (apt-get install linux-image-amd64)"
		return
	fi
	kver=${kernel#/boot/vmlinuz-}
	# A dynamically linked busybox would find no libc in the initramfs.
	case $(LC_ALL=C ldd /bin/busybox 2>&1) in
	*"not a dynamic"*|*"statically linked"*) ;;
	*) echo "no static /bin/busybox (apt-get install busybox-static)"; return ;;
	esac
	command -v cpio >/dev/null || { echo "no cpio (apt-get install cpio)"; return; }
	command -v modinfo >/dev/null || { echo "no modinfo (apt-get install kmod)"; return; }

	t=$W/initrd
	mkdir -p "$t/bin" "$t/dev" "$t/proc" "$t/sys" "$t/etc" "$t/lib/modules"
	cp /bin/busybox "$t/bin/busybox"
	# The drivers are modules in Debian's kernel; load them from /init
	# unless this kernel has them built in.
	for m in virtio_pci:VIRTIO_PCI virtio_blk:VIRTIO_BLK; do
		case $(grep "^CONFIG_${m#*:}=" "/boot/config-$kver" 2>/dev/null) in
		*=y)	;;
		*=m)	want_mod "${m%:*}" ;;
		*)	echo "no CONFIG_${m#*:} in /boot/config-$kver"; return ;;
		esac
	done
	for m in $mods; do
		f=$(modinfo -k "$kver" -F filename "$m")
		# busybox insmod reads plain ELF only.
		case $f in
		*.ko.xz)	xz -dc "$f" ;;
		*.ko.zst)	zstd -dc "$f" ;;
		*.ko.gz)	gzip -dc "$f" ;;
		*)		cat "$f" ;;
		esac >"$t/lib/modules/$m.ko" ||
		    { echo "cannot unpack $f"; return; }
	done
	echo "${mods:- none, built in}" >"$W/lmods"
	cat >"$t/etc/bench.conf" <<-EOF
	mods="$mods"
	n4k1=$n4k1
	n4k32=$n4k32
	nseq=$nseq
	disk_kib=$((img_mib * 1024))
	EOF
	cat >"$t/init" <<-'EOF'
	#!/bin/busybox sh
	# PID 1 of the Linux side of tools/bench/guest_bench.sh: load the
	# virtio modules, time busybox dd on /dev/vda, print "linux: " lines
	# that the host parses, power off.
	/bin/busybox mount -t devtmpfs dev /dev
	# No /dev/console was packed (that takes mknod, and root, on the
	# host), so the kernel started us without one: take it from devtmpfs.
	exec </dev/console >/dev/console 2>&1
	/bin/busybox --install -s /bin
	export PATH=/bin
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	. /etc/bench.conf

	fail()
	{
		echo "linux: FAIL $*"
		poweroff -f
	}
	for m in $mods; do
		insmod "/lib/modules/$m.ko" || fail "insmod $m.ko"
	done
	i=0
	until [ -b /dev/vda ]; do
		i=$((i + 1))
		[ $i -le 100 ] || fail "no /dev/vda after 10 s"
		sleep 0.1
	done

	# busybox date has no sub-second format and /proc/uptime counts in
	# 10 ms steps; adjtimex shows the clock in microseconds.
	now()
	{
		adjtimex 2>/dev/null | awk '/tv_sec/ { s = $2 }
		    /tv_usec/ { u = $2 }
		    END { if (s == "") exit 1; printf "%d.%06d\n", s, u }' ||
		    uptime_s
	}
	uptime_s()
	{
		read -r up rest </proc/uptime
		echo "$up"
	}
	# timed LABEL COUNT SCALE FORMAT UNIT COMMAND...: run COMMAND and
	# print COUNT * SCALE per second of it as "linux: LABEL: N UNIT".
	timed()
	{
		l=$1 n=$2 s=$3 f=$4 u=$5
		shift 5
		t0=$(now)
		"$@" 2>/dev/null || fail "$l"
		t1=$(now)
		echo "linux: $l: $(awk -v n="$n" -v a="$t0" -v b="$t1" -v s="$s" \
		    -v f="$f" 'BEGIN { d = b - a; if (d < 0.000001) d = 0.000001
		    printf f, n * s / d }') $u"
	}

	# 32 readers, each over its own 1/32 of the disk.
	per=$((n4k32 / 32))
	readers()
	{
		pids=
		i=0
		while [ $i -lt 32 ]; do
			dd if=/dev/vda of=/dev/null bs=4k count=$per \
			    skip=$((i * disk_kib / 4 / 32)) iflag=direct &
			pids="$pids $!"
			i=$((i + 1))
		done
		for p in $pids; do
			wait $p || return 1
		done
	}

	# The first line printed: the host times QEMU start to this line.
	echo "linux: first I/O at uptime $(uptime_s) s"
	timed "4k read depth 1" $n4k1 1 %.0f IOPS \
	    dd if=/dev/vda of=/dev/null bs=4k count=$n4k1 iflag=direct
	timed "4k read depth 32" $((per * 32)) 1 %.0f IOPS readers
	timed "1M sequential read" $nseq 1.048576 %.1f MB/s \
	    dd if=/dev/vda of=/dev/null bs=1M count=$nseq iflag=direct
	timed "1M sequential write" $nseq 1.048576 %.1f MB/s \
	    dd if=/dev/zero of=/dev/vda bs=1M count=$nseq oflag=direct conv=fsync

	# The kernel read the partition table when virtio_blk attached vda,
	# before any dd: that is the disk's real first I/O.
	p=$(dmesg | sed -n 's/^\[ *\([0-9.]*\)\] virtio_blk virtio[0-9]*: \[vda\].*/\1/p' |
	    head -n 1)
	[ -z "$p" ] || echo "linux: vda attached at uptime $p s"
	echo "linux: done"
	poweroff -f
	EOF
	chmod 755 "$t/init"
	(cd "$t" && find . | cpio -o -H newc --quiet) | gzip -1 >"$W/initrd.gz" ||
	    echo "cannot pack the initramfs"
}

l1='' l32='' lr='' lw='' lfirst='' lprobe='' lhost=''
# The newest Debian kernel installed (a bzImage: QEMU boots it as is).
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
why=$(make_initrd)
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
	l1=$(field "$ll" "linux: 4k read depth 1: $num IOPS")
	l32=$(field "$ll" "linux: 4k read depth 32: $num IOPS")
	lr=$(field "$ll" "linux: 1M sequential read: $num MB/s")
	lw=$(field "$ll" "linux: 1M sequential write: $num MB/s")
	lfirst=$(field "$ll" "linux: first I/O at uptime $num s")
	lprobe=$(field "$ll" "linux: vda attached at uptime $num s")
	[ -z "$lfirst" ] || lfirst=$(awk -v s="$lfirst" 'BEGIN { printf "%.0f", s * 1000 }')
	[ -z "$lprobe" ] || lprobe=$(awk -v s="$lprobe" 'BEGIN { printf "%.0f", s * 1000 }')
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
ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0)
	    printf "%.2f", a / b; else printf "n/a" }'
}
row()		# LABEL PVKIT LINUX
{
	printf '%-34s %12s %12s %11s\n' "$1" "${2:--}" "${3:--}" \
	    "$(ratio "$2" "$3")"
}
echo "== side by side ($accel)"
printf '%-34s %12s %12s %11s\n' "figure" "pvkit" "linux" "pvkit/linux"
row "4 KiB read, depth 1 (IOPS)" "$p1" "$l1"
row "4 KiB read, depth 32 (IOPS)" "$p32" "$l32"
row "1 MiB sequential read (MB/s)" "$pr" "$lr"
row "1 MiB sequential write (MB/s)" "$pw" "$lw"
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
