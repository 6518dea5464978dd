/* SPDX-License-Identifier: Apache-2.0 */
/*
 * convert - write one profile in every format, for the end-to-end tests
 * that compare the formats and for measuring what writing costs.
 *
 *   convert [-n] [-x] [-r US] [-b N] RECORDING OUTDIR
 *   convert [-b N] -S STACKS,DEPTH OUTDIR
 *
 * RECORDING is what `pyflame --flamechart` wrote (a timestamp line, then a
 * stack line, per stack; the stacks of one sample share its timestamp and
 * are given a thread each); its stacks are counted as pyflame counts them.
 * -S makes a profile instead: STACKS distinct stacks from a seeded
 * generator, a hundred of them DEPTH frames deep. Writes OUTDIR/out.collapsed,
 * out.svg, out.speedscope.json, out.chrome.json, out.pb.gz and
 * out.flamechart. -n: write without line numbers; -x: leave idle out;
 * -r: the sampling interval in us (default: the median step of the
 * recording, 1000 with -S). -b N: write each format N times to its file
 * first and print, per format, the median time in ms ("bench FORMAT MS").
 */
#include "compat.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "stacks.h"
#include "xalloc.h"

struct opts {
	bool lines, idle;
	uint64_t interval_us;
	int bench;
	size_t gen_stacks, gen_depth;
};

static uint32_t str(struct stacks *st, const char *s, size_t len)
{
	return stacks_intern_str(st, s, len);
}

/* "file:function:line" or "file:function" (the last ':' fields). */
static uint32_t parse_frame(struct stacks *st, const char *s, size_t len)
{
	const char *c2 = memrchr(s, ':', len), *c1;
	char *end;
	long line = 0;

	if (!c2)
		return stacks_intern_pyframe(st, str(st, "", 0), str(st, s, len), 0);
	c1 = c2 > s ? memrchr(s, ':', (size_t)(c2 - s)) : NULL;
	if (c1) {
		line = strtol(c2 + 1, &end, 10);
		if (end == s + len && c2 + 1 < end)
			return stacks_intern_pyframe(st, str(st, s, (size_t)(c1 - s)),
						     str(st, c1 + 1, (size_t)(c2 - c1 - 1)), (int32_t)line);
	}
	return stacks_intern_pyframe(st, str(st, s, (size_t)(c2 - s)),
				     str(st, c2 + 1, (size_t)(s + len - c2 - 1)), 0);
}

