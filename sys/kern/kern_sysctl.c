/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The counter and tunable tree.  Children are kept sorted by name so that
 * a walk prints in a stable order that tests and tools can diff.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/atomic.h>
#include <pv/console.h>
#include <pv/libkern.h>
#include <pv/mem.h>
#include <pv/queue.h>
#include <pv/sync.h>
#include <pv/sysctl.h>

#include "kern/md.h"

#define	CTL_NAME_MAX	32

enum ctl_kind { CTL_NODE, CTL_COUNTER, CTL_STRING, CTL_TUNABLE };

struct pv_ctl {
	char			 c_name[CTL_NAME_MAX];
	enum ctl_kind		 c_kind;
	struct pv_ctl		*c_parent;
	TAILQ_HEAD(, pv_ctl)	 c_children;
	TAILQ_ENTRY(pv_ctl)	 c_link;
	const char		*c_descr;
	union {
		const uint64_t	*counter;
		const char	*str;
		uint32_t	*tun;
	} c_v;
	uint32_t		 c_min, c_max;
};

struct preset {
	TAILQ_ENTRY(preset)	p_link;
	char			p_path[PV_CTL_PATH_MAX];
	char			p_value[PV_CTL_VALUE_MAX];
};

static struct pv_ctl		ctl_root;
static TAILQ_HEAD(, preset)	presets = TAILQ_HEAD_INITIALIZER(presets);
static struct pv_mtx		ctl_mtx;
/* Which tree this is: pv_ctl_tunables registers once in each. */
static uint64_t			ctl_gen;

static bool
ctl_name_ok(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len >= CTL_NAME_MAX)
		return (false);
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return (false);
	}
	return (true);
}

static struct pv_ctl *
ctl_child(struct pv_ctl *parent, const char *name, size_t len)
{
	struct pv_ctl *c;

	TAILQ_FOREACH(c, &parent->c_children, c_link) {
		if (strlen(c->c_name) == len &&
		    strncmp(c->c_name, name, len) == 0)
			return (c);
	}
	return (NULL);
}

/* Resolve a dotted path; "" is the root. */
static struct pv_ctl *
ctl_lookup(const char *path)
{
	struct pv_ctl *c = &ctl_root;
	const char *dot;

	while (c != NULL && *path != '\0') {
		dot = strchr(path, '.');
		if (dot == NULL)
			dot = path + strlen(path);
		c = ctl_child(c, path, dot - path);
		path = *dot == '.' ? dot + 1 : dot;
	}
	return (c);
}

static void
ctl_path(const struct pv_ctl *c, char *buf, size_t len)
{
	char tmp[PV_CTL_PATH_MAX];

	buf[0] = '\0';
	for (; c != NULL && c != &ctl_root; c = c->c_parent) {
		snprintf(tmp, sizeof(tmp), "%s%s%s", c->c_name,
		    buf[0] != '\0' ? "." : "", buf);
		pv_strlcpy(buf, tmp, len);
	}
}

static struct pv_ctl *
ctl_add(struct pv_ctl *parent, const char *name, enum ctl_kind kind,
    const char *descr)
{
	struct pv_ctl *c, *next;

	if (parent == NULL)
		parent = &ctl_root;
	if (!ctl_name_ok(name)) {
		pv_log(PV_LOG_ERR, "sysctl", "invalid name \"%s\"", name);
		return (NULL);
	}
	if ((c = ctl_child(parent, name, strlen(name))) != NULL) {
		if (kind == CTL_NODE && c->c_kind == CTL_NODE)
			return (c);
		pv_log(PV_LOG_ERR, "sysctl", "\"%s\" is already registered",
		    name);
		return (NULL);
	}
	c = pv_malloc(sizeof(*c), PV_M_ZERO | PV_M_NOWAIT);
	if (c == NULL)
		return (NULL);
	pv_strlcpy(c->c_name, name, sizeof(c->c_name));
	c->c_kind = kind;
	c->c_parent = parent;
	c->c_descr = descr;
	TAILQ_INIT(&c->c_children);
	TAILQ_FOREACH(next, &parent->c_children, c_link) {
		if (strcmp(next->c_name, name) > 0)
			break;
	}
	if (next != NULL)
		TAILQ_INSERT_BEFORE(next, c, c_link);
	else
		TAILQ_INSERT_TAIL(&parent->c_children, c, c_link);
	return (c);
}

struct pv_ctl *
pv_ctl_node(struct pv_ctl *parent, const char *name)
{
	struct pv_ctl *c;

	pv_mtx_lock(&ctl_mtx);
	c = ctl_add(parent, name, CTL_NODE, NULL);
	pv_mtx_unlock(&ctl_mtx);
	return (c);
}

