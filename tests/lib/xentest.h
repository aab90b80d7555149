/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Bring a hosted kernel up as a Xen domain of a private xensim.
 */
#ifndef _XENTEST_H_
#define _XENTEST_H_

#include <stdint.h>

#include <atf-c.h>

/* Start xensim, attach as domid, and bring up evtchn, gnttab, xenbus. */
void	xentest_up(const atf_tc_t *tc, uint32_t domid, size_t mem_pages);
/* The same, passing xensim the options in args (NULL-terminated). */
void	xentest_up_args(const atf_tc_t *tc, uint32_t domid, size_t mem_pages,
	    const char *const *args);
void	xentest_down(void);

#endif /* !_XENTEST_H_ */
