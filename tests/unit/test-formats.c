/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-formats.c - exact output of the svg, speedscope, chrome and pprof
 * writers on a small profile whose every sample is known: two threads of
 * process 100, 1 ms apart, and an idle sample.
 */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "err.h"
#include "output.h"
#include "stacks.h"
#include "frames.h"
#include "tap.h"

#define V PACKAGE_VERSION

struct fixture {
	struct stacks st;
	struct profile p;
	uint32_t m, a, b;	/* frames m.py:<module>:1, m.py:a:2, m.py:b:3 */
	uint32_t ta, tb;	/* origins: thread 101, thread 102 */
};

static uint32_t frame(struct stacks *st, const char *name, int line)
{
	return stacks_intern_pyframe(st, stacks_intern_str(st, "m.py", 4),
				     stacks_intern_str(st, name, strlen(name)), line);
}

static void add2(struct fixture *fx, uint32_t origin, uint32_t leaf, uint64_t ts)
{
	uint32_t ids[2] = { leaf, fx->m };

	stacks_add(&fx->st, ids, 2, origin, 1, ts);
}

/*
 * us 1000: thread 101 in m;a, thread 102 in m;b
 * us 2000: thread 101 in m;a
 * us 3000: idle
 * us 4000: thread 101 in m;b
 */
static void fixture_init(struct fixture *fx)
{
	static const struct origin oa = { 100, 101, 0x7f01, 0 }, ob = { 100, 102, 0x7f02, 0 };

	stacks_init(&fx->st, true);
	fx->m = frame(&fx->st, "<module>", 1);
	fx->a = frame(&fx->st, "a", 2);
	fx->b = frame(&fx->st, "b", 3);
	fx->ta = stacks_intern_origin(&fx->st, &oa);
	fx->tb = stacks_intern_origin(&fx->st, &ob);
	add2(fx, fx->ta, fx->a, 1000);
	add2(fx, fx->tb, fx->b, 1000);
	add2(fx, fx->ta, fx->a, 2000);
	stacks_add_idle(&fx->st, 3000);
	add2(fx, fx->ta, fx->b, 4000);
	fx->p = (struct profile){
		.st = &fx->st, .line_numbers = true, .include_idle = true, .per_thread = true,
		.meta = { .target = "PID 100", .python = "3.11.4", .start_us = 1000,
			  .duration_us = 4000, .interval_us = 1000, .samples = 4 },
	};
}

static char *run(int (*fn)(FILE *, const struct profile *), const struct profile *p,
		 size_t *len, int *rc)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	*rc = fn(f, p);
	fclose(f);
	return buf;
}

static void same(int (*fn)(FILE *, const struct profile *), const struct profile *p,
		 const char *want, const char *what)
{
	size_t len;
	int rc;
	char *got = run(fn, p, &len, &rc);

	if (!ok(rc == 0 && strcmp(got, want) == 0, "%s", what))
		printf("# rc %d\n# got:\n%s\n# want:\n%s\n", rc, got, want);
	free(got);
}

