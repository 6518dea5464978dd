/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-pywalk.c - the frame walker over a fake target made of the input.
 * Byte 0 picks the offset table (bit 7: qualified names); the rest is memory
 * at FAKE_BASE, where the runtime (or interp_head) lies (fake-target.h).
 * Every sample must succeed or fail cleanly, never crash or hang. The reads
 * that decide which thread to hold are fuzzed too, and so are the captures
 * of --nonblocking: of memory that does not change, once learnt, they must
 * be whole (one snapshot) and find the same frames.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fake-target.h"
#include "pick-layout.h"
#include "pyoffsets.h"
#include "pywalk.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sample(struct pywalk *w, bool all_threads, struct pysample *s)
{
	int rc = pywalk_sample(w, all_threads, s);

	if (rc != 0 && rc != -PF_ETORN && rc != -PF_EGONE)
		PF_BUG("pywalk_sample: unexpected code");
	for (size_t i = 0; rc == 0 && i < s->nthreads; i++)
		if (s->threads[i].depth > PYWALK_MAX_DEPTH ||
		    s->threads[i].first + (size_t)s->threads[i].depth > s->nframes)
			PF_BUG("pywalk_sample: thread frames out of range");
}

/* The GIL holder, read as a running target is: its TID is a real one. */
static void gil_owner(struct pywalk *w)
{
	uint64_t ts;
	pid_t tid;
	int owner = pywalk_gil_owner(w, &ts, &tid);

	if (owner < -1 || owner > 1 || (owner == 1 && (tid <= 0 || !ts)))
		PF_BUG("pywalk_gil_owner: result out of range");
	if (owner == 1 && !pywalk_gil_still_owned(w, ts))
		PF_BUG("pywalk_gil_still_owned: unchanged memory, another holder");
}

static int capture(struct pywalk *w, struct pysample *s)
{
	int rc = pywalk_capture(w, true, s);

	if (rc != 0 && rc != -PF_ETORN && rc != -PF_EGONE)
		PF_BUG("pywalk_capture: unexpected code");
	return rc;
}

/*
 * Captures of memory that stays as it is: once the plan is learnt, one
 * batched read that finds what the last capture found. The memory is the
 * input padded with zeros to whole pages, as a process's memory is: the
 * page cache reads a page that cannot be read whole byte by byte, apart
 * from the batch.
 */
static void capture_steady(const struct pyloc *loc, bool qualnames, const uint8_t *mem,
			   size_t len)
{
	size_t padded = (len + RCACHE_PAGE - 1) / RCACHE_PAGE * RCACHE_PAGE;
	uint8_t *copy = xcalloc(padded ? padded : 1, 1);
	struct remote_region region = { FAKE_BASE, copy, padded };
	struct remote r;
	struct stacks st;
	struct pywalk w;
	struct pysample s;
	size_t nframes;

	memcpy(copy, mem, len);
	remote_open_image(&r, &region, 1);
	stacks_init(&st, false);
	pywalk_init(&w, &r, loc, &st, qualnames);
	pysample_init(&s);
	capture(&w, &s);
	if (capture(&w, &s) == 0) {
		nframes = s.nframes;
		if (capture(&w, &s) != 0 || !s.whole || s.nframes != nframes)
			PF_BUG("pywalk_capture: unchanged memory captured otherwise");
	}
	pysample_release(&s);
	pywalk_release(&w);
	stacks_release(&st);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pyloc loc;
	struct remote_region region;
	struct remote r;
	struct stacks st;
	struct pywalk w;
	struct pysample s;

	if (size < 1)
		return 0;
	loc.off = *pick_layout(data[0] & 0x7f);
	loc.runtime = loc.interp_head = FAKE_RUNTIME;
	loc.tstate_current = FAKE_TSTATE_CURRENT;
	loc.code_type = FAKE_CODE_TYPE;
	loc.str_type = FAKE_STR_TYPE;
	loc.frame_type = FAKE_FRAME_TYPE;
	region = (struct remote_region){ FAKE_BASE, data + 1, size - 1 };
	remote_open_image(&r, &region, 1);
	stacks_init(&st, false);
	pywalk_init(&w, &r, &loc, &st, data[0] & 0x80);
	pysample_init(&s);
	sample(&w, false, &s);
	sample(&w, true, &s);
	sample(&w, true, &s);	/* again, through the code cache */
	gil_owner(&w);
	pysample_release(&s);
	pywalk_release(&w);
	stacks_release(&st);
	capture_steady(&loc, data[0] & 0x80, data + 1, size - 1);
	return 0;
}
