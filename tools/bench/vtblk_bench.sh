#!/bin/sh
# virtio-blk benchmarks: xbdtool over vhost-user against
# qemu-storage-daemon's vhost-user-blk export, side by side with fio on the
# same image through the host kernel, in the same run.  The image is in
# memory (/dev/shm), so both measure software paths, not a disk; both use
# io_uring underneath.  Figures are printed, never asserted.
#
#   tools/bench/vtblk_bench.sh BUILD_DIR
set -eu

usage()
{
	echo "usage: tools/bench/vtblk_bench.sh BUILD_DIR"
}
case "${1:-}" in
-h|--help)	usage; exit 0 ;;
--)		shift ;;
-*)		echo "vtblk_bench.sh: unknown option $1" >&2
		usage >&2; exit 2 ;;
esac
[ -n "${1:-}" ] || { usage >&2; exit 2; }
B=$(cd "$1" && pwd)
W=$(mktemp -d /dev/shm/pvkit-vbench.XXXXXX)
QSD=
trap '[ -z "$QSD" ] || kill $QSD 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' \
    EXIT INT TERM
dd if=/dev/urandom of="$W/disk.img" bs=1M count=256 status=none
qemu-storage-daemon \
    --blockdev "driver=file,node-name=f0,filename=$W/disk.img,aio=io_uring" \
    --blockdev driver=raw,node-name=d0,file=f0 \
    --export "type=vhost-user-blk,id=e0,node-name=d0,addr.type=unix,addr.path=$W/vu.sock,writable=on,num-queues=4" \
    >"$W/qsd.log" 2>&1 &
QSD=$!
n=0
until [ -S "$W/vu.sock" ]; do
	n=$((n + 1)); [ $n -lt 500 ] || { echo "bench: no daemon" >&2; exit 1; }
	sleep 0.01
done

# ours WORKLOAD [options]: print xbdtool's summary and its kick figure.
ours()
{
	"$B/bin/xbdtool" --vhost-user "$W/vu.sock" --mem 512 "$@" \
	    >"$W/out" 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
	cat "$W/out"
	sed -n 's/^xbdtool: \([0-9]* requests, [0-9]* kicks ([^)]*)\).*/  \1/p' \
	    "$W/err"
}

# fio_iops RW BS DEPTH: IOPS (reads, or writes for write jobs).
fio_run()
{
	fio --name=b --filename="$W/disk.img" --rw="$1" --bs="$2" \
	    --iodepth="$3" --ioengine=io_uring --runtime=4 --time_based \
	    --size=256M --minimal 2>/dev/null
}

field()
{
	echo "$1" | cut -d';' -f"$2"
}

ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b;
	    else printf "n/a" }'
}

echo "== virtio-blk over vhost-user (qemu-storage-daemon, image in /dev/shm, 256 MiB)"
r1=$(ours --depth 1 --ops 20000 rand); echo "$r1"
r32=$(ours --depth 32 --ops 100000 rand); echo "$r32"
sq=$(ours --depth 8 seq); echo "$sq"
iops1=$(echo "$r1" | sed -n 's/.*: \([0-9]*\) IOPS.*/\1/p')
iops32=$(echo "$r32" | sed -n 's/.*: \([0-9]*\) IOPS.*/\1/p')
wmb=$(echo "$sq" | sed -n 's/.*write \([0-9.]*\) MB\/s.*/\1/p')
rmb=$(echo "$sq" | sed -n 's/.*read \([0-9.]*\) MB\/s.*/\1/p')

if ! command -v fio >/dev/null 2>&1; then
	echo "fio is not installed: no host comparison (make bench installs it)"
	exit 0
fi
echo "== fio on the same image through the host kernel (io_uring, buffered)"
f=$(fio_run randread 4k 1); fi1=$(field "$f" 8)
f=$(fio_run randread 4k 32); fi32=$(field "$f" 8)
f=$(fio_run write 1M 8); fw=$(awk -v k="$(field "$f" 48)" 'BEGIN { printf "%.1f", k * 1.024 / 1000 }')
f=$(fio_run read 1M 8); fr=$(awk -v k="$(field "$f" 7)" 'BEGIN { printf "%.1f", k * 1.024 / 1000 }')
echo "fio: 4 KiB random reads: depth 1 $fi1 IOPS, depth 32 $fi32 IOPS;" \
    "1 MiB sequential at depth 8: write $fw MB/s, read $fr MB/s"
echo "== ratio, xbdtool over vhost-user / fio on the host"
echo "4 KiB depth 1: $(ratio "$iops1" "$fi1")," \
    "depth 32: $(ratio "$iops32" "$fi32")," \
    "1 MiB write: $(ratio "$wmb" "$fw"), 1 MiB read: $(ratio "$rmb" "$fr")"