struct pv_ctl *
pv_ctl_counter(struct pv_ctl *parent, const char *name, const uint64_t *val,
    const char *descr)
{
	struct pv_ctl *c;

	pv_mtx_lock(&ctl_mtx);
	if ((c = ctl_add(parent, name, CTL_COUNTER, descr)) != NULL)
		c->c_v.counter = val;
	pv_mtx_unlock(&ctl_mtx);
	return (c);
}

struct pv_ctl *
pv_ctl_string(struct pv_ctl *parent, const char *name, const char *str,
    const char *descr)
{
	struct pv_ctl *c;

	pv_mtx_lock(&ctl_mtx);
	if ((c = ctl_add(parent, name, CTL_STRING, descr)) != NULL)
		c->c_v.str = str;
	pv_mtx_unlock(&ctl_mtx);
	return (c);
}

static int
tunable_parse(const struct pv_ctl *c, const char *value, uint32_t *vp)
{
	uint64_t v;
	int error;

	error = pv_strtou64(value, UINT32_MAX, &v);
	if (error == 0 && (v < c->c_min || v > c->c_max))
		error = ERANGE;
	if (error == 0)
		*vp = (uint32_t)v;
	return (error);
}

/* The tree is locked. */
static struct pv_ctl *
ctl_tunable(struct pv_ctl *parent, const char *name, uint32_t *val,
    uint32_t min, uint32_t max, const char *descr)
{
	char path[PV_CTL_PATH_MAX];
	struct preset *p;
	struct pv_ctl *c;
	uint32_t v;
	int error;

	PV_MTX_ASSERT_OWNED(&ctl_mtx);
	if ((c = ctl_add(parent, name, CTL_TUNABLE, descr)) == NULL)
		return (NULL);
	c->c_v.tun = val;
	c->c_min = min;
	c->c_max = max;
	ctl_path(c, path, sizeof(path));
	TAILQ_FOREACH(p, &presets, p_link) {
		if (strcmp(p->p_path, path) != 0)
			continue;
		error = tunable_parse(c, p->p_value, &v);
		if (error == 0)
			pv_store_relaxed(val, v);
		else if (error == ERANGE)
			pv_log(PV_LOG_ERR, "tunable", "%s=\"%s\" refused: "
			    "outside [%u, %u]; keeping %u", path, p->p_value,
			    min, max, *val);
		else
			pv_log(PV_LOG_ERR, "tunable", "%s=\"%s\" refused: "
			    "not a number; keeping %u", path, p->p_value, *val);
	}
	return (c);
}

struct pv_ctl *
pv_ctl_tunable(struct pv_ctl *parent, const char *name, uint32_t *val,
    uint32_t min, uint32_t max, const char *descr)
{
	struct pv_ctl *c;

	pv_mtx_lock(&ctl_mtx);
	c = ctl_tunable(parent, name, val, min, max, descr);
	pv_mtx_unlock(&ctl_mtx);
	return (c);
}

void
pv_ctl_tunables(struct pv_tunables *ts)
{
	const struct pv_tunable *t;
	struct pv_ctl *n = &ctl_root;
	char name[CTL_NAME_MAX];
	const char *path;
	size_t i, len;

	pv_mtx_lock(&ctl_mtx);
	if (ts->ts_gen == ctl_gen)
		goto out;
	ts->ts_gen = ctl_gen;
	for (path = ts->ts_node; n != NULL && *path != '\0';
	    path += len + (path[len] == '.')) {
		len = strcspn(path, ".");
		/* A name too long stays "", which ctl_add refuses. */
		name[0] = '\0';
		if (len < sizeof(name)) {
			memcpy(name, path, len);
			name[len] = '\0';
		}
		n = ctl_add(n, name, CTL_NODE, NULL);
	}
	for (i = 0; i < ts->ts_n; i++) {
		t = &ts->ts_list[i];
		/* A value left from an earlier kernel is not a preset. */
		pv_store_relaxed(t->t_val, t->t_default);
		if (n != NULL)
			(void)ctl_tunable(n, t->t_name, t->t_val, t->t_min,
			    t->t_max, t->t_descr);
	}
out:
	pv_mtx_unlock(&ctl_mtx);
}

static void
ctl_free(struct pv_ctl *c)
{
	struct pv_ctl *child, *tmp;

	TAILQ_FOREACH_SAFE(child, &c->c_children, c_link, tmp)
		ctl_free(child);
	pv_free(c);
}

void
pv_ctl_remove(struct pv_ctl *c)
{
	if (c == NULL)
		return;
	pv_mtx_lock(&ctl_mtx);
	TAILQ_REMOVE(&c->c_parent->c_children, c, c_link);
	ctl_free(c);
	pv_mtx_unlock(&ctl_mtx);
}

