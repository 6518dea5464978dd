/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pyversion.c - an interpreter's version from its file name or from the
 * PY_VERSION string among its bytes. Pure: nothing here reads a process.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "pyversion.h"

#define LEVEL_ALPHA 0xAu
#define LEVEL_BETA 0xBu
#define LEVEL_CANDIDATE 0xCu
#define LEVEL_FINAL 0xFu
#define SERIAL_MAX_DIGITS 2	// the serial is one nibble: 0 to 15

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static uint32_t version_hex(unsigned major, unsigned minor, unsigned micro,
			    unsigned level, unsigned serial)
{
	return (uint32_t)major << 24 | (uint32_t)minor << 16 |
	       (uint32_t)micro << 8 | level << 4 | serial;
}

uint32_t pyversion_from_name(const char *basename)
{
	const char *p = basename;
	unsigned major, minor;

	if (strncmp(p, "lib", 3) == 0)
		p += 3;
	if (strncmp(p, "python", 6) != 0)
		return 0;
	p += 6;
	if (*p != '2' && *p != '3')
		return 0;
	major = (unsigned)(*p++ - '0');
	if (*p != '.' || !is_digit(p[1]))
		return 0;
	p++;
	minor = (unsigned)(*p++ - '0');
	if (is_digit(*p))
		minor = minor * 10 + (unsigned)(*p++ - '0');
	if (is_digit(*p))
		return 0;	// three digits: not a minor version
	return version_hex(major, minor, 0, LEVEL_FINAL, 0);
}

/*
 * The run of decimal digits ending just before buf[end]: its length, or 0
 * if it is empty or longer than `max`. The value goes to *val.
 */
static size_t digits_before(const uint8_t *buf, size_t end, size_t max, unsigned *val)
{
	size_t n = 0;

	while (n <= max && n < end && is_digit(buf[end - n - 1]))
		n++;
	if (n == 0 || n > max)
		return 0;
	*val = 0;
	for (size_t i = end - n; i < end; i++)
		*val = *val * 10 + (unsigned)(buf[i] - '0');
	return n;
}

/* "a<serial>", "b<serial>" or "rc<serial>" ending before buf[*end]. */
static bool release_tag_before(const uint8_t *buf, size_t *end, unsigned *level)
{
	size_t i = *end;

	if (i >= 1 && buf[i - 1] == 'a')
		*level = LEVEL_ALPHA;
	else if (i >= 1 && buf[i - 1] == 'b')
		*level = LEVEL_BETA;
	else if (i >= 2 && buf[i - 1] == 'c' && buf[i - 2] == 'r')
		*level = LEVEL_CANDIDATE;
	else
		return false;
	*end = i - (*level == LEVEL_CANDIDATE ? 2 : 1);
	return true;
}

/*
 * Match "M.m.p[(a|b|rc)N][+]" ending just before the NUL at buf[nul],
 * reading backwards, so the text may start anywhere (string tails are
 * shared by the linker). The version, or 0 if there is no match.
 */
static uint32_t version_before(const uint8_t *buf, size_t nul)
{
	unsigned major, minor, micro, serial = 0, level = LEVEL_FINAL, last;
	size_t i = nul, n;

	if (i >= 1 && buf[i - 1] == '+')
		i--;
	if (!(n = digits_before(buf, i, SERIAL_MAX_DIGITS, &last)))
		return 0;
	i -= n;
	if (release_tag_before(buf, &i, &level)) {
		if (last > 0xf || !(n = digits_before(buf, i, 2, &micro)))
			return 0;
		serial = last;
		i -= n;
	} else {
		micro = last;
	}
	if (i < 1 || buf[--i] != '.' || !(n = digits_before(buf, i, 2, &minor)))
		return 0;
	i -= n;
	if (i < 2 || buf[i - 1] != '.' || (buf[i - 2] != '2' && buf[i - 2] != '3'))
		return 0;
	major = (unsigned)(buf[i - 2] - '0');
	return version_hex(major, minor, micro, level, serial);
}

uint32_t pyversion_scan(const uint8_t *buf, size_t len, uint32_t want)
{
	const uint8_t *p = buf, *end;
	uint32_t found = 0;

	if (len == 0)
		return 0;
	end = buf + len;
	while (p < end && (p = memchr(p, '\0', (size_t)(end - p))) != NULL) {
		uint32_t v = version_before(buf, (size_t)(p - buf));

		if (v && v >> 16 == want >> 16) {
			if (found && found != v)
				return 0;	// two different versions: trust neither
			found = v;
		}
		p++;
	}
	return found;
}

void pyversion_format(uint32_t version, char *buf, size_t size)
{
	static const char *const tags[] = { "a", "b", "rc" };
	unsigned major = version >> 24, minor = version >> 16 & 0xff;
	unsigned micro = version >> 8 & 0xff, level = version >> 4 & 0xf;
	unsigned serial = version & 0xf;

	if (level == LEVEL_FINAL)
		snprintf(buf, size, "%u.%u.%u", major, minor, micro);
	else if (level >= LEVEL_ALPHA && level <= LEVEL_CANDIDATE)
		snprintf(buf, size, "%u.%u.%u%s%u", major, minor, micro,
			 tags[level - LEVEL_ALPHA], serial);
	else
		snprintf(buf, size, "0x%08x", (unsigned)version);
}
