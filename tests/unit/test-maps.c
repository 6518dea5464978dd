/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-maps.c - the /proc/PID/maps parser and look-ups, and the /proc
 * readers of proc.c (this process, its children and a chroot'ed child).
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "maps.h"
#include "proc.h"
#include "strbuf.h"
#include "tap.h"

/* Lines shaped like a real /proc/PID/maps (note the anonymous line's blank). */
static const char real_text[] =
	"55d0c8a00000-55d0c8a28000 r--p 00000000 fe:00 247134                     /usr/bin/python3.11\n"
	"55d0c8a28000-55d0c8c00000 r-xp 00028000 fe:00 247134                     /usr/bin/python3.11\n"
	"55d0ca1f2000-55d0ca2b6000 rw-p 00000000 00:00 0                          [heap]\n"
	"7f3a1c000000-7f3a1c021000 rw-p 00000000 00:00 0 \n"
	"7f3a1d200000-7f3a1d201000 r--p 00000000 08:02 42                         /tmp/my dir/lib foo.so\n"
	"7f3a1d201000-7f3a1d202000 r-xp 00001000 08:02 42                         /tmp/my dir/lib foo.so\n"
	"7f3a1d300000-7f3a1d310000 rw-s 00000000 00:05 123456                     /dev/shm/seg (deleted)\n"
	"7ffc5b3e1000-7ffc5b402000 rw-p 00000000 00:00 0                          [stack]\n"
	"7ffc5b5f0000-7ffc5b5f2000 r-xp 00000000 00:00 0                          [vdso]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]";

/* Parse a copy that ends exactly at len, so any over-read is caught. */
static int parse_copy(struct maps *mp, const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, text, len);
	rc = maps_parse(mp, copy, len);
	free(copy);
	return rc;
}

