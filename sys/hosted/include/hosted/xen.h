/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Attaching a hosted kernel to xensim as a Xen domain.
 */
#ifndef _HOSTED_XEN_H_
#define _HOSTED_XEN_H_

#include <stdint.h>

/*
 * Connect to the xensim whose xenstore socket is $XENSTORED_PATH, and
 * become domain domid with the platform's RAM.  Returns 0 or an errno;
 * ECONNREFUSED or ENOENT when no xensim listens.
 */
int	xen_hosted_attach(uint32_t domid, const char *name);
/* Leave: xensim destroys the domain. */
void	xen_hosted_detach(void);

#endif /* !_HOSTED_XEN_H_ */
