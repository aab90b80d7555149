/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The stack frame locore's vector stubs build: general registers in the
 * reverse of their push order, the vector and error code, then what the
 * CPU pushed.
 */
#ifndef _X86_FRAME_H_
#define _X86_FRAME_H_

#include <stdint.h>

struct trapframe {
	uint64_t	tf_r15;
	uint64_t	tf_r14;
	uint64_t	tf_r13;
	uint64_t	tf_r12;
	uint64_t	tf_r11;
	uint64_t	tf_r10;
	uint64_t	tf_r9;
	uint64_t	tf_r8;
	uint64_t	tf_rbp;
	uint64_t	tf_rdi;
	uint64_t	tf_rsi;
	uint64_t	tf_rdx;
	uint64_t	tf_rcx;
	uint64_t	tf_rbx;
	uint64_t	tf_rax;
	uint64_t	tf_vec;
	uint64_t	tf_err;		/* 0 when the CPU pushes none */
	uint64_t	tf_rip;
	uint64_t	tf_cs;
	uint64_t	tf_rflags;
	uint64_t	tf_rsp;
	uint64_t	tf_ss;
};

_Static_assert(sizeof(struct trapframe) == 22 * 8, "trapframe layout");

#endif /* !_X86_FRAME_H_ */
