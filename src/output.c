/* SPDX-License-Identifier: Apache-2.0 */
/* output.c - the table of writers, and which one an output path asks for. */
#include "compat.h"

#include <string.h>

#include "output.h"

static const struct writer collapsed = { "collapsed", NULL, false, false, out_collapsed };
static const struct writer flamechart = { "flamechart", NULL, false, true, out_flamechart };

static const struct writer svg = { "svg", ".svg", false, false, out_svg };
static const struct writer speedscope = {
	"speedscope", ".speedscope.json", false, true, out_speedscope
};
static const struct writer chrome = { "chrome", NULL, false, true, out_chrome };
static const struct writer pprof = { "pprof", ".pb.gz", true, false, out_pprof };

static const struct writer *const all[] = {
	&collapsed, &svg, &speedscope, &chrome, &pprof, &flamechart, NULL
};

const struct writer *const *writers_all(void)
{
	return all;
}

const struct writer *writer_named(const char *name)
{
	for (size_t i = 0; all[i]; i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

const struct writer *writer_for_path(const char *path)
{
	for (size_t i = 0; path && all[i]; i++)
		if (all[i]->suffix && ends_with(path, all[i]->suffix))
			return all[i];
	return &collapsed;
}
