/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Selectors of the boot GDT (locore.S); shared by assembly and C.
 */
#ifndef _X86_SEGMENTS_H_
#define _X86_SEGMENTS_H_

#define	GSEL_KCODE	0x08
#define	GSEL_KDATA	0x10

#endif /* !_X86_SEGMENTS_H_ */
