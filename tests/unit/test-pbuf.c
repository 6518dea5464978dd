/* SPDX-License-Identifier: Apache-2.0 */
/* test-pbuf.c - protobuf encoding, against bytes from the encoding rules. */
#include "compat.h"

#include <string.h>

#include "pbuf.h"
#include "strbuf.h"
#include "tap.h"

static bool bytes_are(const struct strbuf *sb, const unsigned char *want, size_t n)
{
	if (sb->len == n && memcmp(sb->buf, want, n) == 0)
		return true;
	printf("#   got");
	for (size_t i = 0; i < sb->len; i++)
		printf(" %02x", (unsigned char)sb->buf[i]);
	printf("\n");
	return false;
}

#define IS(sb, ...)                                                            \
	bytes_are(sb, (const unsigned char[]){ __VA_ARGS__ },                  \
		  sizeof((const unsigned char[]){ __VA_ARGS__ }))

static void test_varint(void)
{
	struct strbuf sb;

	strbuf_init(&sb);
	pbuf_varint(&sb, 0);
	ok(IS(&sb, 0x00), "0 is one zero byte");
	strbuf_reset(&sb);
	pbuf_varint(&sb, 1);
	pbuf_varint(&sb, 127);
	ok(IS(&sb, 0x01, 0x7f), "1 and 127 in one byte each");
	strbuf_reset(&sb);
	pbuf_varint(&sb, 150);
	ok(IS(&sb, 0x96, 0x01), "150 is 96 01 (the protobuf documentation's example)");
	strbuf_reset(&sb);
	pbuf_varint(&sb, 300);
	ok(IS(&sb, 0xac, 0x02), "300 is ac 02");
	strbuf_reset(&sb);
	pbuf_varint(&sb, UINT64_MAX);
	ok(IS(&sb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
	   "2^64-1 takes ten bytes");
	strbuf_release(&sb);
}

static void test_fields(void)
{
	static const uint64_t v[] = { 3, 270, 86942 };
	struct strbuf sb;

	strbuf_init(&sb);
	pbuf_uint(&sb, 1, 150);
	ok(IS(&sb, 0x08, 0x96, 0x01), "field 1 = 150: 08 96 01");
	strbuf_reset(&sb);
	pbuf_uint(&sb, 5, 0);
	ok(sb.len == 0, "a zero varint field is left out");
	pbuf_int(&sb, 2, -1);
	ok(IS(&sb, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
	   "int64 -1 in ten bytes");
	strbuf_reset(&sb);
	pbuf_bytes(&sb, 2, "testing", 7);
	ok(IS(&sb, 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'), "a string field");
	strbuf_reset(&sb);
	pbuf_bytes(&sb, 6, "", 0);
	ok(IS(&sb, 0x32, 0x00), "an empty string is still written (string_table[0])");
	strbuf_reset(&sb);
	pbuf_packed(&sb, 4, v, 3);
	ok(IS(&sb, 0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05),
	   "packed 3, 270, 86942 (the documentation's example)");
	strbuf_reset(&sb);
	pbuf_packed(&sb, 4, v, 0);
	ok(sb.len == 0, "an empty packed field is left out");
	pbuf_tag(&sb, 16, PBUF_LEN);
	ok(IS(&sb, 0x82, 0x01), "a field number above 15 needs a two-byte key");
	strbuf_release(&sb);
}

int main(void)
{
	test_varint();
	test_fields();
	return done_testing();
}
