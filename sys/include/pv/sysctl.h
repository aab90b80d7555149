/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Counters and tunables: a named tree of values in the spirit of sysctl(9).
 *
 * Drivers hang read-only counters and negotiated values under a node of
 * their own ("dev.xbd.0.ring_pages"), and tools walk the tree.  A tunable
 * is a bounded integer that may be preset by name before the driver
 * registers it (from the kernel command line or the environment), as
 * loader tunables are, and changed at run time through pv_ctl_set().
 */
#ifndef _PV_SYSCTL_H_
#define _PV_SYSCTL_H_

#include <stddef.h>
#include <stdint.h>

struct pv_ctl;

#define	PV_CTL_PATH_MAX	128
#define	PV_CTL_VALUE_MAX	256

/* parent NULL means the root; an existing node of that name is reused. */
struct pv_ctl	*pv_ctl_node(struct pv_ctl *parent, const char *name);
struct pv_ctl	*pv_ctl_counter(struct pv_ctl *parent, const char *name,
		    const uint64_t *val, const char *descr);
struct pv_ctl	*pv_ctl_string(struct pv_ctl *parent, const char *name,
		    const char *str, const char *descr);
/*
 * Register a bounded tunable backed by *val.  A value preset under the
 * same path replaces *val if it parses and lies in [min, max]; otherwise
 * the preset is refused with a message naming it and *val is kept.
 */
struct pv_ctl	*pv_ctl_tunable(struct pv_ctl *parent, const char *name,
		    uint32_t *val, uint32_t min, uint32_t max,
		    const char *descr);

/*
 * A module's tunables, declared in one static table.  pv_ctl_tunables()
 * registers them under ts_node ("hw.xbd") once per kernel lifetime, from
 * pv_kern_init to pv_kern_fini: each time, every value goes back to its
 * default and then takes its preset, so a preset given to the next
 * pv_kern_init is not lost to the last.  A module calls it before it
 * first reads its tunables; calling it again is cheap.
 */
struct pv_tunable {
	const char	*t_name;
	uint32_t	*t_val;
	uint32_t	 t_default;
	uint32_t	 t_min, t_max;
	const char	*t_descr;
};

struct pv_tunables {
	const char		*ts_node;
	const struct pv_tunable	*ts_list;
	size_t			 ts_n;
	uint64_t		 ts_gen;	/* the tree's, when registered */
};

#define	PV_TUNABLES(name, node, list)					\
	static struct pv_tunables name = {				\
		.ts_node = (node),					\
		.ts_list = (list),					\
		.ts_n = sizeof(list) / sizeof((list)[0]),		\
	}

void		 pv_ctl_tunables(struct pv_tunables *ts);
/* Remove a node and everything below it. */
void		 pv_ctl_remove(struct pv_ctl *ctl);

/* 0, ENOENT, EINVAL (not a value, or out of range), EPERM (read-only). */
int	pv_ctl_get(const char *path, char *buf, size_t len);
int	pv_ctl_set(const char *path, const char *value);

typedef int pv_ctl_walk_fn_t(const char *path, const char *value,
	    const char *descr, void *arg);
/* Visit every value at or below prefix ("" for all), in name order. */
int	pv_ctl_walk(const char *prefix, pv_ctl_walk_fn_t *fn, void *arg);

/*
 * Preset a tunable by path before it is registered ("name=value" from a
 * command line goes through pv_tunable_parse).
 */
int	pv_tunable_set(const char *path, const char *value);
int	pv_tunable_parse(const char *assignment);
void	pv_tunable_clear(void);

#endif /* !_PV_SYSCTL_H_ */
