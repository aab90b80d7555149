/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xenstored requests.  Every request is parsed from a NUL-terminated copy
 * of its payload; every path is checked for length and characters before
 * it touches the tree; every reply echoes the request and transaction ids.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pv/libkern.h>

#include "xs_impl.h"

#define	MAX_ARGS	(XS_MAX_PERMS + 2)

int
xs_canon(uint32_t domid, const char *in, char *out, size_t outlen,
    bool *relative)
{
	size_t len = strlen(in), i;

	if (len == 0)
		return (EINVAL);
	*relative = in[0] != '/';
	if (*relative) {
		if (len > XENSTORE_REL_PATH_MAX)
			return (EINVAL);
		if ((size_t)snprintf(out, outlen, "/local/domain/%u/%s", domid,
		    in) >= outlen)
			return (EINVAL);
	} else {
		if (len > XENSTORE_ABS_PATH_MAX || len >= outlen)
			return (EINVAL);
		memcpy(out, in, len + 1);
	}
	len = strlen(out);
	if (len > XENSTORE_ABS_PATH_MAX)
		return (EINVAL);
	for (i = 0; i < len; i++) {
		char ch = out[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '/' ||
		    ch == '_' || ch == '@'))
			return (EINVAL);
		if (ch == '/' && out[i + 1] == '/')
			return (EINVAL);
	}
	if (len > 1 && out[len - 1] == '/')
		return (EINVAL);
	return (0);
}

static unsigned
owned_by(const struct xs_node *n, uint32_t domid)
{
	const struct xs_node *c;
	unsigned count = n->n_perms[0].p_domid == domid;

	TAILQ_FOREACH(c, &n->n_children, n_link)
		count += owned_by(c, domid);
	return (count);
}

/* Before creating what path lacks: permission and quota. */
static int
may_create(struct xs_where *w, const char *path)
{
	const struct xs_node *parent;

	parent = xs_tree_nearest(w->w_tree, path);
	if (!xs_node_allows(parent, w->w_domid, w->w_privileged, 'w'))
		return (EACCES);
	if (w->w_tree->t_nnodes >= XS_TREE_MAX_NODES)
		return (ENOSPC);
	if (!w->w_privileged &&
	    owned_by(w->w_tree->t_root, w->w_domid) >= XS_QUOTA_NODES)
		return (ENOSPC);
	return (0);
}

/* Cut an absolute path back to its parent; false for "/" itself. */
static bool
path_up(char *buf)
{
	char *slash = strrchr(buf, '/');

	if (slash == NULL || (slash == buf && buf[1] == '\0'))
		return (false);
	if (slash == buf)
		slash[1] = '\0';
	else
		*slash = '\0';
	return (true);
}

/* A transaction remembers each path it touched with the generation seen. */
static void
note_path(struct xs_where *w, const char *path)
{
	char buf[XS_PATH_BUF];

	if (w->w_txn == NULL)
		return;
	pv_strlcpy(buf, path, sizeof(buf));
	/*
	 * Created ancestors matter too, and so does the existing one they
	 * hang from, the root included: creating them changes its
	 * generation in our view, and a later first sighting would record
	 * that instead of the one we started from.
	 */
	do {
		xs_txn_note_access(w->w_txn, buf);
	} while (xs_tree_lookup(w->w_tree, buf) == NULL && path_up(buf));
}

static void
note_parent(struct xs_where *w, const char *path)
{
	char buf[XS_PATH_BUF];

	if (w->w_txn == NULL)
		return;
	pv_strlcpy(buf, path, sizeof(buf));
	if (path_up(buf))
		xs_txn_note_access(w->w_txn, buf);
}

