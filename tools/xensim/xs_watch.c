/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Watches.  A change to a node fires every watch on that node or on an
 * ancestor; removing a subtree also fires the watches set exactly on the
 * nodes inside it.  Implicitly created parents fire nothing.  A watcher
 * only hears of nodes it (or their parent) may read.  Paths that begin
 * with '@' are the special domain events, fired by name, for dom0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_impl.h"

static bool
is_under(const char *path, const char *top)
{
	size_t len = strlen(top);

	if (strcmp(top, "/") == 0)
		return (path[0] == '/');
	return (strncmp(path, top, len) == 0 &&
	    (path[len] == '\0' || path[len] == '/'));
}

int
xs_watch_add(struct xs_conn *c, const char *path, const char *token)
{
	char abspath[XS_PATH_BUF];
	struct xs_watch *w;
	bool relative = false;
	int error;

	if (path[0] == '@') {
		if (strcmp(path, "@introduceDomain") != 0 &&
		    strcmp(path, "@releaseDomain") != 0)
			return (EINVAL);
		strcpy(abspath, path);
	} else if ((error = xs_canon(c->c_domid, path, abspath,
	    sizeof(abspath), &relative)) != 0)
		return (error);
	TAILQ_FOREACH(w, &c->c_xsd->x_watches, w_link) {
		if (w->w_conn == c && strcmp(w->w_path, path) == 0 &&
		    strcmp(w->w_token, token) == 0)
			return (EEXIST);
	}
	if (!c->c_privileged && c->c_nwatches >= XS_QUOTA_WATCHES)
		return (E2BIG);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (ENOMEM);
	w->w_conn = c;
	w->w_relative = relative;
	w->w_path = strdup(path);
	w->w_abspath = strdup(abspath);
	w->w_token = strdup(token);
	if (w->w_path == NULL || w->w_abspath == NULL || w->w_token == NULL) {
		free(w->w_path);
		free(w->w_abspath);
		free(w->w_token);
		free(w);
		return (ENOMEM);
	}
	TAILQ_INSERT_TAIL(&c->c_xsd->x_watches, w, w_link);
	c->c_nwatches++;
	return (0);
}

static void
watch_free(struct xsd *xsd, struct xs_watch *w)
{
	TAILQ_REMOVE(&xsd->x_watches, w, w_link);
	w->w_conn->c_nwatches--;
	free(w->w_path);
	free(w->w_abspath);
	free(w->w_token);
	free(w);
}

int
xs_watch_del(struct xs_conn *c, const char *path, const char *token)
{
	struct xs_watch *w;

	TAILQ_FOREACH(w, &c->c_xsd->x_watches, w_link) {
		if (w->w_conn == c && strcmp(w->w_path, path) == 0 &&
		    strcmp(w->w_token, token) == 0) {
			watch_free(c->c_xsd, w);
			return (0);
		}
	}
	return (ENOENT);
}

void
xs_watch_conn_gone(struct xsd *xsd, struct xs_conn *c)
{
	struct xs_watch *w, *tmp;

	TAILQ_FOREACH_SAFE(w, &xsd->x_watches, w_link, tmp) {
		if (w->w_conn == c)
			watch_free(xsd, w);
	}
}

static void
send_event(struct xs_watch *w, const char *path)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t plen, tlen;
	char prefix[32];

	/* A relative watch hears relative paths. */
	if (w->w_relative) {
		snprintf(prefix, sizeof(prefix), "/local/domain/%u/",
		    w->w_conn->c_domid);
		if (strncmp(path, prefix, strlen(prefix)) == 0)
			path += strlen(prefix);
	}
	plen = strlen(path) + 1;
	tlen = strlen(w->w_token) + 1;
	if (plen + tlen > sizeof(buf))
		return;
	memcpy(buf, path, plen);
	memcpy(buf + plen, w->w_token, tlen);
	xs_send(w->w_conn, XS_WATCH_EVENT, 0, 0, buf, plen + tlen);
}

/* xenstored lets a watcher hear of a node it, or its parent, may read. */
static bool
may_see(const struct xs_watch *w, const struct xs_node *n)
{
	const struct xs_conn *c = w->w_conn;

	return (xs_node_allows(n, c->c_domid, c->c_privileged, 'r') ||
	    (n->n_parent != NULL && xs_node_allows(n->n_parent, c->c_domid,
	    c->c_privileged, 'r')));
}

/*
 * Below the root of a removal each node fires only the watches set
 * exactly on it, children first, as xenstored walks the subtree.
 */
static void
fire_removed(struct xsd *xsd, char *path, size_t len, const struct xs_node *n)
{
	const struct xs_node *c;
	struct xs_watch *w, *tmp;
	size_t nl;

	TAILQ_FOREACH(c, &n->n_children, n_link) {
		nl = strlen(c->n_name);
		if (len + 1 + nl >= XS_PATH_BUF)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, c->n_name, nl + 1);
		fire_removed(xsd, path, len + 1 + nl, c);
		TAILQ_FOREACH_SAFE(w, &xsd->x_watches, w_link, tmp) {
			if (strcmp(w->w_abspath, path) == 0 && may_see(w, c))
				send_event(w, path);
		}
		path[len] = '\0';
	}
}

void
xs_watch_fire(struct xsd *xsd, const char *abspath, const struct xs_node *n,
    bool recursive)
{
	char path[XS_PATH_BUF];
	struct xs_watch *w, *tmp;

	if (abspath[0] == '@') {
		/* Domain events are for dom0's eyes only. */
		TAILQ_FOREACH_SAFE(w, &xsd->x_watches, w_link, tmp) {
			if (w->w_conn->c_privileged &&
			    strcmp(w->w_abspath, abspath) == 0)
				send_event(w, abspath);
		}
		return;
	}
	if (recursive && n != NULL && strlen(abspath) < sizeof(path)) {
		strcpy(path, abspath);
		fire_removed(xsd, path, strlen(path), n);
	}
	TAILQ_FOREACH_SAFE(w, &xsd->x_watches, w_link, tmp) {
		if (w->w_abspath[0] == '@' || !is_under(abspath, w->w_abspath))
			continue;
		if (n != NULL && !may_see(w, n))
			continue;
		send_event(w, abspath);
	}
}