static int
ctl_format(const struct pv_ctl *c, char *buf, size_t len)
{
	switch (c->c_kind) {
	case CTL_COUNTER:
		snprintf(buf, len, "%llu",
		    (unsigned long long)pv_load_relaxed(c->c_v.counter));
		return (0);
	case CTL_TUNABLE:
		snprintf(buf, len, "%u", pv_load_relaxed(c->c_v.tun));
		return (0);
	case CTL_STRING:
		pv_strlcpy(buf, c->c_v.str, len);
		return (0);
	case CTL_NODE:
		break;
	}
	return (EISDIR);
}

int
pv_ctl_get(const char *path, char *buf, size_t len)
{
	struct pv_ctl *c;
	int error;

	pv_mtx_lock(&ctl_mtx);
	c = ctl_lookup(path);
	error = c == NULL ? ENOENT : ctl_format(c, buf, len);
	pv_mtx_unlock(&ctl_mtx);
	return (error);
}

int
pv_ctl_set(const char *path, const char *value)
{
	struct pv_ctl *c;
	uint32_t v;
	int error;

	pv_mtx_lock(&ctl_mtx);
	c = ctl_lookup(path);
	if (c == NULL)
		error = ENOENT;
	else if (c->c_kind != CTL_TUNABLE)
		error = EPERM;
	else if ((error = tunable_parse(c, value, &v)) != 0)
		error = EINVAL;
	else
		pv_store_relaxed(c->c_v.tun, v);
	pv_mtx_unlock(&ctl_mtx);
	return (error);
}

static int
ctl_walk(const struct pv_ctl *c, pv_ctl_walk_fn_t *fn, void *arg)
{
	char path[PV_CTL_PATH_MAX], value[PV_CTL_VALUE_MAX];
	const struct pv_ctl *child;
	int error;

	if (c->c_kind != CTL_NODE) {
		ctl_path(c, path, sizeof(path));
		ctl_format(c, value, sizeof(value));
		return (fn(path, value, c->c_descr, arg));
	}
	TAILQ_FOREACH(child, &c->c_children, c_link) {
		if ((error = ctl_walk(child, fn, arg)) != 0)
			return (error);
	}
	return (0);
}

int
pv_ctl_walk(const char *prefix, pv_ctl_walk_fn_t *fn, void *arg)
{
	struct pv_ctl *c;
	int error;

	pv_mtx_lock(&ctl_mtx);
	c = ctl_lookup(prefix);
	error = c == NULL ? ENOENT : ctl_walk(c, fn, arg);
	pv_mtx_unlock(&ctl_mtx);
	return (error);
}

int
pv_tunable_set(const char *path, const char *value)
{
	struct preset *p;

	if (strlen(path) >= sizeof(p->p_path) ||
	    strlen(value) >= sizeof(p->p_value) || path[0] == '\0')
		return (EINVAL);
	pv_mtx_lock(&ctl_mtx);
	TAILQ_FOREACH(p, &presets, p_link) {
		if (strcmp(p->p_path, path) == 0)
			break;
	}
	if (p == NULL) {
		p = pv_malloc(sizeof(*p), PV_M_ZERO);
		pv_strlcpy(p->p_path, path, sizeof(p->p_path));
		TAILQ_INSERT_TAIL(&presets, p, p_link);
	}
	pv_strlcpy(p->p_value, value, sizeof(p->p_value));
	pv_mtx_unlock(&ctl_mtx);
	return (0);
}

int
pv_tunable_parse(const char *assignment)
{
	char path[PV_CTL_PATH_MAX];
	const char *eq;

	eq = strchr(assignment, '=');
	if (eq == NULL || (size_t)(eq - assignment) >= sizeof(path))
		return (EINVAL);
	memcpy(path, assignment, eq - assignment);
	path[eq - assignment] = '\0';
	return (pv_tunable_set(path, eq + 1));
}

void
pv_tunable_clear(void)
{
	struct preset *p;

	pv_mtx_lock(&ctl_mtx);
	while ((p = TAILQ_FIRST(&presets)) != NULL) {
		TAILQ_REMOVE(&presets, p, p_link);
		pv_free(p);
	}
	pv_mtx_unlock(&ctl_mtx);
}

void
pv_ctl_init(void)
{
	static const char *const roots[] = {
		"dev", "disk", "hw", "intr", "kern",
	};
	size_t i;

	pv_mtx_init(&ctl_mtx, "sysctl");
	ctl_gen++;
	memset(&ctl_root, 0, sizeof(ctl_root));
	TAILQ_INIT(&ctl_root.c_children);
	/* The standard top level, there from boot as in sysctl(9). */
	for (i = 0; i < nitems(roots); i++)
		(void)pv_ctl_node(NULL, roots[i]);
}

void
pv_ctl_fini(void)
{
	struct pv_ctl *c, *tmp;

	pv_tunable_clear();
	TAILQ_FOREACH_SAFE(c, &ctl_root.c_children, c_link, tmp)
		ctl_free(c);
	TAILQ_INIT(&ctl_root.c_children);
	pv_mtx_destroy(&ctl_mtx);
}
