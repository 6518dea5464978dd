/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pythreads.c - threads' names read from the target's threading module
 * (or the kernel), cached, and made into root frames.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "proc.h"
#include "pythreads.h"
#include "xalloc.h"

#define KEYS_HEAD 64		/* bytes of a dict or keys object's head */
#define KEYS_READ_MAX (1u << 20)	/* bytes of a dict's entries read, at most */
#define NAME_CHARS 256		/* code points of a name read */
#define STR_READ (64 + 4 * NAME_CHARS)

void pythreads_init(struct pythreads *pt, struct remote *r, const struct pyloc *loc, pid_t pid)
{
	uint8_t dbg[PYOFFSETS_DEBUG_MAX];

	memset(pt, 0, sizeof *pt);
	pt->r = r;
	pt->loc = loc;
	pt->pid = pid;
	pt->keys_ix = -1;
	pt->usable = threadname_layout(loc->version, &pt->lay) == 0 && loc->types.dict_type &&
		     loc->str_type;
	/* 3.13+: where imports.modules lies, from the target's own account */
	if (pt->usable && loc->runtime && loc->version >= 0x030d0000 &&
	    remote_read(r, loc->runtime, dbg, sizeof dbg) == 0)
		pt->usable = threadname_import_debug(&pt->lay, dbg, sizeof dbg) == 0;
}

void pythreads_release(struct pythreads *pt)
{
	for (size_t i = 0; i < pt->n; i++)
		strbuf_release(&pt->v[i].name);
	free(pt->v);
	free(pt->buf);
	memset(pt, 0, sizeof *pt);
}

/* ------------------------------------------------------------ objects */

static int read_ptr(struct pythreads *pt, uint64_t addr, uint64_t *out)
{
	*out = 0;
	return remote_read_ptr(pt->r, addr, out);
}

static bool has_type(struct pythreads *pt, uint64_t obj, uint64_t type)
{
	uint64_t t;

	return obj && type && read_ptr(pt, obj + pt->loc->off.ob_type, &t) == 0 && t == type;
}

/* Up to `want` bytes at `addr`, fewer where the page it starts in ends
 * and the next cannot be read: an object near the end of a mapping. */
static int read_upto(struct pythreads *pt, uint64_t addr, uint8_t *buf, size_t want, size_t *got)
{
	size_t to_page = 4096 - (addr & 4095);

	*got = want;
	if (remote_read(pt->r, addr, buf, want) == 0)
		return 0;
	*got = to_page < want ? to_page : want;
	return remote_read(pt->r, addr, buf, *got);
}

/* Whether the str object at `obj` reads as `s`. */
static bool str_is(struct pythreads *pt, uint64_t obj, const char *s)
{
	uint8_t buf[128];
	size_t got;

	return has_type(pt, obj, pt->loc->str_type) &&
	       read_upto(pt, obj, buf, sizeof buf, &got) == 0 &&
	       threadname_str_is(&pt->loc->off, buf, got, s);
}

/* The entries of the dict at `dict` into pt->buf: *k says where they
 * lie; *values is the split dict's values array (0 if combined). */
static int read_entries(struct pythreads *pt, uint64_t dict, struct threadname_keys *k,
			uint64_t *values)
{
	const struct pyoffsets *o = &pt->loc->off;
	uint8_t head[KEYS_HEAD];
	uint64_t keys = 0;
	size_t len;
	int rc;

	*values = 0;
	if (!has_type(pt, dict, pt->loc->types.dict_type))
		return pf_fail(PF_EFORMAT, "not a dict");
	if (o->dict_table != PYOFF_NONE) {	/* 2.7 */
		uint64_t mask;

		if ((rc = remote_read(pt->r, dict, head, sizeof head)) < 0)
			return rc;
		memcpy(&mask, head + o->dict_mask, 8);
		memcpy(&keys, head + o->dict_table, 8);
		if ((rc = threadname_table27(o, mask, k)) < 0)
			return rc;
	} else {
		if ((rc = read_ptr(pt, dict + o->dict_keys, &keys)) < 0 ||
		    (rc = read_ptr(pt, dict + o->dict_values, values)) < 0 ||
		    (rc = remote_read(pt->r, keys, head, sizeof head)) < 0 ||
		    (rc = threadname_keys(o, head, sizeof head, k)) < 0)
			return rc;
	}
	len = threadname_keys_bytes(k);
	if (len > KEYS_READ_MAX)
		return pf_fail(PF_ELIMIT, "dict too large");
	XGROW(pt->buf, pt->buf_cap, len);
	return remote_read(pt->r, keys, pt->buf, len);
}

