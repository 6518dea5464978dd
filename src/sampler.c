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
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "explain.h"
#include "histo.h"
#include "dumpmodel.h"
#include "output.h"
#include "proc.h"
#include "ptrace.h"
#include "procset.h"
#include "pyversion.h"
#include "sampler.h"
#include "stacks.h"
#include "strbuf.h"
#include "topview.h"
#include "xalloc.h"

#define LOCATE_TIMEOUT_ATTACH_NS (1 * NSEC)
#define LOCATE_TIMEOUT_TRACE_NS (5 * NSEC)
#define LOCATE_RETRY_NS (1000000ull)
#define PROGRESS_EVERY_NS (NSEC / 4)
#define SLEEP_MIN_NS 5000ull	/* a shorter wait is not worth a sleep */
#define PRIORITY_BOOST (-10)	/* nice value, where permitted */
#define PASS_WAIT_NS (100 * NSEC / 1000)	/* for the processes of a pass to stop */

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
	char target[512];		/* "PID N" or the command, for the writers */
	struct histo stopped;		/* all threads held, until resumed */
	struct histo cycle;		/* from the interrupt until resumed */
	struct target **todo;		/* scratch: the targets of a pass not read yet */
	size_t todo_cap;
	struct top view;		/* --top */
	bool viewing;			/* view open: it owns the terminal */
	char view_title[600];		/* the view's first line (it borrows it) */
	char view_end_buf[600];		/* why the view closed, for its last screen */
	uint64_t view_draws;		/* --top: redraws made */
	uint64_t view_cpu0_ns;		/* --top: our CPU time when the view opened */
	uint64_t *before;		/* --top: scratch, each process's counts before a pass */
	size_t before_cap;
};

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

/* The view's part of a wake-up: keys waiting (`keys`), then a redraw if
 * one is due. Returns WAIT_STOP for q. */
static enum wait_result view_wake(struct run *run, bool keys)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC);

	if (!run->viewing)
		return WAIT_DEADLINE;
	if (keys && top_input(&run->view, now) == TOP_QUIT)
		return WAIT_STOP;
	top_tick(&run->view, now);
	return WAIT_DEADLINE;
}

/*
 * wait_until - let the target run until the absolute CLOCK_MONOTONIC time
 * `deadline`, handling its events meanwhile (and, with --top, the view's
 * keys and redraws). A late deadline returns at once, once pending signals
 * are seen to, and so does one due in less time than a sleep and wake-up
 * take. One ppoll per wait in the usual case; the timer slack is 1 ns (set
 * in signals_setup) so the wake-up is on time.
 */
static enum wait_result wait_until(struct run *run, uint64_t deadline)
{
	struct pollfd fd[2] = { { run->sigfd, POLLIN, 0 },
				{ run->viewing ? top_fd(&run->view) : -1, POLLIN, 0 } };
	enum wait_result res;

