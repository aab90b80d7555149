/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The vhost-user wire format (QEMU docs/interop/vhost-user.rst), the parts
 * a front-end of one block device uses.  No system header carries these;
 * the ring structures that the kernel's vhost shares with vhost-user come
 * from <linux/vhost_types.h>.
 */
#ifndef _VHOST_USER_PROTO_H_
#define _VHOST_USER_PROTO_H_

#include <stdint.h>

#include <linux/vhost_types.h>

enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_SET_MEM_TABLE = 5,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
};

#define	VU_VERSION		0x1
#define	VU_VERSION_MASK		0x3
#define	VU_FLAG_REPLY		(1u << 2)
#define	VU_FLAG_NEED_REPLY	(1u << 3)

/* A virtio feature bit that is the transport's, not the device's. */
#define	VU_F_PROTOCOL_FEATURES	30

#define	VU_PF_MQ		0
#define	VU_PF_REPLY_ACK		3
#define	VU_PF_CONFIG		9

/* SET_VRING_KICK/CALL: the ring index, and "no file descriptor". */
#define	VU_VRING_IDX_MASK	0xffu
#define	VU_VRING_NOFD		(1u << 8)

#define	VU_MAX_REGIONS		8
#define	VU_MAX_CONFIG		256

struct vu_hdr {
	uint32_t	request;
	uint32_t	flags;
	uint32_t	size;		/* of the payload */
};

struct vu_region {
	uint64_t	guest_phys_addr;
	uint64_t	memory_size;
	uint64_t	userspace_addr;
	uint64_t	mmap_offset;
};

struct vu_memory {
	uint32_t	nregions;
	uint32_t	padding;
	struct vu_region regions[VU_MAX_REGIONS];
};

struct vu_config {
	uint32_t	offset;
	uint32_t	size;
	uint32_t	flags;
	uint8_t		region[VU_MAX_CONFIG];
};

union vu_payload {
	uint64_t		 u64;
	struct vhost_vring_state state;
	struct vhost_vring_addr	 addr;
	struct vu_memory	 memory;
	struct vu_config	 config;
};

#endif /* !_VHOST_USER_PROTO_H_ */
