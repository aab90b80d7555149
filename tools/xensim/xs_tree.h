/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The xenstore tree: nodes with values, permissions and generations.
 * Pure data: no connections, no watches, no I/O.
 */
#ifndef _XS_TREE_H_
#define _XS_TREE_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pv/queue.h>

#define	XS_PERM_NONE	'n'
#define	XS_PERM_READ	'r'
#define	XS_PERM_WRITE	'w'
#define	XS_PERM_BOTH	'b'

struct xs_perm {
	uint32_t	p_domid;
	char		p_perm;		/* n, r, w or b */
};

struct xs_node {
	char			*n_name;	/* last component; "" for / */
	struct xs_node		*n_parent;
	TAILQ_HEAD(, xs_node)	 n_children;	/* in creation order */
	TAILQ_ENTRY(xs_node)	 n_link;
	char			*n_value;
	size_t			 n_vlen;
	/* n_perms[0] is the owner and everyone else's default. */
	struct xs_perm		*n_perms;
	unsigned		 n_nperms;
	uint64_t		 n_gen;		/* tree generation of last change */
};

struct xs_tree {
	struct xs_node	*t_root;
	uint64_t	 t_gen;
	unsigned	 t_nnodes;
};

int		 xs_tree_init(struct xs_tree *t);
void		 xs_tree_fini(struct xs_tree *t);
int		 xs_tree_clone(struct xs_tree *dst, const struct xs_tree *src);

struct xs_node	*xs_tree_lookup(const struct xs_tree *t, const char *path);
/* What domid may do on node: checks read ('r') or write ('w'). */
bool		 xs_node_allows(const struct xs_node *n, uint32_t domid,
		    bool privileged, char want);
/* The nearest existing node at or above path. */
struct xs_node	*xs_tree_nearest(const struct xs_tree *t, const char *path);

/*
 * Modifications.  Missing ancestors are created, each inheriting its
 * parent's permissions; a guest becomes the owner of what it creates,
 * while dom0 leaves the parent's owner in place, as xenstored does.  The generation of every changed node, and of the parent of each
 * created or removed node, is bumped.  Callers check permissions first.
 */
int	xs_tree_write(struct xs_tree *t, const char *path, const char *val,
	    size_t len, uint32_t domid, bool *created);
int	xs_tree_mkdir(struct xs_tree *t, const char *path, uint32_t domid);
int	xs_tree_rm(struct xs_tree *t, const char *path);
int	xs_tree_set_perms(struct xs_tree *t, const char *path,
	    const struct xs_perm *perms, unsigned nperms);

/* Parse "r0" style strings; returns 0 or EINVAL. */
int	xs_perm_parse(const char *s, struct xs_perm *p);
int	xs_perm_format(const struct xs_perm *p, char *buf, size_t len);

/* Number of nodes at and below n. */
unsigned	xs_node_count(const struct xs_node *n);

#endif /* !_XS_TREE_H_ */
