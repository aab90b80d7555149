/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The xenstore tree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pv/libkern.h>
#include <xen/xen.h>

#include "xs_tree.h"

static struct xs_node *
node_new(const char *name, size_t namelen, struct xs_node *parent)
{
	struct xs_node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return (NULL);
	if ((n->n_name = strndup(name, namelen)) == NULL) {
		free(n);
		return (NULL);
	}
	TAILQ_INIT(&n->n_children);
	n->n_parent = parent;
	return (n);
}

static void
node_free(struct xs_node *n)
{
	struct xs_node *c, *tmp;

	TAILQ_FOREACH_SAFE(c, &n->n_children, n_link, tmp)
		node_free(c);
	free(n->n_name);
	free(n->n_value);
	free(n->n_perms);
	free(n);
}

static int
node_set_perms(struct xs_node *n, const struct xs_perm *perms, unsigned np)
{
	struct xs_perm *p;

	if ((p = malloc(np * sizeof(*p))) == NULL)
		return (ENOMEM);
	memcpy(p, perms, np * sizeof(*p));
	free(n->n_perms);
	n->n_perms = p;
	n->n_nperms = np;
	return (0);
}

int
xs_tree_init(struct xs_tree *t)
{
	/* The root: owned by dom0, readable by nobody else, as xenstored. */
	static const struct xs_perm rootperm = { 0, XS_PERM_NONE };

	t->t_gen = 1;
	t->t_nnodes = 1;
	if ((t->t_root = node_new("", 0, NULL)) == NULL)
		return (ENOMEM);
	if (node_set_perms(t->t_root, &rootperm, 1) != 0) {
		node_free(t->t_root);
		return (ENOMEM);
	}
	return (0);
}

void
xs_tree_fini(struct xs_tree *t)
{
	if (t->t_root != NULL)
		node_free(t->t_root);
	t->t_root = NULL;
}

static struct xs_node *
node_clone(const struct xs_node *src, struct xs_node *parent)
{
	const struct xs_node *sc;
	struct xs_node *n, *c;

	if ((n = node_new(src->n_name, strlen(src->n_name), parent)) == NULL)
		return (NULL);
	n->n_gen = src->n_gen;
	if (node_set_perms(n, src->n_perms, src->n_nperms) != 0)
		goto fail;
	if (src->n_value != NULL) {
		if ((n->n_value = malloc(src->n_vlen + 1)) == NULL)
			goto fail;
		memcpy(n->n_value, src->n_value, src->n_vlen + 1);
		n->n_vlen = src->n_vlen;
	}
	TAILQ_FOREACH(sc, &src->n_children, n_link) {
		if ((c = node_clone(sc, n)) == NULL)
			goto fail;
		TAILQ_INSERT_TAIL(&n->n_children, c, n_link);
	}
	return (n);
fail:
	node_free(n);
	return (NULL);
}

int
xs_tree_clone(struct xs_tree *dst, const struct xs_tree *src)
{
	dst->t_gen = src->t_gen;
	dst->t_nnodes = src->t_nnodes;
	dst->t_root = node_clone(src->t_root, NULL);
	return (dst->t_root == NULL ? ENOMEM : 0);
}

static struct xs_node *
child_of(const struct xs_node *n, const char *name, size_t len)
{
	struct xs_node *c;

	TAILQ_FOREACH(c, &n->n_children, n_link) {
		if (strncmp(c->n_name, name, len) == 0 &&
		    c->n_name[len] == '\0')
			return (c);
	}
	return (NULL);
}

/*
 * Walk an absolute path; stop at the deepest existing node and report
 * where the unmatched rest begins.
 */
static struct xs_node *
walk(const struct xs_tree *t, const char *path, const char **restp)
{
	struct xs_node *n = t->t_root, *c;
	const char *p = path, *slash;

	while (*p == '/')
		p++;
	while (*p != '\0') {
		slash = strchr(p, '/');
		if (slash == NULL)
			slash = p + strlen(p);
		c = child_of(n, p, slash - p);
		if (c == NULL)
			break;
		n = c;
		p = *slash == '/' ? slash + 1 : slash;
	}
	*restp = p;
	return (n);
}

struct xs_node *
xs_tree_lookup(const struct xs_tree *t, const char *path)
{
	struct xs_node *n;
	const char *rest;

	n = walk(t, path, &rest);
	return (*rest == '\0' ? n : NULL);
}

struct xs_node *
xs_tree_nearest(const struct xs_tree *t, const char *path)
{
	const char *rest;

	return (walk(t, path, &rest));
}

