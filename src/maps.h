/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maps.h - a pure parser for /proc/PID/maps text and look-ups over it.
 * Reading the file is proc.c's job; this module never touches /proc.
 */
#ifndef PF_MAPS_H
#define PF_MAPS_H

#include "compat.h"

enum map_perms {
	MAP_PERM_R = 1 << 0,
	MAP_PERM_W = 1 << 1,
	MAP_PERM_X = 1 << 2,
	MAP_PERM_P = 1 << 3,	/* private (p), else shared (s) */
};

struct map_entry {
	uint64_t start, end;	/* [start, end) */
	uint64_t offset;	/* file offset of start */
	uint64_t inode;
	unsigned perms;		/* enum map_perms */
	unsigned dev_major, dev_minor;
	bool deleted;		/* the path ended in " (deleted)", now removed */
	char *path;		/* owned; "" for anonymous, "[heap]" etc. kept as is */
};

struct maps {
	struct map_entry *entries;	/* in file order (ascending addresses) */
	size_t count, cap;
};

void maps_init(struct maps *mp);
void maps_release(struct maps *mp);

/*
 * maps_parse - parse `text[0..len)` (the whole file, lines ending in '\n';
 * the last line may lack it) into `mp`, replacing what it held. Paths may
 * contain spaces. Returns 0, or -PF_EFORMAT naming the first bad line
 * (mp is then empty). Never reads outside text[0..len).
 */
int maps_parse(struct maps *mp, const char *text, size_t len);

/* The entry containing `addr`, or NULL. */
const struct map_entry *maps_find_addr(const struct maps *mp, uint64_t addr);

/*
 * maps_find_base - the start address of the mapping of `path` whose file
 * offset is 0 (never "the first r-x mapping"). Returns 0, or -PF_ENOENT.
 */
int maps_find_base(const struct maps *mp, const char *path, uint64_t *base);

/* The final path component of an entry's path ("" for anonymous). */
const char *maps_basename(const struct map_entry *e);

#endif