int
xs_do_write(struct xs_where *w, const char *path, const char *val,
    size_t len)
{
	const struct xs_node *n;
	bool created;
	int error;

	if (!w->w_privileged && len > XS_QUOTA_ENTRY)
		return (ENOSPC);
	n = xs_tree_lookup(w->w_tree, path);
	if (n != NULL && !xs_node_allows(n, w->w_domid, w->w_privileged, 'w'))
		return (EACCES);
	if (n == NULL && (error = may_create(w, path)) != 0)
		return (error);
	note_path(w, path);
	note_parent(w, path);
	error = xs_tree_write(w->w_tree, path, val, len, w->w_domid,
	    &created);
	if (error != 0)
		return (error);
	if (w->w_txn != NULL)
		return (xs_txn_log(w->w_txn, XS_OP_WRITE, path, val, len, NULL,
		    0, w->w_domid));
	xs_watch_fire(w->w_xsd, path, xs_tree_lookup(w->w_tree, path), false);
	return (0);
}

int
xs_do_mkdir(struct xs_where *w, const char *path)
{
	int error;

	if (xs_tree_lookup(w->w_tree, path) != NULL) {
		if (w->w_txn != NULL)
			xs_txn_note_access(w->w_txn, path);
		return (0);
	}
	if ((error = may_create(w, path)) != 0)
		return (error);
	note_path(w, path);
	note_parent(w, path);
	if ((error = xs_tree_mkdir(w->w_tree, path, w->w_domid)) != 0)
		return (error);
	if (w->w_txn != NULL)
		return (xs_txn_log(w->w_txn, XS_OP_MKDIR, path, NULL, 0, NULL,
		    0, w->w_domid));
	xs_watch_fire(w->w_xsd, path, xs_tree_lookup(w->w_tree, path), false);
	return (0);
}

static bool
parent_exists(const struct xs_tree *t, const char *path)
{
	char buf[XS_PATH_BUF];

	pv_strlcpy(buf, path, sizeof(buf));
	return (path_up(buf) && xs_tree_lookup(t, buf) != NULL);
}

int
xs_do_rm(struct xs_where *w, const char *path)
{
	const struct xs_node *n;

	if (strcmp(path, "/") == 0)
		return (EINVAL);
	n = xs_tree_lookup(w->w_tree, path);
	if (w->w_txn != NULL) {
		xs_txn_note_access(w->w_txn, path);
		note_parent(w, path);
	}
	if (n == NULL)
		return (parent_exists(w->w_tree, path) ? 0 : ENOENT);
	if (!xs_node_allows(n, w->w_domid, w->w_privileged, 'w'))
		return (EACCES);
	if (w->w_txn != NULL) {
		xs_tree_rm(w->w_tree, path);
		return (xs_txn_log(w->w_txn, XS_OP_RM, path, NULL, 0, NULL, 0,
		    w->w_domid));
	}
	/* Watchers are judged against the node while it still exists. */
	xs_watch_fire(w->w_xsd, path, n, true);
	return (xs_tree_rm(w->w_tree, path));
}

int
xs_do_set_perms(struct xs_where *w, const char *path,
    const struct xs_perm *perms, unsigned nperms)
{
	const struct xs_node *n;
	int error;

	if ((n = xs_tree_lookup(w->w_tree, path)) == NULL)
		return (ENOENT);
	if (!w->w_privileged && n->n_perms[0].p_domid != w->w_domid)
		return (EACCES);
	if (!w->w_privileged && nperms > XS_QUOTA_PERMS)
		return (ENOSPC);
	/* A domain may not give its node away. */
	if (!w->w_privileged && perms[0].p_domid != w->w_domid)
		return (EPERM);
	if (w->w_txn != NULL)
		xs_txn_note_access(w->w_txn, path);
	error = xs_tree_set_perms(w->w_tree, path, perms, nperms);
	if (error != 0)
		return (error);
	if (w->w_txn != NULL)
		return (xs_txn_log(w->w_txn, XS_OP_SETPERMS, path, NULL, 0,
		    perms, nperms, w->w_domid));
	xs_watch_fire(w->w_xsd, path, xs_tree_lookup(w->w_tree, path), false);
	return (0);
}

