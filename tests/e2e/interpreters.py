# SPDX-License-Identifier: Apache-2.0
"""Find the Python interpreters that the end-to-end tests run targets under.

Three sources, all looked up at run time:
  * pyenv builds: <root>/versions/<X.Y.Z>/bin/pythonX.Y, where <root> comes
    from `pyenv root`, $PYENV_ROOT or ~/.pyenv (never the shims);
  * Debian's own interpreters: /usr/bin/python3.N;
  * $PYFLAME_EXTRA_PYTHONS: "LABEL=[NAME=VALUE ...] COMMAND [ARG ...]" entries
    separated by ';'. Leading NAME=VALUE words are environment additions and
    the rest is the command prefix, which may be a loader invocation such as
    "ld-linux-x86-64.so.2 --library-path DIR DIR/../bin/python3.14".

Each interpreter is probed once for its version, so a broken one is reported
as missing with the reason instead of failing every test.
"""

import os
import re
import shlex
import subprocess

# Versions the suite expects to find; a missing one is reported as a skip.
EXPECTED_PYENV = ["2.7"] + ["3.%d" % m for m in range(6, 14)]
EXPECTED_DEBIAN = ["3.11"]

DEBIAN_BIN = "/usr/bin"
PROBE = ("import sys; v = sys.version_info; "
         "sys.stdout.write('%d %d %d' % (v[0], v[1], v[2]))")

# Variables of the test runner's environment that must not reach targets.
SCRUBBED_ENV = ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONSAFEPATH",
                "PYTHONEXECUTABLE", "PYTHONINSPECT", "PYTHONWARNINGS",
                "PYTHONDEVMODE", "PYTHONTRACEMALLOC",
                "PYTHONPROFILEIMPORTTIME")


class Interpreter(object):
    """One runnable Python: a label, its version and how to start it."""

    def __init__(self, label, version, argv, env=None, origin=""):
        self.label = label  # test id, e.g. "py3.11.7-pyenv"
        self.version = tuple(version)  # (major, minor, micro)
        self.argv = list(argv)  # command prefix; the script follows
        self.env = dict(env or {})  # environment additions
        self.origin = origin  # "pyenv", "debian" or "extra"

    def __repr__(self):
        return "<Interpreter %s %s>" % (self.label, " ".join(self.argv))

    @property
    def major_minor(self):
        return self.version[:2]

    def command(self, *args):
        """The argv that runs this interpreter with the given arguments."""
        return self.argv + [str(a) for a in args]

    def environ(self, base=None):
        """A full environment for a process started with command()."""
        env = dict(os.environ if base is None else base)
        for name in SCRUBBED_ENV:
            env.pop(name, None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.env)
        return env


class Discovery(object):
    """The interpreters found, and the expected ones that were not."""

    def __init__(self):
        self.found = []  # Interpreter, in a stable order
        self.missing = []  # (label, reason)
        self.left_out = []  # Interpreter found, not tested (PYFLAME_INTERPRETERS)
        self.expected = []  # labels of interpreters the suite expects

    def add_missing(self, label, reason):
        self.missing.append((label, reason))


