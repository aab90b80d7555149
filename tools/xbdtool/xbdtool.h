/*-
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _XBDTOOL_H_
#define _XBDTOOL_H_

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct pv_blk;

/* --ops not given; any given count, 0 too, is taken as it is. */
#define	XBDTOOL_OPS_DEFAULT	UINT64_MAX

struct xbdtool_args {
	const char	*workload;
	int		 argc;
	char		**argv;
	unsigned	 depth;		/* bios in flight */
	unsigned	 threads;	/* submitters; 0: one per queue */
	bool		 stats;		/* print the counters after */
	uint64_t	 hold_ms;	/* stay attached this long after */
	uint64_t	 ops;		/* XBDTOOL_OPS_DEFAULT: its own */
	uint64_t	 bs;		/* bytes per bio, for rand and seq */
	uint64_t	 seed;
	bool		 polled;	/* read/write without interrupts */
	bool		 secure;	/* discard: PV_BIO_SECURE */
	uint64_t	 suspend_ms;	/* 0: no suspend/resume cycles */
	uint64_t	 drain_ms;	/* a suspend waits this long */
	struct pv_blk	*blk;
	/* The driver's counters: dev.DRIVER.DISK, and its doorbell count. */
	const char	*driver;
	const char	*kicks;
};

struct pv_memstats;
struct pv_thread;

/* --suspend-every: suspend and resume the disk while the workload runs. */
typedef int cycle_fn(void *arg, uint64_t drain_ns, unsigned *requeuedp);

struct cycler {
	struct pv_thread	*cy_td;		/* NULL: not running */
	void			*cy_mtx;
	cycle_fn		*cy_fn;
	void			*cy_arg;
	uint64_t		 cy_every_ns;
	uint64_t		 cy_drain_ns;
	bool			 cy_stop;
	unsigned		 cy_cycles;
	unsigned		 cy_requeued;
	int			 cy_error;
};

/* every_ms 0: no cycles.  Each suspend lets requests finish for drain_ms. */
void	cycler_start(struct cycler *cy, uint64_t every_ms, uint64_t drain_ms,
	    cycle_fn *fn, void *arg);
/* Stop, say how it went; non-zero if a cycle failed. */
int	cycler_stop(struct cycler *cy);

/* Run the named workload; the process's exit status. */
int	xbdtool_run(struct xbdtool_args *a);
/* Attach over vhost-user, run, detach; the exit status. */
int	xbdtool_vhost(struct xbdtool_args *a, const char *path);
/* balloon SECONDS: the Xen balloon follows memory/target; balloon.c. */
int	xbdtool_balloon(const struct xbdtool_args *a);
/* Leave SIGINT and SIGTERM to the balloon's loop: before any thread. */
void	xbdtool_balloon_signals(void);
/* Say what was not given back, if anything. */
bool	xbdtool_leaked(const struct pv_memstats *before,
	    const struct pv_memstats *after, intmax_t grefs);

#endif /* !_XBDTOOL_H_ */
