# The reference guest kernel: build/guest.elf, one file with four ways
# in (PVH note, Multiboot header, Linux boot protocol setup, and Xen's
# ELF loader): the x86 platform (sys/x86), the shared kernel (sys/kern),
# the drivers, and this program (sys/guest) on top.  Included by the top
# Makefile.
#
#   make guest          build $(O)/guest.elf
#   make run            boot it with a scratch disk, verify, and report
#   make boot           boot it (APPEND="workload=NAME ...", VMFLAGS=...)
#
# Freestanding: no libc is linked.  The C library's headers still supply
# declarations and macros (string.h, stdio.h, errno.h, endian.h); sys/x86
# implements the few functions behind them.

GUEST_O		:= $(O)/guest
GUEST_ELF	:= $(O)/guest.elf
GUEST_CC	?= $(CC)
# GCC would turn the byte loops of memset and memcpy into calls to
# themselves; clang has no such pass and no flag for it.
GUEST_NOLIBCALL	:= $(shell $(GUEST_CC) -fno-tree-loop-distribute-patterns \
		   -Werror -E -x c /dev/null >/dev/null 2>&1 && \
		   echo -fno-tree-loop-distribute-patterns)
GUEST_CFLAGS	:= $(WARNS) -O2 -g -ffreestanding -fno-pic -fno-pie \
		   -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
		   -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
		   $(GUEST_NOLIBCALL) -fcf-protection=none \
		   -U_FORTIFY_SOURCE -MMD -MP
GUEST_CPPFLAGS	:= -D_GNU_SOURCE -D__XEN_INTERFACE_VERSION__=0x00040e00 \
		   -Isys/include -Isys -Ixen/include -Icompat/include
# Only the platform sees its own headers: a driver or the program that
# includes one does not build.
$(GUEST_O)/obj/sys/x86/%.o: GUEST_MD_CPPFLAGS := -Isys/x86/include
GUEST_LDFLAGS	:= -nostdlib -static -Wl,-T,sys/x86/guest.ld \
		   -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
		   -Wl,-z,noexecstack

# The platform, the shared kernel and the program are linked whole; the
# drivers come from an archive, so that only those the program references
# are pulled in.
GUEST_MD_SRCS	:= $(wildcard sys/x86/*.c)
GUEST_PROG_SRCS	:= $(wildcard sys/guest/*.c)
GUEST_MD_OBJS	:= $(GUEST_O)/obj/sys/x86/locore.o \
		   $(patsubst %.c,$(GUEST_O)/obj/%.o,$(GUEST_MD_SRCS) $(KERN_SRCS) \
		   $(GUEST_PROG_SRCS))
GUEST_DRV_SRCS	:= $(XEN_SRCS) $(COMPAT_SRCS)
GUEST_DRV_OBJS	:= $(patsubst %.c,$(GUEST_O)/obj/%.o,$(GUEST_DRV_SRCS))
GUEST_DRV_LIB	:= $(GUEST_O)/lib/libpvdrv.a

.PHONY: guest run boot

guest: $(GUEST_ELF)
BUILD_TARGETS	+= $(GUEST_ELF)

$(GUEST_O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,CC,guest/$(patsubst $(GUEST_O)/obj/%,%,$@))
	$(Q)$(GUEST_CC) $(GUEST_CPPFLAGS) $(GUEST_MD_CPPFLAGS) $(GUEST_CFLAGS) \
	    -c -o $@ $<

$(GUEST_O)/obj/%.o: %.S
	@mkdir -p $(@D)
	$(call msg,AS,guest/$(patsubst $(GUEST_O)/obj/%,%,$@))
	$(Q)$(GUEST_CC) $(GUEST_CPPFLAGS) $(GUEST_MD_CPPFLAGS) -MMD -MP -c -o $@ $<

$(GUEST_DRV_LIB): $(GUEST_DRV_OBJS)
	$(archive)

# The Linux boot protocol's setup (sys/x86/setup.S) is linked on its own
# at 0 and goes into the ELF's padding at file offsets 0x1f1-0xfff, which
# must still be zero: headers that grew into it stop the build.
GUEST_SETUP	:= $(GUEST_O)/setup.bin
$(GUEST_SETUP): $(GUEST_O)/obj/sys/x86/setup.o
	$(call msg,LD,$@)
	$(Q)$(GUEST_CC) -nostdlib -static -Wl,--section-start=.setup=0 \
	    -Wl,-e,0 -Wl,--build-id=none -o $@.elf $<
	$(Q)objcopy -O binary -j .setup $@.elf $@
	$(Q)test "$$(wc -c <$@)" -eq 4096 || \
	    { echo "$@: not 4096 bytes" >&2; rm -f $@; exit 1; }

$(GUEST_ELF): $(GUEST_MD_OBJS) $(GUEST_DRV_LIB) $(GUEST_SETUP) sys/x86/guest.ld
	$(call msg,LD,$@)
	$(Q)$(GUEST_CC) $(GUEST_LDFLAGS) -o $@.tmp $(GUEST_MD_OBJS) \
	    $(GUEST_DRV_LIB)
	$(Q)cmp -s -i 497:0 -n 3599 $@.tmp /dev/zero || \
	    { echo "$@: file offsets 0x1f1-0xfff are in use" >&2; exit 1; }
	$(Q)dd if=$(GUEST_SETUP) of=$@.tmp bs=1 skip=497 seek=497 count=3599 \
	    conv=notrunc status=none
	$(Q)mv $@.tmp $@

APPEND		?= workload=selftest
VMFLAGS		?=

# make run: the report run (tools/vm/pvkit-run).  make boot: one boot with
# your own command line and launcher options.
# Every program tools/vm/pvkit-run runs is built first.
RUN_TOOLS	:= $(GUEST_ELF) $(O)/bin/pvkit-imgcheck $(O)/bin/pvkit-qmp

run:
	@tools/deps.sh run
	@$(MAKE) --no-print-directory $(RUN_TOOLS)
	@tools/vm/pvkit-run $(O)

boot:
	@tools/deps.sh run
	@$(MAKE) --no-print-directory $(GUEST_ELF)
	tools/vm/pvkit-vm --kernel $(GUEST_ELF) --append "$(APPEND)" $(VMFLAGS)

-include $(shell find $(GUEST_O)/obj -name '*.d' 2>/dev/null)