static void test_speedscope(void)
{
	struct fixture fx;
	static const char head[] =
		"{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
		"\"exporter\":\"pyflame " V "\",\"name\":\"PID 100\",\"activeProfileIndex\":0,"
		"\"shared\":{\"frames\":[{\"name\":\"<module>\",\"file\":\"m.py\",\"line\":1},"
		"{\"name\":\"a\",\"file\":\"m.py\",\"line\":2},{\"name\":\"b\",\"file\":\"m.py\","
		"\"line\":3},{\"name\":\"(idle)\"}]},\"profiles\":[";

	fixture_init(&fx);
	same(out_speedscope, &fx.p,
	     "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
	     "\"exporter\":\"pyflame " V "\",\"name\":\"PID 100\",\"activeProfileIndex\":0,"
	     "\"shared\":{\"frames\":[{\"name\":\"<module>\",\"file\":\"m.py\",\"line\":1},"
	     "{\"name\":\"a\",\"file\":\"m.py\",\"line\":2},{\"name\":\"b\",\"file\":\"m.py\","
	     "\"line\":3},{\"name\":\"(idle)\"}]},\"profiles\":["
	     "{\"type\":\"sampled\",\"name\":\"thread 101\",\"unit\":\"microseconds\","
	     "\"startValue\":0,\"endValue\":3000,\"samples\":[[0,1],[0,1],[0,2]],"
	     "\"weights\":[1000,1000,1000]},"
	     "{\"type\":\"sampled\",\"name\":\"thread 102\",\"unit\":\"microseconds\","
	     "\"startValue\":0,\"endValue\":1000,\"samples\":[[0,2]],\"weights\":[1000]},"
	     "{\"type\":\"sampled\",\"name\":\"(idle) and (failed)\",\"unit\":\"microseconds\","
	     "\"startValue\":0,\"endValue\":1000,\"samples\":[[3]],\"weights\":[1000]}]}\n",
	     "speedscope --threads: a profile per thread, samples root first in time order");
	fx.p.per_thread = false;
	{
		char want[2048];

		snprintf(want, sizeof want, "%s{\"type\":\"sampled\",\"name\":\"PID 100\","
			 "\"unit\":\"microseconds\",\"startValue\":0,\"endValue\":5000,"
			 "\"samples\":[[0,1],[0,2],[0,1],[3],[0,2]],"
			 "\"weights\":[1000,1000,1000,1000,1000]}]}\n", head);
		same(out_speedscope, &fx.p, want, "speedscope: one profile for the run");
		fx.p.include_idle = false;
		fx.p.line_numbers = false;
		snprintf(want, sizeof want,
			 "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
			 "\"exporter\":\"pyflame " V "\",\"name\":\"PID 100\",\"activeProfileIndex\":0,"
			 "\"shared\":{\"frames\":[{\"name\":\"<module>\",\"file\":\"m.py\"},"
			 "{\"name\":\"a\",\"file\":\"m.py\"},{\"name\":\"b\",\"file\":\"m.py\"}]},"
			 "\"profiles\":[{\"type\":\"sampled\",\"name\":\"PID 100\","
			 "\"unit\":\"microseconds\",\"startValue\":0,\"endValue\":4000,"
			 "\"samples\":[[0,1],[0,2],[0,1],[0,2]],\"weights\":[1000,1000,1000,1000]}]}\n");
		same(out_speedscope, &fx.p, want, "speedscope -x -n: no idle sample, no lines");
	}
	stacks_release(&fx.st);
}

static void test_chrome(void)
{
	struct fixture fx;

	fixture_init(&fx);
	same(out_chrome, &fx.p,
	     "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"exporter\":\"pyflame " V "\","
	     "\"target\":\"PID 100\",\"python\":\"3.11.4\",\"start_us\":1000},\n\"traceEvents\":[\n"
	     "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":100,\"tid\":101,\"args\":{\"name\":\"PID 100\"}},\n"
	     "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":100,\"tid\":101,\"args\":{\"name\":\"thread 101\"}},\n"
	     "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":100,\"tid\":102,\"args\":{\"name\":\"thread 102\"}},\n"
	     "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":100,\"tid\":0,"
	     "\"args\":{\"name\":\"(idle) and (failed)\"}},\n"
	     "{\"ph\":\"X\",\"name\":\"<module> (m.py:1)\",\"pid\":100,\"tid\":101,"
	     "\"ts\":0,\"dur\":2000},\n"
	     "{\"ph\":\"X\",\"name\":\"a (m.py:2)\",\"pid\":100,\"tid\":101,"
	     "\"ts\":0,\"dur\":2000},\n"
	     "{\"ph\":\"X\",\"name\":\"<module> (m.py:1)\",\"pid\":100,\"tid\":102,"
	     "\"ts\":0,\"dur\":1000},\n"
	     "{\"ph\":\"X\",\"name\":\"b (m.py:3)\",\"pid\":100,\"tid\":102,"
	     "\"ts\":0,\"dur\":1000},\n"
	     "{\"ph\":\"X\",\"name\":\"(idle)\",\"cat\":\"pyflame\",\"pid\":100,\"tid\":0,"
	     "\"ts\":2000,\"dur\":1000},\n"
	     "{\"ph\":\"X\",\"name\":\"<module> (m.py:1)\",\"pid\":100,\"tid\":101,"
	     "\"ts\":3000,\"dur\":1000},\n"
	     "{\"ph\":\"X\",\"name\":\"b (m.py:3)\",\"pid\":100,\"tid\":101,"
	     "\"ts\":3000,\"dur\":1000}\n]}\n",
	     "chrome: a frame lasts over consecutive samples, ends at a gap, per thread; by time");
	stacks_release(&fx.st);
}

