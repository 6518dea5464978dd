# SPDX-License-Identifier: Apache-2.0
"""Start-up shared by the profiling targets (Python 2.7 and 3.6+).

Options: --seconds S (run time; default: until killed), --status N (exit
status), --signal NAME (die of this signal at the end), and --report PATH,
which only some targets use. A safety alarm ends every target
that outlives its test runner.
"""
import os
import signal
import sys

SAFETY_SECONDS = 300


class Options(object):
    pass


def parse(argv):
    opts = Options()
    opts.seconds = None
    opts.status = 0
    opts.signal = None
    opts.report = None
    convert = {"--seconds": float, "--status": int, "--signal": str,
               "--report": str}
    i = 0
    while i < len(argv):
        name = argv[i]
        if name not in convert or i + 1 >= len(argv):
            sys.stderr.write("bad argument %r\n" % name)
            sys.exit(2)
        setattr(opts, name[2:], convert[name](argv[i + 1]))
        i += 2
    return opts


def on_usr1(signum, frame):
    os.write(1, b"got SIGUSR1\n")


def setup():
    """Parse sys.argv, arm the safety alarm and the SIGUSR1 reporter."""
    opts = parse(sys.argv[1:])
    signal.alarm(SAFETY_SECONDS)
    signal.signal(signal.SIGUSR1, on_usr1)
    return opts


def ready(text="ready"):
    """Tell the test runner, which reads our stdout, that we are in place."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def finish(opts):
    """Exit as asked: by a signal, or with a status."""
    sys.stdout.flush()
    if opts.signal:
        sig = getattr(signal, "SIG" + opts.signal)
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    sys.exit(opts.status)
