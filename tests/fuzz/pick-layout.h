/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pick-layout.h - the layout a fuzz input asks for: one of pyoffsets_all()'s
 * rows, chosen by a byte of the input.
 */
#ifndef PF_PICK_LAYOUT_H
#define PF_PICK_LAYOUT_H

#include "pyoffsets.h"

static inline const struct pyoffsets *pick_layout(unsigned byte)
{
	const struct pyoffsets *const *all = pyoffsets_all();
	size_t n = 0;

	while (all[n])
		n++;
	return all[byte % n];
}

#endif
