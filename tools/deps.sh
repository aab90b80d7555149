#!/bin/sh
# Install the Debian packages a pvkit target needs, and only those that are
# missing.  Usage: tools/deps.sh build|test|run|fuzz|bench|xenhost|iso
set -eu

usage()
{
	echo "usage: tools/deps.sh [build|test|run|fuzz|bench|xenhost|iso]" \
	    "(default: test)"
}
case "${1:-}" in
-h|--help)	usage; exit 0 ;;
--)		shift ;;
-*)		echo "deps.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
esac

build="gcc make libc6-dev linux-libc-dev libxen-dev libatf-dev"
case "${1:-test}" in
build)	want="$build" ;;
test)	want="$build kyua atf-sh xenstore-utils qemu-system-common
	    qemu-system-x86 grub-pc-bin grub-common xorriso" ;;
run)	want="gcc make libc6-dev linux-libc-dev libxen-dev qemu-system-x86" ;;
fuzz)	want="gcc make libc6-dev libxen-dev clang libclang-rt-14-dev" ;;
bench)	want="gcc make libc6-dev kyua libxen-dev xenstore-utils valgrind
	    qemu-system-common fio qemu-system-x86 linux-image-amd64
	    busybox-static cpio kmod" ;;
xenhost) want="qemu-system-x86 debootstrap busybox-static cpio xz-utils kmod" ;;
iso)	want="grub-pc-bin grub-common xorriso" ;;
*)	echo "deps.sh: unknown set '$1' (expected build, test, run, fuzz," \
	    "bench, xenhost or iso)" >&2
	exit 2 ;;
esac

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "pvkit: installing missing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "pvkit: need root to install them; run: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "pvkit: installed:$missing"
