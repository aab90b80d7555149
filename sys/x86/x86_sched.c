/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Threads on one CPU, switched cooperatively.
 *
 * A thread runs until it sleeps, yields or returns; nothing preempts it,
 * so shared kernel state needs no lock against other threads, only
 * against interrupt handlers.  Handlers never touch the queues below:
 * they set hwintr_pending and the next scheduling decision, made in
 * thread context, wakes the interrupt dispatcher (x86_intr.c).  The
 * queues are changed with interrupts disabled all the same, which keeps
 * this correct should preemption come later.
 *
 * When nothing is runnable the CPU halts with the LAPIC timer armed for
 * the earliest sleep deadline; the halt runs on the stack of the thread
 * that gave up the CPU.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/console.h>
#include <pv/mem.h>
#include <pv/panic.h>
#include <pv/queue.h>
#include <pv/thread.h>
#include <pv/time.h>

#include "kern/md.h"
#include "x86/cpufunc.h"
#include "x86_var.h"

#define	STACK_SIZE	(32 * 1024)
#define	STACK_CANARY	0x5354414b43414e59ull	/* "STAKCANY" */

enum td_state {
	TDS_RUNNING,
	TDS_READY,
	TDS_SLEEPING,
	TDS_DEAD,
};

struct pv_thread {
	TAILQ_ENTRY(pv_thread)	 td_link;	/* run queue or sleep queue */
	TAILQ_ENTRY(pv_thread)	 td_all;
	uint64_t		 td_sp;		/* saved by x86_swtch */
	uint64_t		*td_stack;	/* lowest word: the canary */
	pv_thread_fn_t		*td_fn;
	void			*td_arg;
	enum td_state		 td_state;
	const void		*td_wchan;
	const char		*td_wmesg;
	uint64_t		 td_deadline;	/* pv_uptime_ns; 0: none */
	bool			 td_timedout;
	char			 td_name[32];
};

TAILQ_HEAD(threadq, pv_thread);

void	x86_swtch(uint64_t *oldsp, uint64_t newsp);

static struct pv_thread	 thread0 = { .td_name = "main" };
static struct pv_thread	*curthread = &thread0;
static struct threadq	 runq = TAILQ_HEAD_INITIALIZER(runq);
static struct threadq	 sleepq = TAILQ_HEAD_INITIALIZER(sleepq);
static struct threadq	 allthreads = TAILQ_HEAD_INITIALIZER(allthreads);
static unsigned		 ntimed;	/* sleepers with a deadline */
static volatile bool	 hwintr_pending;
static bool		 idle_ok;	/* the LAPIC timer can end a halt */

void
sched_init(void)
{
	thread0.td_state = TDS_RUNNING;
	TAILQ_INSERT_TAIL(&allthreads, &thread0, td_all);
}

/* From then on an idle CPU may halt: an interrupt will wake it. */
void
sched_idle_enable(void)
{
	idle_ok = true;
}

/* Interrupt context: a device vector fired. */
void
sched_hwintr(void)
{
	hwintr_pending = true;
}

static void
setrun(struct pv_thread *td)
{
	td->td_state = TDS_READY;
	TAILQ_INSERT_TAIL(&runq, td, td_link);
}

static void
unsleep(struct pv_thread *td)
{
	TAILQ_REMOVE(&sleepq, td, td_link);
	if (td->td_deadline != 0)
		ntimed--;
	td->td_wchan = NULL;
	setrun(td);
}

/* Wake whoever is due: interrupt posts, then expired timeouts. */
static void
sched_poll(void)
{
	struct pv_thread *td, *tmp;
	uint64_t now;

	if (hwintr_pending) {
		hwintr_pending = false;
		intr_kick();
	}
	if (ntimed == 0)
		return;
	now = pv_uptime_ns();
	TAILQ_FOREACH_SAFE(td, &sleepq, td_link, tmp) {
		if (td->td_deadline != 0 && td->td_deadline <= now) {
			td->td_timedout = true;
			unsleep(td);
		}
	}
}

void
sched_dump(void)
{
	struct pv_thread *td;
	const char *st[] = { "run", "ready", "sleep", "dead" };

	TAILQ_FOREACH(td, &allthreads, td_all)
		pv_printf("  thread %-16s %-5s %s\n", td->td_name,
		    st[td->td_state], td->td_state == TDS_SLEEPING ?
		    td->td_wmesg : "");
}

