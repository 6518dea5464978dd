/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pyversion.h - pure functions that learn an interpreter's version without
 * running it: from file names and from the PY_VERSION string in its bytes.
 */
#ifndef PF_PYVERSION_H
#define PF_PYVERSION_H

#include "compat.h"

/*
 * pyversion_from_name - major.minor from a basename such as "python3.11",
 * "libpython3.6m.so.1.0", "libpython2.7.so.1.0" or "python3.13t": the name
 * starts with "python" or "libpython", then "2." or "3." and one or two
 * digits; what follows the digits (ABI flags, "-dbg", ".so...") is ignored.
 * Returns PY_VERSION_HEX with micro 0 and release level final
 * (0x030b00f0), or 0 if the name holds no version.
 */
uint32_t pyversion_from_name(const char *basename);

/*
 * pyversion_scan - search `buf[0..len)` for the PY_VERSION string of
 * major.minor (`want`: a PY_VERSION_HEX, only major and minor used): text
 * "M.m.p" optionally followed by "a|b|rc" + digits and "+", ending at a NUL.
 * No NUL is required before it (linkers merge string tails). Returns the
 * full PY_VERSION_HEX, or 0 if none or more than one distinct version found.
 */
uint32_t pyversion_scan(const uint8_t *buf, size_t len, uint32_t want);

/*
 * Format "3.11.7", "3.13.0rc1", "3.14.0a2" or "3.14.0b1" into buf (snprintf
 * rules: truncated to size - 1 bytes, always terminated if size > 0). A
 * release level other than a, b, rc or final prints as "0x%08x".
 */
void pyversion_format(uint32_t version, char *buf, size_t size);

#endif
