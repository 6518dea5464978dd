/* SPDX-License-Identifier: Apache-2.0 */
/* frames.h - frames of any kind for the writers' tests (header-only). */
#ifndef PF_TEST_FRAMES_H
#define PF_TEST_FRAMES_H

#include <string.h>

#include "stacks.h"

/* A frame of `kind` with its strings interned; `offset` for native ones. */
static inline uint32_t special(struct stacks *st, enum frame_kind kind, const char *file,
			       const char *name, uint64_t offset)
{
	const struct frame f = { .file = stacks_intern_str(st, file, strlen(file)),
				 .name = stacks_intern_str(st, name, strlen(name)),
				 .kind = (uint8_t)kind, .offset = offset };

	return stacks_intern_frame(st, &f);
}

#endif
