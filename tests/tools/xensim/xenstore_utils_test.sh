#! /usr/bin/env atf-sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Debian's xenstore-utils against xensim: the tools a Xen administrator
# and xl's scripts use must see xensim as they see xenstored.

. "$(atf_get_srcdir)/../../lib/pvtest.subr"
. "$(atf_get_srcdir)/xensim.subr"

XS_PROGS="xenstore-write xenstore-read xenstore-ls xenstore-exists \
    xenstore-rm xenstore-list xenstore-chmod xenstore-watch"

# Bound on waiting for a background xenstore-watch, in seconds.
WATCH_TIMEOUT=10

atf_test_case write_read cleanup
write_read_head()
{
	atf_set descr "xenstore-write then xenstore-read, creating parents"
}
write_read_body()
{
	pvtest_require_peer xenstore-utils $XS_PROGS
	xensim_start
	atf_check xenstore-write /a/b/c hello
	atf_check -o inline:"hello\n" xenstore-read /a/b/c
	# The parents came into being, empty.
	atf_check -o inline:"\n" xenstore-read /a/b
	atf_check -o inline:"\n" xenstore-read /a
	atf_check xenstore-write /a/b/c "new value"
	atf_check -o inline:"new value\n" xenstore-read /a/b/c
	# Several pairs at once, read back in order.
	atf_check xenstore-write /m/x 1 /m/y "two words" /m/z ""
	atf_check -o inline:"1\ntwo words\n\n" xenstore-read /m/x /m/y /m/z
	atf_check -o inline:"Domain-0\n" xenstore-read /local/domain/0/name
}
write_read_cleanup()
{
	xensim_stop
}

atf_test_case ls_shape cleanup
ls_shape_head()
{
	atf_set descr "xenstore-ls indents children one space per level" \
	    "and quotes values"
}
ls_shape_body()
{
	pvtest_require_peer xenstore-utils $XS_PROGS
	xensim_start
	atf_check xenstore-write /t/a 1 /t/a/b "x y" /t/a/b/d deep /t/c ""
	cat >expected <<'EOF'
a = "1"
 b = "x y"
  d = "deep"
c = ""
EOF
	atf_check -o file:expected xenstore-ls /t
	cat >expected <<'EOF'
/t/a = "1"
/t/a/b = "x y"
/t/a/b/d = "deep"
/t/c = ""
EOF
	atf_check -o file:expected xenstore-ls -f /t
	# A leaf lists nothing; a missing node is an error.
	atf_check -o empty xenstore-ls /t/c
	atf_check -s not-exit:0 -o empty -e not-empty xenstore-ls /t/none
}
ls_shape_cleanup()
{
	xensim_stop
}

atf_test_case exists_status cleanup
exists_status_head()
{
	atf_set descr "xenstore-exists: 0 for a node, 1 for none"
}
exists_status_body()
{
	pvtest_require_peer xenstore-utils $XS_PROGS
	xensim_start
	atf_check xenstore-write /e/here ""
	atf_check -s exit:0 xenstore-exists /e/here
	atf_check -s exit:0 xenstore-exists /e
	atf_check -s exit:0 xenstore-exists /
	atf_check -s exit:1 -e ignore xenstore-exists /e/missing
	atf_check -s exit:1 -e ignore xenstore-exists /e/here/below
	atf_check -s exit:1 -e ignore xenstore-exists /nothing
}
exists_status_cleanup()
{
	xensim_stop
}

atf_test_case rm_subtree cleanup
rm_subtree_head()
{
	atf_set descr "xenstore-rm removes a node with everything below it"
}
rm_subtree_body()
{
	pvtest_require_peer xenstore-utils $XS_PROGS
	xensim_start
	atf_check xenstore-write /r/a/b/c 1 /r/a/d 2 /r/e 3
	atf_check xenstore-rm /r/a
	atf_check -s exit:1 -e ignore xenstore-exists /r/a
	atf_check -s exit:1 -e ignore xenstore-exists /r/a/b/c
	atf_check -s exit:1 -e ignore xenstore-exists /r/a/d
	atf_check -o inline:"3\n" xenstore-read /r/e
	atf_check -o inline:"e\n" xenstore-list /r
	# Without a parent there is nothing to remove.
	atf_check -s not-exit:0 -e not-empty xenstore-rm /r/a/b
}
rm_subtree_cleanup()
{
	xensim_stop
}

atf_test_case list_children cleanup
list_children_head()
{
	atf_set descr "xenstore-list prints the children in creation order"
}
list_children_body()
{
	pvtest_require_peer xenstore-utils $XS_PROGS
	xensim_start
	atf_check xenstore-write /l/one 1 /l/two/x 2 /l/three 3
	atf_check -o inline:"one\ntwo\nthree\n" xenstore-list /l
	atf_check -o inline:"x\n" xenstore-list /l/two
	atf_check -o empty xenstore-list /l/one
	# At the root: what xensim boots with, then ours, last.
	atf_check -o save:root.out xenstore-list /
	atf_check -o inline:"local\n" head -n 1 root.out
	atf_check -o inline:"l\n" tail -n 1 root.out
	atf_check -s not-exit:0 -o empty -e not-empty xenstore-list /l/none
}
list_children_cleanup()
{
	xensim_stop
}

