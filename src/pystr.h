/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pystr.h - pure conversion of Python string payloads to UTF-8.
 */
#ifndef PF_PYSTR_H
#define PF_PYSTR_H

#include "compat.h"
#include "strbuf.h"

/*
 * pystr_to_utf8 - append a str payload (already copied out of the target) to
 * `out` as UTF-8. `data`/`len`: code units of width `kind` (1, 2 or 4,
 * little-endian); kind 1 is Latin-1, so bytes >= 0x80 become two UTF-8 bytes;
 * NUL, lone surrogates and values above U+10FFFF become U+FFFD (a name
 * must survive as a C string and as one output line). Never reads
 * outside data[0..len). Returns 0, or -PF_EFORMAT if `kind` is not 1, 2 or 4
 * or `len` is not a multiple of `kind`.
 */
int pystr_to_utf8(unsigned kind, const uint8_t *data, size_t len, struct strbuf *out);

/*
 * pystr_bytes_to_utf8 - append 2.7 str bytes (any encoding): valid UTF-8
 * sequences pass through, every byte of an invalid one, and every NUL,
 * becomes U+FFFD.
 * Never fails.
 */
void pystr_bytes_to_utf8(const uint8_t *data, size_t len, struct strbuf *out);

#endif
