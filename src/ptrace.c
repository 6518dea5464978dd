/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ptrace.c - seize every thread of a target, pause and resume it, pass its
 * signals on and release it; start a traced child for -t.
 */
#include "compat.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "ptrace.h"
#include "strbuf.h"
#include "xalloc.h"

#define SEIZE_OPTIONS (PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC)
#define FOLLOW_OPTIONS (PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK)
#define ATTACH_PASSES 64	/* re-reads of the thread list before giving up */
#define STOP_TIMEOUT_MS 100	/* see tracee_stop() in ptrace.h */
#define DETACH_TIMEOUT_MS 2000
#define STRAGGLER_CHECK_MS 10	/* then look for zombies among the silent */
#define SPIN_ROUNDS 64		/* back-to-back polls (~20 us) before sleeping */
#define SERVICE_MAX_EVENTS 4096	/* per tracee_service() call */
#define END_WAIT_MS 200		/* for the last event of a dying process */
#define CHLD_FD_UNKNOWN (-2)	/* tracee.chld_fd before its first use */

/*
 * What to do with a thread that reports a stop. Every stop is handled the
 * same way whatever caused it, so a late stop (an interrupt that raced with
 * a signal, a new thread's first stop) needs no special case.
 */
enum ev_mode {
	EV_RUN,		/* the target runs: let the thread go at once */
	EV_HOLD,	/* tracee_stop(): keep it */
	EV_DETACH,	/* tracee_detach(): release it for good */
	EV_ASIDE,	/* another process's: keep it if asked to stop, else EV_RUN */
};

void tracee_init(struct tracee *t)
{
	memset(t, 0, sizeof *t);
	t->chld_fd = CHLD_FD_UNKNOWN;
}

/* Forget a previous run, keeping the thread array, the signalfd and the tracer. */
static void tracee_reset(struct tracee *t)
{
	struct tracee_thread *threads = t->threads;
	struct tracer *tr = t->tr;
	size_t cap = t->cap;
	int fd = t->chld_fd;

	tracee_init(t);
	t->threads = threads;
	t->cap = cap;
	t->chld_fd = fd;
	t->tr = tr;
}

static bool follows(const struct tracee *t)
{
	return t->tr && t->tr->follow;
}

static unsigned long seize_options(const struct tracee *t)
{
	return SEIZE_OPTIONS | (follows(t) ? FOLLOW_OPTIONS : 0);
}

static bool tracee_gone(const struct tracee *t)
{
	return t->exited || t->nthreads == 0;
}

/* ------------------------------------------------------- thread list */

static struct tracee_thread *thread_find(struct tracee *t, pid_t tid)
{
	for (size_t i = 0; i < t->nthreads; i++)
		if (t->threads[i].tid == tid)
			return &t->threads[i];
	return NULL;
}

/* The entry of `tid`, added as running if new. May move the array. */
static struct tracee_thread *thread_add(struct tracee *t, pid_t tid, bool is_new)
{
	struct tracee_thread *th = thread_find(t, tid);

	if (th)
		return th;
	XGROW(t->threads, t->cap, t->nthreads + 1);
	th = &t->threads[t->nthreads++];
	memset(th, 0, sizeof *th);
	th->tid = tid;
	th->new_thread = is_new;
	return th;
}

/* Forget one thread: the last entry takes its place, so loops that may
 * drop run from the end of the array. */
static void thread_drop(struct tracee *t, struct tracee_thread *th)
{
	*th = t->threads[--t->nthreads];
}

/* Whether thread `th` is one the current stop waits for: all, or t->only. */
static bool wanted(const struct tracee *t, const struct tracee_thread *th)
{
	return !t->only || th->tid == t->only;
}

static size_t count_running(const struct tracee *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nthreads; i++)
		n += !t->threads[i].stopped && wanted(t, &t->threads[i]);
	return n;
}

/* -------------------------------------------------------- /proc probes */

static bool is_thread_of(pid_t pid, pid_t tid)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/task/%d", (int)pid, (int)tid);
	return access(path, F_OK) == 0;
}

/* Whether `tid` is traced by the calling thread already: a thread created
 * by one seized earlier is attached automatically (PTRACE_O_TRACECLONE). */
static bool traced_by_us(pid_t pid, pid_t tid)
{
	struct strbuf sb;
	const char *p;
	char name[64];
	bool ours = false;

	strbuf_init(&sb);
	snprintf(name, sizeof name, "task/%d/status", (int)tid);
	if (proc_read(pid, name, &sb) == 0 && (p = strstr(sb.buf, "\nTracerPid:")))
		ours = strtol(p + 11, NULL, 10) == (long)gettid();
	strbuf_release(&sb);
	return ours;
}

