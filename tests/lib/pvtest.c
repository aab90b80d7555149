/*-
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include <hosted/hosted.h>
#include <pv/console.h>
#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/time.h>

#include "lib/pvtest.h"

void
pvtest_init_tunables(size_t mem_pages, const char *tunables)
{
	struct pv_hosted_conf conf = {
		.hc_mem_pages = mem_pages,
		.hc_tunables = tunables,
	};
	int error;

	error = pv_hosted_init(&conf);
	ATF_REQUIRE_EQ_MSG(error, 0, "pv_hosted_init: %s", strerror(error));
}

void
pvtest_init(size_t mem_pages)
{
	pvtest_init_tunables(mem_pages, NULL);
}

void
pvtest_fini(void)
{
	pv_hosted_fini();
}

bool
pvtest_msgbuf_has(const char *needle)
{
	static char buf[64 * 1024];

	pv_msgbuf_copy(buf, sizeof(buf));
	return (strstr(buf, needle) != NULL);
}

uint64_t
pvtest_ms_since(uint64_t t0)
{
	return ((pv_uptime_ns() - t0) / PV_NS_PER_MS);
}

int
pvtest_wait_atleast(struct pv_mtx *m, const int *val, int n,
    unsigned timeout_ms)
{
	uint64_t end = pv_uptime_ns() + timeout_ms * PV_NS_PER_MS;
	int v;

	pv_mtx_lock(m);
	while (*val < n && pv_uptime_ns() < end)
		pv_sleep(val, m, "pvtest", 10 * PV_NS_PER_MS);
	v = *val;
	pv_mtx_unlock(m);
	return (v);
}

void
pvtest_msleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/*
 * var/rel into path, where var is a kyua variable tools/kyua-run.sh sets
 * to an absolute directory; fails the case unless path may be used as
 * mode (access(2)) says.
 */
static void
config_path(const atf_tc_t *tc, const char *var, const char *rel, int mode,
    char *path, size_t len)
{
	const char *dir;
	int n;

	/* atf_tc_get_config_var aborts on a missing variable: ask first. */
	if (!atf_tc_has_config_var(tc, var))
		atf_tc_fail("kyua's %s variable is not set: run the suite with "
		    "tools/kyua-run.sh, or kyua -v test_suites.pvkit.%s=<an "
		    "absolute directory> test", var, var);
	dir = atf_tc_get_config_var(tc, var);
	ATF_REQUIRE_MSG(dir[0] == '/', "%s=%s is not an absolute path", var,
	    dir);
	n = snprintf(path, len, "%s/%s", dir, rel);
	ATF_REQUIRE_MSG(n >= 0 && (size_t)n < len, "%s/%s: too long", dir,
	    rel);
	ATF_REQUIRE_MSG(access(path, mode) == 0, "%s: %s", path,
	    strerror(errno));
}

void
pvtest_bin(const atf_tc_t *tc, const char *name, char *path, size_t len)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "bin/%s", name);
	config_path(tc, "builddir", rel, X_OK, path, len);
}

void
pvtest_srcfile(const atf_tc_t *tc, const char *rel, char *path, size_t len)
{
	config_path(tc, "sourcetree", rel, R_OK, path, len);
}

static bool
in_path(const char *prog)
{
	char path[1024];
	const char *dir, *end, *p;
	int n;

	if (strchr(prog, '/') != NULL)
		return (access(prog, X_OK) == 0);
	if ((p = getenv("PATH")) == NULL)
		return (false);
	for (dir = p;; dir = end + 1) {
		end = strchrnul(dir, ':');
		/* An empty entry means the current directory, as for execvp. */
		n = snprintf(path, sizeof(path), "%.*s/%s",
		    end == dir ? 1 : (int)(end - dir),
		    end == dir ? "." : dir, prog);
		if (n > 0 && (size_t)n < sizeof(path) &&
		    access(path, X_OK) == 0)
			return (true);
		if (*end == '\0')
			return (false);
	}
}

void
pvtest_require_peer(const char *pkg, const char *prog)
{
	const char *ci, *req;

	if (in_path(prog))
		return;
	ci = getenv("CI");
	req = getenv("PVKIT_REQUIRE_PEERS");
	if ((ci != NULL && strcmp(ci, "true") == 0) ||
	    (req != NULL && strcmp(req, "1") == 0))
		atf_tc_fail("%s is not in PATH, and CI=%s "
		    "PVKIT_REQUIRE_PEERS=%s require every peer: "
		    "apt-get install %s", prog, ci != NULL ? ci : "",
		    req != NULL ? req : "", pkg);
	atf_tc_skip("%s is not in PATH: it comes with the Debian package %s "
	    "(apt-get install %s)", prog, pkg, pkg);
}

/*
 * libatf-c does not free its test-case list before exiting.  Its leaks are
 * not ours; LeakSanitizer reads this hook only in SANITIZE=1 builds.
 */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return ("leak:libatf-c.so\n");
}

/* kyua counts any stderr from the case list as breakage: stay quiet. */
const char *__lsan_default_options(void);

const char *
__lsan_default_options(void)
{
	return ("print_suppressions=0");
}
