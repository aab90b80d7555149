#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# build.sh: build the Xen test host that tools/xenhost/run.sh boots in QEMU:
# Debian's Xen 4.17 hypervisor, Debian's 6.1 kernel as dom0 and a minbase
# bookworm root with the Xen tools as dom0's initramfs.  Debian packages
# only; nothing is compiled.
#
# usage: tools/xenhost/build.sh [OUTDIR]       (default: build/xenhost)
#
# OUTDIR gets:
#   xen.elf      the hypervisor, gunzipped (QEMU's multiboot loader wants
#                the ELF, not the .gz)
#   vmlinuz      dom0's kernel
#   dom0.cpio    dom0's root as an uncompressed newc cpio, /init included
#   versions     the package versions the three were built from
# and keeps debs/ (downloads), kernel/ and root/ (the unpacked trees) so a
# rebuild only redoes the steps whose inputs changed.  Each step compares a
# stamp (package versions and, for the cpio, a hash of /init and this
# script) with the one it left last time.
#
# qemu-system-xen is QEMU's Xen backend for backendtype=qdisk disks (and
# the device model of HVM guests, which also need seabios).
set -eu

prog=xenhost-build

# Options first: nothing is installed or built for --help or a bad one.
usage() { sed -n 's/^# \(usage: .*\)/\1/p' "$0"; }
case "${1:-}" in
-h|--help)	usage; exit 0 ;;
--)		shift ;;
-*)		echo "$prog: unknown option $1" >&2; usage >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/xenhost}
suite=bookworm
# The dom0 modules /init loads; loop backs blkback's phy disks.
modules="xen-evtchn xenfs xen-privcmd xen-gntdev xen-gntalloc xen-blkback loop"
# xen-utils only recommends qemu-system-xen: it is named here, for the
# qdisk backend and HVM guests, with seabios (hvmloader's BIOS).
chroot_pkgs="xen-utils-4.17 xen-utils-common xenstore-utils busybox-static kmod"
chroot_pkgs="$chroot_pkgs qemu-system-xen seabios"

say() { echo "$prog: $*"; }
die() { echo "$prog: $*" >&2; exit 1; }
now() { date +%s; }
# step NAME START: how long the step took
took() { say "$1: $(( $(now) - $2 )) s"; }

"$root/tools/deps.sh" xenhost
[ "$(id -u)" -eq 0 ] || die "need root (debootstrap, chroot)"

mkdir -p "$out/debs"
out=$(cd "$out" && pwd)
t_all=$(now)

# The Debian mirrors this host uses, from its deb822 sources: the one that
# serves $suite and the one that serves $suite-security.
srcs=/etc/apt/sources.list.d/debian.sources
mirror_for() {
	awk -v want="$1" '
	/^URIs:/ { uri = $2 }
	/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == want) found = 1 }
	/^$/ { if (found && uri) { print uri; done = 1; exit } uri = ""; found = 0 }
	END { if (!done && found && uri) print uri }' "$srcs"
}
[ -r "$srcs" ] || die "no $srcs to take the Debian mirror from"
mirror=$(mirror_for "$suite")
secmirror=$(mirror_for "$suite-security")
[ -n "$mirror" ] || die "no mirror for $suite in $srcs"
[ -n "$secmirror" ] || die "no mirror for $suite-security in $srcs"

