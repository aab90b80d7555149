/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xenstored connections: message framing, replies, and the daemon's
 * lifetime.  Framing trusts nothing: a header announcing more than
 * XENSTORE_PAYLOAD_MAX bytes gets an E2BIG error and the connection is
 * closed, as the peer can no longer be kept in step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_impl.h"

struct xsd *
xsd_create(const struct xsd_hooks *hooks)
{
	struct xsd *xsd;

	if ((xsd = calloc(1, sizeof(*xsd))) == NULL)
		return (NULL);
	if (xs_tree_init(&xsd->x_tree) != 0) {
		free(xsd);
		return (NULL);
	}
	TAILQ_INIT(&xsd->x_conns);
	TAILQ_INIT(&xsd->x_watches);
	xsd->x_next_txid = 1;
	if (hooks != NULL)
		xsd->x_hooks = *hooks;
	return (xsd);
}

void
xsd_destroy(struct xsd *xsd)
{
	struct xs_conn *c;

	while ((c = TAILQ_FIRST(&xsd->x_conns)) != NULL)
		xsd_conn_free(c);
	xs_tree_fini(&xsd->x_tree);
	free(xsd);
}

struct xs_conn *
xsd_conn_new(struct xsd *xsd, uint32_t domid, bool privileged,
    xsd_send_fn *send, void *ctx)
{
	struct xs_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->c_xsd = xsd;
	c->c_domid = domid;
	c->c_privileged = privileged;
	c->c_send = send;
	c->c_ctx = ctx;
	TAILQ_INIT(&c->c_txns);
	TAILQ_INSERT_TAIL(&xsd->x_conns, c, c_link);
	return (c);
}

void
xsd_conn_free(struct xs_conn *c)
{
	struct xs_txn *x;

	while ((x = TAILQ_FIRST(&c->c_txns)) != NULL)
		xs_txn_free(c, x);
	xs_watch_conn_gone(c->c_xsd, c);
	TAILQ_REMOVE(&c->c_xsd->x_conns, c, c_link);
	free(c);
}

/* The first node at or below n that domid owns, in tree order. */
static const struct xs_node *
owned_node(const struct xs_node *n, uint32_t domid)
{
	const struct xs_node *c, *found;

	if (n->n_parent != NULL && n->n_perms[0].p_domid == domid)
		return (n);
	TAILQ_FOREACH(c, &n->n_children, n_link) {
		if ((found = owned_node(c, domid)) != NULL)
			return (found);
	}
	return (NULL);
}

static void
node_path(const struct xs_node *n, char *buf, size_t len)
{
	char tmp[XS_PATH_BUF];

	buf[0] = '\0';
	for (; n != NULL && n->n_parent != NULL; n = n->n_parent) {
		snprintf(tmp, sizeof(tmp), "/%s%s", n->n_name, buf);
		snprintf(buf, len, "%s", tmp);
	}
}

void
xsd_forget_domain(struct xsd *xsd, uint32_t domid)
{
	const struct xs_node *n;
	struct xs_conn *c, *tmp;
	char path[XS_PATH_BUF];

	TAILQ_FOREACH_SAFE(c, &xsd->x_conns, c_link, tmp) {
		if (!c->c_privileged && c->c_domid == domid)
			xsd_conn_free(c);
	}
	/* What a dead domain owned goes with it, as in xenstored. */
	while (domid != 0 &&
	    (n = owned_node(xsd->x_tree.t_root, domid)) != NULL) {
		node_path(n, path, sizeof(path));
		if (xsd_rm(xsd, path) != 0)
			break;
	}
}

void
xsd_fire_special(struct xsd *xsd, const char *name)
{
	xs_watch_fire(xsd, name, NULL, false);
}

