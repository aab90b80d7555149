/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim's xenstored: the xenstore protocol (xen/io/xs_wire.h) over any
 * byte stream.  The daemon feeds it bytes from unix sockets and from
 * domains' ring pages; the fuzzer feeds it bytes directly.  It does no
 * I/O itself: replies and watch events leave through each connection's
 * send function.
 */
#ifndef _XENSTORED_H_
#define _XENSTORED_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xsd;
struct xs_conn;

typedef void xsd_send_fn(void *ctx, const void *msg, size_t len);

/* What xenstored asks of the hypervisor side for domain messages. */
struct xsd_hooks {
	int	(*introduce)(void *arg, uint32_t domid, uint64_t gfn,
		    uint32_t port);
	int	(*release)(void *arg, uint32_t domid);
	bool	(*is_introduced)(void *arg, uint32_t domid);
	void	*arg;
};

struct xsd	*xsd_create(const struct xsd_hooks *hooks);
void		 xsd_destroy(struct xsd *xsd);

/* Socket clients are privileged dom0; ring clients are their domain. */
struct xs_conn	*xsd_conn_new(struct xsd *xsd, uint32_t domid,
		    bool privileged, xsd_send_fn *send, void *ctx);
void		 xsd_conn_free(struct xs_conn *conn);
/*
 * Feed received bytes.  Returns 0, or -1 when the peer broke the protocol
 * (over-long message) and the connection must be closed.
 */
int		 xsd_conn_input(struct xs_conn *conn, const void *buf,
		    size_t len);

/* Toolstack access: dom0 operations that fire watches like any other. */
int	xsd_write(struct xsd *xsd, const char *path, const char *value);
int	xsd_rm(struct xsd *xsd, const char *path);
/* perms: space-separated "n0 r5" */
int	xsd_set_perms(struct xsd *xsd, const char *path, const char *perms);
/* Copies the value NUL-terminated; ENOENT, or E2BIG when len is short. */
int	xsd_read(struct xsd *xsd, const char *path, char *buf, size_t len);
void	xsd_fire_special(struct xsd *xsd, const char *name);
/* Drop every connection of a domain (release, or domain death). */
void	xsd_forget_domain(struct xsd *xsd, uint32_t domid);

#endif /* !_XENSTORED_H_ */
