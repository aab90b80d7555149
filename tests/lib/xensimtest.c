/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A private xensim for one ATF test case; see xensimtest.h.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "lib/pvtest.h"
#include "lib/xensimtest.h"

/* Files in the work directory, shared by the body and the cleanup. */
#define	XST_SOCK	"xensim.sock"
#define	XST_PID		"xensim.pid"
#define	XST_STATUS	"xensim.status"
#define	XST_LOG		"xensim.log"

static char	sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
nap(void)
{
	struct timespec ts = { 0, 5 * 1000000L };

	nanosleep(&ts, NULL);
}

/* Read a small file whole; false if it does not exist (yet). */
static bool
slurp(const char *name, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if ((fd = open(name, O_RDONLY | O_CLOEXEC)) < 0)
		return (false);
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return (n >= 0);
}

/* Readers must never see half a file: write aside, then rename. */
static void
publish(const char *name, const char *text)
{
	char tmp[64];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.new", name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		_exit(126);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		_exit(126);
	close(fd);
	if (rename(tmp, name) != 0)
		_exit(126);
}

const char *
xensimtest_sock(void)
{
	char cwd[PATH_MAX];

	/*
	 * Absolute when it fits in sun_path with room for the suffixes of
	 * xensim's other sockets, for clearer messages; every client runs
	 * in the work directory, so relative works as well.
	 */
	if (getcwd(cwd, sizeof(cwd)) != NULL &&
	    strlen(cwd) + 1 + strlen(XST_SOCK) + 16 < sizeof(sock_path))
		snprintf(sock_path, sizeof(sock_path), "%s/%s", cwd, XST_SOCK);
	else
		snprintf(sock_path, sizeof(sock_path), "%s", XST_SOCK);
	return (sock_path);
}

static void
dump_log(void)
{
	char buf[4096];

	if (slurp(XST_LOG, buf, sizeof(buf)))
		fprintf(stderr, "--- %s ---\n%s--- end ---\n", XST_LOG, buf);
}

/*
 * The supervisor: runs xensim, publishes its pid, waits for it and
 * publishes how it ended.  kyua kills the body's process group when the
 * body ends, so it takes a session of its own to live on until cleanup.
 * It leaves by _exit so that only the body runs atf's and the
 * sanitizers' exit handlers.
 */