	for (;;) {
		uint64_t now = now_ns(CLOCK_MONOTONIC), wake = deadline;
		uint64_t left, redraw = run->viewing ? top_next_tick(&run->view) : UINT64_MAX;
		struct timespec ts;
		int n;

		if (redraw < wake)
			wake = redraw > now ? redraw : now;
		left = wake > now + SLEEP_MIN_NS ? wake - now : 0;
		ts = (struct timespec){ (time_t)(left / NSEC), (long)(left % NSEC) };
		n = ppoll(fd, 2, &ts, NULL);
		if (n < 0 && errno != EINTR)
			return WAIT_STOP;
		if (n > 0 && fd[0].revents && (res = read_signals(run)) != WAIT_DEADLINE)
			return res;
		if (view_wake(run, n > 0 && fd[1].revents) == WAIT_STOP)
			return WAIT_STOP;
		if (now_ns(CLOCK_MONOTONIC) + SLEEP_MIN_NS >= deadline)
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

/*
 * A process stays stopped while pyflame, preempted, holds it: on a machine
 * with more runnable threads than CPUs that is tens of milliseconds. Where
 * permitted, run ahead of them (nice PRIORITY_BOOST); pyflame's own CPU use
 * is small. After a -t child was started, so that it does not inherit this.
 */
static void run_ahead(void)
{
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);

	if (errno == 0 && nice > PRIORITY_BOOST)
		setpriority(PRIO_PROCESS, 0, PRIORITY_BOOST);
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
	run_ahead();
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
 * With --subprocesses the root need not run Python (a shell, a launcher):
 * the run starts once any process of the tree is sampled, or once the root
 * is known not to be Python (its descendants are still looked for).
 */
static bool tree_ready(const struct procset *ps)
{
	if (!ps->follow)
		return false;
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i]->state == TARGET_SAMPLING)
			return true;
	return ps->n && ps->v[0]->state == TARGET_SKIPPED;
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
		if (root->state == TARGET_SAMPLING || tree_ready(&run->ps))
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
 * A pass over several processes: every one is asked to stop first, then
 * each is read as soon as it has stopped, in the order they stop, so that
 * none is held while another is waited for. After PASS_WAIT_NS the rest
 * are read in turn (each waits for its stop, up to its own timeout).
 */
static void sample_as_stopped(struct run *run, uint64_t ts_us, bool *exec)
{
	uint64_t give_up = now_ns(CLOCK_MONOTONIC) + PASS_WAIT_NS;
	size_t left = 0;
	unsigned round = 0;

	XGROW(run->todo, run->todo_cap, run->ps.n);
	for (size_t i = 0; i < run->ps.n; i++)
		if (run->ps.v[i]->state == TARGET_SAMPLING) {
			target_arm(run->ps.v[i], &run->sp);
			run->todo[left++] = run->ps.v[i];
		}
	while (left) {
		bool late = now_ns(CLOCK_MONOTONIC) >= give_up, any = false;

		for (size_t i = 0; i < left;) {
			if (!late && !target_ready(run->todo[i])) {
				i++;
				continue;
			}
			if (target_sample(run->todo[i], &run->sp, ts_us) == -PF_EEXEC)
				*exec = true;
			run->todo[i] = run->todo[--left];
			any = true;
		}
		if (left && !any && tracer_await(&run->ps.tr, round++) > 0)
			round = 0;
	}
}

/*
 * The view's sample of a pass: what the processes' samples were (their
 * counts before it in `before`), stacks if any had one.
 */
static void view_sample(struct run *run, const uint64_t *before)
{
	uint64_t stacks = 0, failed = 0, any = 0;

	for (size_t i = 0; i < run->ps.n; i++) {
		const struct target_stats *s = &run->ps.v[i]->stats;
		uint64_t n = s->samples - before[3 * i], idle = s->idle - before[3 * i + 1];
		uint64_t f = s->failed - before[3 * i + 2];

		any += n;
		failed += f;
		stacks += n - idle - f;
	}
	if (!any)
		return;
	top_end_sample(&run->view, stacks ? TOP_SAMPLE_STACKS :
				   failed ? TOP_SAMPLE_FAILED : TOP_SAMPLE_IDLE);
	top_tick(&run->view, now_ns(CLOCK_MONOTONIC));
}

/*
 * One pass: a sample of every process being sampled. With several, the
 * threads to hold in each are asked to stop first, so that they stop
 * together. A process that ended or exec'd meanwhile is seen to by the
 * next service(). Returns false when the run is over.
 */
static bool take_samples(struct run *run)
{
	uint64_t ts_us = now_ns(CLOCK_REALTIME) / 1000;
	uint64_t *before = NULL;
	bool exec = false;

	if (run->viewing) {
		XGROW(run->before, run->before_cap, 3 * run->ps.n + 1);
		before = run->before;
		for (size_t i = 0; i < run->ps.n; i++) {
			const struct target_stats *st = &run->ps.v[i]->stats;

			before[3 * i] = st->samples;
			before[3 * i + 1] = st->idle;
			before[3 * i + 2] = st->failed;
		}
	}

	run->passes++;
	if (run->ps.n > 1 && !run->o->nonblocking) {
		sample_as_stopped(run, ts_us, &exec);
	} else {
		for (size_t i = 0; i < run->ps.n; i++) {
			struct target *tg = run->ps.v[i];

			if (tg->state == TARGET_SAMPLING &&
			    target_sample(tg, &run->sp, ts_us) == -PF_EEXEC)
				exec = true;
		}
	}
	if (before)
		view_sample(run, before);
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
 * first; a root that is not Python has none), then the whole run's. */
static void print_stats(const struct run *run)
{
	const struct procset *ps = &run->ps;
	struct target_stats s;

	for (size_t i = 0; run->o->subprocesses && i < ps->nended; i++)
		print_process(ps->ended[i].pid, &ps->ended[i].stats);
	for (size_t i = 0; run->o->subprocesses && i < ps->n; i++)
		if (ps->v[i]->stats.samples)
			print_process(ps->v[i]->t->pid, &ps->v[i]->stats);
	procset_stats(ps, &s);
	fprintf(stderr, "pyflame: stats: ");
	print_counts(&s);
	fprintf(stderr, " late=%llu retries=%llu trimmed=%llu held_one=%llu "
		"stopped_us_median=%.1f stopped_us_p99=%.1f stopped_us_max=%.1f "
		"cycle_us_median=%.1f native_late=%llu native_lost=%llu\n",
		(unsigned long long)run->late,
		(unsigned long long)s.retries, (unsigned long long)s.trimmed,
		(unsigned long long)s.held_one,
		us(histo_quantile(&run->stopped, 0.5)), us(histo_quantile(&run->stopped, 0.99)),
		us(run->stopped.max_ns), us(histo_quantile(&run->cycle, 0.5)),
		(unsigned long long)s.native_late, (unsigned long long)s.lost);
}

/*
 * --top: take the terminal for the view, titled with the target and its
 * interpreter. The progress line is off while the view is open.
 */
static int view_open(struct run *run)
{
	const struct options *o = run->o;
	char python[32];
	struct top_options to;

	snprintf(python, sizeof python, "?");
	if (run->ps.nknown)
		pyversion_format(run->ps.known[0].version, python, sizeof python);
	snprintf(run->view_title, sizeof run->view_title, "%.500s (Python %s)", run->target,
		 python);
	to = (struct top_options){ o->interval_ns, o->line_numbers, o->exclude_idle,
				   run->view_title };
	run->sp.view = &run->view;
	run->tty = false;
	run->view_cpu0_ns = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	if (top_open(&run->view, &run->st, &to, stdout, stdin, now_ns(CLOCK_MONOTONIC)) < 0) {
		top_close(&run->view, NULL);
		run->sp.view = NULL;
		return fail("pyflame: %s", pf_last_error());
	}
	run->viewing = true;
	return 0;
}

/* Give the terminal back: with the target gone, its last table stays. */
static void view_close(struct run *run, bool gone)
{
	if (!run->viewing)
		return;
	run->view_draws = run->view.draws;
	if (gone)
		snprintf(run->view_end_buf, sizeof run->view_end_buf,
			 "%.500s has exited: the table above is its last", run->target);
	top_close(&run->view, gone ? run->view_end_buf : NULL);
	run->viewing = false;
	run->sp.view = NULL;
}

/* --top --stats, once the view is closed: its redraws, and our CPU time
 * (sampling and view together) since the view opened, over the same wall
 * time. */
static void print_view_stats(const struct run *run)
{
	double secs = (double)(now_ns(CLOCK_MONOTONIC) - run->start_ns) / NSEC;
	double cpu = (double)(now_ns(CLOCK_PROCESS_CPUTIME_ID) - run->view_cpu0_ns) / NSEC;

	fprintf(stderr, "pyflame: view stats: draws=%llu seconds=%.2f draws_per_s=%.2f "
		"cpu_s=%.3f cpu_share=%.2f%%\n", (unsigned long long)run->view_draws, secs,
		secs > 0 ? (double)run->view_draws / secs : 0.0, cpu,
		secs > 0 ? 100.0 * cpu / secs : 0.0);
}

static void sample_loop(struct run *run)
{
	const struct options *o = run->o;
	bool forever = o->seconds < 0 || o->trace_argv;
	uint64_t end = run->start_ns + (forever ? 0 : (uint64_t)(o->seconds * NSEC + 0.5));
	uint64_t k = 0, next;
	bool gone = false;
	enum wait_result res;

	run->started = true;
	for (;;) {
		if (!take_samples(run)) {
			gone = true;
			break;
		}
		if (o->seconds == 0)
			break;
		next = next_deadline(run, &k);
		if (!forever && next >= end) {
			gone = wait_until(run, end) == WAIT_GONE;	/* -s is how long the run lasts */
			break;
		}
		if ((res = wait_until(run, next)) != WAIT_DEADLINE) {
			gone = res == WAIT_GONE;
			break;
		}
		progress(run, false);
	}
	view_close(run, gone);
}

/* A thread's stack for -d, counted; its thread's root, if any, ends it
 * (out_dump's header takes it from there). */
static uint32_t dump_stack(struct run *run, struct target *tg, const struct pythread *t,
			   const uint32_t *frames, size_t depth)
{
	uint32_t origin = target_origin(tg, &run->st, t);
	uint32_t root = target_thread_root(tg, &run->sp, t, origin);
	uint32_t *all = xmalloc((depth + 1) * sizeof *all), id;

	memcpy(all, frames, depth * sizeof *all);
	all[depth] = root;
	id = stacks_add(&run->st, all, depth + (root != UINT32_MAX), origin, 1, 0);
	free(all);
	return id;
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
		dt[n++].stack = dump_stack(run, tg, t, frames, depth);
	}
	rc = out_dump(run->out, &run->st, dt, n);
	free(dt);
	return rc < 0 ? fail("pyflame: %s", pf_last_error()) : 0;
}

