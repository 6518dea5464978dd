/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-pythreads.c - thread names read from a fake target (an in-memory
 * remote over fakeheap.h) laid out for one version of each way a Thread
 * keeps its attributes: 2.7 and 3.10 (a dict at tp_dictoffset), 3.11
 * (values before the object), 3.12 (a tagged word), 3.13 and 3.15 (inline
 * values, imports.modules from _Py_DebugOffsets). Checks the name, a
 * rename, the fallback to the kernel's name and the cache.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pythreads.h"
#include "tap.h"
#include "fakeheap.h"

#define IDENT 140000000000001ull

struct fake {
	struct fakeheap h;
	const struct pyoffsets *o;
	struct pyloc loc;
	uint64_t thread, thread_type;
};

static uint64_t new_object(struct fake *f, size_t size, uint64_t type)
{
	uint64_t at = fakeheap_alloc(&f->h, size + 32) + 32;	/* room for a pre-header */

	fakeheap_put_ptr(&f->h, at, f->o->ob_refcnt, 1);
	fakeheap_put_ptr(&f->h, at, f->o->ob_type, type);
	return at;
}

static uint64_t new_str(struct fake *f, const char *s)
{
	const struct pyoffsets *o = f->o;
	size_t n = strlen(s);
	uint64_t at;

	if (o->str_model == STR_BYTES27) {
		at = new_object(f, o->bytes_data + n + 1, f->loc.str_type);
		fakeheap_put_ptr(&f->h, at, o->bytes_size, n);
		fakeheap_put(&f->h, at, o->bytes_data, s, n);
		return at;
	}
	at = new_object(f, o->str_ascii_data + n + 1, f->loc.str_type);
	fakeheap_put_ptr(&f->h, at, o->str_length, n);
	fakeheap_put_i32(&f->h, at, o->str_state,
			 1 << o->str_kind_shift | 1 << o->str_compact_shift | 1 << o->str_ascii_shift);
	fakeheap_put(&f->h, at, o->str_ascii_data, s, n);
	return at;
}

static uint64_t new_ident(struct fake *f)
{
	const struct pyoffsets *o = f->o;
	uint64_t at, size = 2;

	if (o->str_model == STR_BYTES27) {
		at = new_object(f, 24, f->loc.types.int_type);
		fakeheap_put_ptr(&f->h, at, o->int27_value, IDENT);
		return at;
	}
	at = new_object(f, o->long_digits + 8, f->loc.types.long_type);
	fakeheap_put_ptr(&f->h, at, o->long_size, o->long_model == LONG_TAG ? size << 3 : size);
	fakeheap_put_i32(&f->h, at, o->long_digits, (int32_t)(IDENT & 0x3fffffff));
	fakeheap_put_i32(&f->h, at, o->long_digits + 4, (int32_t)(IDENT >> 30));
	return at;
}

/* A keys object (3.x; `unicode`: 16-byte entries) or 2.7 table of 8 slots
 * holding keys[i] -> values[i]. */
static uint64_t new_keys(struct fake *f, const uint64_t *keys, const uint64_t *values, size_t n,
			 bool unicode)
{
	const struct pyoffsets *o = f->o;
	bool py27 = o->dict_table != PYOFF_NONE;
	uint32_t esize = unicode ? o->due_size : o->de_size;
	uint32_t first = py27 ? 0 : o->dk_indices + 8;
	uint64_t at = fakeheap_alloc(&f->h, first + 8 * esize);

	if (!py27 && o->dk_size != PYOFF_NONE)
		fakeheap_put_ptr(&f->h, at, o->dk_size, 8);
	if (!py27 && o->dk_size == PYOFF_NONE) {
		uint8_t sizes[3] = { 3, 3, unicode };

		fakeheap_put(&f->h, at, o->dk_log2_size, sizes, 3);
	}
	if (!py27)
		fakeheap_put_ptr(&f->h, at, o->dk_nentries, n);
	for (size_t i = 0; i < n; i++) {
		uint32_t e = first + (uint32_t)i * esize;

		fakeheap_put_ptr(&f->h, at, e + (unicode ? o->due_key : o->de_key), keys[i]);
		if (values)
			fakeheap_put_ptr(&f->h, at, e + (unicode ? o->due_value : o->de_value),
					 values[i]);
	}
	return at;
}

