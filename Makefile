# pvkit: one entry point.  GNU make, non-recursive.
#
#   make                build everything hosted
#   make test           run the kyua suite (SANITIZE=1: under ASan/UBSan)
#   make fuzz           fuzz xenstored's parser and the used ring (FUZZ_RUNS,
#                       default 1000000 each)
#   make clean

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
O	?= build/san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
else
O	?= build
SANFLAGS =
endif

CC	?= cc
WARNS	= -std=c11 -Wall -Wextra -Werror
CFLAGS	?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -D__XEN_INTERFACE_VERSION__=0x00040e00 \
	    -Isys/include -Isys/hosted/include -Isys -Ixen/include \
	    -Icompat/include
ALL_CFLAGS = $(WARNS) $(CFLAGS) $(SANFLAGS) -MMD -MP
LDLIBS_HOSTED = -lpthread

.PHONY: all test clean deps
.SECONDARY:
.DEFAULT_GOAL := all

# Libraries --------------------------------------------------------------
KERN_SRCS	:= $(wildcard sys/kern/*.c)
HOSTED_SRCS	:= $(wildcard sys/hosted/*.c)
XEN_SRCS	:= $(wildcard xen/*.c xen/xenbus/*.c xen/blkfront/*.c \
		   xen/balloon/*.c)
COMPAT_SRCS	:= $(wildcard compat/*/*.c)
LIBSYS		:= $(O)/lib/libpvsys.a
LIBSYS_OBJS	:= $(patsubst %.c,$(O)/obj/%.o,$(KERN_SRCS) $(HOSTED_SRCS))
# The drivers: the same objects serve every platform.
LIBPV		:= $(O)/lib/libpv.a
LIBPV_OBJS	:= $(patsubst %.c,$(O)/obj/%.o,$(XEN_SRCS) $(COMPAT_SRCS))

