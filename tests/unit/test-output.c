/* SPDX-License-Identifier: Apache-2.0 */
/* test-output.c - exact bytes of the collapsed, flamechart and dump writers. */
#include "compat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "output.h"
#include "stacks.h"
#include "frames.h"
#include "tap.h"

/* Every stack here comes from one thread of one process. */
static uint32_t one_origin(struct stacks *st)
{
	static const struct origin o = { 100, 101, 0x7f00, 0 };

	return stacks_intern_origin(st, &o);
}

typedef int (*writer_fn)(FILE *f, const struct profile *p);

static uint32_t frame(struct stacks *st, const char *file, const char *name, int line)
{
	return stacks_intern_pyframe(st, stacks_intern_str(st, file, strlen(file)),
				   stacks_intern_str(st, name, strlen(name)), line);
}

/* Count a stack given ROOT FIRST as `n` frame ids; returns its id. */
static uint32_t push(struct stacks *st, uint64_t count, uint64_t ts, int n, ...)
{
	uint32_t ids[16];
	va_list ap;

	va_start(ap, n);
	for (int i = n - 1; i >= 0; i--)
		ids[i] = va_arg(ap, uint32_t);
	va_end(ap);
	return stacks_add(st, ids, (size_t)n, one_origin(st), count, ts);
}

static void diag_text(const char *label, const char *s)
{
	printf("# %s:\n# ", label);
	for (; *s; s++)
		printf(*s == '\n' ? "\\n\n# " : "%c", *s);
	printf("\n");
}

static void same(const char *got, int rc, const char *want, const char *what)
{
	if (!ok(rc == 0 && strcmp(got, want) == 0, "%s", what)) {
		printf("# rc %d\n", rc);
		diag_text("got", got);
		diag_text("want", want);
	}
}

/* Run a writer into memory; the caller frees the result. */
static char *run(writer_fn fn, const struct stacks *st, bool lines, bool idle, int *rc)
{
	struct profile p = { .st = st, .line_numbers = lines, .include_idle = idle };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	*rc = fn(f, &p);
	fclose(f);
	return buf;
}

static void check(writer_fn fn, const struct stacks *st, bool lines, bool idle,
		  const char *want, const char *what)
{
	int rc;
	char *got = run(fn, st, lines, idle, &rc);

	same(got, rc, want, what);
	free(got);
}

static void check_dump(const struct stacks *st, const struct dump_thread *t,
		       size_t n, const char *want, const char *what)
{
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);
	int rc;

	if (!f)
		abort();
	rc = out_dump(f, st, t, n);
	fclose(f);
	same(got, rc, want, what);
	free(got);
}

static void test_order(void)
{
	struct stacks st;
	uint32_t m, a, b, c;

	stacks_init(&st, false);
	m = frame(&st, "m.py", "<module>", 1);
	a = frame(&st, "m.py", "a", 2);
	b = frame(&st, "m.py", "b", 3);
	c = frame(&st, "m.py", "c", 4);
	push(&st, 5, 0, 2, m, b);
	push(&st, 1, 0, 3, m, a, b);
	push(&st, 7, 0, 2, m, c);
	push(&st, 5, 0, 1, m);
	push(&st, 2, 0, 2, m, a);
	push(&st, 3, 0, 2, m, a);
	for (int i = 0; i < 3; i++)
		stacks_add_idle(&st, 0);
	stacks_add_failed(&st, 0);
	stacks_add_failed(&st, 0);
	check(out_collapsed, &st, true, true,
	      "m.py:<module>:1;m.py:c:4 7\n"
	      "m.py:<module>:1 5\n"
	      "m.py:<module>:1;m.py:a:2 5\n"
	      "m.py:<module>:1;m.py:b:3 5\n"
	      "m.py:<module>:1;m.py:a:2;m.py:b:3 1\n"
	      "(idle) 3\n"
	      "(failed) 2\n",
	      "collapsed: by count, then bytes; idle and failed last");
	check(out_collapsed, &st, true, false,
	      "m.py:<module>:1;m.py:c:4 7\n"
	      "m.py:<module>:1 5\n"
	      "m.py:<module>:1;m.py:a:2 5\n"
	      "m.py:<module>:1;m.py:b:3 5\n"
	      "m.py:<module>:1;m.py:a:2;m.py:b:3 1\n"
	      "(failed) 2\n",
	      "collapsed: no idle line with -x");
	stacks_release(&st);
}

