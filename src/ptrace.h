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
 *
 * Events are collected with waitpid(-1, __WALL), polled with WNOHANG where a
 * thread might never answer (a leader that called pthread_exit stays a
 * zombie until the whole process ends; a thread in uninterruptible sleep
 * stops only when it leaves it), so no call here blocks without a bound
 * except tracee_spawn() before the exec and tracee_wait_exit(). The caller
 * must have no other child whose exit status matters while a tracee is
 * attached: such a status would be collected here and discarded.
 */
#ifndef PF_PTRACE_H
#define PF_PTRACE_H

#include "compat.h"
#include "arch.h"

struct tracee_thread {
	pid_t tid;
	int pending_sig;	/* to deliver at the next resume, 0 if none */
	bool stopped;		/* in a ptrace-stop we are holding */
	bool group_stop;	/* in a group-stop: resume with LISTEN, not CONT */
	bool interrupted;	/* PTRACE_INTERRUPT sent, stop not yet seen */
	bool new_thread;	/* auto-attached, its first stop not yet seen */
};

struct tracer;

struct tracee {
	struct tracer *tr;		/* the tracer it belongs to, or NULL */
	pid_t pid;			/* thread-group leader */
	struct tracee_thread *threads;
	size_t nthreads, cap;
	bool attached;
	bool spawned;			/* started by tracee_spawn (-t) */
	bool exited;			/* the leader's exit was collected here */
	bool execd;			/* the process called execve (sticky) */
	int exit_status;		/* wait status of the leader, if exited */
	uint64_t stops;			/* completed tracee_stop() calls */
	int chld_fd;			/* signalfd of SIGCHLD, -1 if none */
	pid_t only;			/* tracee_stop_thread()'s thread, else 0 */
};

void tracee_init(struct tracee *t);

/*
 * A tracer: one per run, over every process traced. Each wait collects the
 * next event of any of them (waitpid(-1) cannot choose), so events are routed
 * by thread to their process: the one the caller is waiting on handles its
 * own as it asked, the others are let go at once (their signals passed on,
 * their new threads adopted), as tracee_service() would. With `follow`, the
 * processes they create (fork, vfork, a clone that is not a thread) are
 * traced from birth, each a new tracee owned by the tracer until
 * tracer_take_born() hands it over. A tracee without a tracer (t->tr NULL)
 * releases any stop that is not of its own threads, as before.
 */
struct tracer {
	struct tracee **procs;		/* every process traced, borrowed */
	size_t nprocs, procs_cap;
	struct tracee **born;		/* created since the last take, owned */
	size_t nborn, born_cap;
	bool follow;
	int chld_fd;			/* signalfd of SIGCHLD, -1 if none */
};

void tracer_init(struct tracer *tr, bool follow);

/* Route the events of `t` (initialised, not attached yet) through `tr`. */
void tracer_add(struct tracer *tr, struct tracee *t);

/* Stop routing to `t` (detached, or gone). */
void tracer_remove(struct tracer *tr, struct tracee *t);

/*
 * tracer_take_born - the processes born since the last call, attached and
 * running, each allocated here; the caller now owns them (tracee_release()
 * then free()) and they stay routed until tracer_remove(). Returns how many;
 * *out is an array the caller frees.
 */
size_t tracer_take_born(struct tracer *tr, struct tracee ***out);

/*
 * tracer_service - handle every pending event of every process, as
 * tracee_service() does for one. Returns 0, or -PF_ESYS.
 */
int tracer_service(struct tracer *tr);

/*
 * tracer_await - handle the pending events of every process, a stop asked
 * for by tracee_interrupt() held and anything else let run on; when there
 * is none, pause (the `round`-th time in a row: a spin first, then a sleep
 * until a SIGCHLD or 1 ms). Returns how many were handled.
 */
int tracer_await(struct tracer *tr, unsigned round);

/* Detach every process, the born ones not taken yet included, and free those. */
void tracer_release(struct tracer *tr);

/*
 * tracee_attach - seize every thread of `pid` (re-reading the thread list
 * until no new thread appears) and leave them all running.
 * Returns 0, or -PF_EGONE (no such process), -PF_EPERM (refused), -PF_ESYS.
 * A refused seize is recorded as "Failed to seize PID <pid>[ (thread T)]"
 * with its errno (pf_last_errno()). On failure nothing stays attached.
 */
int tracee_attach(struct tracee *t, pid_t pid);

/*
 * tracee_spawn - fork and execvp(argv[0], argv) with the child traced from
 * before exec; returns once exec succeeded and the child runs. The child
 * keeps stdin, stdout and stderr, and gets SIGCHLD, SIGINT, SIGTERM and
 * SIGHUP unblocked (pyflame blocks them for itself) and SIGPIPE back to its
 * default; other signal masks and dispositions are inherited as from a shell.
 * -PF_EINVAL without argv[0]. -PF_ENOENT / -PF_EPERM /
 * -PF_ESYS with the detail "execvp() failed for: CMD, err = <strerror>" and,
 * on a second line, "Child process exited with status: 1" when exec failed,
 * or only the second line when the child died before exec (the child has
 * then exited, and been reaped).
 */
