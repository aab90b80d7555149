/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * xensim's domains.  Domain 0 is the simulator itself (toolstack,
 * xenstored, backends): its event channels end in callbacks.  Every other
 * domain is a frontend process whose RAM xensim maps from the memfd it
 * handed over when it attached.
 */
#ifndef _DOMAIN_H_
#define _DOMAIN_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/hvm/params.h>

#include <pv/queue.h>

#define	DOM_MAX			64
#define	EVTCHN_PORTS		1024
#define	GNTTAB_MAX_FRAMES	32	/* xensim's default gnttab_max_frames */
#define	GNT_PER_FRAME		(4096 / sizeof(grant_entry_v1_t))

enum evtchn_state { ECS_FREE, ECS_UNBOUND, ECS_INTERDOMAIN };

typedef void evtchn_handler_fn(void *arg, uint32_t port);

struct evtchn {
	enum evtchn_state	 e_state;
	uint32_t		 e_remote_dom;	/* unbound: who may bind */
	uint32_t		 e_remote_port;
	evtchn_handler_fn	*e_handler;	/* dom0 ports only */
	void			*e_arg;
};

struct evsrc;
struct xs_conn;

struct domain {
	uint32_t		 d_domid;
	bool			 d_live;
	char			 d_name[32];
	/* Guest memory: RAM then the special pages. */
	int			 d_memfd;
	uint8_t			*d_mem;
	uint64_t		 d_base_pfn;
	uint64_t		 d_ram_pages;
	uint64_t		 d_mem_pages;
	uint8_t			*d_populated;	/* one byte per RAM page */
	uint64_t		 d_tot_pages;
	uint64_t		 d_max_pages;
	/* The hypervisor connection and the upcall ("callback vector"). */
	int			 d_hv_fd;
	struct evsrc		*d_hv_src;
	int			 d_upcall_fd;
	struct shared_info	*d_shinfo;
	/* The doorbell (hv_doorbell.c); d_bell is NULL without one. */
	int			 d_bell_fd;
	struct evsrc		*d_bell_src;
	xen_ulong_t		*d_bell;
	struct evtchn		 d_evtchn[EVTCHN_PORTS];
	uint64_t		 d_hvm_param[HVM_NR_PARAMS];
	/* Grant table v1: guest frames registered by add_to_physmap. */
	uint64_t		 d_gnt_gfn[GNTTAB_MAX_FRAMES];
	unsigned		 d_gnt_frames;
	unsigned		 d_gnt_max_frames;
	uint16_t		*d_gnt_pins;	/* live maps per ref */
	/* xenstore over the ring page. */
	struct xs_conn		*d_xs;
	uint32_t		 d_store_port;
	bool			 d_introduced;
	bool			 d_xs_broken;
	char			*d_xs_out;
	size_t			 d_xs_outlen;
	/* Statistics, for tests and benchmarks. */
	uint64_t		 d_notify_to;	/* events delivered to it */
	uint64_t		 d_upcalls;
	uint64_t		 d_hypercalls;
	uint64_t		 d_sends_hc;	/* EVTCHNOP_send by hypercall */
	uint64_t		 d_sends_bell;	/* ports sent on by doorbell */
	uint64_t		 d_bell_wakeups;
	uint64_t		 d_bells_refused; /* rung on a port not bound */
};

extern struct domain	*domains[DOM_MAX];

struct domain	*domain_get(uint32_t domid);
/* Translate a guest frame to xensim's mapping; NULL outside its memory. */
void		*domain_gfn(struct domain *d, uint64_t gfn);
int		 domain_create(uint32_t domid, const char *name, int memfd,
		    uint64_t base_pfn, uint64_t ram_pages, int upcall_fd,
		    struct domain **dp);
void		 domain_destroy(struct domain *d);
void		 domain_dom0_init(void);

/* hv_evtchn.c */
int	evtchn_op(struct domain *d, uint32_t cmd, void *arg, size_t len);
/* Dom0's side: allocate/bind ports whose events call a function. */
int	evtchn_dom0_bind(uint32_t remote_dom, uint32_t remote_port,
	    evtchn_handler_fn *fn, void *arg, uint32_t *portp);
int	evtchn_dom0_send(uint32_t port);
/* EVTCHNOP_send on d's port, as the hypercall does it; 0 or an errno. */
int	evtchn_send(struct domain *d, uint32_t port);
void	evtchn_dom0_close(uint32_t port);
void	evtchn_close_all(struct domain *d);

/* hv_doorbell.c */
int	doorbell_attach(struct domain *d, int fd);
void	doorbell_detach(struct domain *d);
/* Send on every port rung and not yet taken. */
void	doorbell_drain(struct domain *d);
void	doorbell_drain_all(void);

/* hv_gnttab.c */
/* gnttab_max_frames for domains created from now on (-o gnttab.*). */
extern unsigned gnttab_max_frames;
/* "KEY=VALUE" without the "gnttab." prefix; EINVAL with err filled. */
int	gnttab_option(const char *kv, char *err, size_t errlen);
int	gnttab_op(struct domain *d, uint32_t cmd, void *arg, size_t len);
int	gnttab_add_frame(struct domain *d, uint64_t idx, uint64_t gfn);
/*
 * Map a granted frame of d for domain mapper (dom0's backends): checks
 * the entry grants mapper access, honours GTF_readonly, and marks it in
 * use until gnttab_unmap.
 */
void	*gnttab_map(struct domain *d, uint32_t mapper, uint32_t ref,
	    bool readonly, int *errorp);
void	 gnttab_unmap(struct domain *d, uint32_t ref, bool readonly);

/* hv_mem.c */
int64_t	memory_op(struct domain *d, uint32_t cmd, void *arg, size_t len,
	    size_t *outlen);

/* hv_store.c */
int	store_attach(struct domain *d);
void	store_detach(struct domain *d);

/* hv.c */
int	hv_listen(const char *path);
void	hv_close(void);

/* toolstack.c */
int	toolstack_domain_created(struct domain *d);
void	toolstack_domain_gone(struct domain *d);
int	toolstack_init(void);

#endif /* !_DOMAIN_H_ */
