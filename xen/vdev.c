/*-
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/libkern.h>
#include <xenpv/vdev.h>

#define	EXT_FLAG	(1u << 28)
#define	MAJ_XVD		202
#define	MAJ_SD		8
#define	MAJ_HD0		3
#define	MAJ_HD1		22

/* Letters count in bijective base 26: a = 0, z = 25, aa = 26. */
static const char *
parse_disk(const char *s, uint32_t *diskp)
{
	uint64_t d = 0;

	if (*s < 'a' || *s > 'z')
		return (NULL);
	for (; *s >= 'a' && *s <= 'z'; s++) {
		d = d * 26 + (uint64_t)(*s - 'a' + 1);
		if (d > (1u << 20))
			return (NULL);
	}
	*diskp = (uint32_t)(d - 1);
	return (s);
}

int
xen_vdev_to_devid(const char *name, uint32_t *devidp)
{
	uint64_t v, part = 0;
	const char *rest;
	uint32_t disk;
	int prefix;

	if (pv_strtou64(name, UINT32_MAX, &v) == 0 && name[0] != '0') {
		*devidp = (uint32_t)v;
		return (0);
	}
	if (strncmp(name, "xvd", 3) == 0)
		prefix = 'x';
	else if (strncmp(name, "hd", 2) == 0 || strncmp(name, "sd", 2) == 0)
		prefix = name[0];
	else
		return (EINVAL);
	rest = parse_disk(name + (prefix == 'x' ? 3 : 2), &disk);
	if (rest == NULL)
		return (EINVAL);
	if (*rest != '\0' && (*rest == '0' ||
	    pv_strtou64(rest, 255, &part) != 0))
		return (EINVAL);
	switch (prefix) {
	case 'x':
		if (disk <= 15 && part <= 15)
			*devidp = (MAJ_XVD << 8) | (disk << 4) | (uint32_t)part;
		else if (disk < (1u << 20))
			*devidp = EXT_FLAG | (disk << 8) | (uint32_t)part;
		else
			return (EINVAL);
		return (0);
	case 's':
		if (disk > 15 || part > 15)
			return (EINVAL);
		*devidp = (MAJ_SD << 8) | (disk << 4) | (uint32_t)part;
		return (0);
	default:
		if (disk > 3 || part > 63)
			return (EINVAL);
		*devidp = ((disk < 2 ? MAJ_HD0 : MAJ_HD1) << 8) |
		    ((disk & 1) << 6) | (uint32_t)part;
		return (0);
	}
}

int
xen_devid_to_vdev(uint32_t devid, char *name, size_t len, uint32_t *diskp,
    uint32_t *partp)
{
	char letters[8], *p = letters + sizeof(letters) - 1;
	const char *prefix;
	uint32_t disk, part, n;

	if ((devid & EXT_FLAG) != 0) {
		if ((devid & ~(EXT_FLAG | 0x0fffffffu)) != 0)
			return (EINVAL);
		prefix = "xvd";
		disk = (devid >> 8) & 0xfffff;
		part = devid & 0xff;
	} else {
		switch (devid >> 8) {
		case MAJ_XVD:
			prefix = "xvd";
			disk = (devid >> 4) & 0xf;
			part = devid & 0xf;
			break;
		case MAJ_SD:
			prefix = "sd";
			disk = (devid >> 4) & 0xf;
			part = devid & 0xf;
			break;
		case MAJ_HD0:
		case MAJ_HD1:
			prefix = "hd";
			disk = ((devid >> 8) == MAJ_HD1 ? 2 : 0) +
			    ((devid >> 6) & 1);
			part = devid & 0x3f;
			break;
		default:
			return (EINVAL);
		}
	}
	*p = '\0';
	for (n = disk + 1; n > 0; n = (n - 1) / 26)
		*--p = (char)('a' + (n - 1) % 26);
	if (part != 0)
		snprintf(name, len, "%s%s%u", prefix, p, part);
	else
		snprintf(name, len, "%s%s", prefix, p);
	if (diskp != NULL)
		*diskp = disk;
	if (partp != NULL)
		*partp = part;
	return (0);
}