/* The processes a dump shows: the root, and with --subprocesses every
 * process found Python. */
static bool dumped(const struct run *run, size_t i)
{
	return i == 0 || (run->o->subprocesses && run->ps.v[i]->state == TARGET_SAMPLING);
}

/* -d --locals / --json of one process: its dump model, in `m`. */
static int inspect_target(struct run *run, struct target *tg, struct dumpmodel *m)
{
	char python[32];
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);

	if (target_inspect(tg, &run->sp, run->o->locals) < 0)
		return fail("Failed to read the stacks of PID %d: %s", (int)tg->t->pid,
			    pf_last_error());
	pyversion_format(tg->loc.version, python, sizeof python);
	inspect_model(&tg->in, &run->st, &tg->s, python, m);
	if (run->o->stats)
		fprintf(stderr, "pyflame: process %d dump stats: held_us=%.1f total_us=%.1f "
			"held_cpu_us=%.1f total_cpu_us=%.1f\n", (int)tg->t->pid, us(tg->held_ns),
			us(now_ns(CLOCK_MONOTONIC) - t0), us(tg->held_cpu_ns),
			us(now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0));
	return 0;
}

/* -d --json: one document, the root's; with --subprocesses the others'
 * under "subprocesses" (docs/dump-json.md). */
static int dump_json(struct run *run)
{
	struct dumpmodel *m = xcalloc(run->ps.n, sizeof *m);
	size_t n = 0;
	int status = 0, rc = 0;

	for (size_t i = 0; i < run->ps.n && !status; i++)
		if (dumped(run, i))
			status = inspect_target(run, run->ps.v[i], &m[n++]);
	if (!status)
		rc = run->o->subprocesses ? out_dump_json_processes(run->out, m, n) :
					    out_dump_json(run->out, &m[0]);
	for (size_t i = 0; i < n - (status != 0); i++)
		dumpmodel_release(&m[i]);
	free(m);
	if (rc < 0)
		return fail("pyflame: %s", pf_last_error());
	return status;
}

