/* SPDX-License-Identifier: Apache-2.0 */
/*
 * err.h - error codes and the last-error record.
 *
 * A function that can fail returns 0 or a negative PF_E* code. Leaves record
 * a human-readable detail with pf_fail()/pf_fail_errno() and never print;
 * only the boundary (cli.c, sampler.c, main.c) writes to stderr, usually
 * pf_last_error(). The record is one static buffer: the newest failure wins.
 */
#ifndef PF_ERR_H
#define PF_ERR_H

#include "compat.h"

enum pf_err {
	PF_EFORMAT = 1,	/* malformed input: a file, a table, a string */
	PF_ENOENT,	/* something looked for is not there */
	PF_ETORN,	/* transient: a short, failed or inconsistent read of the target */
	PF_EGONE,	/* transient: the thread or process vanished */
	PF_EPERM,	/* not permitted (ptrace rules, file modes) */
	PF_ESYS,	/* a system call failed for another reason */
	PF_EUNSUPPORTED,	/* a Python version or layout we do not read */
	PF_ELIMIT,	/* a size or count over a safety limit */
	PF_EINVAL,	/* a bad argument from the user */
	PF_EEXEC,	/* the target exec'd another program */
};

/* Record a detail (printf-style) and return -code. */
int pf_fail(int code, const char *fmt, ...) PF_PRINTF(2, 3);

/*
 * Record "<detail>: <strerror(errno)>" and return the code that errno maps
 * to: ESRCH -> PF_EGONE, EPERM/EACCES -> PF_EPERM, EFAULT/EIO -> PF_ETORN,
 * ENOENT -> PF_ENOENT, anything else -> PF_ESYS. errno is read once, first.
 */
int pf_fail_errno(const char *fmt, ...) PF_PRINTF(1, 2);

/* The newest recorded detail ("" if none) and the errno it captured (or 0). */
const char *pf_last_error(void);
int pf_last_errno(void);

/* Abort with file and line: for states that cannot happen. */
#define PF_BUG(msg) pf_bug(__FILE__, __LINE__, (msg))
PF_NORETURN void pf_bug(const char *file, int line, const char *msg);

#endif