static void __attribute__((noreturn))
supervise(const char *bin, const char *const *args)
{
	const char *argv[XENSIMTEST_MAX_ARGS + 2];
	char buf[32];
	size_t n = 0;
	pid_t pid;
	int fd, log, status;

	if (setsid() < 0)
		_exit(126);
	/*
	 * kyua kills the body's process group when the body returns; the
	 * daemon must outlive it until the cleanup routine stops it.
	 */
	(void)setsid();
	if ((fd = open("/dev/null", O_RDWR)) < 0 ||
	    (log = open(XST_LOG, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		_exit(126);
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(log, STDERR_FILENO);
	close(fd);
	close(log);
	if ((pid = fork()) < 0)
		_exit(126);
	if (pid == 0) {
		argv[n++] = "xensim";
		while (args != NULL && args[n - 1] != NULL &&
		    n <= XENSIMTEST_MAX_ARGS) {
			argv[n] = args[n - 1];
			n++;
		}
		argv[n] = NULL;
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	publish(XST_PID, buf);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			_exit(126);
	}
	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exit %d\n", WEXITSTATUS(status));
	else
		snprintf(buf, sizeof(buf), "signal %d\n", WTERMSIG(status));
	publish(XST_STATUS, buf);
	_exit(0);
}

static bool
can_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, ok;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return (false);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", xensimtest_sock());
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return (ok);
}

void
xensimtest_start(const atf_tc_t *tc)
{
	xensimtest_start_args(tc, NULL);
}

void
xensimtest_start_args(const atf_tc_t *tc, const char *const *args)
{
	char bin[PATH_MAX], status[64];
	struct stat st;
	uint64_t deadline;
	size_t n;
	pid_t pid;

	for (n = 0; args != NULL && args[n] != NULL; n++)
		;
	ATF_REQUIRE_MSG(n <= XENSIMTEST_MAX_ARGS, "%zu arguments for xensim",
	    n);
	pvtest_bin(tc, "xensim", bin, sizeof(bin));
	ATF_REQUIRE_MSG(access(XST_PID, F_OK) != 0,
	    "xensim already started in this work directory");
	ATF_REQUIRE(setenv("XENSTORED_PATH", xensimtest_sock(), 1) == 0);

	pid = fork();
	ATF_REQUIRE_MSG(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		supervise(bin, args);

	/* Bound of the wait: a daemon that never listens fails here. */
	deadline = now_ms() + XENSIMTEST_TIMEOUT_MS;
	for (;;) {
		if (slurp(XST_STATUS, status, sizeof(status))) {
			dump_log();
			atf_tc_fail("xensim ended before listening: %s",
			    status);
		}
		if (access(XST_PID, F_OK) == 0 &&
		    lstat(XST_SOCK, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    can_connect())
			return;
		if (now_ms() > deadline) {
			dump_log();
			atf_tc_fail("xensim did not listen on %s within %d ms",
			    xensimtest_sock(), XENSIMTEST_TIMEOUT_MS);
		}
		nap();
	}
}

static pid_t
daemon_pid(void)
{
	char buf[32];

	if (!slurp(XST_PID, buf, sizeof(buf)))
		return (-1);
	return ((pid_t)strtol(buf, NULL, 10));
}

bool
xensimtest_alive(void)
{
	pid_t pid;

	if (access(XST_STATUS, F_OK) == 0 || (pid = daemon_pid()) <= 0)
		return (false);
	return (kill(pid, 0) == 0);
}

int
xensimtest_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ATF_REQUIRE_MSG(fd >= 0, "socket: %s", strerror(errno));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", xensimtest_sock());
	ATF_REQUIRE_MSG(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ==
	    0, "connect %s: %s", sun.sun_path, strerror(errno));
	return (fd);
}

bool
xensimtest_log_has(const char *needle)
{
	char *buf;
	bool found;
	ssize_t n;
	size_t len = 0, cap = 1 << 16;
	int fd;

	if ((fd = open(XST_LOG, O_RDONLY | O_CLOEXEC)) < 0)
		return (false);
	buf = malloc(cap + 1);
	ATF_REQUIRE(buf != NULL);
	for (;;) {
		if (len == cap) {
			cap *= 2;
			ATF_REQUIRE((buf = realloc(buf, cap + 1)) != NULL);
		}
		if ((n = read(fd, buf + len, cap - len)) <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	found = strstr(buf, needle) != NULL;
	free(buf);
	return (found);
}

bool
xensimtest_log_wait(const char *needle, unsigned timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;

	while (!xensimtest_log_has(needle)) {
		if (now_ms() > deadline)
			return (false);
		nap();
	}
	return (true);
}

/*
 * atf-c's failure macros only work in a test body; a cleanup routine
 * reports by its exit status, which kyua shows as a broken test case.
 */
static void __attribute__((noreturn, format(printf, 1, 2)))
cleanup_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xensim cleanup: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	dump_log();
	exit(EXIT_FAILURE);
}

void
xensimtest_stop(void)
{
	char status[64];
	struct stat st;
	uint64_t deadline;
	pid_t pid;

	/* The body failed before starting it: nothing to stop. */
	if ((pid = daemon_pid()) <= 0)
		return;
	/* Once the status exists the pid may be reused: signal only before. */
	if (access(XST_STATUS, F_OK) != 0 && kill(pid, SIGTERM) != 0 &&
	    errno != ESRCH)
		cleanup_fail("kill %ld: %s", (long)pid, strerror(errno));
	deadline = now_ms() + XENSIMTEST_TIMEOUT_MS;
	while (!slurp(XST_STATUS, status, sizeof(status))) {
		if (now_ms() > deadline) {
			if (kill(pid, SIGKILL) != 0)
				cleanup_fail("xensim (pid %ld) gone, but its "
				    "supervisor recorded no status", (long)pid);
			cleanup_fail("xensim (pid %ld) still running %d ms "
			    "after SIGTERM", (long)pid, XENSIMTEST_TIMEOUT_MS);
		}
		nap();
	}
	if (strcmp(status, "exit 0\n") != 0)
		cleanup_fail("xensim ended with %.*s, not exit 0",
		    (int)strcspn(status, "\n"), status);
	if (lstat(XST_SOCK, &st) == 0)
		cleanup_fail("xensim left its socket %s behind", XST_SOCK);
}
