/* SPDX-License-Identifier: Apache-2.0 */
/* xalloc.c - allocation that aborts on exhaustion. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

PF_NORETURN static void oom(size_t size)
{
	fprintf(stderr, "pyflame: out of memory (%zu bytes)\n", size);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		oom(size);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		oom(nmemb * size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		oom(size);
	return p;
}

void *xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		oom(SIZE_MAX);
	return xrealloc(ptr, nmemb * size);
}

char *xstrdup(const char *s)
{
	return xmemdup(s, strlen(s) + 1);
}

void *xmemdup(const void *p, size_t len)
{
	void *q = xmalloc(len);

	memcpy(q, p, len);
	return q;
}

void xgrow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap;

	if (need <= n)
		return;
	n = n < 8 ? 8 : n;
	while (n < need)
		n *= 2;
	*arr = xreallocarray(*arr, n, size);
	*cap = n;
}
