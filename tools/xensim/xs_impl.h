/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Internal to xensim's xenstored.
 */
#ifndef _XS_IMPL_H_
#define _XS_IMPL_H_

#include <errno.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/io/xs_wire.h>

#include "xenstored.h"
#include "xs_tree.h"

/* Limits: C xenstored's defaults. */
#define	XS_QUOTA_NODES		1000	/* per unprivileged domain */
#define	XS_QUOTA_WATCHES	128
#define	XS_QUOTA_TXNS		10
#define	XS_TREE_MAX_NODES	100000	/* for everyone, dom0 included */
#define	XS_PATH_BUF		(XENSTORE_ABS_PATH_MAX + 1)
#define	XS_MAX_PERMS		64
#define	XS_QUOTA_ENTRY		2048	/* value bytes, for guests */
#define	XS_QUOTA_PERMS		5	/* permissions per node, for guests */

struct xs_watch {
	TAILQ_ENTRY(xs_watch)	 w_link;
	struct xs_conn		*w_conn;
	char			*w_path;	/* as the client gave it */
	char			*w_abspath;
	char			*w_token;
	bool			 w_relative;
};

struct xs_access {
	TAILQ_ENTRY(xs_access)	 a_link;
	char			*a_path;
	uint64_t		 a_gen;		/* 0: did not exist */
};

enum xs_op_type { XS_OP_WRITE, XS_OP_MKDIR, XS_OP_RM, XS_OP_SETPERMS };

struct xs_op {
	TAILQ_ENTRY(xs_op)	 o_link;
	enum xs_op_type		 o_type;
	char			*o_path;
	char			*o_val;
	size_t			 o_len;
	struct xs_perm		*o_perms;
	unsigned		 o_nperms;
	uint32_t		 o_domid;
};

struct xs_txn {
	TAILQ_ENTRY(xs_txn)	 x_link;
	uint32_t		 x_id;
	struct xs_tree		 x_view;
	TAILQ_HEAD(, xs_access)	 x_accessed;
	TAILQ_HEAD(, xs_op)	 x_ops;
};

struct xs_conn {
	TAILQ_ENTRY(xs_conn)	 c_link;
	struct xsd		*c_xsd;
	uint32_t		 c_domid;
	bool			 c_privileged;
	xsd_send_fn		*c_send;
	void			*c_ctx;
	struct xsd_sockmsg	 c_hdr;
	size_t			 c_hdr_have;
	char			 c_payload[XENSTORE_PAYLOAD_MAX + 1];
	size_t			 c_pay_have;
	TAILQ_HEAD(, xs_txn)	 c_txns;
	unsigned		 c_nwatches;
	unsigned		 c_ntxns;
};

struct xsd {
	struct xs_tree		 x_tree;
	TAILQ_HEAD(, xs_conn)	 x_conns;
	TAILQ_HEAD(, xs_watch)	 x_watches;
	uint32_t		 x_next_txid;
	struct xsd_hooks	 x_hooks;
};

/* Where an operation acts: the live tree, or a transaction's view. */
struct xs_where {
	struct xsd	*w_xsd;
	struct xs_tree	*w_tree;
	struct xs_txn	*w_txn;
	uint32_t	 w_domid;
	bool		 w_privileged;
};

/* xs_conn.c */
void	xs_send(struct xs_conn *c, uint32_t type, uint32_t req_id,
	    uint32_t tx_id, const void *data, size_t len);
void	xs_send_error(struct xs_conn *c, const struct xsd_sockmsg *req,
	    int error);

/* xs_ops.c */
int	xs_canon(uint32_t domid, const char *in, char *out, size_t outlen,
	    bool *relative);
int	xs_do_write(struct xs_where *w, const char *path, const char *val,
	    size_t len);
int	xs_do_mkdir(struct xs_where *w, const char *path);
int	xs_do_rm(struct xs_where *w, const char *path);
int	xs_do_set_perms(struct xs_where *w, const char *path,
	    const struct xs_perm *perms, unsigned nperms);
void	xs_dispatch(struct xs_conn *c, const struct xsd_sockmsg *hdr,
	    char *payload);

/* xs_watch.c */
int	xs_watch_add(struct xs_conn *c, const char *path, const char *token);
int	xs_watch_del(struct xs_conn *c, const char *path, const char *token);
void	xs_watch_conn_gone(struct xsd *xsd, struct xs_conn *c);
void	xs_watch_fire(struct xsd *xsd, const char *abspath,
	    const struct xs_node *n, bool recursive);

/* xs_txn.c */
int	xs_txn_start(struct xs_conn *c, uint32_t *idp);
int	xs_txn_end(struct xs_conn *c, uint32_t id, bool commit);
struct xs_txn *xs_txn_find(struct xs_conn *c, uint32_t id);
void	xs_txn_free(struct xs_conn *c, struct xs_txn *x);
void	xs_txn_note_access(struct xs_txn *x, const char *path);
int	xs_txn_log(struct xs_txn *x, enum xs_op_type type, const char *path,
	    const char *val, size_t len, const struct xs_perm *perms,
	    unsigned nperms, uint32_t domid);

#endif /* !_XS_IMPL_H_ */
