// SPDX-License-Identifier: Apache-2.0
// pfnative.cpp - a C extension of known native functions, built at test time
// against each interpreter's own headers (Python 2.7 and 3.6+). spin()
// releases the GIL and spins in pfcxx::spin (a C++ name) called through
// pf_native_outer -> pf_native_middle -> pf_native_inner (C names); it
// never returns. call(f) calls the Python callable f from C, through
// pf_native_callback, so that Python -> C -> Python nests.
#include <Python.h>

static volatile unsigned long pf_sink;

namespace pfcxx {
__attribute__((noinline)) void spin(unsigned long n)
{
	for (;;)
		pf_sink += n;
}
} // namespace pfcxx

extern "C" {
__attribute__((noinline)) void pf_native_inner(unsigned long n)
{
	pfcxx::spin(n + 1);
	pf_sink++;	// no tail call: this frame stays
}

__attribute__((noinline)) void pf_native_middle(unsigned long n)
{
	pf_native_inner(n + 1);
	pf_sink++;
}

__attribute__((noinline)) void pf_native_outer(unsigned long n)
{
	pf_native_middle(n + 1);
	pf_sink++;
}

__attribute__((noinline)) PyObject *pf_native_callback(PyObject *f)
{
	PyObject *r = PyObject_CallObject(f, NULL);

	pf_sink++;
	return r;
}
}

static PyObject *pfnative_spin(PyObject *self, PyObject *args)
{
	(void)self;
	(void)args;
	Py_BEGIN_ALLOW_THREADS
	pf_native_outer(1);
	Py_END_ALLOW_THREADS
	Py_RETURN_NONE;
}

static PyObject *pfnative_call(PyObject *self, PyObject *args)
{
	PyObject *f;

	(void)self;
	if (!PyArg_ParseTuple(args, "O", &f))
		return NULL;
	return pf_native_callback(f);
}

static PyMethodDef methods[] = {
	{ "spin", pfnative_spin, METH_NOARGS, NULL },
	{ "call", pfnative_call, METH_VARARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

#if PY_MAJOR_VERSION >= 3
static struct PyModuleDef def = { PyModuleDef_HEAD_INIT, "pfnative", NULL, -1, methods,
				  NULL, NULL, NULL, NULL };

PyMODINIT_FUNC PyInit_pfnative(void)
{
	return PyModule_Create(&def);
}
#else
PyMODINIT_FUNC initpfnative(void)
{
	Py_InitModule("pfnative", methods);
}
#endif
