/* SPDX-License-Identifier: Apache-2.0 */
/*
 * procset.c - the processes of a run, adopted as they are born or found,
 * dropped as they end, skipped when they are not Python.
 */
#include "compat.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "err.h"
#include "proc.h"
#include "procset.h"
#include "strbuf.h"
#include "xalloc.h"

void procset_init(struct procset *ps, bool follow, uint64_t wait_ns)
{
	memset(ps, 0, sizeof *ps);
	tracer_init(&ps->tr, follow);
	ps->follow = follow;
	ps->wait_ns = wait_ns;
	ps->root_t = xmalloc(sizeof *ps->root_t);
	tracee_init(ps->root_t);
	tracer_add(&ps->tr, ps->root_t);
}

struct tracee *procset_root_tracee(struct procset *ps)
{
	return ps->root_t;
}

/* A new target over tracee `t` (owned from now on). */
static int add_target(struct procset *ps, struct tracee *t, uint64_t deadline_ns)
{
	struct target *tg = xmalloc(sizeof *tg);
	int rc = target_init(tg, t, true, deadline_ns);

	XGROW(ps->v, ps->cap, ps->n + 1);
	ps->v[ps->n++] = tg;
	return rc;
}

/* A tree holds a descriptor per process: allow as many as the hard limit
 * does. Only once the root runs, so that a traced command does not inherit
 * the raised limit. */
static void allow_descriptors(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int procset_add_root(struct procset *ps, uint64_t deadline_ns)
{
	if (ps->n)
		PF_BUG("the root is added once");
	if (ps->follow)
		allow_descriptors();
	return add_target(ps, ps->root_t, deadline_ns);
}

static struct target *target_of(const struct procset *ps, pid_t pid)
{
	for (size_t i = 0; pid && i < ps->n; i++)
		if (ps->v[i]->t->pid == pid)
			return ps->v[i];
	return NULL;
}

static bool seen_pid(const struct procset *ps, pid_t pid)
{
	if (target_of(ps, pid))
		return true;
	for (size_t i = 0; i < ps->nskipped; i++)
		if (ps->skipped[i] == pid)
			return true;
	return false;
}

static void skip_pid(struct procset *ps, pid_t pid)
{
	XGROW(ps->skipped, ps->skipped_cap, ps->nskipped + 1);
	ps->skipped[ps->nskipped++] = pid;
}

/* Forget target i (not the root): its figures are kept if it was sampled. */
static void drop(struct procset *ps, size_t i)
{
	struct target *tg = ps->v[i];

	if (tg->stats.samples > 0) {
		XGROW(ps->ended, ps->ended_cap, ps->nended + 1);
		ps->ended[ps->nended++] = (struct ended){ tg->t->pid, tg->stats };
	}
	target_release(tg);
	free(tg);
	ps->v[i] = ps->v[--ps->n];
}

/* ------------------------------------------------------------ discovery */

/* Attach process `pid`, found by a scan, as a target; a process that will
 * not be traced is remembered, not tried again. */
static void adopt(struct procset *ps, pid_t pid, uint64_t now)
{
	struct tracee *t = xmalloc(sizeof *t);

	tracee_init(t);
	tracer_add(&ps->tr, t);
	if (tracee_attach(t, pid) < 0) {
		tracee_release(t);
		free(t);
		skip_pid(ps, pid);
		return;
	}
	add_target(ps, t, now + ps->wait_ns);
}

/* The children of every thread of `pid`, from /proc/PID/task/TID/children. */
static void children_of(pid_t pid, pid_t **out, size_t *n)
{
	struct strbuf sb;
	pid_t *tids;
	size_t ntids, cap = 0;
	char name[64];

	*out = NULL;
	*n = 0;
	if (proc_list_tasks(pid, &tids, &ntids) < 0)
		return;
	strbuf_init(&sb);
	for (size_t i = 0; i < ntids; i++) {
		snprintf(name, sizeof name, "task/%d/children", (int)tids[i]);
		if (proc_read(pid, name, &sb) < 0)
			continue;
		for (char *p = sb.buf, *end; *p; p = end) {
			long child = strtol(p, &end, 10);

			if (end == p)
				break;
			XGROW(*out, cap, *n + 1);
			(*out)[(*n)++] = (pid_t)child;
		}
	}
	strbuf_release(&sb);
	free(tids);
}

/* Adopt every descendant of `pid` not known yet (recursively through the
 * ones adopted: at the start, a whole tree is there to find). */
static void scan_from(struct procset *ps, pid_t pid, uint64_t now, unsigned depth)
{
	pid_t *kids;
	size_t n;

	if (depth > 64)
		return;
	children_of(pid, &kids, &n);
	for (size_t i = 0; i < n; i++) {
		if (seen_pid(ps, kids[i]))
			continue;
		adopt(ps, kids[i], now);
		scan_from(ps, kids[i], now, depth + 1);
	}
	free(kids);
}

/* The children of skipped processes are not born under our eyes: look for
 * them; forget the skipped processes that ended. */
static void scan_skipped(struct procset *ps, uint64_t now)
{
	for (size_t i = ps->nskipped; i-- > 0;) {
		pid_t pid = ps->skipped[i];
		char state;

		if (proc_task_state(pid, pid, &state) == -PF_EGONE) {
			ps->skipped[i] = ps->skipped[--ps->nskipped];
			continue;
		}
		scan_from(ps, pid, now, 0);
	}
}

/* -------------------------------------------------------------- update */

static void adopt_born(struct procset *ps, uint64_t now)
{
	struct tracee **born;
	size_t n = tracer_take_born(&ps->tr, &born);

	for (size_t i = 0; i < n; i++)
		add_target(ps, born[i], now + ps->wait_ns);
	free(born);
}

/* Not Python by its deadline: let it go for good (its children may be). */
static void skip(struct procset *ps, size_t i)
{
	struct target *tg = ps->v[i];

	tracee_detach(tg->t);
	tg->state = TARGET_SKIPPED;
	skip_pid(ps, tg->t->pid);
	if (i)
		drop(ps, i);
}

/* Remember where target tg found its interpreter, once per object and address. */
static void remember(struct procset *ps, const struct target *tg)
{
	const struct pyloc *l = &tg->loc;

	for (size_t i = 0; i < ps->nknown; i++)
		if (ps->known[i].base == l->base && ps->known[i].inode == l->inode &&
		    ps->known[i].dev_major == l->dev_major && ps->known[i].dev_minor == l->dev_minor &&
		    strcmp(ps->known[i].path, l->path) == 0)
			return;
	XGROW(ps->known, ps->known_cap, ps->nknown + 1);
	ps->known[ps->nknown++] = *l;
}

/* One target's events and state; i > 0 may be dropped. */
static void update_one(struct procset *ps, size_t i, const struct sampling *sp, uint64_t now)
{
	struct target *tg = ps->v[i];
	int rc;

	if (tg->state == TARGET_GONE || tg->state == TARGET_SKIPPED)
		return;
	if (tg->t->exited || !tg->t->attached || tg->t->nthreads == 0) {
		tg->state = TARGET_GONE;
		if (i)
			drop(ps, i);
		return;
	}
	if (tg->t->execd) {
		if (!ps->follow || target_exec(tg, now + ps->wait_ns) < 0)
			return;	/* the root's exec: the caller's to see */
	}
	if (tg->state != TARGET_LOCATING)
		return;
	rc = target_locate(tg, sp, ps->known, ps->nknown);
	if (rc == 0)
		remember(ps, tg);
	if (rc == -PF_EUNSUPPORTED || rc == -PF_EPERM || (rc < 0 && now >= tg->deadline_ns)) {
		if (i || ps->follow)
			skip(ps, i);
	}
}

void procset_update(struct procset *ps, const struct sampling *sp, uint64_t now)
{
	adopt_born(ps, now);
	if (ps->follow && ps->n && !ps->scanned) {
		ps->scanned = true;	/* later births are reported as fork events */
		scan_from(ps, ps->v[0]->t->pid, now, 0);
	}
	if (ps->follow)
		scan_skipped(ps, now);
	for (size_t i = ps->n; i-- > 0;)
		update_one(ps, i, sp, now);
}

/* A root let go as not Python still counts while it runs: its children
 * may yet be. */
static bool skipped_root_runs(const struct procset *ps)
{
	const struct tracee *t = ps->n ? ps->v[0]->t : NULL;

	if (!t || ps->v[0]->state != TARGET_SKIPPED || t->exited)
		return false;
	return t->spawned || kill(t->pid, 0) == 0 || errno != ESRCH;
}

bool procset_alive(const struct procset *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i]->state == TARGET_LOCATING || ps->v[i]->state == TARGET_SAMPLING)
			return true;
	return skipped_root_runs(ps);
}

