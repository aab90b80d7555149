#!/bin/sh
# blkfront benchmarks against xensim's blkback, with the image in memory
# (/dev/shm).  Figures are printed, never asserted.
#
#   tools/bench/blkfront_bench.sh BUILD_DIR
set -eu

usage()
{
	echo "usage: tools/bench/blkfront_bench.sh BUILD_DIR"
}
case "${1:-}" in
-h|--help)	usage; exit 0 ;;
--)		shift ;;
-*)		echo "blkfront_bench.sh: unknown option $1" >&2
		usage >&2; exit 2 ;;
esac
[ -n "${1:-}" ] || { usage >&2; exit 2; }
B=$(cd "$1" && pwd)
W=$(mktemp -d /dev/shm/pvkit-bench.XXXXXX)
trap 'kill $XS 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT INT TERM
export XENSTORED_PATH="$W/xs.sock"
"$B/bin/xensim" 2>"$W/xensim.log" &
XS=$!
n=0
until [ -S "$XENSTORED_PATH" ]; do
	n=$((n + 1)); [ $n -lt 500 ] || { echo "bench: no xensim" >&2; exit 1; }
	sleep 0.01
done
truncate -s 256M "$W/disk.img"

# run WORKLOAD [xbdtool options]: one attach, one workload, its summary.
run()
{
	rm -f "$W/err"
	"$B/bin/xbdtool" --domain 7 --vdev xvdb --mem 512 "$@" \
	    >"$W/out" 2>"$W/err" &
	pid=$!
	until grep -q 'waiting for xvdb' "$W/err" 2>/dev/null; do sleep 0.01; done
	"$B/bin/xensim-ctl" block-attach 7 "vdev=xvdb, target=$W/disk.img"
	wait $pid || { cat "$W/err" >&2; exit 1; }
	cat "$W/out"
}

echo "== blkfront over xensim (image in /dev/shm, 256 MiB)"
"$B/bin/membw"
run --depth 1 --ops 20000 rand
run --depth 8 seq

# The same load, depth 32 from 4 submitting threads, on 4 rings and on 1:
# IOPS, the ratio, and per request the notifications (the summary's) and
# the interrupts (the driver's counter, from --stats).
MQ_OPS=100000
# mq LABEL [xbdtool options]: one run; sets iops, npr and ipr.
mq()
{
	label=$1
	shift
	out=$(run --depth 32 --ops $MQ_OPS --threads 4 --stats "$@" rand)
	iops=$(echo "$out" | sed -n 's/.*: \([0-9]*\) IOPS.*/\1/p')
	npr=$(echo "$out" | sed -n 's/.* \([0-9.]*\) notifications per.*/\1/p')
	intr=$(echo "$out" | sed -n 's/^dev\.xbd\.[^.]*\.interrupts=//p')
	ipr=$(awk -v i="${intr:-0}" -v n=$MQ_OPS 'BEGIN { printf "%.3f", i / n }')
	echo "$label $(echo "$out" | grep ' IOPS')"
}
mq "4 queues:"
i4=$iops n4=$npr r4=$ipr
mq "1 queue: " --tunable hw.xbd.max_queues=1
i1=$iops n1=$npr r1=$ipr
echo "4 KiB random reads, depth 32, 4 threads: 4 queues $i4 IOPS, 1 queue" \
    "$i1 IOPS, ratio $(awk -v a="$i4" -v b="$i1" \
    'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
echo "  per request: 4 queues $n4 notifications, $r4 interrupts;" \
    "1 queue $n1 notifications, $r1 interrupts"

# Frontend instructions per 4 KiB request: callgrind counts only inside
# pv_blk_submit (queueing, start, kick) and xbd_intr (responses, grants,
# completion), for two run lengths; the difference per request leaves
# start-up out.
if command -v valgrind >/dev/null 2>&1; then
	for ops in 2000 6000; do
		rm -f "$W/err"
		valgrind --tool=callgrind --callgrind-out-file="$W/cg.$ops" \
		    --collect-atstart=no --toggle-collect=pv_blk_submit \
		    --toggle-collect=xbd_intr \
		    "$B/bin/xbdtool" --domain 7 --vdev xvdb --mem 512 --depth 32 \
		    --ops $ops rand >"$W/out" 2>"$W/err" &
		pid=$!
		until grep -q 'waiting for xvdb' "$W/err" 2>/dev/null; do
			sleep 0.05
		done
		"$B/bin/xensim-ctl" block-attach 7 \
		    "vdev=xvdb, target=$W/disk.img"
		wait $pid || { cat "$W/err" >&2; exit 1; }
		eval "ir_$ops=$(sed -n 's/^summary: //p' "$W/cg.$ops")"
	done
	echo "frontend instructions per 4 KiB request (callgrind, submit" \
	    "to completion in blkfront and the block layer):" \
	    $(( (ir_6000 - ir_2000) / 4000 ))
fi
