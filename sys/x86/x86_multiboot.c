/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * What a Multiboot (v1) loader hands over, turned into what the PVH path
 * gives: the command line and an E820-style memory map (the two use the
 * same type numbers).  No public header carries the layout, so the few
 * fields read are those of the Multiboot Specification 0.6.96, section
 * 3.3, "Boot information format".
 */
#include <stdint.h>
#include <string.h>

#include <xen/arch-x86/hvm/start_info.h>

#include "x86_var.h"

#define	MBI_MEM		0x00000001	/* mem_lower, mem_upper */
#define	MBI_CMDLINE	0x00000004
#define	MBI_MMAP	0x00000040
#define	MBI_LOADER_NAME	0x00000200

struct mb_info {
	uint32_t	mi_flags;
	uint32_t	mi_mem_lower;		/* KiB below 1 MiB */
	uint32_t	mi_mem_upper;		/* KiB from 1 MiB */
	uint32_t	mi_boot_device;
	uint32_t	mi_cmdline;
	uint32_t	mi_mods_count;
	uint32_t	mi_mods_addr;
	uint32_t	mi_syms[4];
	uint32_t	mi_mmap_length;
	uint32_t	mi_mmap_addr;
	uint32_t	mi_drives_length;
	uint32_t	mi_drives_addr;
	uint32_t	mi_config_table;
	uint32_t	mi_loader_name;
};

char	boot_loader[48];

/* Each entry is preceded by its size, which does not count itself. */
struct mb_mmap {
	uint32_t	mm_size;
	uint64_t	mm_addr;
	uint64_t	mm_len;
	uint32_t	mm_type;
} __attribute__((packed));

static void
mb_add(uint64_t addr, uint64_t len, uint32_t type)
{
	if (mem_map_count == MEMMAP_MAX || len == 0)
		return;
	mem_map[mem_map_count].addr = addr;
	mem_map[mem_map_count].size = len;
	mem_map[mem_map_count].type = type;
	mem_map_count++;
}

/* 0, or why the information cannot be used. */
const char *
multiboot_copy(uint32_t mbi_pa)
{
	const struct mb_info *mi = (const struct mb_info *)(uintptr_t)mbi_pa;
	const struct mb_mmap *mm;
	uint32_t off;
	const char *cl;
	size_t n;

	if (mbi_pa == 0)
		return ("no multiboot information");
	if ((mi->mi_flags & MBI_CMDLINE) != 0 && mi->mi_cmdline != 0) {
		cl = (const char *)(uintptr_t)mi->mi_cmdline;
		n = strnlen(cl, CMDLINE_MAX - 1);
		memcpy(boot_cmdline, cl, n);
		boot_cmdline[n] = '\0';
	}
	/* Only a name: "GRUB 2.06", or setup.S's. */
	if ((mi->mi_flags & MBI_LOADER_NAME) != 0 && mi->mi_loader_name != 0) {
		cl = (const char *)(uintptr_t)mi->mi_loader_name;
		n = strnlen(cl, sizeof(boot_loader) - 1);
		memcpy(boot_loader, cl, n);
		boot_loader[n] = '\0';
	}
	mem_map_count = 0;
	if ((mi->mi_flags & MBI_MMAP) != 0 && mi->mi_mmap_addr != 0) {
		/* A size below 20 would not move us on: stop there. */
		for (off = 0; off + sizeof(*mm) <= mi->mi_mmap_length;
		    off += mm->mm_size + 4) {
			mm = (const struct mb_mmap *)(uintptr_t)
			    (mi->mi_mmap_addr + off);
			if (mm->mm_size < 20)
				break;
			mb_add(mm->mm_addr, mm->mm_len, mm->mm_type);
		}
	}
	if (mem_map_count == 0 && (mi->mi_flags & MBI_MEM) != 0) {
		mb_add(0, (uint64_t)mi->mi_mem_lower << 10, 1);
		mb_add(1ull << 20, (uint64_t)mi->mi_mem_upper << 10, 1);
	}
	return (mem_map_count == 0 ? "no memory map from the loader" : NULL);
}