/* -d --locals as text: a process's dump with each frame's variables. */
static int dump_text(struct run *run, struct target *tg)
{
	struct dumpmodel m;
	int rc;

	if (inspect_target(run, tg, &m) != 0)
		return 1;
	rc = out_dump_text(run->out, &m);
	dumpmodel_release(&m);
	return rc < 0 ? fail("pyflame: %s", pf_last_error()) : 0;
}

/* -d: the root, and with --subprocesses every process found Python, each
 * headed by its label. */
static int dump(struct run *run)
{
	int status = 0;

	if (run->o->json)
		return dump_json(run);
	for (size_t i = 0; i < run->ps.n && !status; i++) {
		struct target *tg = run->ps.v[i];

		if (!dumped(run, i))
			continue;
		if (run->o->subprocesses)
			fprintf(run->out, "%s%s:\n", i ? "\n" : "", tg->label);
		status = run->o->locals ? dump_text(run, tg) : dump_target(run, tg);
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
	if (run->ps.nknown)	/* the first interpreter found */
		pyversion_format(run->ps.known[0].version, m->python, sizeof m->python);
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
	run->tty = isatty(STDERR_FILENO) && !o->dump && !o->top;
	procset_init(&run->ps, o->subprocesses, wait);
	stacks_init(&run->st, o->writer && o->writer->timeline);
	describe_target(o, run->target, sizeof run->target);
	histo_init(&run->stopped);
	histo_init(&run->cycle);
	run->sp = (struct sampling){
		.st = &run->st, .all_threads = o->threads, .nonblocking = o->nonblocking,
		.native = o->native,
		.exclude_idle = o->exclude_idle, .qualnames = o->qualnames,
		.roots = o->subprocesses, .thread_names = o->thread_names, .abi = o->abi,
		.stopped = &run->stopped, .cycle = &run->cycle,
	};
}

static void run_release(struct run *run)
{
	procset_release(&run->ps);
	stacks_release(&run->st);
	free(run->todo);
	free(run->before);
	if (run->out && run->out != stdout)
		fclose(run->out);
	signals_restore(run);
}

/*
 * Everything between a successful attach and the detach. An exec met before
 * the first sample belongs to start-up (the new image can be mapped, and
 * found, before its exec stop is reported: the pass that meets that stop
 * counts no sample): locate again in the new program.
 */
static int profile(struct run *run)
{
	struct target *root = procset_root(&run->ps);
	int status;

	for (;;) {
		if ((status = locate(run)) != 0 ||
		    (!run->out && (status = open_output(run)) != 0))
			return status;
		run->start_ns = now_ns(CLOCK_MONOTONIC);
		run->start_wall_us = now_ns(CLOCK_REALTIME) / 1000;
		if (run->o->dump)
			return dump(run);
		if (run->o->top && (status = view_open(run)) != 0)
			return status;
		sample_loop(run);
		if (root->stats.samples > 0 || target_exec(root, 0) < 0)
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
	view_close(&run, false);	/* if an error left it open */
	if (status == 0 && run.started) {	/* stderr may block: only once detached */
		progress(&run, true);
		if (o->stats)
			print_stats(&run);
		if (o->stats && o->top)
			print_view_stats(&run);
	}
	if (status == 0 && !o->dump && !o->top)
		status = write_profile(&run);
	spawned = root_tracee(&run)->spawned;
	if (spawned && status == 0)
		status = child_status(&run);
	else if (spawned)
		end_child(&run);
	run_release(&run);
	return status;
}