/* The index of the entry keyed `key` (a str) in the dict at `dict`, and
 * its value (read from the values array of a split dict). */
static int dict_find(struct pythreads *pt, uint64_t dict, const char *key, uint64_t *value)
{
	struct threadname_keys k;
	uint64_t values, kp;
	int rc;

	if ((rc = read_entries(pt, dict, &k, &values)) < 0)
		return rc;
	for (size_t i = 0; i < k.nentries; i++) {
		if (!threadname_entry(&k, pt->buf, threadname_keys_bytes(&k), i, &kp, value) ||
		    !str_is(pt, kp, key))
			continue;
		if (values)
			return read_ptr(pt, values + pt->lay.values_items + 8 * i, value);
		return 0;
	}
	return pf_fail(PF_ENOENT, "no '%s' in the dict", key);
}

/* ------------------------------------------------- threading._active */

static int interp(struct pythreads *pt, uint64_t *out)
{
	const struct pyloc *l = pt->loc;

	if (l->off.rt_interp_head != PYOFF_NONE)
		return read_ptr(pt, l->runtime + l->off.rt_interp_head, out);
	return read_ptr(pt, l->interp_head, out);
}

/* sys.modules["threading"].__dict__["_active"] */
static int find_active(struct pythreads *pt)
{
	uint64_t is, modules, threading, md, active;
	int rc;

	if ((rc = interp(pt, &is)) < 0 || (rc = read_ptr(pt, is + pt->lay.is_modules, &modules)) < 0 ||
	    (rc = dict_find(pt, modules, "threading", &threading)) < 0 ||
	    (rc = read_ptr(pt, threading + pt->lay.md_dict, &md)) < 0 ||
	    (rc = dict_find(pt, md, "_active", &active)) < 0)
		return rc;
	if (!has_type(pt, active, pt->loc->types.dict_type))
		return pf_fail(PF_EFORMAT, "threading._active is not a dict");
	pt->active = active;
	return 0;
}

/* ------------------------------------------------- a Thread's `_name` */

/* The first bytes of the Thread's type (read once per type). */
static int thread_type(struct pythreads *pt, uint64_t obj)
{
	uint64_t type;
	size_t got;
	int rc;

	if ((rc = read_ptr(pt, obj + pt->loc->off.ob_type, &type)) < 0)
		return rc;
	if (type == pt->type && type)
		return 0;
	pt->type = 0;
	if ((rc = read_upto(pt, type, pt->type_bytes, sizeof pt->type_bytes, &got)) < 0)
		return rc;
	if (got < (size_t)pt->lay.ht_cached_keys + 8 || got < (size_t)pt->lay.tp_dictoffset + 8)
		return pf_fail(PF_EFORMAT, "type object too short");
	pt->type = type;
	return 0;
}

static uint64_t type_field(const struct pythreads *pt, uint32_t at)
{
	uint64_t v;

	memcpy(&v, pt->type_bytes + at, sizeof v);
	return v;
}