enum liveness { ALIVE, ZOMBIE, VANISHED };

static enum liveness liveness(pid_t pid, pid_t tid)
{
	char state = '?';
	int rc = proc_task_state(pid, tid, &state);

	if (rc == -PF_EGONE)
		return VANISHED;
	return rc == 0 && (state == 'Z' || state == 'X') ? ZOMBIE : ALIVE;
}

/* ------------------------------------------------- ptrace primitives */

/* ptrace(2) with a number (signal, options) as data. */
static long pt(int req, pid_t tid, unsigned long data)
{
	return ptrace(req, tid, NULL, (void *)data);
}

/*
 * Let a held thread go: a group-stopped one with LISTEN (it stays stopped
 * but reports SIGCONT), any other with CONT, delivering its pending signal.
 * A thread that cannot be resumed died while held (SIGKILL) and is dropped.
 */
static void thread_resume(struct tracee *t, struct tracee_thread *th)
{
	bool ok = th->group_stop && pt(PTRACE_LISTEN, th->tid, 0) == 0;

	if (!ok)
		ok = pt(PTRACE_CONT, th->tid, (unsigned long)th->pending_sig) == 0 ||
		     (errno == EIO && pt(PTRACE_CONT, th->tid, 0) == 0);
	if (!ok) {
		thread_drop(t, th);
		return;
	}
	th->stopped = false;
	th->pending_sig = 0;
}

/* Release a held thread for good with its pending signal. A group-stopped
 * thread becomes an ordinary stopped one (state T) until SIGCONT. */
static void thread_detach(struct tracee *t, struct tracee_thread *th)
{
	if (pt(PTRACE_DETACH, th->tid, (unsigned long)th->pending_sig) < 0 && errno == EIO)
		pt(PTRACE_DETACH, th->tid, 0);
	thread_drop(t, th);
}

static void interrupt_running(struct tracee *t)
{
	for (size_t i = t->nthreads; i-- > 0;) {
		struct tracee_thread *th = &t->threads[i];

		if (th->stopped || !wanted(t, th))
			continue;
		if (pt(PTRACE_INTERRUPT, th->tid, 0) == 0)
			th->interrupted = true;
		else if (errno == ESRCH)
			thread_drop(t, th);
	}
}

/* ------------------------------------------------------------- tracer */

void tracer_init(struct tracer *tr, bool follow)
{
	memset(tr, 0, sizeof *tr);
	tr->follow = follow;
	tr->chld_fd = CHLD_FD_UNKNOWN;
}

void tracer_add(struct tracer *tr, struct tracee *t)
{
	t->tr = tr;
	XGROW(tr->procs, tr->procs_cap, tr->nprocs + 1);
	tr->procs[tr->nprocs++] = t;
}

void tracer_remove(struct tracer *tr, struct tracee *t)
{
	for (size_t i = 0; i < tr->nprocs; i++)
		if (tr->procs[i] == t) {
			tr->procs[i] = tr->procs[--tr->nprocs];
			break;
		}
}

/* A new process, traced from birth: a tracee of the tracer's own. */
static struct tracee *adopt_process(struct tracer *tr, pid_t pid)
{
	struct tracee *t;

	for (size_t i = 0; i < tr->nprocs; i++)
		if (tr->procs[i]->pid == pid && tr->procs[i]->attached)
			return tr->procs[i];
	t = xmalloc(sizeof *t);
	tracee_init(t);
	tracer_add(tr, t);
	t->pid = pid;
	t->attached = true;
	thread_add(t, pid, true);
	XGROW(tr->born, tr->born_cap, tr->nborn + 1);
	tr->born[tr->nborn++] = t;
	return t;
}

size_t tracer_take_born(struct tracer *tr, struct tracee ***out)
{
	size_t n = tr->nborn;

	*out = tr->born;
	tr->born = NULL;
	tr->nborn = tr->born_cap = 0;
	return n;
}

/*
 * The tracee an event of `tid` belongs to: one that lists the thread, one
 * whose process the thread is of (its clone event still to come), a process
 * born of one we follow (its fork event still to come); else `t`, which
 * releases a stranger.
 */
static struct tracee *owner_of(struct tracee *t, pid_t tid)
{
	struct tracer *tr = t->tr;