$(LIBSYS): $(LIBSYS_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(LIBPV): $(LIBPV_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# Tools ------------------------------------------------------------------
XENSIM_SRCS	:= $(wildcard tools/xensim/*.c)
XENSIM_OBJS	:= $(patsubst %.c,$(O)/obj/%.o,$(filter-out %/xensim-ctl.c,$(XENSIM_SRCS)))
BINS		:= $(O)/bin/xensim $(O)/bin/xensim-ctl

$(O)/bin/xensim: $(XENSIM_OBJS) $(LIBSYS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_HOSTED)

XBDTOOL_OBJS	:= $(patsubst %.c,$(O)/obj/%.o,$(wildcard tools/xbdtool/*.c))
BINS		+= $(O)/bin/xbdtool

$(O)/bin/xbdtool: $(XBDTOOL_OBJS) $(LIBPV) $(LIBSYS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_HOSTED)

# The host's check of what the guest's verify wrote: the guest's own
# stamp code, built for the host.
BINS		+= $(O)/bin/pvkit-imgcheck
$(O)/obj/tools/vm/pvkit-imgcheck.o $(O)/obj/sys/x86/guest_stamp.o: \
	CPPFLAGS += -Isys/x86/include

$(O)/bin/pvkit-imgcheck: $(O)/obj/tools/vm/pvkit-imgcheck.o \
	$(O)/obj/sys/x86/guest_stamp.o
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $^

# QMP from shell scripts and tests, without Python.
BINS		+= $(O)/bin/pvkit-qmp
$(O)/bin/pvkit-qmp: $(O)/obj/tools/vm/pvkit-qmp.o
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $^

# The toolstack command speaks xenstore through the real libxenstore.
$(O)/bin/xensim-ctl: $(O)/obj/tools/xensim/xensim-ctl.o $(LIBPV) $(LIBSYS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $^ -lxenstore $(LDLIBS_HOSTED)

# Tests ------------------------------------------------------------------
# tests/a/b/x_test.c -> $(O)/tests/a/b/x_test, linked with the hosted
# platform and ATF; tests/lib holds their shared helpers.
TEST_C_SRCS	:= $(shell find tests -name '*_test.c' | sort)
TEST_SH_SRCS	:= $(shell find tests -name '*_test.sh' | sort)
TEST_KYUAFILES	:= $(shell find tests -name Kyuafile | sort)
TESTLIB_SRCS	:= $(wildcard tests/lib/*.c)
TESTLIB_OBJS	:= $(patsubst %.c,$(O)/obj/%.o,$(TESTLIB_SRCS))
TEST_HELPER_SRCS := $(shell find tests -name '*_helper.c' | sort)
TEST_PROGS	:= $(patsubst tests/%.c,$(O)/tests/%,$(TEST_C_SRCS)) \
		   $(patsubst tests/%.c,$(O)/tests/%,$(TEST_HELPER_SRCS)) \
		   $(patsubst tests/%.sh,$(O)/tests/%,$(TEST_SH_SRCS)) \
		   $(patsubst tests/%,$(O)/tests/%,$(TEST_KYUAFILES))

$(O)/tests/%_test: $(O)/obj/tests/%_test.o $(TESTLIB_OBJS) $(LIBPV) $(LIBSYS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $^ -latf-c $(LDLIBS_HOSTED) $(TEST_LDLIBS)

# Programs the shell tests drive: hosted kernels, without ATF.
$(O)/tests/%_helper: $(O)/obj/tests/%_helper.o $(LIBPV) $(LIBSYS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_HOSTED)

$(O)/tests/%_test: tests/%_test.sh
	@mkdir -p $(@D)
	install -m 755 $< $@

$(O)/tests/Kyuafile: tests/Kyuafile
	@mkdir -p $(@D)
	cp $< $@

$(O)/tests/%/Kyuafile: tests/%/Kyuafile
	@mkdir -p $(@D)
	cp $< $@

$(O)/obj/tests/%.o: CPPFLAGS += -Itests

# Shell helpers that atf-sh tests source from beside them.
TEST_SUBRS	:= $(shell find tests -name '*.subr' | sort)
TEST_PROGS	+= $(patsubst tests/%,$(O)/tests/%,$(TEST_SUBRS))

$(O)/tests/%.subr: tests/%.subr
	@mkdir -p $(@D)
	cp $< $@

# The one test of the real libxenstore client links it.
$(O)/tests/tools/xensim/libxenstore_test: LDLIBS_HOSTED += -lxenstore
# blkback_fault_test reads dom0's error nodes through it.
$(O)/tests/tools/xensim/blkback_fault_test: LDLIBS_HOSTED += -lxenstore
# xensim's hypervisor ops, unit-tested on a domain the test builds.
$(O)/tests/tools/xensim/gntmap_test: $(O)/obj/tools/xensim/hv_gnttab.o \
	$(O)/obj/tools/xensim/domain_mem.o
$(O)/obj/tests/tools/xensim/gntmap_test.o: CPPFLAGS += -Itools

# Fuzzing ----------------------------------------------------------------
# libFuzzer on xenstored's message parser, always with clang and under
# ASan/UBSan, in build/fuzz whatever O is.  New inputs go to
# build/fuzz/xs_fuzz.corpus; the seeds in tools/xensim/fuzz/corpus stay.
FUZZ_O		:= build/fuzz
FUZZ_RUNS	?= 1000000
FUZZ_CC		?= clang
FUZZ_SRCS	:= tools/xensim/fuzz/xs_fuzz.c \
		   $(filter-out %/xs_sock.c,$(wildcard tools/xensim/xs_*.c)) \
		   sys/kern/subr_string.c
FUZZ_CFLAGS	:= -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1

.PHONY: fuzz

$(FUZZ_O)/xs_fuzz: $(FUZZ_SRCS) $(wildcard tools/xensim/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -Itools/xensim $(WARNS) $(FUZZ_CFLAGS) \
	    -o $@ $(FUZZ_SRCS)

# libFuzzer on the virtqueue's used-ring processing: a device writing
# anything into the used ring.  Seeds start empty.
VQ_FUZZ_SRCS	:= compat/virtio/fuzz/vq_fuzz.c compat/virtio/virtqueue.c \
		   $(filter-out %/kern_pci.c,$(KERN_SRCS)) $(HOSTED_SRCS)

$(FUZZ_O)/vq_fuzz: $(VQ_FUZZ_SRCS) $(wildcard compat/include/*/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(WARNS) $(FUZZ_CFLAGS) -o $@ $(VQ_FUZZ_SRCS) \
	    -lpthread

# One target: FUZZ_RUNS executions, its log and new inputs in build/fuzz.
define run_fuzzer
	@mkdir -p $(FUZZ_O)/$(1).corpus
	@echo "fuzz: $(1): $(FUZZ_RUNS) runs; log in $(FUZZ_O)/$(1).log"
	@t0=$$(date +%s); \
	$(FUZZ_O)/$(1) -runs=$(FUZZ_RUNS) -max_len=8192 -timeout=10 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_O)/$(1)- \
	    $(FUZZ_O)/$(1).corpus $(2) >$(FUZZ_O)/$(1).log 2>&1; \
	rc=$$?; t1=$$(date +%s); \
	n=$$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    $(FUZZ_O)/$(1).log); \
	if [ $$rc -ne 0 ]; then tail -n 60 $(FUZZ_O)/$(1).log; fi; \
	echo "fuzz: $(1): $${n:-?} executions in $$((t1 - t0)) s, exit $$rc"; \
	exit $$rc
endef

fuzz:
	@tools/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_O)/xs_fuzz $(FUZZ_O)/vq_fuzz
	$(call run_fuzzer,xs_fuzz,tools/xensim/fuzz/corpus)
	$(call run_fuzzer,vq_fuzz,)

# Benchmarks: printed figures, never asserted.
$(O)/bin/membw: $(O)/obj/tools/bench/membw.o
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $^

.PHONY: xenhost xentest
xenhost:
	@tools/xenhost/build.sh $(O)/xenhost

# The guest on real Xen 4.17 (inside QEMU TCG): blkfront against Linux
# blkback.  Not part of make test: it builds a 150 MB dom0 first.
xentest: xenhost $(GUEST_ELF) $(O)/bin/pvkit-imgcheck
	@tools/xenhost/run.sh --out $(O)/xenhost \
	    --file $(GUEST_ELF):/root/guest.elf \
	    --file $(O)/bin/pvkit-imgcheck:/root/pvkit-imgcheck \
	    tools/xenhost/guest-tests.sh

.PHONY: bench
bench:
	@tools/deps.sh bench
	@$(MAKE) --no-print-directory all $(O)/bin/membw
	@tools/bench/blkfront_bench.sh $(O)
	@tools/bench/vtblk_bench.sh $(O)
	@tools/bench/guest_bench.sh $(O)

# The reference guest kernel (sys/x86), when present.
-include sys/x86/guest.mk

# Targets ----------------------------------------------------------------
all: $(LIBSYS) $(LIBPV) $(BINS) $(TEST_PROGS)

deps:
	@tools/deps.sh test

test: deps
	@$(MAKE) --no-print-directory all
	@tools/kyua-run.sh $(O)/tests

clean:
	rm -rf build

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