static void test_real_format(void)
{
	struct maps mp;
	const struct map_entry *e;

	maps_init(&mp);
	ok(parse_copy(&mp, real_text, strlen(real_text)) == 0 && mp.count == 10,
	   "ten lines, the last without a newline");
	e = &mp.entries[1];
	ok(e->start == 0x55d0c8a28000 && e->end == 0x55d0c8c00000 &&
	   e->offset == 0x28000 && e->perms == (MAP_PERM_R | MAP_PERM_X | MAP_PERM_P) &&
	   e->dev_major == 0xfe && e->dev_minor == 0 && e->inode == 247134 &&
	   !e->deleted && strcmp(e->path, "/usr/bin/python3.11") == 0, "all fields of a file mapping");
	ok(strcmp(mp.entries[2].path, "[heap]") == 0 && mp.entries[2].inode == 0, "[heap] kept as is");
	ok(strcmp(mp.entries[3].path, "") == 0 && mp.entries[3].perms == (MAP_PERM_R | MAP_PERM_W | MAP_PERM_P),
	   "anonymous mapping has an empty path");
	ok(strcmp(mp.entries[4].path, "/tmp/my dir/lib foo.so") == 0 && mp.entries[4].dev_minor == 2,
	   "path with spaces");
	e = &mp.entries[6];
	ok(e->deleted && strcmp(e->path, "/dev/shm/seg") == 0 && !(e->perms & MAP_PERM_P) &&
	   (e->perms & MAP_PERM_W), "deleted shared mapping: suffix removed, flag set");
	ok(strcmp(mp.entries[8].path, "[vdso]") == 0, "[vdso]");
	e = &mp.entries[9];
	ok(e->start == 0xffffffffff600000 && e->perms == (MAP_PERM_X | MAP_PERM_P) && strcmp(e->path, "[vsyscall]") == 0,
	   "16-digit addresses, --xp");
	ok(strcmp(maps_basename(&mp.entries[4]), "lib foo.so") == 0 &&
	   strcmp(maps_basename(&mp.entries[2]), "[heap]") == 0 &&
	   strcmp(maps_basename(&mp.entries[3]), "") == 0, "maps_basename");

	ok(maps_find_addr(&mp, 0x55d0c8a28000) == &mp.entries[1] &&
	   maps_find_addr(&mp, 0x55d0c8a27fff) == &mp.entries[0] &&
	   maps_find_addr(&mp, 0x55d0c8c00000) == NULL &&
	   maps_find_addr(&mp, 0) == NULL, "find_addr: start included, end excluded, gaps");
	ok(parse_copy(&mp, real_text, 0) == 0 && mp.count == 0, "empty text: no entries");
	ok(parse_copy(&mp, real_text, strlen(real_text)) == 0 &&
	   parse_copy(&mp, real_text, (size_t)(strchr(real_text, '\n') - real_text)) == 0 &&
	   mp.count == 1, "parse replaces what was held");
	maps_release(&mp);
	ok(mp.count == 0 && mp.entries == NULL, "release empties");
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"7f3a1c000000-7f3a1c021000 rw-p 0000",
		"7f3a1c000000-7f3a1c021000 rw-p",
		"7f3a1c000000-7f3a1c021000",
		"7f3a1c000000",
		"7f3a1c000000-",
		"7g3a1c000000-7f3a1c021000 rw-p 00000000 00:00 0",
		"7f3a1c000000 7f3a1c021000 rw-p 00000000 00:00 0",
		"7f3a1c000000-7f3a1c021000 rwzp 00000000 00:00 0",
		"7f3a1c000000-7f3a1c021000 rw-q 00000000 00:00 0",
		"7f3a1c000000-7f3a1c021000 rw-p 0000000x 00:00 0",
		"7f3a1c000000-7f3a1c021000 rw-p 00000000 0000 0",
		"7f3a1c000000-7f3a1c021000 rw-p 00000000 00:00 x",
		"7f3a1c000000-7f3a1c021000 rw-p 00000000 00:00 12x /a",
		"7f3a1c000000-7f3a1c021000 rw-p 00000000 00:00",
		"7f3a1c021000-7f3a1c000000 rw-p 00000000 00:00 0",
		"117f3a1c000000000-127f3a1c000000000 rw-p 00000000 00:00 0",
		"7f3a1c000000-7f3a1c021000 rw-p 00000000 00:00 99999999999999999999",
		"7f3a1c000000-7f3a1c021000 rw-p 00000000 100000000:00 0",
		"7f3a1c000000-7f3a1c021000  rw-p 00000000 00:00 0",
		"\n",
		" ",
	};
	static const char gap[] = "00400000-00401000 r--p 00000000 08:02 1 /a\n\nx";
	struct maps mp;
	size_t bad_rc = 0, emptied = 0;

	maps_init(&mp);
	for (size_t i = 0; i < PF_ARRAY_SIZE(bad); i++) {
		parse_copy(&mp, real_text, strlen(real_text));
		if (parse_copy(&mp, bad[i], strlen(bad[i])) == -PF_EFORMAT)
			bad_rc++;
		else
			printf("# accepted: '%s'\n", bad[i]);
		emptied += mp.count == 0;
	}
	ok(bad_rc == PF_ARRAY_SIZE(bad), "%zu of %zu malformed lines rejected", bad_rc,
	   PF_ARRAY_SIZE(bad));
	ok(emptied == PF_ARRAY_SIZE(bad), "a failed parse leaves no entries");
	ok(parse_copy(&mp, gap, sizeof gap - 1) == -PF_EFORMAT &&
	   strstr(pf_last_error(), "line 2") != NULL, "an empty line in the middle, named: '%s'",
	   pf_last_error());
	maps_release(&mp);
}

/* Every prefix of real text parses or fails cleanly, never reads past its end. */
static void test_prefixes(void)
{
	size_t failures = 0, len = strlen(real_text);
	struct maps mp;

	maps_init(&mp);
	for (size_t n = 0; n <= len; n++) {
		int rc = parse_copy(&mp, real_text, n);

		if (rc != 0 && rc != -PF_EFORMAT)
			failures++;
	}
	ok(failures == 0, "all %zu prefixes give 0 or -PF_EFORMAT", len + 1);
	maps_release(&mp);
}