	if (!tr || thread_find(t, tid))
		return t;
	for (size_t i = 0; i < tr->nprocs; i++)
		if (tr->procs[i]->attached && thread_find(tr->procs[i], tid))
			return tr->procs[i];
	for (size_t i = 0; i < tr->nprocs; i++)
		if (tr->procs[i]->attached && !tr->procs[i]->exited &&
		    is_thread_of(tr->procs[i]->pid, tid))
			return tr->procs[i];
	if (tr->follow && is_thread_of(tid, tid) && traced_by_us(tid, tid))
		return adopt_process(tr, tid);
	for (size_t i = 0; i < tr->nprocs; i++)	/* a child of ours let go: its exit */
		if (tr->procs[i]->pid == tid)
			return tr->procs[i];
	return t;
}

/* ------------------------------------------------------------- events */

static struct tracee *adopt_process(struct tracer *tr, pid_t pid);

/*
 * A clone, fork or vfork event: adopt the new thread, whose own first stop
 * may come before or after this. A new process is traced from birth when
 * the tracer follows them, else released at its first stop. While
 * detaching, a thread whose first stop came first has been released
 * already: adopt it only if it is still traced.
 */
static void on_clone(struct tracee *t, pid_t parent, enum ev_mode mode)
{
	unsigned long msg = 0;
	pid_t tid;

	if (ptrace(PTRACE_GETEVENTMSG, parent, NULL, &msg) < 0)
		return;
	tid = (pid_t)msg;
	if (tid <= 0)
		return;
	if (!is_thread_of(t->pid, tid)) {
		if (follows(t) && mode != EV_DETACH)
			adopt_process(t->tr, tid);
		return;
	}
	if (mode == EV_DETACH && !traced_by_us(t->pid, tid))
		return;
	thread_add(t, tid, true);
}

/* An exec event: the exec'ing thread now has the leader's TID; its former
 * TID vanishes without an exit report, as does the old leader. */
static void on_exec(struct tracee *t, pid_t tid)
{
	struct tracee_thread *th;
	unsigned long former = 0;

	t->execd = true;
	if (ptrace(PTRACE_GETEVENTMSG, tid, NULL, &former) == 0 &&
	    (pid_t)former != tid && (th = thread_find(t, (pid_t)former)))
		thread_drop(t, th);
	thread_add(t, tid, false);
}

/* Record the stop that `status` describes. */
static void note_stop(struct tracee_thread *th, int status)
{
	int event = (unsigned)status >> 16, sig = WSTOPSIG(status);

	th->stopped = true;
	th->interrupted = false;
	th->new_thread = false;
	/* event 0 is a signal-delivery-stop: the signal is passed on later */
	th->pending_sig = event == 0 ? sig : 0;
	th->group_stop = event == PTRACE_EVENT_STOP &&
		(sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU);
}

/* A thread reported a stop; returns -PF_EEXEC for an exec, else 0. */
static int on_stop(struct tracee *t, pid_t tid, int status, enum ev_mode mode)
{
	int event = (unsigned)status >> 16;
	struct tracee_thread *th = thread_find(t, tid);

	if (!th && mode != EV_DETACH && is_thread_of(t->pid, tid))
		th = thread_add(t, tid, true);	/* before its clone event */
	if (!th) {
		pt(PTRACE_DETACH, tid, event == 0 ? (unsigned long)WSTOPSIG(status) : 0);
		return 0;
	}
	if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
	    event == PTRACE_EVENT_VFORK)
		on_clone(t, tid, mode);
	else if (event == PTRACE_EVENT_EXEC)
		on_exec(t, tid);
	if (!(th = thread_find(t, tid)))	/* the array may have moved */
		PF_BUG("a stopped thread vanished from the list");
	if (mode == EV_ASIDE)	/* tracee_interrupt()'s stop is for its sample */
		mode = th->interrupted ? EV_HOLD : EV_RUN;
	note_stop(th, status);
	if (mode == EV_DETACH)
		thread_detach(t, th);
	else if (event == PTRACE_EVENT_EXEC)
		return -PF_EEXEC;	/* held, whatever the mode */
	else if (mode == EV_RUN)
		thread_resume(t, th);
	return 0;
}

/* A thread exited. The leader's exit is reported last, after every other
 * thread is gone: it is the exit of the process. */
static void on_exit_status(struct tracee *t, pid_t tid, int status)
{
	struct tracee_thread *th = thread_find(t, tid);

	if (th)
		thread_drop(t, th);
	if (tid == t->pid) {
		t->exited = true;
		t->exit_status = status;
	}
}

