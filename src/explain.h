/* SPDX-License-Identifier: Apache-2.0 */
/*
 * explain.h - why the kernel refused to let us trace a process, in words a
 * user can act on: Yama's ptrace_scope, ownership, CAP_SYS_PTRACE, containers.
 */
#ifndef PF_EXPLAIN_H
#define PF_EXPLAIN_H

#include "compat.h"
#include "strbuf.h"

/* Append " (hint; hint; ...)" for an EPERM/EACCES on process `pid`. */
void explain_eperm(pid_t pid, struct strbuf *out);

#endif
