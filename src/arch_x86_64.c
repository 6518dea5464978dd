/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arch_x86_64.c - x86-64 registers: struct user_regs_struct (sys/user.h) as
 * PTRACE_GETREGSET(NT_PRSTATUS) writes it, and the psABI's DWARF numbers.
 */
#include "compat.h"

#include <stddef.h>
#include <string.h>
#include <sys/user.h>

#include "arch.h"
#include "err.h"

_Static_assert(sizeof(struct user_regs_struct) <= sizeof(((struct regs *)0)->w),
	       "struct regs too small");

/* DWARF numbers 0-16 (System V x86-64 psABI, table 3.36): rax, rdx, rcx,
 * rbx, rsi, rdi, rbp, rsp, r8-r15, return address (rip). */
static const size_t dwarf_offsets[] = {
	offsetof(struct user_regs_struct, rax), offsetof(struct user_regs_struct, rdx),
	offsetof(struct user_regs_struct, rcx), offsetof(struct user_regs_struct, rbx),
	offsetof(struct user_regs_struct, rsi), offsetof(struct user_regs_struct, rdi),
	offsetof(struct user_regs_struct, rbp), offsetof(struct user_regs_struct, rsp),
	offsetof(struct user_regs_struct, r8), offsetof(struct user_regs_struct, r9),
	offsetof(struct user_regs_struct, r10), offsetof(struct user_regs_struct, r11),
	offsetof(struct user_regs_struct, r12), offsetof(struct user_regs_struct, r13),
	offsetof(struct user_regs_struct, r14), offsetof(struct user_regs_struct, r15),
	offsetof(struct user_regs_struct, rip),
};

size_t arch_regs_size(void)
{
	return sizeof(struct user_regs_struct);
}

static uint64_t word_at(const struct regs *r, size_t off)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)r->w + off, sizeof v);
	return v;
}

uint64_t arch_regs_pc(const struct regs *r)
{
	return word_at(r, offsetof(struct user_regs_struct, rip));
}

uint64_t arch_regs_sp(const struct regs *r)
{
	return word_at(r, offsetof(struct user_regs_struct, rsp));
}

uint64_t arch_regs_fp(const struct regs *r)
{
	return word_at(r, offsetof(struct user_regs_struct, rbp));
}

uint64_t arch_regs_thread_pointer(const struct regs *r)
{
	return word_at(r, offsetof(struct user_regs_struct, fs_base));
}

int arch_dwarf_reg(const struct regs *r, int regno, uint64_t *out)
{
	if (r->len < sizeof(struct user_regs_struct))
		return pf_fail(PF_ENOENT, "short register set (%zu bytes)", r->len);
	if (regno < 0 || (size_t)regno >= PF_ARRAY_SIZE(dwarf_offsets))
		return pf_fail(PF_ENOENT, "no register %d in the general set", regno);
	*out = word_at(r, dwarf_offsets[regno]);
	return 0;
}

void arch_regs_make(struct regs *r, uint64_t pc, uint64_t sp, uint64_t fp)
{
	struct user_regs_struct u;

	memset(&u, 0, sizeof u);
	u.rip = pc;
	u.rsp = sp;
	u.rbp = fp;
	memset(r, 0, sizeof *r);
	memcpy(r->w, &u, sizeof u);
	r->len = sizeof u;
}

/* jmp rel32 (e9) and jcc rel32 (0f 80-8f): how GCC reaches a function's
 * split-off parts (".cold"). */
size_t arch_branch_targets(const uint8_t *code, size_t len, uint64_t addr,
			   uint64_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i + 5 <= len && n < cap; i++) {
		size_t op = code[i] == 0xe9 ? 1 :
			    code[i] == 0x0f && i + 6 <= len && (code[i + 1] & 0xf0) == 0x80 ? 2 : 0;
		int32_t rel;

		if (!op)
			continue;
		memcpy(&rel, code + i + op, 4);
		out[n++] = addr + i + op + 4 + (uint64_t)(int64_t)rel;
	}
	return n;
}