/* waitpid() found no child: no thread of `t` (and of its tracer's other
 * processes) is traced any more. */
static void none_left(struct tracee *t)
{
	t->nthreads = 0;
	for (size_t i = 0; t->tr && i < t->tr->nprocs; i++)
		t->tr->procs[i]->nthreads = 0;
}

/*
 * Handle the event `status` of `tid` in the tracee it belongs to: `t` in
 * `mode` (setting *exec for an exec), or another process of t's tracer,
 * which runs on (its exec is noted in it). Returns 1.
 */
static int handle_event(struct tracee *t, pid_t tid, int status, enum ev_mode mode, bool *exec)
{
	struct tracee *o = owner_of(t, tid);
	bool other_exec = false;

	if (o != t) {
		mode = EV_ASIDE;
		exec = &other_exec;
	}
	if (WIFEXITED(status) || WIFSIGNALED(status))
		on_exit_status(o, tid, status);
	else if (WIFSTOPPED(status) && on_stop(o, tid, status, mode) == -PF_EEXEC)
		*exec = true;
	return 1;
}

/*
 * Collect one wait event of `who` (-1: any tracee) and handle it in `mode`.
 * Returns 1 when one was handled (*exec set for an exec), 0 when none is
 * pending (WNOHANG in `flags`), -PF_EGONE when no tracee is left.
 */
static int wait_event(struct tracee *t, pid_t who, int flags, enum ev_mode mode,
		      bool *exec)
{
	int status;
	pid_t tid;

	do
		tid = waitpid(who, &status, __WALL | flags);
	while (tid < 0 && errno == EINTR);
	if (tid == 0)
		return 0;
	if (tid < 0 && errno == ECHILD) {
		none_left(t);	/* none of them is ours any more */
		return pf_fail(PF_EGONE, "process %d: no thread left to wait for", (int)t->pid);
	}
	if (tid < 0)
		return pf_fail_errno("waitpid");
	return handle_event(t, tid, status, mode, exec);
}

/* ------------------------------------------------------------ settling */

static long ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

/*
 * A signalfd of SIGCHLD, which the kernel sends the tracer at every stop of
 * a tracee, so that waits sleep until something happens. Only if the caller
 * blocks SIGCHLD (an unblocked, ignored one is discarded, never queued);
 * else -1, and waits poll.
 */
static int open_chld_fd(int *fd)
{
	sigset_t cur, set;

	if (*fd != CHLD_FD_UNKNOWN)
		return *fd;
	*fd = -1;
	if (pthread_sigmask(SIG_BLOCK, NULL, &cur) == 0 && sigismember(&cur, SIGCHLD)) {
		sigemptyset(&set);
		sigaddset(&set, SIGCHLD);
		*fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	}
	return *fd;
}

/* The tracer's descriptor, or the tracee's own without a tracer. */
static int chld_fd(struct tracee *t)
{
	return open_chld_fd(t->tr ? &t->tr->chld_fd : &t->chld_fd);
}

/* Consume every pending SIGCHLD: SIGCHLDs are not queued, so one read
 * almost always finds all there is. */
static void drain(int fd)
{
	struct signalfd_siginfo si[4];

	while (read(fd, si, sizeof si) == (ssize_t)sizeof si)
		;
}

/* Sleep until a SIGCHLD or 1 ms; the caller then looks for events (the
 * signal is consumed before, never after, that look: no wake-up is lost). */
static void sleep_for_event(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, 1) > 0)
		drain(fd);
}

/*
 * Between polls for events. A stop takes microseconds, and while we sleep
 * the target may sit stopped waiting for our wake-up (tens of microseconds
 * on a VM), so the first polls follow each other at once; then sleep on
 * SIGCHLD where we can, else sleep 10 us, 20 us, ... up to 1 ms.
 */
static void poll_pause(struct tracee *t, unsigned round)
{
	struct timespec ts = { 0, 1000000 };
	int fd;

	if (round < SPIN_ROUNDS) {
		__builtin_ia32_pause();
		return;
	}
	if ((fd = chld_fd(t)) >= 0) {
		sleep_for_event(fd);
		return;
	}
	if (round - SPIN_ROUNDS < 7)
		ts.tv_nsec = 10000L << (round - SPIN_ROUNDS);
	nanosleep(&ts, NULL);
}

