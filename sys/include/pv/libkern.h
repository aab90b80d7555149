/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Small string helpers that both platforms provide identically, for
 * parsing what peers and users hand us.
 */
#ifndef _PV_LIBKERN_H_
#define _PV_LIBKERN_H_

#include <stddef.h>
#include <stdint.h>

#define	nitems(x)	(sizeof(x) / sizeof((x)[0]))
#define	pv_min(a, b)	((a) < (b) ? (a) : (b))
#define	pv_max(a, b)	((a) > (b) ? (a) : (b))
#define	pv_roundup(x, y)	((((x) + ((y) - 1)) / (y)) * (y))
#define	pv_powerof2(x)	((x) != 0 && (((x) - 1) & (x)) == 0)

/*
 * Parse an unsigned decimal (or 0x-prefixed hexadecimal) number that spans
 * the whole string and does not exceed max.  Returns 0, EINVAL for
 * anything that is not such a number, or ERANGE above max.
 */
int	pv_strtou64(const char *s, uint64_t max, uint64_t *valp);

/* Copy with truncation, always NUL-terminated; returns strlen(src). */
size_t	pv_strlcpy(char *dst, const char *src, size_t size);

#endif /* !_PV_LIBKERN_H_ */
