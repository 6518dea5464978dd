/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.c - the command line: getopt_long into struct options, the help, usage
 * and version texts, and validation of every argument before any attach.
 */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"
#include "pyoffsets.h"

/*
 * Largest -s and -r accepted, in seconds (about 31 years). Larger values are
 * refused with the usual parse error rather than clamped: the bound keeps
 * "now + duration" and the interval, both in nanoseconds, far inside int64_t,
 * and a longer run is never what was meant. Use a negative -s for "until the
 * target exits".
 */
#define CLI_MAX_SECONDS 1e9

#define DEFAULT_SECONDS 1.0
#define DEFAULT_INTERVAL_NS UINT64_C(10000000)	/* 0.01 s */
#define NS_PER_US UINT64_C(1000)

/* Keys of the options that have no short form. */
enum {
	OPT_THREADS = 256,
	OPT_FLAMECHART,
	OPT_QUALNAME,
	OPT_ABI,
	OPT_WAIT,
	OPT_NONBLOCKING,
	OPT_STATS,
	OPT_TOP,
	OPT_LOCALS,
	OPT_JSON,
	OPT_SUBPROCESSES,
	OPT_THREAD_NAMES,
	OPT_NATIVE,
	OPT_FORMAT,
};

struct parse {
	struct options *o;
	const char *operand;	/* the first operand, if any */
	int noperands;
	bool pid_given;		/* -p seen (before -t, if any) */
	bool seconds_given;	/* -s seen */
	bool flamechart;	/* --flamechart seen */
	const char *format;	/* --format's value, if given */
};

static const char usage_text[] =
	"Usage: pyflame [options] [-p] PID\n"
	"       pyflame [options] -t command arg1 arg2...\n"
	"\n"
	"Common Options:\n"
	"  --threads                Enable multi-threading support\n"
	"  -d, --dump               Dump stacks from all threads (implies --threads)\n"
	"  -h, --help               Show help\n"
	"  -n, --no-line-numbers    Do not append line numbers to function names\n"
	"  -o, --output=PATH        Output to file path\n"
	"  -p, --pid=PID            The PID to trace\n"
	"  -r, --rate=RATE          Sample rate, as a fractional value of seconds (default 0.01)\n"
	"  -s, --seconds=SECS       How many seconds to run for (default 1)\n"
	"  -t, --trace              Trace a child process\n"
	"  -v, --version            Show the version\n"
	"  -x, --exclude-idle       Exclude idle time from statistics\n"
	"  --top                    A live view of the busiest functions, refreshed each second\n"
	"                           (keys: o/t sort by own/total, a since start, q quit)\n"
	"  --locals                 With -d: each frame's arguments and local variables\n"
	"  --json                   With -d: the dump as one JSON document\n"
	"\n"
	"Advanced Options:\n";

static const char usage_tail[] =
	"  --flamechart             Include timestamps for generating Chrome \"flamecharts\"\n"
	"  --format=FMT             Output format: collapsed (default), svg, speedscope, chrome,\n"
	"                           pprof or flamechart; without it, an -o path ending in .svg,\n"
	"                           .speedscope.json or .pb.gz picks svg, speedscope or pprof\n"
	"  --native                 Also unwind native (C) stacks and merge them with the Python frames\n"
	"  --nonblocking            Sample without stopping the target; changing stacks are read again\n"
	"  --qualname               Name functions by their qualified name, e.g. Class.method (3.11+)\n"
	"  --stats                  Print sampling statistics on stderr at the end\n"
	"  --subprocesses           Also profile every descendant process running Python\n"
	"  --thread-names           Root each stack at a frame naming its thread: thread TID \"NAME\"\n"
	"  --wait=SECS              How long to wait for the interpreter to appear (default 1; 5 with -t)\n";

static const char legacy_pid_warning[] =
	"WARNING: Specifying a PID to trace without -p is deprecated; "
	"see Pyflame issue #99 for details.\n";

/* True if an earlier table already has the same --abi value. */
static bool abi_seen_before(const struct pyoffsets *const *t, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (t[j]->abi == t[i]->abi)
			return true;
	return false;
}

/* The accepted --abi values, oldest first, each once, joined by `sep`. */
static void print_abi_list(FILE *f, const char *sep)
{
	const struct pyoffsets *const *t = pyoffsets_all();
	bool first = true;

	for (size_t i = 0; t[i]; i++) {
		if (abi_seen_before(t, i))
			continue;
		fprintf(f, "%s%u", first ? "" : sep, t[i]->abi);
		first = false;
	}
}