/* The index of the name attribute in the shared keys at `keys`. */
static int shared_index(struct pythreads *pt, uint64_t keys, int64_t *ix)
{
	struct threadname_keys k;
	uint8_t head[KEYS_HEAD];
	uint64_t kp, v;
	int rc;

	if (keys && keys == pt->keys) {
		*ix = pt->keys_ix;
		return *ix < 0 ? pf_fail(PF_ENOENT, "no name in the shared keys") : 0;
	}
	if ((rc = remote_read(pt->r, keys, head, sizeof head)) < 0 ||
	    (rc = threadname_keys(&pt->loc->off, head, sizeof head, &k)) < 0)
		return rc;
	if (threadname_keys_bytes(&k) > KEYS_READ_MAX)
		return pf_fail(PF_ELIMIT, "shared keys too large");
	XGROW(pt->buf, pt->buf_cap, threadname_keys_bytes(&k));
	if ((rc = remote_read(pt->r, keys, pt->buf, threadname_keys_bytes(&k))) < 0)
		return rc;
	pt->keys = keys;
	pt->keys_ix = -1;
	for (size_t i = 0; i < k.nentries && pt->keys_ix < 0; i++)
		if (threadname_entry(&k, pt->buf, threadname_keys_bytes(&k), i, &kp, &v) &&
		    str_is(pt, kp, pt->lay.name_attr))
			pt->keys_ix = (int64_t)i;
	return shared_index(pt, keys, ix);
}

/* 3.11+: the attribute in the values array (indexed by the type's shared
 * keys) or, when the object has a dict of its own, there. */
static int managed_attr(struct pythreads *pt, uint64_t obj, uint64_t *out)
{
	uint64_t words[2], values = 0, dict = 0;
	int64_t ix;
	uint8_t head[8];
	int rc;

	if ((rc = remote_read(pt->r, obj - 32, words, sizeof words)) < 0)
		return rc;
	if (pt->lay.attrs == ATTRS_MANAGED_311) {
		values = words[0];
		dict = words[1];
	} else if (pt->lay.attrs == ATTRS_MANAGED_312) {
		values = words[1] & 1 ? words[1] + 1 : 0;	/* it points at the prefix's last byte */
		dict = words[1] & 1 ? 0 : words[1];
	} else {
		dict = words[1];
		if (!dict && (type_field(pt, pt->lay.tp_flags) & pt->lay.inline_flag)) {
			values = obj + type_field(pt, pt->lay.tp_basicsize);
			if ((rc = remote_read(pt->r, values, head, sizeof head)) < 0)
				return rc;
			if (!head[3])	/* not valid: the dict holds them */
				return pf_fail(PF_ENOENT, "inline values not valid");
		}
	}
	if (dict)
		return dict_find(pt, dict, pt->lay.name_attr, out);
	if (!values)
		return pf_fail(PF_ENOENT, "no attributes");
	if ((rc = shared_index(pt, type_field(pt, pt->lay.ht_cached_keys), &ix)) < 0)
		return rc;
	if (pt->lay.attrs == ATTRS_INLINE_313 && ix >= head[1])
		return pf_fail(PF_ENOENT, "no name among the inline values");
	return read_ptr(pt, values + pt->lay.values_items + 8 * (uint64_t)ix, out);
}

/* The `_name` object of the Thread at `obj`. */
static int name_object(struct pythreads *pt, uint64_t obj, uint64_t *out)
{
	int64_t off;
	uint64_t dict;
	int rc;

	if ((rc = thread_type(pt, obj)) < 0)
		return rc;
	if (pt->lay.attrs != ATTRS_DICTOFFSET) {
		if (!(type_field(pt, pt->lay.tp_flags) & pt->lay.managed_flag))
			return pf_fail(PF_EFORMAT, "a Thread without a managed dict");
		return managed_attr(pt, obj, out);
	}
	off = (int64_t)type_field(pt, pt->lay.tp_dictoffset);
	if (off <= 0 || off > THREADNAME_DICTOFFSET_MAX)
		return pf_fail(PF_EFORMAT, "implausible tp_dictoffset %lld", (long long)off);
	if ((rc = read_ptr(pt, obj + (uint64_t)off, &dict)) < 0)
		return rc;
	return dict_find(pt, dict, pt->lay.name_attr, out);
}

/* ------------------------------------------------------------ entries */

