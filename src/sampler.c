/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sampler.c - one profiling run: attach or spawn, locate the interpreter,
 * sample every process of the run on absolute deadlines, aggregate, detach,
 * write. The boundary: it owns every object of the run and alone decides
 * what reaches stderr.
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
#include "procset.h"
#include "pyversion.h"
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

enum wait_result { WAIT_DEADLINE, WAIT_STOP, WAIT_GONE };

struct run {
	const struct options *o;
	struct procset ps;		/* the root and, with --subprocesses, its tree */
	struct stacks st;
	struct sampling sp;
	FILE *out;
	int sigfd;
	sigset_t blocked, old_mask;
	bool tty;			/* stderr is a terminal: show progress */
	bool started;			/* sampling has begun */
	uint64_t passes, late;		/* sampling passes over every process */
	uint64_t start_ns, last_progress_ns;
	uint64_t start_wall_us;		/* CLOCK_REALTIME at start_ns */
	uint32_t python_version;	/* the root's interpreter, for the writers */
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

static struct tracee *root_tracee(struct run *run)
{
	return procset_root_tracee(&run->ps);
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

/*
 * Whether the run cannot go on: the root exec'd once sampling began without
 * --subprocesses (a new program is not the one profiled), or no process of
 * the run is alive.
 */
static bool run_over(struct run *run)
{
	struct tracee *t = root_tracee(run);

	if (!run->o->subprocesses && (t->exited || (run->started && t->execd)))
		return true;
	return run->started && !procset_alive(&run->ps);
}

/* Let the processes' events be handled, and the set of processes follow. */
static void service(struct run *run)
{
	tracer_service(&run->ps.tr);
	procset_update(&run->ps, &run->sp, now_ns(CLOCK_MONOTONIC));
}

/* Drain the signalfd: WAIT_STOP for a stop request, WAIT_GONE when the
 * run is over, else WAIT_DEADLINE (meaning: keep waiting). */
static enum wait_result read_signals(struct run *run)
{
	struct signalfd_siginfo si;
	enum wait_result res = WAIT_DEADLINE;
	bool chld = false;

	while (read(run->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo != SIGCHLD)
			res = WAIT_STOP;
		else
			chld = true;
	}
	if (chld)
		service(run);
	if (res == WAIT_DEADLINE && (run_over(run) || root_tracee(run)->execd))
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
	struct tracee *t = root_tracee(run);
	int rc;

	if (o->trace_argv) {
		if ((rc = tracee_spawn(t, o->trace_argv)) < 0)
			return fail("%s", pf_last_error());
	} else {
		if (o->pid == getpid())
			return fail("Failed to seize PID %d: that is pyflame itself", (int)o->pid);
		if (proc_is_kernel_thread(o->pid))
			return fail("Failed to seize PID %d: it is a kernel thread, not a Python process",
				    (int)o->pid);
		if (is_zombie(o->pid))
			return fail("Failed to seize PID %d: %s", (int)o->pid, zombie_text(o->pid));
		if (tracee_attach(t, o->pid) < 0)
			return attach_failed(o->pid);
	}
	if (procset_add_root(&run->ps, 0) < 0)
		return fail("Failed to read memory of PID %d: %s", (int)t->pid, pf_last_error());
	return 0;
}

static int unsupported(void)
{
	return fail("Target has Python %s, which is not supported by this pyflame build.",
		    pf_last_error() + (strncmp(pf_last_error(), "Python ", 7) ? 0 : 7));
}

static uint64_t locate_timeout(const struct options *o)
{
	return o->wait_ns >= 0 ? (uint64_t)o->wait_ns :
	       o->trace_argv ? LOCATE_TIMEOUT_TRACE_NS : LOCATE_TIMEOUT_ATTACH_NS;
}

/*
 * Find the root's interpreter, retrying while it may still be starting (a
 * traced child loads libpython after exec); an exec meanwhile (a wrapper
 * script that execs Python) is followed. The processes keep running.
 */
static int locate(struct run *run)
{
	struct target *root = procset_root(&run->ps);
	uint64_t deadline = now_ns(CLOCK_MONOTONIC) + locate_timeout(run->o);

	root->deadline_ns = deadline;
	for (;;) {
		service(run);
		if (root->state == TARGET_SAMPLING)
			return 0;
		if (root->locate_rc == -PF_EUNSUPPORTED)
			return unsupported();
		if (root->locate_rc == -PF_EPERM)
			return fail("Failed to read PID %d: %s", (int)root->t->pid, pf_last_error());
		if (root->t->execd && target_exec(root, deadline) < 0)
			break;
		if (root->t->exited || now_ns(CLOCK_MONOTONIC) >= deadline ||
		    wait_until(run, now_ns(CLOCK_MONOTONIC) + LOCATE_RETRY_NS) == WAIT_STOP)
			break;
	}
	if (root->t->exited)
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

/*
 * One pass: a sample of every process being sampled. With several, the
 * threads to hold in each are asked to stop first, so that they stop
 * together. A process that ended or exec'd meanwhile is seen to by the
 * next service(). Returns false when the run is over.
 */
static bool take_samples(struct run *run)
{
	uint64_t ts_us = now_ns(CLOCK_REALTIME) / 1000;
	bool exec = false;

	run->passes++;
	for (size_t i = 0; run->ps.n > 1 && !run->o->nonblocking && i < run->ps.n; i++)
		if (run->ps.v[i]->state == TARGET_SAMPLING)
			target_arm(run->ps.v[i], &run->sp);
	for (size_t i = 0; i < run->ps.n; i++) {
		struct target *tg = run->ps.v[i];

		if (tg->state == TARGET_SAMPLING && target_sample(tg, &run->sp, ts_us) == -PF_EEXEC)
			exec = true;
	}
	if (exec || run->ps.n > 1 || run->o->subprocesses)
		service(run);
	return !run_over(run);
}

static void progress(struct run *run, bool last)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC);
	double secs = (double)(now - run->start_ns) / NSEC;

