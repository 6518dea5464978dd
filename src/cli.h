/* SPDX-License-Identifier: Apache-2.0 */
/* cli.h - the command line: options, usage, version, validation. */
#ifndef PF_CLI_H
#define PF_CLI_H

#include "compat.h"

struct options {
	pid_t pid;		/* 0 with -t */
	char **trace_argv;	/* -t COMMAND ARGS..., NULL-terminated; NULL if not -t */
	double seconds;		/* 0: one sample; < 0: until the target exits */
	uint64_t interval_ns;	/* -r, truncated to whole microseconds */
	unsigned abi;		/* --abi, 0 = detect */
	const char *output;	/* -o, NULL = stdout */
	bool exclude_idle;
	bool threads;
	bool dump;
	bool line_numbers;
	const struct writer *writer;	/* how the profile is written (output.h) */
	bool qualnames;		/* --qualname */
	bool nonblocking;	/* --nonblocking: never stop the target to sample */
	bool native;		/* --native: native (C) frames too; never with nonblocking */
	bool stats;		/* --stats: a statistics line on stderr at the end */
	bool top;		/* --top: the live view (topview.h) instead of a profile */
	bool locals;		/* --locals (with -d): each frame's variables */
	bool json;		/* --json (with -d): the dump as JSON (dumpmodel.h) */
	bool subprocesses;	/* --subprocesses: every descendant too */
	bool thread_names;	/* --thread-names: a root frame naming each thread */
	int64_t wait_ns;	/* --wait: how long to look for the interpreter; -1 = default */
};

enum cli_status {
	CLI_RUN,		/* go on with sampler_run() */
	CLI_EXIT_OK,		/* -h / -v done: exit 0 */
	CLI_EXIT_ERROR,		/* message printed: exit 1 */
};

/*
 * cli_parse - parse argv (as the compat reference says, with its section 7
 * changes) into `o`, which it fills entirely. Prints help and version on
 * stdout, and warnings, usage and errors on stderr, itself; it neither
 * attaches nor opens anything. With CLI_RUN:
 *  - exactly one of pid (> 0) and trace_argv is set;
 *  - trace_argv and output point into argv (never copied; argv is not
 *    reordered), and seconds is -1 in trace mode;
 *  - seconds is -1 (no limit), 0 (one sample) or in (0, 1e9];
 *  - interval_ns is a whole number of microseconds, 1 us to 1e9 s;
 *  - abi is 0 or a value of some pyoffsets_all() table;
 *  - dump implies threads;
 *  - locals and json only with dump; top neither with dump, -o nor
 *    --flamechart, and only with standard output a terminal; with top,
 *    seconds is -1 unless -s was given.
 *  - native and nonblocking are never both set.
 * Resets getopt's state first, so it may be called more than once.
 */
enum cli_status cli_parse(int argc, char **argv, struct options *o);

#endif
