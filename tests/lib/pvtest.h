/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Helpers shared by the ATF C tests of the hosted platform.
 */
#ifndef _PVTEST_H_
#define _PVTEST_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <atf-c.h>

/* Bring the hosted platform up with mem_pages of RAM (0: default). */
void		pvtest_init(size_t mem_pages);
void		pvtest_init_tunables(size_t mem_pages, const char *tunables);
void		pvtest_fini(void);
bool		pvtest_msgbuf_has(const char *needle);
uint64_t	pvtest_ms_since(uint64_t t0_ns);
/*
 * Under m, sleep on the address val until *val >= n or timeout_ms passes;
 * returns the last value seen.  Whoever changes *val wakes up val.
 */
struct pv_mtx;
int		pvtest_wait_atleast(struct pv_mtx *m, const int *val, int n,
		    unsigned timeout_ms);
/* Sleep the calling thread without holding any pvkit lock. */
void		pvtest_msleep(unsigned ms);
/*
 * For a body: bin/name of the build under test, which kyua's builddir
 * variable names (tools/kyua-run.sh sets it).  Fails the test case if
 * builddir is unset or bin/name is not executable.
 */
void		pvtest_bin(const atf_tc_t *tc, const char *name, char *path,
		    size_t len);
/* For a body: rel in the source tree (kyua's sourcetree variable). */
void		pvtest_srcfile(const atf_tc_t *tc, const char *rel, char *path,
		    size_t len);
/*
 * For a body: skip the test case, naming the Debian package and the
 * apt-get command, unless the peer program prog is in PATH.  Fails
 * instead when CI is "true" or PVKIT_REQUIRE_PEERS is 1: CI installs
 * every peer, so a skip there would hide a broken install.
 */
void		pvtest_require_peer(const char *pkg, const char *prog);

#endif /* !_PVTEST_H_ */
