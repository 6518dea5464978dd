/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cpustate.c - per-thread scheduler state and CPU time, read through
 * descriptors kept open.
 */
#include "compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpustate.h"
#include "err.h"
#include "proc.h"
#include "xalloc.h"

#define STAT_READ 512	/* the state is early in the line; comm is <= 64 */

void cpustate_init(struct cpustate *c, pid_t pid)
{
	memset(c, 0, sizeof *c);
	c->pid = pid;
}

static void close_thread(struct cpustate_thread *t)
{
	close(t->stat_fd);
	if (t->sched_fd >= 0)
		close(t->sched_fd);
}

void cpustate_release(struct cpustate *c)
{
	for (size_t i = 0; i < c->count; i++)
		close_thread(&c->threads[i]);
	free(c->threads);
	cpustate_init(c, c->pid);
}

static struct cpustate_thread *find(const struct cpustate *c, pid_t tid)
{
	for (size_t i = 0; i < c->count; i++)
		if (c->threads[i].tid == tid)
			return &c->threads[i];
	return NULL;
}

const struct cpustate_thread *cpustate_thread(const struct cpustate *c, pid_t tid)
{
	return find(c, tid);
}

int cpustate_add(struct cpustate *c, pid_t tid)
{
	struct cpustate_thread t = { .tid = tid, .sched_fd = -1, .state = '?' };

	if (find(c, tid))
		return 0;
	t.stat_fd = proc_open_task(c->pid, tid, "stat");
	if (t.stat_fd < 0)
		return t.stat_fd;
	t.sched_fd = proc_open_task(c->pid, tid, "schedstat");	// -1: state only
	XGROW(c->threads, c->cap, c->count + 1);
	c->threads[c->count++] = t;
	return 0;
}

void cpustate_drop(struct cpustate *c, pid_t tid)
{
	struct cpustate_thread *t = find(c, tid);

	if (!t)
		return;
	close_thread(t);
	*t = c->threads[--c->count];
}

int cpustate_parse_stat(const char *buf, size_t len, char *state)
{
	const char *paren = NULL;

	for (size_t i = 0; i < len; i++)
		if (buf[i] == ')')
			paren = buf + i;
	if (!paren || (size_t)(buf + len - paren) < 3 || paren[1] != ' ')
		return pf_fail(PF_EFORMAT, "stat line without a state");
	*state = paren[2];
	return 0;
}

int cpustate_parse_schedstat(const char *buf, size_t len, uint64_t *ns)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		unsigned d = (unsigned)(buf[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return pf_fail(PF_EFORMAT, "schedstat number too large");
		v = v * 10 + d;
	}
	if (i == 0 || (i < len && buf[i] != ' ' && buf[i] != '\n'))
		return pf_fail(PF_EFORMAT, "schedstat does not start with a number");
	*ns = v;
	return 0;
}

/* One look at thread t; false when it has ended. */
static bool look(struct cpustate_thread *t)
{
	char buf[STAT_READ];
	ssize_t n = pread(t->stat_fd, buf, sizeof buf, 0);
	uint64_t ns;

	if (n <= 0 || cpustate_parse_stat(buf, (size_t)n, &t->state) < 0)
		return false;
	t->delta_ns = 0;
	if (t->sched_fd >= 0 && (n = pread(t->sched_fd, buf, sizeof buf, 0)) > 0 &&
	    cpustate_parse_schedstat(buf, (size_t)n, &ns) == 0) {
		t->delta_ns = t->seen && ns > t->ns ? ns - t->ns : 0;
		t->ns = ns;
		t->seen = true;
	}
	t->busy = t->state == 'R' || t->delta_ns > 0;
	return true;
}

size_t cpustate_sample(struct cpustate *c)
{
	size_t busy = 0;

	for (size_t i = c->count; i-- > 0;) {
		struct cpustate_thread *t = &c->threads[i];

		if (!look(t)) {
			close_thread(t);
			*t = c->threads[--c->count];
			continue;
		}
		busy += t->busy;
	}
	return busy;
}
