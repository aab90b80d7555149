# pvkit: one entry point.  GNU make, non-recursive.
#
#   make                build everything hosted
#   make test           run the kyua suite (SANITIZE=1: under ASan/UBSan)
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
CPPFLAGS += -D_GNU_SOURCE -Isys/include -Isys/hosted/include -Isys
ALL_CFLAGS = $(WARNS) $(CFLAGS) $(SANFLAGS) -MMD -MP
LDLIBS_HOSTED = -lpthread

.PHONY: all test clean deps
.SECONDARY:
.DEFAULT_GOAL := all

# Libraries --------------------------------------------------------------
KERN_SRCS	:= $(wildcard sys/kern/*.c)
HOSTED_SRCS	:= $(wildcard sys/hosted/*.c)
LIBSYS		:= $(O)/lib/libpvsys.a
LIBSYS_OBJS	:= $(patsubst %.c,$(O)/obj/%.o,$(KERN_SRCS) $(HOSTED_SRCS))

$(LIBSYS): $(LIBSYS_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# Tools ------------------------------------------------------------------
XENSIM_SRCS	:= $(wildcard tools/xensim/*.c)
XENSIM_OBJS	:= $(patsubst %.c,$(O)/obj/%.o,$(filter-out %/xensim-ctl.c,$(XENSIM_SRCS)))
BINS		:= $(O)/bin/xensim

$(O)/bin/xensim: $(XENSIM_OBJS) $(LIBSYS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_HOSTED)

# Tests ------------------------------------------------------------------
# tests/a/b/x_test.c -> $(O)/tests/a/b/x_test, linked with the hosted
# platform and ATF; tests/lib holds their shared helpers.
TEST_C_SRCS	:= $(shell find tests -name '*_test.c' | sort)
TEST_SH_SRCS	:= $(shell find tests -name '*_test.sh' | sort)
TEST_KYUAFILES	:= $(shell find tests -name Kyuafile | sort)
TESTLIB_SRCS	:= $(wildcard tests/lib/*.c)
TESTLIB_OBJS	:= $(patsubst %.c,$(O)/obj/%.o,$(TESTLIB_SRCS))
TEST_PROGS	:= $(patsubst tests/%.c,$(O)/tests/%,$(TEST_C_SRCS)) \
		   $(patsubst tests/%.sh,$(O)/tests/%,$(TEST_SH_SRCS)) \
		   $(patsubst tests/%,$(O)/tests/%,$(TEST_KYUAFILES))

$(O)/tests/%_test: $(O)/obj/tests/%_test.o $(TESTLIB_OBJS) $(LIBSYS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $^ -latf-c $(LDLIBS_HOSTED)

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

# Targets ----------------------------------------------------------------
all: $(LIBSYS) $(BINS) $(TEST_PROGS)

deps:
	@tools/deps.sh test

test: deps
	@$(MAKE) --no-print-directory all
	@tools/kyua-run.sh $(O)/tests

clean:
	rm -rf build

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
