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
	bool flamechart;
	bool qualnames;		/* --qualname */
};

enum cli_status {
	CLI_RUN,		/* go on with sampler_run() */
	CLI_EXIT_OK,		/* -h / -v done: exit 0 */
	CLI_EXIT_ERROR,		/* message printed: exit 1 */
};

/* Parse argv (exactly as the compat reference says) into `o`; prints help,
 * version, warnings and errors itself. */
enum cli_status cli_parse(int argc, char **argv, struct options *o);

#endif
