/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The xenbus client: xenstore over the domain's ring page, for drivers.
 * Every call returns 0 or a positive errno; a value read is the driver's
 * to free with pv_free.  Values from xenstore are untrusted: the typed
 * readers check them and name the key in any error they log.
 */
#ifndef _XENPV_XENBUS_H_
#define _XENPV_XENBUS_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/io/xenbus.h>

typedef uint32_t xenbus_txn_t;
#define	XENBUS_TXN_NONE	0

int	xenbus_init(void);
void	xenbus_fini(void);
/*
 * Around SCHEDOP_shutdown(SHUTDOWN_suspend): hold new requests back once
 * those in flight are answered; then go on as before (cancelled), or
 * reconnect to the new domain's store and register every watch again.
 * Watches that should follow the domain use relative paths.
 */
int	xenbus_suspend(void);
void	xenbus_suspend_cancel(void);
int	xenbus_resume(void);

/* dir and node are joined with '/'; node may be "" for dir itself. */
int	xenbus_read(xenbus_txn_t t, const char *dir, const char *node,
	    char **valp, size_t *lenp);
int	xenbus_write(xenbus_txn_t t, const char *dir, const char *node,
	    const char *val);
int	xenbus_printf(xenbus_txn_t t, const char *dir, const char *node,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int	xenbus_rm(xenbus_txn_t t, const char *dir, const char *node);
bool	xenbus_exists(xenbus_txn_t t, const char *dir, const char *node);
/* An array of *nump names followed by their strings, in one allocation. */
int	xenbus_directory(xenbus_txn_t t, const char *dir, const char *node,
	    unsigned *nump, char ***namesp);

/*
 * Read an unsigned number no greater than max.  ENOENT when absent,
 * EINVAL when not a number, ERANGE when too large: the last two are
 * logged with the key's full path.
 */
int	xenbus_read_u64(xenbus_txn_t t, const char *dir, const char *node,
	    uint64_t max, uint64_t *valp);
/* As xenbus_read_u64, but an absent key yields dflt. */
int	xenbus_read_u64_default(xenbus_txn_t t, const char *dir,
	    const char *node, uint64_t max, uint64_t dflt, uint64_t *valp);

/*
 * Read several keys: (node, max, uint64_t *) triples ending with NULL.
 * Stops at the first error.
 */
int	xenbus_gather(xenbus_txn_t t, const char *dir, ...);

int	xenbus_transaction_start(xenbus_txn_t *tp);
/* EAGAIN when a conflicting change won: redo the transaction. */
int	xenbus_transaction_end(xenbus_txn_t t, bool abort);

struct xenbus_watch;
typedef void xenbus_watch_fn(struct xenbus_watch *w, const char *path);

struct xenbus_watch {
	const char		*w_node;	/* path to watch (relative: ours) */
	xenbus_watch_fn		*w_fn;		/* runs on the xenwatch thread */
	void			*w_arg;
	/* Private. */
	struct xenbus_watch	*w_next;
	bool			 w_registered;
};

int	xenbus_watch_register(struct xenbus_watch *w);
/* Returns once no callback of w is running or queued. */
void	xenbus_watch_unregister(struct xenbus_watch *w);

/* The state of our end, written to dir/state. */
int	xenbus_switch_state(const char *dir, enum xenbus_state state);
/* XenbusStateUnknown when absent or invalid (and then logged). */
enum xenbus_state xenbus_read_state(const char *dir);
const char *xenbus_strstate(enum xenbus_state state);

/*
 * Frontend enumeration: attach(node, arg) for every device/TYPE/ID there
 * is now (node is "device/TYPE/ID"), on the calling thread; then, once
 * xenbus_probe_hotplug is called, for each new one the toolstack adds,
 * from a task queue.  attach may wait for its backend; a node is handed
 * over once it attached.  xenbus_probe_stop ends the enumeration (the
 * devices stay attached).
 */
struct xenbus_probe;
typedef int xenbus_attach_fn(const char *node, void *arg);
int	xenbus_probe_frontends(const char *type, xenbus_attach_fn *attach,
	    void *arg, struct xenbus_probe **xpp, unsigned *attachedp);
int	xenbus_probe_hotplug(struct xenbus_probe *xp);
void	xenbus_probe_stop(struct xenbus_probe *xp);

/* This domain's id, read once at init from xenstore's "domid". */
domid_t	xenbus_domid(void);

#endif /* !_XENPV_XENBUS_H_ */
