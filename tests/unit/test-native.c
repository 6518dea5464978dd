/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-native.c - unwind and name a child's native stack: a chain of known
 * functions, then the same chain interrupted by a signal handler (the
 * frame below the handler's return trampoline is exact), with every frame
 * up to _start found and named; a stack deeper than the first copy (read
 * late once, then copied whole); and names of addresses in no object.
 */
#include "compat.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "native.h"
#include "ptrace.h"
#include "remote.h"
#include "tap.h"

#define MAX 128

static volatile unsigned long sink;
static int ready_fd = -1;	/* the child writes a byte here, then spins */

static void say_ready(void)
{
	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
}

__attribute__((noinline)) static void pf_spin(void)
{
	for (;;)
		sink++;
}

__attribute__((noinline)) static void pf_level1(void)
{
	pf_spin();
	sink++;		// no tail call: keeps this frame
}

__attribute__((noinline)) static void pf_level2(void)
{
	pf_level1();
	sink++;
}

__attribute__((noinline)) static void pf_level3(void)
{
	pf_level2();
	sink++;
}

__attribute__((noinline)) static void pf_handler(int sig)
{
	(void)sig;
	say_ready();
	pf_level3();
}

#define DEEP_LEVELS 24	/* of 4 KiB each: deeper than NATIVE_STACK_COPY */

static void pf_deep(int level);
static void (*volatile deeper)(int) = pf_deep;	/* not seen as endless */

/* `level` frames of 4 KiB each over the chain. */
__attribute__((noinline)) static void pf_deep(int level)
{
	volatile char pad[4096];

	pad[0] = (char)level;
	if (level > 1)
		deeper(level - 1);
	else
		pf_level3();
	sink += (unsigned long)pad[0];
}

static PF_NORETURN void child_deep(void)
{
	say_ready();
	pf_deep(DEEP_LEVELS);
	_exit(0);
}

/* The child: the chain, or (with_signal) the chain inside a handler. */
__attribute__((noinline)) static PF_NORETURN void child(bool with_signal)
{
	if (with_signal) {
		signal(SIGUSR1, pf_handler);
		raise(SIGUSR1);
	}
	say_ready();
	pf_level3();
	_exit(0);
}

/* Stop `pid`, copy its stack, let it go and unwind the copy; its frames'
 * names into `out`, space-separated, innermost first. */
static int unwind_once(struct native *n, pid_t pid, char *out, size_t cap, bool *whole)
{
	struct tracee t;
	struct regs regs;
	struct native_copy copy = { .lo = 0 };
	uint64_t pcs[MAX];
	size_t count = 0;
	int rc;

	out[0] = '\0';
	tracee_init(&t);
	if ((rc = tracee_attach(&t, pid)) == 0 && (rc = tracee_stop(&t)) == 0 &&
	    (rc = tracee_regs(&t, pid, &regs)) == 0)
		rc = native_copy(n, &regs, &copy);
	tracee_detach(&t);
	tracee_release(&t);
	if (rc == 0)
		rc = native_unwind(n, &copy, pcs, MAX, &count, whole);
	native_copy_release(&copy);
	for (size_t i = 0; rc == 0 && i < count; i++) {
		struct native_frame f;
		size_t len = strlen(out);

		native_name(n, pcs[i], &f);
		snprintf(out + len, cap - len, "%s%s", i ? " " : "",
			 f.symbol ? f.symbol : "?");
	}
	return rc;
}

/* The names of the child's frames, space-separated, innermost first. */
static int unwind_child(pid_t pid, char *out, size_t cap, bool *whole)
{
	struct remote r;
	struct native n;
	int rc;

	if ((rc = remote_open(&r, pid)) < 0)
		return rc;
	if ((rc = native_open(&n, pid, &r)) == 0) {
		rc = unwind_once(&n, pid, out, cap, whole);
		native_close(&n);
	}
	remote_close(&r);
	return rc;
}

/*
 * A copy of this program, started with "spin FD" and deleted once it
 * runs: its file is gone from the file system, only the mapping is left.
 */
static pid_t start_deleted_copy(char *path, size_t cap)
{
	int fds[2], in, out;
	char buf[65536], fdarg[16];
	ssize_t n;
	pid_t pid;

	snprintf(path, cap, "/tmp/pf-test-native-%d", (int)getpid());
	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	close(in);
	close(out);
	if (pipe(fds) < 0)
		PF_BUG("pipe");
	snprintf(fdarg, sizeof fdarg, "%d", fds[1]);
	pid = fork();
	if (pid == 0) {
		execl(path, path, "spin", fdarg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	if (read(fds[0], buf, 1) != 1)
		PF_BUG("the copy did not start");
	close(fds[0]);
	unlink(path);
	usleep(10000);
	return pid;
}

__attribute__((noinline)) static pid_t start_child(int kind)
{
	int fds[2];
	char c;
	pid_t pid;

	if (pipe(fds) < 0)
		PF_BUG("pipe");
	pid = fork();
	if (pid == 0) {
		ready_fd = fds[1];
		if (kind == 2)
			child_deep();
		child(kind == 1);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		PF_BUG("the child did not start");
	close(fds[0]);
	usleep(10000);		// from its write into the spin
	return pid;
}

static void stop_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_chain(void)
{
	char names[4096];
	bool whole = false;
	pid_t pid = start_child(0);
	int rc = unwind_child(pid, names, sizeof names, &whole);

	ok(rc == 0, "unwound (%s)", rc ? pf_last_error() : "ok");
	/* test_chain itself may be inlined into main */
	ok(starts(names, "pf_spin pf_level1 pf_level2 pf_level3 child start_child ") &&
	   strstr(names, " main "), "the chain, innermost first: %s", names);
	ok(whole && strstr(names, " _start") && strlen(strstr(names, " _start")) == 7,
	   "whole, down to _start");
	stop_child(pid);
}

static void test_signal(void)
{
	char names[4096];
	bool whole = false;
	pid_t pid = start_child(1);
	int rc = unwind_child(pid, names, sizeof names, &whole);
	const char *below = strstr(names, "pf_handler ");

	ok(rc == 0 && starts(names, "pf_spin pf_level1 pf_level2 pf_level3 pf_handler "),
	   "inside a signal handler: %s", rc ? pf_last_error() : names);
	/* the return trampoline (glibc's __restore_rt has no size: unnamed),
	 * then where the signal struck, exactly: inside raise */
	ok(below && strstr(below, " raise child start_child ") && strstr(below, " main "),
	   "through the signal frame to the interrupted code");
	ok(whole, "whole");
	stop_child(pid);
}

static size_t count_words(const char *s, const char *word)
{
	size_t n = 0, len = strlen(word);

	for (const char *p = s; (p = strstr(p, word)); p += len)
		n += (p == s || p[-1] == ' ') && (p[len] == ' ' || !p[len]);
	return n;
}

/* A stack deeper than the first copy: the first unwind reads the rest from
 * the running thread (late), the next copy holds it all. */
static void test_deep(void)
{
	char first[8192], second[8192];
	bool whole1 = false, whole2 = false;
	pid_t pid = start_child(2);
	struct remote r;
	struct native n;
	int rc1 = -1, rc2 = -1;
	uint64_t late1 = 0;

	remote_open(&r, pid);
	if (native_open(&n, pid, &r) == 0) {
		rc1 = unwind_once(&n, pid, first, sizeof first, &whole1);
		late1 = n.late_unwinds;
		rc2 = unwind_once(&n, pid, second, sizeof second, &whole2);
		ok(late1 == 1 && n.stack_plan > DEEP_LEVELS * 4096u,
		   "the first unwind read late and the copy grew (%zu bytes)", n.stack_plan);
		ok(n.late_unwinds == 1, "the second one is wholly from its copy");
		native_close(&n);
	}
	remote_close(&r);
	ok(rc1 == 0 && whole1 && count_words(first, "pf_deep") == DEEP_LEVELS &&
	   strstr(first, " start_child "), "first: every level, whole: %s", first);
	ok(rc2 == 0 && whole2 && strcmp(first, second) == 0, "second: the same stack");
	stop_child(pid);
}

static void test_deleted(void)
{
	char path[64], names[4096];
	bool whole = false;
	pid_t pid = start_deleted_copy(path, sizeof path);
	int rc = unwind_child(pid, names, sizeof names, &whole);

	ok(rc == 0 && starts(names, "pf_spin pf_level1 pf_level2 pf_level3 child main "),
	   "a deleted program: unwound and named through its mapping: %s",
	   rc ? pf_last_error() : names);
	stop_child(pid);
}

static void test_unknown(void)
{
	struct native_frame f;
	struct remote r;
	struct native n;

	remote_open(&r, getpid());
	ok(native_open(&n, getpid(), &r) == 0, "open on ourselves");
	native_name(&n, 0x10, &f);
	ok(strcmp(f.object, "[unknown]") == 0 && !f.symbol && f.offset == 0x10,
	   "an address in no mapping: [unknown]+pc");
	native_name(&n, (uint64_t)(uintptr_t)&pf_level2 + 1, &f);
	ok(f.symbol && strcmp(f.symbol, "pf_level2") == 0 && f.offset == 0 &&
	   strcmp(f.object, "test-native") == 0, "our own function, named, offset 0");
	ok(n.objs.refreshes >= 2, "an unknown address re-reads the maps");
	native_close(&n);
	remote_close(&r);
}

/* Jumps found in bytes written by hand: jmp rel32, jcc rel32, not call. */
static void test_branch_targets(void)
{
	static const uint8_t code[] = {
		0xe9, 0x10, 0x00, 0x00, 0x00,		// 0x1000: jmp 0x1015
		0x0f, 0x84, 0xf0, 0xff, 0xff, 0xff,	// 0x1005: je 0x0ffb
		0xe8, 0x00, 0x01, 0x00, 0x00,		// 0x100b: call (not a jump)
		0x90, 0xe9, 0x01, 0x02,			// 0x1010: a jmp cut by the end
	};
	uint64_t t[8];
	size_t n = arch_branch_targets(code, sizeof code, 0x1000, t, PF_ARRAY_SIZE(t));

	ok(n == 2 && t[0] == 0x1015 && t[1] == 0xffb, "two jumps, backwards too; no call");
	ok(arch_branch_targets(code, sizeof code, 0x1000, t, 1) == 1, "bounded by cap");
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "spin") == 0) {
		ready_fd = atoi(argv[2]);
		child(false);
	}
	alarm(60);
	test_branch_targets();
	test_chain();
	test_signal();
	test_deep();
	test_deleted();
	test_unknown();
	return done_testing();
}
