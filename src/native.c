/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native.c - remote unwinding with libunwind over our own accessors, and
 * names for the addresses found, cached per address.
 */
#include "compat.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "err.h"
#include "maps.h"
#include "native.h"
#include "symbols.h"
#include "xalloc.h"

struct native_name {
	uint64_t pc;		/* 0: an empty slot */
	const char *object;
	const char *symbol;
	const char *part_of;
	uint64_t offset;
};

#define PART_SCAN_MAX (4u << 20)	/* bytes of a followed function scanned */
#define PART_TARGETS 65536		/* jumps looked at in it */
#define PART_MIN_JUMPS 2

#define UNKNOWN_OBJECT "[unknown]"
#define NATIVE_NAMES_MAX (1u << 18)	/* addresses whose names are kept */

/* ------------------------------------------------------- name cache */

static uint64_t hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdu;
	x ^= x >> 33;
	return x;
}

static void names_clear(struct native *n)
{
	if (n->names)
		memset(n->names, 0, (n->names_mask + 1) * sizeof *n->names);
	n->names_used = 0;
}

static struct native_name *names_slot(const struct native *n, uint64_t pc)
{
	size_t i = hash_u64(pc) & n->names_mask;

	while (n->names[i].pc != 0 && n->names[i].pc != pc)
		i = (i + 1) & n->names_mask;
	return &n->names[i];
}

static void names_grow(struct native *n)
{
	struct native_name *old = n->names;
	size_t oldcap = old ? n->names_mask + 1 : 0, cap = oldcap ? oldcap * 2 : 1024;

	n->names = xreallocarray(NULL, cap, sizeof *n->names);
	memset(n->names, 0, cap * sizeof *n->names);
	n->names_mask = cap - 1;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].pc != 0)
			*names_slot(n, old[i].pc) = old[i];
	free(old);
}

static void names_put(struct native *n, uint64_t pc, const struct native_frame *f)
{
	struct native_name *slot;

	if (n->names_used >= NATIVE_NAMES_MAX)
		names_clear(n);		// bounded: addresses that never repeat (JIT code)
	if (!n->names || (n->names_used + 1) * 2 > n->names_mask + 1)
		names_grow(n);
	slot = names_slot(n, pc);
	if (slot->pc == 0)
		n->names_used++;
	*slot = (struct native_name){ pc, f->object, f->symbol, f->part_of, f->offset };
}

static struct native_demangled *demangled_slot(const struct native *n, const char *name)
{
	size_t i = hash_u64((uintptr_t)name) & n->demangled_mask;

	while (n->demangled[i].mangled && n->demangled[i].mangled != name)
		i = (i + 1) & n->demangled_mask;
	return &n->demangled[i];
}

static void demangled_grow(struct native *n)
{
	struct native_demangled *old = n->demangled;
	size_t oldcap = old ? n->demangled_mask + 1 : 0, cap = oldcap ? oldcap * 2 : 256;

	n->demangled = xreallocarray(NULL, cap, sizeof *old);
	memset(n->demangled, 0, cap * sizeof *old);
	n->demangled_mask = cap - 1;
	for (size_t k = 0; k < oldcap; k++)
		if (old[k].mangled)
			*demangled_slot(n, old[k].mangled) = old[k];
	free(old);
}

/* The readable form of a C++ name, demangled once per symbol (keyed by
 * the name's address: symbol tables are never freed before n is). */
static const char *demangled(struct native *n, const char *name)
{
	struct native_demangled *slot;

	if (strncmp(name, "_Z", 2) != 0)
		return name;
	if (!n->demangled || (n->demangled_used + 1) * 2 > n->demangled_mask + 1)
		demangled_grow(n);
	slot = demangled_slot(n, name);
	if (!slot->mangled) {
		slot->mangled = name;
		slot->readable = demangle_cxx(name);
		n->demangled_used++;
	}
	return slot->readable ? slot->readable : name;
}

/* ------------------------------------------------------- objects */

static void forget_addresses(struct native *n);
static void find_parts(struct native *n, uint32_t idx);

int native_follow(struct native *n, const char *symbol)
{
	if (n->nfollow == NATIVE_FOLLOW_MAX)
		return pf_fail(PF_ELIMIT, "more than %d functions followed", NATIVE_FOLLOW_MAX);
	n->follow[n->nfollow++] = xstrdup(symbol);
	return 0;
}