static void test_find_base(void)
{
	static const char text[] =
		"7f0000000000-7f0000010000 r--p 00000000 08:02 11   /other/libpython3.12.so.1.0\n"
		"7f0000100000-7f0000101000 r-xp 00001000 08:02 77   /opt/lib/libpython3.12.so.1.0\n"
		"7f0000200000-7f0000201000 r--p 00000000 08:02 77   /opt/lib/libpython3.12.so.1.0\n"
		"7f0000201000-7f0000300000 r-xp 00001000 08:02 77   /opt/lib/libpython3.12.so.1.0\n"
		"7f0000400000-7f0000401000 r--p 00000000 08:02 78   /opt/lib/libgone.so (deleted)\n"
		"7f0000500000-7f0000501000 r-xp 00002000 08:02 79   /opt/lib/libnozero.so\n";
	struct maps mp;
	uint64_t base = 0;
	int rc;

	maps_init(&mp);
	ok(parse_copy(&mp, text, sizeof text - 1) == 0 && mp.count == 6, "synthetic separate-code list");
	rc = maps_find_base(&mp, "/opt/lib/libpython3.12.so.1.0", &base);
	ok(rc == 0 && base == 0x7f0000200000,
	   "base is the offset-0 r--p mapping, not the r-x one listed first (0x%llx)",
	   (unsigned long long)base);
	ok(maps_find_base(&mp, "/other/libpython3.12.so.1.0", &base) == 0 && base == 0x7f0000000000,
	   "same basename, other path: its own base");
	ok(maps_find_base(&mp, "/opt/lib/libgone.so", &base) == 0 && base == 0x7f0000400000,
	   "deleted file found by its path without the suffix");
	ok(maps_find_base(&mp, "/opt/lib/libnozero.so", &base) == -PF_ENOENT,
	   "no offset-0 mapping: -PF_ENOENT");
	ok(maps_find_base(&mp, "/opt/lib/libabsent.so", &base) == -PF_ENOENT, "absent path: -PF_ENOENT");
	maps_release(&mp);
}

static int local_function(int x)
{
	return x * 3 + 1;
}

static void test_self_maps(const char *argv0)
{
	struct strbuf sb, exe;
	struct maps mp;
	const struct map_entry *e;
	char *real = realpath(argv0, NULL);
	uint64_t addr = (uint64_t)(uintptr_t)&local_function, base = 0;
	int rc;

	strbuf_init(&sb);
	strbuf_init(&exe);
	maps_init(&mp);
	ok(proc_read(getpid(), "maps", &sb) == 0 && sb.len > 0, "proc_read of our own maps");
	rc = maps_parse(&mp, sb.buf, sb.len);
	ok(rc == 0 && mp.count > 3, "our maps parse (%zu entries)", mp.count);
	e = maps_find_addr(&mp, addr);
	ok(e && (e->perms & MAP_PERM_X) && (e->perms & MAP_PERM_R), "a local function lies in an r-x mapping");
	rc = proc_exe(getpid(), &exe);
	ok(rc == 0 && real && strcmp(exe.buf, real) == 0, "proc_exe is our program '%s'", exe.buf);
	ok(e && strcmp(e->path, exe.buf) == 0, "that mapping is of our executable");
	rc = maps_find_base(&mp, exe.buf, &base);
	ok(rc == 0 && base <= addr && e && base <= e->start,
	   "our base 0x%llx is at or below the code", (unsigned long long)base);
	ok(local_function(1) == 4, "the local function is real");
	maps_release(&mp);
	strbuf_release(&sb);
	strbuf_release(&exe);
	free(real);
}

/* A PID that surely is gone: a child already reaped. */
static pid_t gone_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static int hold_fds[2];
static pid_t thread_tid;

