/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The kernel command line (QEMU's -append, a domU's "cmdline"): words
 * separated by spaces.  "workload=NAME" and other words the guest itself
 * reads are looked up by key; every word with a dotted key ("hw.xbd.
 * max_queues=1") is a tunable preset for pv_kern_init.
 */
#include <stdbool.h>
#include <string.h>

#include "x86_var.h"

char	boot_cmdline[CMDLINE_MAX];

static bool
word_next(const char **sp, const char **wp, size_t *lenp)
{
	const char *s = *sp;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return (false);
	*wp = s;
	while (*s != '\0' && *s != ' ' && *s != '\t')
		s++;
	*lenp = (size_t)(s - *wp);
	*sp = s;
	return (true);
}

/* The value of key=value, copied into buf; NULL when absent. */
const char *
cmdline_get(const char *key, char *buf, size_t len)
{
	const char *s = boot_cmdline, *w;
	size_t klen = strlen(key), wlen, vlen;

	while (word_next(&s, &w, &wlen)) {
		if (wlen <= klen || strncmp(w, key, klen) != 0 ||
		    w[klen] != '=')
			continue;
		vlen = wlen - klen - 1;
		if (vlen >= len)
			vlen = len - 1;
		memcpy(buf, w + klen + 1, vlen);
		buf[vlen] = '\0';
		return (buf);
	}
	return (NULL);
}

/* The tunable presets, space separated, for pv_kern_init. */
void
cmdline_tunables(char *buf, size_t len)
{
	const char *s = boot_cmdline, *w, *eq, *dot;
	size_t wlen, n = 0;

	buf[0] = '\0';
	while (word_next(&s, &w, &wlen)) {
		eq = memchr(w, '=', wlen);
		dot = memchr(w, '.', wlen);
		if (eq == NULL || dot == NULL || dot > eq || n + wlen + 2 > len)
			continue;
		if (n > 0)
			buf[n++] = ' ';
		memcpy(buf + n, w, wlen);
		n += wlen;
		buf[n] = '\0';
	}
}