/* The followed function that link-time address `vaddr` of object `idx`
 * was split off, or NULL. */
static const char *part_at(struct native *n, uint32_t idx, uint64_t vaddr)
{
	struct objfile *o = &n->objs.objs[idx];

	if (!o->parts_done)
		find_parts(n, idx);
	for (size_t i = 0; i < o->nparts; i++)
		if (vaddr >= o->parts[i].lo && vaddr < o->parts[i].hi)
			return o->parts[i].of;
	return NULL;
}

/* Re-read the maps (once per unwind or naming: n->refreshed). */
static int refresh_maps(struct native *n)
{
	uint64_t gen = n->objs.generation;
	int rc;

	n->refreshed = true;
	n->map_refreshes++;
	if ((rc = objmap_refresh(&n->objs)) < 0)
		return rc;
	if (n->objs.generation != gen)
		forget_addresses(n);
	return 0;
}

/* The mapping of `addr`; the maps are re-read once per unwind (or per
 * naming) when it is in none. */
static const struct objmap_range *range_at(struct native *n, uint64_t addr)
{
	const struct objmap_range *r = objmap_find(&n->objs, addr);

	if (r || n->refreshed || refresh_maps(n) < 0)
		return r;
	return objmap_find(&n->objs, addr);
}

/* The loaded object whose code holds `pc`, or NULL. */
static struct objfile *code_at(struct native *n, uint64_t pc)
{
	const struct objmap_range *r = range_at(n, pc);

	if (!r || !(r->perms & MAP_PERM_X) || objmap_load(&n->objs, r->obj) < 0)
		return NULL;
	return &n->objs.objs[r->obj];
}

int native_name(struct native *n, uint64_t pc, struct native_frame *out)
{
	const struct objmap_range *r;
	struct native_name *hit;
	struct objfile *o;
	const char *sym;
	uint64_t off;

	if (n->names && pc != 0 && (hit = names_slot(n, pc))->pc == pc) {
		*out = (struct native_frame){ hit->object, hit->symbol, hit->part_of, hit->offset };
		return 0;
	}
	n->refreshed = false;
	r = range_at(n, pc);
	*out = (struct native_frame){ UNKNOWN_OBJECT, NULL, NULL, pc };
	if (r && objmap_load(&n->objs, r->obj) < 0) {
		out->object = n->objs.objs[r->obj].base;
		out->offset = pc - r->start + r->offset;	// a file offset
	} else if (r) {
		o = &n->objs.objs[r->obj];
		out->object = o->base;
		out->offset = pc - o->bias;
		sym = symbols_lookup(objmap_symbols(&n->objs, r->obj), pc - o->bias, &off);
		if (sym) {
			out->symbol = demangled(n, sym);
			out->offset = 0;
		} else {
			out->part_of = part_at(n, r->obj, pc - o->bias);
		}
	}
	if (pc != 0)
		names_put(n, pc, out);
	return 0;
}

void native_copy_release(struct native_copy *c)
{
	free(c->data);
	memset(c, 0, sizeof *c);
}

int native_locate(struct native *n, uint64_t pc, const char **path, uint64_t *vaddr)
{
	const struct objmap_range *r;

	n->refreshed = false;
	if (!(r = range_at(n, pc)))
		return pf_fail(PF_ENOENT, "0x%" PRIx64 " is in no file mapping", pc);
	*path = n->objs.objs[r->obj].path;
	if (objmap_load(&n->objs, r->obj) < 0)
		*vaddr = pc - r->start + r->offset;
	else
		*vaddr = pc - n->objs.objs[r->obj].bias;
	return 0;
}

#ifdef PF_NATIVE
#include <libunwind.h>

/*
 * libunwind's search of a remote .eh_frame_hdr table: exported by
 * libunwind-generic and used by its own ptrace accessors, but not declared
 * in its public headers.
 */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
					      unw_dyn_info_t *di, unw_proc_info_t *pi,
					      int need_unwind_info, void *arg);

#define RS_CACHE_SIZE 1024	/* per-address register-state cache entries */

