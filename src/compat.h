/* SPDX-License-Identifier: Apache-2.0 */
/* compat.h - included first by every .c: configuration and attribute shorthands. */
#ifndef PF_COMPAT_H
#define PF_COMPAT_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PF_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define PF_NORETURN __attribute__((noreturn))
#define PF_UNUSED __attribute__((unused))
#define PF_WARN_UNUSED __attribute__((warn_unused_result))
#define PF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
