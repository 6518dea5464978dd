/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-linetable.c - every line-table decoder over arbitrary bytes. Input:
 * format (1 byte), firstlineno and addr (4 bytes each, little-endian), table.
 * A table that decodes in full must answer as the one-shot decoder does.
 */
#include "compat.h"

#include <string.h>

#include "err.h"
#include "linetable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ranges(const struct linetable *lt)
{
	for (size_t i = 0; i < lt->count; i++) {
		const struct linetable_range *r = &lt->ranges[i];

		if (r->start >= r->end || (i + 1 < lt->count && r->end > r[1].start))
			PF_BUG("linetable_decode: ranges empty, unsorted or overlapping");
		if (i + 1 < lt->count && r->end == r[1].start && r->line == r[1].line)
			PF_BUG("linetable_decode: adjacent equal lines not merged");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum linetable_format fmt;
	struct linetable lt;
	int32_t first, addr;
	int line = 0, rc;

	if (size < 9)
		return 0;
	fmt = (enum linetable_format)(data[0] % 4);
	memcpy(&first, data + 1, 4);
	memcpy(&addr, data + 5, 4);
	rc = linetable_line(fmt, data + 9, size - 9, first, addr, &line);
	if (rc != 0 && rc != -PF_EFORMAT)
		PF_BUG("linetable_line: unexpected code");
	linetable_init(&lt);
	if (linetable_decode(&lt, fmt, data + 9, size - 9, first) == 0) {
		check_ranges(&lt);
		if (rc != 0 || linetable_lookup(&lt, addr) != line)
			PF_BUG("linetable_lookup and linetable_line disagree");
	} else if (lt.count != 0) {
		PF_BUG("linetable_decode: a failure must leave the table empty");
	}
	linetable_release(&lt);
	return 0;
}
