/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-pyoffsets.c - the offset tables, version selection, and the import of
 * _Py_DebugOffsets blocks dumped from real interpreters (tests/fixtures).
 */
#include "compat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pyoffsets.h"
#include "tap.h"

static void test_tables(void)
{
	const struct pyoffsets *const *all = pyoffsets_all();
	static const unsigned abis[] = { 27, 36, 37, 38, 39, 310, 311, 312, 313, 314, 315 };
	size_t n = 0;
	bool checked = true;

	for (; all[n]; n++)
		checked = checked && pyoffsets_check(all[n]) == 0 && n < PF_ARRAY_SIZE(abis) &&
			  all[n]->abi == abis[n] && pyoffsets_for_abi(abis[n]) == all[n];
	ok(n == PF_ARRAY_SIZE(abis) && checked, "11 tables, oldest first, each within its structs");
	ok(pyoffsets_for(0x030b07f0) == pyoffsets_for_abi(311), "3.11.7 selects the 3.11 table");
	ok(pyoffsets_for(0x020712f0) == pyoffsets_for_abi(27), "2.7.18 selects the 2.7 table");
	ok(pyoffsets_for(0x030704f0) && !pyoffsets_for(0x030703f0), "3.7.4 is read; 3.7.3 refused");
	ok(!pyoffsets_for(0x031000a1) && strstr(pf_last_error(), "3.16.0a1"),
	   "3.16 refused, naming the version: %s", pf_last_error());
	ok(!pyoffsets_for(0x030500f0), "3.5 refused");
	ok(!pyoffsets_for_abi(26) && !pyoffsets_for_abi(34) && !pyoffsets_for_abi(316),
	   "--abi 26, 34 and 316 are unknown");
}

static size_t read_hex(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	char line[256];
	size_t n = 0;
	unsigned byte;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		for (char *p = line; p[0] && p[1] && p[0] != '\n' && n < cap; p += 2)
			if (sscanf(p, "%2x", &byte) == 1)
				buf[n++] = (uint8_t)byte;
	}
	fclose(f);
	return n;
}

/* Imported offsets must equal the table of the same minor, field by field:
 * the import starts from a copy of the table and overwrites fields only.
 * fr_size differs by design: the block gives the struct's size, the table
 * only what the walker reads of it. */
static bool same_layout(const struct pyoffsets *imported, const struct pyoffsets *table)
{
	struct pyoffsets a = *imported;

	a.version = table->version;
	a.fr_size = table->fr_size;
	return memcmp(&a, table, sizeof a) == 0;
}

static void test_fixture(const char *dir, const char *name)
{
	uint8_t buf[PYOFFSETS_DEBUG_MAX] = { 0 };
	char path[1536];
	size_t len;
	uint32_t version;
	unsigned minor;
	const struct pyoffsets *table;
	struct pyoffsets imported;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	len = read_hex(path, buf, sizeof buf);
	memcpy(&version, buf + 8, sizeof version);
	table = pyoffsets_for(version);
	minor = (version >> 16) & 0xff;
	ok(len >= 584 && table, "%s: %zu bytes, version %#x has a table", name, len, version);
	if (!table)
		return;
	imported = *table;
	ok(pyoffsets_import_debug(&imported, buf, sizeof buf) == 0 && imported.version == version,
	   "%s: imported (%s)", name, pf_last_error());
	ok(same_layout(&imported, table), "%s: equals the compiled table", name);

	buf[0] = 'X';
	ok(pyoffsets_import_debug(&imported, buf, sizeof buf) == -PF_EFORMAT, "%s: bad cookie refused", name);
	buf[0] = 'x';
	buf[10] = 16;	/* minor 16: no known layout */
	ok(pyoffsets_import_debug(&imported, buf, sizeof buf) == -PF_EUNSUPPORTED,
	   "%s: unknown minor refused (fail closed)", name);
	buf[10] = (uint8_t)(version >> 16);
	buf[16] = 1;
	ok(pyoffsets_import_debug(&imported, buf, sizeof buf) == -PF_EUNSUPPORTED,
	   "%s: free-threaded refused", name);
	buf[16] = 0;
	/* code_object.filename (3.13 / 3.14 / 3.15 block positions): huge */
	memset(buf + (minor == 13 ? 280 : minor == 14 ? 320 : 384), 0xff, 8);
	ok(pyoffsets_import_debug(&imported, buf, sizeof buf) == -PF_EFORMAT,
	   "%s: implausible value refused", name);
	ok(pyoffsets_import_debug(&imported, buf, 100) == -PF_EFORMAT, "%s: short block refused", name);
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	char dir[1024];
	struct dirent *de;
	DIR *d;
	int found = 0;

	test_tables();
	snprintf(dir, sizeof dir, "%s/tests/fixtures", top ? top : ".");
	d = opendir(dir);
	while (d && (de = readdir(d)))
		if (strncmp(de->d_name, "debug-offsets-", 14) == 0 && ++found)
			test_fixture(dir, de->d_name);
	if (d)
		closedir(d);
	ok(found > 0, "found %d _Py_DebugOffsets fixtures in %s", found, dir);
	return done_testing();
}
