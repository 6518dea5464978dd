/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_chrome.c - Chrome's trace event format: per thread a track of complete
 * ("X") events, each a frame held over consecutive samples of that thread.
 *
 * Samples taken at one instant (one timestamp: every thread of a --threads
 * sample) are one step. A thread's frame lasts while the thread has it at
 * the same depth, under the same callers, in consecutive steps; it ends at
 * the time of the step after its last, or one interval after its last
 * sample if that comes first (so a thread seen again after a gap starts
 * afresh). (idle) and (failed) samples form a track of their own. Two
 * samples of one thread in one step cannot happen (a thread has one stack).
 * Events are written in the order their frames began: by time, callers
 * before callees.
 */
#include "compat.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "output.h"
#include "render.h"
#include "xalloc.h"

#define FLUSH_AT (1u << 16)
#define NO_STEP SIZE_MAX

struct xevent {
	uint32_t track, depth, key;
	uint64_t begin, end;	/* us from the start */
};

struct ctrack {
	uint32_t *keys;		/* the open frames, root first */
	size_t *event;		/* ... and their events in cctx.ev */
	size_t depth, cap;
	size_t step;		/* the step it was last seen in */
	uint64_t last_ts;	/* ... and its time */
	uint64_t next_ts;	/* the time of the step after that one */
	struct strbuf ids;	/* its pid and tid as add_ids() writes them */
};

struct cctx {
	const struct profile *p;
	struct render r;
	struct ctrack *tracks;	/* origin id -> track; the last: (idle), (failed) */
	size_t ntracks;
	struct xevent *ev;	/* in the order the frames opened: by time */
	size_t nev, evcap;
	uint64_t t0, interval;
	size_t written;		/* trace events written so far */
	struct strbuf names;	/* each key's name and category, as JSON */
	size_t *name_at, *name_len;	/* key -> offset + 1 in names (0: not yet), length */
};

/* What goes before a trace event: a comma after the first. */
static void sep(struct cctx *c, struct strbuf *out)
{
	if (c->written++)
		strbuf_addch(out, ',');
	strbuf_addch(out, '\n');
}

/* Close the frames of `t` from depth `keep` up at time `end`. */
static void close_from(struct cctx *c, uint32_t track, size_t keep, uint64_t end)
{
	struct ctrack *t = &c->tracks[track];

	while (t->depth > keep)
		c->ev[t->event[--t->depth]].end = end - c->t0;
}

/* Open frame `key` at `depth` of `track` at `ts`: its event, end unknown. */
static void open_frame(struct cctx *c, uint32_t track, size_t depth, uint32_t key, uint64_t ts)
{
	struct ctrack *t = &c->tracks[track];

	XGROW(c->ev, c->evcap, c->nev + 1);
	c->ev[c->nev] = (struct xevent){ track, (uint32_t)depth, key, ts - c->t0, ts - c->t0 };
	t->keys[depth] = key;
	t->event[depth] = c->nev++;
}

/* The end of frames last seen at `last`, when the next step is at `next`. */
static uint64_t end_time(const struct cctx *c, uint64_t last, uint64_t next)
{
	return last + c->interval < next ? last + c->interval : next;
}

/* A sample of `keys[0..depth)` (root first) on `track`, in step `step`. */
static void sample(struct cctx *c, uint32_t track, const uint32_t *keys, size_t depth,
		   size_t step, uint64_t ts)
{
	struct ctrack *t = &c->tracks[track];
	size_t same = 0;

	if (t->step != NO_STEP && t->step + 1 == step)
		while (same < t->depth && same < depth && t->keys[same] == keys[same])
			same++;
	close_from(c, track, same, t->depth ? end_time(c, t->last_ts, ts) : ts);
	if (depth > t->cap) {
		XGROW(t->keys, t->cap, depth);
		t->event = xreallocarray(t->event, t->cap, sizeof(*t->event));
	}
	for (size_t i = same; i < depth; i++)
		open_frame(c, track, i, keys[i], ts);
	t->depth = depth;
	t->step = step;
	t->last_ts = ts;
}

/* A new step at `ts`: tracks absent from the last step end their frames. */
static void new_step(struct cctx *c, size_t step, uint64_t ts)
{
	for (uint32_t i = 0; i < c->ntracks; i++) {
		struct ctrack *t = &c->tracks[i];

		if (t->depth && t->step + 1 == step)
			t->next_ts = ts;
		else if (t->depth && t->step + 1 < step)
			close_from(c, i, 0, end_time(c, t->last_ts, t->next_ts));
	}
}

static void event(struct cctx *c, const struct chart_event *e, size_t step, uint32_t **buf,
		  size_t *cap)
{
	size_t depth = 1;
	uint32_t track = (uint32_t)c->ntracks - 1;
	const uint32_t *frames;

	XGROW(*buf, *cap, 1);
	if (e->stack == STACK_IDLE || e->stack == STACK_FAILED) {
		(*buf)[0] = render_marker(&c->r, e->stack);
	} else {
		frames = profile_frames(c->p, e->stack, &depth);
		track = profile_stack_origin(c->p, e->stack);
		XGROW(*buf, *cap, depth);
		for (size_t i = 0; i < depth; i++)
			(*buf)[i] = render_key(&c->r, frames[depth - 1 - i]);
	}
	sample(c, track, *buf, depth, step, e->ts_us);
}

