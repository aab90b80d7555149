/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim: Xen in a process.  Shared state of the daemon.
 */
#ifndef _XENSIM_H_
#define _XENSIM_H_

#include <stdbool.h>

struct xsd;

struct xensim_state {
	struct xsd	*xsd;
	const char	*store_path;	/* the xenstore socket */
	bool		 verbose;
};

extern struct xensim_state xensim;

void	xensim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* xs_sock.c */
int	xs_sock_listen(const char *path);
void	xs_sock_close(void);

#endif /* !_XENSIM_H_ */