/* Equal counts, one text a prefix of the other: the whole lines decide. */
static void test_tie_on_whole_line(void)
{
	struct stacks st;

	stacks_init(&st, false);
	push(&st, 5, 0, 1, frame(&st, "a.py", "f", 1));
	push(&st, 5, 0, 1, frame(&st, "a.py", "f !", 1));
	push(&st, 5, 0, 1, frame(&st, "a.py", "f.g", 1));
	check(out_collapsed, &st, false, true,
	      "a.py:f ! 5\na.py:f 5\na.py:f.g 5\n",
	      "collapsed: ties compare the bytes of the whole line");
	stacks_release(&st);
}

/*
 * Many random stacks over names that are prefixes of one another ("f",
 * "f ", "f;", "f.g", ...) and with -n merged by text: the writer's lines must
 * be those of the plain method, every stack rendered, merged by its whole
 * text and sorted by count then by the bytes of the whole line.
 */
static const char *const prefix_names[] = { "f", "f ", "f;", "f.g", "f!", "g", "f 1", "" };

struct naive_line {
	char text[256];
	unsigned long count;
};

static int naive_cmp(const void *pa, const void *pb)
{
	const struct naive_line *a = pa, *b = pb;
	char la[300], lb[300];

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	snprintf(la, sizeof la, "%s %lu\n", a->text, a->count);
	snprintf(lb, sizeof lb, "%s %lu\n", b->text, b->count);
	return strcmp(la, lb);
}

/* The plain method's text of stack `id`, with -n (no line numbers). */
static void naive_text(const struct stacks *st, uint32_t id, char *out, size_t cap)
{
	size_t depth, len = 0;
	const uint32_t *fr = stacks_frames(st, id, &depth);

	out[0] = '\0';
	for (size_t i = depth; i-- > 0;) {
		const struct frame *f = stacks_frame(st, fr[i]);
		char name[32];

		snprintf(name, sizeof name, "%s", stacks_str(st, f->name, NULL));
		for (char *c = name; *c; c++)
			*c = *c == ';' ? ':' : *c;
		len += (size_t)snprintf(out + len, cap - len, "m.py:%s%s", name, i ? ";" : "");
	}
}

static char *naive_collapsed(const struct stacks *st)
{
	struct naive_line *v = calloc(st->nstacks, sizeof(*v));
	size_t n = 0, w = 0, cap = 1 << 20, len = 0;
	char *out = malloc(cap);

	for (uint32_t id = 0; id < st->nstacks; id++) {
		size_t j;

		naive_text(st, id, v[n].text, sizeof v[n].text);
		for (j = 0; j < n && strcmp(v[j].text, v[n].text); j++)
			;
		if (j < n) {
			v[j].count += st->stacks[id].count;
		} else {
			v[n].count = st->stacks[id].count;
			n++;
		}
	}
	qsort(v, n, sizeof(*v), naive_cmp);
	out[0] = '\0';
	for (; w < n; w++)
		len += (size_t)snprintf(out + len, cap - len, "%s %lu\n", v[w].text, v[w].count);
	free(v);
	return out;
}

static void test_order_random(void)
{
	struct stacks st;
	uint32_t fr[6];
	unsigned seed = 7;
	int rc;
	char *got, *want;

	stacks_init(&st, false);
	for (int i = 0; i < 3000; i++) {
		size_t depth = 1 + (size_t)(rand_r(&seed) % 5);

		for (size_t d = 0; d < depth; d++)
			fr[d] = frame(&st, "m.py", prefix_names[rand_r(&seed) % 8],
				      1 + rand_r(&seed) % 2);
		stacks_add(&st, fr, depth, one_origin(&st), 1 + (uint64_t)(rand_r(&seed) % 3), 0);
	}
	got = run(out_collapsed, &st, false, true, &rc);
	want = naive_collapsed(&st);
	same(got, rc, want, "collapsed: 3000 random stacks as the plain method orders them");
	free(got);
	free(want);
	stacks_release(&st);
}

