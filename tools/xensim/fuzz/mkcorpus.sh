#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Write xs_fuzz's seeds into corpus/: a handful of valid conversations in
# the chunks that xs_fuzz.c describes, so that the fuzzer starts from
# messages xenstored accepts rather than from noise.  Rewrites them all.
set -eu

dir=$(cd "$(dirname "$0")" && pwd)/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dir"
rm -f "$dir"/*

# Message types, from xen/io/xs_wire.h.
DIRECTORY=1 READ=2 GET_PERMS=3 WATCH=4 UNWATCH=5 TXN_START=6 TXN_END=7
INTRODUCE=8 RELEASE=9 GET_DOMAIN_PATH=10 WRITE=11 MKDIR=12 RM=13
SET_PERMS=14 IS_INTRODUCED=17 RESUME=18 RESET_WATCHES=21 DIRECTORY_PART=22

bytes()
{
	for b; do
		printf "\\$(printf %03o "$b")"
	done
}

le16()
{
	bytes $(($1 & 255)) $(($1 >> 8 & 255))
}

le32()
{
	bytes $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) \
	    $(($1 >> 24 & 255))
}

# seed NAME HOOKS: start a new input; HOOKS is xs_fuzz's first byte.
seed()
{
	out="$dir/$1"
	bytes "$2" >"$out"
}

# chunk CTL: start a chunk of the current input.
chunk()
{
	printf XSFZ >>"$out"
	bytes "$1" >>"$out"
}

# m CONN TYPE TX PAYLOAD: a message chunk for dom0 or guest.  PAYLOAD is
# in printf(1) notation, \000 for NUL; each string needs its own.
# Requests are numbered in order, which replies must echo.
req=0
m()
{
	if [ "$1" = dom0 ]; then
		chunk 0
	else
		chunk 4
	fi
	req=$((req + 1))
	le32 "$2" >>"$out"
	le32 "$req" >>"$out"
	le32 "$3" >>"$out"
	printf "$4" >>"$out"
}

# raw CONN FILE: FILE's bytes as they are.
raw()
{
	if [ "$1" = dom0 ]; then
		chunk 1
	else
		chunk 5
	fi
	cat "$2" >>"$out"
}

# hdr TYPE REQ TX LEN: an xsd_sockmsg header, for raw chunks.
hdr()
{
	le32 "$1"
	le32 "$2"
	le32 "$3"
	le32 "$4"
}

# ev N: event N of xs_fuzz.c.
ev()
{
	chunk $((($1 << 2) | 3))
}

seed basic 0
m dom0 $WRITE 0 '/a/b\000hello'
m dom0 $READ 0 '/a/b\000'
m dom0 $DIRECTORY 0 '/a\000'
m dom0 $GET_PERMS 0 '/a/b\000'
m dom0 $MKDIR 0 '/c/d\000'
m dom0 $RM 0 '/a\000'
m dom0 $READ 0 '/a/b\000'

seed perms 0
m dom0 $WRITE 0 '/p/q\000v'
m dom0 $SET_PERMS 0 '/p\000n0\000r5\000w7\000b9\000'
m dom0 $GET_PERMS 0 '/p\000'
m guest $READ 0 '/p\000'
m guest $WRITE 0 '/p/q\000x'
m guest $WRITE 0 '/p/new\000x'
m guest $GET_PERMS 0 '/p/q\000'

seed watch 0
m dom0 $WATCH 0 '/w\000tok\000'
m dom0 $WRITE 0 '/w/x\0001'
m dom0 $WATCH 0 '/w/x/y\000deep\000'
m dom0 $RM 0 '/w\000'
m dom0 $UNWATCH 0 '/w\000tok\000'
m guest $WATCH 0 'data\000rel\000'
m guest $WATCH 0 '@releaseDomain\000t\000'
m dom0 $WRITE 0 '/local/domain/5/data/x\0001'

seed txn 0
m dom0 $TXN_START 0 '\000'
m dom0 $TXN_START 0 '\000'
m dom0 $WRITE 1 '/t/a\0001'
m dom0 $READ 1 '/t/a\000'
m dom0 $WRITE 2 '/t/a\0002'
m dom0 $MKDIR 2 '/t/b\000'
m dom0 $TXN_END 1 'T\000'
m dom0 $TXN_END 2 'T\000'
m dom0 $TXN_START 0 '\000'
m dom0 $RM 3 '/t\000'
m dom0 $TXN_END 3 'F\000'

seed dirpart 0
m dom0 $WRITE 0 '/d/one\000'
m dom0 $WRITE 0 '/d/two\000'
m dom0 $WRITE 0 '/d/three\000'
m dom0 $DIRECTORY_PART 0 '/d\0000\000'
m dom0 $DIRECTORY_PART 0 '/d\0004\000'
m dom0 $DIRECTORY 0 '/d\000'

seed domain 1
m dom0 $INTRODUCE 0 '5\000123\0007\000'
m dom0 $IS_INTRODUCED 0 '5\000'
m dom0 $GET_DOMAIN_PATH 0 '5\000'
m dom0 $WATCH 0 '@introduceDomain\000i\000'
m dom0 $WATCH 0 '@releaseDomain\000r\000'
m dom0 $RESUME 0 '5\000'
m dom0 $RELEASE 0 '5\000'
m dom0 $IS_INTRODUCED 0 '9\000'

seed guest 1
ev 5
m guest $WRITE 0 'data/x\000v'
m guest $READ 0 'data/x\000'
m guest $MKDIR 0 'device/vbd/768\000'
m guest $DIRECTORY 0 '/local/domain/5\000'
m guest $TXN_START 0 '\000'
m guest $WRITE 1 'data/y\000w'
m guest $TXN_END 1 'T\000'
m guest $SET_PERMS 0 'data/x\000n5\000r0\000'
m guest $RESET_WATCHES 0 ''
ev 2
m guest $READ 0 'data/x\000'

# One message cut into pieces, with the other connection's in between,
# and one fed a byte at a time.
seed split 0
printf '/s/plit\000value' >"$tmp/sp"
hdr $WRITE 77 0 "$(wc -c <"$tmp/sp")" >"$tmp/s"
cat "$tmp/sp" >>"$tmp/s"
head -c 5 "$tmp/s" >"$tmp/s1"
raw dom0 "$tmp/s1"
m guest $GET_DOMAIN_PATH 0 '5\000'
tail -c +6 "$tmp/s" >"$tmp/s2"
raw dom0 "$tmp/s2"
chunk 2
le32 $READ >>"$out"
le32 78 >>"$out"
le32 0 >>"$out"
printf '/s/plit\000' >>"$out"

# Malformed requests, then one too long to frame, then a good one.
seed errors 0
m dom0 9999 0 '\000'
m dom0 $READ 0 '/unterminated'
m dom0 $WATCH 0 '/w\000'
m dom0 $SET_PERMS 0 '/\000x1\000'
m dom0 $READ 0 '/bad path\000'
hdr $READ 1 0 5000 >"$tmp/m"
raw dom0 "$tmp/m"
m dom0 $READ 0 '/local\000'

# As many permissions as a node may have.
seed manyperms 0
perms=n0
i=1
while [ $i -lt 64 ]; do
	perms="$perms\\000r$i"
	i=$((i + 1))
done
m dom0 $WRITE 0 '/mp\000'
m dom0 $SET_PERMS 0 "/mp\\000$perms\\000"
m dom0 $GET_PERMS 0 '/mp\000'

# One more than that: this overflowed a stack array in do_set_perms_req,
# and is kept as a regression seed.
seed toomanyperms 0
m dom0 $WRITE 0 '/mp\000'
m dom0 $SET_PERMS 0 "/mp\\000$perms\\000r64\\000"
m dom0 $GET_PERMS 0 '/mp\000'
