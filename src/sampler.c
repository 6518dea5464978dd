/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sampler.c - one profiling run: attach or spawn, locate the interpreter,
 * sample on absolute deadlines, aggregate, detach, write. The boundary: it
 * owns every object of the run and alone decides what reaches stderr.
 */
#include "compat.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "explain.h"
#include "histo.h"
#include "output.h"
#include "proc.h"
#include "ptrace.h"
#include "pylocate.h"
#include "pywalk.h"
#include "pyversion.h"
#include "remote.h"
#include "sampler.h"
#include "stacks.h"
#include "strbuf.h"
#include "xalloc.h"

#define NSEC 1000000000ull
#define LOCATE_TIMEOUT_ATTACH_NS (1 * NSEC)
#define LOCATE_TIMEOUT_TRACE_NS (5 * NSEC)
#define LOCATE_RETRY_NS (1000000ull)
#define PROGRESS_EVERY_NS (NSEC / 4)
#define SLEEP_MIN_NS 5000ull	/* a shorter wait is not worth a sleep */
#define NONBLOCKING_TRIES 16	/* captures of a changing stack before giving up */

enum wait_result { WAIT_DEADLINE, WAIT_STOP, WAIT_GONE };

struct run {
	const struct options *o;
	struct tracee t;
	struct remote r;
	struct pyloc loc;
	struct stacks st;
	struct pywalk w;
	struct pysample s;
	FILE *out;
	int sigfd;
	sigset_t blocked, old_mask;
	bool tty;			/* stderr is a terminal: show progress */
	uint64_t samples, idle, failed, late, retries;
	uint64_t trimmed;		/* samples whose innermost frames were newer */
	uint64_t held_one;		/* samples that held the GIL's thread alone */
	uint64_t start_ns, last_progress_ns;
	uint64_t start_wall_us;		/* CLOCK_REALTIME at start_ns */
	char target[512];		/* "PID N" or the command, for the writers */
	struct histo stopped;		/* all threads held, until resumed */
	struct histo cycle;		/* from the interrupt until resumed */
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static int fail(const char *fmt, ...) PF_PRINTF(1, 2);
static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* ------------------------------------------------------------ signals */

/*
 * SIGCHLD (the target stopped or changed), and SIGINT/SIGTERM/SIGHUP (stop
 * and write what we have) are read from a signalfd, so they only ever
 * interrupt the wait between samples. SIGPIPE is ignored: a closed output
 * becomes a write error, and the target is still detached first.
 */
static int signals_setup(struct run *run)
{
	sigemptyset(&run->blocked);
	sigaddset(&run->blocked, SIGCHLD);
	sigaddset(&run->blocked, SIGINT);
	sigaddset(&run->blocked, SIGTERM);
	sigaddset(&run->blocked, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &run->blocked, &run->old_mask) < 0)
		return fail("pyflame: cannot block signals: %s", strerror(errno));
	run->sigfd = signalfd(-1, &run->blocked, SFD_CLOEXEC | SFD_NONBLOCK);
	if (run->sigfd < 0)
		return fail("pyflame: cannot create a signalfd: %s", strerror(errno));
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);	/* wake on the deadline */
	return 0;
}

static void signals_restore(struct run *run)
{
	if (run->sigfd >= 0)
		close(run->sigfd);
	sigprocmask(SIG_SETMASK, &run->old_mask, NULL);
	signal(SIGPIPE, SIG_DFL);
}

/* Drain the signalfd: WAIT_STOP for a stop request, WAIT_GONE when the
 * target has gone, else WAIT_DEADLINE (meaning: keep waiting). */
static enum wait_result read_signals(struct run *run)
{
	struct signalfd_siginfo si;
	enum wait_result res = WAIT_DEADLINE;

	while (read(run->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo != SIGCHLD)
			res = WAIT_STOP;
		else if (tracee_service(&run->t) < 0 && res != WAIT_STOP)
			res = WAIT_GONE;
	}
	if (res == WAIT_DEADLINE && (run->t.exited || run->t.execd))
		res = WAIT_GONE;
	return res;
}

/*
 * wait_until - let the target run until the absolute CLOCK_MONOTONIC time
 * `deadline`, handling its events meanwhile. A late deadline returns at once,
 * once pending signals are seen to, and so does one due in less time than a
 * sleep and wake-up take. One ppoll per wait in the usual case; the timer
 * slack is 1 ns (set in signals_setup) so the wake-up is on time.
 */