static void
sched_idle(void)
{
	struct pv_thread *td;
	uint64_t first = UINT64_MAX, now;

	if (!idle_ok) {
		cpu_pause();
		return;
	}
	TAILQ_FOREACH(td, &sleepq, td_link) {
		if (td->td_deadline != 0 && td->td_deadline < first)
			first = td->td_deadline;
	}
	if (first == UINT64_MAX && intr_bound_count() == 0 &&
	    !hwintr_pending) {
		sched_dump();
		pv_panic("deadlock: every thread sleeps and nothing can "
		    "wake one");
	}
	if (first != UINT64_MAX) {
		now = pv_uptime_ns();
		if (first <= now)
			return;
		lapic_timer_arm(first - now);
	}
	cpu_idle_wait();
}

/*
 * Give the CPU to the next runnable thread.  The caller has disabled
 * interrupts and already queued or put to sleep the current thread.
 */
static void
sched_switch(void)
{
	struct pv_thread *old = curthread, *td;

	if (old->td_stack != NULL && old->td_stack[0] != STACK_CANARY)
		pv_panic("thread %s overran its stack", old->td_name);
	for (;;) {
		sched_poll();
		if ((td = TAILQ_FIRST(&runq)) != NULL)
			break;
		sched_idle();
	}
	TAILQ_REMOVE(&runq, td, td_link);
	td->td_state = TDS_RUNNING;
	if (td == old)
		return;
	curthread = td;
	x86_swtch(&old->td_sp, td->td_sp);
}

void
sched_sleep(const void *chan, const char *wmesg, uint64_t deadline,
    bool *timedoutp)
{
	struct pv_thread *td = curthread;

	if (in_intr())
		pv_panic("sleep on \"%s\" in an interrupt handler", wmesg);
	td->td_wchan = chan;
	td->td_wmesg = wmesg;
	td->td_deadline = deadline;
	td->td_timedout = false;
	td->td_state = TDS_SLEEPING;
	TAILQ_INSERT_TAIL(&sleepq, td, td_link);
	if (deadline != 0)
		ntimed++;
	sched_switch();
	if (timedoutp != NULL)
		*timedoutp = td->td_timedout;
}

void
sched_wakeup(const void *chan, bool one)
{
	struct pv_thread *td, *tmp;

	TAILQ_FOREACH_SAFE(td, &sleepq, td_link, tmp) {
		if (td->td_wchan != chan)
			continue;
		unsleep(td);
		if (one)
			break;
	}
}

static void __attribute__((noreturn))
thread_start(void)
{
	struct pv_thread *td = curthread;

	intr_enable();
	td->td_fn(td->td_arg);
	(void)intr_disable();
	td->td_state = TDS_DEAD;
	sched_wakeup(td, false);
	sched_switch();
	pv_panic("dead thread %s ran again", td->td_name);
}

int
pv_thread_create(struct pv_thread **tdp, const char *name,
    pv_thread_fn_t *fn, void *arg)
{
	struct pv_thread *td;
	uint64_t *top, prev;

	td = pv_malloc(sizeof(*td), PV_M_ZERO | PV_M_NOWAIT);
	if (td == NULL)
		return (ENOMEM);
	td->td_stack = md_malloc(STACK_SIZE);
	if (td->td_stack == NULL) {
		pv_free(td);
		return (ENOMEM);
	}
	td->td_stack[0] = STACK_CANARY;
	snprintf(td->td_name, sizeof(td->td_name), "%s", name);
	td->td_fn = fn;
	td->td_arg = arg;
	/*
	 * Build the frame x86_swtch pops: six callee-saved registers, then
	 * its return address (thread_start), above which sits a null
	 * return address for thread_start, keeping the ABI's alignment.
	 */
	top = (uint64_t *)((char *)td->td_stack + STACK_SIZE);
	*--top = 0;
	*--top = (uint64_t)(uintptr_t)thread_start;
	top -= 6;
	memset(top, 0, 6 * sizeof(*top));
	td->td_sp = (uint64_t)(uintptr_t)top;

	prev = intr_disable();
	TAILQ_INSERT_TAIL(&allthreads, td, td_all);
	setrun(td);
	intr_restore(prev);
	*tdp = td;
	return (0);
}

void
pv_thread_join(struct pv_thread *td)
{
	uint64_t prev;

	if (td == curthread)
		pv_panic("thread %s joins itself", td->td_name);
	prev = intr_disable();
	while (td->td_state != TDS_DEAD)
		sched_sleep(td, "join", 0, NULL);
	TAILQ_REMOVE(&allthreads, td, td_all);
	intr_restore(prev);
	md_free(td->td_stack);
	pv_free(td);
}

struct pv_thread *
pv_curthread(void)
{
	return (curthread);
}

/* The BSP runs every thread: the application processors stay parked. */
unsigned
pv_curctx(void)
{
	return (0);
}

const char *
pv_thread_name(const struct pv_thread *td)
{
	return (td->td_name);
}

void
pv_yield(void)
{
	uint64_t prev = intr_disable();

	setrun(curthread);
	sched_switch();
	intr_restore(prev);
}
