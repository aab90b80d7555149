/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Internal to sys/x86: how the pieces of the guest kernel reach each
 * other.  Drivers never include this.
 */
#ifndef _X86_X86_VAR_H_
#define _X86_X86_VAR_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/arch-x86/hvm/start_info.h>

#include <pv/intr.h>

struct trapframe;

/* Interrupt vectors. */
#define	VEC_TIMER	0x20
#define	VEC_DEV_FIRST	0x30		/* device interrupts (INTx, MSI) */
#define	VEC_DEV_LAST	0xef
#define	VEC_SPURIOUS	0xff

/* x86_boot.c */
extern uint64_t	boot_tsc_entry;		/* locore: TSC at the PVH entry */
extern uint32_t	boot_start_info;
extern uint32_t	boot_multiboot;		/* locore: entered through multiboot */
/* x86_multiboot.c: the loader's command line and memory map; NULL or why. */
const char *multiboot_copy(uint32_t mbi_pa);
extern char	boot_loader[48];	/* the Multiboot loader's name, or "" */

/* x86_cons.c: COM1, and leaving QEMU. */
void	uart_init(void);
void	uart_puts(const char *s);
void	x86_exit(uint32_t code) __attribute__((noreturn));
void	x86_reboot(void) __attribute__((noreturn));

/* x86_mem.c */
#define	MEMMAP_MAX	64
extern struct hvm_memmap_table_entry mem_map[MEMMAP_MAX];
extern unsigned	mem_map_count;
int	mem_init(void);
int	mem_add_ram(void);
uint64_t mem_ram_bytes(void);
uint64_t mem_heap_bytes(void);

/* x86_pmap.c: the identity map. */
void	pmap_init(void);
int	pmap_map_device(uint64_t pa, uint64_t len);
int	pmap_map_ram(uint64_t pa, uint64_t len);

/* x86_trap.c */
void	idt_init(void);
typedef void x86_vec_fn(void *arg, unsigned vec);
void	vec_set_handler(unsigned vec, x86_vec_fn *fn, void *arg);
bool	in_intr(void);

/* x86_lapic.c */
int	lapic_init(void);
void	lapic_eoi(void);
uint32_t lapic_id(void);
void	lapic_timer_arm(uint64_t ns);
uint64_t lapic_timer_count(void);
uint64_t lapic_timer_hz(void);
void	lapic_self_ipi(unsigned vec);

/* x86_clock.c */
void	clock_init(void);
uint64_t tsc_freq_hz(void);
const char *tsc_freq_source(void);
uint64_t tsc_to_ns(uint64_t tsc);

/* x86_acpi.c: what the MADT says about interrupt routing. */
struct acpi_irq {
	uint32_t	ai_gsi;
	bool		ai_level;
	bool		ai_active_low;
};
int	acpi_init(uint64_t rsdp_pa);
/* The RSDP where a BIOS leaves it (EBDA, 0xe0000-0xfffff); 0: none. */
uint64_t acpi_find_rsdp(void);
uint64_t acpi_ioapic_addr(void);
unsigned acpi_cpu_count(void);
/* Segment 0's ECAM window from the MCFG; false when there is none. */
bool	acpi_ecam(uint64_t *pap, unsigned *bus0p, unsigned *bus1p);
bool	acpi_irq_override(unsigned irq, struct acpi_irq *ai);

/* x86_ioapic.c */
int	ioapic_init(void);
int	ioapic_route(uint32_t gsi, unsigned vec, bool level, bool active_low);
void	ioapic_mask(uint32_t gsi, bool masked);
unsigned ioapic_pins(void);

/* x86_intr.c: hardware vectors as sources of pv_intr posts. */
struct x86_isrc;
int	isrc_alloc_msi(struct x86_isrc **isp);
int	isrc_get_intx(struct x86_isrc **isp, uint32_t gsi, bool level,
	    bool active_low);
void	isrc_release(struct x86_isrc *is);
unsigned isrc_vector(const struct x86_isrc *is);
int	isrc_add(struct x86_isrc *is, struct pv_intr *ih);
/* The vector handler every source gets: mark, wake intrd, EOI. */
void	isrc_vector_intr(void *arg, unsigned vec);
void	isrc_remove(struct x86_isrc *is, struct pv_intr *ih);
int	intr_init(void);
void	intr_kick(void);
unsigned intr_bound_count(void);

/* x86_sched.c: the run queue.  Callers hold interrupts disabled. */
void	sched_init(void);
void	sched_start(void);
void	sched_sleep(const void *chan, const char *wmesg, uint64_t deadline_ns,
	    bool *timedoutp);
void	sched_wakeup(const void *chan, bool one);
void	sched_hwintr(void);
void	sched_idle_enable(void);
void	sched_dump(void);

/* x86_cmdline.c */
#define	CMDLINE_MAX	1024
extern char	boot_cmdline[CMDLINE_MAX];
extern char	boot_tunables[CMDLINE_MAX];	/* x86_boot.c */
const char *cmdline_get(const char *key, char *buf, size_t len);
void	cmdline_tunables(char *buf, size_t len);

/* x86_pci.c */
void	pci_init(void);
void	pci_print(void);

/* The platform's checks (pv_machine_check): x86_selftest.c, x86_pciirq.c. */
int	x86_selftest(char *why, size_t whylen);
int	x86_fault(char *why, size_t whylen);
int	x86_pciirq(char *why, size_t whylen);

#endif /* !_X86_X86_VAR_H_ */
