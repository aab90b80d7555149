/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Task queues, each served by one thread, run tasks in the order they were
 * first enqueued.
 */
#include <errno.h>

#include <pv/mem.h>
#include <pv/sync.h>
#include <pv/taskq.h>
#include <pv/thread.h>

struct pv_taskq {
	struct pv_mtx		 tq_mtx;
	TAILQ_HEAD(, pv_task)	 tq_queue;
	struct pv_thread	*tq_td;
	bool			 tq_stopping;
};

static void
taskq_thread(void *arg)
{
	struct pv_taskq *tq = arg;
	struct pv_task *t;
	int pending;

	pv_mtx_lock(&tq->tq_mtx);
	for (;;) {
		t = TAILQ_FIRST(&tq->tq_queue);
		if (t == NULL) {
			if (tq->tq_stopping)
				break;
			pv_sleep(tq, &tq->tq_mtx, "taskq", 0);
			continue;
		}
		TAILQ_REMOVE(&tq->tq_queue, t, t_link);
		pending = t->t_pending;
		t->t_pending = 0;
		t->t_running = true;
		pv_mtx_unlock(&tq->tq_mtx);
		t->t_fn(t->t_arg, pending);
		pv_mtx_lock(&tq->tq_mtx);
		t->t_running = false;
		pv_wakeup(t);
	}
	pv_mtx_unlock(&tq->tq_mtx);
}

int
pv_taskq_create(struct pv_taskq **tqp, const char *name)
{
	struct pv_taskq *tq;
	int error;

	tq = pv_malloc(sizeof(*tq), PV_M_ZERO | PV_M_NOWAIT);
	if (tq == NULL)
		return (ENOMEM);
	pv_mtx_init(&tq->tq_mtx, name);
	TAILQ_INIT(&tq->tq_queue);
	error = pv_thread_create(&tq->tq_td, name, taskq_thread, tq);
	if (error != 0)
		goto fail;
	*tqp = tq;
	return (0);
fail:
	pv_mtx_destroy(&tq->tq_mtx);
	pv_free(tq);
	return (error);
}

void
pv_taskq_free(struct pv_taskq *tq)
{
	pv_mtx_lock(&tq->tq_mtx);
	tq->tq_stopping = true;
	pv_wakeup(tq);
	pv_mtx_unlock(&tq->tq_mtx);
	pv_thread_join(tq->tq_td);
	pv_mtx_destroy(&tq->tq_mtx);
	pv_free(tq);
}

bool
pv_taskq_enqueue(struct pv_taskq *tq, struct pv_task *t)
{
	bool queued;

	pv_mtx_lock(&tq->tq_mtx);
	queued = t->t_pending == 0;
	if (queued) {
		TAILQ_INSERT_TAIL(&tq->tq_queue, t, t_link);
		pv_wakeup(tq);
	}
	t->t_pending++;
	pv_mtx_unlock(&tq->tq_mtx);
	return (queued);
}

bool
pv_taskq_cancel(struct pv_taskq *tq, struct pv_task *t)
{
	bool cancelled;

	pv_mtx_lock(&tq->tq_mtx);
	cancelled = t->t_pending != 0;
	if (cancelled) {
		TAILQ_REMOVE(&tq->tq_queue, t, t_link);
		t->t_pending = 0;
	}
	pv_mtx_unlock(&tq->tq_mtx);
	return (cancelled);
}

void
pv_taskq_drain(struct pv_taskq *tq, struct pv_task *t)
{
	pv_mtx_lock(&tq->tq_mtx);
	while (t->t_pending != 0 || t->t_running)
		pv_sleep(t, &tq->tq_mtx, "tqdrain", 0);
	pv_mtx_unlock(&tq->tq_mtx);
}
