/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inroot.h - resolve a path inside a directory treated as the root, so that
 * no symlink or ".." can lead outside it.
 */
#ifndef PF_INROOT_H
#define PF_INROOT_H

/*
 * inroot_open - an O_PATH|O_CLOEXEC fd of `path` resolved inside `rootfd`
 * as if it were "/": absolute symlinks restart at rootfd, ".." stops at it.
 * openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS does this in the kernel;
 * kernels before 5.6 (and tools that do not know openat2) lack it, and then
 * the same walk is done here one component at a time, never following a
 * link in the kernel (O_NOFOLLOW) and reading each link's text instead, at
 * most 40 links (ELOOP past that). Returns the fd, or -1 with errno set.
 */
int inroot_open(int rootfd, const char *path);

/* The user-space walk alone, for tests: same contract as inroot_open(). */
int inroot_open_walk(int rootfd, const char *path);

#endif
