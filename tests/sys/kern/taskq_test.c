/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Task queues: order, coalescing, cancel and drain.
 */
#include <atf-c.h>

#include <pv/sync.h>
#include <pv/taskq.h>
#include <pv/time.h>

#include "lib/pvtest.h"

static struct pv_mtx	mtx;
static int		gate_open;
static int		ran[8];
static int		nran;
static int		last_pending;

/* Holds the queue's thread until the test opens the gate. */
static void
gate(void *arg, int pending)
{
	(void)arg;
	(void)pending;
	pv_mtx_lock(&mtx);
	while (!gate_open)
		pv_sleep(&gate_open, &mtx, "gate", 0);
	pv_mtx_unlock(&mtx);
}

static void
note(void *arg, int pending)
{
	pv_mtx_lock(&mtx);
	ran[nran++] = (int)(intptr_t)arg;
	last_pending = pending;
	pv_mtx_unlock(&mtx);
}

static void
open_gate(void)
{
	pv_mtx_lock(&mtx);
	gate_open = 1;
	pv_wakeup(&gate_open);
	pv_mtx_unlock(&mtx);
}

static void
setup(struct pv_taskq **tq, struct pv_task *g)
{
	pvtest_init(0);
	pv_mtx_init(&mtx, "test");
	ATF_REQUIRE_EQ(pv_taskq_create(tq, "testq"), 0);
	PV_TASK_INIT(g, gate, NULL);
	pv_taskq_enqueue(*tq, g);
}

ATF_TC_WITHOUT_HEAD(tasks_run_in_order);
ATF_TC_BODY(tasks_run_in_order, tc)
{
	struct pv_task g, t[3];
	struct pv_taskq *tq;
	int i;

	setup(&tq, &g);
	for (i = 0; i < 3; i++) {
		PV_TASK_INIT(&t[i], note, (void *)(intptr_t)(i + 1));
		ATF_REQUIRE(pv_taskq_enqueue(tq, &t[i]));
	}
	open_gate();
	for (i = 0; i < 3; i++)
		pv_taskq_drain(tq, &t[i]);
	ATF_REQUIRE_EQ(nran, 3);
	ATF_REQUIRE(ran[0] == 1 && ran[1] == 2 && ran[2] == 3);
	pv_taskq_free(tq);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(enqueue_coalesces_while_pending);
ATF_TC_BODY(enqueue_coalesces_while_pending, tc)
{
	struct pv_task g, t;
	struct pv_taskq *tq;
	int i;

	setup(&tq, &g);
	PV_TASK_INIT(&t, note, (void *)9);
	ATF_REQUIRE(pv_taskq_enqueue(tq, &t));
	for (i = 0; i < 4; i++)
		ATF_REQUIRE(!pv_taskq_enqueue(tq, &t));
	open_gate();
	pv_taskq_drain(tq, &t);
	ATF_REQUIRE_EQ(nran, 1);
	ATF_REQUIRE_EQ(last_pending, 5);
	/* Once run, it can be queued afresh. */
	ATF_REQUIRE(pv_taskq_enqueue(tq, &t));
	pv_taskq_drain(tq, &t);
	ATF_REQUIRE_EQ(nran, 2);
	ATF_REQUIRE_EQ(last_pending, 1);
	pv_taskq_free(tq);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(cancel_removes_pending_task);
ATF_TC_BODY(cancel_removes_pending_task, tc)
{
	struct pv_task g, t;
	struct pv_taskq *tq;

	setup(&tq, &g);
	PV_TASK_INIT(&t, note, (void *)1);
	pv_taskq_enqueue(tq, &t);
	ATF_REQUIRE(pv_taskq_cancel(tq, &t));
	ATF_REQUIRE(!pv_taskq_cancel(tq, &t));
	open_gate();
	pv_taskq_drain(tq, &g);
	pv_taskq_drain(tq, &t);
	ATF_REQUIRE_EQ(nran, 0);
	pv_taskq_free(tq);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(free_runs_queued_tasks);
ATF_TC_BODY(free_runs_queued_tasks, tc)
{
	struct pv_task g, t;
	struct pv_taskq *tq;

	setup(&tq, &g);
	PV_TASK_INIT(&t, note, (void *)3);
	pv_taskq_enqueue(tq, &t);
	open_gate();
	pv_taskq_free(tq);
	ATF_REQUIRE_EQ(nran, 1);
	ATF_REQUIRE_EQ(ran[0], 3);
	pvtest_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, tasks_run_in_order);
	ATF_TP_ADD_TC(tp, enqueue_coalesces_while_pending);
	ATF_TP_ADD_TC(tp, cancel_removes_pending_task);
	ATF_TP_ADD_TC(tp, free_runs_queued_tasks);
	return (atf_no_error());
}
