#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# run.sh: boot the xenhost test host (Xen 4.17 + Linux dom0, from build.sh)
# in QEMU TCG, run one test script in dom0 once the Xen daemons are up, and
# exit with that script's status.
#
# usage: tools/xenhost/run.sh [options] TEST_SCRIPT
#   --out DIR              the build.sh output (default: build/xenhost)
#   --file HOST:DOM0       copy HOST_PATH into dom0 at DOM0_PATH (absolute;
#                          repeatable), e.g. build/guest.elf:/root/guest.elf
#   --log FILE             the serial log (default: DIR/serial.log)
#   --console              also show the serial console on stdout
#   --timeout SECS         kill QEMU after SECS seconds (default 600)
#   -h, --help             print this and exit
#
# The script runs as /test.sh under dom0's /bin/sh, in /root, with the xl
# toolstack at /usr/lib/xen-4.17/bin (on PATH) and this directory's
# dom0.subr, the helpers it may source, as /dom0.subr.  It reaches dom0 in a
# second, small newc cpio that is appended to dom0.cpio: Linux unpacks
# concatenated archives into one initramfs, while Xen hands dom0 only one
# multiboot module as its initrd, so the two must be one file.
#
# Exit status:
#   0..119  the test script's own status (from "XENHOST: TEST EXIT n")
#   2       usage error or build.sh has not been run
#   120     QEMU failed (did not start, or died without Xen output)
#   121     Xen never started dom0's /init
#   122     dom0 came up but the Xen daemons did not (SETUP FAILED)
#   123     the test began but dom0 died before reporting a status
#   124     timeout
# Only one of these runs boots QEMU at a time (a lock in DIR): a second one
# waits, because two TCG hosts on two cores would both crawl.
set -u

prog=xenhost-run
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

out="$root/build/xenhost"
log=""
console=0
tmo=600
files=""
nl='
'

