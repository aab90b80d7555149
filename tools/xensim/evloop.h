/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim's event loop: one thread, epoll, callbacks.  Everything the
 * simulator does happens in this thread, in the order events arrive,
 * which keeps runs reproducible.
 */
#ifndef _EVLOOP_H_
#define _EVLOOP_H_

#include <stdbool.h>
#include <sys/epoll.h>

#include <stdint.h>

typedef void evloop_fn(void *arg, uint32_t events);

struct evsrc;

int		 evloop_init(void);
void		 evloop_fini(void);
struct evsrc	*evloop_add(int fd, uint32_t events, evloop_fn *fn, void *arg);
int		 evloop_modify(struct evsrc *src, uint32_t events);
/* Safe from inside a callback, even the source's own. */
void		 evloop_del(struct evsrc *src);
/*
 * Called once after each round of events, before the loop waits again;
 * true: more is left, so the next wait only looks (work deferred this way
 * costs no eventfd round trip and still lets every other source have its
 * turn first).  One hook; NULL removes it.
 */
typedef bool evloop_round_fn(void);
void		 evloop_set_round(evloop_round_fn *fn);
/* Run until evloop_stop(); returns the status given to it. */
int		 evloop_run(void);
void		 evloop_stop(int status);

#endif /* !_EVLOOP_H_ */
