/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Atomics and barriers for memory shared with a hypervisor or device.
 * Both platforms build with GCC or Clang, whose builtins give the orderings
 * rings need without a libatomic.
 */
#ifndef _PV_ATOMIC_H_
#define _PV_ATOMIC_H_

#include <stdint.h>

#define	pv_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define	pv_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define	pv_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)

#define	pv_load_acq(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define	pv_store_rel(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define	pv_load_relaxed(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#define	pv_store_relaxed(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define	pv_fetch_add(p, v)	__atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define	pv_fetch_or(p, v)	__atomic_fetch_or((p), (v), __ATOMIC_SEQ_CST)
#define	pv_fetch_and(p, v)	__atomic_fetch_and((p), (v), __ATOMIC_SEQ_CST)
#define	pv_xchg(p, v)		__atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define	pv_cas(p, expp, v)						\
	__atomic_compare_exchange_n((p), (expp), (v), 0,		\
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

#endif /* !_PV_ATOMIC_H_ */