/* Full: forget the threads `_active` no longer lists (ended ones). */
static void evict(struct pythreads *pt)
{
	size_t kept = 0;

	for (size_t i = 0; i < pt->n; i++) {
		if (pt->v[i].in_active)
			pt->v[kept++] = pt->v[i];
		else
			strbuf_release(&pt->v[i].name);
	}
	pt->n = kept;
}

static struct pythreads_entry *entry_of(struct pythreads *pt, uint64_t ident, bool add)
{
	struct pythreads_entry *e;

	for (size_t i = 0; i < pt->n; i++)
		if (pt->v[i].ident == ident)
			return &pt->v[i];
	if (add && pt->n >= PYTHREADS_MAX)
		evict(pt);
	if (!add || pt->n >= PYTHREADS_MAX)
		return NULL;
	XGROW(pt->v, pt->cap, pt->n + 1);
	e = &pt->v[pt->n++];
	memset(e, 0, sizeof *e);
	e->ident = ident;
	e->frame = UINT32_MAX;
	strbuf_init(&e->name);
	return e;
}

/* Make `text` e's name; its frame is remade if the name changed. */
static void set_name(struct pythreads_entry *e, const char *text, size_t len)
{
	if (len == e->name.len && memcmp(text, e->name.buf, len) == 0)
		return;
	strbuf_reset(&e->name);
	strbuf_add(&e->name, text, len);
	e->frame = UINT32_MAX;
}

/* Make e's name the text of the str at `obj`. false if it is not one. */
static bool take_name(struct pythreads *pt, struct pythreads_entry *e, uint64_t obj, uint64_t now)
{
	uint8_t buf[STR_READ];
	struct strbuf sb;
	size_t got;
	bool cut, ok;

	strbuf_init(&sb);
	ok = has_type(pt, obj, pt->loc->str_type) && read_upto(pt, obj, buf, sizeof buf, &got) == 0 &&
	     threadname_str(&pt->loc->off, buf, got, NAME_CHARS, &sb, &cut) == 0;
	if (ok)
		set_name(e, sb.buf, sb.len);
	strbuf_release(&sb);
	e->name_obj = ok ? obj : 0;
	e->read_ns = now;
	return ok;
}

/* One entry of `_active`: ident -> Thread. */
static void refresh_one(struct pythreads *pt, uint64_t key, uint64_t thread, uint64_t now)
{
	const struct pyloc *l = pt->loc;
	bool int27 = l->types.int_type && has_type(pt, key, l->types.int_type);
	struct pythreads_entry *e;
	uint8_t buf[64];
	uint64_t ident, name;

	if ((!int27 && !has_type(pt, key, l->types.long_type)) ||
	    remote_read(pt->r, key, buf, sizeof buf) < 0 ||
	    threadname_int(&l->off, buf, sizeof buf, int27, &ident) < 0 ||
	    !(e = entry_of(pt, ident, true)) || name_object(pt, thread, &name) < 0)
		return;
	e->in_active = name == e->name_obj && now - e->read_ns < PYTHREADS_REREAD_NS ?
			       true : take_name(pt, e, name, now);
}

/* Read `_active` (found first if need be). false: it could not be read,
 * and the names stay as they were. */
static bool refresh_active(struct pythreads *pt, uint64_t now, bool fresh)
{
	uint64_t pairs[2 * PYTHREADS_MAX];	/* pt->buf is reused below */
	struct threadname_keys k;
	uint64_t values, key, value;
	size_t n, np = 0;

	/* a new thread may well come with threading imported: look sooner */
	if (!pt->active && (pt->find_ns == 0 ||
			    now - pt->find_ns >= (fresh ? PYTHREADS_MISS_NS : PYTHREADS_FIND_NS))) {
		pt->find_ns = now;
		find_active(pt);
	}
	if (!pt->active)
		return true;
	if (read_entries(pt, pt->active, &k, &values) < 0 || values) {
		pt->active = 0;	/* gone or replaced: look for it again */
		return false;
	}
	for (size_t i = 0; i < pt->n; i++)
		pt->v[i].in_active = false;
	n = k.nentries < PYTHREADS_MAX ? k.nentries : PYTHREADS_MAX;
	for (size_t i = 0; i < n; i++)
		if (threadname_entry(&k, pt->buf, threadname_keys_bytes(&k), i, &key, &value) && value) {
			pairs[2 * np] = key;
			pairs[2 * np++ + 1] = value;
		}
	for (size_t i = 0; i < np; i++)
		refresh_one(pt, pairs[2 * i], pairs[2 * i + 1], now);
	return true;
}

