/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Panic and assertions.  An assertion guards against a driver bug, never
 * against a backend or device: what they send is validated and turned into
 * a device error, not a panic.
 */
#ifndef _PV_PANIC_H_
#define _PV_PANIC_H_

void	pv_panic(const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));

#define	pv_assert(cond) do {							\
	if (!(cond))							\
		pv_panic("assertion \"%s\" failed at %s:%d", #cond,	\
		    __FILE__, __LINE__);				\
} while (0)

#endif /* !_PV_PANIC_H_ */
