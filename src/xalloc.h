/* SPDX-License-Identifier: Apache-2.0 */
/* xalloc.h - allocation that aborts on exhaustion, so callers need no NULL checks. */
#ifndef PF_XALLOC_H
#define PF_XALLOC_H

#include "compat.h"

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* realloc to nmemb * size, aborting on overflow */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
void *xmemdup(const void *p, size_t len);

/* Grow `*arr` (elements of `size`) so that index `need - 1` fits. XGROW
 * checks the capacity inline: it runs for every frame of every sample. */
void xgrow(void **arr, size_t *cap, size_t need, size_t size);
#define XGROW(arr, cap, need)                                                  \
	do {                                                                   \
		if ((need) > (cap))                                            \
			xgrow((void **)&(arr), &(cap), (need), sizeof(*(arr))); \
	} while (0)

#endif