static void stats_add(struct target_stats *out, const struct target_stats *s)
{
	out->samples += s->samples;
	out->idle += s->idle;
	out->failed += s->failed;
	out->retries += s->retries;
	out->trimmed += s->trimmed;
	out->held_one += s->held_one;
	out->lost += s->lost;
	out->native_late += s->native_late;
}

void procset_stats(const struct procset *ps, struct target_stats *out)
{
	*out = (struct target_stats){ 0 };
	for (size_t i = 0; i < ps->nended; i++)
		stats_add(out, &ps->ended[i].stats);
	for (size_t i = 0; i < ps->n; i++)
		stats_add(out, &ps->v[i]->stats);
}

void procset_detach(struct procset *ps)
{
	struct tracee **born;
	size_t n;

	for (size_t i = 0; i < ps->n; i++)	/* every process stops at once */
		tracee_interrupt(ps->v[i]->t, 0);
	for (size_t i = 0; i < ps->n; i++)
		tracee_detach(ps->v[i]->t);
	if (!ps->n)
		tracee_detach(ps->root_t);
	n = tracer_take_born(&ps->tr, &born);
	for (size_t i = 0; i < n; i++)
		add_target(ps, born[i], 0);	/* kept to be freed, detached below */
	free(born);
	for (size_t i = 0; i < ps->n; i++)
		tracee_detach(ps->v[i]->t);
}

void procset_release(struct procset *ps)
{
	procset_detach(ps);
	while (ps->n)
		drop(ps, ps->n - 1);
	if (!ps->v) {
		tracee_release(ps->root_t);
		free(ps->root_t);
	}
	free(ps->v);
	free(ps->skipped);
	free(ps->known);
	free(ps->ended);
	tracer_release(&ps->tr);
}
