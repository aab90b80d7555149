/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Console and logging.  Every line also lands in a message buffer that
 * tools and tests read back, as dmesg(8) does.
 */
#ifndef _PV_CONSOLE_H_
#define _PV_CONSOLE_H_

#include <stdarg.h>
#include <stddef.h>

#define	PV_LOG_ERR	3
#define	PV_LOG_WARNING	4
#define	PV_LOG_NOTICE	5
#define	PV_LOG_INFO	6
#define	PV_LOG_DEBUG	7

void	pv_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	pv_vprintf(const char *fmt, va_list ap);
/* "dev: message"; lines above the kern.log_level tunable are dropped. */
void	pv_log(int level, const char *dev, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Copy the newest bytes of the message buffer, NUL-terminated. */
size_t	pv_msgbuf_copy(char *buf, size_t len);
void	pv_msgbuf_clear(void);

#endif /* !_PV_CONSOLE_H_ */
