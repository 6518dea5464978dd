/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-remote.c - memory reads: the in-memory image, then this process and
 * forked children through process_vm_readv, /proc/PID/mem and
 * PTRACE_PEEKDATA, each backend forced and each fallback provoked with a
 * seccomp filter that refuses the faster one.
 */
#include "compat.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "ptrace.h"
#include "remote.h"
#include "tap.h"

#define PAGE 4096

static unsigned char pattern[PAGE];	/* the parent's bytes; children change theirs */
static uint8_t *hole;			/* a page whose successor is unmapped */

static void fill(unsigned mul, unsigned add)
{
	for (size_t i = 0; i < sizeof pattern; i++)
		pattern[i] = (unsigned char)(i * mul + add);
}

static bool is_fill(const unsigned char *p, size_t off, size_t len, unsigned mul, unsigned add)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (unsigned char)((off + i) * mul + add))
			return false;
	return true;
}

/* ------------------------------------------------------------- image */

static void test_image(void)
{
	static const uint8_t a[16] = "ABCDEFGHIJKLMNOP", b[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const struct remote_region regions[] = {
		{ 0x2000, b, sizeof b }, { 0x1000, a, sizeof a }, { 0x1010, b, sizeof b },
	};
	struct remote r;
	uint8_t buf[16];
	uint64_t p;
	uint32_t u;

	remote_open_image(&r, regions, PF_ARRAY_SIZE(regions));
	ok(r.kind == REMOTE_IMAGE && r.reads == 0, "image: opened");
	ok(remote_read(&r, 0x1004, buf, 4) == 0 && memcmp(buf, "EFGH", 4) == 0,
	   "image: read inside a region");
	ok(remote_read(&r, 0x1000, buf, 16) == 0 && memcmp(buf, a, 16) == 0,
	   "image: a whole region");
	ok(remote_read(&r, 0x100c, buf, 8) == -PF_ETORN,
	   "image: a read straddling two adjacent regions is torn");
	ok(remote_read(&r, 0x1ffc, buf, 8) == -PF_ETORN, "image: straddling a region start");
	ok(remote_read(&r, 0x3000, buf, 1) == -PF_ETORN, "image: outside every region");
	ok(remote_read(&r, 0xfff, buf, 1) == -PF_ETORN, "image: one byte before a region");
	ok(remote_read(&r, UINT64_MAX - 2, buf, 8) == -PF_ETORN, "image: wrapping address");
	ok(remote_read_ptr(&r, 0x2000, &p) == 0 && p == 0x0807060504030201ull,
	   "image: pointer, little-endian");
	ok(remote_read_u32(&r, 0x2004, &u) == 0 && u == 0x08070605u, "image: u32");
	ok(remote_read_u32(&r, 0x2006, &u) == -PF_ETORN, "image: u32 past the end");
	ok(r.reads == 10, "image: every call counted (%llu)", (unsigned long long)r.reads);
	remote_close(&r);
	ok(r.fd == -1, "image: close leaves no fd");
}

static void test_image_readv(void)
{
	static const uint8_t a[8] = "abcdefgh";
	static const struct remote_region reg = { 0x500, a, sizeof a };
	struct remote r;
	uint8_t x[2], y[3], z[1] = { 0xee };
	struct remote_iov iov[] = { { 0x500, x, 2 }, { 0x505, y, 3 }, { 0x508, z, 0 } };
	struct remote_iov bad[] = { { 0x500, x, 2 }, { 0x507, y, 3 } };

	remote_open_image(&r, &reg, 1);
	ok(remote_readv(&r, iov, 3) == 0 && !memcmp(x, "ab", 2) && !memcmp(y, "fgh", 3) &&
	   z[0] == 0xee, "image readv: several ranges, an empty one at the end");
	ok(remote_readv(&r, bad, 2) == -PF_ETORN, "image readv: one torn range fails it all");
	ok(r.reads == 2, "image readv: one count per call");
}

/* ------------------------------------------------------ this process */

static void test_self(enum remote_kind kind, const char *name)
{
	unsigned char buf[PAGE];
	struct remote r;
	uint64_t base = (uint64_t)(uintptr_t)pattern;
	struct remote_iov iov[3] = {
		{ base + 1, buf, 7 }, { base + 100, buf + 7, 1000 }, { base + 4000, buf + 1007, 96 },
	};
	int rc;

	rc = remote_open_kind(&r, getpid(), kind);
	ok(rc == 0 && r.kind == kind, "%s self: open", name);
	memset(buf, 0, sizeof buf);
	ok(remote_read(&r, base, buf, PAGE) == 0 && is_fill(buf, 0, PAGE, 7, 3),
	   "%s self: a page of known bytes", name);
	memset(buf, 0, sizeof buf);
	ok(remote_readv(&r, iov, 3) == 0 && is_fill(buf, 1, 7, 7, 3) &&
	   is_fill(buf + 7, 100, 1000, 7, 3) && is_fill(buf + 1007, 4000, 96, 7, 3),
	   "%s self: readv of three ranges", name);
	ok(remote_read(&r, (uint64_t)(uintptr_t)hole + PAGE - 8, buf, 8) == 0,
	   "%s self: the last word before an unmapped page", name);
	rc = remote_read(&r, (uint64_t)(uintptr_t)hole + PAGE - 4, buf, 12);
	ok(rc == -PF_ETORN, "%s self: read running into an unmapped page is torn (%d)", name, rc);
	rc = remote_read(&r, (uint64_t)(uintptr_t)hole + PAGE, buf, 8);
	ok(rc == -PF_ETORN, "%s self: unmapped address is torn (%d)", name, rc);
	ok(remote_read(&r, 8, buf, 8) == -PF_ETORN, "%s self: address 8 is torn", name);
	ok(r.kind == kind, "%s self: no fallback was needed", name);
	remote_close(&r);
	ok(r.fd == -1, "%s self: closed", name);
}

static void test_open_errors(void)
{
	struct remote r;

	ok(remote_open(&r, 0) == -PF_EINVAL, "open: pid 0 is refused");
	ok(remote_open_kind(&r, getpid(), REMOTE_IMAGE) == -PF_EINVAL,
	   "open: an image needs remote_open_image");
	ok(remote_open(&r, getpid()) == 0 && r.kind == REMOTE_VM_READV && r.fd == -1,
	   "open: process_vm_readv first, nothing opened yet");
	remote_close(&r);
	remote_close(&r);
	ok(r.fd == -1, "close: twice is harmless");
}

/* --------------------------------------------------- forked children */

/* A child whose pattern differs from ours; it reports ready and waits. */
static pid_t start_child(void)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fill(13, 1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1)
		pid = -1;
	close(p[0]);
	return pid;
}

