/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xz.c - bounded in-memory xz decompression over liblzma.
 */
#include "compat.h"

#include <stdlib.h>

#include "err.h"
#include "xalloc.h"
#include "xz.h"

#ifdef PF_NATIVE
#include <lzma.h>

#define XZ_MEMLIMIT (64u << 20)	/* decoder dictionaries and state */
#define XZ_STEP (256u << 10)

/* Map a liblzma outcome other than LZMA_OK / LZMA_STREAM_END. */
static int lzma_fail(lzma_ret r)
{
	switch (r) {
	case LZMA_MEMLIMIT_ERROR:
		return pf_fail(PF_ELIMIT, "xz data needs more than %u MiB to decode",
			       XZ_MEMLIMIT >> 20);
	case LZMA_OPTIONS_ERROR:
	case LZMA_UNSUPPORTED_CHECK:
		return pf_fail(PF_EUNSUPPORTED, "xz data uses an unknown option");
	case LZMA_MEM_ERROR:
		PF_BUG("out of memory in liblzma");
	default:
		return pf_fail(PF_EFORMAT, "corrupt or truncated xz data");
	}
}

/* Run the decoder to the end of the input, growing *out up to max. */
static int run(lzma_stream *s, size_t max, uint8_t **out, size_t *cap)
{
	for (;;) {
		lzma_ret r;

		if (s->avail_out == 0) {
			size_t used = *cap;

			if (used >= max)
				return pf_fail(PF_ELIMIT, "xz data decodes to more than %zu bytes",
					       max);
			*cap = used + XZ_STEP < max ? used + XZ_STEP : max;
			*out = xrealloc(*out, *cap);
			s->next_out = *out + used;
			s->avail_out = *cap - used;
		}
		r = lzma_code(s, LZMA_FINISH);
		if (r == LZMA_STREAM_END)
			return 0;
		if (r != LZMA_OK)
			return lzma_fail(r);
	}
}

int xz_decode(const uint8_t *in, size_t len, size_t max, uint8_t **out, size_t *outlen)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = 0;
	lzma_ret r;
	int rc;

	*out = NULL;
	*outlen = 0;
	r = lzma_stream_decoder(&s, XZ_MEMLIMIT, LZMA_CONCATENATED);
	if (r != LZMA_OK)
		return lzma_fail(r);
	s.next_in = in;
	s.avail_in = len;
	rc = run(&s, max, out, &cap);
	if (rc == 0)
		*outlen = cap - s.avail_out;
	lzma_end(&s);
	if (rc < 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

#else

int xz_decode(const uint8_t *in, size_t len, size_t max, uint8_t **out, size_t *outlen)
{
	(void)in;
	(void)len;
	(void)max;
	*out = NULL;
	*outlen = 0;
	return pf_fail(PF_EUNSUPPORTED, "built without liblzma");
}

#endif
