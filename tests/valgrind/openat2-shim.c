/* SPDX-License-Identifier: Apache-2.0 */
/*
 * openat2-shim.c - an LD_PRELOAD library for the valgrind run only: valgrind
 * 3.19 (Debian 12) fails openat2 with ENOSYS, so openat2 becomes openat.
 */
#include "compat.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <sys/syscall.h>

long syscall(long nr, ...);

/*
 * RESOLVE_IN_ROOT resolves `path` inside `dirfd`; openat() of the relative
 * path does the same for a target that shares our root, as the one of the
 * valgrind run does. Other syscalls go to the C library.
 */
long syscall(long nr, ...)
{
	static long (*next)(long, ...);
	long a[6];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_openat2) {
		const struct open_how *how = (const struct open_how *)a[2];
		const char *path = (const char *)a[1];

		while (*path == '/')
			path++;
		return openat((int)a[0], *path ? path : ".", (int)how->flags, (mode_t)how->mode);
	}
	if (!next)
		next = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	return next(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
