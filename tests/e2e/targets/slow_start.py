# SPDX-License-Identifier: Apache-2.0
"""Target: starts slowly. It sleeps for --seconds-before (0.5 s by default),
imports a large part of the standard library, then runs the CPU-bound chain
<module> -> main -> work -> leaf for --seconds (default: until killed).
Prints "ready" when the imports are done.
"""
import importlib
import sys
import time

# Pure-Python modules of 2.7 and 3.6+ alike, each pulling in more of them.
STDLIB = ["argparse", "calendar", "cgi", "codecs", "collections", "csv",
          "decimal", "difflib", "email.mime.multipart", "email.parser",
          "fractions", "ftplib", "gettext", "glob", "gzip", "imaplib",
          "inspect", "json", "logging.handlers", "mailbox", "netrc",
          "optparse", "pdb", "pickletools", "poplib", "pprint", "pydoc",
          "random", "shlex", "smtplib", "tarfile", "telnetlib", "textwrap",
          "threading", "timeit", "trace", "unittest", "uuid", "wave",
          "xml.dom.minidom", "xml.etree.ElementTree", "xml.sax", "zipfile"]


def leaf(n):
    total = 0
    for i in range(n):  # @mark:leaf-loop
        total += i * i  # @mark:leaf-body
    return total


def work(deadline):
    while deadline is None or time.time() < deadline:
        leaf(20000)  # @mark:work-call


def import_stdlib():
    for name in STDLIB:
        try:
            importlib.import_module(name)  # @mark:import
        except ImportError:
            pass


def main():
    args = sys.argv[1:]
    before = 0.5
    if args[:1] == ["--seconds-before"]:
        before = float(args[1])
        args = args[2:]
    sys.argv[1:] = args
    time.sleep(before)  # @mark:sleep
    import_stdlib()  # @mark:import-call
    import common
    opts = common.setup()
    deadline = None
    if opts.seconds is not None:
        deadline = time.time() + opts.seconds
    common.ready()
    work(deadline)  # @mark:main-call
    common.finish(opts)


if __name__ == "__main__":
    main()  # @mark:module-call