# Versions: what apt would fetch now.  The chroot uses the same suites, so
# its xen-utils match the hypervisor (the security suite is usually ahead).
cand() {
	apt-cache policy "$1" | awk '/Candidate:/ { print $2; exit }'
}
kpkg=$(apt-cache depends linux-image-amd64 |
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 (apt-get update?)"
kver=${kpkg#linux-image-}
xen_v=$(cand xen-hypervisor-4.17-amd64)
k_v=$(cand "$kpkg")
utils_v=$(cand xen-utils-4.17)
qemu_v=$(cand qemu-system-xen)
bios_v=$(cand seabios)
for v in "$xen_v" "$k_v" "$utils_v" "$qemu_v" "$bios_v"; do
	case "$v" in ""|"(none)") die "a package has no candidate; apt-get update?" ;; esac
done
say "xen-hypervisor-4.17-amd64 $xen_v, $kpkg $k_v, xen-utils-4.17 $utils_v"
say "qemu-system-xen $qemu_v, seabios $bios_v"

# fetch PKG VERSION: the .deb's path in debs/, downloaded once.
fetch() {
	f=$(ls "$out/debs/$1"_"$(echo "$2" | sed 's/:/%3a/')"_*.deb 2>/dev/null |
	    head -n 1 || true)
	if [ -z "$f" ]; then
		(cd "$out/debs" && apt-get download -q -o APT::Sandbox::User=root \
		    "$1=$2" >/dev/null) ||
		    die "apt-get download $1=$2 failed"
		f=$(ls "$out/debs/$1"_*.deb | head -n 1)
	fi
	echo "$f"
}

# fresh NAME STAMP: true when the stamp file for NAME differs from STAMP.
fresh() { [ -f "$out/.$1.stamp" ] && [ "$(cat "$out/.$1.stamp")" = "$2" ]; }
stamp() { printf '%s\n' "$2" >"$out/.$1.stamp"; }

# 1. The hypervisor ------------------------------------------------------
st="xen-hypervisor-4.17-amd64=$xen_v"
if fresh xen "$st" && [ -s "$out/xen.elf" ]; then
	say "xen.elf: up to date"
else
	t=$(now)
	deb=$(fetch xen-hypervisor-4.17-amd64 "$xen_v")
	rm -rf "$out/xen.d" && mkdir "$out/xen.d"
	dpkg -x "$deb" "$out/xen.d"
	gz=$(ls "$out"/xen.d/boot/xen-4.17*-amd64.gz | head -n 1)
	gzip -dc "$gz" >"$out/xen.elf.tmp" && mv "$out/xen.elf.tmp" "$out/xen.elf"
	rm -rf "$out/xen.d"
	stamp xen "$st"
	took "xen.elf from $(basename "$deb")" "$t"
fi

# 2. dom0's kernel and its modules ---------------------------------------
st="$kpkg=$k_v"
if fresh kernel "$st" && [ -s "$out/vmlinuz" ] && [ -d "$out/kernel/lib" ]; then
	say "vmlinuz + modules: up to date"
else
	t=$(now)
	deb=$(fetch "$kpkg" "$k_v")
	rm -rf "$out/kernel.d" "$out/kernel"
	mkdir "$out/kernel.d"
	dpkg -x "$deb" "$out/kernel.d"
	cp "$out/kernel.d/boot/vmlinuz-$kver" "$out/vmlinuz"
	# Only the modules /init loads, and what they depend on.
	mdir="$out/kernel.d/lib/modules/$kver"
	need="$modules"
	done_=""
	while [ -n "$need" ]; do
		next=""
		for m in $need; do
			case " $done_ " in *" $m "*) continue ;; esac
			done_="$done_ $m"
			alt=$(echo "$m" | tr - _)
			f=$(find "$mdir" \( -name "$m.ko*" -o -name "$alt.ko*" \) |
			    head -n 1)
			[ -n "$f" ] || die "module $m not in $kpkg"
			rel=${f#"$out/kernel.d/"}
			mkdir -p "$out/kernel/$(dirname "$rel")"
			cp "$f" "$out/kernel/$rel"
			deps=$(modinfo -F depends "$f" | tr , ' ')
			next="$next $deps"
		done
		need=$next
	done
	cp "$mdir"/modules.order "$mdir"/modules.builtin* "$out/kernel/lib/modules/$kver/"
	depmod -b "$out/kernel" "$kver"
	rm -rf "$out/kernel.d"
	stamp kernel "$st"
	took "vmlinuz + modules ($done_ ) from $(basename "$deb")" "$t"
fi

# 3. dom0's root: debootstrap, then the Xen tools from the chroot --------
st="$suite minbase $mirror $secmirror [$chroot_pkgs]"
st="$st xen-utils-4.17=$utils_v qemu-system-xen=$qemu_v seabios=$bios_v"
if fresh root "$st" && [ -x "$out/root/usr/lib/xen-4.17/bin/xl" ]; then
	say "dom0 root: up to date"
else
	t=$(now)
	rm -rf "$out/root" "$out/.root.stamp" "$out/.cpio.stamp"
	say "debootstrap --variant=minbase $suite from $mirror (a few minutes)"
	debootstrap --variant=minbase --include=busybox-static,kmod \
	    "$suite" "$out/root" "$mirror" >"$out/debootstrap.log" 2>&1 ||
	    die "debootstrap failed; see $out/debootstrap.log"
	took "debootstrap" "$t"

	t=$(now)
	cat >"$out/root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $secmirror $suite-security main
EOF
	# No daemons may start inside the chroot while packages install.
	printf '#!/bin/sh\nexit 101\n' >"$out/root/usr/sbin/policy-rc.d"
	chmod +x "$out/root/usr/sbin/policy-rc.d"
	mount -t proc proc "$out/root/proc"
	trap 'umount "$out/root/proc" 2>/dev/null || true' EXIT
	if ! chroot "$out/root" sh -c "
	    export DEBIAN_FRONTEND=noninteractive LC_ALL=C
	    apt-get update -q &&
	    apt-get install -y -q --no-install-recommends $chroot_pkgs
	    " >"$out/chroot-apt.log" 2>&1; then
		die "apt-get in the chroot failed; see $out/chroot-apt.log"
	fi
	umount "$out/root/proc"
	trap - EXIT
	got=$(chroot "$out/root" dpkg-query -W -f='${Version}' xen-utils-4.17)
	[ "$got" = "$utils_v" ] ||
	    say "warning: chroot has xen-utils-4.17 $got, host expects $utils_v"
	rm -f "$out/root/usr/sbin/policy-rc.d"
	# Trim what dom0 never reads: it is all in RAM.
	rm -rf "$out"/root/usr/share/doc/* "$out"/root/usr/share/man/* \
	    "$out"/root/usr/share/locale/* "$out"/root/usr/share/info/* \
	    "$out"/root/var/cache/apt/*.bin "$out"/root/var/cache/apt/archives/*.deb \
	    "$out"/root/var/lib/apt/lists/*_* "$out"/root/var/log/*.log
	stamp root "$st"
	took "xen tools in the chroot ($chroot_pkgs)" "$t"
fi

# 4. The initramfs -------------------------------------------------------
sum=$(cat "$here/init" "$0" | sha256sum | cut -c1-16)
st="root[$(cat "$out/.root.stamp")] kernel[$(cat "$out/.kernel.stamp")] $sum"
if fresh cpio "$st" && [ -s "$out/dom0.cpio" ]; then
	say "dom0.cpio: up to date"
else
	t=$(now)
	cp "$here/init" "$out/root/init"
	chmod 755 "$out/root/init"
	rm -rf "$out/root/lib/modules"
	mkdir -p "$out/root/lib/modules"
	cp -a "$out/kernel/lib/modules/$kver" "$out/root/lib/modules/"
	# Sorted names: a stable order, whatever readdir returns.
	(cd "$out/root" && find . -xdev | LC_ALL=C sort |
	    cpio -o -H newc --quiet) >"$out/dom0.cpio.tmp"
	mv "$out/dom0.cpio.tmp" "$out/dom0.cpio"
	stamp cpio "$st"
	took "dom0.cpio ($(du -m "$out/dom0.cpio" | cut -f1) MB)" "$t"
fi

cat >"$out/versions" <<EOF
xen-hypervisor-4.17-amd64 $xen_v
$kpkg $k_v
xen-utils-4.17 $utils_v
qemu-system-xen $qemu_v
seabios $bios_v
EOF
say "done in $(( $(now) - t_all )) s: $out/xen.elf $out/vmlinuz $out/dom0.cpio"