int tracee_spawn(struct tracee *t, char *const argv[]);

/*
 * tracee_stop - interrupt every thread and wait until each one is held in a
 * ptrace-stop (threads in a group-stop count as held). Events met on the way
 * (signals, new threads, thread exits) are handled. Returns 0; -PF_EGONE
 * when the process has exited (nothing left to resume); -PF_EEXEC when it
 * exec'd (every thread is held, the new program not yet started);
 * -PF_ETORN when a thread did not stop within 100 ms (uninterruptible sleep,
 * frozen cgroup): this sample is lost, the threads that stopped are held.
 * Whatever it returns, follow it with tracee_resume() or tracee_detach().
 */
int tracee_stop(struct tracee *t);

/*
 * tracee_stop_thread - as tracee_stop(), but interrupt and wait for thread
 * `tid` alone; the others run on (a stop of theirs met meanwhile is held
 * too, and released by tracee_resume()). -PF_ENOENT if `tid` is not one of
 * the traced threads, -PF_ETORN if it ended before it stopped. For a caller
 * that knows the other threads cannot change what it will read.
 */
int tracee_stop_thread(struct tracee *t, pid_t tid);

/*
 * tracee_interrupt - ask thread `tid` (every thread if 0) to stop, and
 * return at once: a later tracee_stop() or tracee_stop_thread() finds it
 * stopping or stopped. So that several processes stop at once. 0 or
 * -PF_EGONE.
 */
int tracee_interrupt(struct tracee *t, pid_t tid);

/* tracee_interrupts_seen - whether every stop asked by tracee_interrupt()
 * has been seen (handled by a wait). */
bool tracee_interrupts_seen(const struct tracee *t);

/* tracee_resume - let every held thread run, delivering pending signals;
 * group-stopped threads stay stopped until SIGCONT. A thread interrupted by
 * a tracee_stop() that timed out is let go when its stop arrives.
 * Returns 0, -PF_EGONE, or -PF_EEXEC (an exec seen meanwhile: its thread
 * is held, as after tracee_service()). */
int tracee_resume(struct tracee *t);

/*
 * tracee_service - handle every wait event already pending, without blocking:
 * pass signals on, add new threads, drop exited ones, notice process exit or
 * exec. Call it whenever SIGCHLD arrives while the target runs.
 * Returns 0, -PF_EGONE (process exited) or -PF_EEXEC (the exec'ing thread
 * is held in its exec stop until tracee_resume() or tracee_detach()).
 */
int tracee_service(struct tracee *t);

/*
 * tracee_accept_exec - after -PF_EEXEC (t->execd set): the exec was welcome
 * (a wrapper that execs Python, while the interpreter is still being
 * looked for); let the new program run and keep tracing it. Every thread
 * but the leader is gone after an exec. Returns 0 or -PF_EGONE.
 */
int tracee_accept_exec(struct tracee *t);

/*
 * tracee_detach - release every thread (stopping each first if needed, as
 * PTRACE_DETACH requires), delivering pending signals. Held threads are
 * released at once, the others as soon as their stop arrives. Safe in any
 * state and idempotent. Afterwards the target runs as if never traced; a
 * group-stopped one stays stopped, as an ordinary job-control stop.
 * Two exceptions stay traced until this process exits, when the kernel
 * releases them: a thread that does not stop within 2 s (uninterruptible
 * sleep), and a leader that already ended alone (pthread_exit: the kernel
 * cannot detach a zombie; the process's final exit is then reported to us
 * before its parent).
 */
void tracee_detach(struct tracee *t);

/*
 * tracee_wait_exit - for a spawned child: detach if still attached, wait for
 * it to exit and return its wait status in *status (at once if its exit was
 * already collected, t->exited). 0, or -PF_ESYS / -PF_EGONE if there is no
 * child to wait for.
 */
int tracee_wait_exit(struct tracee *t, int *status);

/*
 * tracee_regs - the general registers of thread `tid`, which must be held
 * in a ptrace-stop by tracee_stop() or tracee_stop_thread(): one
 * PTRACE_GETREGSET(NT_PRSTATUS) call. Returns 0, -PF_ENOENT (not a traced
 * thread), -PF_ETORN (not held now: the sample of that thread is lost, the
 * registers of a running thread would be meaningless), -PF_EGONE (it died
 * while held), or -PF_ESYS.
 */
int tracee_regs(const struct tracee *t, pid_t tid, struct regs *out);

/* Detach, stop routing through its tracer, free what it holds. */
void tracee_release(struct tracee *t);

#endif