static bool abi_supported(unsigned long abi)
{
	const struct pyoffsets *const *t = pyoffsets_all();

	for (size_t i = 0; t[i]; i++)
		if (t[i]->abi == abi)
			return true;
	return false;
}

static void print_usage(FILE *f)
{
	fputs(usage_text, f);
	fputs("  --abi                    Force a particular Python ABI (", f);
	print_abi_list(f, ", ");
	fputs(")\n", f);
	fputs(usage_tail, f);
}

/* -h and -v write to stdout; a failed write (a full disk, /dev/full) fails. */
static enum cli_status flush_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return CLI_EXIT_OK;
	fprintf(stderr, "cannot write to standard output: %s\n", strerror(errno));
	return CLI_EXIT_ERROR;
}

static enum cli_status usage_error(void)
{
	print_usage(stderr);
	return CLI_EXIT_ERROR;
}

/* A message, an empty line, then the usage: the shape of several original errors. */
static PF_PRINTF(1, 2) enum cli_status error_then_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	return usage_error();
}

/* ------------------------------------------------------------ number parsing */

/* strto* skip leading blanks; a value typed with them is not a number here. */
static bool starts_cleanly(const char *s)
{
	return *s != '\0' && !isspace((unsigned char)*s);
}

/* The whole of `s` as a decimal PID in 1 .. INT_MAX. */
static bool parse_pid(const char *s, pid_t *out)
{
	char *end;
	long v;

	if (!starts_cleanly(s))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0 || v > INT_MAX)
		return false;
	*out = (pid_t)v;
	return true;
}

/* The whole of `s` as a finite number no larger than CLI_MAX_SECONDS. */
static bool parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!starts_cleanly(s))
		return false;
	v = strtod(s, &end);	/* overflow gives HUGE_VAL, caught by isfinite */
	if (*end != '\0' || !isfinite(v) || v > CLI_MAX_SECONDS)
		return false;
	*out = v;
	return true;
}

/*
 * -r as an interval of whole microseconds, in nanoseconds. The value is first
 * rounded to the nearest nanosecond, so that a decimal such as 0.000007 (not
 * exact in binary) is 7 us and not 6, then truncated to microseconds. Zero,
 * negative and sub-microsecond intervals are refused.
 */
static bool parse_interval(const char *s, uint64_t *out_ns)
{
	double v;
	uint64_t us;

	if (!parse_seconds(s, &v) || v <= 0.0)
		return false;
	us = (uint64_t)(v * 1e9 + 0.5) / NS_PER_US;	/* v <= 1e9: no overflow */
	if (us == 0)
		return false;
	*out_ns = us * NS_PER_US;
	return true;
}

/* --abi: digits only, major and minor run together (27, 36 ... 315). */
static bool parse_abi(const char *s, unsigned *out)
{
	unsigned long v;

	if (*s == '\0' || s[strspn(s, "0123456789")] != '\0')
		return false;
	errno = 0;
	v = strtoul(s, NULL, 10);
	if (errno != 0 || !abi_supported(v))
		return false;
	*out = (unsigned)v;
	return true;
}

/* ---------------------------------------------------------- option handlers */

static enum cli_status parse_failed(const char *arg, const char *as)
{
	fprintf(stderr, "Error: failed to parse \"%s\" as %s.\n", arg, as);
	return CLI_EXIT_ERROR;
}

static enum cli_status opt_pid(struct parse *p, const char *arg)
{
	if (!parse_pid(arg, &p->o->pid)) {
		fprintf(stderr, "Error: failed to parse \"%s\" as a PID.\n\n", arg);
		return CLI_EXIT_ERROR;
	}
	p->pid_given = true;
	return CLI_RUN;
}

static enum cli_status opt_seconds(struct parse *p, const char *arg)
{
	if (!parse_seconds(arg, &p->o->seconds))
		return parse_failed(arg, "a number of seconds");
	p->seconds_given = true;
	if (p->o->seconds < 0)
		p->o->seconds = -1.0;	/* any negative value: no limit */
	else if (p->o->seconds == 0)
		p->o->seconds = 0.0;	/* "-0" too means one sample */
	return CLI_RUN;
}

static enum cli_status opt_rate(struct parse *p, const char *arg)
{
	if (!parse_interval(arg, &p->o->interval_ns))
		return parse_failed(arg, "a sample rate");
	return CLI_RUN;
}

/* The sampler opens the file only after attaching; here it must just exist. */
static enum cli_status opt_output(struct parse *p, const char *arg)
{
	if (*arg == '\0')
		return parse_failed(arg, "an output path");
	p->o->output = arg;
	return CLI_RUN;
}

