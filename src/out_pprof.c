/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_pprof.c - profile.proto (github.com/google/pprof, proto/profile.proto)
 * encoded by hand and gzip'd with zlib. Field numbers, as that file has them:
 * Profile: sample_type 1, sample 2, mapping 3, location 4, function 5,
 * string_table 6, time_nanos 9, duration_nanos 10, period_type 11,
 * period 12, comment 13. ValueType: type 1, unit 2. Sample: location_id 1,
 * value 2, label 3. Label: key 1, str 2. Mapping: id 1, filename 5,
 * has_functions 7, has_filenames 8, has_line_numbers 9. Location: id 1,
 * mapping_id 2, line 4. Line: function_id 1, line 2. Function: id 1,
 * name 2, filename 4. Function.system_name stays unset: pprof would
 * otherwise demangle "<module>" into "<unknown>".
 */
#include "compat.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "err.h"
#include "output.h"
#include "pbuf.h"
#include "render.h"
#include "xalloc.h"

struct pctx {
	const struct profile *p;
	struct render r;
	struct frame_numbers fn;	/* location id = number + 1 */
	struct stacks strs;	/* the string table (its strings) and functions (its frames) */
	struct strbuf pb;	/* the Profile message */
	uint64_t period;	/* ns per sample */
};

static uint64_t str_id(struct pctx *c, const char *s, size_t len)
{
	return stacks_intern_str(&c->strs, s, len);
}

static uint64_t cstr_id(struct pctx *c, const char *s)
{
	return str_id(c, s, strlen(s));
}

static void value_type(struct pctx *c, uint32_t field, const char *type, const char *unit)
{
	struct strbuf m;

	strbuf_init(&m);
	pbuf_uint(&m, 1, cstr_id(c, type));
	pbuf_uint(&m, 2, cstr_id(c, unit));
	pbuf_bytes(&c->pb, field, m.buf, m.len);
	strbuf_release(&m);
}

/* One sample: locations leaf first, the two values, the thread label. */
static void add_sample(struct pctx *c, const uint64_t *locs, size_t n, uint64_t count,
		       uint64_t thread_str, struct strbuf *m)
{
	uint64_t values[2] = { count, count * c->period };
	struct strbuf label;

	strbuf_reset(m);
	pbuf_packed(m, 1, locs, n);
	pbuf_packed(m, 2, values, 2);
	if (thread_str) {
		strbuf_init(&label);
		pbuf_uint(&label, 1, cstr_id(c, "thread"));
		pbuf_uint(&label, 2, thread_str);
		pbuf_bytes(m, 3, label.buf, label.len);
		strbuf_release(&label);
	}
	pbuf_bytes(&c->pb, 2, m->buf, m->len);
}

static uint64_t thread_str(struct pctx *c, uint32_t origin, struct strbuf *sb)
{
	strbuf_reset(sb);
	profile_thread_label(c->p, origin, sb);
	return str_id(c, sb->buf, sb->len);
}

static void add_samples(struct pctx *c)
{
	struct strbuf m, sb;
	uint64_t *locs = NULL;
	size_t cap = 0, depth;

	strbuf_init(&m);
	strbuf_init(&sb);
	for (uint32_t id = 0; id < profile_nstacks(c->p); id++) {
		const uint32_t *frames = profile_frames(c->p, id, &depth);
		uint64_t count = profile_count(c->p, id);

		if (!count)
			continue;
		XGROW(locs, cap, depth);
		for (size_t i = 0; i < depth; i++)
			locs[i] = frame_numbers_get(&c->fn, render_key(&c->r, frames[i])) + 1u;
		add_sample(c, locs, depth, count, thread_str(c, profile_stack_origin(c->p, id), &sb),
			   &m);
	}
	for (int k = 0; k < 2; k++) {
		uint64_t n = k ? profile_failed(c->p) : profile_idle(c->p);
		uint64_t loc;

		if (!n)
			continue;
		loc = frame_numbers_get(&c->fn, render_marker(&c->r, k ? STACK_FAILED : STACK_IDLE));
		loc++;
		add_sample(c, &loc, 1, n, 0, &m);
	}
	free(locs);
	strbuf_release(&sb);
	strbuf_release(&m);
}

/* The function of a key (one per name and file): its id, written when new. */
static uint64_t function_id(struct pctx *c, uint32_t key)
{
	struct strbuf name, m;
	const struct frame *f = NULL;
	uint64_t file = 0, id;
	size_t n_before = c->strs.nframes, len;
	const char *s;

	strbuf_init(&name);
	if (render_is_marker(&c->r, key)) {
		s = render_key_text(&c->r, key, &len);
		strbuf_add(&name, s, len);
	} else {
		f = profile_frame(c->p, key);
		profile_frame_name(c->p, key, &name);
		if (f->kind == FRAME_PYTHON || f->kind == FRAME_NATIVE) {
			s = profile_str(c->p, f->file, &len);
			file = str_id(c, s, len);
		}
	}
	id = stacks_intern_pyframe(&c->strs, (uint32_t)str_id(c, name.buf, name.len),
				   (uint32_t)file, 0) + 1u;
	if (c->strs.nframes > n_before) {
		strbuf_init(&m);
		pbuf_uint(&m, 1, id);
		pbuf_uint(&m, 2, str_id(c, name.buf, name.len));
		pbuf_uint(&m, 4, file);
		pbuf_bytes(&c->pb, 5, m.buf, m.len);
		strbuf_release(&m);
	}
	strbuf_release(&name);
	return id;
}