static void forget_addresses(struct native *n)
{
	names_clear(n);
	rcache_reset(&n->rodata);
	if (n->as)
		unw_flush_cache(n->as, 0, 0);
}

/* ------------------------------------------------------- accessors */

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			  int need_unwind_info, void *arg)
{
	struct native *n = arg;
	struct objfile *o = code_at(n, ip);
	unw_dyn_info_t di;
	int rc;

	if (!o || !o->has_table || ip < o->exec_lo || ip >= o->exec_hi) {
		n->heuristic = true;
		return -UNW_ENOINFO;
	}
	n->table_searches++;
	memset(&di, 0, sizeof di);
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.start_ip = o->exec_lo;
	di.end_ip = o->exec_hi;
	di.u.rti.segbase = o->ehhdr;
	di.u.rti.table_data = o->eh.table;
	di.u.rti.table_len = o->eh.fde_count * 8 / sizeof(unw_word_t);
	rc = UNW_OBJ(dwarf_search_unwind_table)(as, ip, &di, pi, need_unwind_info, arg);
	if (rc < 0)
		n->heuristic = true;
	return rc;
}

static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	(void)as;
	(void)pi;
	(void)arg;	// table entries are freed by libunwind itself
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr, void *arg)
{
	(void)as;
	(void)addr;
	(void)arg;
	return -UNW_ENOINFO;	// no dynamically registered unwind info
}

/* A read of the stack beyond the copy, at `addr`: counted once per unwind,
 * and the next copies made long enough for it (a quarter more). */
static void read_late(struct native *n, uint64_t addr)
{
	uint64_t need = addr + 8 - n->copy->lo;

	need += need / 4;
	need = (need + RCACHE_PAGE - 1) & ~(uint64_t)(RCACHE_PAGE - 1);
	if (need > n->stack_plan)
		n->stack_plan = need < NATIVE_STACK_COPY_MAX ? (size_t)need : NATIVE_STACK_COPY_MAX;
	if (!n->late)
		n->late_unwinds++;
	n->late = true;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write,
		      void *arg)
{
	struct native *n = arg;
	const struct native_copy *c = n->copy;

	(void)as;
	const struct objmap_range *r;

	if (write)
		return -UNW_EINVAL;
	if (addr >= c->lo && addr - c->lo + sizeof *val <= c->len) {
		memcpy(val, c->data + (addr - c->lo), sizeof *val);
		return 0;
	}
	r = objmap_find(&n->objs, addr);
	if (r && !(r->perms & MAP_PERM_W))
		return rcache_read(&n->rodata, addr, val, sizeof *val) == 0 ? 0 : -UNW_EINVAL;
	if (addr >= c->lo && addr < c->end)
		read_late(n, addr);
	return rcache_read(&n->cache, addr, val, sizeof *val) == 0 ? 0 : -UNW_EINVAL;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write,
		      void *arg)
{
	struct native *n = arg;
	uint64_t v;

	(void)as;
	if (write)
		return -UNW_EREADONLYREG;
	if (arch_dwarf_reg(&n->copy->regs, reg, &v) < 0)
		return -UNW_EBADREG;
	*val = v;
	return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val,
			int write, void *arg)
{
	(void)as;
	(void)reg;
	(void)val;
	(void)write;
	(void)arg;
	return -UNW_EBADREG;	// no floating-point register is read
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	(void)as;
	(void)c;
	(void)arg;
	return -UNW_EINVAL;	// the target is never resumed by libunwind
}

/* ------------------------------------------------------- split parts */

/* Count one jump into the table entry [lo, hi) of function `of`. */
static void count_jump(struct objfile *o, uint64_t lo, uint64_t hi, const char *of,
		       uint32_t **hits)
{
	size_t i;

	for (i = 0; i < o->nparts; i++)
		if (o->parts[i].lo == lo && o->parts[i].of == of)
			break;
	if (i == o->nparts) {
		XGROW(o->parts, o->parts_cap, o->nparts + 1);
		*hits = xreallocarray(*hits, o->parts_cap, sizeof **hits);
		o->parts[o->nparts] = (struct objpart){ lo, hi, of };
		(*hits)[o->nparts++] = 0;
	}
	(*hits)[i]++;
}