static enum wait_result wait_until(struct run *run, uint64_t deadline)
{
	struct pollfd fd = { run->sigfd, POLLIN, 0 };
	enum wait_result res;

	for (;;) {
		uint64_t now = now_ns(CLOCK_MONOTONIC);
		uint64_t left = deadline > now + SLEEP_MIN_NS ? deadline - now : 0;
		struct timespec ts = { (time_t)(left / NSEC), (long)(left % NSEC) };
		int n = ppoll(&fd, 1, &ts, NULL);

		if (n < 0 && errno != EINTR)
			return WAIT_STOP;
		if (n > 0 && (res = read_signals(run)) != WAIT_DEADLINE)
			return res;
		if (n == 0 || left == 0)
			return WAIT_DEADLINE;
	}
}

/* ------------------------------------------------------------- target */

static int attach_failed(pid_t pid)
{
	struct strbuf msg;
	int e = pf_last_errno();

	strbuf_init(&msg);
	strbuf_addf(&msg, "Failed to seize PID %d: %s", (int)pid, e ? strerror(e) : pf_last_error());
	if (e == EPERM || e == EACCES)
		explain_eperm(pid, &msg);
	fail("%s", msg.buf);
	strbuf_release(&msg);
	return 1;
}

static bool is_zombie(pid_t pid)
{
	char state;

	return proc_task_state(pid, pid, &state) == 0 && state == 'Z';
}

/* The kernel traces no zombie; say which kind this is. */
static const char *zombie_text(pid_t pid)
{
	pid_t *tids = NULL;
	size_t n = 0;

	proc_list_tasks(pid, &tids, &n);
	free(tids);
	return n > 1 ? "its main thread has exited (a zombie), and pyflame needs it"
		     : "the process has exited (a zombie its parent has not reaped)";
}

static int start_target(struct run *run)
{
	const struct options *o = run->o;
	int rc;

	if (o->trace_argv) {
		if ((rc = tracee_spawn(&run->t, o->trace_argv)) < 0)
			return fail("%s", pf_last_error());
	} else {
		if (o->pid == getpid())
			return fail("Failed to seize PID %d: that is pyflame itself", (int)o->pid);
		if (proc_is_kernel_thread(o->pid))
			return fail("Failed to seize PID %d: it is a kernel thread, not a Python process",
				    (int)o->pid);
		if (is_zombie(o->pid))
			return fail("Failed to seize PID %d: %s", (int)o->pid, zombie_text(o->pid));
		if (tracee_attach(&run->t, o->pid) < 0)
			return attach_failed(o->pid);
	}
	if (remote_open(&run->r, run->t.pid) < 0)
		return fail("Failed to read memory of PID %d: %s", (int)run->t.pid, pf_last_error());
	return 0;
}

static int unsupported(void)
{
	return fail("Target has Python %s, which is not supported by this pyflame build.",
		    pf_last_error() + (strncmp(pf_last_error(), "Python ", 7) ? 0 : 7));
}

/*
 * Before the interpreter is found an exec is welcome (a wrapper script that
 * execs Python): follow the new program, with a reader for its memory.
 * -PF_EGONE for anything else that ended the wait.
 */
static int accept_exec(struct run *run)
{
	if (!run->t.execd || run->t.exited || tracee_accept_exec(&run->t) < 0)
		return -PF_EGONE;
	remote_close(&run->r);
	return remote_open(&run->r, run->t.pid);
}

/*
 * Find the interpreter, retrying while the target may still be starting
 * (a traced child loads libpython after exec). The target keeps running.
 */
static int locate(struct run *run)
{
	uint64_t timeout = run->o->wait_ns >= 0 ? (uint64_t)run->o->wait_ns :
			   run->o->trace_argv ? LOCATE_TIMEOUT_TRACE_NS : LOCATE_TIMEOUT_ATTACH_NS;
	uint64_t deadline = now_ns(CLOCK_MONOTONIC) + timeout;
	int rc;

	for (;;) {
		rc = pylocate(run->t.pid, &run->r, run->o->abi, &run->loc);
		if (rc == 0)
			return 0;
		if (rc == -PF_EUNSUPPORTED)
			return unsupported();
		if (rc == -PF_EPERM)
			return fail("Failed to read PID %d: %s", (int)run->t.pid, pf_last_error());
		if (now_ns(CLOCK_MONOTONIC) >= deadline)
			break;
		if (wait_until(run, now_ns(CLOCK_MONOTONIC) + LOCATE_RETRY_NS) != WAIT_DEADLINE &&
		    accept_exec(run) < 0)
			break;
	}
	if (run->t.exited)
		return fail("Failed to locate libpython within timeout period (the process exited first)");
	return fail("Failed to locate libpython within timeout period (%s)", pf_last_error());
}

