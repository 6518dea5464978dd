/* SPDX-License-Identifier: Apache-2.0 */
/*
 * top-driver.c - the --top view driven as the sampling loop drives it
 * (topview.h), for the end-to-end tests to run in a real terminal:
 *
 *   top-driver --synthetic [-r SECS] [-s SECS]
 *       samples made up at the rate: 60 % in busy <- caller <- main,
 *       30 % in helper <- caller <- main, 10 % idle (own and total sort
 *       these differently);
 *   top-driver [-r SECS] [-s SECS] [--threads] [-x] [-n] PID
 *       samples of a live target, read without stopping it (as
 *       --nonblocking reads), its GIL holder or --threads all threads.
 *
 * The wait between samples watches the keys (top_fd) and a signalfd of
 * SIGINT, SIGTERM and SIGHUP; q or a signal ends it with status 0, the
 * target's end too, leaving the last table on the screen with a line
 * saying so. --stats FILE writes there, at the end, "cpu_us=C
 * view_cpu_us=V draws=D samples=S wall_us=W": the process's CPU time, the
 * part spent in the view's functions, the redraws, the samples, the run.
 */
#include "compat.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "pylocate.h"
#include "pyversion.h"
#include "pywalk.h"
#include "topview.h"

#define NSEC 1000000000ull
#define TRIES 16		/* captures of a changing stack before giving up */

struct args {
	pid_t pid;
	bool synthetic, threads, exclude_idle, lines;
	double rate, seconds;
	const char *stats;
};

struct run {
	struct args a;
	struct stacks st;
	struct top top;
	struct remote r;
	struct pyloc loc;
	struct pywalk w;
	struct pysample s;
	uint32_t fake[4][3], origin;	/* --synthetic: three stacks */
	uint64_t samples, view_ns, k;
	char title[128];
};

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static int parse(int argc, char **argv, struct args *a)
{
	*a = (struct args){ .rate = 0.01, .seconds = -1, .lines = true };
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--synthetic"))
			a->synthetic = true;
		else if (!strcmp(argv[i], "--threads"))
			a->threads = true;
		else if (!strcmp(argv[i], "-x"))
			a->exclude_idle = true;
		else if (!strcmp(argv[i], "-n"))
			a->lines = false;
		else if (!strcmp(argv[i], "-r") && v && ++i)
			a->rate = atof(v);
		else if (!strcmp(argv[i], "-s") && v && ++i)
			a->seconds = atof(v);
		else if (!strcmp(argv[i], "--stats") && v && ++i)
			a->stats = v;
		else if (argv[i][0] != '-')
			a->pid = (pid_t)atoi(argv[i]);
		else
			return -1;
	}
	return a->rate > 0 && (a->synthetic || a->pid > 0) ? 0 : -1;
}

static uint32_t fake_frame(struct stacks *st, const char *name, int line)
{
	return stacks_intern_pyframe(st, stacks_intern_str(st, "synthetic.py", 12),
				     stacks_intern_str(st, name, strlen(name)), line);
}

static void synthetic_setup(struct run *run)
{
	static const struct origin o = { 1, 1, 1, 0 };
	uint32_t main_ = fake_frame(&run->st, "main", 30), caller = fake_frame(&run->st, "caller", 20);

	run->fake[0][0] = fake_frame(&run->st, "busy", 5);
	run->fake[1][0] = fake_frame(&run->st, "helper", 12);
	for (int i = 0; i < 2; i++) {
		run->fake[i][1] = caller;
		run->fake[i][2] = main_;
	}
	run->origin = stacks_intern_origin(&run->st, &o);
	snprintf(run->title, sizeof run->title, "synthetic samples");
}

/* Sample k of the made-up run: 6 in 10 busy, 3 helper, 1 idle. */
static void synthetic_sample(struct run *run)
{
	unsigned which = (unsigned)(run->k++ % 10);

	if (which < 9)
		top_add_stack(&run->top, run->fake[which < 6 ? 0 : 1], 3, run->origin, true);
	top_end_sample(&run->top, which < 9 ? TOP_SAMPLE_STACKS : TOP_SAMPLE_IDLE);
}

static int target_setup(struct run *run)
{
	char version[32];
	int rc = -PF_ENOENT;

	if ((rc = remote_open(&run->r, run->a.pid)) < 0)
		return rc;
	for (int i = 0; i < 200 && (rc = pylocate(run->a.pid, &run->r, 0, &run->loc)) == -PF_ENOENT; i++)
		usleep(10000);
	if (rc < 0)
		return rc;
	pywalk_init(&run->w, &run->r, &run->loc, &run->st, false);
	pysample_init(&run->s);
	pyversion_format(run->loc.version, version, sizeof version);
	snprintf(run->title, sizeof run->title, "PID %d (Python %s)", (int)run->a.pid, version);
	return 0;
}

static bool target_gone(pid_t pid)
{
	char state;

	return proc_task_state(pid, pid, &state) < 0 || state == 'Z' || state == 'X';
}

