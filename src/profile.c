/* SPDX-License-Identifier: Apache-2.0 */
/* profile.c - the read interface of a profile, and names of threads and frames. */
#include "compat.h"

#include <inttypes.h>
#include <string.h>

#include "err.h"
#include "profile.h"

size_t profile_nstacks(const struct profile *p)
{
	return p->st->nstacks;
}

uint64_t profile_count(const struct profile *p, uint32_t stack)
{
	if (stack >= p->st->nstacks)
		PF_BUG("stack id out of range");
	return p->st->stacks[stack].count;
}

const uint32_t *profile_frames(const struct profile *p, uint32_t stack, size_t *depth)
{
	return stacks_frames(p->st, stack, depth);
}

uint32_t profile_stack_origin(const struct profile *p, uint32_t stack)
{
	if (stack >= p->st->nstacks)
		PF_BUG("stack id out of range");
	return p->st->stacks[stack].origin;
}

uint64_t profile_idle(const struct profile *p)
{
	return p->include_idle ? p->st->idle : 0;
}

uint64_t profile_failed(const struct profile *p)
{
	return p->st->failed;
}

const struct chart_event *profile_events(const struct profile *p, size_t *n)
{
	*n = p->st->nevents;
	return p->st->events;
}

size_t profile_norigins(const struct profile *p)
{
	return p->st->norigins;
}

const struct origin *profile_origin(const struct profile *p, uint32_t origin)
{
	return stacks_origin(p->st, origin);
}

void profile_thread_label(const struct profile *p, uint32_t origin, struct strbuf *out)
{
	const struct origin *o = profile_origin(p, origin);

	if (o->tid)
		strbuf_addf(out, "thread %" PRId32, o->tid);
	else
		strbuf_addf(out, "thread %" PRIu64, o->thread);
}

const struct frame *profile_frame(const struct profile *p, uint32_t frame)
{
	return stacks_frame(p->st, frame);
}

const char *profile_str(const struct profile *p, uint32_t str, size_t *len)
{
	return stacks_str(p->st, str, len);
}

size_t profile_nstrs(const struct profile *p)
{
	return p->st->nstrs;
}

/* ------------------------------------------------------------ file paths */

/* The end of "DIR/" found in path[0..len) (the offset just past it), or 0. */
static size_t after_dir(const char *path, size_t len, const char *dir)
{
	size_t m = strlen(dir), found = 0;

	for (size_t i = 0; i + m <= len; i++)
		if (memcmp(path + i, dir, m) == 0)
			found = i + m;	/* the last one: a venv inside a tree */
	return found;
}

/* The offset past "/lib/pythonX.Y[suffix]/" in path, or 0. */
static size_t after_stdlib(const char *path, size_t len)
{
	static const char lib[] = "/lib/python";
	size_t m = sizeof lib - 1, found = 0;

	for (size_t i = 0; i + m < len; i++) {
		size_t j = i + m;

		if (memcmp(path + i, lib, m) != 0 || path[j] < '0' || path[j] > '9')
			continue;
		while (j < len && path[j] != '/')
			j++;
		if (j < len)
			found = j + 1;
	}
	return found;
}

static size_t after_site(const char *path, size_t len)
{
	size_t a = after_dir(path, len, "/site-packages/");
	size_t b = after_dir(path, len, "/dist-packages/");

	return a > b ? a : b;
}

enum frame_class profile_path_class(const char *path, size_t len)
{
	if (after_site(path, len))
		return FRAME_CLASS_SITE;
	if (after_stdlib(path, len) || (len >= 8 && memcmp(path, "<frozen ", 8) == 0))
		return FRAME_CLASS_STDLIB;
	return FRAME_CLASS_USER;
}

size_t profile_path_short(const char *path, size_t len)
{
	size_t at = after_site(path, len), slashes = 0;

	if (!at)
		at = after_stdlib(path, len);
	if (at || len == 0 || path[0] != '/')
		return at;
	for (size_t i = len; i-- > 0;)
		if (path[i] == '/' && ++slashes == 2)
			return i + 1;
	return 0;
}

/* ----------------------------------------------------------------- frames */

enum frame_class profile_frame_class(const struct profile *p, uint32_t frame)
{
	const struct frame *f = profile_frame(p, frame);
	size_t len;
	const char *file;

	if (f->kind == FRAME_NATIVE)
		return FRAME_CLASS_NATIVE;
	if (f->kind != FRAME_PYTHON)
		return FRAME_CLASS_ROOT;
	file = profile_str(p, f->file, &len);
	return profile_path_class(file, len);
}

/* A native object's base name. */
static void add_base(struct strbuf *out, const char *path, size_t len)
{
	const char *slash = memrchr(path, '/', len);
	size_t at = slash ? (size_t)(slash - path) + 1 : 0;

	strbuf_add(out, path + at, len - at);
}

void profile_frame_name(const struct profile *p, uint32_t frame, struct strbuf *out)
{
	const struct frame *f = profile_frame(p, frame);
	size_t len, flen;
	const char *name = profile_str(p, f->name, &len);
	const char *file = profile_str(p, f->file, &flen);

	if (f->kind == FRAME_NATIVE && len == 0) {
		add_base(out, file, flen);
		strbuf_addf(out, "+0x%" PRIx64, f->offset);
		return;
	}
	strbuf_add(out, name, len);
}

void profile_frame_label(const struct profile *p, uint32_t frame, bool full, struct strbuf *out)
{
	const struct frame *f = profile_frame(p, frame);
	size_t flen, at;
	const char *file = profile_str(p, f->file, &flen);

	profile_frame_name(p, frame, out);
	if (f->kind == FRAME_NATIVE) {
		if (profile_str(p, f->name, NULL)[0]) {
			strbuf_addstr(out, " (");
			if (full)
				strbuf_add(out, file, flen);
			else
				add_base(out, file, flen);
			strbuf_addch(out, ')');
		}
		return;
	}
	if (f->kind != FRAME_PYTHON)
		return;
	at = full ? 0 : profile_path_short(file, flen);
	strbuf_addstr(out, " (");
	strbuf_add(out, file + at, flen - at);
	if (p->line_numbers)
		strbuf_addf(out, ":%" PRId32, f->line);
	strbuf_addch(out, ')');
}