static enum cli_status opt_abi(struct parse *p, const char *arg)
{
	if (!parse_abi(arg, &p->o->abi)) {
		fprintf(stderr, "Unknown or unsupported ABI version: %s\n", arg);
		return CLI_EXIT_ERROR;
	}
	return CLI_RUN;
}

static enum cli_status opt_wait(struct parse *p, const char *arg)
{
	double v;

	if (!parse_seconds(arg, &v) || v < 0)
		return parse_failed(arg, "a number of seconds");
	p->o->wait_ns = (int64_t)(v * 1e9 + 0.5);	/* v <= 1e9: fits */
	return CLI_RUN;
}

static enum cli_status opt_exclude_idle(struct parse *p, const char *arg PF_UNUSED)
{
	p->o->exclude_idle = true;
	return CLI_RUN;
}

static enum cli_status opt_threads(struct parse *p, const char *arg PF_UNUSED)
{
	p->o->threads = true;
	return CLI_RUN;
}

static enum cli_status opt_dump(struct parse *p, const char *arg PF_UNUSED)
{
	p->o->dump = true;
	p->o->threads = true;
	return CLI_RUN;
}

static enum cli_status opt_no_lines(struct parse *p, const char *arg PF_UNUSED)
{
	p->o->line_numbers = false;
	return CLI_RUN;
}

static enum cli_status opt_flamechart(struct parse *p, const char *arg PF_UNUSED)
{
	p->flamechart = true;
	p->o->writer = writer_named("flamechart");
	return CLI_RUN;
}

/* The accepted --format values, joined by ", ". */
static void print_formats(FILE *f)
{
	const struct writer *const *w = writers_all();

	for (size_t i = 0; w[i]; i++)
		fprintf(f, "%s%s", i ? ", " : "", w[i]->name);
}

static enum cli_status opt_format(struct parse *p, const char *arg)
{
	const struct writer *w = writer_named(arg);

	if (!w) {
		fprintf(stderr, "Error: unknown format \"%s\" (one of: ", arg);
		print_formats(stderr);
		fputs(").\n", stderr);
		return CLI_EXIT_ERROR;
	}
	p->format = arg;
	p->o->writer = w;
	return CLI_RUN;
}

static enum cli_status opt_qualname(struct parse *p, const char *arg PF_UNUSED)
{
	p->o->qualnames = true;
	return CLI_RUN;
}

static enum cli_status opt_subprocesses(struct parse *p, const char *arg PF_UNUSED)
{
	p->o->subprocesses = true;
	return CLI_RUN;
}

static enum cli_status opt_thread_names(struct parse *p, const char *arg PF_UNUSED)
{
	p->o->thread_names = true;
	return CLI_RUN;
}

static enum cli_status opt_nonblocking(struct parse *p, const char *arg PF_UNUSED)
{
	p->o->nonblocking = true;
	return CLI_RUN;
}

static enum cli_status opt_native(struct parse *p, const char *arg PF_UNUSED)
{
	p->o->native = true;
	return CLI_RUN;
}

static enum cli_status opt_stats(struct parse *p, const char *arg PF_UNUSED)
{
	p->o->stats = true;
	return CLI_RUN;
}

static enum cli_status opt_top(struct parse *p, const char *arg PF_UNUSED)
{
	p->o->top = true;
	return CLI_RUN;
}

static enum cli_status opt_locals(struct parse *p, const char *arg PF_UNUSED)
{
	p->o->locals = true;
	return CLI_RUN;
}

static enum cli_status opt_json(struct parse *p, const char *arg PF_UNUSED)
{
	p->o->json = true;
	return CLI_RUN;
}

static enum cli_status opt_version(struct parse *p PF_UNUSED, const char *arg PF_UNUSED)
{
	printf("pyflame %s %s %s (ABI list: ", PACKAGE_VERSION, PF_HOST_OS, PF_HOST_CPU);
	print_abi_list(stdout, " ");
	printf(")\n");
	return flush_stdout();
}

static enum cli_status opt_help(struct parse *p PF_UNUSED, const char *arg PF_UNUSED)
{
	printf("pyflame %s %s %s\n\n", PACKAGE_VERSION, PF_HOST_OS, PF_HOST_CPU);
	print_usage(stdout);
	return flush_stdout();
}

/* -------------------------------------------------------------- the parser */

struct opt_spec {
	const char *name;	/* long name */
	int key;		/* short letter, or an OPT_* key */
	int has_arg;		/* no_argument / required_argument */
	/* NULL for -t, which ends option parsing (see start_trace) */
	enum cli_status (*handle)(struct parse *p, const char *arg);
};

