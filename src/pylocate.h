/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pylocate.h - find the interpreter inside a target process and learn its
 * version and layout, without executing anything of the target's.
 *
 * Reads /proc/PID/maps, opens candidate objects (basename "python*" or
 * "libpython*") through /proc/PID/root, picks the first whose symbol tables
 * define PyInterpreterState_Head, computes its load bias from the mapping at
 * file offset 0, and resolves the globals the walker needs. The version
 * comes from, in order: _Py_DebugOffsets (3.13+), Py_Version (3.11+), the
 * file name plus the PY_VERSION string in the file; --abi overrides.
 */
#ifndef PF_PYLOCATE_H
#define PF_PYLOCATE_H

#include <limits.h>

#include "compat.h"
#include "pyoffsets.h"
#include "remote.h"

struct pyloc {
	char path[PATH_MAX];	/* the object, as the target names it */
	uint64_t bias;		/* run-time address = bias + st_value */
	uint64_t base;		/* start of the object's offset-0 mapping */
	uint64_t inode;		/* the object's file, with dev_* */
	unsigned dev_major, dev_minor;
	uint32_t version;	/* PY_VERSION_HEX as detected */
	const char *version_source;	/* "_Py_DebugOffsets", "Py_Version", ... */
	uint64_t runtime;	/* &_PyRuntime (3.7+), else 0 */
	uint64_t interp_head;	/* &interp_head (2.7, 3.6), else 0 */
	uint64_t tstate_current;	/* &_PyThreadState_Current (2.7, 3.6), else 0 */
	uint64_t code_type;	/* &PyCode_Type, to validate code objects */
	uint64_t str_type;	/* &PyUnicode_Type (&PyString_Type on 2.7) */
	uint64_t frame_type;	/* &PyFrame_Type (<= 3.10), to validate frames */
	struct pyoffsets off;	/* the layout in force */
};

/*
 * pylocate - fill `out` for process `pid`, reading its memory through `r`.
 * `abi` forces a layout (0 = detect). Returns 0; -PF_ENOENT when no Python
 * interpreter is found (detail says why); -PF_EUNSUPPORTED when one is found
 * but its version is not supported (the detail names the version);
 * -PF_EGONE / -PF_EPERM / -PF_EFORMAT as met.
 */
int pylocate(pid_t pid, struct remote *r, unsigned abi, struct pyloc *out);

/*
 * pylocate_match - the first of known[0..n) that holds for process `pid`
 * too: its object, the same file, is mapped there at the same address (a
 * fork; a non-PIE interpreter started again), so every address in it is
 * right without reading the object. Its index, or -1 (none matches, or the
 * maps cannot be read). Reads /proc/PID/maps only.
 */
int pylocate_match(pid_t pid, const struct pyloc *known, size_t n);

#endif
