/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-cpustate.c - the stat and schedstat parsers, and the busy flags of
 * this process's own threads: one spinning, one asleep, one that ends.
 * Prints the cost of a look per thread as a TAP comment.
 */
#include "compat.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpustate.h"
#include "err.h"
#include "tap.h"

struct worker {
	pthread_t th;
	atomic_int tid;
	atomic_bool stop;
	int wake[2];		/* doze blocks reading wake[0] */
};

static void *spin(void *arg)
{
	struct worker *w = arg;

	atomic_store(&w->tid, gettid());
	while (!atomic_load(&w->stop))
		;
	return NULL;
}

static void *doze(void *arg)
{
	struct worker *w = arg;

	char c;

	atomic_store(&w->tid, gettid());
	while (read(w->wake[0], &c, 1) < 0)
		;
	return NULL;
}

static void start(struct worker *w, void *(*fn)(void *))
{
	memset(w, 0, sizeof *w);
	if (pipe(w->wake) < 0)
		PF_BUG("pipe");
	pthread_create(&w->th, NULL, fn, w);
	while (!atomic_load(&w->tid))
		usleep(1000);
}

static void test_parsers(void)
{
	static const char stat[] = "123 (a) b) (c) S 1 2 3";
	static const char sched[] = "483317 78858 2\n";
	uint64_t ns = 0;
	char st = '?';

	ok(cpustate_parse_stat(stat, sizeof stat - 1, &st) == 0 && st == 'S',
	   "state after the last ') '");
	ok(cpustate_parse_stat("123 (x", 6, &st) == -PF_EFORMAT, "no ')' is an error");
	ok(cpustate_parse_stat("1 (x)", 5, &st) == -PF_EFORMAT, "nothing after ')' is an error");
	ok(cpustate_parse_schedstat(sched, sizeof sched - 1, &ns) == 0 && ns == 483317,
	   "schedstat: ns on a CPU");
	ok(cpustate_parse_schedstat("x 1 2", 5, &ns) == -PF_EFORMAT, "schedstat: not a number");
	ok(cpustate_parse_schedstat("99999999999999999999999 1", 25, &ns) == -PF_EFORMAT,
	   "schedstat: overflow");
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void test_live(void)
{
	struct worker busy, idle;
	struct cpustate c;
	const struct cpustate_thread *b, *i;
	double t0;
	int rounds = 2000;

	start(&busy, spin);
	start(&idle, doze);
	cpustate_init(&c, getpid());
	ok(cpustate_add(&c, busy.tid) == 0 && cpustate_add(&c, idle.tid) == 0 &&
	   cpustate_add(&c, busy.tid) == 0 && c.count == 2, "threads followed once each");
	cpustate_sample(&c);
	usleep(20000);
	ok(cpustate_sample(&c) == 1, "one busy thread of two");
	b = cpustate_thread(&c, busy.tid);
	i = cpustate_thread(&c, idle.tid);
	ok(b && b->busy, "the spinning thread is busy (%c)", b ? b->state : '?');
	ok(i && !i->busy && i->state == 'S' && i->delta_ns == 0, "the sleeping one is not");
	for (int k = 0; k < 50 && b && b->delta_ns == 0; k++) {
		usleep(5000);
		cpustate_sample(&c);
	}
	ok(b && b->delta_ns > 0, "its CPU time grows, seen within 50 looks");
	t0 = now_us();
	for (int k = 0; k < rounds; k++)
		cpustate_sample(&c);
	printf("# a look costs %.2f us of CPU per thread (mean of %d looks at %zu)\n",
	       (now_us() - t0) / rounds / (double)c.count, rounds, c.count);
	if (write(idle.wake[1], "x", 1) != 1)
		PF_BUG("write");
	pthread_join(idle.th, NULL);
	usleep(10000);
	cpustate_sample(&c);
	ok(c.count == 1 && !cpustate_thread(&c, idle.tid), "an ended thread is dropped");
	cpustate_drop(&c, busy.tid);
	ok(c.count == 0, "dropped on request");
	ok(cpustate_add(&c, 0x3fffffff) == -PF_EGONE, "no such thread: gone");
	atomic_store(&busy.stop, true);
	pthread_join(busy.th, NULL);
	cpustate_release(&c);
}

int main(void)
{
	test_parsers();
	test_live();
	return done_testing();
}