void
xs_send(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *data, size_t len)
{
	char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg hdr;

	if (len > XENSTORE_PAYLOAD_MAX)
		len = XENSTORE_PAYLOAD_MAX;	/* callers keep within it */
	hdr.type = type;
	hdr.req_id = req_id;
	hdr.tx_id = tx_id;
	hdr.len = (uint32_t)len;
	memcpy(buf, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(buf + sizeof(hdr), data, len);
	c->c_send(c->c_ctx, buf, sizeof(hdr) + len);
}

void
xs_send_error(struct xs_conn *c, const struct xsd_sockmsg *req, int error)
{
	const char *name = "EINVAL";
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
		if (xsd_errors[i].errnum == error) {
			name = xsd_errors[i].errstring;
			break;
		}
	}
	xs_send(c, XS_ERROR, req->req_id, req->tx_id, name, strlen(name) + 1);
}

int
xsd_conn_input(struct xs_conn *c, const void *buf, size_t len)
{
	const char *p = buf;
	size_t n;

	while (len > 0) {
		if (c->c_hdr_have < sizeof(c->c_hdr)) {
			n = sizeof(c->c_hdr) - c->c_hdr_have;
			n = n < len ? n : len;
			memcpy((char *)&c->c_hdr + c->c_hdr_have, p, n);
			c->c_hdr_have += n;
			p += n;
			len -= n;
			if (c->c_hdr_have < sizeof(c->c_hdr))
				break;
			if (c->c_hdr.len > XENSTORE_PAYLOAD_MAX) {
				xs_send_error(c, &c->c_hdr, E2BIG);
				return (-1);
			}
			c->c_pay_have = 0;
		}
		n = c->c_hdr.len - c->c_pay_have;
		n = n < len ? n : len;
		memcpy(c->c_payload + c->c_pay_have, p, n);
		c->c_pay_have += n;
		p += n;
		len -= n;
		if (c->c_pay_have == c->c_hdr.len) {
			struct xsd_sockmsg hdr = c->c_hdr;

			c->c_payload[c->c_pay_have] = '\0';
			c->c_hdr_have = 0;
			xs_dispatch(c, &hdr, c->c_payload);
		}
	}
	return (0);
}

static struct xs_where
tool_where(struct xsd *xsd)
{
	struct xs_where w = {
		.w_xsd = xsd,
		.w_tree = &xsd->x_tree,
		.w_txn = NULL,
		.w_domid = 0,
		.w_privileged = true,
	};

	return (w);
}

int
xsd_write(struct xsd *xsd, const char *path, const char *value)
{
	struct xs_where w = tool_where(xsd);

	return (xs_do_write(&w, path, value, strlen(value)));
}

int
xsd_rm(struct xsd *xsd, const char *path)
{
	struct xs_where w = tool_where(xsd);

	return (xs_do_rm(&w, path));
}

int
xsd_set_perms(struct xsd *xsd, const char *path, const char *perms)
{
	struct xs_where w = tool_where(xsd);
	struct xs_perm p[XS_MAX_PERMS];
	char word[16];
	unsigned n = 0;
	size_t len;

	while (*perms != '\0') {
		len = strcspn(perms, " ");
		if (len == 0 || len >= sizeof(word) || n == XS_MAX_PERMS)
			return (EINVAL);
		memcpy(word, perms, len);
		word[len] = '\0';
		if (xs_perm_parse(word, &p[n++]) != 0)
			return (EINVAL);
		perms += len;
		perms += strspn(perms, " ");
	}
	return (xs_do_set_perms(&w, path, p, n));
}

int
xsd_read(struct xsd *xsd, const char *path, char *buf, size_t len)
{
	const struct xs_node *n;

	if ((n = xs_tree_lookup(&xsd->x_tree, path)) == NULL)
		return (ENOENT);
	if (n->n_vlen + 1 > len)
		return (E2BIG);
	memcpy(buf, n->n_value != NULL ? n->n_value : "", n->n_vlen);
	buf[n->n_vlen] = '\0';
	return (0);
}
