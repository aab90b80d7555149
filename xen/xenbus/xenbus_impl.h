/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Internal to the xenbus client.
 */
#ifndef _XENBUS_IMPL_H_
#define _XENBUS_IMPL_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenpv/xenbus.h>

struct xb_part {
	const void	*p_data;
	size_t		 p_len;
};

int	xb_ring_init(void);
void	xb_ring_fini(void);
int	xb_ring_suspend(uint64_t timeout_ns);
int	xb_ring_resume(bool newdom);
/*
 * Send one request and wait for its reply, which is returned NUL
 * terminated (and to be freed) when replyp is not NULL.  An ERROR reply
 * becomes its errno.
 */
int	xb_request(uint32_t type, xenbus_txn_t t, const struct xb_part *parts,
	    unsigned nparts, char **replyp, size_t *lenp);

/* The watch side, fed by the ring with XS_WATCH_EVENT payloads. */
int	xb_watch_init(void);
void	xb_watch_fini(void);
void	xb_watch_event(const char *payload, size_t len);
/* Every registered watch again, as a new domain's store has none. */
void	xb_watch_resume(void);

#endif /* !_XENBUS_IMPL_H_ */