static void test_svg(void)
{
	struct fixture fx;
	size_t len;
	int rc;
	char *got;

	fixture_init(&fx);
	fx.p.meta.target = "a<b & \"c\"";
	got = run(out_svg, &fx.p, &len, &rc);
	ok(rc == 0 && strncmp(got, "<?xml version=\"1.0\"", 19) == 0 &&
	   strstr(got, "</script>\n</svg>\n") == got + len - 17, "svg: an XML document");
	ok(strstr(got, ">a&lt;b &amp; \"c\"</text>") != NULL, "svg: the title escaped");
	ok(strstr(got, "Python 3.11.4 \xc2\xb7 0.0 s \xc2\xb7 4 samples (1 idle, 0 failed)") != NULL,
	   "svg: the subtitle says what was profiled");
	ok(strstr(got, "\"total\":5,\"min\":1,\n\"nodes\":[0,1,1,1,1,4,2,2,2,3,2,2],\n"
		       "\"frames\":[[\"(idle)\",-1,0,5],[\"\\u003cmodule\\u003e\",0,1,0],"
		       "[\"a\",0,2,0],[\"b\",0,3,0]],\n\"files\":[\"m.py\"],\n\"fshort\":[0],\n"
		       "\"classes\":[0,5]};\n") != NULL,
	   "svg: the call tree (threads merged, by name), frames and files as data");
	if (!ok(strstr(got, "]]>") == got + len - 20, "svg: ']]>' only where the script ends"))
		printf("# %s\n", got);
	free(got);
	stacks_release(&fx.st);
}

/* ------------------------------------------------------------- pprof */

struct pb {
	const unsigned char *at, *end;
};

static bool pb_varint(struct pb *b, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; b->at < b->end && shift < 64; shift += 7) {
		unsigned char c = *b->at++;

		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return true;
	}
	return false;
}

/* The next field: its number, and its value (varint) or bytes (length-delimited). */
static bool pb_field(struct pb *b, uint32_t *field, uint64_t *v, struct pb *sub)
{
	uint64_t key;

	if (b->at >= b->end || !pb_varint(b, &key))
		return false;
	*field = (uint32_t)(key >> 3);
	if ((key & 7) == 0)
		return pb_varint(b, v);
	if ((key & 7) != 2 || !pb_varint(b, v) || *v > (uint64_t)(b->end - b->at))
		return false;
	sub->at = b->at;
	sub->end = b->at + *v;
	b->at += *v;
	return true;
}

struct decoded {
	char strings[32][48];
	size_t nstrings, nsamples, nlocations, nfunctions, nmappings;
	uint64_t values[8][2];		/* per sample */
	uint64_t first_loc[8];		/* per sample: the leaf's location id */
	uint64_t label_str[8];
	uint64_t period, time_nanos, duration_nanos;
};