static int open_output(struct run *run)
{
	const char *path = run->o->output;

	if (!path) {
		run->out = stdout;
		return 0;
	}
	run->out = fopen(path, "we");
	if (!run->out)
		return fail("cannot open file \"%s\" as output: %s", path, strerror(errno));
	return 0;
}

/* ----------------------------------------------------------- sampling */

static uint32_t origin_of(struct run *run, const struct pythread *t)
{
	const struct origin o = { run->t.pid, (int32_t)t->native_id, t->thread_id };

	return stacks_intern_origin(&run->st, &o);
}

static void aggregate(struct run *run, uint64_t ts_us)
{
	const struct pysample *s = &run->s;
	bool any = false;

	for (size_t i = 0; i < s->nthreads; i++) {
		const struct pythread *t = &s->threads[i];

		if (!t->depth)
			continue;
		stacks_add(&run->st, s->frames + t->first, t->depth, origin_of(run, t), 1, ts_us);
		any = true;
	}
	if (!any) {
		run->idle++;
		if (!run->o->exclude_idle)
			stacks_add_idle(&run->st, ts_us);
	}
}

/*
 * With the target held since t0 (only partly if *rc is -PF_ETORN: a thread
 * would not stop in time, a lost sample), capture and let it go. Returns the
 * capture's result; *rc becomes what tracee_resume() says of the target.
 */
static int read_held(struct run *run, bool all_threads, uint64_t t0, int *rc)
{
	uint64_t t1 = now_ns(CLOCK_MONOTONIC), t2;
	int walk = *rc < 0 ? *rc : pywalk_capture(&run->w, all_threads, &run->s);

	*rc = tracee_resume(&run->t);
	t2 = now_ns(CLOCK_MONOTONIC);
	histo_add(&run->stopped, t2 - t1);
	histo_add(&run->cycle, t2 - t0);
	return walk;
}

/*
 * Hold what a consistent capture needs held. With a GIL only its holder can
 * change a Python stack: hold that thread alone when it is known (3.11+,
 * one interpreter) and still holds the GIL once stopped; else every thread.
 * *idle: the GIL is free and only its holder is sampled, so there is
 * nothing to read and nothing is stopped. Returns as tracee_stop() does.
 */
static int hold_target(struct run *run, bool all_threads, bool *idle)
{
	uint64_t ts;
	pid_t tid;
	int owner = pywalk_gil_owner(&run->w, &ts, &tid), rc;

	*idle = owner == 0 && !all_threads;
	if (*idle)
		return 0;
	if (owner == 1) {
		rc = tracee_stop_thread(&run->t, tid);
		if (rc == -PF_EGONE || rc == -PF_EEXEC)
			return rc;
		if (rc == 0 && pywalk_gil_still_owned(&run->w, ts)) {
			run->held_one++;
			return 0;
		}
	}
	return tracee_stop(&run->t);
}

/*
 * Capture without stopping. Only a capture read in one batch is one
 * snapshot; one that needed more reads (the plan missed a page: a new
 * frame, a deeper stack), or whose frames do not fit together (the stack
 * changed while the batch was copied), is taken again at once.
 */
static int read_running(struct run *run, bool all_threads)
{
	int rc = 0;

	for (int i = 0; i < NONBLOCKING_TRIES; i++) {
		if (i > 0)
			run->retries++;
		rc = pywalk_capture(&run->w, all_threads, &run->s);
		if (rc == 0 && !run->s.whole)
			rc = pf_fail(PF_ETORN, "a capture needed more than one read");
		if (rc != -PF_ETORN)
			break;
	}
	return rc;
}

/*
 * take_sample - read the stacks (pausing the target unless --nonblocking),
 * then name and count them with the target running again.
 * Returns 0, or -PF_EGONE / -PF_EEXEC when the target is gone.
 */
static int take_sample(struct run *run, bool all_threads)
{
	uint64_t ts_us = now_ns(CLOCK_REALTIME) / 1000;
	int rc = 0, walk;

	if (run->o->nonblocking) {
		walk = read_running(run, all_threads);
	} else {
		uint64_t t0 = now_ns(CLOCK_MONOTONIC);
		bool idle;

		rc = hold_target(run, all_threads, &idle);
		if (rc == -PF_EGONE || rc == -PF_EEXEC)
			return rc;
		if (idle)
			pysample_clear(&run->s);
		walk = idle ? 0 : read_held(run, all_threads, t0, &rc);
	}
	run->samples++;
	if (walk < 0) {
		run->failed++;
		stacks_add_failed(&run->st, ts_us);
	} else {
		run->trimmed += run->s.trimmed > 0;
		pywalk_resolve(&run->w, &run->s);
		aggregate(run, ts_us);
	}
	return rc;
}