/*
 * Split a payload into NUL-terminated strings.  Returns how many, or -1
 * when the last one lacks its terminator.
 */
static int
split_args(char *payload, size_t len, char **argv, int max)
{
	size_t i, start = 0;
	int n = 0;

	if (len == 0)
		return (0);
	if (payload[len - 1] != '\0')
		return (-1);
	for (i = 0; i < len; i++) {
		if (payload[i] != '\0')
			continue;
		if (n == max)
			return (-1);
		argv[n++] = payload + start;
		start = i + 1;
	}
	return (n);
}

static void
reply_ok(struct xs_conn *c, const struct xsd_sockmsg *h)
{
	xs_send(c, h->type, h->req_id, h->tx_id, "OK", 3);
}

static void
reply_str(struct xs_conn *c, const struct xsd_sockmsg *h, const char *s)
{
	xs_send(c, h->type, h->req_id, h->tx_id, s, strlen(s) + 1);
}

static int
do_read(struct xs_conn *c, const struct xsd_sockmsg *h, struct xs_where *w,
    const char *path)
{
	const struct xs_node *n;

	if (w->w_txn != NULL)
		xs_txn_note_access(w->w_txn, path);
	if ((n = xs_tree_lookup(w->w_tree, path)) == NULL)
		return (ENOENT);
	if (!xs_node_allows(n, w->w_domid, w->w_privileged, 'r'))
		return (EACCES);
	xs_send(c, h->type, h->req_id, h->tx_id, n->n_value, n->n_vlen);
	return (0);
}

static int
do_directory(struct xs_conn *c, const struct xsd_sockmsg *h,
    struct xs_where *w, const char *path, const char *offarg)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	const struct xs_node *n, *child;
	size_t len = 0, nl, off = 0, skip;
	uint64_t v;

	if (w->w_txn != NULL)
		xs_txn_note_access(w->w_txn, path);
	if ((n = xs_tree_lookup(w->w_tree, path)) == NULL)
		return (ENOENT);
	if (!xs_node_allows(n, w->w_domid, w->w_privileged, 'r'))
		return (EACCES);
	if (offarg != NULL) {
		/* DIRECTORY_PART: "<generation>\0" then names from offset. */
		if (pv_strtou64(offarg, UINT32_MAX, &v) != 0)
			return (EINVAL);
		off = (size_t)v;
		len = (size_t)snprintf(buf, sizeof(buf), "%" PRIu64,
		    n->n_gen) + 1;
	}
	skip = off;
	TAILQ_FOREACH(child, &n->n_children, n_link) {
		nl = strlen(child->n_name) + 1;
		if (skip >= nl) {
			skip -= nl;
			continue;
		}
		if (skip != 0)		/* offset inside a name */
			return (EINVAL);
		if (len + nl + (offarg != NULL) > sizeof(buf)) {
			if (offarg == NULL)
				return (E2BIG);
			xs_send(c, h->type, h->req_id, h->tx_id, buf, len);
			return (0);
		}
		memcpy(buf + len, child->n_name, nl);
		len += nl;
	}
	if (offarg != NULL)
		buf[len++] = '\0';	/* the list is complete */
	xs_send(c, h->type, h->req_id, h->tx_id, buf, len);
	return (0);
}

static int
do_get_perms(struct xs_conn *c, const struct xsd_sockmsg *h,
    struct xs_where *w, const char *path)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	const struct xs_node *n;
	size_t len = 0;
	unsigned i;

	if (w->w_txn != NULL)
		xs_txn_note_access(w->w_txn, path);
	if ((n = xs_tree_lookup(w->w_tree, path)) == NULL)
		return (ENOENT);
	if (!xs_node_allows(n, w->w_domid, w->w_privileged, 'r'))
		return (EACCES);
	for (i = 0; i < n->n_nperms; i++)
		len += (size_t)xs_perm_format(&n->n_perms[i], buf + len,
		    sizeof(buf) - len) + 1;
	xs_send(c, h->type, h->req_id, h->tx_id, buf, len);
	return (0);
}

