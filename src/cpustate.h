/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cpustate.h - which threads of a process are on a CPU, from the kernel's
 * view, cheaply enough to ask at every sample.
 *
 * A thread counts as busy when its state is R (running or about to) or it
 * ran since the last look: the first field of /proc/PID/task/TID/schedstat,
 * nanoseconds on a CPU, grew. The state alone misses a thread that ran
 * between two looks and sleeps now; the time alone lags: the kernel adds a
 * running thread's time at scheduler ticks and switches only (at 250 Hz, a
 * thread spinning alone on a CPU showed no growth in 470 of 500 looks 1 ms
 * apart; so does the process's CPU clock), so it cannot say "on a CPU now".
 * Costs measured here (CPU per read): stat 3.3-4.6 us, schedstat 1.0 us. Neither needs the GIL: a thread
 * running C code without it (zlib, hashlib, a C extension between
 * Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS) is busy.
 *
 * Each thread's two files stay open; a look is one pread of each. Call
 * cpustate_sample() while the threads run: a thread held by the tracer
 * shows state t.
 */
#ifndef PF_CPUSTATE_H
#define PF_CPUSTATE_H

#include "compat.h"

struct cpustate_thread {
	pid_t tid;
	int stat_fd;		/* /proc/PID/task/TID/stat */
	int sched_fd;		/* .../schedstat, -1 where the kernel has none */
	uint64_t ns;		/* CPU time at the last look */
	bool seen;		/* ns holds a value */
	char state;		/* at the last look */
	uint64_t delta_ns;	/* CPU time between the last two looks */
	bool busy;		/* state R, or delta_ns > 0 */
};

struct cpustate {
	pid_t pid;
	struct cpustate_thread *threads;
	size_t count, cap;
};

void cpustate_init(struct cpustate *c, pid_t pid);
/* Close every descriptor. */
void cpustate_release(struct cpustate *c);

/*
 * cpustate_add - follow thread `tid` (no-op if followed already): open its
 * files. Returns 0, -PF_EGONE (the thread is gone), or the code of a
 * failed open. A thread starts busy-unknown: not busy until first looked at.
 */
int cpustate_add(struct cpustate *c, pid_t tid);

/* cpustate_drop - stop following `tid` (no-op if not followed). */
void cpustate_drop(struct cpustate *c, pid_t tid);

/*
 * cpustate_sample - look at every followed thread once, setting state,
 * delta_ns and busy. A thread whose files read nothing (it ended) is
 * dropped. Returns the number of busy threads.
 */
size_t cpustate_sample(struct cpustate *c);

/* The entry of `tid`, or NULL. */
const struct cpustate_thread *cpustate_thread(const struct cpustate *c, pid_t tid);

/*
 * Pure parsers. cpustate_parse_stat: the state letter of a stat line (the
 * field after "(comm)", which may itself hold ") "). cpustate_parse_schedstat:
 * the first number. 0 or -PF_EFORMAT; never read outside buf[0..len).
 */
int cpustate_parse_stat(const char *buf, size_t len, char *state);
int cpustate_parse_schedstat(const char *buf, size_t len, uint64_t *ns);

#endif