static void test_idle_failed(void)
{
	struct stacks st;

	stacks_init(&st, false);
	check(out_collapsed, &st, true, true, "", "collapsed: nothing recorded, nothing written");
	push(&st, 0, 0, 1, frame(&st, "m.py", "f", 1));
	check(out_collapsed, &st, true, true, "", "collapsed: a stack counted 0 times is left out");
	stacks_add_idle(&st, 0);
	stacks_add_idle(&st, 0);
	check(out_collapsed, &st, true, true, "(idle) 2\n", "collapsed: idle only");
	check(out_collapsed, &st, true, false, "", "collapsed: idle only, with -x: empty");
	stacks_add_failed(&st, 0);
	check(out_collapsed, &st, true, true, "(idle) 2\n(failed) 1\n",
	      "collapsed: idle then failed");
	check(out_collapsed, &st, true, false, "(failed) 1\n",
	      "collapsed: failed stays with -x");
	stacks_release(&st);
}

static void test_merge_without_lines(void)
{
	struct stacks st;
	uint32_t m1, m2, f5, f6, g7;

	stacks_init(&st, false);
	m1 = frame(&st, "m.py", "<module>", 1);
	m2 = frame(&st, "m.py", "<module>", 2);
	f5 = frame(&st, "m.py", "f", 5);
	f6 = frame(&st, "m.py", "f", 6);
	g7 = frame(&st, "m.py", "g", 7);
	push(&st, 2, 0, 2, m1, f5);
	push(&st, 3, 0, 2, m1, f6);
	push(&st, 1, 0, 2, m2, f5);
	push(&st, 4, 0, 2, m1, g7);
	check(out_collapsed, &st, true, true,
	      "m.py:<module>:1;m.py:g:7 4\n"
	      "m.py:<module>:1;m.py:f:6 3\n"
	      "m.py:<module>:1;m.py:f:5 2\n"
	      "m.py:<module>:2;m.py:f:5 1\n",
	      "collapsed: stacks differing by line stay apart with line numbers");
	check(out_collapsed, &st, false, true,
	      "m.py:<module>;m.py:f 6\n"
	      "m.py:<module>;m.py:g 4\n",
	      "collapsed -n: merged, then sorted by the summed count");
	stacks_release(&st);
}

/* Native frames and the roots naming a process or a thread. */
static void test_kinds(void)
{
	struct stacks st;
	uint32_t proc, thr, py, named, bare;

	stacks_init(&st, false);
	proc = special(&st, FRAME_PROCESS, "", "process 42 \"app; worker\"", 0);
	thr = special(&st, FRAME_THREAD, "", "thread 43 \"MainThread\"", 0);
	py = frame(&st, "m.py", "main", 3);
	named = special(&st, FRAME_NATIVE, "libz.so.1", "deflate", 0x2a);
	bare = special(&st, FRAME_NATIVE, "libz.so.1", "", 0x3a2c);
	push(&st, 2, 0, 5, proc, thr, py, named, bare);
	check(out_collapsed, &st, true, true,
	      "process 42 \"app: worker\";thread 43 \"MainThread\";m.py:main:3;"
	      "libz.so.1!deflate;libz.so.1+0x3a2c 2\n",
	      "collapsed: roots as their labels, native frames as object!symbol or object+offset");
	check(out_collapsed, &st, false, true,
	      "process 42 \"app: worker\";thread 43 \"MainThread\";m.py:main;"
	      "libz.so.1!deflate;libz.so.1+0x3a2c 2\n",
	      "collapsed -n: native frames as they are");
	stacks_release(&st);
}

static void test_sanitize(void)
{
	struct stacks st;
	uint32_t odd, leaf;

	stacks_init(&st, false);
	odd = frame(&st, "dir;x/a\tb.py", "f;g\nh\x7f", 3);
	leaf = frame(&st, "p.py", "ok", 9);
	push(&st, 1, 0, 2, odd, leaf);
	check(out_collapsed, &st, true, true, "dir:x/a?b.py:f:g?h?:3;p.py:ok:9 1\n",
	      "collapsed: ';' becomes ':', control characters '?'");
	stacks_release(&st);

	stacks_init(&st, false);
	push(&st, 2, 0, 1, frame(&st, "s.py", "a;b", 1));
	push(&st, 3, 0, 1, frame(&st, "s.py", "a:b", 1));
	check(out_collapsed, &st, true, true, "s.py:a:b:1 5\n",
	      "collapsed: stacks that sanitise to the same text are merged");
	stacks_release(&st);
}