static const struct opt_spec opt_specs[] = {
	{ "pid",             'p',            required_argument, opt_pid },
	{ "seconds",         's',            required_argument, opt_seconds },
	{ "rate",            'r',            required_argument, opt_rate },
	{ "exclude-idle",    'x',            no_argument,       opt_exclude_idle },
	{ "output",          'o',            required_argument, opt_output },
	{ "trace",           't',            no_argument,       NULL },
	{ "threads",         OPT_THREADS,    no_argument,       opt_threads },
	{ "dump",            'd',            no_argument,       opt_dump },
	{ "no-line-numbers", 'n',            no_argument,       opt_no_lines },
	{ "flamechart",      OPT_FLAMECHART, no_argument,       opt_flamechart },
	{ "format",          OPT_FORMAT,     required_argument, opt_format },
	{ "qualname",        OPT_QUALNAME,   no_argument,       opt_qualname },
	{ "abi",             OPT_ABI,        required_argument, opt_abi },
	{ "native",          OPT_NATIVE,     no_argument,       opt_native },
	{ "nonblocking",     OPT_NONBLOCKING, no_argument,      opt_nonblocking },
	{ "stats",           OPT_STATS,      no_argument,       opt_stats },
	{ "top",             OPT_TOP,        no_argument,       opt_top },
	{ "locals",          OPT_LOCALS,     no_argument,       opt_locals },
	{ "json",            OPT_JSON,       no_argument,       opt_json },
	{ "subprocesses",    OPT_SUBPROCESSES, no_argument,     opt_subprocesses },
	{ "thread-names",    OPT_THREAD_NAMES, no_argument,     opt_thread_names },
	{ "wait",            OPT_WAIT,       required_argument, opt_wait },
	{ "version",         'v',            no_argument,       opt_version },
	{ "help",            'h',            no_argument,       opt_help },
};

#define NSPECS PF_ARRAY_SIZE(opt_specs)

/*
 * Derive getopt's tables from opt_specs. The short string starts with '-':
 * operands come back in order as key 1 instead of being permuted to the end,
 * so "-t" can stop parsing exactly where it stands while options may still
 * follow operands ("pyflame PID -s 1").
 */
static void build_getopt_tables(struct option *longopts, char *shortopts)
{
	*shortopts++ = '-';
	for (size_t i = 0; i < NSPECS; i++) {
		const struct opt_spec *s = &opt_specs[i];

		longopts[i] = (struct option){ s->name, s->has_arg, NULL, s->key };
		if (s->key < OPT_THREADS) {
			*shortopts++ = (char)s->key;
			if (s->has_arg == required_argument)
				*shortopts++ = ':';
		}
	}
	longopts[NSPECS] = (struct option){ NULL, 0, NULL, 0 };
	*shortopts = '\0';
}

static enum cli_status dispatch(struct parse *p, int key, const char *arg)
{
	if (key == 1) {		/* an operand */
		if (p->noperands++ == 0)
			p->operand = arg;
		return CLI_RUN;
	}
	for (size_t i = 0; i < NSPECS; i++)
		if (opt_specs[i].key == key && opt_specs[i].handle)
			return opt_specs[i].handle(p, arg);
	/* '?': getopt already named the unknown option or missing argument */
	return usage_error();
}

/*
 * -t was just read, and argv[optind] is the command. `before` is optind from
 * before that getopt call: if it did not move, -t sat inside a cluster with
 * more letters after it ("-tn"), which would otherwise become the command.
 */
static enum cli_status start_trace(struct parse *p, int argc, char **argv,
				   int before)
{
	const char *cmd;
	size_t len;

	if (optind == before)
		return error_then_usage("Error: nothing may follow -t in \"%s\"; "
					"the command is the next argument.", argv[optind]);
	if (p->o->dump) {
		fputs("Options -t and -d are not mutually compatible.\n", stderr);
		return CLI_EXIT_ERROR;
	}
	if (p->pid_given) {
		fputs("Options -t and -p are not mutually compatible.\n", stderr);
		return CLI_EXIT_ERROR;
	}
	if (optind >= argc)
		return error_then_usage("Option -t requires a command to run.");
	if (p->noperands > 0)
		return error_then_usage("Error: unexpected argument \"%s\" before -t.",
					p->operand);
	cmd = argv[optind];
	len = strlen(cmd);
	if (len >= 7 && strcmp(cmd + len - 7, "pyflame") == 0) {
		fputs("You tried to pyflame a pyflame, naughty!\n", stderr);
		return CLI_EXIT_ERROR;
	}
	p->o->trace_argv = &argv[optind];	/* argv[argc] is NULL */
	p->o->seconds = -1.0;			/* until the child exits */
	return CLI_RUN;
}