say() { echo "$prog: $*"; }
# The synopsis and options above, on standard output.
usage()
{
	sed -n '/^# usage:/,/^#$/p' "$0" | sed -e '/^#$/d' -e 's/^# \{0,1\}//'
}
# A usage error: $*, then the usage, on standard error.
bad() { echo "$prog: $*" >&2; usage >&2; exit 2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--out)		[ $# -ge 2 ] || bad "--out needs DIR"; out=$2; shift ;;
	--file)		[ $# -ge 2 ] || bad "--file needs HOST:DOM0"
			case "$2" in *:/*) ;; *) bad "--file $2: want HOST:/DOM0" ;; esac
			files="$files$2$nl"; shift ;;
	--log)		[ $# -ge 2 ] || bad "--log needs FILE"; log=$2; shift ;;
	--console)	console=1 ;;
	--timeout)	[ $# -ge 2 ] || bad "--timeout needs SECS"; tmo=$2; shift ;;
	-h|--help)	usage; exit 0 ;;
	--)		shift; break ;;
	-*)		bad "unknown option $1" ;;
	*)		break ;;
	esac
	shift
done
[ $# -eq 1 ] || bad "want one TEST_SCRIPT"
test_sh=$1
[ -r "$test_sh" ] || bad "cannot read $test_sh"
case "$tmo" in ''|*[!0-9]*) bad "--timeout $tmo: want seconds" ;; esac

for f in xen.elf vmlinuz dom0.cpio; do
	[ -s "$out/$f" ] || bad "no $out/$f: run tools/xenhost/build.sh first"
done
out=$(cd "$out" && pwd)
# QEMU splits -initrd at commas and a module's path from its arguments at
# the first space.
case "$out" in *[,\ ]*) bad "$out: no commas or spaces, please" ;; esac
[ -n "$log" ] || log="$out/serial.log"

# One QEMU of ours at a time.  The lock fd is inherited by QEMU, so it is
# held for as long as that QEMU lives, even if this script is killed.
exec 9>"$out/.run.lock"
if ! flock -n 9; then
	say "another xenhost run is using QEMU; waiting for it"
	flock 9
fi

work=$(mktemp -d "$out/run.XXXXXX")
qpid=""
tpid=""
cleanup() {
	[ -n "$tpid" ] && kill "$tpid" 2>/dev/null
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N | cut -c1-14; }
since() { echo "$1 $2" | awk '{ printf "%.1f", $2 - $1 }'; }
t0=$(now)

# The test's own archive: /test.sh, /dom0.subr and the --file copies.
# Only entries below /, and directories 0755: the kernel would chmod what
# exists.
stage="$work/stage"
mkdir -m 755 "$stage"
cp "$test_sh" "$stage/test.sh" && chmod 755 "$stage/test.sh"
cp "$here/dom0.subr" "$stage/dom0.subr"
printf '%s' "$files" | while IFS= read -r spec; do
	[ -n "$spec" ] || continue
	src=${spec%%:/*}
	dst=/${spec#*:/}
	[ -r "$src" ] || { say "--file: cannot read $src" >&2; exit 1; }
	(umask 022 && mkdir -p "$stage$(dirname "$dst")")
	cp "$src" "$stage$dst"
done || exit 2
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
    cpio -o -H newc --quiet) >"$work/test.cpio" || exit 2
cat "$out/dom0.cpio" "$work/test.cpio" >"$work/initrd.cpio" || exit 2
rm -rf "$stage"
say "initrd: dom0.cpio + $(wc -c <"$work/test.cpio") bytes of test in $(since "$t0" "$(now)") s"

xen_args="console=com1 com1=115200,8n1 serial_tx_buffer=1M"
xen_args="$xen_args dom0_mem=1024M,max:1024M dom0_max_vcpus=1"
xen_args="$xen_args loglvl=all guest_loglvl=all console_timestamps=boot noreboot"
# Room for a whole grant-table dump (debug key g) in xl dmesg.
xen_args="$xen_args conring_size=1M"
dom0_args="console=hvc0 earlyprintk=xen loglevel=7"

: >"$log"
t_q=$(now)
# smap=off: with SMAP exposed, the PV dom0 faults at once.
timeout -k 5 "$tmo" qemu-system-x86_64 -accel tcg \
    -cpu max,smap=off -smp 2 -m 3072 -machine pc \
    -display none -monitor none -serial "file:$log" -no-reboot \
    -kernel "$out/xen.elf" -append "$xen_args" \
    -initrd "$out/vmlinuz $dom0_args,$work/initrd.cpio" \
    </dev/null >"$work/qemu.out" 2>&1 &
qpid=$!
say "QEMU started (pid $qpid, timeout ${tmo}s), serial log $log"
if [ "$console" -eq 1 ]; then
	tail -n +1 -f --pid="$qpid" "$log" &
	tpid=$!
fi

# Note when each marker first shows up, and stop QEMU if dom0 reported but
# did not manage to power off.
seen() { grep -q "XENHOST: $1" "$log"; }
t_init=""; t_up=""; t_begin=""; t_exit=""
while kill -0 "$qpid" 2>/dev/null; do
	[ -z "$t_init" ] && seen INIT && t_init=$(now)
	[ -z "$t_up" ] && seen "XEN UP" && t_up=$(now)
	[ -z "$t_begin" ] && seen "TEST BEGIN" && t_begin=$(now)
	if [ -z "$t_exit" ] && seen "TEST EXIT\|SETUP FAILED\|NO TEST"; then
		t_exit=$(now)
	fi
	if [ -n "$t_exit" ] &&
	    [ "$(since "$t_exit" "$(now)" | cut -d. -f1)" -ge 20 ]; then
		say "dom0 reported but QEMU is still up after 20 s; stopping it"
		kill "$qpid" 2>/dev/null
	fi
	sleep 0.3
done
wait "$qpid"
qst=$?
qpid=""
t_end=$(now)
[ -n "$tpid" ] && { sleep 0.5; kill "$tpid" 2>/dev/null; wait "$tpid" 2>/dev/null; }
tpid=""

# Timings, from QEMU's start as the host saw it (0.3 s resolution).
at() { [ -n "$2" ] && say "  $1: $(since "$t_q" "$2") s"; }
say "timings from QEMU start:"
at "dom0 /init" "$t_init"
at "Xen daemons up" "$t_up"
at "test begins" "$t_begin"
at "test ends" "$t_exit"
at "QEMU exits" "$t_end"
if [ -n "$t_begin" ] && [ -n "$t_exit" ]; then
	say "  test took $(since "$t_begin" "$t_exit") s"
fi

status=$(tr -d '\r' <"$log" |
    sed -n 's/.*XENHOST: TEST EXIT \([0-9][0-9]*\).*/\1/p' | tail -n 1)
if [ -n "$status" ]; then
	say "test exit status $status"
	exit "$status"
fi
if [ "$qst" -eq 124 ] || [ "$qst" -eq 137 ]; then
	say "timeout after ${tmo}s"
	exit 124
fi
if grep -q "XENHOST: SETUP FAILED" "$log"; then
	say "$(tr -d '\r' <"$log" | grep -o 'XENHOST: SETUP FAILED.*' | head -n 1)"
	exit 122
fi
if [ -n "$t_begin" ]; then
	say "the test began but dom0 never reported a status (see $log)"
	exit 123
fi
if [ -n "$t_init" ]; then
	say "dom0 /init ran but the Xen daemons never came up (see $log)"
	exit 122
fi
if [ -s "$log" ]; then
	say "Xen never started dom0's /init (see $log)"
	exit 121
fi
say "QEMU failed (status $qst):"
cat "$work/qemu.out" >&2
exit 120