/* Threads threading does not know (or no longer): the kernel's name. */
static void native_name(struct pythreads *pt, struct pythreads_entry *e)
{
	char path[64];
	struct strbuf sb;

	if (e->tid <= 0)
		return;
	strbuf_init(&sb);
	snprintf(path, sizeof path, "task/%d/comm", (int)e->tid);
	if (proc_read(pt->pid, path, &sb) == 0) {
		while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\0'))
			sb.len--;
		set_name(e, sb.buf, sb.len);
	}
	strbuf_release(&sb);
	e->name_obj = 0;
}

static void refresh(struct pythreads *pt, uint64_t now, bool fresh)
{
	pt->refresh_ns = now;
	for (size_t i = 0; i < pt->n; i++)
		pt->v[i].tid_tried = false;	/* an ident may be another thread's now */
	if (pt->usable && !refresh_active(pt, now, fresh))
		return;
	for (size_t i = 0; i < pt->n; i++)
		if (!pt->v[i].in_active)
			native_name(pt, &pt->v[i]);
}

/* <= 3.10: the TID from glibc's struct pthread, if the kernel lists it. */
static void find_tid(struct pythreads *pt, struct pythreads_entry *e, const struct pythread *t)
{
	int32_t tid = 0;
	char state;

	if (e->tid_tried)
		return;
	e->tid_tried = true;
	if (t->native_id)
		tid = (int32_t)t->native_id;
	else if (remote_read(pt->r, t->thread_id + PYTHREADS_PTHREAD_TID, &tid, sizeof tid) < 0 ||
		 tid <= 0 || proc_task_state(pt->pid, tid, &state) < 0)
		tid = 0;
	if (tid != e->tid)
		e->frame = UINT32_MAX;
	e->tid = tid;
}

static uint32_t root_frame(struct stacks *st, int32_t tid, uint64_t ident, const char *name,
			   size_t len)
{
	struct frame f = { .kind = FRAME_THREAD };
	struct strbuf sb;

	strbuf_init(&sb);
	threadname_label(tid, ident, name, len, &sb);
	f.file = stacks_intern_str(st, "", 0);
	f.name = stacks_intern_str(st, sb.buf, sb.len);
	strbuf_release(&sb);
	return stacks_intern_frame(st, &f);
}

uint32_t pythreads_root(struct pythreads *pt, struct stacks *st, const struct pythread *t,
			uint64_t now_ns)
{
	bool fresh = !entry_of(pt, t->thread_id, false);
	/* added before a refresh, so that the refresh names it; looked up
	 * again after it, which may move the entries */
	struct pythreads_entry *e = entry_of(pt, t->thread_id, true);

	if (e)
		find_tid(pt, e, t);
	if (pt->refresh_ns == 0 || now_ns - pt->refresh_ns >= PYTHREADS_REFRESH_NS ||
	    (fresh && now_ns - pt->refresh_ns >= PYTHREADS_MISS_NS)) {
		refresh(pt, now_ns, fresh);
		if ((e = entry_of(pt, t->thread_id, true)))
			find_tid(pt, e, t);
	}
	if (!e)		/* past PYTHREADS_MAX: by its ident alone */
		return root_frame(st, (int32_t)t->native_id, t->thread_id, "", 0);
	if (!e->in_active && !e->name.len)
		native_name(pt, e);
	if (e->frame == UINT32_MAX)
		e->frame = root_frame(st, e->tid, e->ident, e->name.buf, e->name.len);
	return e->frame;
}
