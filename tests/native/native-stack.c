/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native-stack.c - attach to a process, stop it, unwind every thread's
 * native stack with the library's unwinder and print each frame as pyflame
 * renders it; or time the unwinds. For the end-to-end tests.
 *
 *   native-stack [--raw] PID         one snapshot
 *   native-stack --bench N PID       N snapshots: median CPU per unwind
 *
 * Output of a snapshot: per thread a line "thread TID whole|cut DEPTH
 * busy|idle STATE CPU_US" (busy: on a CPU in the 20 ms before the stop,
 * from cpustate.h; STATE: its state letter then; CPU_US: its CPU time in
 * those 20 ms), then one line per frame,
 * innermost first: two spaces and the rendered
 * frame; with --raw, then a tab, the object's path, a tab, the address
 * in the object (0x..., link-time) and, for unnamed code split off the
 * eval loop (native_follow), a tab and "part_of=NAME".
 */
#include "compat.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpustate.h"
#include "err.h"
#include "native.h"
#include "ptrace.h"
#include "remote.h"
#include "render.h"
#include "stacks.h"

#define MAX_FRAMES 512

struct run {
	struct tracee t;
	struct remote r;
	struct native n;
	struct native_copy copy;	/* of the thread being unwound */
	struct stacks st;
	struct cpustate cpu;
	bool raw;
};

#define LOOK_GAP_US 20000	/* between the two looks at the threads */

static int die(const char *what)
{
	fprintf(stderr, "native-stack: %s: %s\n", what, pf_last_error());
	return 1;
}

static uint32_t intern(struct run *run, const struct native_frame *f)
{
	const char *sym = f->symbol ? f->symbol : "";
	struct frame fr = {
		.kind = FRAME_NATIVE,
		.file = stacks_intern_str(&run->st, f->object, strlen(f->object)),
		.name = stacks_intern_str(&run->st, sym, strlen(sym)),
		.offset = f->offset,
	};

	return stacks_intern_frame(&run->st, &fr);
}

/* Print one thread's frames through the renderer. */
static void print_thread(struct run *run, pid_t tid, const uint64_t *pcs, size_t n, bool whole)
{
	uint32_t ids[MAX_FRAMES];
	struct render rd;

	for (size_t i = 0; i < n; i++) {
		struct native_frame f;

		native_name(&run->n, pcs[i], &f);
		ids[i] = intern(run, &f);
	}
	const struct cpustate_thread *ct = cpustate_thread(&run->cpu, tid);

	render_build(&rd, &run->st, 0);
	printf("thread %d %s %zu %s %c %" PRIu64 "\n", (int)tid, whole ? "whole" : "cut", n,
	       ct && ct->busy ? "busy" : "idle", ct ? ct->state : '?',
	       ct ? ct->delta_ns / 1000 : 0);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *text = render_frame(&rd, ids[i], &len);
		const char *path;
		uint64_t vaddr;

		struct native_frame f;

		native_name(&run->n, pcs[i], &f);
		printf("  %.*s", (int)len, text);
		if (run->raw && native_locate(&run->n, pcs[i], &path, &vaddr) == 0)
			printf("\t%s\t0x%" PRIx64, path, vaddr);
		if (run->raw && f.part_of)
			printf("\tpart_of=%s", f.part_of);
		printf("\n");
	}
	render_release(&rd);
}

static double now_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Unwind every held thread; print it, or add its CPU time to `times`. */
static int unwind_all(struct run *run, double *times, size_t *ntimes, size_t *frames)
{
	for (size_t i = 0; i < run->t.nthreads; i++) {
		pid_t tid = run->t.threads[i].tid;
		uint64_t pcs[MAX_FRAMES];
		struct regs regs;
		size_t n;
		bool whole;
		double t0;

		if (tracee_regs(&run->t, tid, &regs) < 0)
			continue;	// not held this time: counted as no sample
		t0 = now_cpu_us();
		if (native_copy(&run->n, &regs, &run->copy) < 0 ||
		    native_unwind(&run->n, &run->copy, pcs, MAX_FRAMES, &n, &whole) < 0)
			continue;
		if (times) {
			times[(*ntimes)++] = now_cpu_us() - t0;
			*frames += n;
		} else {
			print_thread(run, tid, pcs, n, whole);
		}
	}
	return 0;
}

