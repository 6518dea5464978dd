/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ptrace.h - attaching to, pausing, resuming and releasing a target process.
 * The only module that calls ptrace(2) or waits for the target.
 *
 * Every thread is seized with PTRACE_SEIZE (PTRACE_O_TRACECLONE so threads
 * created later are traced too, PTRACE_O_TRACEEXEC to notice an exec; never
 * PTRACE_O_EXITKILL). Seized threads keep running; the target is stopped only
 * between tracee_stop() and tracee_resume().
 *
 * Signals: every signal the target receives while traced causes a
 * signal-delivery-stop; it is passed on with the next PTRACE_CONT, at once
 * when the target is running (tracee_service) or at tracee_resume() when it
 * arrived during a pause. Group-stops (SIGSTOP, SIGTSTP, ...) are kept with
 * PTRACE_LISTEN, so job control still works; such threads stay stopped after
 * tracee_resume() until SIGCONT. Nothing is swallowed.
 *
 * If pyflame dies (even by SIGKILL) the kernel detaches every tracee and
 * lets it run: no option here makes the target depend on us.
 */
#ifndef PF_PTRACE_H
#define PF_PTRACE_H

#include "compat.h"

struct tracee_thread {
	pid_t tid;
	int pending_sig;	/* to deliver at the next resume, 0 if none */
	bool stopped;		/* in a ptrace-stop we are holding */
	bool group_stop;	/* in a group-stop: resume with LISTEN, not CONT */
	bool interrupted;	/* PTRACE_INTERRUPT sent, stop not yet seen */
	bool new_thread;	/* auto-attached, its first stop not yet seen */
};

struct tracee {
	pid_t pid;			/* thread-group leader */
	struct tracee_thread *threads;
	size_t nthreads, cap;
	bool attached;
	bool spawned;			/* started by tracee_spawn (-t) */
	bool exited;			/* the whole process is gone */
	bool execd;			/* the process called execve */
	int exit_status;		/* wait status of the leader, if exited */
	uint64_t stops;			/* completed tracee_stop() calls */
};

void tracee_init(struct tracee *t);

/*
 * tracee_attach - seize every thread of `pid` (re-reading the thread list
 * until no new thread appears) and leave them all running.
 * Returns 0, or -PF_EGONE (no such process), -PF_EPERM (refused; the detail
 * names errno), -PF_ESYS. On failure nothing stays attached.
 */
int tracee_attach(struct tracee *t, pid_t pid);

/*
 * tracee_spawn - fork and execvp(argv[0], argv) with the child traced from
 * before exec; returns once exec succeeded and the child runs.
 * -PF_ENOENT / -PF_EPERM / -PF_ESYS with the detail
 * "execvp() failed for: CMD, err = <strerror>" when exec failed (the child
 * has then exited with status 1, and been reaped).
 */
int tracee_spawn(struct tracee *t, char *const argv[]);

/*
 * tracee_stop - interrupt every thread and wait until each one is held in a
 * ptrace-stop (threads in a group-stop count as held). Events met on the way
 * (signals, new threads, thread exits) are handled. Returns 0; -PF_EGONE
 * when the process has exited (t->exited set, nothing left to resume);
 * -PF_EEXEC when it exec'd.
 */
int tracee_stop(struct tracee *t);

/* tracee_resume - let every held thread run, delivering pending signals.
 * Returns 0 or -PF_EGONE. */
int tracee_resume(struct tracee *t);

/*
 * tracee_service - handle every wait event already pending, without blocking:
 * pass signals on, add new threads, drop exited ones, notice process exit or
 * exec. Call it whenever SIGCHLD arrives while the target runs.
 * Returns 0, -PF_EGONE (process exited) or -PF_EEXEC.
 */
int tracee_service(struct tracee *t);

/*
 * tracee_detach - release every thread (stopping each first if needed, as
 * PTRACE_DETACH requires), delivering pending signals. Safe in any state and
 * idempotent. Afterwards the target runs as if never traced.
 */
void tracee_detach(struct tracee *t);

/*
 * tracee_wait_exit - for a spawned child after detach: wait for it to exit
 * and return its wait status in *status. 0 or -PF_ESYS.
 */
int tracee_wait_exit(struct tracee *t, int *status);

void tracee_release(struct tracee *t);

#endif