static uint64_t new_dict(struct fake *f, uint64_t key, uint64_t value)
{
	uint64_t dict = new_object(f, 64, f->loc.types.dict_type);
	uint64_t keys = new_keys(f, &key, &value, 1, false);

	if (f->o->dict_table != PYOFF_NONE) {
		fakeheap_put_ptr(&f->h, dict, f->o->dict_mask, 7);
		fakeheap_put_ptr(&f->h, dict, f->o->dict_table, keys);
	} else {
		fakeheap_put_ptr(&f->h, dict, f->o->dict_keys, keys);
	}
	return dict;
}

/* The slot that holds the Thread's name: where a rename writes. */
static uint64_t name_slot(struct fake *f, const struct threadname_layout *l, uint64_t name)
{
	uint64_t attr_keys[2] = { new_str(f, "_target"), new_str(f, l->name_attr) };
	uint64_t values, vals[2] = { 0, name };

	if (l->attrs == ATTRS_DICTOFFSET) {
		uint64_t dict = new_dict(f, attr_keys[1], name);

		fakeheap_put_ptr(&f->h, f->thread, 16, dict);
		return (f->o->dict_table != PYOFF_NONE ? fakeheap_get_ptr(&f->h, dict, f->o->dict_table)
						       : fakeheap_get_ptr(&f->h, dict, f->o->dict_keys) +
							 f->o->dk_indices + 8) + f->o->de_value;
	}
	fakeheap_put_ptr(&f->h, f->thread_type, l->ht_cached_keys,
			 new_keys(f, attr_keys, NULL, 2, true));
	if (l->attrs == ATTRS_INLINE_313) {
		uint8_t head[4] = { 8, 2, 1, 1 };	/* capacity, size, embedded, valid */

		values = f->thread + 16;
		fakeheap_put(&f->h, values, 0, head, sizeof head);
	} else {
		values = fakeheap_alloc(&f->h, 8 * 8);
		/* 3.11: the values pointer at obj - 32; 3.12: tagged at obj - 24 */
		fakeheap_put_ptr(&f->h, f->thread - (l->attrs == ATTRS_MANAGED_312 ? 24 : 32), 0,
				 l->attrs == ATTRS_MANAGED_312 ? values - 1 : values);
	}
	fakeheap_put(&f->h, values, l->values_items, vals, sizeof vals);
	return values + l->values_items + 8;
}

/* 3.13 and 3.15: the _Py_DebugOffsets block at _PyRuntime, with what
 * threadname.c takes from it (pycore_runtime.h 3.13, pycore_debug_offsets.h
 * 3.15). */
static void build_debug_offsets(struct fake *f, const struct threadname_layout *l)
{
	uint64_t rt = f->loc.runtime, version = f->o->version;
	bool v313 = version >> 16 == 0x030d;

	fakeheap_put(&f->h, rt, 0, "xdebugpy", 8);
	fakeheap_put_ptr(&f->h, rt, 8, version);
	fakeheap_put_ptr(&f->h, rt, v313 ? 88 : 96, l->is_modules);
	fakeheap_put_ptr(&f->h, rt, v313 ? 392 : 504, l->tp_flags);
	if (!v313) {
		fakeheap_put_ptr(&f->h, rt, 512, l->tp_basicsize);
		fakeheap_put_ptr(&f->h, rt, 520, l->tp_dictoffset);
		fakeheap_put_ptr(&f->h, rt, 536, l->ht_cached_keys);
	}
}

/* The interpreter state, sys.modules, threading, _active. */
static void build_interp(struct fake *f, const struct threadname_layout *l)
{
	uint64_t is = fakeheap_alloc(&f->h, 8192), module = new_object(f, 64, 0);
	uint64_t active = new_dict(f, new_ident(f), f->thread);
	uint64_t md = new_dict(f, new_str(f, "_active"), active);
	uint64_t modules = new_dict(f, new_str(f, "threading"), module);

	fakeheap_put_ptr(&f->h, module, l->md_dict, md);
	fakeheap_put_ptr(&f->h, is, l->is_modules, modules);
	if (f->o->rt_interp_head == PYOFF_NONE) {
		f->loc.interp_head = fakeheap_alloc(&f->h, 8);
		fakeheap_put_ptr(&f->h, f->loc.interp_head, 0, is);
		return;
	}
	f->loc.runtime = fakeheap_alloc(&f->h, 4096);
	fakeheap_put_ptr(&f->h, f->loc.runtime, f->o->rt_interp_head, is);
	if (f->o->version >= 0x030d0000)
		build_debug_offsets(f, l);
}