/* Which threads ran in the LOOK_GAP_US before now (cpustate.h). */
static void look_at_threads(struct run *run)
{
	cpustate_init(&run->cpu, run->t.pid);
	for (size_t i = 0; i < run->t.nthreads; i++)
		cpustate_add(&run->cpu, run->t.threads[i].tid);
	cpustate_sample(&run->cpu);
	usleep(LOOK_GAP_US);
	cpustate_sample(&run->cpu);
}

/* Stop every thread; a thread that did not stop in time (busy in the
 * kernel) is waited for again, a few times. */
static int stop(struct run *run)
{
	int rc = -PF_ETORN;

	for (int i = 0; i < 20 && rc == -PF_ETORN; i++) {
		if ((rc = tracee_stop(&run->t)) == -PF_ETORN)
			tracee_resume(&run->t);
	}
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int bench(struct run *run, long rounds)
{
	double *times = calloc((size_t)rounds * 64, sizeof *times);
	size_t ntimes = 0, frames = 0;

	if (!times)
		return 1;
	for (long k = 0; k < rounds; k++) {
		if (tracee_stop(&run->t) < 0 || run->t.nthreads > 64) {
			tracee_resume(&run->t);
			continue;
		}
		unwind_all(run, times, &ntimes, &frames);
		tracee_resume(&run->t);
	}
	qsort(times, ntimes, sizeof *times, cmp_double);
	printf("unwinds %zu median_us %.2f p90_us %.2f mean_depth %.1f table_searches %" PRIu64
	       "\n", ntimes, ntimes ? times[ntimes / 2] : 0.0,
	       ntimes ? times[ntimes * 9 / 10] : 0.0,
	       ntimes ? (double)frames / (double)ntimes : 0.0, run->n.table_searches);
	free(times);
	return ntimes ? 0 : 1;
}

/* The PID argument (0 if missing or bad), after --raw / --bench N. */
static pid_t parse_args(int argc, char **argv, bool *raw, long *rounds)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--raw") == 0)
			*raw = true;
		else if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc)
			*rounds = strtol(argv[++i], NULL, 10);
		else
			return 0;
	}
	if (i + 1 != argc)
		return 0;
	return (pid_t)strtol(argv[i], NULL, 10);
}

int main(int argc, char **argv)
{
	struct run run;
	long rounds = 0;
	pid_t pid;
	int status;

	memset(&run, 0, sizeof run);
	if ((pid = parse_args(argc, argv, &run.raw, &rounds)) <= 0) {
		fprintf(stderr, "usage: native-stack [--raw | --bench N] PID\n");
		return 2;
	}
	tracee_init(&run.t);
	stacks_init(&run.st, false);
	if (remote_open(&run.r, pid) < 0)
		return die("cannot read the process");
	if (native_open(&run.n, pid, &run.r) < 0)
		return die("cannot prepare unwinding");
	native_follow(&run.n, "_PyEval_EvalFrameDefault");	// 3.6+
	native_follow(&run.n, "PyEval_EvalFrameEx");		// 2.7
	if (tracee_attach(&run.t, pid) < 0)
		return die("cannot attach");
	if (rounds > 0) {
		status = bench(&run, rounds);
	} else {
		look_at_threads(&run);
		status = stop(&run) < 0 ? die("cannot stop the process") :
			 unwind_all(&run, NULL, NULL, NULL);
		tracee_resume(&run.t);
		cpustate_release(&run.cpu);
	}
	tracee_detach(&run.t);
	tracee_release(&run.t);
	native_copy_release(&run.copy);
	native_close(&run.n);
	remote_close(&run.r);
	stacks_release(&run.st);
	return status;
}