/* The jumps of function `name` of object `o` into unnamed code. */
static void scan_function(struct native *n, struct objfile *o, const char *name,
			  uint64_t *targets, uint32_t **hits)
{
	const struct symbols *syms = &o->syms;
	uint64_t value, size, off, unused;
	const char *of;
	uint8_t *code;
	size_t count;

	if (symbols_find(syms, name, &value, &size) < 0 ||
	    elf_vaddr_to_offset(&o->elf, value, &off) < 0 ||
	    !(of = symbols_lookup(syms, value, &unused)))
		return;
	size = size < PART_SCAN_MAX ? size : PART_SCAN_MAX;
	code = xmalloc((size_t)size);
	count = elf_read(&o->elf, off, code, (size_t)size) < 0 ? 0 :
		arch_branch_targets(code, (size_t)size, value, targets, PART_TARGETS);
	free(code);
	for (size_t i = 0; i < count; i++) {
		uint64_t t = targets[i], at = t + o->bias;
		unw_proc_info_t pi;

		if (t - value < size || symbols_lookup(syms, t, &unused) ||
		    at < o->exec_lo || at >= o->exec_hi ||
		    unw_get_proc_info_by_ip(n->as, at, &pi, n) < 0 ||
		    symbols_lookup(syms, pi.start_ip - o->bias, &unused))
			continue;
		count_jump(o, pi.start_ip - o->bias, pi.end_ip - o->bias, of, hits);
	}
}

/* Find, once per object, the parts split off the followed functions. */
static void find_parts(struct native *n, uint32_t idx)
{
	struct objfile *o = &n->objs.objs[idx];
	uint64_t *targets;
	uint32_t *hits = NULL;
	size_t kept = 0;

	o->parts_done = true;
	if (!n->nfollow || o->state != OBJ_READY || !n->as)
		return;
	objmap_symbols(&n->objs, idx);
	targets = xreallocarray(NULL, PART_TARGETS, sizeof *targets);
	for (size_t f = 0; f < n->nfollow; f++)
		scan_function(n, o, n->follow[f], targets, &hits);
	for (size_t i = 0; i < o->nparts; i++)
		if (hits[i] >= PART_MIN_JUMPS)
			o->parts[kept++] = o->parts[i];
	o->nparts = kept;
	free(hits);
	free(targets);
}

/* ------------------------------------------------------- unwinding */

int native_open(struct native *n, pid_t pid, struct remote *r)
{
	unw_accessors_t acc = {
		.find_proc_info = find_proc_info,
		.put_unwind_info = put_unwind_info,
		.get_dyn_info_list_addr = get_dyn_info_list_addr,
		.access_mem = access_mem,
		.access_reg = access_reg,
		.access_fpreg = access_fpreg,
		.resume = resume,
		.get_proc_name = NULL,	// names come from symbols.c alone
	};
	unw_addr_space_t as;
	int rc;

	memset(n, 0, sizeof *n);
	n->pid = pid;
	n->r = r;
	objmap_init(&n->objs, pid, r);
	if ((rc = objmap_refresh(&n->objs)) < 0) {
		objmap_release(&n->objs);
		return rc;
	}
	as = unw_create_addr_space(&acc, 0);
	if (!as)
		PF_BUG("libunwind cannot create an address space");
	unw_set_caching_policy(as, UNW_CACHE_GLOBAL);
	unw_set_cache_size(as, RS_CACHE_SIZE, 0);
	n->as = as;
	rcache_init(&n->cache, r);
	rcache_init(&n->rodata, r);
	n->stack_plan = NATIVE_STACK_COPY;
	return 0;
}

void native_close(struct native *n)
{
	if (n->as)
		unw_destroy_addr_space(n->as);
	for (size_t i = 0; n->demangled && i <= n->demangled_mask; i++)
		free(n->demangled[i].readable);
	free(n->demangled);
	free(n->names);
	for (size_t i = 0; i < n->nfollow; i++)
		free(n->follow[i]);
	rcache_release(&n->cache);
	rcache_release(&n->rodata);
	objmap_release(&n->objs);
	memset(n, 0, sizeof *n);
}

