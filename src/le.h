/* SPDX-License-Identifier: Apache-2.0 */
/* le.h - integers at an offset of bytes copied out of the target (x86_64: little-endian). */
#ifndef PF_LE_H
#define PF_LE_H

#include <string.h>

#include "compat.h"

/* The unsigned integer of `width` bytes (1 to 8) at buf + off; the caller
 * has checked that they lie inside the copy. */
static inline uint64_t le_load(const uint8_t *buf, size_t off, size_t width)
{
	uint64_t v = 0;

	memcpy(&v, buf + off, width);
	return v;
}

#endif
