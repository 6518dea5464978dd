/* SPDX-License-Identifier: Apache-2.0 */
/*
 * embed.c - a program that embeds CPython: it reads the Python source file
 * argv[1] and runs it with PyRun_SimpleString. test_shapes.py builds it at
 * run time with an interpreter's `python3.X-config --embed` flags.
 *
 * Not part of pyflame: it is built with that interpreter's headers, so it
 * includes them (Python.h first, as CPython requires) instead of compat.h.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdio.h>
#include <stdlib.h>

/* The whole file as a NUL-terminated string, or NULL (with a message). */
static char *read_source(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, got;

	if (!f) {
		perror(path);
		return NULL;
	}
	do {
		char *grown = realloc(buf, len + 4096 + 1);

		if (!grown) {
			free(buf);
			fclose(f);
			fprintf(stderr, "%s: out of memory\n", path);
			return NULL;
		}
		buf = grown;
		got = fread(buf + len, 1, 4096, f);
		len += got;
	} while (got == 4096);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	char *code;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s SCRIPT\n", argv[0]);
		return 2;
	}
	code = read_source(argv[1]);
	if (!code)
		return 2;
	Py_Initialize();
	rc = PyRun_SimpleString(code);
	free(code);
	if (Py_FinalizeEx() < 0)
		rc = -1;
	return rc == 0 ? 0 : 1;
}
