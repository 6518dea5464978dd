# SPDX-License-Identifier: Apache-2.0
"""What an ELF64 file on disk says about itself, read independently of
pyflame: its type (ET_EXEC or ET_DYN), section names, program interpreter
(PT_INTERP), DT_NEEDED entries and the names its .dynsym defines.

Only little-endian ELF64 (x86_64) is read; anything else raises ValueError.
"""

import struct

ET_EXEC = 2
ET_DYN = 3

PT_INTERP = 3
SHT_DYNSYM = 11
SHT_DYNAMIC = 6
DT_NEEDED = 1
SHN_UNDEF = 0


class Section(object):
    __slots__ = ("name", "type", "offset", "size", "link", "entsize")

    def __init__(self, name, type_, offset, size, link, entsize):
        self.name, self.type, self.offset = name, type_, offset
        self.size, self.link, self.entsize = size, link, entsize


class ElfFile(object):
    """The parsed headers of one file; see the module docstring."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.data = f.read()
        ident = self.data[:16]
        if ident[:4] != b"\x7fELF" or ident[4:6] != b"\x02\x01":
            raise ValueError("%s is not a little-endian ELF64 file" % path)
        (self.type, _, _, _, self.phoff, self.shoff, _, _, self.phentsize,
         self.phnum, self.shentsize, self.shnum,
         self.shstrndx) = struct.unpack_from("<HHIQQQIHHHHHH", self.data, 16)
        self.sections = self.read_sections()

    def cstring(self, offset):
        end = self.data.index(b"\0", offset)
        return self.data[offset:end].decode("utf-8", "replace")

    def read_sections(self):
        raw = []
        for i in range(self.shnum):
            (name, type_, _, _, offset, size, link, _, _,
             entsize) = struct.unpack_from("<IIQQQQIIQQ", self.data,
                                           self.shoff + i * self.shentsize)
            raw.append((name, type_, offset, size, link, entsize))
        if not raw:
            return []
        strtab = raw[self.shstrndx][2]
        return [Section(self.cstring(strtab + n), t, o, s, lk, es)
                for n, t, o, s, lk, es in raw]

    def section_names(self):
        return set(s.name for s in self.sections)

    def interpreter(self):
        """The PT_INTERP path (the dynamic loader), or None."""
        for i in range(self.phnum):
            type_, _, offset, _, _, filesz = struct.unpack_from(
                "<IIQQQQ", self.data, self.phoff + i * self.phentsize)
            if type_ == PT_INTERP:
                return self.data[offset:offset + filesz].rstrip(
                    b"\0").decode()
        return None

    def needed(self):
        """The DT_NEEDED sonames, in order."""
        names = []
        for sec in self.sections:
            if sec.type != SHT_DYNAMIC:
                continue
            strtab = self.sections[sec.link].offset
            for at in range(sec.offset, sec.offset + sec.size, 16):
                tag, value = struct.unpack_from("<qQ", self.data, at)
                if tag == DT_NEEDED:
                    names.append(self.cstring(strtab + value))
        return names

    def dynamic_definitions(self):
        """Names that .dynsym defines (not merely references)."""
        names = set()
        for sec in self.sections:
            if sec.type != SHT_DYNSYM:
                continue
            strtab = self.sections[sec.link].offset
            for at in range(sec.offset, sec.offset + sec.size, 24):
                name, _, _, shndx = struct.unpack_from("<IBBH", self.data, at)
                if shndx != SHN_UNDEF and name:
                    names.add(self.cstring(strtab + name))
        return names