/* One stack line "a;b;c;" (root first) counted at ts. */
static void add_line(struct stacks *st, uint32_t origin, char *line, uint64_t ts,
		     uint32_t **ids, size_t *cap)
{
	size_t n = 0, len = strlen(line);

	if (strcmp(line, "(idle)") == 0) {
		stacks_add_idle(st, ts);
		return;
	}
	if (strcmp(line, "(failed)") == 0) {
		stacks_add_failed(st, ts);
		return;
	}
	for (char *p = line; p < line + len;) {
		char *semi = memchr(p, ';', (size_t)(line + len - p));
		size_t flen = semi ? (size_t)(semi - p) : (size_t)(line + len - p);

		XGROW(*ids, *cap, n + 1);
		(*ids)[n++] = parse_frame(st, p, flen);
		p += flen + 1;
	}
	for (size_t i = 0; i < n / 2; i++) {	/* to leaf first */
		uint32_t t = (*ids)[i];

		(*ids)[i] = (*ids)[n - 1 - i];
		(*ids)[n - 1 - i] = t;
	}
	if (n)
		stacks_add(st, *ids, n, origin, 1, ts);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The k-th stack of one sample: several stacks share a timestamp when
 * several threads were sampled at once, each its own thread here. */
static uint32_t nth_origin(struct stacks *st, int32_t k)
{
	const struct origin o = { 1, 1 + k, 1 + (uint64_t)k, 0 };

	return stacks_intern_origin(st, &o);
}

static int read_recording(FILE *f, struct stacks *st, struct profile_meta *m)
{
	uint32_t *ids = NULL;
	int32_t same = 0;
	char *stamp = NULL, *line = NULL;
	size_t scap = 0, lcap = 0, icap = 0, n = 0, dcap = 0;
	uint64_t *steps = NULL, ts = 0, prev = 0;
	ssize_t len;

	while (getline(&stamp, &scap, f) > 0 && (len = getline(&line, &lcap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		ts = strtoull(stamp, NULL, 10);
		if (n == 0)
			m->start_us = ts;
		else if (ts > prev) {
			XGROW(steps, dcap, n + 1);
			steps[n - 1] = ts - prev;
		}
		if (n && ts <= prev) {
			XGROW(steps, dcap, n + 1);
			steps[n - 1] = 0;
		}
		same = n && ts == prev ? same + 1 : 0;
		prev = ts;
		n++;
		add_line(st, nth_origin(st, same), line, ts, &ids, &icap);
	}
	if (n > 1 && !m->interval_us) {
		qsort(steps, n - 1, sizeof(*steps), cmp_u64);
		m->interval_us = steps[(n - 1) / 2] ? steps[(n - 1) / 2] : 1;
	}
	m->samples = st->nevents;
	m->duration_us = n ? ts - m->start_us + m->interval_us : 0;
	free(stamp);
	free(line);
	free(ids);
	free(steps);
	return n ? 0 : -1;
}

/* ----------------------------------------------------------- synthetic */

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Frame `f` of the made-up program: 4000 functions in 300 files, a third
 * of them in the standard library or site-packages. */
static uint32_t gen_frame(struct stacks *st, uint64_t f)
{
	char file[96], name[48];

	f %= 4000;
	if (f % 3 == 1)
		snprintf(file, sizeof file, "/usr/lib/python3.11/pkg%" PRIu64 "/mod%" PRIu64 ".py",
			 f % 17, f % 300);
	else if (f % 3 == 2)
		snprintf(file, sizeof file, "/srv/venv/lib/python3.11/site-packages/lib%" PRIu64
			 "/m%" PRIu64 ".py", f % 23, f % 300);
	else
		snprintf(file, sizeof file, "/srv/app/service/part%" PRIu64 ".py", f % 300);
	snprintf(name, sizeof name, "function_%" PRIu64, f);
	return stacks_intern_pyframe(st, str(st, file, strlen(file)), str(st, name, strlen(name)),
				     (int32_t)(f % 900 + 1));
}

/* Distinct stacks that share their callers as real programs do: each level
 * picks one of three callees of its caller. The deep ones are a recursion
 * (one chain of frames) with a different top of 50 frames each. */
static void generate(struct stacks *st, size_t nstacks, size_t deep, struct profile_meta *m)
{
	static const struct origin o = { 1, 1, 1, 0 };
	uint32_t origin = stacks_intern_origin(st, &o);
	uint32_t *ids = xmalloc(sizeof(*ids) * (deep > 64 ? deep : 64));
	uint64_t seed = 88172645463325252ull;

	while (st->nstacks < nstacks) {
		size_t depth = st->nstacks < 100 ? deep : 4 + next_rand(&seed) % 40;
		uint64_t f = 7, count = st->nstacks < 100 ? 2000 : 1 + next_rand(&seed) % 64;

		for (size_t i = 0; i < depth; i++) {
			bool chain = depth == deep && i + 50 < depth;

			f = f * 31 + 1 + (chain ? 0 : next_rand(&seed) % 3);
			ids[depth - 1 - i] = gen_frame(st, f);
		}
		stacks_add(st, ids, depth, origin, count, 0);
		m->samples += count;
	}
	m->duration_us = m->samples * m->interval_us;
	free(ids);
}

/* ----------------------------------------------------------------- main */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Write `p` to `path` `times` times, as pyflame -o would a new file: open,
 * write, close (the last write's file removed first, untimed). */
static void bench(const struct writer *w, const struct profile *p, const char *path, int times)
{
	double *ms = xcalloc((size_t)times, sizeof(*ms));

	for (int i = 0; i < times; i++) {
		double t0;
		FILE *f;

		unlink(path);
		t0 = now_ms();
		f = fopen(path, "w");

		if (!f) {
			fprintf(stderr, "convert: cannot write '%s': %s\n", path, strerror(errno));
			exit(1);
		}
		w->write(f, p);
		fclose(f);
		ms[i] = now_ms() - t0;
	}
	qsort(ms, (size_t)times, sizeof(*ms), cmp_double);
	printf("bench %s %.2f\n", w->name, ms[times / 2]);
	free(ms);
}

static int write_all(const struct profile *p, const char *dir, int times)
{
	static const char *const files[][2] = {
		{ "collapsed", "out.collapsed" }, { "svg", "out.svg" },
		{ "speedscope", "out.speedscope.json" }, { "chrome", "out.chrome.json" },
		{ "pprof", "out.pb.gz" }, { "flamechart", "out.flamechart" },
	};
	char path[4096];

	for (size_t i = 0; i < PF_ARRAY_SIZE(files); i++) {
		const struct writer *w = writer_named(files[i][0]);
		FILE *f;

		snprintf(path, sizeof path, "%s/%s", dir, files[i][1]);
		if (times > 0)
			bench(w, p, path, times);
		if (!(f = fopen(path, "w")) || w->write(f, p) != 0 || fclose(f) != 0) {
			fprintf(stderr, "convert: cannot write '%s': %s\n", path, strerror(errno));
			return 1;
		}
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	while ((c = getopt(argc, argv, "nxr:b:S:")) != -1) {
		if (c == 'n')
			o->lines = false;
		else if (c == 'x')
			o->idle = false;
		else if (c == 'r')
			o->interval_us = strtoull(optarg, NULL, 10);
		else if (c == 'b')
			o->bench = atoi(optarg);
		else if (c == 'S' && sscanf(optarg, "%zu,%zu", &o->gen_stacks, &o->gen_depth) == 2)
			continue;
		else
			return -1;
	}
	return optind + (o->gen_stacks ? 1 : 2) == argc ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct opts o = { .lines = true, .idle = true };
	struct stacks st;
	struct profile p = { .st = &st };
	FILE *in;
	int rc;

	if (parse_args(argc, argv, &o) < 0) {
		fputs("usage: convert [-n] [-x] [-r US] [-b N] RECORDING OUTDIR\n"
		      "       convert [-b N] -S STACKS,DEPTH OUTDIR\n", stderr);
		return 2;
	}
	stacks_init(&st, true);
	p.line_numbers = o.lines;
	p.include_idle = o.idle;
	p.meta.interval_us = o.interval_us;
	p.meta.target = o.gen_stacks ? "a made-up program" : argv[optind];
	if (o.gen_stacks) {
		p.meta.interval_us = o.interval_us ? o.interval_us : 1000;
		generate(&st, o.gen_stacks, o.gen_depth, &p.meta);
	} else if (!(in = fopen(argv[optind], "r")) || read_recording(in, &st, &p.meta) < 0) {
		fprintf(stderr, "convert: cannot read a recording from '%s'\n", argv[optind]);
		return 1;
	} else {
		fclose(in);
	}
	rc = write_all(&p, argv[argc - 1], o.bench);
	stacks_release(&st);
	return rc;
}