static void add_locations(struct pctx *c)
{
	struct strbuf m, line;

	strbuf_init(&m);
	strbuf_init(&line);
	for (size_t i = 0; i < c->fn.n; i++) {
		uint32_t key = c->fn.keys[i];
		const struct frame *f = render_is_marker(&c->r, key) ? NULL : profile_frame(c->p, key);

		strbuf_reset(&line);
		pbuf_uint(&line, 1, function_id(c, key));
		if (f && f->kind == FRAME_PYTHON && c->p->line_numbers && f->line > 0)
			pbuf_uint(&line, 2, (uint64_t)f->line);
		strbuf_reset(&m);
		pbuf_uint(&m, 1, i + 1);
		pbuf_uint(&m, 2, 1);
		pbuf_bytes(&m, 4, line.buf, line.len);
		pbuf_bytes(&c->pb, 4, m.buf, m.len);
	}
	strbuf_release(&line);
	strbuf_release(&m);
}

/* One mapping, named after the interpreter, that every location points at. */
static void add_mapping(struct pctx *c)
{
	struct strbuf m, name;

	strbuf_init(&m);
	strbuf_init(&name);
	strbuf_addf(&name, "python%s", c->p->meta.python);
	pbuf_uint(&m, 1, 1);
	pbuf_uint(&m, 5, str_id(c, name.buf, name.len));
	pbuf_uint(&m, 7, 1);
	pbuf_uint(&m, 8, 1);
	pbuf_uint(&m, 9, 1);
	pbuf_bytes(&c->pb, 3, m.buf, m.len);
	strbuf_release(&name);
	strbuf_release(&m);
}

static void add_rest(struct pctx *c)
{
	const struct profile_meta *m = &c->p->meta;
	struct strbuf sb;

	pbuf_uint(&c->pb, 9, m->start_us * 1000u);
	pbuf_uint(&c->pb, 10, m->duration_us * 1000u);
	value_type(c, 11, "wall", "nanoseconds");
	pbuf_uint(&c->pb, 12, c->period);
	strbuf_init(&sb);
	strbuf_addf(&sb, "pyflame " PACKAGE_VERSION ": %s", m->target ? m->target : "");
	pbuf_uint(&c->pb, 13, str_id(c, sb.buf, sb.len));
	strbuf_release(&sb);
	for (uint32_t i = 0; i < c->strs.nstrs; i++) {
		size_t len;
		const char *s = stacks_str(&c->strs, i, &len);

		pbuf_bytes(&c->pb, 6, s, len);
	}
}

static void encode(struct pctx *c)
{
	str_id(c, "", 0);	/* string 0 must be "" */
	value_type(c, 1, "samples", "count");
	value_type(c, 1, "wall", "nanoseconds");
	add_samples(c);
	add_mapping(c);
	add_locations(c);
	add_rest(c);
}

/* gzip data[0..len) to f. */
static int put_gzip(FILE *f, const char *data, size_t len)
{
	unsigned char out[1 << 16];
	z_stream z;
	int zr, rc = 0;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return pf_fail(PF_ESYS, "cannot start gzip compression");
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)len;	/* a profile under 4 GiB */
	do {
		z.next_out = out;
		z.avail_out = sizeof out;
		zr = deflate(&z, Z_FINISH);
		if (zr == Z_STREAM_ERROR) {
			rc = pf_fail(PF_ESYS, "gzip compression failed");
			break;
		}
		rc = render_put(f, out, sizeof out - z.avail_out);
	} while (!rc && zr != Z_STREAM_END);
	deflateEnd(&z);
	return rc;
}

int out_pprof(FILE *f, const struct profile *p)
{
	struct pctx c = { .p = p };
	int rc;

	c.period = (p->meta.interval_us ? p->meta.interval_us : 1) * 1000u;
	render_profile(&c.r, p);
	frame_numbers_init(&c.fn, render_nkeys(&c.r));
	stacks_init(&c.strs, false);
	strbuf_init(&c.pb);
	encode(&c);
	if (c.pb.len > UINT32_MAX)
		rc = pf_fail(PF_ELIMIT, "the pprof profile is over 4 GiB");
	else
		rc = put_gzip(f, c.pb.buf, c.pb.len);
	if (!rc)
		rc = render_flush(f);
	strbuf_release(&c.pb);
	stacks_release(&c.strs);
	frame_numbers_release(&c.fn);
	render_release(&c.r);
	return rc;
}
