/* SPDX-License-Identifier: Apache-2.0 */
/* explain.c - hints for a refused ptrace attach or memory read. */
#include "compat.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explain.h"

#define CAP_SYS_PTRACE_BIT 19

/* Yama's ptrace_scope, or -1 when Yama is absent. */
static int yama_scope(void)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int scope = -1;

	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = -1;
		fclose(f);
	}
	return scope;
}

static bool have_cap_sys_ptrace(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long caps = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return (caps >> CAP_SYS_PTRACE_BIT) & 1;
}

static void add_hint(struct strbuf *out, bool *first, const char *text)
{
	strbuf_addstr(out, *first ? " (" : "; ");
	strbuf_addstr(out, text);
	*first = false;
}

void explain_eperm(pid_t pid, struct strbuf *out)
{
	static const char *const scope_text[] = {
		"kernel.yama.ptrace_scope is 0",
		"kernel.yama.ptrace_scope is 1: only descendants may be traced",
		"kernel.yama.ptrace_scope is 2: only CAP_SYS_PTRACE may trace",
		"kernel.yama.ptrace_scope is 3: ptrace is disabled until reboot",
	};
	char path[64];
	struct stat st;
	bool first = true;
	int scope = yama_scope();

	if (scope >= 1 && scope <= 3)
		add_hint(out, &first, scope_text[scope]);
	snprintf(path, sizeof path, "/proc/%d", (int)pid);
	if (stat(path, &st) == 0 && st.st_uid != geteuid() && geteuid() != 0)
		add_hint(out, &first, "the process belongs to another user");
	if (!have_cap_sys_ptrace())
		add_hint(out, &first, "run as root or with CAP_SYS_PTRACE; in a container add --cap-add=SYS_PTRACE");
	else if (first)
		add_hint(out, &first, "a security module (SELinux, AppArmor) or a container may forbid ptrace; in a container add --cap-add=SYS_PTRACE");
	if (!first)
		strbuf_addch(out, ')');
}
