/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-ptrace.c - the target-control layer against real processes. Each
 * target is a grandchild, as a process attached with -p is not our child:
 * a keeper process is its parent and reports its wait status. Targets count
 * their progress in shared memory, so tests see whether they run.
 */
#include "compat.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "ptrace.h"
#include "strbuf.h"
#include "tap.h"
#include "xalloc.h"

#define NCOUNT 4
#define ALL3 0x7u		/* counters 0, 1, 2 */
#define TEST_ALARM 20		/* seconds: a hang fails the run instead of blocking it */

struct shared {
	uint64_t count[NCOUNT];	/* progress of the target's threads */
	uint64_t sigs;		/* SIGUSR1 handled by the target */
	uint64_t created;	/* rounds of short-lived threads */
	int go;			/* a command to the target */
	int kill_req;		/* the keeper should SIGKILL the target */
	pid_t target;
	int status;		/* the target's wait status, as its parent saw it */
	int done;		/* set once the keeper has it */
};

static struct shared *sh;

struct target {
	pid_t keeper, pid;
};

static uint64_t get(uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void bump(uint64_t *p)
{
	__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* ------------------------------------------------------- target bodies */

static void *spin_thread(void *arg)
{
	for (;;)
		bump(arg);
	return NULL;
}

static void *nap_thread(void *arg)
{
	for (;;) {
		bump(arg);
		sleep_us(100);
	}
	return NULL;
}

static void start_thread(void *(*fn)(void *), void *arg)
{
	pthread_t th;

	if (pthread_create(&th, NULL, fn, arg) != 0)
		_exit(3);
	pthread_detach(th);
}

/* main spins count[0], one thread spins count[1], one naps on count[2] */
static void body_threads(void)
{
	start_thread(spin_thread, &sh->count[1]);
	start_thread(nap_thread, &sh->count[2]);
	spin_thread(&sh->count[0]);
}

static void on_usr1(int sig)
{
	(void)sig;
	bump(&sh->sigs);
}

static void body_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	body_threads();
}

static void *short_thread(void *arg)
{
	for (int i = 0; i < 20000; i++)
		bump(arg);
	return NULL;
}

/* Threads come and go: two at a time, joined, again and again. */
static void body_churn(void)
{
	start_thread(spin_thread, &sh->count[1]);
	for (;;) {
		pthread_t a, b;

		if (pthread_create(&a, NULL, short_thread, &sh->count[2]) != 0 ||
		    pthread_create(&b, NULL, short_thread, &sh->count[2]) != 0)
			_exit(3);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		bump(&sh->created);
		bump(&sh->count[0]);
	}
}

/* On command the main thread ends alone and stays a zombie. */
static void body_zombie_leader(void)
{
	start_thread(spin_thread, &sh->count[1]);
	start_thread(nap_thread, &sh->count[2]);
	while (!__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST))
		bump(&sh->count[0]);
	pthread_exit(NULL);
}

static void *exec_thread(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST))
		sleep_us(200);
	execl("/bin/sleep", "sleep", "30", (char *)NULL);
	_exit(4);
}

/* On command a thread other than the main one calls exec. */
static void body_exec(void)
{
	start_thread(nap_thread, &sh->count[2]);
	start_thread(exec_thread, NULL);
	spin_thread(&sh->count[0]);
}

/* On command a thread calls vfork, whose child sleeps 600 ms: meanwhile the
 * thread waits in uninterruptible sleep and cannot stop. */
static void *vfork_thread(void *arg)
{
	(void)arg;
	for (;;) {
		pid_t pid;

		while (!__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST))
			sleep_us(200);
		if ((pid = vfork()) == 0) {
			sleep_us(600000);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		__atomic_store_n(&sh->go, 0, __ATOMIC_SEQ_CST);
		bump(&sh->count[1]);
	}
	return NULL;
}

static void body_vfork(void)
{
	start_thread(nap_thread, &sh->count[2]);
	start_thread(vfork_thread, NULL);
	spin_thread(&sh->count[0]);
}

/* ---------------------------------------------------- keeper & target */

static void keeper(void (*body)(void))
{
	pid_t pid;
	int st;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if ((pid = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		body();
		_exit(0);
	}
	__atomic_store_n(&sh->target, pid, __ATOMIC_SEQ_CST);
	/* As the parent it may kill the target without a PID-reuse race. */
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (__atomic_load_n(&sh->kill_req, __ATOMIC_SEQ_CST))
			kill(pid, SIGKILL);
		sleep_us(1000);
	}
	sh->status = st;
	__atomic_store_n(&sh->done, 1, __ATOMIC_SEQ_CST);
	for (;;)
		pause();
}

static struct target launch(void (*body)(void))
{
	struct target tg = { 0, 0 };
	long end = now_ms() + 3000;

	memset(sh, 0, sizeof *sh);
	tg.keeper = fork();
	if (tg.keeper == 0)
		keeper(body);
	while (tg.keeper > 0 && !(tg.pid = __atomic_load_n(&sh->target, __ATOMIC_SEQ_CST)) &&
	       now_ms() < end)
		sleep_us(500);
	return tg;
}