/*
 * Stop waiting for silent threads that will never report a stop. A zombie:
 * a leader that called pthread_exit stays one until the whole process ends.
 * A traced thread whose TID vanished without an exit report: an exec is
 * under way (the exec'ing thread takes the leader's TID, the old leader is
 * released unreported), so wait for the exec event of the leader's TID.
 */
static void drop_dead_stragglers(struct tracee *t)
{
	bool vanished = false;

	for (size_t i = t->nthreads; i-- > 0;) {
		enum liveness l;

		if (t->threads[i].stopped || (l = liveness(t->pid, t->threads[i].tid)) == ALIVE)
			continue;
		vanished = vanished || l == VANISHED;
		thread_drop(t, &t->threads[i]);
	}
	if (vanished && !t->exited && is_thread_of(t->pid, t->pid))
		thread_add(t, t->pid, true);
}

/*
 * The list emptied, but the leader's exit was not collected: the process is
 * dying (its threads were dropped as they died) or a thread called exec (the
 * exec'ing thread's old TID vanished before its exec event was read). Poll
 * briefly for the event that settles which: the leader's exit, or the exec
 * event of the leader's TID, which adopts it again.
 */
static void await_end(struct tracee *t, enum ev_mode mode, bool *exec)
{
	struct timespec start;
	unsigned round = 0;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (t->attached && t->nthreads == 0 && !t->exited && ms_since(&start) < END_WAIT_MS) {
		if ((rc = wait_event(t, -1, WNOHANG, mode, exec)) < 0)
			return;
		if (rc == 0)
			poll_pause(t, round++);
	}
}

static pid_t first_running(const struct tracee *t)
{
	for (size_t i = 0; i < t->nthreads; i++)
		if (!t->threads[i].stopped && wanted(t, &t->threads[i]))
			return t->threads[i].tid;
	return 0;
}

/*
 * settle - handle events in `mode` (EV_HOLD or EV_DETACH) until no listed
 * thread runs. Polls, so a thread that never stops cannot hang us: after
 * `timeout_ms` it gives up with -PF_ETORN. -PF_EGONE if no tracee is left.
 */
static int settle(struct tracee *t, enum ev_mode mode, long timeout_ms, bool *exec)
{
	struct timespec start;
	long check_at = STRAGGLER_CHECK_MS, ms;
	unsigned round = 0;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (count_running(t) > 0) {
		if ((rc = wait_event(t, -1, WNOHANG, mode, exec)) < 0)
			return rc;
		if (rc > 0) {
			round = 0;
			continue;
		}
		ms = ms_since(&start);
		if (ms >= check_at) {
			drop_dead_stragglers(t);
			check_at = ms + STRAGGLER_CHECK_MS;
		}
		if (ms >= timeout_ms && count_running(t) > 0)
			return pf_fail(PF_ETORN, "thread %d of process %d did not stop within %ld ms",
				       (int)first_running(t), (int)t->pid, timeout_ms);
		poll_pause(t, round++);
	}
	if (mode != EV_DETACH)
		await_end(t, mode, exec);
	return 0;
}

/* --------------------------------------------------- pause and resume */

/*
 * The SIGCHLDs pending after a stop are our own stops', and would only wake
 * the caller's wait for nothing: consume them. Threads left running (a
 * tracee_stop_thread) may have had an event of theirs just before: look for
 * events once more after, so none waits for the next stop.
 */
static void forget_own_sigchld(struct tracee *t, bool *exec)
{
	drain(chld_fd(t));
	if (t->only)
		while (wait_event(t, -1, WNOHANG, EV_HOLD, exec) > 0)
			;
}

int tracee_stop_thread(struct tracee *t, pid_t tid)
{
	int rc;

	if (!thread_find(t, tid))
		return pf_fail(PF_ENOENT, "thread %d of process %d is not traced",
			       (int)tid, (int)t->pid);
	t->only = tid;
	rc = tracee_stop(t);
	t->only = 0;
	if (rc == 0 && !thread_find(t, tid))
		rc = pf_fail(PF_ETORN, "thread %d of process %d ended", (int)tid, (int)t->pid);
	return rc;
}

int tracee_interrupt(struct tracee *t, pid_t tid)
{
	if (!t->attached || tracee_gone(t))
		return pf_fail(PF_EGONE, "process %d is gone", (int)t->pid);
	t->only = tid;
	interrupt_running(t);
	t->only = 0;
	return 0;
}

