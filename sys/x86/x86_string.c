/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The C library string functions that the shared kernel code and the
 * drivers call.  Their declarations come from the C library's headers;
 * a freestanding kernel supplies the code.  Byte loops are enough here:
 * nothing on a hot path copies more than a sector or two.
 */
#include <stdint.h>
#include <string.h>

void *
memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n >= 8) {
		uint64_t w;

		__builtin_memcpy(&w, s, 8);	/* inlined: one 8-byte move */
		__builtin_memcpy(d, &w, 8);
		d += 8;
		s += 8;
		n -= 8;
	}
	while (n-- > 0)
		*d++ = *s++;
	return (dst);
}

void *
memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return (dst);
	if (d < s || d >= s + n)
		return (memcpy(dst, src, n));
	while (n-- > 0)
		d[n] = s[n];
	return (dst);
}

void *
memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n-- > 0)
		*d++ = (unsigned char)c;
	return (dst);
}

int
memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n > 0; n--, p++, q++) {
		if (*p != *q)
			return (*p - *q);
	}
	return (0);
}

size_t
strlen(const char *s)
{
	const char *p = s;

	while (*p != '\0')
		p++;
	return ((size_t)(p - s));
}

size_t
strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return (n);
}

int
strcmp(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return ((unsigned char)*a - (unsigned char)*b);
}

int
strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		if (*a != *b || *a == '\0')
			return ((unsigned char)*a - (unsigned char)*b);
	}
	return (0);
}

char *
strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return ((char *)(uintptr_t)s);
		if (*s == '\0')
			return (NULL);
	}
}

char *
strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (*s == '\0')
			return ((char *)(uintptr_t)last);
	}
}

char *
strcat(char *restrict dst, const char *restrict src)
{
	memcpy(dst + strlen(dst), src, strlen(src) + 1);
	return (dst);
}

char *
strcpy(char *restrict dst, const char *restrict src)
{
	return (memcpy(dst, src, strlen(src) + 1));
}

size_t
strspn(const char *s, const char *accept)
{
	size_t n = 0;

	while (s[n] != '\0' && strchr(accept, s[n]) != NULL)
		n++;
	return (n);
}

size_t
strcspn(const char *s, const char *reject)
{
	size_t n = 0;

	while (s[n] != '\0' && strchr(reject, s[n]) == NULL)
		n++;
	return (n);
}

void *
memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n > 0; n--, p++) {
		if (*p == (unsigned char)c)
			return ((void *)(uintptr_t)p);
	}
	return (NULL);
}