static void progress(struct run *run, bool last)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC);
	double secs = (double)(now - run->start_ns) / NSEC;

	if (!run->tty || (!last && now - run->last_progress_ns < PROGRESS_EVERY_NS))
		return;
	run->last_progress_ns = now;
	fprintf(stderr, "\rpyflame: %llu samples (%llu idle, %llu failed) in %.1fs",
		(unsigned long long)run->samples, (unsigned long long)run->idle,
		(unsigned long long)run->failed, secs);
	if (!last)
		return;
	fprintf(stderr, ", %.1f samples/s (requested %.1f)\n",
		secs > 0 ? (double)run->samples / secs : 0.0, (double)NSEC / (double)run->o->interval_ns);
	if (run->late)
		fprintf(stderr, "pyflame: sampling fell behind: %llu deadlines missed\n",
			(unsigned long long)run->late);
}

/* The next deadline after sample k; missed deadlines are skipped, not made up. */
static uint64_t next_deadline(struct run *run, uint64_t *k)
{
	uint64_t interval = run->o->interval_ns;
	uint64_t next = run->start_ns + ++*k * interval;
	uint64_t now = now_ns(CLOCK_MONOTONIC);

	if (next < now) {
		uint64_t k2 = (now - run->start_ns) / interval + 1;

		run->late += k2 - *k;
		*k = k2;
		next = run->start_ns + k2 * interval;
	}
	return next;
}

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static void print_stats(const struct run *run)
{
	fprintf(stderr, "pyflame: stats: samples=%llu idle=%llu failed=%llu late=%llu "
		"retries=%llu trimmed=%llu held_one=%llu stopped_us_median=%.1f "
		"stopped_us_p99=%.1f stopped_us_max=%.1f cycle_us_median=%.1f\n",
		(unsigned long long)run->samples, (unsigned long long)run->idle,
		(unsigned long long)run->failed, (unsigned long long)run->late,
		(unsigned long long)run->retries, (unsigned long long)run->trimmed,
		(unsigned long long)run->held_one,
		us(histo_quantile(&run->stopped, 0.5)), us(histo_quantile(&run->stopped, 0.99)),
		us(run->stopped.max_ns), us(histo_quantile(&run->cycle, 0.5)));
}

static void sample_loop(struct run *run)
{
	const struct options *o = run->o;
	bool forever = o->seconds < 0 || o->trace_argv;
	uint64_t end = run->start_ns + (forever ? 0 : (uint64_t)(o->seconds * NSEC + 0.5));
	uint64_t k = 0, next;

	for (;;) {
		if (take_sample(run, o->threads) < 0 || o->seconds == 0)
			break;
		next = next_deadline(run, &k);
		if (!forever && next >= end) {
			wait_until(run, end);	/* -s is how long the run lasts */
			break;
		}
		if (wait_until(run, next) != WAIT_DEADLINE)
			break;
		progress(run, false);
	}
	progress(run, true);
	if (o->stats)
		print_stats(run);
}

static int dump(struct run *run)
{
	struct dump_thread *dt;
	size_t n = 0;
	int rc;

	if (run->o->nonblocking) {
		rc = read_running(run, true);
	} else {
		if ((rc = tracee_stop(&run->t)) < 0)
			return fail("Failed to stop PID %d: %s", (int)run->t.pid, pf_last_error());
		rc = pywalk_capture(&run->w, true, &run->s);
		tracee_resume(&run->t);
	}
	if (rc == 0)
		pywalk_resolve(&run->w, &run->s);
	if (rc < 0)
		return fail("Failed to read the stacks of PID %d: %s", (int)run->t.pid, pf_last_error());
	dt = xcalloc(run->s.nthreads, sizeof *dt);
	for (size_t i = 0; i < run->s.nthreads; i++) {
		const struct pythread *t = &run->s.threads[i];

		if (!t->depth)
			continue;
		dt[n].thread_id = t->thread_id;
		dt[n].holds_gil = t->holds_gil;
		dt[n++].stack = stacks_add(&run->st, run->s.frames + t->first, t->depth,
					   origin_of(run, t), 1, 0);
	}
	rc = out_dump(run->out, &run->st, dt, n);
	free(dt);
	return rc < 0 ? fail("pyflame: %s", pf_last_error()) : 0;
}