def probe_version(argv, env):
    """Run the interpreter once: (version tuple, None) or (None, why)."""
    full_env = Interpreter("probe", (0, 0, 0), argv, env).environ()
    try:
        out = subprocess.run(argv + ["-c", PROBE], env=full_env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, "cannot run %s: %s" % (" ".join(argv), e)
    if out.returncode != 0:
        tail = out.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        return None, "%s exited with status %d%s" % (
            " ".join(argv), out.returncode, (": " + tail[0]) if tail else "")
    try:
        return tuple(int(x) for x in out.stdout.split()), None
    except ValueError:
        return None, "%s printed %r as its version" % (" ".join(argv),
                                                       out.stdout)


def pyenv_root():
    """The pyenv root directory, or None."""
    try:
        out = subprocess.run(["pyenv", "root"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=30)
        root = out.stdout.decode().strip()
        if out.returncode == 0 and root and os.path.isdir(root):
            return root
    except (OSError, subprocess.TimeoutExpired):
        pass
    for root in (os.environ.get("PYENV_ROOT"),
                 os.path.expanduser("~/.pyenv")):
        if root and os.path.isdir(root):
            return root
    return None


def version_key(name):
    return tuple(int(x) for x in name.split("."))


def supported(major, minor):
    return (major, minor) == (2, 7) or (major == 3 and 6 <= minor <= 15)


def discover_pyenv(d):
    root = pyenv_root()
    seen = set()
    names = []
    if root and os.path.isdir(os.path.join(root, "versions")):
        names = [n for n in os.listdir(os.path.join(root, "versions"))
                 if re.match(r"^\d+\.\d+\.\d+$", n)]
    for name in sorted(names, key=version_key):
        major, minor = version_key(name)[:2]
        exe = os.path.join(root, "versions", name, "bin",
                           "python%d.%d" % (major, minor))
        if not supported(major, minor) or not os.access(exe, os.X_OK):
            continue
        label = "py%s-pyenv" % name
        version, why = probe_version([exe], {})
        if version is None:
            d.add_missing(label, why)
            continue
        d.found.append(Interpreter(label, version, [exe], origin="pyenv"))
        seen.add("%d.%d" % (major, minor))
    where = root and os.path.join(root, "versions") or "(no pyenv root)"
    for mm in EXPECTED_PYENV:
        d.expected.append("py%s-pyenv" % mm)
        if mm not in seen:
            d.add_missing("py%s-pyenv" % mm,
                          "no pyenv build of Python %s under %s" % (mm, where))


def discover_debian(d):
    names = []
    if os.path.isdir(DEBIAN_BIN):
        names = [n for n in os.listdir(DEBIAN_BIN)
                 if re.match(r"^python3\.\d+$", n)]
    seen = set()
    for name in sorted(names, key=lambda n: version_key(n[6:])):
        exe = os.path.join(DEBIAN_BIN, name)
        mm = name[6:]
        if not supported(*version_key(mm)) or not is_elf(exe):
            continue
        label = "py%s-debian" % mm
        version, why = probe_version([exe], {})
        if version is None:
            d.add_missing(label, why)
            continue
        d.found.append(Interpreter(label, version, [exe], origin="debian"))
        seen.add(mm)
    for mm in EXPECTED_DEBIAN:
        d.expected.append("py%s-debian" % mm)
        if mm not in seen:
            d.add_missing("py%s-debian" % mm, "%s/python%s not found"
                          % (DEBIAN_BIN, mm))


def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def parse_extra(spec):
    """Parse $PYFLAME_EXTRA_PYTHONS into [(label, argv, env)]."""
    entries = []
    for item in spec.split(";"):
        item = item.strip()
        if not item:
            continue
        label, sep, rest = item.partition("=")
        words = shlex.split(rest)
        env = {}
        while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        if not sep or not label.strip() or not words:
            raise ValueError("PYFLAME_EXTRA_PYTHONS: bad entry %r "
                             "(want LABEL=[NAME=VALUE ...] COMMAND ...)"
                             % item)
        entries.append((label.strip(), words, env))
    return entries


def discover_extra(d, spec):
    for label, argv, env in parse_extra(spec):
        d.expected.append(label)
        version, why = probe_version(argv, env)
        if version is None:
            d.add_missing(label, why)
            continue
        d.found.append(Interpreter(label, version, argv, env, origin="extra"))


_CACHE = {}


def discovered():
    """discover() for this process's environment, run once."""
    if "d" not in _CACHE:
        _CACHE["d"] = discover()
    return _CACHE["d"]


def discover(environ=None):
    """Find every interpreter; never raises for a missing one."""
    environ = os.environ if environ is None else environ
    d = Discovery()
    discover_pyenv(d)
    discover_debian(d)
    discover_extra(d, environ.get("PYFLAME_EXTRA_PYTHONS", ""))
    keep_only(d, environ.get("PYFLAME_INTERPRETERS", ""))
    return d


LEFT_OUT = "left out by PYFLAME_INTERPRETERS"


def keep_only(d, prefixes):
    """PYFLAME_INTERPRETERS (comma-separated label prefixes, e.g.
    "py2.7,py3.12"): test those only; the others are reported left out."""
    wanted = [p for p in prefixes.split(",") if p]
    if not wanted:
        return
    kept = [i for i in d.found if i.label.startswith(tuple(wanted))]
    d.left_out = [i for i in d.found if i not in kept]
    d.missing += [(i.label, LEFT_OUT) for i in d.left_out]
    d.found = kept