/* Turn every sample into complete events (c->ev), unsorted. */
static void build(struct cctx *c)
{
	size_t nev, step = 0, cap = 0;
	const struct chart_event *ev = profile_events(c->p, &nev);
	uint32_t *buf = NULL;
	uint64_t last = 0;

	for (size_t i = 0; i < nev; i++) {
		if (ev[i].stack == STACK_IDLE && !c->p->include_idle)
			continue;
		if (step == 0 || ev[i].ts_us != last) {
			step++;
			new_step(c, step, ev[i].ts_us);
			last = ev[i].ts_us;
		}
		event(c, &ev[i], step, &buf, &cap);
	}
	for (uint32_t i = 0; i < c->ntracks; i++) {
		struct ctrack *t = &c->tracks[i];

		close_from(c, i, 0, t->step == step ? t->last_ts + c->interval
						     : end_time(c, t->last_ts, t->next_ts));
	}
	free(buf);
}

/* pid and tid of a track; the TID, or a small number where none is known. */
static void track_ids(const struct cctx *c, uint32_t track, int64_t *pid, int64_t *tid)
{
	const struct origin *o;

	if (track + 1 == c->ntracks) {
		*pid = profile_norigins(c->p) ? profile_origin(c->p, 0)->pid : 1;
		*tid = 0;
		return;
	}
	o = profile_origin(c->p, track);
	*pid = o->pid;
	*tid = o->tid ? o->tid : (int64_t)track + 1;
}

/* Categories; the user's own Python frames, most events, go without one. */
static const char *const class_names[] = {
	[FRAME_CLASS_USER] = NULL, [FRAME_CLASS_STDLIB] = "stdlib",
	[FRAME_CLASS_SITE] = "site-packages", [FRAME_CLASS_NATIVE] = "native",
	[FRAME_CLASS_ROOT] = "root",
};

/* "\"name\":...,\"cat\":..." of a key, made once and kept in c->names;
 * its length in *len. */
static const char *name_of(struct cctx *c, uint32_t key, size_t *len)
{
	size_t at;

	if (!c->name_at[key]) {
		at = c->names.len;
		strbuf_addstr(&c->names, "\"name\":");
		if (render_is_marker(&c->r, key)) {
			size_t n;
			const char *s = render_key_text(&c->r, key, &n);

			json_add_str(&c->names, s, n, 0);
			strbuf_addstr(&c->names, ",\"cat\":\"pyflame\"");
		} else {
			struct strbuf label;

			strbuf_init(&label);
			profile_frame_label(c->p, key, true, &label);
			json_add_str(&c->names, label.buf, label.len, 0);
			strbuf_release(&label);
			const char *cat = class_names[profile_frame_class(c->p, key)];

			if (cat)
				strbuf_addf(&c->names, ",\"cat\":\"%s\"", cat);
		}
		c->name_at[key] = at + 1;
		c->name_len[key] = c->names.len - at;
	}
	*len = c->name_len[key];
	return c->names.buf + c->name_at[key] - 1;
}

#define ADD_LIT(sb, lit) strbuf_add((sb), (lit), sizeof(lit) - 1)

/* ",\"pid\":P,\"tid\":T,\"ts\":" of a track, made once and kept in it. */
static const struct strbuf *ids_of(struct cctx *c, uint32_t track)
{
	struct ctrack *t = &c->tracks[track];
	int64_t pid, tid;

	if (!t->ids.len) {
		track_ids(c, track, &pid, &tid);
		ADD_LIT(&t->ids, ",\"pid\":");
		strbuf_addu(&t->ids, (uint64_t)pid);
		ADD_LIT(&t->ids, ",\"tid\":");
		strbuf_addu(&t->ids, (uint64_t)tid);
		ADD_LIT(&t->ids, ",\"ts\":");
	}
	return &t->ids;
}

#define PUT_LIT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

/* A complete event, written in place: a million of them are common. */
static void add_x(struct cctx *c, const struct xevent *x, struct strbuf *out)
{
	size_t nlen;
	const char *name = name_of(c, x->key, &nlen);
	const struct strbuf *ids = ids_of(c, x->track);
	char *p;

	strbuf_grow(out, nlen + ids->len + 64);
	p = out->buf + out->len;
	if (c->written++)
		*p++ = ',';
	p = PUT_LIT(p, "\n{\"ph\":\"X\",");
	memcpy(p, name, nlen);
	p += nlen;
	memcpy(p, ids->buf, ids->len);
	p = put_u64(p + ids->len, x->begin);
	p = PUT_LIT(p, ",\"dur\":");
	p = put_u64(p, x->end - x->begin);
	*p++ = '}';
	strbuf_setlen(out, (size_t)(p - out->buf));
}