/* One sample of the running target; -PF_EGONE once it has ended. */
static int target_sample(struct run *run)
{
	int rc = -PF_ETORN, stacks = 0;
	uint64_t c0;

	for (int i = 0; i < TRIES && rc == -PF_ETORN; i++) {
		rc = pywalk_capture(&run->w, run->a.threads, &run->s);
		if (rc == 0 && !run->s.whole)
			rc = -PF_ETORN;
	}
	if (rc == -PF_EGONE || (rc < 0 && target_gone(run->a.pid)))
		return -PF_EGONE;
	if (rc < 0) {
		top_end_sample(&run->top, TOP_SAMPLE_FAILED);
		return 0;
	}
	pywalk_resolve(&run->w, &run->s);
	c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	for (size_t i = 0; i < run->s.nthreads; i++) {
		const struct pythread *t = &run->s.threads[i];
		const struct origin o = { run->a.pid, (int32_t)t->native_id, t->thread_id, 0 };

		if (!t->depth)
			continue;
		top_add_stack(&run->top, run->s.frames + t->first, t->depth,
			      stacks_intern_origin(&run->st, &o), t->holds_gil);
		stacks++;
	}
	top_end_sample(&run->top, stacks ? TOP_SAMPLE_STACKS : TOP_SAMPLE_IDLE);
	run->view_ns += clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	return 0;
}

/* A sample, the view's part timed (CPU). */
static int sample(struct run *run)
{
	uint64_t c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	int rc = 0;

	if (run->a.synthetic)
		synthetic_sample(run);
	else
		rc = target_sample(run);
	run->samples++;
	run->view_ns += run->a.synthetic ? clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0 : 0;
	return rc;
}

static int signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Wait until `deadline` or an event: 1 for keys, 2 for a signal, 0 else. */
static int wait_event(struct run *run, int sigfd, uint64_t deadline)
{
	struct pollfd fds[2] = { { top_fd(&run->top), POLLIN, 0 }, { sigfd, POLLIN, 0 } };
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	uint64_t left = deadline > now ? deadline - now : 0;
	struct timespec ts = { (time_t)(left / NSEC), (long)(left % NSEC) };

	if (ppoll(fds, 2, &ts, NULL) <= 0)
		return 0;
	if (fds[1].revents)
		return 2;
	return fds[0].revents ? 1 : 0;
}

/* The loop; the reason it ended, for the last screen (NULL: none). */
static const char *loop(struct run *run, int sigfd, uint64_t start)
{
	uint64_t interval = (uint64_t)(run->a.rate * NSEC), next = start, c0;
	uint64_t end = run->a.seconds >= 0 ? start + (uint64_t)(run->a.seconds * NSEC) : UINT64_MAX;
	static char why[128];

	for (;;) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		int ev;

		if (now >= end)
			return NULL;
		if (now >= next) {
			if (sample(run) == -PF_EGONE) {
				snprintf(why, sizeof why, "PID %d has exited: the table above is its last",
					 (int)run->a.pid);
				return why;
			}
			while (next <= now)
				next += interval;	/* missed deadlines are skipped */
		}
		c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		top_tick(&run->top, clock_ns(CLOCK_MONOTONIC));
		run->view_ns += clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
		ev = wait_event(run, sigfd, next < top_next_tick(&run->top) ? next : top_next_tick(&run->top));
		if (ev == 2)
			return NULL;
		c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		if (ev == 1 && top_input(&run->top, clock_ns(CLOCK_MONOTONIC)) == TOP_QUIT)
			return NULL;
		run->view_ns += clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	}
}

static void write_stats(const struct run *run, uint64_t start)
{
	struct rusage ru;
	FILE *f = fopen(run->a.stats, "w");

	if (!f)
		return;
	getrusage(RUSAGE_SELF, &ru);
	fprintf(f, "cpu_us=%llu view_cpu_us=%llu draws=%llu samples=%llu wall_us=%llu\n",
		(unsigned long long)(ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec +
				     ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec),
		(unsigned long long)(run->view_ns / 1000), (unsigned long long)run->top.draws,
		(unsigned long long)run->samples,
		(unsigned long long)((clock_ns(CLOCK_MONOTONIC) - start) / 1000));
	fclose(f);
}

int main(int argc, char **argv)
{
	struct run run;
	struct top_options o;
	uint64_t start;
	int sigfd, rc;

	memset(&run, 0, sizeof run);
	if (parse(argc, argv, &run.a) < 0) {
		fprintf(stderr, "usage: top-driver (--synthetic | PID) [-r SECS] [-s SECS] "
				"[--threads] [-x] [-n] [--stats FILE]\n");
		return 2;
	}
	stacks_init(&run.st, false);
	if (run.a.synthetic)
		synthetic_setup(&run);
	else if ((rc = target_setup(&run)) < 0) {
		fprintf(stderr, "top-driver: %s\n", pf_last_error());
		return 1;
	}
	o = (struct top_options){ (uint64_t)(run.a.rate * NSEC), run.a.lines, run.a.exclude_idle,
				  run.title };
	sigfd = signals();
	start = clock_ns(CLOCK_MONOTONIC);
	if ((rc = top_open(&run.top, &run.st, &o, stdout, stdin, start)) < 0) {
		top_close(&run.top, NULL);
		fprintf(stderr, "top-driver: %s; --top draws in a terminal: run it in one, "
				"or leave --top out to write a profile (-o FILE)\n", pf_last_error());
		return 1;
	}
	top_close(&run.top, loop(&run, sigfd, start));
	if (run.a.stats)
		write_stats(&run, start);
	return 0;
}
