/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A private xensim for one ATF test case.
 *
 * The body starts it; the cleanup routine stops it.  The two run as
 * different processes, so the daemon is watched by a small supervisor
 * process that records its exit status in the work directory, where the
 * cleanup routine can judge it.  The same protocol, with the same file
 * names, is spoken by tests/tools/xensim/xensim.subr for atf-sh tests.
 */
#ifndef _XENSIMTEST_H_
#define _XENSIMTEST_H_

#include <stdbool.h>
#include <stddef.h>

#include <atf-c.h>

/* Bound on start-up and on shutdown after SIGTERM. */
#define	XENSIMTEST_TIMEOUT_MS	10000
/* Most arguments xensimtest_start_args passes on. */
#define	XENSIMTEST_MAX_ARGS	32

/*
 * Start bin/xensim of the build under test (see pvtest_bin), listening
 * in the work directory; returns once it accepts connections.  Sets
 * XENSTORED_PATH, so libxenstore finds it too.
 */
void		 xensimtest_start(const atf_tc_t *tc);
/* The same with arguments for xensim: a NULL-terminated array, or NULL. */
void		 xensimtest_start_args(const atf_tc_t *tc,
		    const char *const *args);
/* Whether xensim's log (its stderr) holds needle, now or within a bound. */
bool		 xensimtest_log_has(const char *needle);
bool		 xensimtest_log_wait(const char *needle, unsigned timeout_ms);
/* For the cleanup routine: SIGTERM, then require exit 0, socket gone. */
void		 xensimtest_stop(void);
/* The socket path given to xensim. */
const char	*xensimtest_sock(void);
/* Whether the daemon is still running. */
bool		 xensimtest_alive(void);
/* A new connection to the daemon's socket; fails the test if none. */
int		 xensimtest_connect(void);

#endif /* !_XENSIMTEST_H_ */
