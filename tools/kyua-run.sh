#!/bin/sh
# Run the kyua suite under DIR, show what failed, and end with the line
# "N passed, N failed" that CI reads.  Exits non-zero on any failure.
set -u

usage()
{
	echo "usage: tools/kyua-run.sh DIR"
}
case "${1:-}" in
-h|--help)	usage; exit 0 ;;
--)		shift ;;
-*)		echo "kyua-run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
esac
[ -n "${1:-}" ] || { usage >&2; exit 2; }
dir=$1
db="$dir/results.db"
rm -f "$db"

# The tests find the programs under test in builddir/bin (DIR's parent),
# and the source tree's scripts and data under sourcetree (this script's).
builddir=$(cd "$dir/.." && pwd) || exit 1
sourcetree=$(cd "$(dirname "$0")/.." && pwd) || exit 1
# The Xen cases boot Xen once a run, into a session directory of their
# own (tests/tools/xenhost/xen.subr): a fresh id, so that no run judges
# an earlier run's log.
session=$(date +%Y%m%d-%H%M%S)-$$
rm -rf "$builddir/xen-sessions"

( cd "$dir" && kyua -v "test_suites.pvkit.builddir=$builddir" \
    -v "test_suites.pvkit.sourcetree=$sourcetree" \
    -v "test_suites.pvkit.xen_session=$session" \
    test -r results.db ) >"$dir/kyua.log" 2>&1
rc=$?
# Per-case lines, then kyua's own "x/y passed" summary.
grep -E -- '->' "$dir/kyua.log" | sed 's/^/  /'
tail -n 2 "$dir/kyua.log" | grep -E 'passed|failed' || true

if ! grep -q -- '->' "$dir/kyua.log"; then
	echo "kyua ran no test:" >&2
	cat "$dir/kyua.log" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

kyua report -r "$db" --results-filter=broken,failed --verbose \
    >"$dir/failures.txt" 2>&1 || true
if grep -qE '(broken|failed)' "$dir/failures.txt" && [ $rc -ne 0 ]; then
	echo "=== failures ==="
	cat "$dir/failures.txt"
fi

summary=$(kyua report -r "$db" 2>/dev/null | grep 'Test cases:')
# "Test cases: T total, S skipped, X expected failures, B broken, F failed"
set -- $(echo "$summary" | tr -dc '0-9 ' | tr -s ' ')
total=${1:-0}; skipped=${2:-0}; xfail=${3:-0}; broken=${4:-0}; failed=${5:-0}
bad=$((broken + failed))
passed=$((total - skipped - bad))
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $bad failed, $skipped skipped"
else
	echo "$passed passed, $bad failed"
fi
[ $bad -eq 0 ] && [ $rc -eq 0 ]
