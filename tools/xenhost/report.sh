#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# report.sh: the readable report of a tools/xenhost/cases.sh run (make
# xentest): each case's evidence and verdict from dom0's serial log, then
# "N passed, N failed".
#
# usage: tools/xenhost/report.sh SERIAL_LOG

usage() { sed -n 's/^# \(usage: .*\)/\1/p' "$0"; }
case "${1:-}" in
-h|--help)	usage; exit 0 ;;
--)		shift ;;
-*)		echo "report.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
esac
[ $# -eq 1 ] && [ -r "$1" ] || { usage >&2; exit 2; }

tr -d '\r' <"$1" | grep -a -o 'XENCASE: .*' |
    grep -v '^XENCASE: [a-z0-9_]* BEGIN' | awk '
	/^XENCASE: [a-z0-9_]* PASS/ { pass++; print; print ""; next }
	/^XENCASE: [a-z0-9_]* FAIL/ { fail++; print; print ""; next }
	{ sub(/^XENCASE: /, "  "); print }
	END {
		printf "%d passed, %d failed\n", pass, fail
		exit fail > 0 || pass == 0
	}'
