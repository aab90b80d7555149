/*-
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <string.h>

#include <pv/libkern.h>

int
pv_strtou64(const char *s, uint64_t max, uint64_t *valp)
{
	uint64_t v, base, d;

	if (s == NULL || *s == '\0')
		return (EINVAL);
	base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (*s == '\0')
			return (EINVAL);
	}
	for (v = 0; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return (EINVAL);
		if (v > (UINT64_MAX - d) / base)
			return (ERANGE);
		v = v * base + d;
	}
	if (v > max)
		return (ERANGE);
	*valp = v;
	return (0);
}

size_t
pv_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return (len);
}