static void decode_sample(struct decoded *d, struct pb s)
{
	uint32_t f;
	uint64_t v;
	struct pb sub;
	size_t i = d->nsamples++;

	while (i < 8 && pb_field(&s, &f, &v, &sub)) {
		uint64_t x, y;

		if (f == 1 && pb_varint(&sub, &x))
			d->first_loc[i] = x;
		else if (f == 2 && pb_varint(&sub, &x) && pb_varint(&sub, &y)) {
			d->values[i][0] = x;
			d->values[i][1] = y;
		} else if (f == 3) {
			struct pb l = sub;
			uint32_t lf;

			while (pb_field(&l, &lf, &x, &sub))
				if (lf == 2)
					d->label_str[i] = x;
		}
	}
}

static bool decode(const char *gz, size_t len, struct decoded *d)
{
	static unsigned char raw[1 << 16];
	uLongf n = sizeof raw;
	z_stream z = { 0 };
	struct pb b, sub;
	uint32_t f;
	uint64_t v;

	memset(d, 0, sizeof *d);
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return false;
	z.next_in = (unsigned char *)(uintptr_t)gz;
	z.avail_in = (uInt)len;
	z.next_out = raw;
	z.avail_out = (uInt)n;
	if (inflate(&z, Z_FINISH) != Z_STREAM_END)
		return false;
	b.at = raw;
	b.end = raw + z.total_out;
	inflateEnd(&z);
	while (pb_field(&b, &f, &v, &sub)) {
		if (f == 2)
			decode_sample(d, sub);
		else if (f == 3)
			d->nmappings++;
		else if (f == 4)
			d->nlocations++;
		else if (f == 5)
			d->nfunctions++;
		else if (f == 6 && d->nstrings < 32 && v < 48)
			memcpy(d->strings[d->nstrings++], sub.at, v);
		else if (f == 9)
			d->time_nanos = v;
		else if (f == 10)
			d->duration_nanos = v;
		else if (f == 12)
			d->period = v;
	}
	return b.at == b.end;
}

static void test_pprof(void)
{
	struct fixture fx;
	struct decoded d;
	size_t len;
	int rc;
	char *got;
	uint64_t counts = 0;

	fixture_init(&fx);
	got = run(out_pprof, &fx.p, &len, &rc);
	ok(rc == 0 && len > 2 && (unsigned char)got[0] == 0x1f && (unsigned char)got[1] == 0x8b,
	   "pprof: gzip'd");
	ok(decode(got, len, &d), "pprof: the protobuf decodes to its end");
	ok(d.nstrings > 0 && d.strings[0][0] == '\0', "pprof: string_table[0] is \"\"");
	ok(d.nsamples == 4, "pprof: one sample per stack and thread, and (idle) (%zu)", d.nsamples);
	for (size_t i = 0; i < d.nsamples && i < 8; i++)
		counts += d.values[i][0];
	ok(counts == 5 && d.values[0][1] == d.values[0][0] * 1000000u,
	   "pprof: counts add up to the samples; wall time = count x period");
	ok(d.nlocations == 4 && d.nfunctions == 4 && d.nmappings == 1,
	   "pprof: a location and function per frame, (idle) too; one mapping");
	ok(d.period == 1000000 && d.time_nanos == 1000000 && d.duration_nanos == 4000000,
	   "pprof: period, time and duration in nanoseconds");
	ok(d.label_str[0] < d.nstrings && strcmp(d.strings[d.label_str[0]], "thread 101") == 0 &&
	   d.label_str[3] == 0, "pprof: samples labelled with their thread; (idle) with none");
	free(got);
	stacks_release(&fx.st);
}

