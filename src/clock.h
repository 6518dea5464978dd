/* SPDX-License-Identifier: Apache-2.0 */
/* clock.h - the time now, in nanoseconds, from one of the kernel's clocks. */
#ifndef PF_CLOCK_H
#define PF_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NSEC 1000000000ull

static inline uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

#endif
