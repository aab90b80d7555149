/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The block backend's options.  The defaults are what Linux blkback
 * offers on a host like the one in xen-in-qemu.md, except the queue
 * count, which Linux takes from dom0's CPUs, and the ring-size keys:
 * both schemes, as blkif.h's note 3 asks, where Linux has only
 * max-ring-page-order (blkback.ring-keys=order).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pv/libkern.h>

#include "blkback.h"
#include "blkback_impl.h"

struct blkback_conf blkback_conf = {
	.bc_max_indirect = 256,
	.bc_max_ring_order = BB_MAX_RING_ORDER,
	.bc_max_queues = 4,
	.bc_sector_size = BB_SECTOR,
	.bc_phys_sector_size = 0,
	.bc_max_pgrants = BB_DEFAULT_PGRANTS,
	.bc_persistent = true,
	.bc_flush = true,
	.bc_barrier = true,
	.bc_discard = true,
	.bc_discard_secure = false,
	.bc_ring_keys = BRK_BOTH,
	.bc_fault_every = 7,
	.bc_fault_delay_ms = 20,
	.bc_storm_us = 20,
};

enum opt_kind { OPT_BOOL, OPT_NUM, OPT_POW2 };

static const struct opt {
	const char	*o_key;
	enum opt_kind	 o_kind;
	uint64_t	 o_min;
	uint64_t	 o_max;
	size_t		 o_off;
} opts[] = {
#define	OFF(f)	offsetof(struct blkback_conf, f)
	{ "indirect",		OPT_NUM,  0, BB_MAX_INDIRECT_SEGS,
	    OFF(bc_max_indirect) },
	{ "ring-order",		OPT_NUM,  0, BB_MAX_RING_ORDER,
	    OFF(bc_max_ring_order) },
	{ "queues",		OPT_NUM,  1, BB_MAX_QUEUES,
	    OFF(bc_max_queues) },
	/* A segment is at most a page: larger sectors could not align. */
	{ "sector-size",	OPT_POW2, BB_SECTOR, BB_PAGE_SIZE,
	    OFF(bc_sector_size) },
	{ "physical-sector-size", OPT_POW2, BB_SECTOR, 1u << 20,
	    OFF(bc_phys_sector_size) },
	{ "max-persistent-grants", OPT_NUM, 0, 1u << 16,
	    OFF(bc_max_pgrants) },
	{ "persistent",		OPT_BOOL, 0, 1, OFF(bc_persistent) },
	{ "flush",		OPT_BOOL, 0, 1, OFF(bc_flush) },
	{ "barrier",		OPT_BOOL, 0, 1, OFF(bc_barrier) },
	{ "discard",		OPT_BOOL, 0, 1, OFF(bc_discard) },
	{ "discard-secure",	OPT_BOOL, 0, 1, OFF(bc_discard_secure) },
	{ "skip-initwait",	OPT_BOOL, 0, 1, OFF(bc_skip_initwait) },
	{ "shrink-on-reconnect", OPT_BOOL, 0, 1, OFF(bc_shrink_reconnect) },
	{ "fault-every",	OPT_NUM,  1, 1000000, OFF(bc_fault_every) },
	{ "fault-after",	OPT_NUM,  0, UINT32_MAX, OFF(bc_fault_after) },
	{ "fault-limit",	OPT_NUM,  0, UINT32_MAX, OFF(bc_fault_limit) },
	/* Longer would only test the frontend's patience. */
	{ "fault-delay-ms",	OPT_NUM,  0, 10000, OFF(bc_fault_delay_ms) },
	/* A virtual-device number, as in the frontend's device/vbd/N. */
	{ "fault-devid",	OPT_NUM,  0, UINT32_MAX, OFF(bc_fault_devid) },
	{ "fault-storm-us",	OPT_NUM,  1, 1000000, OFF(bc_storm_us) },
#undef OFF
};

