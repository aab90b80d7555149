/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The Linux boot protocol's "setup": a third way into the same guest.elf,
 * for QEMU's -kernel where Multiboot does not work.  Under a Xen HVM
 * domain (machine xenfv) QEMU's fw_cfg has no DMA port, yet QEMU 7.2
 * hands a Multiboot kernel to multiboot_dma.bin, which then waits for a
 * DMA transfer forever.  A kernel with the "HdrS" header is loaded by
 * linuxboot.bin instead, which asks the device and reads by port I/O.
 *
 * Assembled apart and written by the build into guest.elf's file offsets
 * 0x1f1-0xfff, the padding before the first segment; labels here are
 * those offsets.  The loader copies these 4 KiB (setup_sects 7, plus
 * the boot sector) to a real-mode segment and the file from 0x1000 on to
 * 1 MiB, where the ELF's segments go, and jumps to offset 0x200 in real
 * mode.  This code asks the BIOS for the memory map, builds a Multiboot
 * information structure from it and the command line, and enters the
 * kernel through the Multiboot entry.
 */
#define	MB_LOADER_MAGIC	0x2badb002
#define	MBI_CMDLINE	0x00000004
#define	MBI_MMAP	0x00000040
#define	MBI_LOADER_NAME	0x00000200
#define	SMAP		0x534d4150
#define	E820_ENTRY	20
#define	MMAP_ENTRY	24	/* Multiboot's: a size word, then e820's */
#define	MMAP_MAX	40
#define	CR0_PE		0x00000001

	.section .setup, "ax"
	.code16
	.globl	setup_start
setup_start:
	.org	0x1f1
setup_sects:	.byte	7		/* 4 KiB in all */
root_flags:	.word	0
syssize:	.long	0		/* unused by QEMU */
ram_size:	.word	0
vid_mode:	.word	0xffff		/* normal */
root_dev:	.word	0
boot_flag:	.word	0xaa55
	.org	0x200
	jmp	setup_main
	.ascii	"HdrS"
	.word	0x0206			/* no setup_data (0x209) to grow */
realmode_swtch:	.long	0
start_sys_seg:	.word	0
kernel_version:	.word	loader_name - 0x200
type_of_loader:	.byte	0
loadflags:	.byte	0x01		/* LOADED_HIGH: the rest at 1 MiB */
setup_move_size: .word	0
code32_start:	.long	0x100000	/* the kernel's first bytes */
ramdisk_image:	.long	0
ramdisk_size:	.long	0
bootsect_kludge: .long	0
heap_end_ptr:	.word	0
ext_loader_ver:	.byte	0
ext_loader_type: .byte	0
cmd_line_ptr:	.long	0
initrd_addr_max: .long	0x37ffffff
kernel_alignment: .long	0x1000
relocatable:	.byte	0
min_alignment:	.byte	0
xloadflags:	.word	0
cmdline_size:	.long	1023		/* the kernel's CMDLINE_MAX - 1 */

setup_main:
	cli
	cld
	/* %cs is our segment plus 0x20; the data offsets are the file's. */
	movw	%cs, %ax
	subw	$0x20, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0xf000, %sp
	movzwl	%ax, %ebp
	shll	$4, %ebp		/* our physical base */

	/* A20 through the BIOS, then port 0x92, as Linux's setup does. */
	movw	$0x2401, %ax
	int	$0x15
	inb	$0x92, %al
	orb	$0x02, %al
	andb	$0xfe, %al
	outb	%al, $0x92

	/* The memory map, entry by entry, each after its size word. */
	xorl	%ebx, %ebx
	movw	$mmap + 4, %di
	xorw	%si, %si
1:	movl	$0xe820, %eax
	movl	$SMAP, %edx
	movl	$E820_ENTRY, %ecx
	int	$0x15
	jc	2f
	cmpl	$SMAP, %eax
	jne	2f
	movl	$E820_ENTRY, -4(%di)
	addw	$MMAP_ENTRY, %di
	incw	%si
	cmpw	$MMAP_MAX, %si
	jae	2f
	testl	%ebx, %ebx
	jnz	1b
2:	movzwl	%si, %eax
	imull	$MMAP_ENTRY, %eax
	movl	%eax, mbi_mmap_length
	leal	mmap(%ebp), %eax
	movl	%eax, mbi_mmap_addr
	movl	$(MBI_MMAP | MBI_LOADER_NAME), mbi_flags
	leal	loader_name(%ebp), %eax
	movl	%eax, mbi_loader_name
	movl	cmd_line_ptr, %eax
	testl	%eax, %eax
	jz	3f
	movl	%eax, mbi_cmdline
	orl	$MBI_CMDLINE, mbi_flags
3:
	/* Flat 32-bit segments; the far jump's target is known only now. */
	leal	gdt(%ebp), %eax
	movl	%eax, gdt_desc + 2
	leal	pm32(%ebp), %eax
	movl	%eax, pm32_jump + 2
	lgdtl	gdt_desc
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
pm32_jump:
	.byte	0x66, 0xea		/* ljmpl $0x08, $pm32 */
	.long	0
	.word	0x08

	.code32
pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	leal	mbi(%ebp), %ebx
	movl	code32_start(%ebp), %ecx
	movl	$MB_LOADER_MAGIC, %eax
	jmp	*%ecx

	.p2align 3
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: code, flat, 32-bit */
	.quad	0x00cf92000000ffff	/* 0x10: data, flat */
gdt_desc:
	.word	3 * 8 - 1
	.long	0

loader_name:
	.asciz	"pvkit setup (Linux boot protocol)"

	/* Multiboot's information structure, as far as mmap. */
	.p2align 2
mbi:
mbi_flags:	.long	0
		.long	0, 0, 0		/* mem_lower, mem_upper, boot_device */
mbi_cmdline:	.long	0
		.long	0, 0		/* mods */
		.long	0, 0, 0, 0	/* syms */
mbi_mmap_length: .long	0
mbi_mmap_addr:	.long	0
		.long	0, 0		/* drives */
		.long	0		/* config_table */
mbi_loader_name: .long	0
	.p2align 2
mmap:
	.fill	MMAP_MAX * MMAP_ENTRY, 1, 0
	.org	0x1000
