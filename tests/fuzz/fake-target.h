/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake-target.h - the fixed addresses of fuzz-pywalk's fake target, which
 * pywalk-seeds.c lays its interpreters out to match.
 */
#ifndef PF_FAKE_TARGET_H
#define PF_FAKE_TARGET_H

#define FAKE_BASE 0x10000ull	/* the input after its first byte is memory here */
#define FAKE_RUNTIME FAKE_BASE	/* _PyRuntime, or interp_head (2.7, 3.6) */
#define FAKE_TSTATE_CURRENT (FAKE_BASE + 8)	/* _PyThreadState_Current (2.7, 3.6) */
#define FAKE_CODE_TYPE 0xc0de000ull	/* &PyCode_Type */
#define FAKE_STR_TYPE 0x5760000ull	/* &PyUnicode_Type (&PyString_Type in 2.7) */
#define FAKE_FRAME_TYPE 0xf4a3000ull	/* &PyFrame_Type (<= 3.10) */

#endif
