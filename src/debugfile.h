/* SPDX-License-Identifier: Apache-2.0 */
/*
 * debugfile.h - find the separate debug file of an object of the target,
 * inside the target's root (proc_open_in_root): the place its symbols
 * went when the object was stripped.
 */
#ifndef PF_DEBUGFILE_H
#define PF_DEBUGFILE_H

#include "compat.h"
#include "elf.h"

#include <sys/stat.h>

#define DEBUGFILE_ROOT "/usr/lib/debug"

/*
 * debugfile_open - an fd (caller closes) of the debug file of object `path`
 * (absolute, as in the target's maps) of process `pid`, whose parsed ELF
 * is `obj`. Tried in order:
 *   1. by build-id: /usr/lib/debug/.build-id/ab/cdef....debug, accepted if
 *      its own build-id is the same;
 *   2. by .gnu_debuglink NAME: DIR/NAME, DIR/.debug/NAME and
 *      /usr/lib/debug/DIR/NAME (DIR: the object's directory), accepted if
 *      the CRC-32 of the whole file is the one the link records, and the
 *      file is not the object itself (`self`: the fstat of the object).
 * Only reads files. Returns the fd, or -PF_ENOENT when none is found
 * (-PF_EGONE if the process is gone).
 */
int debugfile_open(pid_t pid, const char *path, const struct elf *obj,
		   const struct stat *self);

/*
 * debugfile_build_id_path - the build-id path of step 1 for id[0..len)
 * into out[0..cap): 0, or -PF_ELIMIT / -PF_EINVAL (len < 2). Pure.
 */
int debugfile_build_id_path(const uint8_t *id, size_t len, char *out, size_t cap);

#endif