atf_test_case chmod_perms cleanup
chmod_perms_head()
{
	atf_set descr "xenstore-chmod sets permissions that xenstore-ls -p" \
	    "shows"
}
chmod_perms_body()
{
	pvtest_require_peer xenstore-utils $XS_PROGS
	xensim_start
	atf_check xenstore-write /p/node v /p/node/kid k /p/other o
	atf_check xenstore-chmod /p/node n0 r5 w7 b9
	atf_check -o save:ls.out xenstore-ls -p /p
	# "name = "value" . . . .  (perms)": dots pad to a column.
	atf_check -o ignore grep -Ex \
	    'node = "v" [ .]*\(n0,r5,w7,b9\)' ls.out
	atf_check -o ignore grep -Ex ' kid = "k" [ .]*\(n0\)' ls.out
	atf_check -o ignore grep -Ex 'other = "o" [ .]*\(n0\)' ls.out
	atf_check -o inline:"3\n" sh -c 'wc -l <ls.out'
	# -r: the whole subtree.
	atf_check xenstore-chmod -r /p/node b3
	atf_check -o save:ls.out xenstore-ls -p /p/node
	atf_check -o ignore grep -Ex 'kid = "k" [ .]*\(b3\)' ls.out
	atf_check -o inline:"b3\n" sh -c \
	    'xenstore-ls -p /p | sed -n "s/^node = .*(\(.*\))$/\1/p"'
}
chmod_perms_cleanup()
{
	xensim_stop
}

atf_test_case watch_events cleanup
watch_events_head()
{
	atf_set descr "xenstore-watch sees the initial event, then a change" \
	    "below the watched path"
}
watch_events_body()
{
	pvtest_require_peer xenstore-utils $XS_PROGS
	xensim_start
	atf_check xenstore-write /w/x 0 /elsewhere 0
	timeout $WATCH_TIMEOUT xenstore-watch -n 2 /w >watch.out 2>watch.err &
	wpid=$!
	# Only once the watch is in place may the change be made.
	n=$((WATCH_TIMEOUT * 100))
	while [ "$(head -n 1 watch.out)" != /w ]; do
		n=$((n - 1))
		if [ $n -le 0 ] || ! kill -0 $wpid 2>/dev/null; then
			cat watch.out watch.err >&2
			atf_fail "no initial watch event"
		fi
		sleep 0.01
	done
	atf_check xenstore-write /elsewhere 1
	atf_check xenstore-write /w/x 1
	wait $wpid
	rc=$?
	[ $rc -eq 0 ] || atf_fail "xenstore-watch exited $rc" \
	    "(124: timed out waiting for the second event)"
	atf_check -o inline:"/w\n/w/x\n" cat watch.out
}
watch_events_cleanup()
{
	xensim_stop
}

atf_test_case read_missing_fails cleanup
read_missing_fails_head()
{
	atf_set descr "xenstore-read of a missing node fails"
}
read_missing_fails_body()
{
	pvtest_require_peer xenstore-utils $XS_PROGS
	xensim_start
	atf_check -s not-exit:0 -o empty -e match:/no/such \
	    xenstore-read /no/such
	atf_check xenstore-write /here/leaf v
	atf_check -s not-exit:0 -o empty -e match:/here/leaf/x \
	    xenstore-read /here/leaf/x
	atf_check -o inline:"v\n" xenstore-read /here/leaf
}
read_missing_fails_cleanup()
{
	xensim_stop
}

atf_test_case bad_paths_refused cleanup
bad_paths_refused_head()
{
	atf_set descr "Paths with a bad character or over-long are refused" \
	    "and the daemon lives on"
}
bad_paths_refused_body()
{
	pvtest_require_peer xenstore-utils $XS_PROGS
	xensim_start
	atf_check -o save:before xenstore-ls -f /
	for p in "/bad path" "/bad*char" "/bad/é" "/a//b" "/trailing/"; do
		atf_check -s not-exit:0 -e not-empty xenstore-write "$p" x
		atf_check -s not-exit:0 -e not-empty xenstore-read "$p"
	done
	# XENSTORE_ABS_PATH_MAX is 3072; it still fits one message.
	long=/$(printf '%03100d' 0)
	atf_check -s not-exit:0 -e not-empty xenstore-write "$long" x
	atf_check -s not-exit:0 -e ignore xenstore-exists "$long"
	xensim_alive || atf_fail "xensim died"
	atf_check -o inline:"Domain-0\n" xenstore-read /local/domain/0/name
	# Nothing was created on the way.
	atf_check -o file:before xenstore-ls -f /
}
bad_paths_refused_cleanup()
{
	xensim_stop
}

atf_init_test_cases()
{
	atf_add_test_case write_read
	atf_add_test_case ls_shape
	atf_add_test_case exists_status
	atf_add_test_case rm_subtree
	atf_add_test_case list_children
	atf_add_test_case chmod_perms
	atf_add_test_case watch_events
	atf_add_test_case read_missing_fails
	atf_add_test_case bad_paths_refused
}
