/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The PVH entry and the few things C cannot do: the switch to long mode,
 * the interrupt vector stubs and the thread context switch.
 *
 * A PVH loader (QEMU's pvh.bin option ROM, or Xen for a "pvh" domU) enters
 * at the address in the PHYS32_ENTRY note in 32-bit protected mode with
 * paging off, flat segments and %ebx holding the physical address of
 * struct hvm_start_info.  Everything here runs identity mapped, so link
 * addresses are physical addresses.
 */
#include <xen/elfnote.h>

#include "x86/segments.h"

#define	PG_P	0x001
#define	PG_RW	0x002
#define	PG_PS	0x080

#define	CR0_PE	0x00000001
#define	CR0_WP	0x00010000
#define	CR0_PG	0x80000000
#define	CR4_PAE	0x00000020
#define	MSR_EFER	0xc0000080
#define	EFER_LME	0x00000100
#define	EFER_NXE	0x00000800

	.section .note.Xen, "a", @note
	.p2align 2
	.long	2f - 1f			/* namesz */
	.long	4f - 3f			/* descsz */
	.long	XEN_ELFNOTE_PHYS32_ENTRY
1:	.asciz	"Xen"
2:	.p2align 2
3:	.long	pvh_start32
4:	.p2align 2

/*
 * Multiboot (v1), for loaders without PVH: GRUB, and setup.S, which
 * QEMU's -kernel runs (under Xen HVM too) and which enters here the way
 * a Multiboot loader would.  The address fields (flag 16) are there
 * because a loader will not take a 64-bit ELF by its headers: it loads
 * the file from .text's offset at __kernel_start, as the ELF would be.
 * The header must sit in the file's first 8 KiB: it follows the note.
 */
#define	MB_MAGIC	0x1badb002
#define	MB_LOADER_MAGIC	0x2badb002
#define	MB_MEMINFO	0x00000002
#define	MB_AOUT_KLUDGE	0x00010000
#define	MB_FLAGS	(MB_MEMINFO | MB_AOUT_KLUDGE)

	.section .multiboot, "a"
	.p2align 2
mb_header:
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)
	.long	mb_header		/* header_addr */
	.long	__kernel_start		/* load_addr */
	.long	__data_end		/* load_end_addr */
	.long	__kernel_end		/* bss_end_addr */
	.long	mb_start32		/* entry_addr */

	/* setup.S jumps here (code32_start), with Multiboot's registers. */
	.section .head, "ax"
	.code32
	jmp	mb_start32

	.section .text.boot, "ax"
	.code32
	/*
	 * 32-bit protected mode, paging off, %eax the loader's magic and
	 * %ebx the multiboot information: the PVH path from here, told
	 * which structure %ebx points to.
	 */
	.globl	mb_start32
mb_start32:
	cli
	cmpl	$MB_LOADER_MAGIC, %eax
	jne	1f
	movl	$1, boot_multiboot
	jmp	pvh_start32
1:	hlt
	jmp	1b

	.globl	pvh_start32
pvh_start32:
	cli
	cld
	/* The TSC at entry, for the boot time report; rdtsc uses %edx. */
	movl	%ebx, %esi
	rdtsc
	movl	%eax, boot_tsc_entry
	movl	%edx, boot_tsc_entry + 4
	movl	%esi, boot_start_info

	/* The loader does not promise a zeroed .bss: clear it. */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	movl	$boot_stack_top, %esp

	/*
	 * Identity map the first 4 GiB with 2 MiB pages, write-back for
	 * now: once the memory map is known, C marks what is not RAM
	 * uncached (pmap_init).
	 */
	movl	$boot_pdpt, %eax
	orl	$(PG_P | PG_RW), %eax
	movl	%eax, boot_pml4
	movl	$boot_pd, %eax
	orl	$(PG_P | PG_RW), %eax
	movl	$boot_pdpt, %edi
	movl	$4, %ecx
1:	movl	%eax, (%edi)
	addl	$4096, %eax
	addl	$8, %edi
	loop	1b
	movl	$boot_pd, %edi
	xorl	%eax, %eax		/* frame number of the 2 MiB page */
2:	movl	%eax, %edx
	shll	$21, %edx
	orl	$(PG_P | PG_RW | PG_PS), %edx
	movl	%edx, (%edi)
	movl	%eax, %edx
	shrl	$11, %edx		/* bits 32+ of the address */
	movl	%edx, 4(%edi)
	addl	$8, %edi
	incl	%eax
	cmpl	$2048, %eax
	jne	2b

	/* Long mode: PAE, the page tables, EFER.LME, then paging. */
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PE | CR0_PG | CR0_WP), %eax
	movl	%eax, %cr0

	lgdt	gdt_desc
	ljmp	$GSEL_KCODE, $long_start

	.code64
long_start:
	movl	$GSEL_KDATA, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorl	%eax, %eax
	movw	%ax, %fs
	movw	%ax, %gs
	movq	$boot_stack_top, %rsp
	xorl	%ebp, %ebp
	movl	boot_start_info, %edi
	call	x86_boot
3:	cli
	hlt
	jmp	3b

/*
 * Interrupt vectors: one 16-byte stub per vector pushes a zero where the
 * CPU pushes no error code, then the vector number, so that every frame
 * has the layout of struct trapframe.  x86_vectors + 16 * n is the entry
 * of vector n.
 */
	.text
	.p2align 4
	.globl	x86_vectors
x86_vectors:
	.set	vec, 0
	.rept	256
	.p2align 4
	.if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	trap_common
	.set	vec, vec + 1
	.endr

trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	/* 22 quadwords on a 16-byte aligned stack: aligned for the call. */
	cld
	movq	%rsp, %rdi
	call	x86_trap
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq

/*
 * void x86_swtch(uint64_t *oldsp, uint64_t newsp)
 *
 * Save the callee-saved registers on the old stack and resume the thread
 * whose stack pointer is newsp.  A new thread's stack is built by
 * thread_create to look as if it had called here.
 */
	.globl	x86_swtch
x86_swtch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

	.data
	.p2align 3
gdt:
	.quad	0			/* null */
	.quad	0x00af9a000000ffff	/* GSEL_KCODE: 64-bit code */
	.quad	0x00cf92000000ffff	/* GSEL_KDATA: data */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt

	.globl	boot_start_info, boot_tsc_entry, boot_multiboot
	.p2align 3
boot_tsc_entry:
	.quad	0
boot_start_info:
	.long	0
boot_multiboot:				/* 1: %ebx was multiboot's, not PVH's */
	.long	0

	.bss
	.p2align 12
	.globl	boot_pml4, boot_pdpt, boot_pd
boot_pml4:
	.space	4096
boot_pdpt:
	.space	4096
boot_pd:
	.space	4 * 4096
boot_stack:
	.space	32768
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