static void add_meta(struct cctx *c, const char *what, uint32_t track,
		     const char *name, size_t len, struct strbuf *out)
{
	int64_t pid, tid;

	track_ids(c, track, &pid, &tid);
	sep(c, out);
	strbuf_addf(out, "{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%" PRId64 ",\"tid\":%" PRId64
		    ",\"args\":{\"name\":", what, pid, tid);
	json_add_str(out, name, len, 0);
	strbuf_addstr(out, "}}");
}

static bool pid_seen(const int64_t *pids, size_t n, int64_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Process names, once per process that has a track in use: its label (the
 * idle track's is the first origin's process). */
static void add_processes(struct cctx *c, const bool *used, struct strbuf *out)
{
	int64_t pid, tid, *done = xcalloc(c->ntracks, sizeof(*done));
	size_t ndone = 0;
	struct strbuf sb;

	strbuf_init(&sb);
	for (uint32_t i = 0; i < c->ntracks; i++) {
		uint32_t origin = i + 1 == c->ntracks ? 0 : i;

		if (!used[i])
			continue;
		track_ids(c, i, &pid, &tid);
		if (pid_seen(done, ndone, pid))
			continue;
		done[ndone++] = pid;
		strbuf_reset(&sb);
		if (origin < profile_norigins(c->p))
			profile_process_label(c->p, origin, &sb);
		else
			strbuf_addstr(&sb, c->p->meta.target ? c->p->meta.target : "pyflame");
		add_meta(c, "process_name", i, sb.buf, sb.len, out);
	}
	strbuf_release(&sb);
	free(done);
}

/* The header, then process and thread names of the tracks in use. */
static void add_head(struct cctx *c, const bool *used, struct strbuf *out)
{
	const struct profile_meta *m = &c->p->meta;
	struct strbuf sb;

	strbuf_addstr(out, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"exporter\":\"pyflame "
		      PACKAGE_VERSION "\",\"target\":");
	json_add_cstr(out, m->target ? m->target : "pyflame", 0);
	strbuf_addstr(out, ",\"python\":");
	json_add_cstr(out, m->python, 0);
	strbuf_addf(out, ",\"start_us\":%" PRIu64 "},\n\"traceEvents\":[", c->t0);
	add_processes(c, used, out);
	strbuf_init(&sb);
	for (uint32_t i = 0; i < c->ntracks; i++) {
		if (!used[i])
			continue;
		strbuf_reset(&sb);
		if (i + 1 == c->ntracks)
			strbuf_addstr(&sb, "(idle) and (failed)");
		else
			profile_thread_label(c->p, i, &sb);
		add_meta(c, "thread_name", i, sb.buf, sb.len, out);
	}
	strbuf_release(&sb);
}

static int put_all(FILE *f, struct cctx *c)
{
	bool *used = xcalloc(c->ntracks, sizeof(*used));
	struct strbuf sb;
	int rc = 0;

	for (size_t i = 0; i < c->nev; i++)
		used[c->ev[i].track] |= c->ev[i].end > c->ev[i].begin;
	strbuf_init(&sb);
	add_head(c, used, &sb);
	for (size_t i = 0; i < c->nev && !rc; i++) {
		if (c->ev[i].end <= c->ev[i].begin)
			continue;	/* nothing to show (a clock that stood still) */
		add_x(c, &c->ev[i], &sb);
		rc = render_drain(f, &sb, FLUSH_AT);
	}
	strbuf_addstr(&sb, "\n]}\n");
	if (!rc)
		rc = render_drain(f, &sb, 0);
	strbuf_release(&sb);
	free(used);
	return rc;
}

int out_chrome(FILE *f, const struct profile *p)
{
	struct cctx c = { .p = p, .interval = p->meta.interval_us ? p->meta.interval_us : 1 };
	size_t nev;
	const struct chart_event *ev = profile_events(p, &nev);
	int rc;

	c.t0 = nev && (!p->meta.start_us || ev[0].ts_us < p->meta.start_us) ? ev[0].ts_us
									     : p->meta.start_us;
	render_profile(&c.r, p);
	strbuf_init(&c.names);
	c.name_at = xcalloc(render_nkeys(&c.r), sizeof(*c.name_at));
	c.name_len = xcalloc(render_nkeys(&c.r), sizeof(*c.name_len));
	c.ntracks = profile_norigins(p) + 1;
	c.tracks = xcalloc(c.ntracks, sizeof(*c.tracks));
	for (size_t i = 0; i < c.ntracks; i++) {
		c.tracks[i].step = NO_STEP;
		strbuf_init(&c.tracks[i].ids);
	}
	build(&c);
	rc = put_all(f, &c);
	if (!rc)
		rc = render_flush(f);
	for (size_t i = 0; i < c.ntracks; i++) {
		free(c.tracks[i].keys);
		free(c.tracks[i].event);
		strbuf_release(&c.tracks[i].ids);
	}
	free(c.tracks);
	free(c.ev);
	free(c.name_at);
	free(c.name_len);
	strbuf_release(&c.names);
	render_release(&c.r);
	return rc;
}
