/* SPDX-License-Identifier: Apache-2.0 */
/*
 * demangle.h - C++ names made readable. Pure.
 */
#ifndef PF_DEMANGLE_H
#define PF_DEMANGLE_H

#include "compat.h"

/*
 * demangle_cxx - the readable form of an Itanium C++ ABI name ("_Z...",
 * with a clone suffix such as ".cold" kept as "[clone .cold]"), with its
 * parameter types, in a new malloc'd string (caller frees); NULL when
 * `name` is not such a name or cannot be decoded (or the demangler is not
 * built in).
 */
char *demangle_cxx(const char *name);

#endif