int native_copy(struct native *n, const struct regs *regs, struct native_copy *c)
{
	const struct map_entry *e;
	uint64_t sp, lo;
	size_t len;
	int rc;

	c->regs = *regs;
	c->lo = c->end = 0;
	c->len = 0;
	if (regs->len < arch_regs_size())
		return pf_fail(PF_ETORN, "short register set");
	sp = arch_regs_sp(regs);
	if (!(e = maps_find_addr(&n->objs.maps, sp)))
		return 0;	/* mapped since the maps were read: native_unwind reads it */
	lo = sp - e->start < NATIVE_BELOW_SP ? e->start : sp - NATIVE_BELOW_SP;
	len = e->end - sp < n->stack_plan ? (size_t)(e->end - lo) : n->stack_plan + (size_t)(sp - lo);
	XGROW(c->data, c->cap, len);
	if ((rc = remote_read(n->r, lo, c->data, len)) < 0)
		return rc == -PF_EGONE ? rc : 0;
	c->lo = lo;
	c->end = e->end;
	c->len = len;
	return 0;
}

/* Whether pc lies in code of an object with an unwind table. */
static bool known_code(struct native *n, uint64_t pc)
{
	struct objfile *o = code_at(n, pc);

	return o && pc >= o->exec_lo && pc < o->exec_hi;
}

static int start(struct native *n, const struct native_copy *c, unw_cursor_t *cur)
{
	if (c->regs.len < arch_regs_size())
		return pf_fail(PF_ETORN, "short register set");
	n->copy = c;
	n->refreshed = false;
	n->late = false;
	n->unwinds++;
	rcache_reset(&n->cache);
	if (!c->end && !maps_find_addr(&n->objs.maps, arch_regs_sp(&c->regs)) &&
	    refresh_maps(n) < 0)	/* a new thread's stack: copied next time */
		return pf_fail(PF_ETORN, "cannot re-read the maps");
	if (unw_init_remote(cur, n->as, n) < 0)
		return pf_fail(PF_ETORN, "libunwind cannot start from these registers");
	return 0;
}

int native_unwind(struct native *n, const struct native_copy *c, uint64_t *pcs,
		  size_t max, size_t *count, bool *whole)
{
	unw_cursor_t cur;
	unw_word_t ip;
	uint64_t pc;
	int rc;

	*count = 0;
	*whole = false;
	if ((rc = start(n, c, &cur)) < 0)
		return rc;
	pc = arch_regs_pc(&c->regs);
	while (*count < max) {
		bool exact;

		pcs[(*count)++] = pc;
		if (!known_code(n, pc)) {
			n->stops_unknown++;
			break;
		}
		exact = unw_is_signal_frame(&cur) > 0;
		n->heuristic = false;
		rc = unw_step(&cur);
		if (rc == 0) {
			*whole = true;	// no caller: the outermost frame
			break;
		}
		if (rc < 0 || n->heuristic || unw_get_reg(&cur, UNW_REG_IP, &ip) < 0)
			break;
		if (ip == 0) {
			*whole = true;
			break;
		}
		pc = exact ? ip : ip - 1;
	}
	n->frames += *count;
	return 0;
}

#else	/* !PF_NATIVE */

static void forget_addresses(struct native *n)
{
	names_clear(n);
}

static void find_parts(struct native *n, uint32_t idx)
{
	n->objs.objs[idx].parts_done = true;
}

int native_open(struct native *n, pid_t pid, struct remote *r)
{
	memset(n, 0, sizeof *n);
	(void)pid;
	(void)r;
	return pf_fail(PF_EUNSUPPORTED, "pyflame was built without native stack support");
}

void native_close(struct native *n)
{
	free(n->names);
	for (size_t i = 0; i < n->nfollow; i++)
		free(n->follow[i]);
	memset(n, 0, sizeof *n);
}

int native_copy(struct native *n, const struct regs *regs, struct native_copy *c)
{
	(void)n;
	(void)regs;
	(void)c;
	return pf_fail(PF_EUNSUPPORTED, "pyflame was built without native stack support");
}

int native_unwind(struct native *n, const struct native_copy *c, uint64_t *pcs,
		  size_t max, size_t *count, bool *whole)
{
	(void)n;
	(void)c;
	(void)pcs;
	(void)max;
	*count = 0;
	*whole = false;
	return pf_fail(PF_EUNSUPPORTED, "pyflame was built without native stack support");
}

#endif
