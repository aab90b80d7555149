/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Virtual disk names and numbers, as libxl and the frontends agree on
 * them: xvd<letters>[part] is (202 << 8) | (disk << 4) | part while disk
 * and part stay below 16, and (1 << 28) | (disk << 8) | part beyond
 * (virtual-device-ext); hd and sd names keep their IDE and SCSI majors.
 */
#ifndef _XENPV_VDEV_H_
#define _XENPV_VDEV_H_

#include <stddef.h>
#include <stdint.h>

/* "xvdb" -> 51728; a plain decimal number is taken as it is.  0/EINVAL. */
int	xen_vdev_to_devid(const char *name, uint32_t *devidp);
/* 51728 -> "xvdb", disk 1, partition 0.  0, or EINVAL for unknown ones. */
int	xen_devid_to_vdev(uint32_t devid, char *name, size_t len,
	    uint32_t *diskp, uint32_t *partp);

#endif /* !_XENPV_VDEV_H_ */
