/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * How a hosted kernel makes hypercalls: each one is a message on a
 * SOCK_SEQPACKET unix socket to xensim, carrying the real Xen argument
 * structure (xen/event_channel.h, xen/memory.h, ...) and, where Xen would
 * follow a guest handle, the array it points to inline after it.  The
 * reply carries the return value and the structure as Xen updated it.
 *
 * The socket is $XENSTORED_PATH with XENSIM_HV_SUFFIX appended, so that a
 * frontend given the xenstore socket finds the hypervisor too.
 *
 * Guest memory layout, as seen by both sides:
 *
 *   base_pfn ... base_pfn+ram_pages-1   RAM, under the guest's allocator
 *   then XENSIM_SPECIAL_PAGES pages     owned by the "toolstack": the
 *                                       xenstore ring, shared_info, the
 *                                       console ring and the doorbell
 *                                       page, like HVM's special pages
 *
 * The doorbell.  On Xen, EVTCHNOP_send only sets a bit and returns; a
 * round trip to xensim for it would stall the sender until xensim's loop
 * got round to it.  So a domain may hand over a third descriptor when it
 * attaches, an eventfd, and xensim then reads the doorbell page as a
 * bitmap of ports, bit p of the page for port p (little-endian words of
 * 64 bits): a send sets the port's bit and, if it was clear, writes the
 * eventfd.  xensim drains the eventfd, then takes each word with an
 * atomic exchange and sends on every port whose bit it took, so a bit
 * set while an earlier one is still unread rides on that earlier write.
 * Before it serves any hypercall, xensim empties every domain's page the
 * same way: a send rung before a close or a bind reaches the port as it
 * was bound then, never the next binding of the same number.  A port
 * that cannot be sent on is dropped and counted: the doorbell has no
 * reply, so a domain that wants EVTCHNOP_send's error sends by hypercall.
 */
#ifndef _HOSTED_XENSIM_PROTO_H_
#define _HOSTED_XENSIM_PROTO_H_

#include <stdint.h>

#define	XENSIM_HV_SUFFIX	".hv"

#define	XENSIM_SPECIAL_PAGES	4
#define	XENSIM_SPECIAL_STORE	0	/* xenstore_domain_interface */
#define	XENSIM_SPECIAL_SHINFO	1	/* struct shared_info */
#define	XENSIM_SPECIAL_CONSOLE	2	/* xencons_interface, for a console */
#define	XENSIM_SPECIAL_DOORBELL	3	/* ports rung, a bit each */

/* Ports the doorbell page can name. */
#define	XENSIM_DOORBELL_PORTS	(4096 * 8)

enum xensim_op {
	/* struct xensim_attach; fds: memfd, upcall, doorbell (optional) */
	XENSIM_OP_ATTACH = 1,
	XENSIM_OP_HVM,		/* HVMOP_*: struct xen_hvm_param */
	XENSIM_OP_MEMORY,	/* XENMEM_*: their struct, extents inline */
	XENSIM_OP_EVTCHN,	/* EVTCHNOP_*: their struct */
	XENSIM_OP_GNTTAB,	/* GNTTABOP_*: their struct */
};

struct xensim_req {
	uint32_t	xr_op;		/* enum xensim_op */
	uint32_t	xr_cmd;		/* the hypercall's own command */
	uint32_t	xr_len;		/* bytes of argument that follow */
	uint32_t	xr_pad;
};

struct xensim_rsp {
	int64_t		xp_ret;		/* as the hypercall returns: 0 or -errno */
	uint32_t	xp_len;		/* bytes of updated argument that follow */
	uint32_t	xp_pad;
};

struct xensim_attach {
	uint32_t	xa_domid;
	uint32_t	xa_pad;
	uint64_t	xa_base_pfn;
	uint64_t	xa_ram_pages;
	char		xa_name[32];	/* the domain's name, as xl create's */
};

/* What ATTACH's reply carries after struct xensim_rsp. */
struct xensim_attach_rsp {
	uint32_t	xar_flags;
	uint32_t	xar_pad;
};
#define	XENSIM_ATTACH_DOORBELL	0x1	/* the doorbell fd is read */

/* Largest argument: a reservation with a page of extents. */
#define	XENSIM_MSG_MAX	(sizeof(struct xensim_req) + 64 + 512 * 8)

#endif /* !_HOSTED_XENSIM_PROTO_H_ */
