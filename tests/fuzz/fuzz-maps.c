/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-maps.c - the /proc/PID/maps parser and its look-ups over arbitrary text. */
#include "compat.h"

#include <string.h>

#include "err.h"
#include "maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void look_up(const struct maps *mp)
{
	for (size_t i = 0; i < mp->count; i++) {
		const struct map_entry *e = &mp->entries[i];
		const struct map_entry *f = maps_find_addr(mp, e->start);
		uint64_t base;

		if (f && (e->start < f->start || e->start >= f->end))
			PF_BUG("maps_find_addr: entry does not contain the address");
		if (strlen(maps_basename(e)) > strlen(e->path))
			PF_BUG("maps_basename: longer than the path");
		if (maps_find_base(mp, e->path, &base) < 0 && e->offset == 0)
			PF_BUG("maps_find_base: an offset-0 mapping not found");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct maps mp;
	int rc;

	maps_init(&mp);
	rc = maps_parse(&mp, (const char *)data, size);
	if (rc != 0 && (rc != -PF_EFORMAT || mp.count != 0))
		PF_BUG("maps_parse: a failure must leave the list empty");
	look_up(&mp);
	maps_release(&mp);
	return 0;
}
