/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Guest RAM is a memfd that a peer process can map by frame number, as a
 * backend maps granted frames.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include <hosted/hosted.h>
#include <pv/mem.h>

#include "lib/pvtest.h"

ATF_TC_WITHOUT_HEAD(peer_process_sees_frames);
ATF_TC_BODY(peer_process_sees_frames, tc)
{
	pv_pfn_t pfn, base;
	size_t npages;
	char *va;
	pid_t pid;
	int fd, status;

	pvtest_init(32);
	fd = pv_hosted_memfd(&base, &npages);
	ATF_REQUIRE(fd >= 0);
	ATF_REQUIRE_EQ(base, PV_HOSTED_BASE_PFN);
	ATF_REQUIRE_EQ(npages, 32);
	pv_page_free(pv_pages_alloc(5, PV_M_NOWAIT, NULL));
	va = pv_pages_alloc(3, PV_M_NOWAIT, &pfn);
	ATF_REQUIRE(va != NULL);
	strcpy(va + PV_PAGE_SIZE, "written by the guest");

	pid = fork();
	ATF_REQUIRE(pid >= 0);
	if (pid == 0) {
		/* The peer maps one frame, by number, in its own space. */
		char *peer = mmap(NULL, PV_PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, (off_t)(pfn + 1 - base) * PV_PAGE_SIZE);

		if (peer == MAP_FAILED ||
		    strcmp(peer, "written by the guest") != 0)
			_exit(1);
		strcpy(peer + 100, "written by the peer");
		_exit(0);
	}
	ATF_REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	ATF_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ATF_REQUIRE_STREQ(va + PV_PAGE_SIZE + 100, "written by the peer");
	pv_pages_free(va, 3);
	pvtest_fini();
}

ATF_TC_WITHOUT_HEAD(init_fini_cycles_leave_nothing_behind);
ATF_TC_BODY(init_fini_cycles_leave_nothing_behind, tc)
{
	struct pv_memstats ms;
	int i;

	/* Tools and tests restart the platform; each start is clean. */
	for (i = 0; i < 3; i++) {
		pvtest_init(8 + i);
		pv_mem_stats(&ms);
		ATF_REQUIRE_EQ(ms.ms_pages_total, 8 + i);
		ATF_REQUIRE_EQ(ms.ms_pages_free, 8 + i);
		ATF_REQUIRE(pv_page_alloc(PV_M_NOWAIT, NULL) != NULL);
		pvtest_fini();
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, peer_process_sees_frames);
	ATF_TP_ADD_TC(tp, init_fini_cycles_leave_nothing_behind);
	return (atf_no_error());
}