int tracee_stop(struct tracee *t)
{
	bool exec = false;
	int rc;

	if (!t->attached || tracee_gone(t))
		return pf_fail(PF_EGONE, "process %d is gone", (int)t->pid);
	interrupt_running(t);
	rc = settle(t, EV_HOLD, STOP_TIMEOUT_MS, &exec);
	if (rc == 0 && chld_fd(t) >= 0)
		forget_own_sigchld(t, &exec);
	if (tracee_gone(t))
		return pf_fail(PF_EGONE, "process %d exited", (int)t->pid);
	if (exec)
		return pf_fail(PF_EEXEC, "process %d called exec", (int)t->pid);
	if (rc < 0)
		return rc;
	t->stops++;
	return 0;
}

int tracee_resume(struct tracee *t)
{
	bool exec = false;

	for (size_t i = t->nthreads; i-- > 0;) {
		if (t->threads[i].stopped)
			thread_resume(t, &t->threads[i]);
		t->threads[i].interrupted = false;	/* a late stop runs on */
	}
	await_end(t, EV_RUN, &exec);
	if (!t->attached || tracee_gone(t))
		return pf_fail(PF_EGONE, "process %d is gone", (int)t->pid);
	if (exec)
		return pf_fail(PF_EEXEC, "process %d called exec", (int)t->pid);
	return 0;
}

