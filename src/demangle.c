/* SPDX-License-Identifier: Apache-2.0 */
/*
 * demangle.c - C++ names through libiberty's v3 demangler (the code of the
 * GNU tools). A file of its own: libiberty's header declares allocation
 * functions whose names clash with xalloc.h's.
 */
#include "compat.h"

#include <string.h>

#include "demangle.h"

#ifdef PF_NATIVE
#include <libiberty/demangle.h>

char *demangle_cxx(const char *name)
{
	if (strncmp(name, "_Z", 2) != 0)
		return NULL;
	/* cp-demangle alone: malloc'd result, no xmalloc (which would clash) */
	return cplus_demangle_v3(name, DMGL_PARAMS | DMGL_ANSI);
}

#else

char *demangle_cxx(const char *name)
{
	(void)name;
	return NULL;
}

#endif