/* Kill the target (through its parent) and return its wait status. */
static int finish(struct target tg)
{
	long end = now_ms() + 5000;

	__atomic_store_n(&sh->kill_req, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&sh->done, __ATOMIC_SEQ_CST) && now_ms() < end)
		sleep_us(1000);
	kill(tg.keeper, SIGKILL);
	while (waitpid(tg.keeper, NULL, 0) < 0 && errno == EINTR)
		;
	return sh->done ? sh->status : -1;
}

/* ------------------------------------------------------ observations */

static void snapshot(uint64_t out[NCOUNT])
{
	for (int i = 0; i < NCOUNT; i++)
		out[i] = get(&sh->count[i]);
}

/* While thread 0 is held: whether threads 1 and 2 both move, given up to
 * 500 ms (a loaded machine may not run them within a few ms); `b` the last
 * look. */
static bool others_move(const uint64_t a[NCOUNT], uint64_t b[NCOUNT])
{
	for (int i = 0; i < 500; i++) {
		sleep_us(1000);
		snapshot(b);
		if (a[1] != b[1] && a[2] != b[2])
			return true;
	}
	return false;
}

static bool same(const uint64_t a[NCOUNT], const uint64_t b[NCOUNT], unsigned mask)
{
	for (int i = 0; i < NCOUNT; i++)
		if ((mask >> i & 1) && a[i] != b[i])
			return false;
	return true;
}

/* Wait until every counter in `mask` moves, servicing `t` if given. */
static bool wait_advance(unsigned mask, long timeout_ms, struct tracee *t)
{
	uint64_t before[NCOUNT], now[NCOUNT];
	long end = now_ms() + timeout_ms;
	unsigned moved = 0;

	snapshot(before);
	while (now_ms() < end) {
		if (t)
			tracee_service(t);
		snapshot(now);
		for (int i = 0; i < NCOUNT; i++)
			if (now[i] != before[i])
				moved |= 1u << i;
		if ((moved & mask) == mask)
			return true;
		sleep_us(100);
	}
	return false;
}

static char task_state(pid_t pid, pid_t tid)
{
	char c = '?';

	proc_task_state(pid, tid, &c);
	return c;
}

/* How many tasks of `pid` are in one of `states`; *total counts them all. */
static size_t tasks_in(pid_t pid, const char *states, size_t *total)
{
	pid_t *tids = NULL;
	size_t n = 0, hits = 0;

	proc_list_tasks(pid, &tids, &n);
	for (size_t i = 0; i < n; i++)
		hits += strchr(states, task_state(pid, tids[i])) != NULL;
	free(tids);
	*total = n;
	return hits;
}

static bool all_tasks_in(pid_t pid, const char *states)
{
	size_t total, hits = tasks_in(pid, states, &total);

	return total > 0 && hits == total;
}

static bool no_task_in(pid_t pid, const char *states)
{
	size_t total;

	return tasks_in(pid, states, &total) == 0 && total > 0;
}

/* Poll for up to 1 s: detached threads leave their stop promptly. */
static bool becomes(bool (*pred)(pid_t, const char *), pid_t pid, const char *states)
{
	long end = now_ms() + 1000;

	while (!pred(pid, states))
		if (now_ms() > end)
			return false;
		else
			sleep_us(500);
	return true;
}

static long tracer_of(pid_t pid, pid_t tid)
{
	struct strbuf sb;
	char name[64];
	const char *p;
	long tracer = -1;

	strbuf_init(&sb);
	snprintf(name, sizeof name, "task/%d/status", (int)tid);
	if (proc_read(pid, name, &sb) == 0 && (p = strstr(sb.buf, "TracerPid:")))
		tracer = strtol(p + 10, NULL, 10);
	strbuf_release(&sb);
	return tracer;
}

static bool none_traced(pid_t pid)
{
	pid_t *tids = NULL;
	size_t n = 0;
	bool none = proc_list_tasks(pid, &tids, &n) == 0;

	for (size_t i = 0; i < n; i++)	/* -1: a thread that ended meanwhile */
		none = none && tracer_of(pid, tids[i]) <= 0;
	free(tids);
	return none;
}

static bool is_held(struct tracee *t, pid_t tid)
{
	for (size_t i = 0; i < t->nthreads; i++)
		if (t->threads[i].tid == tid)
			return t->threads[i].stopped;
	return false;
}

static bool attach(struct tracee *t, pid_t pid)
{
	if (tracee_attach(t, pid) == 0)
		return true;
	printf("# attach: %s\n", pf_last_error());
	return false;
}

