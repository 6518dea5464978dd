/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arch.h - the CPU-specific view of a thread's registers: what
 * tracee_regs() fills (ptrace.h) and what the unwinder starts from. One
 * implementation per CPU (arch_x86_64.c); nothing else knows the layout.
 */
#ifndef PF_ARCH_H
#define PF_ARCH_H

#include "compat.h"

#define ARCH_REGS_WORDS 64	/* room for any CPU's general registers */

/* General registers as PTRACE_GETREGSET(NT_PRSTATUS) wrote them. */
struct regs {
	uint64_t w[ARCH_REGS_WORDS];
	size_t len;		/* bytes the kernel filled */
};

/* The bytes of a complete register set on this CPU. */
size_t arch_regs_size(void);

/* Program counter, stack pointer, frame pointer of a complete set. */
uint64_t arch_regs_pc(const struct regs *r);
uint64_t arch_regs_sp(const struct regs *r);
uint64_t arch_regs_fp(const struct regs *r);

/*
 * arch_regs_thread_pointer - the thread pointer (x86-64: fs_base), which
 * is the thread's pthread_t with the C libraries of Linux (glibc, musl):
 * what Python records as a thread's identifier, so a thread state can be
 * matched to its kernel thread before 3.11.
 */
uint64_t arch_regs_thread_pointer(const struct regs *r);

/*
 * arch_dwarf_reg - the value of DWARF register `regno` (the numbering of
 * the CPU's psABI, which libunwind's register numbers follow for the
 * general registers). 0, or -PF_ENOENT for a register the set lacks (or a
 * short set: r->len < arch_regs_size()).
 */
int arch_dwarf_reg(const struct regs *r, int regno, uint64_t *out);

/*
 * arch_branch_targets - pure: the targets of the direct jumps (not calls)
 * found in machine code code[0..len) loaded at `addr`, into out[0..cap);
 * returns how many were found (at most cap). The bytes are scanned, not
 * decoded: a byte pattern inside another instruction can yield a target
 * that is none, so callers must not trust a single one.
 */
size_t arch_branch_targets(const uint8_t *code, size_t len, uint64_t addr,
			   uint64_t *out, size_t cap);

/* Fill `r` from a register layout built by hand (tests): pc, sp, fp and
 * zero for the rest. */
void arch_regs_make(struct regs *r, uint64_t pc, uint64_t sp, uint64_t fp);

#endif
