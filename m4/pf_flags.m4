# SPDX-License-Identifier: Apache-2.0
# PF_APPEND_CFLAGS(FLAGS, VARIABLE): append to VARIABLE each flag of FLAGS
# that the C compiler accepts without a warning turned error.
AC_DEFUN([PF_APPEND_CFLAGS], [
  AC_LANG_PUSH([C])
  for pf_flag in $1; do
    AC_MSG_CHECKING([whether $CC accepts $pf_flag])
    pf_save_cflags="$CFLAGS"
    CFLAGS="$CFLAGS -Werror $pf_flag"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
      [AC_MSG_RESULT([yes]); $2="$$2 $pf_flag"],
      [AC_MSG_RESULT([no])])
    CFLAGS="$pf_save_cflags"
  done
  AC_LANG_POP([C])
])
