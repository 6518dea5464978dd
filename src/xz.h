/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xz.h - decompress an xz stream held in memory (MiniDebugInfo, the
 * .gnu_debugdata section), with a bound on the output. Pure.
 */
#ifndef PF_XZ_H
#define PF_XZ_H

#include "compat.h"

/*
 * xz_decode - decompress in[0..len) (one or more concatenated xz streams)
 * into a new buffer *out (caller frees; NULL on failure) of *outlen bytes,
 * at most `max`. The decoder's own memory is capped too. Returns 0,
 * -PF_ELIMIT (output over max, or the decoder needs too much memory),
 * -PF_EFORMAT (not xz, corrupt or truncated), -PF_EUNSUPPORTED (built
 * without liblzma, or an xz option liblzma does not know).
 */
int xz_decode(const uint8_t *in, size_t len, size_t max, uint8_t **out, size_t *outlen);

#endif