static void build(struct fake *f, const struct pyoffsets *o, struct threadname_layout *l)
{
	memset(f, 0, sizeof *f);
	fakeheap_init(&f->h, 0);
	f->o = o;
	f->loc.off = *o;
	f->loc.version = o->version;
	f->loc.str_type = fakeheap_alloc(&f->h, 16);
	f->loc.types.dict_type = fakeheap_alloc(&f->h, 16);
	f->loc.types.long_type = fakeheap_alloc(&f->h, 16);
	f->loc.types.int_type = o->str_model == STR_BYTES27 ? fakeheap_alloc(&f->h, 16) : 0;
	threadname_layout(o->version, l);
	f->thread_type = fakeheap_alloc(&f->h, 1024);
	fakeheap_put_ptr(&f->h, f->thread_type, l->tp_flags, l->managed_flag | l->inline_flag);
	fakeheap_put_ptr(&f->h, f->thread_type, l->tp_dictoffset,
			 l->attrs == ATTRS_DICTOFFSET ? 16 : 0);
	fakeheap_put_ptr(&f->h, f->thread_type, l->tp_basicsize, 16);
	f->thread = new_object(f, 128, f->thread_type);
	build_interp(f, l);
}

/* The kernel's name of this thread. */
static void own_comm(pid_t tid, char *out, size_t cap)
{
	char path[64];
	FILE *cf;

	snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)tid);
	out[0] = '\0';
	if ((cf = fopen(path, "r"))) {
		if (fgets(out, (int)cap, cf))
			out[strcspn(out, "\n")] = '\0';
		fclose(cf);
	}
}

static bool root_is(struct pythreads *pt, struct stacks *st, uint64_t now, const char *name)
{
	struct pythread t = { .thread_id = IDENT, .native_id = (uint64_t)syscall(SYS_gettid) };
	char want[128];

	snprintf(want, sizeof want, "thread %d \"%s\"", (int)t.native_id, name);
	return same_text(stacks_str(st, stacks_frame(st, pythreads_root(pt, st, &t, now))->name,
				    NULL), want);
}

static void test_version(uint32_t version)
{
	const struct pyoffsets *o = pyoffsets_for(version);
	const uint64_t now = 1000000000ull;
	struct threadname_layout l;
	struct remote_region region;
	struct pythreads pt;
	struct remote r;
	struct stacks st;
	struct fake f;
	uint64_t slot;
	char comm[64];

	build(&f, o, &l);
	slot = name_slot(&f, &l, new_str(&f, "worker-1"));
	region = (struct remote_region){ FAKEHEAP_BASE, f.h.mem, FAKEHEAP_SIZE };
	remote_open_image(&r, &region, 1);
	stacks_init(&st, false);
	pythreads_init(&pt, &r, &f.loc, getpid());
	ok(root_is(&pt, &st, now, "worker-1"), "%s: the name set at creation", o->name);
	fakeheap_put_ptr(&f.h, slot, 0, new_str(&f, "renamed"));
	ok(root_is(&pt, &st, now + 1000000, "worker-1"), "%s: 1 ms later, the cached name",
	   o->name);
	ok(root_is(&pt, &st, now + PYTHREADS_REFRESH_NS, "renamed"),
	   "%s: after a refresh, the new name", o->name);
	fakeheap_put_ptr(&f.h, slot, 0, f.thread);	/* not a str */
	own_comm((pid_t)syscall(SYS_gettid), comm, sizeof comm);
	ok(root_is(&pt, &st, now + 2 * PYTHREADS_REFRESH_NS, comm),
	   "%s: a name that is not a str: the kernel's, '%s'", o->name, comm);
	pythreads_release(&pt);
	remote_close(&r);
	stacks_release(&st);
	free(f.h.mem);
}

int main(void)
{
	static const uint32_t versions[] = { 0x020712f0, 0x030a00f0, 0x030b00f0, 0x030c00f0,
					     0x030d00f0, 0x030f00f0 };

	for (size_t i = 0; i < PF_ARRAY_SIZE(versions); i++)
		test_version(versions[i]);
	return done_testing();
}
