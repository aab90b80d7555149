/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * snprintf and vsnprintf for the guest kernel: the conversions the
 * kernel and drivers use (d i u x X o c s p %), with flags, field width,
 * precision and the hh h l ll z j t length modifiers.  No floating point:
 * the kernel is built without SSE.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct outbuf {
	char	*ob_buf;
	size_t	 ob_size;
	size_t	 ob_len;		/* would-be length, as C99 returns */
};

static void
out_c(struct outbuf *ob, char c)
{
	if (ob->ob_len + 1 < ob->ob_size)
		ob->ob_buf[ob->ob_len] = c;
	ob->ob_len++;
}

static void
out_pad(struct outbuf *ob, char c, int n)
{
	while (n-- > 0)
		out_c(ob, c);
}

struct spec {
	bool	left;
	bool	zero;
	bool	plus;
	bool	space;
	bool	alt;
	int	width;
	int	prec;			/* -1: none */
};

static void
out_str(struct outbuf *ob, const struct spec *sp, const char *s)
{
	size_t n = 0;

	if (s == NULL)
		s = "(null)";
	while (s[n] != '\0' && (sp->prec < 0 || n < (size_t)sp->prec))
		n++;
	if (!sp->left)
		out_pad(ob, ' ', sp->width - (int)n);
	for (size_t i = 0; i < n; i++)
		out_c(ob, s[i]);
	if (sp->left)
		out_pad(ob, ' ', sp->width - (int)n);
}

static void
out_num(struct outbuf *ob, const struct spec *sp, uint64_t v, bool neg,
    unsigned base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int nd = 0, len, zeros, plen;
	char sign = '\0';

	do {
		tmp[nd++] = digits[v % base];
		v /= base;
	} while (v != 0);
	if (sp->prec == 0 && nd == 1 && tmp[0] == '0')
		nd = 0;
	if (neg)
		sign = '-';
	else if (sp->plus)
		sign = '+';
	else if (sp->space)
		sign = ' ';
	plen = (int)(prefix != NULL ? __builtin_strlen(prefix) : 0);
	zeros = sp->prec > nd ? sp->prec - nd : 0;
	len = nd + zeros + plen + (sign != '\0');
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > len) {
		zeros += sp->width - len;
		len = sp->width;
	}
	if (!sp->left)
		out_pad(ob, ' ', sp->width - len);
	if (sign != '\0')
		out_c(ob, sign);
	for (int i = 0; i < plen; i++)
		out_c(ob, prefix[i]);
	out_pad(ob, '0', zeros);
	while (nd > 0)
		out_c(ob, tmp[--nd]);
	if (sp->left)
		out_pad(ob, ' ', sp->width - len);
}

int
vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
    va_list ap)
{
	struct outbuf ob = { buf, size, 0 };
	struct spec sp;
	uint64_t u;
	int64_t s;
	int lmod;	/* 0 int, 1 long, 2 long long, -1 short, -2 char */
	char c;

	for (; *fmt != '\0'; fmt++) {
		if (*fmt != '%') {
			out_c(&ob, *fmt);
			continue;
		}
		fmt++;
		sp = (struct spec){ .prec = -1 };
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '+')
				sp.plus = true;
			else if (*fmt == ' ')
				sp.space = true;
			else if (*fmt == '#')
				sp.alt = true;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = 0;
			if (*fmt == '*') {
				sp.prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.prec = sp.prec * 10 + (*fmt++ - '0');
			}
		}
		lmod = 0;
		for (;; fmt++) {
			if (*fmt == 'l')
				lmod++;
			else if (*fmt == 'h')
				lmod--;
			else if (*fmt == 'z' || *fmt == 'j' || *fmt == 't')
				lmod = 2;
			else
				break;
		}
		c = *fmt;
		switch (c) {
		case 'd':
		case 'i':
			if (lmod >= 1)
				s = lmod == 1 ? va_arg(ap, long) :
				    va_arg(ap, long long);
			else
				s = va_arg(ap, int);
			if (lmod == -1)
				s = (short)s;
			else if (lmod <= -2)
				s = (signed char)s;
			u = s < 0 ? -(uint64_t)s : (uint64_t)s;
			out_num(&ob, &sp, u, s < 0, 10, false, NULL);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lmod >= 1)
				u = lmod == 1 ? va_arg(ap, unsigned long) :
				    va_arg(ap, unsigned long long);
			else
				u = va_arg(ap, unsigned int);
			if (lmod == -1)
				u = (unsigned short)u;
			else if (lmod <= -2)
				u = (unsigned char)u;
			sp.plus = sp.space = false;
			if (c == 'u')
				out_num(&ob, &sp, u, false, 10, false, NULL);
			else if (c == 'o')
				out_num(&ob, &sp, u, false, 8, false,
				    sp.alt && u != 0 ? "0" : NULL);
			else
				out_num(&ob, &sp, u, false, 16, c == 'X',
				    sp.alt && u != 0 ? (c == 'X' ? "0X" :
				    "0x") : NULL);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			sp.plus = sp.space = false;
			out_num(&ob, &sp, u, false, 16, false, "0x");
			break;
		case 'c':
			sp.prec = -1;
			{
				char one[2] = { (char)va_arg(ap, int), '\0' };

				out_str(&ob, &sp, one);
			}
			break;
		case 's':
			out_str(&ob, &sp, va_arg(ap, const char *));
			break;
		case '%':
			out_c(&ob, '%');
			break;
		case '\0':
			fmt--;		/* a lone '%' ends the format */
			break;
		default:
			/* Unknown: show it rather than guess its argument. */
			out_c(&ob, '%');
			out_c(&ob, c);
			break;
		}
	}
	if (size > 0)
		buf[ob.ob_len < size ? ob.ob_len : size - 1] = '\0';
	return ((int)ob.ob_len);
}

int
snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return (n);
}
