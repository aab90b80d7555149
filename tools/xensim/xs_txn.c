/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Transactions.  Each works on its own copy of the tree and records every
 * path it read or changed with the generation it saw.  Commit fails with
 * EAGAIN if any of those nodes changed meanwhile; otherwise its changes
 * are replayed on the live tree, which fires their watches then.
 */
#include <stdlib.h>
#include <string.h>

#include "xs_impl.h"

int
xs_txn_start(struct xs_conn *c, uint32_t *idp)
{
	struct xsd *xsd = c->c_xsd;
	struct xs_txn *x;

	if (!c->c_privileged && c->c_ntxns >= XS_QUOTA_TXNS)
		return (ENOSPC);
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return (ENOMEM);
	if (xs_tree_clone(&x->x_view, &xsd->x_tree) != 0) {
		free(x);
		return (ENOMEM);
	}
	TAILQ_INIT(&x->x_accessed);
	TAILQ_INIT(&x->x_ops);
	/* Never 0, which means "no transaction". */
	do {
		x->x_id = xsd->x_next_txid++;
	} while (x->x_id == 0 || xs_txn_find(c, x->x_id) != NULL);
	TAILQ_INSERT_TAIL(&c->c_txns, x, x_link);
	c->c_ntxns++;
	*idp = x->x_id;
	return (0);
}

struct xs_txn *
xs_txn_find(struct xs_conn *c, uint32_t id)
{
	struct xs_txn *x;

	TAILQ_FOREACH(x, &c->c_txns, x_link) {
		if (x->x_id == id)
			return (x);
	}
	return (NULL);
}

void
xs_txn_free(struct xs_conn *c, struct xs_txn *x)
{
	struct xs_access *a;
	struct xs_op *o;

	TAILQ_REMOVE(&c->c_txns, x, x_link);
	c->c_ntxns--;
	while ((a = TAILQ_FIRST(&x->x_accessed)) != NULL) {
		TAILQ_REMOVE(&x->x_accessed, a, a_link);
		free(a->a_path);
		free(a);
	}
	while ((o = TAILQ_FIRST(&x->x_ops)) != NULL) {
		TAILQ_REMOVE(&x->x_ops, o, o_link);
		free(o->o_path);
		free(o->o_val);
		free(o->o_perms);
		free(o);
	}
	xs_tree_fini(&x->x_view);
	free(x);
}

void
xs_txn_note_access(struct xs_txn *x, const char *path)
{
	const struct xs_node *n;
	struct xs_access *a;

	TAILQ_FOREACH(a, &x->x_accessed, a_link) {
		if (strcmp(a->a_path, path) == 0)
			return;		/* the first sighting counts */
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return;
	if ((a->a_path = strdup(path)) == NULL) {
		free(a);
		return;
	}
	n = xs_tree_lookup(&x->x_view, path);
	a->a_gen = n != NULL ? n->n_gen : 0;
	TAILQ_INSERT_TAIL(&x->x_accessed, a, a_link);
}

int
xs_txn_log(struct xs_txn *x, enum xs_op_type type, const char *path,
    const char *val, size_t len, const struct xs_perm *perms,
    unsigned nperms, uint32_t domid)
{
	struct xs_op *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return (ENOMEM);
	o->o_type = type;
	o->o_domid = domid;
	o->o_len = len;
	if ((o->o_path = strdup(path)) == NULL)
		goto fail;
	if (val != NULL) {
		if ((o->o_val = malloc(len + 1)) == NULL)
			goto fail;
		memcpy(o->o_val, val, len);
	}
	if (nperms > 0) {
		if ((o->o_perms = malloc(nperms * sizeof(*perms))) == NULL)
			goto fail;
		memcpy(o->o_perms, perms, nperms * sizeof(*perms));
		o->o_nperms = nperms;
	}
	TAILQ_INSERT_TAIL(&x->x_ops, o, o_link);
	return (0);
fail:
	free(o->o_path);
	free(o->o_val);
	free(o);
	return (ENOMEM);
}

static bool
txn_conflicts(const struct xs_txn *x, const struct xs_tree *live)
{
	const struct xs_access *a;
	const struct xs_node *n;

	TAILQ_FOREACH(a, &x->x_accessed, a_link) {
		n = xs_tree_lookup(live, a->a_path);
		if ((n != NULL ? n->n_gen : 0) != a->a_gen)
			return (true);
	}
	return (false);
}

int
xs_txn_end(struct xs_conn *c, uint32_t id, bool commit)
{
	struct xs_where w = {
		.w_xsd = c->c_xsd,
		.w_tree = &c->c_xsd->x_tree,
		.w_privileged = true,	/* checked when first applied */
	};
	struct xs_txn *x;
	struct xs_op *o;
	int error = 0;

	if ((x = xs_txn_find(c, id)) == NULL)
		return (ENOENT);
	if (commit && txn_conflicts(x, &c->c_xsd->x_tree))
		error = EAGAIN;
	else if (commit) {
		TAILQ_FOREACH(o, &x->x_ops, o_link) {
			w.w_domid = o->o_domid;
			switch (o->o_type) {
			case XS_OP_WRITE:
				(void)xs_do_write(&w, o->o_path, o->o_val,
				    o->o_len);
				break;
			case XS_OP_MKDIR:
				(void)xs_do_mkdir(&w, o->o_path);
				break;
			case XS_OP_RM:
				(void)xs_do_rm(&w, o->o_path);
				break;
			case XS_OP_SETPERMS:
				(void)xs_do_set_perms(&w, o->o_path,
				    o->o_perms, o->o_nperms);
				break;
			}
		}
	}
	xs_txn_free(c, x);
	return (error);
}