/* ---------------------------------------------------------------- run */

/* What the run knows of itself: the writers that show it read it. */
static void profile_meta(const struct run *run, struct profile_meta *m)
{
	m->target = run->target;
	m->python[0] = '\0';
	if (run->loc.version)
		pyversion_format(run->loc.version, m->python, sizeof m->python);
	m->start_us = run->start_wall_us;
	m->duration_us = (now_ns(CLOCK_MONOTONIC) - run->start_ns) / 1000;
	m->interval_us = run->o->interval_ns / 1000;
	m->samples = run->samples;
}

static int write_profile(struct run *run)
{
	struct profile p = {
		.st = &run->st,
		.line_numbers = run->o->line_numbers,
		.include_idle = !run->o->exclude_idle,
		.per_thread = run->o->threads,
	};
	int rc;

	profile_meta(run, &p.meta);
	rc = run->o->writer->write(run->out, &p);
	if (rc == 0 && fflush(run->out) != 0)
		rc = pf_fail_errno("cannot write the profile");
	return rc < 0 ? fail("pyflame: %s", pf_last_error()) : 0;
}

/* In -t mode the child's status becomes ours, as a shell would report it. */
static int child_status(struct run *run)
{
	int status = run->t.exit_status;

	if (!run->t.exited && tracee_wait_exit(&run->t, &status) < 0)
		return fail("pyflame: cannot wait for the child: %s", pf_last_error());
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* -t, and profiling could not start: the command was only run to be
 * profiled, so it is ended rather than left behind unobserved. */
static void end_child(struct run *run)
{
	int status;

	if (run->t.exited)
		return;
	kill(run->t.pid, SIGKILL);
	tracee_wait_exit(&run->t, &status);
}

/* "PID N", or the command of -t as typed (arguments joined by spaces). */
static void describe_target(const struct options *o, char *buf, size_t size)
{
	size_t n = 0;

	if (!o->trace_argv) {
		snprintf(buf, size, "PID %d", (int)o->pid);
		return;
	}
	buf[0] = '\0';
	for (char *const *a = o->trace_argv; *a && n + 1 < size; a++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", a == o->trace_argv ? "" : " ", *a);
}

static void run_init(struct run *run, const struct options *o)
{
	memset(run, 0, sizeof *run);
	run->o = o;
	run->sigfd = -1;
	run->r.fd = -1;
	run->tty = isatty(STDERR_FILENO) && !o->dump;
	tracee_init(&run->t);
	stacks_init(&run->st, o->writer && o->writer->timeline);
	describe_target(o, run->target, sizeof run->target);
	pysample_init(&run->s);
	histo_init(&run->stopped);
	histo_init(&run->cycle);
}

static void run_release(struct run *run)
{
	if (run->w.codes)
		pywalk_release(&run->w);
	pysample_release(&run->s);
	stacks_release(&run->st);
	remote_close(&run->r);
	tracee_release(&run->t);
	if (run->out && run->out != stdout)
		fclose(run->out);
	signals_restore(run);
}

/*
 * Everything between a successful attach and the detach. An exec met before
 * the first sample belongs to start-up (the new image can be mapped before
 * its exec stop is reported): locate again in the new program.
 */
static int profile(struct run *run)
{
	int status;

	for (;;) {
		if ((status = locate(run)) != 0 ||
		    (!run->out && (status = open_output(run)) != 0))
			return status;
		pywalk_init(&run->w, &run->r, &run->loc, &run->st, run->o->qualnames);
		run->start_ns = now_ns(CLOCK_MONOTONIC);
		run->start_wall_us = now_ns(CLOCK_REALTIME) / 1000;
		if (run->o->dump)
			return dump(run);
		sample_loop(run);
		if (run->samples > 0 || accept_exec(run) < 0)
			return 0;
		pywalk_release(&run->w);
	}
}

int sampler_run(const struct options *o)
{
	struct run run;
	int status;

	run_init(&run, o);
	status = signals_setup(&run);
	if (status == 0)
		status = start_target(&run);
	if (status == 0)
		status = profile(&run);
	tracee_detach(&run.t);	/* first of all: the target runs on whatever happened */
	if (status == 0 && !o->dump)
		status = write_profile(&run);
	if (run.t.spawned && status == 0)
		status = child_status(&run);
	else if (run.t.spawned)
		end_child(&run);
	run_release(&run);
	return status;
}