static void stop_child(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

static void test_child(enum remote_kind kind, const char *name)
{
	unsigned char buf[300];
	struct remote r;
	pid_t pid = start_child();
	uint64_t base = (uint64_t)(uintptr_t)pattern;

	ok(pid > 0, "%s child: started", name);
	if (pid <= 0)
		return;
	ok(remote_open_kind(&r, pid, kind) == 0, "%s child: open", name);
	ok(remote_read(&r, base + 3, buf, sizeof buf) == 0 &&
	   is_fill(buf, 3, sizeof buf, 13, 1), "%s child: reads the child's bytes, not ours", name);
	ok(remote_read(&r, (uint64_t)(uintptr_t)hole + PAGE, buf, 8) == -PF_ETORN,
	   "%s child: unmapped address is torn", name);
	stop_child(pid);
	ok(r.kind == kind, "%s child: still on the same backend", name);
	remote_close(&r);
}

/* Reads after the child exited: while a zombie, then reaped. */
static void test_exited_child(enum remote_kind kind, const char *name)
{
	unsigned char buf[16];
	struct remote r;
	pid_t pid = start_child();
	int rc;

	if (pid <= 0 || remote_open_kind(&r, pid, kind) < 0) {
		ok(0, "%s exited child: set up", name);
		return;
	}
	kill(pid, SIGKILL);
	waitid(P_PID, (id_t)pid, NULL, WEXITED | WNOWAIT);	/* a zombie now */
	rc = remote_read(&r, (uint64_t)(uintptr_t)pattern, buf, sizeof buf);
	ok(rc == -PF_EGONE || rc == -PF_ETORN, "%s exited child: zombie gives %d", name, rc);
	waitpid(pid, NULL, 0);
	rc = remote_read(&r, (uint64_t)(uintptr_t)pattern, buf, sizeof buf);
	ok(rc == -PF_EGONE || rc == -PF_ETORN, "%s exited child: reaped gives %d", name, rc);
	remote_close(&r);
}

/* PTRACE_PEEKDATA: only while the child is held in a ptrace-stop. */
static void test_peek(void)
{
	unsigned char buf[77];
	struct tracee t;
	struct remote r;
	pid_t pid = start_child();
	uint64_t base = (uint64_t)(uintptr_t)pattern;
	int rc;

	tracee_init(&t);
	if (pid <= 0 || tracee_attach(&t, pid) < 0 || tracee_stop(&t) < 0) {
		ok(0, "peek: set up (%s)", pf_last_error());
		return;
	}
	ok(remote_open_kind(&r, pid, REMOTE_PEEK) == 0 && r.kind == REMOTE_PEEK, "peek: open");
	ok(remote_read(&r, base + 5, buf, sizeof buf) == 0 && is_fill(buf, 5, sizeof buf, 13, 1),
	   "peek: unaligned start, odd length");
	ok(remote_read(&r, base + PAGE - 3, buf, 3) == 0 && is_fill(buf, PAGE - 3, 3, 13, 1),
	   "peek: the last bytes of a buffer");
	ok(remote_read(&r, (uint64_t)(uintptr_t)hole + PAGE - 8, buf, 8) == 0,
	   "peek: the last word before an unmapped page");
	ok(remote_read(&r, (uint64_t)(uintptr_t)hole + PAGE - 2, buf, 4) == -PF_ETORN,
	   "peek: running into an unmapped page is torn");
	tracee_resume(&t);
	rc = remote_read(&r, base, buf, 8);
	ok(rc == -PF_ETORN, "peek: a running target gives a torn read (%d)", rc);
	tracee_detach(&t);
	tracee_release(&t);
	stop_child(pid);
	remote_close(&r);
}

/* --------------------------------------------------- forced fallbacks */

/* Make process_vm_readv fail with ENOSYS, and every open with EACCES if
 * `no_open`: the refusals a container's seccomp profile may give. */
static int refuse_syscalls(bool no_open)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_readv, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_open, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, no_open ? SECCOMP_RET_ERRNO | EACCES : SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { (unsigned short)PF_ARRAY_SIZE(f), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* Exit codes of a fallback probe. */
enum { PROBE_OK = 0, PROBE_SKIP = 77, PROBE_READ = 10, PROBE_KIND = 11, PROBE_SETUP = 12 };

/* In a child: refuse process_vm_readv, read ourselves: /proc/self/mem. */
static int probe_mem_fallback(void)
{
	unsigned char buf[64];
	struct remote r;

	if (refuse_syscalls(false) < 0)
		return PROBE_SKIP;
	if (remote_open(&r, getpid()) < 0)
		return PROBE_SETUP;
	if (remote_read(&r, (uint64_t)(uintptr_t)pattern + 64, buf, sizeof buf) < 0 ||
	    !is_fill(buf, 64, sizeof buf, 7, 3))
		return PROBE_READ;
	return r.kind == REMOTE_PROC_MEM ? PROBE_OK : PROBE_KIND;
}

/* In a child: hold a grandchild in a ptrace-stop, refuse process_vm_readv
 * and every open: PTRACE_PEEKDATA is what remains. */
static int probe_peek_fallback(void)
{
	unsigned char buf[40];
	struct tracee t;
	struct remote r;
	pid_t pid = start_child();
	int rc = PROBE_OK;

	tracee_init(&t);
	if (pid <= 0 || tracee_attach(&t, pid) < 0 || tracee_stop(&t) < 0)
		return PROBE_SETUP;
	if (refuse_syscalls(true) < 0)
		rc = PROBE_SKIP;
	else if (remote_open(&r, pid) < 0)
		rc = PROBE_SETUP;
	else if (remote_read(&r, (uint64_t)(uintptr_t)pattern + 9, buf, sizeof buf) < 0 ||
		 !is_fill(buf, 9, sizeof buf, 13, 1))
		rc = PROBE_READ;
	else if (r.kind != REMOTE_PEEK)
		rc = PROBE_KIND;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) > 0)
		;
	return rc;
}

