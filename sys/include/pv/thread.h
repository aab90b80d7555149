/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Thread service: kernel threads for drivers that need their own context,
 * for example a balloon worker that sleeps between retries.
 */
#ifndef _PV_THREAD_H_
#define _PV_THREAD_H_

struct pv_thread;

typedef void pv_thread_fn_t(void *arg);

int		  pv_thread_create(struct pv_thread **tdp, const char *name,
		    pv_thread_fn_t *fn, void *arg);
/* Wait for the thread to return from fn, then release it. */
void		  pv_thread_join(struct pv_thread *td);
struct pv_thread *pv_curthread(void);
const char	 *pv_thread_name(const struct pv_thread *td);
/*
 * The submitting context, a small number from 0: the CPU in a guest
 * kernel, the thread in a process.  A driver with several queues keeps
 * one context's requests on one queue with it, as blk-mq does.
 */
unsigned	  pv_curctx(void);
void		  pv_yield(void);

#endif /* !_PV_THREAD_H_ */