static void *blocked_thread(void *arg)
{
	char c;

	(void)arg;
	__atomic_store_n(&thread_tid, gettid(), __ATOMIC_SEQ_CST);
	while (read(hold_fds[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* Wait up to about 2 s for a task to reach `want`; the last state seen. */
static char wait_state(pid_t pid, pid_t tid, char want)
{
	char state = '?';

	for (int i = 0; i < 200; i++) {
		if (proc_task_state(pid, tid, &state) == 0 && state == want)
			break;
		usleep(10000);
	}
	return state;
}

static void test_tasks(void)
{
	pthread_t th;
	pid_t *tids = NULL, tid;
	size_t count = 0;
	bool sorted = true, has_main = false, has_thread = false;
	char state = '?';
	int rc;

	if (pipe(hold_fds) != 0 || pthread_create(&th, NULL, blocked_thread, NULL) != 0) {
		ok(0, "cannot start a thread");
		return;
	}
	while ((tid = __atomic_load_n(&thread_tid, __ATOMIC_SEQ_CST)) == 0)
		usleep(1000);
	rc = proc_list_tasks(getpid(), &tids, &count);
	ok(rc == 0 && count >= 2, "list_tasks: %zu tasks", count);
	for (size_t i = 0; i < count; i++) {
		sorted &= i == 0 || tids[i - 1] < tids[i];
		has_main |= tids[i] == getpid();
		has_thread |= tids[i] == tid;
	}
	ok(sorted && has_main && has_thread, "ascending, with the main thread and ours");
	free(tids);
	rc = proc_task_state(getpid(), getpid(), &state);
	ok(rc == 0 && state == 'R', "we are running (%c)", state);
	ok(wait_state(getpid(), tid, 'S') == 'S', "the blocked thread sleeps");
	close(hold_fds[1]);
	pthread_join(th, NULL);
	close(hold_fds[0]);
	ok(proc_task_state(getpid(), tid, &state) == -PF_EGONE, "a joined thread is gone");
	ok(proc_list_tasks(gone_pid(), &tids, &count) == -PF_EGONE && tids == NULL,
	   "list_tasks of a gone process");
}

static void test_proc_read(void)
{
	struct strbuf sb;
	pid_t child;
	int status;

	strbuf_init(&sb);
	strbuf_addstr(&sb, "old");
	ok(proc_read(gone_pid(), "maps", &sb) == -PF_EGONE && sb.len == 0, "gone process: -PF_EGONE");
	ok(proc_read(getpid(), "no-such-file", &sb) == -PF_ENOENT, "missing file: -PF_ENOENT");
	ok(proc_read(getpid(), "stat", &sb) == 0 && sb.len > 0 && sb.buf[sb.len] == '\0' &&
	   strchr(sb.buf, ')') != NULL, "stat read whole");
	ok(!proc_is_kernel_thread(getpid()), "we are no kernel thread");

	child = fork();
	if (child == 0)
		_exit(0);
	ok(wait_state(child, child, 'Z') == 'Z', "an unreaped child is a zombie");
	ok(proc_read(child, "maps", &sb) == 0 && sb.len == 0, "a zombie has empty maps");
	ok(!proc_is_kernel_thread(child), "a zombie is no kernel thread");
	waitpid(child, &status, 0);

	ok(proc_exe(gone_pid(), &sb) == -PF_EGONE, "proc_exe of a gone process");
	if (proc_read(2, "comm", &sb) == 0 && strcmp(sb.buf, "kthreadd\n") == 0)
		ok(proc_is_kernel_thread(2) && proc_exe(2, &sb) == -PF_ENOENT,
		   "kthreadd is a kernel thread without exe");
	else
		printf("ok %d # SKIP no kthreadd in this pid namespace\n", ++tap_count);
	strbuf_release(&sb);
}

/* A scratch directory with a file, symlinks and a FIFO. */
struct scratch {
	char dir[64];
	struct strbuf secret, link, up, escape, fifo;
};

static bool scratch_make(struct scratch *s)
{
	FILE *f;

	strcpy(s->dir, "/tmp/pf-test-maps-XXXXXX");
	if (!mkdtemp(s->dir))
		return false;
	strbuf_init(&s->secret);
	strbuf_init(&s->link);
	strbuf_init(&s->up);
	strbuf_init(&s->escape);
	strbuf_init(&s->fifo);
	strbuf_addf(&s->secret, "%s/secret", s->dir);
	strbuf_addf(&s->link, "%s/link", s->dir);
	strbuf_addf(&s->up, "%s/up", s->dir);
	strbuf_addf(&s->escape, "%s/escape", s->dir);
	strbuf_addf(&s->fifo, "%s/fifo", s->dir);
	f = fopen(s->secret.buf, "w");
	if (!f || fputs("inside\n", f) < 0 || fclose(f) != 0)
		return false;
	/* inside a root of s->dir: "/secret"; outside it: nothing */
	return symlink("/secret", s->link.buf) == 0 &&
	       symlink("../../../../../secret", s->up.buf) == 0 &&
	       symlink(s->secret.buf, s->escape.buf) == 0 &&
	       mkfifo(s->fifo.buf, 0600) == 0;
}

static void scratch_remove(struct scratch *s)
{
	struct strbuf *all[] = { &s->secret, &s->link, &s->up, &s->escape, &s->fifo };

	for (size_t i = 0; i < PF_ARRAY_SIZE(all); i++) {
		unlink(all[i]->buf);
		strbuf_release(all[i]);
	}
	rmdir(s->dir);
}

/* Read a whole small file from fd (closed here) into buf. */
static bool fd_text(int fd, char *buf, size_t size)
{
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

static void test_open_in_root_self(struct scratch *s)
{
	struct stat a, b;
	char buf[64];
	int fd;

	fd = proc_open_in_root(getpid(), "/proc/self/exe");
	ok(fd < 0, "a magic link is refused (%d)", fd);
	if (fd >= 0)
		close(fd);
	fd = proc_open_in_root(getpid(), s->link.buf);
	ok(fd == -PF_ENOENT, "in our root, link -> /secret does not exist");
	ok(fd_text(proc_open_in_root(getpid(), s->escape.buf), buf, sizeof buf) &&
	   strcmp(buf, "inside\n") == 0, "an absolute symlink in our own root resolves");
	fd = proc_open_in_root(getpid(), s->secret.buf);
	ok(fd >= 0 && fstat(fd, &a) == 0 && stat(s->secret.buf, &b) == 0 && a.st_ino == b.st_ino &&
	   (fcntl(fd, F_GETFD) & FD_CLOEXEC) && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY,
	   "a regular file opens read-only, close-on-exec");
	if (fd >= 0)
		close(fd);
	/* opening a FIFO for reading would block until the alarm set in main() */
	ok(proc_open_in_root(getpid(), s->fifo.buf) == -PF_EINVAL, "a FIFO is refused without blocking");
	ok(proc_open_in_root(getpid(), s->dir) == -PF_EINVAL, "a directory is refused");
	ok(proc_open_in_root(getpid(), "tmp/x") == -PF_EINVAL, "a relative path is refused");
	ok(proc_open_in_root(gone_pid(), "/etc/passwd") == -PF_EGONE, "gone process: -PF_EGONE");
}

/* A child chroot'ed into s->dir that waits until hold is closed; or -1. */
static pid_t chrooted_child(struct scratch *s, int hold[2])
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready) != 0 || pipe(hold) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		if (chroot(s->dir) != 0 || chdir("/") != 0)
			_exit(1);
		if (write(ready[1], "x", 1) == 1)
			while (read(hold[0], &c, 1) < 0 && errno == EINTR)
				;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &c, 1) != 1) {
		close(hold[1]);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

static void test_open_in_root_chroot(struct scratch *s)
{
	struct strbuf naive;
	int hold[2], fd;
	pid_t child = chrooted_child(s, hold);
	char buf[64];

	if (child < 0) {
		printf("ok %d # SKIP chroot not permitted\n", ++tap_count);
		return;
	}
	strbuf_init(&naive);
	strbuf_addf(&naive, "/proc/%d/root/escape", (int)child);
	fd = open(naive.buf, O_RDONLY);
	ok(fd >= 0, "precondition: a plain open through /proc/PID/root escapes the root");
	if (fd >= 0)
		close(fd);
	ok(proc_open_in_root(child, "/escape") == -PF_ENOENT,
	   "openat2 keeps the absolute symlink inside the root");
	ok(fd_text(proc_open_in_root(child, "/link"), buf, sizeof buf) && strcmp(buf, "inside\n") == 0,
	   "/link -> /secret resolves inside the root");
	ok(fd_text(proc_open_in_root(child, "/up"), buf, sizeof buf) && strcmp(buf, "inside\n") == 0,
	   "'..' stops at the root");
	ok(fd_text(proc_open_in_root(child, "/../../secret"), buf, sizeof buf) &&
	   strcmp(buf, "inside\n") == 0, "'..' in the path itself stops at the root");
	close(hold[1]);
	waitpid(child, NULL, 0);
	strbuf_release(&naive);
}

static void test_open_in_root(void)
{
	struct scratch s;

	if (!scratch_make(&s)) {
		ok(0, "cannot make a scratch directory");
		return;
	}
	test_open_in_root_self(&s);
	test_open_in_root_chroot(&s);
	scratch_remove(&s);
}

int main(int argc, char **argv)
{
	(void)argc;
	alarm(300);	// a child or thread that never ends fails the test instead of hanging it
	test_real_format();
	test_malformed();
	test_prefixes();
	test_find_base();
	test_self_maps(argv[0]);
	test_proc_read();
	test_tasks();
	test_open_in_root();
	return done_testing();
}