/* A thread root, a Python frame and native frames: typed and named apart. */
static void test_kinds(void)
{
	static const struct origin o = { 100, 101, 0, 0 };
	struct stacks st;
	struct profile p = { .st = &st, .line_numbers = true, .include_idle = true,
			     .meta = { .target = "PID 100", .interval_us = 1000 } };
	uint32_t ids[4];
	size_t len;
	int rc;
	char *got;

	stacks_init(&st, true);
	ids[3] = special(&st, FRAME_THREAD, "", "thread 101 \"MainThread\"", 0);
	ids[2] = stacks_intern_pyframe(&st, stacks_intern_str(&st, "m.py", 4),
				       stacks_intern_str(&st, "main", 4), 3);
	ids[1] = special(&st, FRAME_NATIVE, "/lib/libz.so.1", "deflate", 0x2a);
	ids[0] = special(&st, FRAME_NATIVE, "/lib/libz.so.1", "", 0x3a2c);
	stacks_add(&st, ids, 4, stacks_intern_origin(&st, &o), 1, 5000);
	got = run(out_svg, &p, &len, &rc);
	ok(rc == 0 && strstr(got, "\"frames\":[[\"thread 101 \\\"MainThread\\\"\",-1,0,4],"
				  "[\"main\",0,3,0],[\"deflate\",1,0,3],[\"+0x3a2c\",1,0,3]],\n"
				  "\"files\":[\"m.py\",\"/lib/libz.so.1\"]") != NULL,
	   "svg: a root (class 4) and native frames (class 3) as data");
	free(got);
	got = run(out_chrome, &p, &len, &rc);
	ok(rc == 0 && strstr(got, "\"name\":\"thread 101 \\\"MainThread\\\"\",\"cat\":\"root\"") &&
	   strstr(got, "\"name\":\"deflate (/lib/libz.so.1)\",\"cat\":\"native\"") &&
	   strstr(got, "\"name\":\"libz.so.1+0x3a2c\",\"cat\":\"native\""),
	   "chrome: roots and native frames named and categorised apart");
	free(got);
	got = run(out_speedscope, &p, &len, &rc);
	ok(rc == 0 && strstr(got, "{\"name\":\"deflate\",\"file\":\"/lib/libz.so.1\"},"
				  "{\"name\":\"libz.so.1+0x3a2c\",\"file\":\"/lib/libz.so.1\"}"),
	   "speedscope: native frames by symbol or offset, with their object");
	free(got);
	stacks_release(&st);
}

/* Every new writer reports a failed write as -PF_ESYS with errno's text. */
static void test_write_errors(void)
{
	int (*const fns[])(FILE *, const struct profile *) = {
		out_svg, out_speedscope, out_chrome, out_pprof,
	};
	const char *names[] = { "svg", "speedscope", "chrome", "pprof" };
	struct fixture fx;

	fixture_init(&fx);
	for (size_t i = 0; i < PF_ARRAY_SIZE(fns); i++) {
		FILE *f = fopen("/dev/full", "w");

		if (!f) {
			ok(1, "%s to /dev/full # SKIP no /dev/full", names[i]);
			continue;
		}
		ok(fns[i](f, &fx.p) == -PF_ESYS && pf_last_errno() == ENOSPC,
		   "%s to /dev/full: -PF_ESYS (%s)", names[i], pf_last_error());
		fclose(f);
	}
	stacks_release(&fx.st);
}

static void test_table(void)
{
	ok(writer_for_path("a.svg") == writer_named("svg") &&
	   writer_for_path("a.speedscope.json") == writer_named("speedscope") &&
	   writer_for_path("a.pb.gz") == writer_named("pprof"), "suffixes pick svg, speedscope, pprof");
	ok(writer_for_path("a.json") == writers_all()[0] && writer_for_path("a.gz") == writers_all()[0] &&
	   writer_for_path("svg") == writers_all()[0], "other paths stay collapsed");
	ok(writer_named("pprof")->binary && !writer_named("svg")->binary &&
	   writer_named("chrome")->timeline && writer_named("speedscope")->timeline &&
	   !writer_named("svg")->timeline && !writer_named("pprof")->timeline,
	   "pprof is binary; chrome and speedscope read the timeline");
}

int main(void)
{
	test_table();
	test_speedscope();
	test_chrome();
	test_svg();
	test_pprof();
	test_kinds();
	test_write_errors();
	return done_testing();
}