static int
parse_domid(const char *s, uint32_t *domid)
{
	uint64_t v;

	if (pv_strtou64(s, DOMID_FIRST_RESERVED - 1, &v) != 0)
		return (EINVAL);
	*domid = (uint32_t)v;
	return (0);
}

static int
do_domain(struct xs_conn *c, const struct xsd_sockmsg *h, char **argv,
    int argc)
{
	struct xsd *xsd = c->c_xsd;
	const struct xsd_hooks *hk = &xsd->x_hooks;
	uint64_t gfn, port;
	char buf[64];
	uint32_t domid;
	int error;

	if (argc < 1 || parse_domid(argv[0], &domid) != 0)
		return (EINVAL);
	if (h->type == XS_GET_DOMAIN_PATH) {
		snprintf(buf, sizeof(buf), "/local/domain/%u", domid);
		reply_str(c, h, buf);
		return (0);
	}
	if (!c->c_privileged)
		return (EACCES);
	switch (h->type) {
	case XS_INTRODUCE:
		if (argc != 3 || pv_strtou64(argv[1], UINT64_MAX, &gfn) != 0 ||
		    pv_strtou64(argv[2], UINT32_MAX, &port) != 0)
			return (EINVAL);
		if (hk->introduce == NULL)
			return (ENOSYS);
		if ((error = hk->introduce(hk->arg, domid, gfn,
		    (uint32_t)port)) != 0)
			return (error);
		reply_ok(c, h);
		xs_watch_fire(xsd, "@introduceDomain", NULL, false);
		return (0);
	case XS_RELEASE:
		if (hk->release == NULL)
			return (ENOSYS);
		if ((error = hk->release(hk->arg, domid)) != 0)
			return (error);
		reply_ok(c, h);
		xs_watch_fire(xsd, "@releaseDomain", NULL, false);
		return (0);
	case XS_IS_DOMAIN_INTRODUCED:
		reply_str(c, h, hk->is_introduced != NULL &&
		    hk->is_introduced(hk->arg, domid) ? "T" : "F");
		return (0);
	case XS_RESUME:
		if (hk->is_introduced == NULL ||
		    !hk->is_introduced(hk->arg, domid))
			return (ENOENT);
		reply_ok(c, h);
		return (0);
	}
	return (EINVAL);
}

static int
do_set_perms_req(struct xs_where *w, const char *path, char **argv, int argc)
{
	struct xs_perm perms[XS_MAX_PERMS];
	int i;

	if (argc < 1)
		return (EINVAL);
	/* A payload has room for more than a node may hold. */
	if (argc > XS_MAX_PERMS)
		return (ENOSPC);
	for (i = 0; i < argc; i++) {
		if (xs_perm_parse(argv[i], &perms[i]) != 0)
			return (EINVAL);
	}
	return (xs_do_set_perms(w, path, perms, (unsigned)argc));
}