static void test_utf8(void)
{
	struct stacks st;
	const char *want = "\xe6\xa8\xa1\xe5\x9d\x97.py:<module>:1;"
			   "\xe6\xa8\xa1\xe5\x9d\x97.py:h\xc3\xa9llo_\xf0\x9f\x94\xa5:2 1\n";

	stacks_init(&st, false);
	push(&st, 1, 0, 2, frame(&st, "\xe6\xa8\xa1\xe5\x9d\x97.py", "<module>", 1),
	     frame(&st, "\xe6\xa8\xa1\xe5\x9d\x97.py", "h\xc3\xa9llo_\xf0\x9f\x94\xa5", 2));
	check(out_collapsed, &st, true, true, want, "collapsed: UTF-8 names pass unchanged");
	stacks_release(&st);
}

static void chart_data(struct stacks *st)
{
	uint32_t m1 = frame(st, "m.py", "<module>", 1);
	uint32_t f5 = frame(st, "m.py", "f", 5);
	uint32_t g7 = frame(st, "m.py", "g;x", 7);

	push(st, 1, 1732500000002596ULL, 2, m1, f5);
	stacks_add_idle(st, 1732500000012715ULL);
	stacks_add_failed(st, 1732500000022800ULL);
	push(st, 1, 1732500000032900ULL, 2, m1, g7);
	push(st, 1, 1732500000042000ULL, 1, m1);
	stacks_add_idle(st, 1732500000052000ULL);
}

static void test_flamechart(void)
{
	struct stacks st;

	stacks_init(&st, true);
	check(out_flamechart, &st, true, true, "", "flamechart: no events, nothing written");
	chart_data(&st);
	check(out_flamechart, &st, true, true,
	      "1732500000002596\nm.py:<module>:1;m.py:f:5;\n"
	      "1732500000012715\n(idle)\n"
	      "1732500000022800\n(failed)\n"
	      "1732500000032900\nm.py:<module>:1;m.py:g:x:7;\n"
	      "1732500000042000\nm.py:<module>:1;\n"
	      "1732500000052000\n(idle)\n",
	      "flamechart: time order, ';' after every frame, idle and failed");
	check(out_flamechart, &st, true, false,
	      "1732500000002596\nm.py:<module>:1;m.py:f:5;\n"
	      "1732500000022800\n(failed)\n"
	      "1732500000032900\nm.py:<module>:1;m.py:g:x:7;\n"
	      "1732500000042000\nm.py:<module>:1;\n",
	      "flamechart -x: idle events skipped");
	check(out_flamechart, &st, false, true,
	      "1732500000002596\nm.py:<module>;m.py:f;\n"
	      "1732500000012715\n(idle)\n"
	      "1732500000022800\n(failed)\n"
	      "1732500000032900\nm.py:<module>;m.py:g:x;\n"
	      "1732500000042000\nm.py:<module>;\n"
	      "1732500000052000\n(idle)\n",
	      "flamechart -n: no line numbers");
	stacks_release(&st);
}

static void test_dump(void)
{
	struct stacks st;
	struct dump_thread t[2];
	uint32_t m1, f5, g7;

	stacks_init(&st, false);
	m1 = frame(&st, "m.py", "<module>", 1);
	f5 = frame(&st, "m.py", "f", 5);
	g7 = frame(&st, "d;ir/m.py", "g;\x01", 7);
	t[0] = (struct dump_thread){ 140153207457472ULL, false, push(&st, 1, 0, 2, m1, f5) };
	t[1] = (struct dump_thread){ 140153224505024ULL, true, push(&st, 1, 0, 3, m1, f5, g7) };
	check_dump(&st, t, 2,
		   "140153207457472:\nm.py:f:5\nm.py:<module>:1\n"
		   "\n"
		   "140153224505024*:\nd;ir/m.py:g;?:7\nm.py:f:5\nm.py:<module>:1\n",
		   "dump: innermost first, '*' on the GIL holder, a blank line between");
	check_dump(&st, t + 1, 1,
		   "140153224505024*:\nd;ir/m.py:g;?:7\nm.py:f:5\nm.py:<module>:1\n",
		   "dump: one thread, no blank line after it");
	check_dump(&st, t, 0, "", "dump: no threads, nothing written");
	stacks_release(&st);
}

