/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Console output, the message buffer and panic.  Each call formats into a
 * line buffer first so that concurrent callers never interleave within a
 * line, neither on the console nor in the message buffer.
 */
#include <stdio.h>
#include <string.h>

#include <pv/atomic.h>
#include <pv/console.h>
#include <pv/sync.h>
#include <pv/sysctl.h>

#include "kern/md.h"

#define	MSGBUF_SIZE	(64 * 1024)
#define	LINE_MAX_LEN	512

static char		msgbuf[MSGBUF_SIZE];
static size_t		msgbuf_head;	/* next byte to write */
static size_t		msgbuf_len;	/* valid bytes, at most MSGBUF_SIZE */
static struct pv_mtx	cons_mtx;
static bool		cons_ready;
static uint32_t		log_level = PV_LOG_INFO;

static void
cons_emit(const char *s, size_t len)
{
	size_t i;

	/* Before the lock exists (early boot, late panic) write directly. */
	if (cons_ready)
		pv_mtx_lock(&cons_mtx);
	for (i = 0; i < len; i++) {
		msgbuf[msgbuf_head] = s[i];
		msgbuf_head = (msgbuf_head + 1) % MSGBUF_SIZE;
	}
	msgbuf_len = msgbuf_len + len > MSGBUF_SIZE ? MSGBUF_SIZE :
	    msgbuf_len + len;
	md_cnputs(s, len);
	if (cons_ready)
		pv_mtx_unlock(&cons_mtx);
}

void
pv_vprintf(const char *fmt, va_list ap)
{
	char line[LINE_MAX_LEN];
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		/* Keep a truncated line a line. */
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	cons_emit(line, (size_t)n);
}

void
pv_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pv_vprintf(fmt, ap);
	va_end(ap);
}

void
pv_log(int level, const char *dev, const char *fmt, ...)
{
	char msg[LINE_MAX_LEN];
	va_list ap;

	if (level > (int)pv_load_relaxed(&log_level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (dev != NULL)
		pv_printf("%s: %s\n", dev, msg);
	else
		pv_printf("%s\n", msg);
}

size_t
pv_msgbuf_copy(char *buf, size_t len)
{
	size_t n, start, i;

	if (len == 0)
		return (0);
	pv_mtx_lock(&cons_mtx);
	n = msgbuf_len < len - 1 ? msgbuf_len : len - 1;
	start = (msgbuf_head + MSGBUF_SIZE - n) % MSGBUF_SIZE;
	for (i = 0; i < n; i++)
		buf[i] = msgbuf[(start + i) % MSGBUF_SIZE];
	buf[n] = '\0';
	pv_mtx_unlock(&cons_mtx);
	return (n);
}

void
pv_msgbuf_clear(void)
{
	pv_mtx_lock(&cons_mtx);
	msgbuf_head = msgbuf_len = 0;
	pv_mtx_unlock(&cons_mtx);
}

void
pv_panic(const char *fmt, ...)
{
	char msg[LINE_MAX_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = snprintf(msg, sizeof(msg), "panic: ");
	vsnprintf(msg + n, sizeof(msg) - n - 1, fmt, ap);
	va_end(ap);
	strcat(msg, "\n");
	/* The console lock may be ours already: bypass it. */
	md_cnputs(msg, strlen(msg));
	md_halt();
}

void
pv_cons_init(void)
{
	pv_mtx_init(&cons_mtx, "console");
	msgbuf_head = msgbuf_len = 0;
	log_level = PV_LOG_INFO;
	cons_ready = true;
	pv_ctl_tunable(pv_ctl_node(NULL, "kern"), "log_level", &log_level,
	    0, PV_LOG_DEBUG, "console messages up to this level are shown");
}

void
pv_cons_fini(void)
{
	cons_ready = false;
	pv_mtx_destroy(&cons_mtx);
}
