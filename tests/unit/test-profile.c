/* SPDX-License-Identifier: Apache-2.0 */
/* test-profile.c - where a frame comes from, and how frames and threads are named. */
#include "compat.h"

#include <string.h>

#include "profile.h"
#include "tap.h"

static enum frame_class cls(const char *path)
{
	return profile_path_class(path, strlen(path));
}

static const char *short_of(const char *path)
{
	return path + profile_path_short(path, strlen(path));
}

static void test_paths(void)
{
	ok(cls("/usr/lib/python3.11/json/decoder.py") == FRAME_CLASS_STDLIB &&
	   cls("/root/.pyenv/versions/2.7.18/lib/python2.7/threading.py") == FRAME_CLASS_STDLIB &&
	   cls("<frozen importlib._bootstrap>") == FRAME_CLASS_STDLIB,
	   "the standard library: lib/pythonX.Y and frozen modules");
	ok(cls("/usr/lib/python3/dist-packages/django/template/base.py") == FRAME_CLASS_SITE &&
	   cls("/srv/venv/lib/python3.12/site-packages/flask/app.py") == FRAME_CLASS_SITE,
	   "third-party: dist-packages, site-packages (even under lib/pythonX.Y)");
	ok(cls("app.py") == FRAME_CLASS_USER && cls("/srv/app/lib/pythonic/x.py") == FRAME_CLASS_USER &&
	   cls("/srv/lib/python/x.py") == FRAME_CLASS_USER,
	   "the rest is the user's, lib/python without a version too");
	ok(strcmp(short_of("/usr/lib/python3/dist-packages/django/template/base.py"),
		  "django/template/base.py") == 0, "short: within dist-packages");
	ok(strcmp(short_of("/opt/py/lib/python3.13t/json/__init__.py"), "json/__init__.py") == 0,
	   "short: within lib/python3.13t");
	ok(strcmp(short_of("/home/me/src/app/main.py"), "app/main.py") == 0 &&
	   strcmp(short_of("/main.py"), "/main.py") == 0 && strcmp(short_of("app.py"), "app.py") == 0,
	   "short: the last two components of another absolute path; relative as it is");
}

static uint32_t str(struct stacks *st, const char *s)
{
	return stacks_intern_str(st, s, strlen(s));
}

static void label_is(const struct profile *p, uint32_t frame, bool full, const char *want,
		     const char *what)
{
	struct strbuf sb;

	strbuf_init(&sb);
	profile_frame_label(p, frame, full, &sb);
	if (!ok(strcmp(sb.buf, want) == 0, "%s", what))
		printf("#   got %s\n", sb.buf);
	strbuf_release(&sb);
}

static void test_frames(void)
{
	struct stacks st;
	struct profile p = { .st = &st, .line_numbers = true };
	struct frame nat = { 0, 0, 0, FRAME_NATIVE, 0x2a }, bare, thr = { 0, 0, 0, FRAME_THREAD, 0 };
	uint32_t py, sym, off, root;

	stacks_init(&st, false);
	py = stacks_intern_pyframe(&st, str(&st, "/srv/lib/python3.11/site-packages/req/api.py"),
				   str(&st, "get"), 73);
	nat.file = str(&st, "/usr/lib/x86_64-linux-gnu/libz.so.1");
	nat.name = str(&st, "deflate");
	bare = nat;
	bare.name = str(&st, "");
	bare.offset = 0x3a2c;
	thr.file = str(&st, "");
	thr.name = str(&st, "thread 43 \"MainThread\"");
	sym = stacks_intern_frame(&st, &nat);
	off = stacks_intern_frame(&st, &bare);
	root = stacks_intern_frame(&st, &thr);
	label_is(&p, py, false, "get (req/api.py:73)", "python: function first, short place");
	label_is(&p, py, true, "get (/srv/lib/python3.11/site-packages/req/api.py:73)",
		 "python: full place");
	p.line_numbers = false;
	label_is(&p, py, false, "get (req/api.py)", "python with -n: no line");
	label_is(&p, sym, false, "deflate (libz.so.1)", "native: symbol (object)");
	label_is(&p, off, false, "libz.so.1+0x3a2c", "native without symbol: object+offset");
	label_is(&p, root, false, "thread 43 \"MainThread\"", "a root: its label");
	ok(profile_frame_class(&p, py) == FRAME_CLASS_SITE &&
	   profile_frame_class(&p, sym) == FRAME_CLASS_NATIVE &&
	   profile_frame_class(&p, root) == FRAME_CLASS_ROOT, "classes by kind and path");
	stacks_release(&st);
}

static void test_threads(void)
{
	static const struct origin with_tid = { 10, 11, 0x7f00 }, no_tid = { 10, 0, 140000 };
	struct stacks st;
	struct profile p = { .st = &st };
	struct strbuf sb;

	stacks_init(&st, false);
	strbuf_init(&sb);
	profile_thread_label(&p, stacks_intern_origin(&st, &with_tid), &sb);
	ok(strcmp(sb.buf, "thread 11") == 0, "a thread by its TID");
	strbuf_reset(&sb);
	profile_thread_label(&p, stacks_intern_origin(&st, &no_tid), &sb);
	ok(strcmp(sb.buf, "thread 140000") == 0, "by its Python ident where no TID is known");
	strbuf_release(&sb);
	stacks_release(&st);
}

int main(void)
{
	test_paths();
	test_frames();
	test_threads();
	return done_testing();
}