static bool killed_by(int status, int sig)
{
	return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/* ---------------------------------------------------------------- tests */

/* 1: all threads held by each stop, running between stops and after. */
static void test_stop_resume(void)
{
	struct target tg = launch(body_threads);
	int stops = 0, frozen = 0, held = 0, checks = 0, advanced = 0;
	uint64_t a[NCOUNT], b[NCOUNT];
	struct tracee t;

	ok(tg.pid > 0 && wait_advance(ALL3, 2000, NULL), "stop/resume: target runs");
	tracee_init(&t);
	ok(attach(&t, tg.pid), "stop/resume: attach");
	ok(t.nthreads == 3 && t.attached && !t.spawned, "stop/resume: three threads seized");
	ok(wait_advance(ALL3, 2000, &t), "stop/resume: seized threads keep running");
	for (int i = 0; i < 200; i++) {
		if (tracee_stop(&t) != 0)
			break;
		stops++;
		if (i % 10 == 0) {
			checks++;
			snapshot(a);
			sleep_us(3000);
			snapshot(b);
			frozen += same(a, b, ALL3);
			held += all_tasks_in(tg.pid, "t");
		}
		if (tracee_resume(&t) != 0)
			break;
		advanced += wait_advance(ALL3, 2000, &t);
	}
	ok(stops == 200 && t.stops == 200, "stop/resume: 200 stops (%d)", stops);
	ok(frozen == checks, "stop/resume: no thread moves while stopped (%d/%d)", frozen, checks);
	ok(held == checks, "stop/resume: every task in state t while stopped (%d/%d)", held, checks);
	ok(advanced == 200, "stop/resume: every thread moves after each resume (%d)", advanced);
	tracee_detach(&t);
	ok(!t.attached && t.nthreads == 0, "stop/resume: detached");
	ok(becomes(no_task_in, tg.pid, "tT") && none_traced(tg.pid),
	   "stop/resume: no task stopped or traced after detach");
	ok(wait_advance(ALL3, 2000, NULL), "stop/resume: keeps counting after detach");
	tracee_detach(&t);
	ok(!t.attached, "stop/resume: a second detach is harmless");
	tracee_release(&t);
	ok(killed_by(finish(tg), SIGKILL), "stop/resume: the target lived until killed");
}

/*
 * tracee_stop_thread: the main thread (counter 0) is held, the other two
 * keep counting, and everything runs again after the resume. The signal
 * test below covers events of the running threads during such a stop.
 */
static void test_stop_one(void)
{
	struct target tg = launch(body_threads);
	int stops = 0, frozen = 0, others = 0, alone = 0, checks = 0, advanced = 0;
	uint64_t a[NCOUNT], b[NCOUNT];
	struct tracee t;
	size_t total;

	tracee_init(&t);
	ok(tg.pid > 0 && wait_advance(ALL3, 2000, NULL) && attach(&t, tg.pid),
	   "stop one: target runs, attached");
	ok(tracee_stop_thread(&t, tg.pid + 100000) == -PF_ENOENT,
	   "stop one: a thread that is not ours is refused");
	for (int i = 0; i < 50; i++) {
		if (tracee_stop_thread(&t, tg.pid) != 0)
			break;
		stops++;
		if (i % 5 == 0) {
			checks++;
			snapshot(a);
			others += others_move(a, b);
			frozen += a[0] == b[0];
			alone += task_state(tg.pid, tg.pid) == 't' && tasks_in(tg.pid, "t", &total) == 1;
		}
		if (tracee_resume(&t) != 0)
			break;
		advanced += wait_advance(ALL3, 2000, &t);
	}
	ok(stops == 50, "stop one: 50 stops (%d)", stops);
	ok(frozen == checks && alone == checks,
	   "stop one: the thread is held, and it alone (%d, %d of %d)", frozen, alone, checks);
	ok(others == checks, "stop one: the other threads run on (%d/%d)", others, checks);
	ok(advanced == 50, "stop one: every thread moves after each resume (%d)", advanced);
	tracee_detach(&t);
	ok(becomes(no_task_in, tg.pid, "tT") && none_traced(tg.pid),
	   "stop one: nothing stopped or traced after detach");
	tracee_release(&t);
	ok(killed_by(finish(tg), SIGKILL), "stop one: the target lived until killed");
}

/* Wait for SIGUSR1 number `want`, servicing (and stopping) meanwhile. */
static bool wait_sigs(struct tracee *t, uint64_t want, bool cycle)
{
	long end = now_ms() + 2000;

	while (get(&sh->sigs) < want) {
		if (now_ms() > end)
			return false;
		tracee_service(t);
		if (cycle && tracee_stop(t) == 0)
			tracee_resume(t);
		sleep_us(20);
	}
	return true;
}

/* Send one SIGUSR1 in one of four situations relative to our stops. */
static int send_usr1(struct tracee *t, pid_t pid, int mode)
{
	int rc = 0;

	if (mode == 1) {		/* while held: queued, delivered on resume */
		rc |= tracee_stop(t);
		kill(pid, SIGUSR1);
		rc |= tracee_resume(t);
	} else if (mode == 2) {		/* racing the interrupts */
		kill(pid, SIGUSR1);
		rc |= tracee_stop(t);
		rc |= tracee_resume(t);
	} else {			/* while running */
		kill(pid, SIGUSR1);
	}
	return rc;
}

/* 2: every signal sent reaches the target exactly once. */
static void test_signals(void)
{
	struct target tg = launch(body_signals);
	int sent = 0, rc = 0, over = 0;
	struct tracee t;

	ok(tg.pid > 0 && wait_advance(ALL3, 2000, NULL), "signals: target runs");
	tracee_init(&t);
	ok(attach(&t, tg.pid), "signals: attach");
	for (int i = 0; i < 500; i++) {
		rc |= send_usr1(&t, tg.pid, i % 4);
		sent++;
		if (!wait_sigs(&t, (uint64_t)sent, i % 4 == 3))
			break;
		over += get(&sh->sigs) != (uint64_t)sent;
	}
	ok(rc == 0, "signals: every stop and resume succeeded");
	ok(sent == 500 && get(&sh->sigs) == 500 && over == 0,
	   "signals: 500 sent, %llu handled, none twice", (unsigned long long)get(&sh->sigs));
	tracee_detach(&t);
	sleep_us(50000);
	ok(get(&sh->sigs) == 500, "signals: nothing more after detach");
	ok(wait_advance(ALL3, 2000, NULL), "signals: target runs after detach");
	tracee_release(&t);
	ok(killed_by(finish(tg), SIGKILL), "signals: the target lived until killed");
}

/* Service until every thread has reported the group-stop. */
static bool wait_group_stop(struct tracee *t)
{
	long end = now_ms() + 2000;

	for (;;) {
		bool all = true;

		tracee_service(t);
		for (size_t i = 0; i < t->nthreads; i++)
			all = all && t->threads[i].group_stop;
		if (all && t->nthreads > 0)
			return true;
		if (now_ms() > end)
			return false;
		sleep_us(200);
	}
}

/* 3: job control works through us, and survives detach. */
static void test_job_control(void)
{
	struct target tg = launch(body_threads);
	uint64_t a[NCOUNT], b[NCOUNT];
	struct tracee t;
	int rc = 0;

	ok(tg.pid > 0 && wait_advance(ALL3, 2000, NULL), "job control: target runs");
	tracee_init(&t);
	ok(attach(&t, tg.pid), "job control: attach");
	for (int i = 0; i < 5; i++)
		rc |= tracee_stop(&t) | tracee_resume(&t);
	kill(tg.pid, SIGSTOP);
	ok(wait_group_stop(&t), "job control: SIGSTOP: every thread reports the group-stop");
	ok(all_tasks_in(tg.pid, "tT"), "job control: every task stopped (state %c)",
	   task_state(tg.pid, tg.pid));
	snapshot(a);
	for (int i = 0; i < 20; i++) {
		rc |= tracee_stop(&t);
		sleep_us(1000);
		rc |= tracee_resume(&t);
		tracee_service(&t);
	}
	sleep_us(5000);
	tracee_service(&t);
	snapshot(b);
	ok(rc == 0, "job control: stops and resumes succeed during the group-stop");
	ok(same(a, b, ALL3), "job control: our resumes do not end the group-stop");
	kill(tg.pid, SIGCONT);
	ok(wait_advance(ALL3, 2000, &t), "job control: SIGCONT: every thread runs again");
	ok(tracee_stop(&t) == 0 && t.threads[0].group_stop == false && tracee_resume(&t) == 0,
	   "job control: the group-stop is over for us too");
	kill(tg.pid, SIGSTOP);
	ok(wait_group_stop(&t), "job control: SIGSTOP again");
	tracee_detach(&t);
	ok(becomes(all_tasks_in, tg.pid, "T") && none_traced(tg.pid),
	   "job control: after detach every task is in an ordinary stop (T)");
	snapshot(a);
	sleep_us(20000);
	snapshot(b);
	ok(same(a, b, ALL3), "job control: and stays stopped");
	kill(tg.pid, SIGCONT);
	ok(wait_advance(ALL3, 2000, NULL), "job control: SIGCONT after detach: runs");
	tracee_release(&t);
	ok(killed_by(finish(tg), SIGKILL), "job control: the target lived until killed");
}

/* 3b: a process stopped (^Z) before we attach stays stopped throughout. */
static void test_attach_stopped(void)
{
	struct target tg = launch(body_threads);
	uint64_t a[NCOUNT], b[NCOUNT];
	struct tracee t;
	int rc = 0;

	ok(tg.pid > 0 && wait_advance(ALL3, 2000, NULL), "stopped: target runs");
	kill(tg.pid, SIGSTOP);
	ok(becomes(all_tasks_in, tg.pid, "T"), "stopped: stopped before we attach");
	tracee_init(&t);
	ok(attach(&t, tg.pid), "stopped: attach");
	for (int i = 0; i < 5; i++)
		rc |= tracee_stop(&t) | tracee_resume(&t);
	tracee_service(&t);
	snapshot(a);
	sleep_us(20000);
	tracee_service(&t);
	snapshot(b);
	ok(rc == 0 && same(a, b, ALL3), "stopped: stops and resumes keep it stopped");
	tracee_detach(&t);
	ok(becomes(all_tasks_in, tg.pid, "T") && none_traced(tg.pid),
	   "stopped: still stopped (T) after detach");
	kill(tg.pid, SIGCONT);
	ok(wait_advance(ALL3, 2000, NULL), "stopped: SIGCONT: runs");
	tracee_release(&t);
	ok(killed_by(finish(tg), SIGKILL), "stopped: the target lived until killed");
}

/* 4: SIGTERM keeps its default action, and the exit is reported. */
static void test_sigterm(void)
{
	struct target tg = launch(body_threads);
	struct tracee t;
	long end;
	int rc = 0;

	ok(tg.pid > 0 && wait_advance(ALL3, 2000, NULL), "SIGTERM: target runs");
	tracee_init(&t);
	ok(attach(&t, tg.pid), "SIGTERM: attach");
	kill(tg.pid, SIGTERM);
	end = now_ms() + 3000;
	for (int i = 0; rc != -PF_EGONE && now_ms() < end; i++) {
		if (i % 2)
			rc = tracee_service(&t);
		else if ((rc = tracee_stop(&t)) == 0)
			rc = tracee_resume(&t);
		sleep_us(200);
	}
	ok(rc == -PF_EGONE, "SIGTERM: reported as gone (%d)", rc);
	ok(t.exited && killed_by(t.exit_status, SIGTERM),
	   "SIGTERM: exit status collected: killed by SIGTERM");
	ok(tracee_stop(&t) == -PF_EGONE && tracee_service(&t) == -PF_EGONE,
	   "SIGTERM: later calls say gone");
	tracee_detach(&t);
	tracee_release(&t);
	ok(killed_by(finish(tg), SIGTERM), "SIGTERM: its parent sees the same death");
}

/* During a stop: every live task is held by us (zombies may linger). */
static bool every_task_held(struct tracee *t, pid_t pid, pid_t *seen, size_t *nseen, size_t cap)
{
	pid_t *tids = NULL;
	size_t n = 0;
	bool okay = proc_list_tasks(pid, &tids, &n) == 0;

	for (size_t i = 0; okay && i < n; i++) {
		char c = task_state(pid, tids[i]);
		bool known = false;

		if (c == 'Z' || c == 'X' || c == '?')
			continue;
		okay = c == 't' && is_held(t, tids[i]);
		for (size_t j = 0; j < *nseen; j++)
			known = known || seen[j] == tids[i];
		if (!known && *nseen < cap)
			seen[(*nseen)++] = tids[i];
	}
	free(tids);
	return okay;
}

/* 5: threads created after attach are traced, stopped and resumed. */
static void test_new_threads(void)
{
	struct target tg = launch(body_churn);
	int held = 0, moved = 0, stops = 0;
	pid_t seen[512];
	size_t nseen = 0;
	struct tracee t;

	ok(tg.pid > 0 && wait_advance(0x3, 2000, NULL), "new threads: target runs");
	tracee_init(&t);
	ok(attach(&t, tg.pid), "new threads: attach");
	for (int i = 0; i < 100; i++) {
		if (tracee_stop(&t) != 0)
			break;
		stops++;
		held += every_task_held(&t, tg.pid, seen, &nseen, PF_ARRAY_SIZE(seen));
		if (tracee_resume(&t) != 0)
			break;
		moved += wait_advance(0x1, 2000, &t);
	}
	ok(stops == 100, "new threads: 100 stops (%d)", stops);
	ok(held == 100, "new threads: every live task held at every stop (%d)", held);
	ok(nseen > 20, "new threads: %zu distinct threads seen held", nseen);
	ok(moved == 100, "new threads: thread creation goes on between stops (%d)", moved);
	tracee_detach(&t);
	ok(becomes(no_task_in, tg.pid, "tT") && none_traced(tg.pid),
	   "new threads: nothing stopped or traced after detach");
	ok(wait_advance(0x3, 2000, NULL), "new threads: creation goes on after detach");
	tracee_release(&t);
	ok(killed_by(finish(tg), SIGKILL), "new threads: the target lived until killed");
}

static int spawn_wait(const char *const argv[], int *status, bool service)
{
	struct tracee t;
	long end = now_ms() + 3000;
	int rc;

	tracee_init(&t);
	if ((rc = tracee_spawn(&t, (char *const *)argv)) < 0)
		return rc;
	while (service && !t.exited && now_ms() < end)
		if (tracee_service(&t) == 0)
			sleep_us(500);
	rc = tracee_wait_exit(&t, status);
	tracee_release(&t);
	return rc;
}

/* 6: -t: exec failures, exit statuses, signals. */
static void test_spawn(void)
{
	const char *const missing[] = { "/no/such/cmd", NULL };
	const char *const noexec[] = { "/etc/passwd", NULL };
	const char *const truecmd[] = { "true", NULL };
	const char *const exit3[] = { "sh", "-c", "exit 3", NULL };
	const char *const term[] = { "sh", "-c", "kill -TERM $$; exit 0", NULL };
	const char *const sleeper[] = { "sleep", "0.3", NULL };
	sigset_t set, old;
	struct tracee t;
	int status = -1, rc;

	tracee_init(&t);
	rc = tracee_spawn(&t, (char *const *)missing);
	ok(rc == -PF_ENOENT && !t.attached && !strcmp(pf_last_error(),
	   "execvp() failed for: /no/such/cmd, err = No such file or directory\n"
	   "Child process exited with status: 1"),
	   "spawn: a missing command (%d: %s)", rc, pf_last_error());
	rc = tracee_spawn(&t, (char *const *)noexec);
	ok(rc == -PF_EPERM && !strcmp(pf_last_error(),
	   "execvp() failed for: /etc/passwd, err = Permission denied\n"
	   "Child process exited with status: 1"),
	   "spawn: a file that is not executable (%d: %s)", rc, pf_last_error());
	tracee_release(&t);
	ok(spawn_wait(truecmd, &status, false) == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "spawn: true exits 0");
	ok(spawn_wait(exit3, &status, false) == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 3,
	   "spawn: sh -c 'exit 3' exits 3");
	ok(spawn_wait(exit3, &status, true) == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 3,
	   "spawn: the same, with the exit seen while servicing");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	ok(spawn_wait(term, &status, true) == 0 && killed_by(status, SIGTERM),
	   "spawn: our blocked SIGTERM is unblocked in the child, and delivered");
	sigprocmask(SIG_SETMASK, &old, NULL);
	tracee_init(&t);
	rc = tracee_spawn(&t, (char *const *)sleeper);
	for (int i = 0; rc == 0 && i < 10; i++)
		if ((rc = tracee_stop(&t)) == 0)
			rc = tracee_resume(&t);
	ok(rc == 0 && t.spawned && !t.execd, "spawn: stop and resume a spawned child (%d)", rc);
	ok(tracee_wait_exit(&t, &status) == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "spawn: sleep 0.3 exits 0 after detach");
	tracee_release(&t);
}

/* 7: detach during a signal storm leaves the target running. */
static void test_detach_storm(void)
{
	struct target tg = launch(body_signals);
	struct tracee t;
	uint64_t sigs;
	pid_t storm;
	long end;

	ok(tg.pid > 0 && wait_advance(ALL3, 2000, NULL), "storm: target runs");
	tracee_init(&t);
	ok(attach(&t, tg.pid), "storm: attach");
	if ((storm = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;) {
			kill(tg.pid, SIGUSR1);
			sleep_us(30);
		}
	}
	end = now_ms() + 300;
	for (int i = 0; now_ms() < end; i++) {
		tracee_service(&t);
		if (i % 5 == 0 && tracee_stop(&t) == 0)
			tracee_resume(&t);
		sleep_us(50);
	}
	ok(get(&sh->sigs) > 0, "storm: signals arrive while attached");
	tracee_detach(&t);
	ok(!t.attached && becomes(no_task_in, tg.pid, "tT") && none_traced(tg.pid),
	   "storm: nothing stopped or traced after detach");
	sigs = get(&sh->sigs);
	ok(wait_advance(ALL3, 2000, NULL), "storm: threads run after detach");
	sleep_us(20000);
	ok(get(&sh->sigs) > sigs, "storm: signals still handled after detach");
	kill(storm, SIGKILL);
	waitpid(storm, NULL, 0);
	ok(no_task_in(tg.pid, "tTZX"), "storm: the target is alive and running");
	tracee_release(&t);
	ok(killed_by(finish(tg), SIGKILL), "storm: the target lived until killed");
}

/* 8: a thread we may not seize: the attach fails and releases the rest. */
static void test_partial_attach(void)
{
	struct target tg = launch(body_threads);
	int ready[2], hold[2], rc;
	pid_t *tids = NULL, other = 0, helper;
	size_t n = 0;
	struct tracee t;
	char c, want[96];

	ok(tg.pid > 0 && wait_advance(ALL3, 2000, NULL), "partial: target runs");
	proc_list_tasks(tg.pid, &tids, &n);
	for (size_t i = 0; i < n; i++)
		if (tids[i] != tg.pid)
			other = tids[i];
	free(tids);
	if (pipe(ready) < 0 || pipe(hold) < 0)
		return;
	if ((helper = fork()) == 0) {	/* another tracer takes one thread */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(hold[1]);
		if (ptrace(PTRACE_SEIZE, other, NULL, NULL) < 0 || write(ready[1], "r", 1) != 1)
			_exit(2);
		if (read(hold[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	close(hold[0]);
	ok(read(ready[0], &c, 1) == 1, "partial: thread %d seized by another tracer", (int)other);
	tracee_init(&t);
	rc = tracee_attach(&t, tg.pid);
	snprintf(want, sizeof want, "Failed to seize PID %d (thread %d): ", (int)tg.pid, (int)other);
	ok(rc == -PF_EPERM && pf_last_errno() == EPERM && !strncmp(pf_last_error(), want, strlen(want)),
	   "partial: attach fails with EPERM naming the thread (%s)", pf_last_error());
	ok(!t.attached && tracer_of(tg.pid, tg.pid) == 0,
	   "partial: the threads seized before are released");
	ok(wait_advance(ALL3, 2000, NULL), "partial: the target keeps running");
	close(hold[1]);
	close(ready[0]);
	close(ready[1]);
	waitpid(helper, NULL, 0);
	tracee_release(&t);
	ok(killed_by(finish(tg), SIGKILL), "partial: the target lived until killed");
}

/* 9: a main thread that ended alone never stops: no hang on it. */
static void test_zombie_leader(void)
{
	struct target tg = launch(body_zombie_leader);
	int stops = 0, frozen = 0, moved = 0;
	uint64_t a[NCOUNT], b[NCOUNT];
	long slowest = 0, t0, end;
	struct tracee t;
	int status;

	ok(tg.pid > 0 && wait_advance(ALL3, 2000, NULL), "zombie leader: target runs");
	tracee_init(&t);
	ok(attach(&t, tg.pid), "zombie leader: attach");
	__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
	end = now_ms() + 2000;
	while (task_state(tg.pid, tg.pid) != 'Z' && now_ms() < end)
		tracee_service(&t);
	ok(task_state(tg.pid, tg.pid) == 'Z', "zombie leader: the main thread is a zombie");
	for (int i = 0; i < 20; i++) {
		t0 = now_ms();
		if (tracee_stop(&t) != 0)
			break;
		stops++;
		slowest = now_ms() - t0 > slowest ? now_ms() - t0 : slowest;
		snapshot(a);
		sleep_us(2000);
		snapshot(b);
		frozen += same(a, b, 0x6);
		if (tracee_resume(&t) != 0)
			break;
		moved += wait_advance(0x6, 2000, &t);
	}
	ok(stops == 20 && frozen == 20 && moved == 20,
	   "zombie leader: 20 stops hold the live threads (%d %d %d)", stops, frozen, moved);
	ok(slowest < 100, "zombie leader: the slowest stop took %ld ms", slowest);
	tracee_detach(&t);
	ok(becomes(no_task_in, tg.pid, "tT") && wait_advance(0x6, 2000, NULL),
	   "zombie leader: runs after detach");
	/* The kernel cannot detach a zombie: its end is reported to us, and
	 * only then passed on to its parent. */
	ok(tracer_of(tg.pid, tg.pid) == (long)getpid(), "zombie leader: still traced by us");
	tracee_release(&t);
	__atomic_store_n(&sh->kill_req, 1, __ATOMIC_SEQ_CST);
	ok(waitpid(tg.pid, &status, __WALL) == tg.pid && killed_by(status, SIGKILL),
	   "zombie leader: its end is reported to us, its last tracer");
	ok(killed_by(finish(tg), SIGKILL), "zombie leader: then to its parent");
}

/* Send `sig` without servicing and wait until a thread sits in its
 * signal-delivery-stop; tracee_stop() then holds it with the signal. */
static bool stop_with_signal(struct tracee *t, pid_t pid, int sig)
{
	long end = now_ms() + 2000;
	bool pending = false;

	kill(pid, sig);
	while (no_task_in(pid, "t") && now_ms() < end)
		sleep_us(200);
	if (tracee_stop(t) != 0)
		return false;
	for (size_t i = 0; i < t->nthreads; i++)
		pending = pending || t->threads[i].pending_sig == sig;
	return pending;
}

/* 11: a signal that arrived during a stop is delivered by the resume or
 * the detach that follows, SIGSTOP included. */
static void test_pending_signals(void)
{
	struct target tg = launch(body_signals);
	uint64_t a[NCOUNT], b[NCOUNT];
	struct tracee t;

	ok(tg.pid > 0 && wait_advance(ALL3, 2000, NULL), "pending: target runs");
	tracee_init(&t);
	ok(attach(&t, tg.pid), "pending: attach");
	ok(stop_with_signal(&t, tg.pid, SIGUSR1), "pending: SIGUSR1 held by a stop");
	ok(get(&sh->sigs) == 0 && tracee_resume(&t) == 0 && wait_sigs(&t, 1, false),
	   "pending: delivered by the resume");
	ok(stop_with_signal(&t, tg.pid, SIGUSR1), "pending: SIGUSR1 held again");
	tracee_detach(&t);
	sleep_us(20000);
	ok(get(&sh->sigs) == 2, "pending: delivered by the detach (%llu)",
	   (unsigned long long)get(&sh->sigs));
	ok(attach(&t, tg.pid), "pending: attach again");
	ok(stop_with_signal(&t, tg.pid, SIGSTOP), "pending: SIGSTOP held by a stop");
	tracee_detach(&t);
	ok(becomes(all_tasks_in, tg.pid, "T") && none_traced(tg.pid),
	   "pending: the SIGSTOP given at detach stops the process (T)");
	snapshot(a);
	sleep_us(20000);
	snapshot(b);
	ok(same(a, b, ALL3), "pending: and it stays stopped");
	kill(tg.pid, SIGCONT);
	ok(wait_advance(ALL3, 2000, NULL), "pending: SIGCONT: runs");
	tracee_release(&t);
	ok(killed_by(finish(tg), SIGKILL), "pending: the target lived until killed");
}

/* 12: if the profiler dies while it holds the target, the target runs on. */
static void test_tracer_dies(void)
{
	struct target tg = launch(body_threads);
	uint64_t a[NCOUNT], b[NCOUNT];
	int p[2], status;
	pid_t tracer;
	char c = 0;

	ok(tg.pid > 0 && wait_advance(ALL3, 2000, NULL) && pipe(p) == 0, "tracer dies: target runs");
	if ((tracer = fork()) == 0) {
		struct tracee t;

		tracee_init(&t);
		if (tracee_attach(&t, tg.pid) == 0 && tracee_stop(&t) == 0)
			c = 'h';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ok(read(p[0], &c, 1) == 1 && c == 'h', "tracer dies: another process holds the target");
	snapshot(a);
	sleep_us(5000);
	snapshot(b);
	ok(same(a, b, ALL3) && all_tasks_in(tg.pid, "t"), "tracer dies: held");
	kill(tracer, SIGKILL);
	waitpid(tracer, &status, 0);
	ok(wait_advance(ALL3, 2000, NULL) && none_traced(tg.pid),
	   "tracer dies: SIGKILL of the tracer lets the target run, untraced");
	close(p[0]);
	close(p[1]);
	ok(killed_by(finish(tg), SIGKILL), "tracer dies: the target lived until killed");
}

/* 13: a thread that cannot stop (uninterruptible sleep) costs one sample,
 * not a hang, and is let go when its late stop arrives. */
static void test_unstoppable(void)
{
	struct target tg = launch(body_vfork);
	uint64_t a[NCOUNT], b[NCOUNT];
	long t0, took, end;
	struct tracee t;
	int rc;

	ok(tg.pid > 0 && wait_advance(0x5, 2000, NULL), "unstoppable: target runs");
	tracee_init(&t);
	ok(attach(&t, tg.pid), "unstoppable: attach");
	__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
	end = now_ms() + 2000;
	while (no_task_in(tg.pid, "D") && now_ms() < end)
		tracee_service(&t);
	ok(!no_task_in(tg.pid, "D"), "unstoppable: a thread waits for its vfork child (D)");
	t0 = now_ms();
	rc = tracee_stop(&t);
	took = now_ms() - t0;
	snapshot(a);
	sleep_us(3000);
	snapshot(b);
	ok(rc == -PF_ETORN && strstr(pf_last_error(), "did not stop") && took >= 90 && took < 1000,
	   "unstoppable: the stop gives up after %ld ms (%d: %s)", took, rc, pf_last_error());
	ok(same(a, b, 0x5), "unstoppable: the other threads are held meanwhile");
	ok(tracee_resume(&t) == 0 && wait_advance(0x5, 2000, &t), "unstoppable: resume lets them go");
	ok(wait_advance(0x2, 3000, &t), "unstoppable: the late stop is let go too: vfork returns");
	ok(tracee_stop(&t) == 0 && all_tasks_in(tg.pid, "t") && tracee_resume(&t) == 0,
	   "unstoppable: the next stop holds every thread");
	tracee_detach(&t);
	ok(becomes(no_task_in, tg.pid, "tT") && none_traced(tg.pid) && wait_advance(0x5, 2000, NULL),
	   "unstoppable: runs after detach");
	tracee_release(&t);
	ok(killed_by(finish(tg), SIGKILL), "unstoppable: the target lived until killed");
}

static bool comm_is(pid_t pid, const char *want)
{
	struct strbuf sb;
	bool is;

	strbuf_init(&sb);
	is = proc_read(pid, "comm", &sb) == 0 && !strncmp(sb.buf, want, strlen(want));
	strbuf_release(&sb);
	return is;
}

/* 10: exec from a thread other than the main one is reported. */
static void test_exec(void)
{
	struct target tg = launch(body_exec);
	struct tracee t;
	int rc = 0;
	long end;

	ok(tg.pid > 0 && wait_advance(0x5, 2000, NULL), "exec: target runs");
	tracee_init(&t);
	ok(attach(&t, tg.pid), "exec: attach");
	__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
	end = now_ms() + 3000;
	for (int i = 0; rc != -PF_EEXEC && rc != -PF_EGONE && now_ms() < end; i++) {
		if (i % 2)
			rc = tracee_service(&t);
		else if ((rc = tracee_stop(&t)) == 0)
			rc = tracee_resume(&t);
		sleep_us(200);
	}
	ok(rc == -PF_EEXEC && t.execd && !t.exited, "exec: reported (%d)", rc);
	ok(comm_is(tg.pid, "sleep"), "exec: the target now runs sleep");
	tracee_detach(&t);
	ok(becomes(no_task_in, tg.pid, "tT") && none_traced(tg.pid),
	   "exec: released after detach");
	ok(no_task_in(tg.pid, "tTZX"), "exec: alive");
	tracee_release(&t);
	ok(killed_by(finish(tg), SIGKILL), "exec: the target lived until killed");
}

static void test_attach_errors(void)
{
	struct tracee t;
	pid_t pid;
	int rc;

	tracee_init(&t);
	if ((pid = fork()) == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	rc = tracee_attach(&t, pid);
	ok(rc == -PF_EGONE && !t.attached, "attach: a process that is gone (%d: %s)", rc,
	   pf_last_error());
	ok(tracee_attach(&t, getpid()) == -PF_EPERM && !t.attached, "attach: ourselves is refused");
	ok(tracee_stop(&t) == -PF_EGONE && tracee_service(&t) == 0,
	   "attach: calls on an unattached tracee are harmless");
	tracee_detach(&t);
	tracee_release(&t);
}

static bool ptrace_permitted(void)
{
	bool permitted;
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	permitted = ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0 || errno != EPERM;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, __WALL);
	return permitted;
}

static void run(void (*test)(void))
{
	alarm(TEST_ALARM);
	test();
	alarm(0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 99;
	if (!ptrace_permitted()) {
		printf("ok 1 # SKIP ptrace is not permitted here\n");
		tap_count++;
		return done_testing();
	}
	run(test_attach_errors);
	run(test_stop_resume);
	run(test_stop_one);
	run(test_signals);
	run(test_job_control);
	run(test_attach_stopped);
	run(test_sigterm);
	run(test_new_threads);
	run(test_spawn);
	run(test_detach_storm);
	run(test_partial_attach);
	run(test_zombie_leader);
	run(test_exec);
	run(test_pending_signals);
	run(test_tracer_dies);
	run(test_unstoppable);
	return done_testing();
}