/* Without -t: -p, or else exactly one operand, the deprecated form. */
static enum cli_status finish_attach(struct parse *p)
{
	if (p->pid_given)
		return CLI_RUN;		/* extra operands are ignored, as always */
	if (p->noperands != 1)
		return usage_error();
	if (!parse_pid(p->operand, &p->o->pid))
		return error_then_usage("Error: failed to parse \"%s\" as a PID.",
					p->operand);
	fputs(legacy_pid_warning, stderr);
	return CLI_RUN;
}

static void options_defaults(struct options *o)
{
	*o = (struct options){
		.seconds = DEFAULT_SECONDS,
		.wait_ns = -1,
		.interval_ns = DEFAULT_INTERVAL_NS,
		.line_numbers = true,
	};
}

/* Options that need another, or exclude one. */
static enum cli_status check_pairs(const struct parse *p)
{
	const struct options *o = p->o;

	if (o->locals && !o->dump)
		return error_then_usage("Option --locals needs -d (--dump).");
	if (o->json && !o->dump)
		return error_then_usage("Option --json needs -d (--dump).");
	if (o->top && o->dump) {
		fputs("Options --top and -d are not mutually compatible.\n", stderr);
		return CLI_EXIT_ERROR;
	}
	if (o->top && (o->output || p->flamechart || p->format)) {
		fprintf(stderr, "Options --top and %s are not mutually compatible.\n",
			o->output ? "-o" : p->format ? "--format" : "--flamechart");
		return CLI_EXIT_ERROR;
	}
	return CLI_RUN;
}

/*
 * --top draws on the terminal: standard output must be one. It runs until
 * q (or the target's end) unless -s is given; its rate is the default one,
 * 100 Hz, unless -r is given.
 */
static enum cli_status check_top(const struct parse *p)
{
	if (!p->o->top)
		return CLI_RUN;
	if (!isatty(STDOUT_FILENO)) {
		fputs("pyflame: --top needs a terminal on standard output, which is a pipe or a "
		      "file here; to write a profile there instead, leave out --top (or use -o FILE)\n",
		      stderr);
		return CLI_EXIT_ERROR;
	}
	if (!p->seconds_given)
		p->o->seconds = -1.0;
	return CLI_RUN;
}

/*
 * The writer, if no option chose it: as the output path asks. --format and
 * --flamechart together are refused unless they agree, and so is a binary
 * format bound for a terminal.
 */
static enum cli_status choose_writer(const struct parse *p, enum cli_status st)
{
	struct options *o = p->o;

	if (st != CLI_RUN)
		return st;
	if (o->native && o->nonblocking) {
		fputs("Options --native and --nonblocking are not mutually compatible "
		      "(native stacks are unwound with the threads stopped).\n", stderr);
		return CLI_EXIT_ERROR;
	}
	if (p->flamechart && p->format && strcmp(p->format, "flamechart") != 0) {
		fputs("Options --flamechart and --format are not mutually compatible.\n", stderr);
		return CLI_EXIT_ERROR;
	}
	if (!o->writer)
		o->writer = writer_for_path(o->output);
	if (o->writer->binary && !o->output && !o->dump && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "Error: the %s format is binary and standard output is a terminal; "
			"use -o FILE or a pipe.\n", o->writer->name);
		return CLI_EXIT_ERROR;
	}
	return st;
}

/* The checks that involve several options, then the writer. */
static enum cli_status finish(struct parse *p, enum cli_status st)
{
	if (st == CLI_RUN)
		st = check_pairs(p);
	if (st == CLI_RUN)
		st = check_top(p);
	return choose_writer(p, st);
}

enum cli_status cli_parse(int argc, char **argv, struct options *o)
{
	struct option longopts[NSPECS + 1];
	char shortopts[2 * NSPECS + 2];
	struct parse p = { .o = o };
	enum cli_status st = CLI_RUN;

	options_defaults(o);
	build_getopt_tables(longopts, shortopts);
	optind = 0;		/* a full reset, so that cli_parse can run twice */
	opterr = 1;
	while (st == CLI_RUN) {
		int before = optind > 0 ? optind : 1;
		int key = getopt_long(argc, argv, shortopts, longopts, NULL);

		if (key == -1)
			break;
		if (key == 't')
			return finish(&p, start_trace(&p, argc, argv, before));
		st = dispatch(&p, key, optarg);
	}
	if (st != CLI_RUN)
		return st;
	/* operands after "--" */
	for (; optind < argc; optind++)
		dispatch(&p, 1, argv[optind]);
	return finish(&p, finish_attach(&p));
}
