/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Kernel threads as pthreads.  Threads the process made itself (main, a
 * test's helpers) get a descriptor on first use so that mutex ownership
 * works for them too.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include <pv/mem.h>
#include <pv/thread.h>

struct pv_thread {
	pthread_t	 td_pthread;
	pv_thread_fn_t	*td_fn;
	void		*td_arg;
	bool		 td_foreign;
	char		 td_name[32];
};

static _Thread_local struct pv_thread	*curthread;
static _Thread_local struct pv_thread	 foreign_td;

static void *
thread_start(void *arg)
{
	struct pv_thread *td = arg;

	curthread = td;
	td->td_fn(td->td_arg);
	return (NULL);
}

int
pv_thread_create(struct pv_thread **tdp, const char *name,
    pv_thread_fn_t *fn, void *arg)
{
	struct pv_thread *td;
	int error;

	td = pv_malloc(sizeof(*td), PV_M_ZERO | PV_M_NOWAIT);
	if (td == NULL)
		return (ENOMEM);
	snprintf(td->td_name, sizeof(td->td_name), "%s", name);
	td->td_fn = fn;
	td->td_arg = arg;
	error = pthread_create(&td->td_pthread, NULL, thread_start, td);
	if (error != 0) {
		pv_free(td);
		return (error);
	}
	/* Linux limits thread names to 15 characters. */
	{
		char short_name[16];

		snprintf(short_name, sizeof(short_name), "%s", name);
		pthread_setname_np(td->td_pthread, short_name);
	}
	*tdp = td;
	return (0);
}

void
pv_thread_join(struct pv_thread *td)
{
	pthread_join(td->td_pthread, NULL);
	pv_free(td);
}

struct pv_thread *
pv_curthread(void)
{
	if (curthread == NULL) {
		foreign_td.td_pthread = pthread_self();
		foreign_td.td_foreign = true;
		snprintf(foreign_td.td_name, sizeof(foreign_td.td_name),
		    "host");
		curthread = &foreign_td;
	}
	return (curthread);
}

/* Each thread numbers itself the first time it asks. */
unsigned
pv_curctx(void)
{
	static unsigned next;
	static _Thread_local unsigned ctx;
	static _Thread_local bool numbered;

	if (!numbered) {
		ctx = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
		numbered = true;
	}
	return (ctx);
}

const char *
pv_thread_name(const struct pv_thread *td)
{
	return (td->td_name);
}

void
pv_yield(void)
{
	sched_yield();
}
