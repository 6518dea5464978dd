/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crc32.h - the CRC-32 of .gnu_debuglink (ISO-HDLC: reflected 0xedb88320,
 * initial and final XOR 0xffffffff, as zlib's crc32()). Pure.
 */
#ifndef PF_CRC32_H
#define PF_CRC32_H

#include "compat.h"

/* Continue `crc` (0 to start) over buf[0..len). */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);

#endif