int tracee_service(struct tracee *t)
{
	bool exec = false;
	int rc = 0;

	if (!t->attached)
		return t->exited ? pf_fail(PF_EGONE, "process %d exited", (int)t->pid) : 0;
	for (int n = 0; n < SERVICE_MAX_EVENTS; n++)
		if ((rc = wait_event(t, -1, WNOHANG, EV_RUN, &exec)) <= 0)
			break;
	await_end(t, EV_RUN, &exec);
	if (tracee_gone(t))
		return pf_fail(PF_EGONE, "process %d exited", (int)t->pid);
	if (exec)
		return pf_fail(PF_EEXEC, "process %d called exec", (int)t->pid);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------ release */

void tracee_detach(struct tracee *t)
{
	bool exec = false;

	if (!t->attached)
		return;
	for (size_t i = t->nthreads; i-- > 0;)
		if (t->threads[i].stopped)
			thread_detach(t, &t->threads[i]);
	interrupt_running(t);
	(void)settle(t, EV_DETACH, DETACH_TIMEOUT_MS, &exec);
	t->nthreads = 0;
	/* collect what is already reported: exits, stray stops to release */
	for (int n = 0; n < SERVICE_MAX_EVENTS; n++)
		if (wait_event(t, -1, WNOHANG, EV_DETACH, &exec) <= 0)
			break;
	t->attached = false;
}

int tracee_wait_exit(struct tracee *t, int *status)
{
	bool exec = false;
	int rc;

	if (t->pid <= 0)
		return pf_fail(PF_EINVAL, "no process to wait for");
	tracee_detach(t);
	/* Any pid: a traced zombie thread left behind must be reaped too,
	 * or the leader's exit would never become reportable. */
	while (!t->exited)
		if ((rc = wait_event(t, -1, 0, EV_DETACH, &exec)) < 0)
			return rc;
	*status = t->exit_status;
	return 0;
}

int tracee_regs(const struct tracee *t, pid_t tid, struct regs *out)
{
	struct iovec iov = { out->w, sizeof out->w };
	const struct tracee_thread *th = NULL;

	for (size_t i = 0; i < t->nthreads && !th; i++)
		if (t->threads[i].tid == tid)
			th = &t->threads[i];
	out->len = 0;
	if (!th)
		return pf_fail(PF_ENOENT, "thread %d is not traced", (int)tid);
	if (!th->stopped)
		return pf_fail(PF_ETORN, "thread %d is not held", (int)tid);
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return pf_fail_errno("cannot read the registers of thread %d", (int)tid);
	out->len = iov.iov_len;
	return 0;
}

void tracee_release(struct tracee *t)
{
	tracee_detach(t);
	if (t->tr)
		tracer_remove(t->tr, t);
	free(t->threads);
	if (t->chld_fd >= 0)
		close(t->chld_fd);
	tracee_init(t);
}

/* ------------------------------------------------------------- attach */

/* Seize one thread: 1 if it is now ours, 0 if it vanished, -1 (errno
 * set) if refused. */
static int seize_thread(struct tracee *t, pid_t tid)
{
	int e;

	if (pt(PTRACE_SEIZE, tid, seize_options(t)) == 0) {
		thread_add(t, tid, false);
		return 1;
	}
	if ((e = errno) == ESRCH)
		return 0;
	if (e == EPERM && traced_by_us(t->pid, tid)) {
		thread_add(t, tid, true);
		return 1;
	}
	if (e == EPERM && liveness(t->pid, tid) != ALIVE)
		return 0;	/* exiting: a zombie cannot be seized */
	errno = e;
	return -1;
}

/* One pass over /proc/PID/task; *added tells whether a thread was new. */
static int seize_pass(struct tracee *t, bool *added, pid_t *bad, int *err)
{
	pid_t *tids;
	size_t n;
	int rc;

	*added = false;
	if ((rc = proc_list_tasks(t->pid, &tids, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (thread_find(t, tids[i]))
			continue;
		switch (seize_thread(t, tids[i])) {
		case 1:
			*added = true;
			break;
		case -1:
			*bad = tids[i];
			*err = errno;
			rc = -PF_EPERM;
			break;
		}
	}
	free(tids);
	return rc;
}

/* Seize the threads besides the leader. A thread created meanwhile by one
 * not yet seized shows up in the next pass; once a pass finds nothing new,
 * every thread is either seized or was created by a seized one. */
static int seize_threads(struct tracee *t, pid_t *bad, int *err)
{
	bool added = true;
	int rc = 0;

	for (int pass = 0; pass < ATTACH_PASSES && added; pass++)
		if ((rc = seize_pass(t, &added, bad, err)) < 0)
			return rc;
	if (added)
		return pf_fail(PF_ESYS, "the threads of process %d keep changing", (int)t->pid);
	return 0;
}

/* Undo a partial attach, then record why it failed (the detach may have
 * overwritten the detail). */
static int attach_failed(struct tracee *t, int rc, pid_t bad, int err)
{
	char msg[256];

	snprintf(msg, sizeof msg, "%s", pf_last_error());
	tracee_detach(t);
	if (!err)
		return pf_fail(-rc, "%s", msg);
	errno = err;
	if (bad == t->pid)
		return pf_fail_errno("Failed to seize PID %d", (int)t->pid);
	return pf_fail_errno("Failed to seize PID %d (thread %d)", (int)t->pid, (int)bad);
}

int tracee_attach(struct tracee *t, pid_t pid)
{
	pid_t bad = pid;
	int err = 0, rc;

	if (t->attached)
		PF_BUG("tracee_attach on an attached tracee");
	tracee_reset(t);
	if (pid <= 0)
		return pf_fail(PF_EINVAL, "Failed to seize PID %d: not a process ID", (int)pid);
	t->pid = pid;
	if (pt(PTRACE_SEIZE, pid, seize_options(t)) < 0)
		return pf_fail_errno("Failed to seize PID %d", (int)pid);
	thread_add(t, pid, false);
	t->attached = true;
	if ((rc = seize_threads(t, &bad, &err)) < 0)
		return attach_failed(t, rc, bad, err);
	return 0;
}

/* -------------------------------------------------------------- spawn */

/* In the child: wait to be seized, then become the command. Reports an
 * exec failure's errno through `fds[1]`, which exec closes on success. */
static PF_NORETURN void child_exec(const int fds[2], char *const argv[])
{
	sigset_t ours;
	int e;

	close(fds[0]);
	sigemptyset(&ours);
	sigaddset(&ours, SIGCHLD);
	sigaddset(&ours, SIGINT);
	sigaddset(&ours, SIGTERM);
	sigaddset(&ours, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &ours, NULL);
	signal(SIGPIPE, SIG_DFL);	/* ignored in pyflame; exec would keep that */
	raise(SIGSTOP);
	execvp(argv[0], argv);
	e = errno;
	while (write(fds[1], &e, sizeof e) < 0 && errno == EINTR)
		;
	_exit(1);
}

static int child_died(int status)
{
	return pf_fail(PF_ESYS, "Child process exited with status: %d",
		       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* The child stopped itself (or died): wait for that, as its parent. */
static int wait_child_stop(pid_t child)
{
	int status;
	pid_t r;

	do
		r = waitpid(child, &status, WUNTRACED);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return pf_fail_errno("waitpid");
	if (!WIFSTOPPED(status))
		return child_died(status);
	return 0;
}

/* The child exited before exec: say why, from the errno it sent. */
static int exec_failed(struct tracee *t, const char *cmd, int errfd)
{
	int e = 0, code;
	ssize_t n;

	t->attached = false;
	t->spawned = false;
	t->nthreads = 0;
	do
		n = read(errfd, &e, sizeof e);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof e || e == 0)
		return child_died(t->exit_status);
	code = e == ENOENT || e == ENOTDIR ? PF_ENOENT :
	       e == EACCES || e == EPERM ? PF_EPERM : PF_ESYS;
	/* the original's two lines: the child's, then the parent's */
	return pf_fail(code, "execvp() failed for: %s, err = %s\n"
		       "Child process exited with status: %d", cmd, strerror(e),
		       WIFEXITED(t->exit_status) ? WEXITSTATUS(t->exit_status) : 1);
}

/*
 * Run the seized child, passing its signals on (the SIGCONT that wakes it
 * first of all), until its exec (0) or its exit.
 */
static int run_to_exec(struct tracee *t, const char *cmd, int errfd)
{
	bool exec = false;
	int rc;

	if (kill(t->pid, SIGCONT) < 0)
		return pf_fail_errno("cannot continue process %d", (int)t->pid);
	while (!exec && !tracee_gone(t))
		if ((rc = wait_event(t, t->pid, 0, EV_RUN, &exec)) < 0)
			return rc;
	if (!exec)
		return exec_failed(t, cmd, errfd);
	return tracee_accept_exec(t);
}

int tracee_accept_exec(struct tracee *t)
{
	struct tracee_thread *th = thread_find(t, t->pid);

	if (!t->execd || !th)
		PF_BUG("accepting an exec that did not happen");
	t->execd = false;
	thread_resume(t, th);
	return tracee_gone(t) ? pf_fail(PF_EGONE, "process %d is gone", (int)t->pid) : 0;
}

static int trace_child(struct tracee *t, pid_t child, const char *cmd, int errfd)
{
	int rc, status;

	if ((rc = wait_child_stop(child)) < 0)
		return rc;
	if (pt(PTRACE_SEIZE, child, seize_options(t)) < 0) {
		rc = pf_fail_errno("Failed to seize PID %d", (int)child);
		kill(child, SIGKILL);
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		return rc;
	}
	t->pid = child;
	thread_add(t, child, false);
	t->attached = true;
	t->spawned = true;
	return run_to_exec(t, cmd, errfd);
}

int tracee_spawn(struct tracee *t, char *const argv[])
{
	int fds[2], rc;
	pid_t child;

	if (t->attached)
		PF_BUG("tracee_spawn on an attached tracee");
	tracee_reset(t);
	if (!argv || !argv[0])
		return pf_fail(PF_EINVAL, "no command to run");
	if (pipe2(fds, O_CLOEXEC) < 0)
		return pf_fail_errno("cannot create a pipe");
	if ((child = fork()) < 0) {
		rc = pf_fail_errno("cannot fork");
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	if (child == 0)
		child_exec(fds, argv);
	close(fds[1]);
	rc = trace_child(t, child, argv[0], fds[0]);
	close(fds[0]);
	return rc;
}

/* ------------------------------------------------------ whole tracer */

int tracer_service(struct tracer *tr)
{
	bool exec = false;
	int rc = 0;

	for (int n = 0; tr->nprocs && n < SERVICE_MAX_EVENTS; n++)
		if ((rc = wait_event(tr->procs[0], -1, WNOHANG, EV_RUN, &exec)) <= 0)
			break;
	for (size_t i = 0; i < tr->nprocs; i++)
		await_end(tr->procs[i], EV_RUN, &exec);
	return rc < 0 && rc != -PF_EGONE ? rc : 0;
}

int tracer_await(struct tracer *tr, unsigned round)
{
	bool exec = false;
	int n = 0;

	while (tr->nprocs && wait_event(tr->procs[0], -1, WNOHANG, EV_ASIDE, &exec) > 0)
		n++;
	if (n == 0 && tr->nprocs)
		poll_pause(tr->procs[0], round);
	return n;
}

bool tracee_interrupts_seen(const struct tracee *t)
{
	for (size_t i = 0; i < t->nthreads; i++)
		if (t->threads[i].interrupted)
			return false;
	return true;
}

void tracer_release(struct tracer *tr)
{
	struct tracee **born;
	size_t n = tracer_take_born(tr, &born);

	for (size_t i = 0; i < n; i++) {
		tracee_release(born[i]);
		free(born[i]);
	}
	free(born);
	while (tr->nprocs)
		tracee_detach(tr->procs[--tr->nprocs]);
	free(tr->procs);
	if (tr->chld_fd >= 0)
		close(tr->chld_fd);
	tracer_init(tr, tr->follow);
}