/* A stream whose every write fails with `err`; counts the attempts. */
struct failing {
	int err;
	int calls;
};

static ssize_t failing_write(void *cookie, const char *buf, size_t len)
{
	struct failing *fl = cookie;

	(void)buf, (void)len;
	fl->calls++;
	errno = fl->err;
	return -1;
}

static void expect_esys(writer_fn fn, const struct stacks *st, FILE *f,
			int want_errno, const char *what)
{
	struct profile p = { .st = st, .line_numbers = true, .include_idle = true };
	int rc = fn(f, &p);

	ok(rc == -PF_ESYS && pf_last_errno() == want_errno &&
	   strstr(pf_last_error(), strerror(want_errno)),
	   "%s: -PF_ESYS (%d, '%s')", what, rc, pf_last_error());
	fclose(f);
}

static void write_error_data(struct stacks *st)
{
	uint32_t m = frame(st, "m.py", "<module>", 1);
	char name[32];

	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "function_%d", i);
		push(st, 1, (uint64_t)i, 2, m, frame(st, "m.py", name, i));
	}
	stacks_add_idle(st, 0);
}

static void test_write_errors(void)
{
	static struct failing eio = { EIO, 0 }, eacces = { EACCES, 0 };
	cookie_io_functions_t io = { .write = failing_write };
	struct dump_thread t = { 1, true, 0 };
	struct stacks small, big;
	FILE *f;

	stacks_init(&small, true);
	push(&small, 1, 1, 1, frame(&small, "m.py", "f", 1));
	stacks_init(&big, true);
	write_error_data(&big);
	if ((f = fopen("/dev/full", "w")) != NULL)
		expect_esys(out_collapsed, &small, f, ENOSPC, "collapsed to /dev/full, at the flush");
	else
		ok(1, "collapsed to /dev/full # SKIP no /dev/full");
	if ((f = fopen("/dev/full", "w")) != NULL)
		expect_esys(out_collapsed, &big, f, ENOSPC, "collapsed to /dev/full, mid-stream");
	else
		ok(1, "collapsed to /dev/full # SKIP no /dev/full");
	expect_esys(out_collapsed, &big, fopencookie(&eio, "w", io), EIO,
		    "collapsed, EIO is still PF_ESYS");
	ok(eio.calls <= 2, "collapsed stops at the first failed write (%d tries)",
	   eio.calls);
	expect_esys(out_flamechart, &big, fopencookie(&eacces, "w", io), EACCES,
		    "flamechart, EACCES is still PF_ESYS");
	expect_esys(out_flamechart, &small, fopencookie(&eio, "w", io), EIO,
		    "flamechart, at the flush");
	f = fopencookie(&eio, "w", io);
	ok(out_dump(f, &small, &t, 1) == -PF_ESYS && pf_last_errno() == EIO,
	   "dump: -PF_ESYS");
	fclose(f);
	stacks_release(&small);
	stacks_release(&big);
}

/* The table of writers, and the choice by an -o path. */
static void test_writers(void)
{
	const struct writer *const *all = writers_all();

	ok(all[0] && strcmp(all[0]->name, "collapsed") == 0 && all[0]->write == out_collapsed,
	   "collapsed first");
	ok(writer_named("flamechart") && writer_named("flamechart")->timeline &&
	   !writer_named("nothing"), "writers by name");
	ok(writer_for_path(NULL) == all[0] && writer_for_path("app.samp") == all[0] &&
	   writer_for_path("app.txt") == all[0], "stdout, .samp and .txt: collapsed");
}

int main(void)
{
	test_writers();
	test_order();
	test_tie_on_whole_line();
	test_order_random();
	test_idle_failed();
	test_merge_without_lines();
	test_sanitize();
	test_kinds();
	test_utf8();
	test_flamechart();
	test_dump();
	test_write_errors();
	return done_testing();
}
