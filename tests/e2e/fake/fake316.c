/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake316.c - an interpreter pyflame must refuse: it looks like Python
 * 3.16.0a1, a version pyflame has no layout for. test_shapes.py builds it
 * at run time as a PIE named python3.16, linked with -rdynamic.
 *
 * Not part of pyflame and built without its configuration, so it includes
 * no compat.h. It exports what the locator looks for: `_PyRuntime`, whose
 * first bytes are a _Py_DebugOffsets header (an 8-byte cookie, then the
 * version as a uint64), `Py_Version`, and a function
 * `PyInterpreterState_Head`, and the type objects `PyCode_Type` and
 * `PyUnicode_Type` (zeros).
 *
 * Usage: python3.16 [COOKIE [SECONDS]]. COOKIE (eight characters) replaces
 * the cookie, to test a runtime whose cookie is wrong. Prints "ready", then
 * sleeps for SECONDS (default and at most 300) or until killed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAKE_VERSION 0x031000a1u	/* 3.16.0a1 */
#define SAFETY_SECONDS 300

/* The start of _PyRuntimeState in 3.13+; the rest stands for its other fields. */
struct fake_runtime {
	char cookie[8];
	uint64_t version;
	uint8_t rest[4096];
};

struct fake_runtime _PyRuntime = {
	{ 'x', 'd', 'e', 'b', 'u', 'g', 'p', 'y' }, FAKE_VERSION, { 0 }
};
const uint32_t Py_Version = FAKE_VERSION;

/* The type objects a locator resolves next, so that only the version stops it. */
uint8_t PyCode_Type[512];
uint8_t PyUnicode_Type[512];

void *PyInterpreterState_Head(void);

void *PyInterpreterState_Head(void)
{
	return NULL;
}

int main(int argc, char **argv)
{
	int left = SAFETY_SECONDS;

	if (argc > 1 && strlen(argv[1]) != sizeof _PyRuntime.cookie) {
		fprintf(stderr, "usage: %s [EIGHT-CHARACTER-COOKIE [SECONDS]]\n", argv[0]);
		return 2;
	}
	if (argc > 1)
		memcpy(_PyRuntime.cookie, argv[1], sizeof _PyRuntime.cookie);
	if (argc > 2 && atoi(argv[2]) > 0 && atoi(argv[2]) < left)
		left = atoi(argv[2]);
	printf("ready\n");
	fflush(stdout);
	while (left > 0)
		left = (int)sleep((unsigned)left);
	return 0;
}
