/* SPDX-License-Identifier: Apache-2.0 */
/* test-strbuf.c - growable strings. */
#include "compat.h"

#include <string.h>

#include "strbuf.h"
#include "tap.h"

int main(void)
{
	struct strbuf sb;
	char big[300];

	strbuf_init(&sb);
	ok(sb.buf && sb.len == 0 && sb.buf[0] == '\0', "empty after init");
	strbuf_addstr(&sb, "abc");
	strbuf_addch(&sb, ':');
	strbuf_addf(&sb, "%d", 42);
	ok(sb.len == 6 && strcmp(sb.buf, "abc:42") == 0, "add, addch, addf");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	strbuf_addf(&sb, "%s", big);
	ok(sb.len == 6 + 299 && sb.buf[sb.len] == '\0', "addf grows the buffer");
	strbuf_reset(&sb);
	ok(sb.len == 0 && sb.buf[0] == '\0', "reset empties");
	strbuf_add(&sb, "a\0b", 3);
	ok(sb.len == 3 && sb.buf[1] == '\0' && sb.buf[3] == '\0', "embedded NUL kept");
	strbuf_release(&sb);
	ok(sb.len == 0 && sb.cap == 0 && sb.buf[0] == '\0', "release re-initialises");
	strbuf_release(&sb);
	ok(1, "release twice is safe");
	return done_testing();
}
