/* SPDX-License-Identifier: Apache-2.0 */
/* main.c - parse the command line, run the profiler, exit with its status. */
#include "compat.h"

#include "cli.h"
#include "sampler.h"

int main(int argc, char **argv)
{
	struct options opts;

	switch (cli_parse(argc, argv, &opts)) {
	case CLI_EXIT_OK:
		return 0;
	case CLI_EXIT_ERROR:
		return 1;
	case CLI_RUN:
		break;
	}
	return sampler_run(&opts);
}
