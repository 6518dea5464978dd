/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crc32.c - CRC-32 with a table built on the caller's stack per call: the
 * checksum is taken once per debug file, so 256 steps of set-up are nothing.
 */
#include "compat.h"

#include "crc32.h"

static void make_table(uint32_t table[256])
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
}

uint32_t crc32_update(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t table[256];

	make_table(table);
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
