/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sampler.h - one profiling run: attach (or spawn), locate the interpreter,
 * sample on absolute deadlines, aggregate, detach, write. It owns every
 * object of the run and decides what is printed on stderr.
 */
#ifndef PF_SAMPLER_H
#define PF_SAMPLER_H

#include "cli.h"

/* Returns the process exit status. The target is always left running. */
int sampler_run(const struct options *o);

#endif