static int run_probe(int (*probe)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(probe());
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_fallbacks(void)
{
	int rc = run_probe(probe_mem_fallback);

	if (rc == PROBE_SKIP)
		printf("ok %d # SKIP seccomp filters not available\n", ++tap_count);
	else
		ok(rc == PROBE_OK, "fallback: refused process_vm_readv -> /proc/PID/mem (%d)", rc);
	rc = run_probe(probe_peek_fallback);
	if (rc == PROBE_SKIP)
		printf("ok %d # SKIP seccomp filters not available\n", ++tap_count);
	else
		ok(rc == PROBE_OK, "fallback: refused open of /proc/PID/mem -> PEEKDATA (%d)", rc);
}

static bool ptrace_permitted(void)
{
	pid_t pid = start_child();
	bool permitted;

	if (pid <= 0)
		return false;
	permitted = ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0 || errno != EPERM;
	stop_child(pid);
	return permitted;
}

int main(void)
{
	uint8_t *map;

	setvbuf(stdout, NULL, _IONBF, 0);
	alarm(60);
	fill(7, 3);
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return 99;
	munmap(map + PAGE, PAGE);
	hole = map;
	test_image();
	test_image_readv();
	test_open_errors();
	test_self(REMOTE_VM_READV, "vm_readv");
	test_self(REMOTE_PROC_MEM, "proc_mem");
	test_child(REMOTE_VM_READV, "vm_readv");
	test_child(REMOTE_PROC_MEM, "proc_mem");
	test_exited_child(REMOTE_VM_READV, "vm_readv");
	test_exited_child(REMOTE_PROC_MEM, "proc_mem");
	if (ptrace_permitted()) {
		test_peek();
		test_fallbacks();
	} else {
		printf("ok %d # SKIP ptrace not permitted\n", ++tap_count);
	}
	return done_testing();
}
