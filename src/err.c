/* SPDX-License-Identifier: Apache-2.0 */
/* err.c - the last-error record. */
#include "compat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static char last_msg[512];
static int last_errno;

int pf_fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof last_msg, fmt, ap);
	va_end(ap);
	last_errno = 0;
	return -code;
}

static int errno_code(int e)
{
	switch (e) {
	case ESRCH:
		return PF_EGONE;
	case EPERM:
	case EACCES:
		return PF_EPERM;
	case EFAULT:
	case EIO:
		return PF_ETORN;
	case ENOENT:
		return PF_ENOENT;
	default:
		return PF_ESYS;
	}
}

int pf_fail_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof last_msg, fmt, ap);
	va_end(ap);
	n = strlen(last_msg);
	snprintf(last_msg + n, sizeof last_msg - n, ": %s", strerror(e));
	last_errno = e;
	return -errno_code(e);
}

const char *pf_last_error(void)
{
	return last_msg;
}

int pf_last_errno(void)
{
	return last_errno;
}

void pf_bug(const char *file, int line, const char *msg)
{
	fprintf(stderr, "pyflame: BUG at %s:%d: %s\n", file, line, msg);
	abort();
}
