#! /usr/bin/env atf-sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Every program in tools/ answers --help with its usage on standard output
# and exit 0, and a bad option with its usage on standard error and exit 2,
# before it does anything else.  The C tools are the build's bin/; the
# scripts are run from the source tree.

# Bound, in seconds, on one run: a script that no longer parses its
# options first would go on to build, install or boot.  timeout(1) stops
# its whole process group.
HELP_TIMEOUT=30

. "$(atf_get_srcdir)/../lib/pvtest.subr"

# The build's bin/$1, in _prog.
find_bin()
{
	pvtest_bindir "$1"
	_prog=$PVTEST_BINDIR/$1
}

# The source tree's tools/$1, in _prog.
find_src()
{
	pvtest_srcdir
	_prog=$PVTEST_SRCDIR/tools/$1
	[ -x "$_prog" ] || atf_fail "$_prog is not executable"
}

# check_usage bin|src NAME: the program's --help and --bogus.
check_usage()
{
	"find_$1" "$2"
	atf_check -s exit:0 -o match:'^usage:' -e empty \
	    timeout "$HELP_TIMEOUT" "$_prog" --help
	atf_check -s exit:2 -o empty -e match:'^usage:' \
	    timeout "$HELP_TIMEOUT" "$_prog" --bogus
}

# help_case CASE bin|src NAME: one test case for one program.
HELP_CASES=""
help_case()
{
	atf_test_case "$1"
	eval "$1_head()
	{
		atf_set descr '$3: --help prints its usage and exits 0;' \\
		    '--bogus prints it on standard error and exits 2'
	}
	$1_body()
	{
		check_usage $2 '$3'
	}"
	HELP_CASES="$HELP_CASES $1"
}

help_case xbdtool		bin xbdtool
help_case xensim		bin xensim
help_case xensim_ctl		bin xensim-ctl
help_case pvkit_qmp		bin pvkit-qmp
help_case pvkit_imgcheck	bin pvkit-imgcheck
help_case membw			bin membw
help_case pvkit_vm		src vm/pvkit-vm
help_case pvkit_run		src vm/pvkit-run
help_case pvkit_iso		src vm/pvkit-iso
help_case xenhost_build		src xenhost/build.sh
help_case xenhost_run		src xenhost/run.sh
help_case xenhost_report	src xenhost/report.sh
help_case blkfront_bench	src bench/blkfront_bench.sh
help_case guest_bench		src bench/guest_bench.sh
help_case xen_bench		src bench/xen_bench.sh
help_case vtblk_bench		src bench/vtblk_bench.sh
help_case deps			src deps.sh
help_case kyua_run		src kyua-run.sh

atf_init_test_cases()
{
	for _c in $HELP_CASES; do
		atf_add_test_case "$_c"
	done
}