bool
xs_node_allows(const struct xs_node *n, uint32_t domid, bool privileged,
    char want)
{
	char perm;
	unsigned i;

	if (privileged || n->n_perms[0].p_domid == domid)
		return (true);
	perm = n->n_perms[0].p_perm;
	for (i = 1; i < n->n_nperms; i++) {
		if (n->n_perms[i].p_domid == domid) {
			perm = n->n_perms[i].p_perm;
			break;
		}
	}
	return (perm == XS_PERM_BOTH || perm == want);
}

static void
touch(struct xs_tree *t, struct xs_node *n)
{
	n->n_gen = ++t->t_gen;
}

/* Create the missing components of path below the deepest existing node. */
static int
create_path(struct xs_tree *t, const char *path, uint32_t domid,
    struct xs_node **np, bool *created)
{
	struct xs_node *n, *c;
	const char *rest, *slash;

	n = walk(t, path, &rest);
	*created = *rest != '\0';
	while (*rest != '\0') {
		slash = strchr(rest, '/');
		if (slash == NULL)
			slash = rest + strlen(rest);
		if ((c = node_new(rest, slash - rest, n)) == NULL)
			return (ENOMEM);
		if (node_set_perms(c, n->n_perms, n->n_nperms) != 0) {
			node_free(c);
			return (ENOMEM);
		}
		/* A guest owns what it creates; dom0 keeps the parent's owner. */
		if (domid != 0)
			c->n_perms[0].p_domid = domid;
		TAILQ_INSERT_TAIL(&n->n_children, c, n_link);
		t->t_nnodes++;
		touch(t, n);
		touch(t, c);
		n = c;
		rest = *slash == '/' ? slash + 1 : slash;
	}
	*np = n;
	return (0);
}

int
xs_tree_write(struct xs_tree *t, const char *path, const char *val,
    size_t len, uint32_t domid, bool *created)
{
	struct xs_node *n;
	char *v;
	int error;

	if ((v = malloc(len + 1)) == NULL)
		return (ENOMEM);
	memcpy(v, val, len);
	v[len] = '\0';
	if ((error = create_path(t, path, domid, &n, created)) != 0) {
		free(v);
		return (error);
	}
	free(n->n_value);
	n->n_value = v;
	n->n_vlen = len;
	touch(t, n);
	return (0);
}

int
xs_tree_mkdir(struct xs_tree *t, const char *path, uint32_t domid)
{
	struct xs_node *n;
	bool created;

	return (create_path(t, path, domid, &n, &created));
}

int
xs_tree_rm(struct xs_tree *t, const char *path)
{
	struct xs_node *n;

	if ((n = xs_tree_lookup(t, path)) == NULL)
		return (ENOENT);
	if (n == t->t_root)
		return (EINVAL);
	TAILQ_REMOVE(&n->n_parent->n_children, n, n_link);
	touch(t, n->n_parent);
	t->t_nnodes -= xs_node_count(n);
	node_free(n);
	return (0);
}

int
xs_tree_set_perms(struct xs_tree *t, const char *path,
    const struct xs_perm *perms, unsigned nperms)
{
	struct xs_node *n;
	int error;

	if ((n = xs_tree_lookup(t, path)) == NULL)
		return (ENOENT);
	if (nperms == 0)
		return (EINVAL);
	if ((error = node_set_perms(n, perms, nperms)) != 0)
		return (error);
	touch(t, n);
	return (0);
}

unsigned
xs_node_count(const struct xs_node *n)
{
	const struct xs_node *c;
	unsigned count = 1;

	TAILQ_FOREACH(c, &n->n_children, n_link)
		count += xs_node_count(c);
	return (count);
}

int
xs_perm_parse(const char *s, struct xs_perm *p)
{
	uint64_t domid;

	if (s[0] != XS_PERM_NONE && s[0] != XS_PERM_READ &&
	    s[0] != XS_PERM_WRITE && s[0] != XS_PERM_BOTH)
		return (EINVAL);
	/* Decimal only: pv_strtou64 would also take 0x. */
	if (s[1] == '0' && s[2] != '\0')
		return (EINVAL);
	if (pv_strtou64(s + 1, DOMID_FIRST_RESERVED - 1, &domid) != 0)
		return (EINVAL);
	p->p_perm = s[0];
	p->p_domid = (uint32_t)domid;
	return (0);
}

int
xs_perm_format(const struct xs_perm *p, char *buf, size_t len)
{
	return (snprintf(buf, len, "%c%u", p->p_perm, p->p_domid));
}
