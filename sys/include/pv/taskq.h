/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Deferred work: task queues served by a thread, as taskqueue(9).  A task
 * enqueued again before it runs is coalesced; its function learns how many
 * times it was enqueued.
 */
#ifndef _PV_TASKQ_H_
#define _PV_TASKQ_H_

#include <stdbool.h>

#include <pv/queue.h>

typedef void pv_task_fn_t(void *arg, int pending);

struct pv_task {
	TAILQ_ENTRY(pv_task)	 t_link;
	pv_task_fn_t		*t_fn;
	void			*t_arg;
	int			 t_pending;
	bool			 t_running;
};

#define	PV_TASK_INIT(task, fn, arg) do {				\
	(task)->t_fn = (fn);						\
	(task)->t_arg = (arg);						\
	(task)->t_pending = 0;						\
	(task)->t_running = false;					\
} while (0)

struct pv_taskq;

int	pv_taskq_create(struct pv_taskq **tqp, const char *name);
/* Run what is queued, stop the thread and free the queue. */
void	pv_taskq_free(struct pv_taskq *tq);
/* Returns false when the task was already pending (coalesced). */
bool	pv_taskq_enqueue(struct pv_taskq *tq, struct pv_task *task);
/* Remove a pending task; returns false if it was not pending. */
bool	pv_taskq_cancel(struct pv_taskq *tq, struct pv_task *task);
/* Wait until the task is neither pending nor running. */
void	pv_taskq_drain(struct pv_taskq *tq, struct pv_task *task);

#endif /* !_PV_TASKQ_H_ */
