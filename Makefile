# pvkit: one entry point.  GNU make, non-recursive.
#
#   make                build everything: hosted tree, tools, tests, guest
#                       (installs the Debian packages it lacks, and says so)
#   make run            boot the reference guest and print a report
#   make test           run the kyua suite (SANITIZE=1: under ASan/UBSan)
#   make V=1 ...        print whole commands, not one line a step
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

# Quiet by default, one short line a step; V=1 prints whole commands.
V	?= 0
ifeq ($(V),1)
Q	=
msg	= @true
else
Q	= @
msg	= @printf '  %-7s %s\n' $(1) $(patsubst $(O)/%,%,$(patsubst $(O)/obj/%,%,$(2)))
endif
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
COMPAT_SRCS	:= $(wildcard compat/virtio/*.c compat/pci/*.c compat/blk/*.c \
		   compat/balloon/*.c)
# Transports only a process has: vhost-user shares memfd RAM with a
# back-end process.  Never linked into a guest kernel.
HOSTED_TRANSPORT_SRCS := $(wildcard compat/vhost/*.c)
LIBSYS		:= $(O)/lib/libpvsys.a
LIBSYS_OBJS	:= $(patsubst %.c,$(O)/obj/%.o,$(KERN_SRCS) $(HOSTED_SRCS))
# The drivers: the same objects serve every platform.
LIBPV		:= $(O)/lib/libpv.a
LIBPV_OBJS	:= $(patsubst %.c,$(O)/obj/%.o,$(XEN_SRCS) $(COMPAT_SRCS) \
		   $(HOSTED_TRANSPORT_SRCS))

# An archive is made anew, so that it never keeps a deleted object.
define archive
	@mkdir -p $(@D)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^
endef

# Link $^ into $@ with the libraries in $(1).
define link
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(1)
endef

# The workload library: the guest's and xbdtool's verify, rand and seq.
WL_SRCS		:= $(wildcard sys/guest/wl_*.c)
LIBWL		:= $(O)/lib/libpvwl.a
LIBWL_OBJS	:= $(patsubst %.c,$(O)/obj/%.o,$(WL_SRCS))

$(LIBWL): $(LIBWL_OBJS)
	$(archive)

$(LIBSYS): $(LIBSYS_OBJS)
	$(archive)

$(LIBPV): $(LIBPV_OBJS)
	$(archive)

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# Tools ------------------------------------------------------------------
XENSIM_SRCS	:= $(wildcard tools/xensim/*.c)
XENSIM_OBJS	:= $(patsubst %.c,$(O)/obj/%.o,$(filter-out %/xensim-ctl.c,$(XENSIM_SRCS)))
BINS		:= $(O)/bin/xensim $(O)/bin/xensim-ctl

$(O)/bin/xensim: $(XENSIM_OBJS) $(LIBSYS)
	$(call link,$(LDLIBS_HOSTED))

XBDTOOL_OBJS	:= $(patsubst %.c,$(O)/obj/%.o,$(wildcard tools/xbdtool/*.c))
BINS		+= $(O)/bin/xbdtool

$(XBDTOOL_OBJS): CPPFLAGS += -Isys/guest

$(O)/bin/xbdtool: $(XBDTOOL_OBJS) $(LIBWL) $(LIBPV) $(LIBSYS)
	$(call link,$(LDLIBS_HOSTED))

# The host's check of what the guest's verify wrote: the guest's own
# stamp code, built for the host.
BINS		+= $(O)/bin/pvkit-imgcheck
$(O)/obj/tools/vm/pvkit-imgcheck.o: CPPFLAGS += -Isys/guest

$(O)/bin/pvkit-imgcheck: $(O)/obj/tools/vm/pvkit-imgcheck.o \
	$(O)/obj/sys/guest/wl_stamp.o
	$(call link,)

# QMP from shell scripts and tests, without Python.
BINS		+= $(O)/bin/pvkit-qmp
$(O)/bin/pvkit-qmp: $(O)/obj/tools/vm/pvkit-qmp.o
	$(call link,)

# The toolstack command speaks xenstore through the real libxenstore.
$(O)/bin/xensim-ctl: $(O)/obj/tools/xensim/xensim-ctl.o $(LIBPV) $(LIBSYS)
	$(call link,-lxenstore $(LDLIBS_HOSTED))

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

$(O)/tests/%_test: $(O)/obj/tests/%_test.o $(TESTLIB_OBJS) $(LIBWL) $(LIBPV) \
	$(LIBSYS)
	$(call link,-latf-c $(LDLIBS_HOSTED) $(TEST_LDLIBS))

# Programs the shell tests drive: hosted kernels, without ATF.
$(O)/tests/%_helper: $(O)/obj/tests/%_helper.o $(LIBPV) $(LIBSYS)
	$(call link,$(LDLIBS_HOSTED))

# Scripts and Kyuafiles are copied beside the test programs.
define install_file
	@mkdir -p $(@D)
	$(call msg,INSTALL,$(patsubst $(O)/%,%,$@))
	$(Q)install -m $(1) $< $@
endef

$(O)/tests/%_test: tests/%_test.sh
	$(call install_file,755)

$(O)/tests/Kyuafile: tests/Kyuafile
	$(call install_file,644)

$(O)/tests/%/Kyuafile: tests/%/Kyuafile
	$(call install_file,644)

$(O)/obj/tests/%.o: CPPFLAGS += -Itests -Isys/guest

# Shell helpers that atf-sh tests source from beside them.
TEST_SUBRS	:= $(shell find tests -name '*.subr' | sort)
TEST_PROGS	+= $(patsubst tests/%,$(O)/tests/%,$(TEST_SUBRS))
# The program that boots real Xen runs once, not again under SANITIZE=1:
# tests/tools/Kyuafile includes it only where it is installed.
ifeq ($(SANITIZE),1)
TEST_PROGS	:= $(filter-out $(O)/tests/tools/xenhost/%,$(TEST_PROGS))
endif

$(O)/tests/%.subr: tests/%.subr
	$(call install_file,644)

# The one test of the real libxenstore client links it.
$(O)/tests/tools/xensim/libxenstore_test: LDLIBS_HOSTED += -lxenstore
# dom0's side of the xenbus probe test is libxenstore.
$(O)/tests/xen/xenbus/xenbus_probe_test: LDLIBS_HOSTED += -lxenstore
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

# Each fuzzer is one compile of all its sources; -MMD records every header
# they read, so that a change to any of them rebuilds it.
$(FUZZ_O)/xs_fuzz: $(FUZZ_SRCS)
	@mkdir -p $(@D)
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -Itools/xensim $(WARNS) $(FUZZ_CFLAGS) \
	    -MMD -MP -MF $@.d -o $@ $(FUZZ_SRCS)

# libFuzzer on the virtqueue's used-ring processing: a device writing
# anything into the used ring.  Seeds start empty.
VQ_FUZZ_SRCS	:= compat/virtio/fuzz/vq_fuzz.c compat/virtio/virtqueue.c \
		   $(filter-out %/kern_pci.c,$(KERN_SRCS)) $(HOSTED_SRCS)

$(FUZZ_O)/vq_fuzz: $(VQ_FUZZ_SRCS)
	@mkdir -p $(@D)
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(WARNS) $(FUZZ_CFLAGS) -MMD -MP -MF $@.d \
	    -o $@ $(VQ_FUZZ_SRCS) -lpthread

-include $(wildcard $(FUZZ_O)/*.d)

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

# Benchmarks: printed figures, never asserted.  membw is built with the
# other tools, so that the tests can check its options.
BINS		+= $(O)/bin/membw
$(O)/bin/membw: $(O)/obj/tools/bench/membw.o
	$(call link,)

# The reference guest kernel, its program and make run / make boot.
include sys/guest/guest.mk

.PHONY: xenhost xentest
# The host for make test and make bench: cached, and a line, not a failed
# target, when it cannot be built (what needs it then says it did not run).
XENHOST_BUILD	= tools/xenhost/build.sh $(O)/xenhost >$(O)/xenhost.log 2>&1; \
	    st=$$?; grep '^pvkit: install' $(O)/xenhost.log; \
	    if [ $$st -eq 0 ]; then tail -n 1 $(O)/xenhost.log; else \
	    echo "pvkit: the Xen test host did not build (see" \
	    "$(O)/xenhost.log)"; fi
xenhost:
	@tools/xenhost/build.sh $(O)/xenhost

# The guest on real Xen 4.17 (inside QEMU TCG): blkfront against Linux
# blkback.  Not part of make test: it builds a 150 MB dom0 first.
xentest:
	@tools/deps.sh run
	@$(MAKE) --no-print-directory xenhost $(GUEST_ELF) \
	    $(O)/bin/pvkit-imgcheck
	@tools/xenhost/run.sh --out $(O)/xenhost \
	    --file $(GUEST_ELF):/root/guest.elf \
	    --file $(O)/bin/pvkit-imgcheck:/root/pvkit-imgcheck \
	    tools/xenhost/cases.sh; st=$$?; \
	    tools/xenhost/report.sh $(O)/xenhost/serial.log; exit $$st

# The guest on a BIOS-bootable ISO, booted by GRUB through Multiboot.
.PHONY: iso
iso:
	@tools/deps.sh iso
	@$(MAKE) --no-print-directory $(GUEST_ELF)
	@tools/vm/pvkit-iso --kernel $(GUEST_ELF) $(O)/pvkit.iso

.PHONY: bench
bench:
	@tools/deps.sh bench
	@$(MAKE) --no-print-directory build $(O)/bin/membw
	@tools/bench/blkfront_bench.sh $(O)
	@tools/bench/vtblk_bench.sh $(O)
	@tools/bench/guest_bench.sh $(O)
	@$(XENHOST_BUILD)
	@tools/bench/xen_bench.sh $(O)

# Targets ----------------------------------------------------------------
BUILD_TARGETS	+= $(LIBSYS) $(LIBPV) $(LIBWL) $(BINS) $(TEST_PROGS)

# make: first the packages the build needs (installed, or named with the
# command that installs them), then everything that builds.
.PHONY: build
all:
	@tools/deps.sh build
	@$(MAKE) --no-print-directory build

build: $(BUILD_TARGETS)

deps:
	@tools/deps.sh test

# The Xen test host (cached; the Xen cases skip when it cannot be built)
# serves the unsanitized run only: booting QEMU twice proves nothing more.
test: deps
	@$(MAKE) --no-print-directory build
ifneq ($(SANITIZE),1)
	@$(XENHOST_BUILD)
endif
	@tools/kyua-run.sh $(O)/tests

clean:
	rm -rf build

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