/* "KIND[,KIND]...": appended to the list, so the option may repeat. */
static int
fault_kinds(const char *val, char *err, size_t errlen)
{
	struct blkback_conf *c = &blkback_conf;
	const char *p = val, *name;
	size_t len;
	int k;

	for (;;) {
		len = strcspn(p, ",");
		for (k = BF_NONE + 1; k < BF_NKINDS; k++) {
			name = bb_fault_name((enum bb_fault)k);
			if (strlen(name) == len && strncmp(name, p, len) == 0)
				break;
		}
		if (k == BF_NKINDS) {
			snprintf(err, errlen, "blkback.fault=%s: \"%.*s\" is "
			    "not one of error, delay, reorder, drop-notify, "
			    "duplicate, bad-id, bad-op, bad-status, overrun, "
			    "disconnect, resize, storm", val, (int)len, p);
			return (EINVAL);
		}
		if (c->bc_nfaults == BB_MAX_FAULTS) {
			snprintf(err, errlen, "blkback.fault=%s: more than %d "
			    "faults in all", val, BB_MAX_FAULTS);
			return (EINVAL);
		}
		c->bc_faults[c->bc_nfaults++] = (uint8_t)k;
		if (p[len] == '\0')
			return (0);
		p += len + 1;
	}
}

/* KEY=NAME for a key whose values are names[]; the index in *valp. */
static int
named(const char *key, const char *val, const char *const *names,
    size_t n, uint8_t *valp, char *err, size_t errlen)
{
	size_t i, len;

	for (i = 0; i < n; i++) {
		if (strcmp(val, names[i]) == 0) {
			*valp = (uint8_t)i;
			return (0);
		}
	}
	len = (size_t)snprintf(err, errlen, "blkback.%s=%s: expected", key,
	    val);
	for (i = 0; i < n && len < errlen; i++)
		len += (size_t)snprintf(err + len, errlen - len, "%s %s",
		    i == 0 ? "" : i + 1 == n ? " or" : ",", names[i]);
	return (EINVAL);
}

static int
fault_op(const char *val, char *err, size_t errlen)
{
	static const char *const names[] = {
		[BFO_ANY] = "any", [BFO_READ] = "read", [BFO_WRITE] = "write",
	};

	return (named("fault-op", val, names, nitems(names),
	    &blkback_conf.bc_fault_op, err, errlen));
}

static int
ring_keys(const char *val, char *err, size_t errlen)
{
	static const char *const names[] = {
		[BRK_ORDER] = "order", [BRK_PAGES] = "pages",
		[BRK_BOTH] = "both",
	};

	return (named("ring-keys", val, names, nitems(names),
	    &blkback_conf.bc_ring_keys, err, errlen));
}

int
blkback_option(const char *kv, char *err, size_t errlen)
{
	const struct opt *o = NULL;
	const char *eq, *val;
	char *base = (char *)&blkback_conf;
	uint64_t v;
	size_t i, klen;

	if ((eq = strchr(kv, '=')) == NULL) {
		snprintf(err, errlen, "blkback.%s: expected KEY=VALUE", kv);
		return (EINVAL);
	}
	klen = (size_t)(eq - kv);
	val = eq + 1;
	if (klen == 5 && strncmp(kv, "fault", 5) == 0)
		return (fault_kinds(val, err, errlen));
	if (klen == 8 && strncmp(kv, "fault-op", 8) == 0)
		return (fault_op(val, err, errlen));
	if (klen == 9 && strncmp(kv, "ring-keys", 9) == 0)
		return (ring_keys(val, err, errlen));
	for (i = 0; i < nitems(opts); i++) {
		if (strlen(opts[i].o_key) == klen &&
		    strncmp(opts[i].o_key, kv, klen) == 0)
			o = &opts[i];
	}
	if (o == NULL) {
		snprintf(err, errlen, "unknown option \"blkback.%.*s\"",
		    (int)klen, kv);
		return (EINVAL);
	}
	if (pv_strtou64(val, o->o_max, &v) != 0 || v < o->o_min ||
	    (o->o_kind == OPT_POW2 && !pv_powerof2(v))) {
		if (o->o_kind == OPT_BOOL)
			snprintf(err, errlen, "blkback.%s=%s: expected 0 or 1",
			    o->o_key, val);
		else
			snprintf(err, errlen, "blkback.%s=%s: expected %s "
			    "from %ju to %ju", o->o_key, val,
			    o->o_kind == OPT_POW2 ? "a power of two" :
			    "a number", (uintmax_t)o->o_min,
			    (uintmax_t)o->o_max);
		return (EINVAL);
	}
	if (o->o_kind == OPT_BOOL)
		*(bool *)(void *)(base + o->o_off) = v != 0;
	else
		*(uint32_t *)(void *)(base + o->o_off) = (uint32_t)v;
	return (0);
}
