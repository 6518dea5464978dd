/* SPDX-License-Identifier: Apache-2.0 */
/*
 * procset.h - the processes of a run: the one pyflame was given (the root)
 * and, with --subprocesses, every descendant, found as it is born (fork
 * events of traced processes) or by a scan of /proc (those alive at the
 * start, and the children of processes not traced because they are not
 * Python). Each is a target (target.h). Records errors, prints nothing.
 */
#ifndef PF_PROCSET_H
#define PF_PROCSET_H

#include "compat.h"
#include "ptrace.h"
#include "target.h"

struct ended {
	pid_t pid;
	struct target_stats stats;
};

struct procset {
	struct tracer tr;
	struct tracee *root_t;		/* the root's tracee, owned by v[0] once added */
	struct target **v;		/* v[0] is the root */
	size_t n, cap;
	pid_t *skipped;			/* not Python: detached, their children scanned */
	size_t nskipped, skipped_cap;
	bool follow;			/* --subprocesses */
	bool scanned;			/* the root's tree was looked for */
	uint64_t wait_ns;		/* for a new process to show an interpreter */
	struct ended *ended;		/* the figures of targets that ended */
	size_t nended, ended_cap;
	struct pyloc *known;		/* the interpreters found, one per object */
	size_t nknown, known_cap;	/* and address: a fork's is found at once */
};

void procset_init(struct procset *ps, bool follow, uint64_t wait_ns);

/* The root's tracee, to attach or spawn through: routed by ps->tr. */
struct tracee *procset_root_tracee(struct procset *ps);

/* Make the attached root a target (LOCATING until deadline_ns). */
int procset_add_root(struct procset *ps, uint64_t deadline_ns);

static inline struct target *procset_root(struct procset *ps)
{
	return ps->v[0];
}

/*
 * procset_update - after the tracer has serviced its events (or at the
 * start): adopt the processes born, drop those that ended, follow execs
 * (with follow; else the root's exec stays for the caller to see), try once
 * more to locate each process still LOCATING, skip (detach) those past
 * their deadline, and with follow scan /proc for descendants not traced.
 * `now` is CLOCK_MONOTONIC.
 */
void procset_update(struct procset *ps, const struct sampling *sp, uint64_t now);

/* Whether any target is alive: LOCATING or SAMPLING. */
bool procset_alive(const struct procset *ps);

/* Every target's figures added up, the ended ones' too. */
void procset_stats(const struct procset *ps, struct target_stats *out);

/* Detach every process (each runs on); the targets stay, for their figures
 * and the root's exit status. Safe to repeat. */
void procset_detach(struct procset *ps);

/* Detach what is still attached and free everything. */
void procset_release(struct procset *ps);

#endif
