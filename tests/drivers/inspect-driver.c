/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inspect-driver.c - one look inside a running process, through the same
 * modules and in the same order that -d --locals / -d --json take inside
 * pyflame: attach, locate, list the threads (inspect_before), stop, walk
 * (pywalk_capture), read what the frames hold (inspect_held), resume,
 * name the frames (pywalk_resolve), build the model, write it, detach.
 * The end-to-end tests run it against targets with known variables.
 *
 *   inspect-driver [--locals] [--json] [--width N] [--timing] PID
 *
 * --timing adds a line on stderr: "held_us=H held_cpu_us=HC total_us=T
 * total_cpu_us=TC pages=P reads=R": the target held from the stop to the
 * resume; everything from the thread list before the stop to the written
 * document (wall time, and our CPU time of each); the pages copied and the
 * reads of the target that copied them, and the spans read exactly (not
 * as whole pages).
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "inspect.h"
#include "output.h"
#include "ptrace.h"
#include "pylocate.h"
#include "pyversion.h"

struct args {
	bool locals, json, timing;
	unsigned width;
	pid_t pid;
};

static uint64_t clock_us(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t now_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

static int parse(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof *a);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--locals") == 0)
			a->locals = true;
		else if (strcmp(argv[i], "--json") == 0)
			a->json = true;
		else if (strcmp(argv[i], "--timing") == 0)
			a->timing = true;
		else if (strcmp(argv[i], "--width") == 0 && i + 1 < argc)
			a->width = (unsigned)atoi(argv[++i]);
		else if (argv[i][0] != '-')
			a->pid = (pid_t)atoi(argv[i]);
		else
			return -1;
	}
	return a->pid > 0 ? 0 : -1;
}

/* The interpreter may still be loading: look for it for up to 2 s. */
static int locate(pid_t pid, struct remote *r, struct pyloc *loc)
{
	for (int i = 0; i < 200; i++) {
		int rc = pylocate(pid, r, 0, loc);

		if (rc == 0 || rc == -PF_EUNSUPPORTED || rc == -PF_EPERM)
			return rc;
		usleep(10000);
	}
	return -PF_ENOENT;
}

/* Stop, read, resume: the target is held for held[0] us, of which our
 * CPU time held[1]. */
static int look(struct tracee *t, struct pywalk *w, struct pysample *s, struct inspect *in,
		uint64_t *held)
{
	uint64_t t0, c0;
	int rc;

	if ((rc = tracee_stop(t)) < 0)
		return rc;
	t0 = now_us();
	c0 = clock_us(CLOCK_PROCESS_CPUTIME_ID);
	rc = pywalk_capture(w, true, s);
	if (rc == 0)
		rc = inspect_held(in, s);
	tracee_resume(t);
	held[0] = now_us() - t0;
	held[1] = clock_us(CLOCK_PROCESS_CPUTIME_ID) - c0;
	return rc;
}

static int dump(const struct args *a, struct remote *r, const struct pyloc *loc, struct tracee *t)
{
	struct stacks st;
	struct pywalk w;
	struct pysample s;
	struct inspect in;
	struct dumpmodel m;
	char python[32];
	uint64_t start = now_us(), cpu = clock_us(CLOCK_PROCESS_CPUTIME_ID), held[2] = { 0, 0 };
	int rc;

	stacks_init(&st, false);
	pywalk_init(&w, r, loc, &st, false);
	pysample_init(&s);
	inspect_init(&in, a->pid, r, loc, a->locals, a->width);
	if ((rc = inspect_before(&in, NULL)) == 0 && (rc = look(t, &w, &s, &in, held)) == 0) {
		pywalk_resolve(&w, &s);
		pyversion_format(loc->version, python, sizeof python);
		inspect_model(&in, &st, &s, python, &m);
		rc = a->json ? out_dump_json(stdout, &m) : out_dump_text(stdout, &m);
		dumpmodel_release(&m);
	}
	if (a->timing)
		fprintf(stderr, "held_us=%llu held_cpu_us=%llu total_us=%llu total_cpu_us=%llu "
			"pages=%zu reads=%llu exact=%zu\n", (unsigned long long)held[0],
			(unsigned long long)held[1], (unsigned long long)(now_us() - start),
			(unsigned long long)(clock_us(CLOCK_PROCESS_CPUTIME_ID) - cpu),
			in.pl.snap.npages, (unsigned long long)in.pl.snap.reads, in.pl.snap.nexact);
	inspect_release(&in);
	pysample_release(&s);
	pywalk_release(&w);
	stacks_release(&st);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a;
	struct remote r;
	struct pyloc loc;
	struct tracee t;
	int rc;

	if (parse(argc, argv, &a) < 0) {
		fprintf(stderr, "usage: inspect-driver [--locals] [--json] [--width N] [--timing] PID\n");
		return 2;
	}
	tracee_init(&t);
	if ((rc = remote_open(&r, a.pid)) < 0 || (rc = tracee_attach(&t, a.pid)) < 0 ||
	    (rc = locate(a.pid, &r, &loc)) < 0 || (rc = dump(&a, &r, &loc, &t)) < 0)
		fprintf(stderr, "inspect-driver: %s\n", pf_last_error());
	tracee_detach(&t);
	tracee_release(&t);
	remote_close(&r);
	return rc < 0 ? 1 : 0;
}