static int
dispatch(struct xs_conn *c, const struct xsd_sockmsg *h, char *payload)
{
	char *argv[MAX_ARGS], path[XS_PATH_BUF];
	struct xs_where w = {
		.w_xsd = c->c_xsd,
		.w_tree = &c->c_xsd->x_tree,
		.w_domid = c->c_domid,
		.w_privileged = c->c_privileged,
	};
	uint32_t txid;
	bool relative;
	size_t plen;
	int argc, error;

	/* WRITE's value is raw bytes after the path; all else is strings. */
	if (h->type == XS_WRITE) {
		plen = strnlen(payload, h->len);
		if (plen == h->len)
			return (EINVAL);
		argv[0] = payload;
		argc = 1;
	} else {
		argc = split_args(payload, h->len, argv, MAX_ARGS);
		if (argc < 0)
			return (EINVAL);
	}

	if (h->tx_id != 0 && h->type != XS_TRANSACTION_START) {
		w.w_txn = xs_txn_find(c, h->tx_id);
		if (w.w_txn == NULL)
			return (ENOENT);
		w.w_tree = &w.w_txn->x_view;
	}

	switch (h->type) {
	case XS_READ:
	case XS_WRITE:
	case XS_MKDIR:
	case XS_RM:
	case XS_DIRECTORY:
	case XS_DIRECTORY_PART:
	case XS_GET_PERMS:
	case XS_SET_PERMS:
		if (argc < 1)
			return (EINVAL);
		if ((error = xs_canon(c->c_domid, argv[0], path, sizeof(path),
		    &relative)) != 0)
			return (error);
		break;
	}

	switch (h->type) {
	case XS_READ:
		return (argc == 1 ? do_read(c, h, &w, path) : EINVAL);
	case XS_WRITE:
		plen = strlen(payload) + 1;
		error = xs_do_write(&w, path, payload + plen, h->len - plen);
		break;
	case XS_MKDIR:
		error = argc == 1 ? xs_do_mkdir(&w, path) : EINVAL;
		break;
	case XS_RM:
		error = argc == 1 ? xs_do_rm(&w, path) : EINVAL;
		break;
	case XS_DIRECTORY:
		return (argc == 1 ? do_directory(c, h, &w, path, NULL) :
		    EINVAL);
	case XS_DIRECTORY_PART:
		return (argc == 2 ? do_directory(c, h, &w, path, argv[1]) :
		    EINVAL);
	case XS_GET_PERMS:
		return (argc == 1 ? do_get_perms(c, h, &w, path) : EINVAL);
	case XS_SET_PERMS:
		error = do_set_perms_req(&w, path, argv + 1, argc - 1);
		break;
	case XS_WATCH:
		if (argc != 2)
			return (EINVAL);
		if ((error = xs_watch_add(c, argv[0], argv[1])) != 0)
			return (error);
		reply_ok(c, h);
		/* The first event tells the watcher it is in place. */
		xs_send(c, XS_WATCH_EVENT, 0, 0, payload, h->len);
		return (0);
	case XS_UNWATCH:
		error = argc == 2 ? xs_watch_del(c, argv[0], argv[1]) : EINVAL;
		break;
	case XS_TRANSACTION_START:
		if (h->tx_id != 0)
			return (EBUSY);
		if ((error = xs_txn_start(c, &txid)) != 0)
			return (error);
		snprintf(path, sizeof(path), "%u", txid);
		reply_str(c, h, path);
		return (0);
	case XS_TRANSACTION_END:
		if (argc != 1 || (strcmp(argv[0], "T") != 0 &&
		    strcmp(argv[0], "F") != 0))
			return (EINVAL);
		if (h->tx_id == 0)
			return (ENOENT);
		error = xs_txn_end(c, h->tx_id, argv[0][0] == 'T');
		break;
	case XS_GET_DOMAIN_PATH:
	case XS_INTRODUCE:
	case XS_RELEASE:
	case XS_IS_DOMAIN_INTRODUCED:
	case XS_RESUME:
		return (do_domain(c, h, argv, argc));
	case XS_RESET_WATCHES:
		xs_watch_conn_gone(c->c_xsd, c);
		while (!TAILQ_EMPTY(&c->c_txns))
			xs_txn_free(c, TAILQ_FIRST(&c->c_txns));
		error = 0;
		break;
	case XS_CONTROL:
	case XS_SET_TARGET:
		return (ENOSYS);
	default:
		/* Unknown types, and WATCH_EVENT or ERROR sent to us. */
		return (EINVAL);
	}
	if (error == 0)
		reply_ok(c, h);
	return (error);
}

void
xs_dispatch(struct xs_conn *c, const struct xsd_sockmsg *hdr, char *payload)
{
	int error;

	if ((error = dispatch(c, hdr, payload)) != 0)
		xs_send_error(c, hdr, error);
}