	if (!run->tty || (!last && now - run->last_progress_ns < PROGRESS_EVERY_NS))
		return;
	run->last_progress_ns = now;
	struct target_stats ts;

	procset_stats(&run->ps, &ts);
	fprintf(stderr, "\rpyflame: %llu samples (%llu idle, %llu failed) in %.1fs",
		(unsigned long long)ts.samples, (unsigned long long)ts.idle,
		(unsigned long long)ts.failed, secs);
	if (!last)
		return;
	fprintf(stderr, ", %.1f samples/s (requested %.1f)\n",
		secs > 0 ? (double)run->passes / secs : 0.0, (double)NSEC / (double)run->o->interval_ns);
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

static void print_counts(const struct target_stats *s)
{
	fprintf(stderr, "samples=%llu idle=%llu failed=%llu",
		(unsigned long long)s->samples, (unsigned long long)s->idle,
		(unsigned long long)s->failed);
}

/* A process's own counts; timings are the run's, shared by all. */
static void print_process(pid_t pid, const struct target_stats *s)
{
	fprintf(stderr, "pyflame: process %d stats: ", (int)pid);
	print_counts(s);
	fprintf(stderr, " retries=%llu trimmed=%llu held_one=%llu native_lost=%llu\n",
		(unsigned long long)s->retries, (unsigned long long)s->trimmed,
		(unsigned long long)s->held_one, (unsigned long long)s->lost);
}

/* --stats: with --subprocesses a line per process sampled (ended ones
 * first), then the whole run's. */
static void print_stats(const struct run *run)
{
	const struct procset *ps = &run->ps;
	struct target_stats s;

	for (size_t i = 0; run->o->subprocesses && i < ps->nended; i++)
		print_process(ps->ended[i].pid, &ps->ended[i].stats);
	for (size_t i = 0; run->o->subprocesses && i < ps->n; i++)
		print_process(ps->v[i]->t->pid, &ps->v[i]->stats);
	procset_stats(ps, &s);
	fprintf(stderr, "pyflame: stats: ");
	print_counts(&s);
	fprintf(stderr, " late=%llu retries=%llu trimmed=%llu held_one=%llu "
		"stopped_us_median=%.1f stopped_us_p99=%.1f stopped_us_max=%.1f "
		"cycle_us_median=%.1f native_lost=%llu\n", (unsigned long long)run->late,
		(unsigned long long)s.retries, (unsigned long long)s.trimmed,
		(unsigned long long)s.held_one,
		us(histo_quantile(&run->stopped, 0.5)), us(histo_quantile(&run->stopped, 0.99)),
		us(run->stopped.max_ns), us(histo_quantile(&run->cycle, 0.5)),
		(unsigned long long)s.lost);
}

static void sample_loop(struct run *run)
{
	const struct options *o = run->o;
	bool forever = o->seconds < 0 || o->trace_argv;
	uint64_t end = run->start_ns + (forever ? 0 : (uint64_t)(o->seconds * NSEC + 0.5));
	uint64_t k = 0, next;

	run->started = true;
	for (;;) {
		if (!take_samples(run) || o->seconds == 0)
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

/* -d of one process: its threads' stacks, innermost first. */
static int dump_target(struct run *run, struct target *tg)
{
	struct dump_thread *dt;
	size_t n = 0;
	int rc;

	if (target_capture(tg, &run->sp) < 0)
		return fail("Failed to read the stacks of PID %d: %s", (int)tg->t->pid,
			    pf_last_error());
	dt = xcalloc(tg->s.nthreads + 1, sizeof *dt);
	for (size_t i = 0; i < tg->s.nthreads; i++) {
		const struct pythread *t = &tg->s.threads[i];
		const uint32_t *frames;
		size_t depth;

		if (target_thread_stack(tg, &run->sp, i, &frames, &depth) < 0) {
			free(dt);
			return fail("Failed to read the stacks of PID %d: %s", (int)tg->t->pid,
				    pf_last_error());
		}
		if (!depth)
			continue;
		dt[n].thread_id = t->thread_id;
		dt[n].holds_gil = t->holds_gil;
		dt[n++].stack = stacks_add(&run->st, frames, depth, target_origin(tg, &run->st, t),
					   1, 0);
	}
	rc = out_dump(run->out, &run->st, dt, n);
	free(dt);
	return rc < 0 ? fail("pyflame: %s", pf_last_error()) : 0;
}

/* -d: the root, and with --subprocesses every process found Python, each
 * headed by its label. */
static int dump(struct run *run)
{
	int status = 0;

	if (!run->o->subprocesses)
		return dump_target(run, procset_root(&run->ps));
	for (size_t i = 0; i < run->ps.n && !status; i++) {
		struct target *tg = run->ps.v[i];

		if (tg->state != TARGET_SAMPLING)
			continue;
		fprintf(run->out, "%s%s:\n", i ? "\n" : "", tg->label);
		status = dump_target(run, tg);
	}
	return status;
}

/* ---------------------------------------------------------------- run */

/* What the run knows of itself: the writers that show it read it. */
static void profile_meta(const struct run *run, struct profile_meta *m)
{
	struct target_stats all;

	procset_stats(&run->ps, &all);
	m->target = run->target;
	m->python[0] = '\0';
	if (run->python_version)
		pyversion_format(run->python_version, m->python, sizeof m->python);
	m->start_us = run->start_wall_us;
	m->duration_us = (now_ns(CLOCK_MONOTONIC) - run->start_ns) / 1000;
	m->interval_us = run->o->interval_ns / 1000;
	m->samples = all.samples;
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
	struct tracee *t = root_tracee(run);
	int status = t->exit_status;

	if (!t->exited && tracee_wait_exit(t, &status) < 0)
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
	struct tracee *t = root_tracee(run);
	int status;

	if (t->exited)
		return;
	kill(t->pid, SIGKILL);
	tracee_wait_exit(t, &status);
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
	uint64_t wait = o->wait_ns >= 0 ? (uint64_t)o->wait_ns : LOCATE_TIMEOUT_ATTACH_NS;

	memset(run, 0, sizeof *run);
	run->o = o;
	run->sigfd = -1;
	run->tty = isatty(STDERR_FILENO) && !o->dump;
	procset_init(&run->ps, o->subprocesses, wait);
	stacks_init(&run->st, o->writer && o->writer->timeline);
	describe_target(o, run->target, sizeof run->target);
	histo_init(&run->stopped);
	histo_init(&run->cycle);
	run->sp = (struct sampling){
		.st = &run->st, .all_threads = o->threads, .nonblocking = o->nonblocking,
		.native = o->native,
		.exclude_idle = o->exclude_idle, .qualnames = o->qualnames,
		.roots = o->subprocesses, .abi = o->abi,
		.stopped = &run->stopped, .cycle = &run->cycle,
	};
}

static void run_release(struct run *run)
{
	procset_release(&run->ps);
	stacks_release(&run->st);
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
	struct target *root = procset_root(&run->ps);
	int status;

	for (;;) {
		if ((status = locate(run)) != 0 ||
		    (!run->out && (status = open_output(run)) != 0))
			return status;
		run->python_version = root->loc.version;
		run->start_ns = now_ns(CLOCK_MONOTONIC);
		run->start_wall_us = now_ns(CLOCK_REALTIME) / 1000;
		if (run->o->dump)
			return dump(run);
		sample_loop(run);
		if (run->passes > 0 || target_exec(root, 0) < 0)
			return 0;
	}
}

int sampler_run(const struct options *o)
{
	struct run run;
	int status;
	bool spawned;

	run_init(&run, o);
	status = signals_setup(&run);
	if (status == 0)
		status = start_target(&run);
	if (status == 0)
		status = profile(&run);
	procset_detach(&run.ps);	/* first of all: every process runs on whatever happened */
	if (status == 0 && !o->dump)
		status = write_profile(&run);
	spawned = root_tracee(&run)->spawned;
	if (spawned && status == 0)
		status = child_status(&run);
	else if (spawned)
		end_child(&run);
	run_release(&run);
	return status;
}
