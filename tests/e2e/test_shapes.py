# SPDX-License-Identifier: Apache-2.0
"""Interpreter build shapes. Each test first asserts the shape it is about,
then profiles a target of that shape and checks its real functions:

* libpython linked statically into a non-PIE, stripped executable (Debian)
  and libpython as a shared library of a PIE (pyenv);
* an interpreter started through the dynamic loader, so that /proc/PID/exe
  is the loader (-p and -t);
* CPython embedded in a program that is not named python*, built here;
* an interpreter whose files exist only in another mount namespace, and
  one in a chroot (expected to fail: see test_chroot);
* a made-up Python 3.16, which pyflame must refuse without harming it;
* a Python that starts slowly, traced from its first instruction.
"""

import os
import shlex
import shutil
import subprocess

import pytest

import elfinfo
import expectations
import interpreters
import processes
import profiles
from profiles import parse_collapsed, parse_flamechart

HERE = os.path.dirname(os.path.abspath(__file__))
EMBED_C = os.path.join(HERE, "embed", "embed.c")
EMBED_SCRIPT = os.path.join(HERE, "embed", "spin.py")
FAKE_C = os.path.join(HERE, "fake", "fake316.c")

# The two shapes of the same minor version: Debian's static non-PIE build
# and pyenv's shared PIE build.
SHAPE_VERSION = (3, 11)
ORIGINS = ["debian", "pyenv"]
BUILD_TIMEOUT = 60.0
GLOBALS = ("_PyRuntime", "Py_Version", "PyInterpreterState_Head")


def shape_interp(origin):
    """The discovered 3.11 interpreter of that origin, or a skip."""
    for interp in interpreters.discovered().found:
        if (interp.origin == origin and len(interp.argv) == 1 and
                interp.major_minor == SHAPE_VERSION):
            return interp
    label = "py%d.%d-%s" % (SHAPE_VERSION + (origin,))
    pytest.skip("%s is not available: %s" % (label, dict(
        interpreters.discovered().missing).get(label, "not found")))


def mapped_paths(pid):
    """The file paths of /proc/PID/maps, in order, without duplicates."""
    paths = []
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            fields = line.split(None, 5)
            if len(fields) == 6 and fields[5].startswith("/"):
                path = fields[5].rstrip("\n")
                if path not in paths:
                    paths.append(path)
    return paths


def libpython_paths(pid):
    return [p for p in mapped_paths(pid)
            if os.path.basename(p).startswith("libpython")]


def is_python_name(path):
    base = os.path.basename(path)
    return base.startswith("python") or base.startswith("libpython")


def check_busy(run, trace=False):
    """busy.py's chain is the hottest stack (and, sampled with -p, at least
    half of the samples); every busy.py frame exists in its source."""
    prof = parse_collapsed(run.profile if trace else run.out)
    chain = expectations.busy_chain()
    hot, _ = prof.hottest()
    assert chain.matches(hot), "hottest stack %r is not %s%s" % (
        hot, chain, run.shown if trace else run)
    if not trace:
        assert expectations.share(prof, chain) >= 0.5, \
            "fewer than half of the samples are in %s%s" % (chain, run)
    expectations.check_frames_in_source(prof, "busy.py")


def trace_run(pyflame, env, out, *command, **kw):
    """pyflame -o OUT [OPTIONS] -t COMMAND...; the run's profile is read
    into run.profile, and run.shown is the run with its profile, for
    messages."""
    options = list(kw.pop("options", []))
    run = pyflame.run(*(["-o", out] + options + ["-t"] + list(command)),
                      env=env, timeout=kw.pop("timeout", 30.0))
    assert not kw, kw
    run.profile = ""
    if os.path.exists(out):
        with open(out, "rb") as f:
            run.profile = f.read().decode("utf-8")
    lines = run.profile.splitlines()
    run.shown = "%s--- profile ---\n%s\n" % (run, "\n".join(lines[:80] + (
        ["... (%d more lines)" % (len(lines) - 80)] if len(lines) > 80
        else [])))
    return run


def build(argv, what):
    """Run a compiler command: None, or why it failed."""
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "cannot build %s: %s" % (what, e)
    if proc.returncode != 0:
        return "cannot build %s: $ %s\n%s" % (
            what, " ".join(shlex.quote(a) for a in argv),
            proc.stdout.decode("utf-8", "replace"))
    return None


class Descendant(processes.Target):
    """A process started by a Target (its PID is not the Target's), watched
    through /proc only; the Target's teardown ends both."""

    def __init__(self, parent, pid):
        self.parent = parent
        self.pid = pid
        self.label = "pid %d under %s" % (pid, parent.label)

    def alive(self):
        return processes.proc_state(self.pid) not in (None, "Z", "X")

    def describe(self):
        return "%s (%s)\n%s" % (self.label, processes.proc_state(self.pid),
                                self.parent.describe())


def only_child(pid):
    """The PID of the single child of pid, waiting up to 10 s for it."""
    def children():
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            return None
        return kids if len(kids) == 1 else None
    kids = processes.wait_for(children, 10.0)
    assert kids, "process %d has no single child" % pid
    return kids[0]


# ------------------------------------------------- static and shared builds

def test_static_non_pie_stripped(targets, pyflame):
    interp = shape_interp("debian")
    exe = interp.argv[0]
    elf = elfinfo.ElfFile(exe)
    assert elf.type == elfinfo.ET_EXEC, "%s is not ET_EXEC" % exe
    assert ".symtab" not in elf.section_names(), "%s is not stripped" % exe
    assert set(GLOBALS) <= elf.dynamic_definitions(), \
        "%s does not export %s" % (exe, ", ".join(GLOBALS))
    assert not [n for n in elf.needed() if n.startswith("libpython")], \
        "%s needs a libpython: %r" % (exe, elf.needed())

    target = targets.start(interp, "busy.py")
    assert libpython_paths(target.pid) == [], \
        "a libpython is mapped: %r" % mapped_paths(target.pid)
    check_busy(pyflame.profile(target, "-s", "1"))


def test_shared_pie(targets, pyflame):
    interp = shape_interp("pyenv")
    exe = interp.argv[0]
    elf = elfinfo.ElfFile(exe)
    assert elf.type == elfinfo.ET_DYN, "%s is not a PIE" % exe
    assert not set(GLOBALS) & elf.dynamic_definitions(), \
        "%s itself defines interpreter globals" % exe
    assert [n for n in elf.needed() if n.startswith("libpython")], \
        "%s needs no libpython: %r" % (exe, elf.needed())

    target = targets.start(interp, "busy.py")
    libs = libpython_paths(target.pid)
    assert len(libs) == 1, "want one libpython mapped: %r" % libs
    lib = elfinfo.ElfFile(libs[0])
    assert lib.type == elfinfo.ET_DYN and \
        set(GLOBALS) <= lib.dynamic_definitions(), \
        "%s does not define %s" % (libs[0], ", ".join(GLOBALS))
    check_busy(pyflame.profile(target, "-s", "1"))


# ------------------------------------------------- through the dynamic loader

def through_loader(interp):
    """(loader path, interp started as `loader exe ...`)."""
    loader = elfinfo.ElfFile(interp.argv[0]).interpreter()
    assert loader, "%s has no PT_INTERP" % interp.argv[0]
    return loader, interpreters.Interpreter(
        interp.label + "-ldso", interp.version, [loader] + interp.argv,
        interp.env, interp.origin)


@pytest.mark.parametrize("origin", ORIGINS)
def test_loader_attach(targets, pyflame, origin):
    interp = shape_interp(origin)
    loader, wrapped = through_loader(interp)
    target = targets.start(wrapped, "busy.py")
    exe = os.readlink("/proc/%d/exe" % target.pid)
    assert os.path.realpath(exe) == os.path.realpath(loader), \
        "/proc/%d/exe is %s, not the loader %s" % (target.pid, exe, loader)
    assert not is_python_name(exe)
    mapped = [os.path.realpath(p) for p in mapped_paths(target.pid)]
    assert os.path.realpath(interp.argv[0]) in mapped, \
        "%s is not mapped: %r" % (interp.argv[0], mapped)
    check_busy(pyflame.profile(target, "-s", "1"))


@pytest.mark.parametrize("origin", ORIGINS)
def test_loader_trace(tmp_path, ptrace_ok, pyflame, origin):
    _, wrapped = through_loader(shape_interp(origin))
    busy = processes.target_path("busy.py")
    run = trace_run(pyflame, wrapped.environ(), str(tmp_path / "profile.txt"),
                    *wrapped.command(busy, "--seconds", "1"))
    assert run.returncode == 0 and run.stderr == b"", str(run)
    assert run.stdout == b"ready\n", str(run)
    check_busy(run, trace=True)


# ------------------------------------------------------------ embedded CPython

def embed_flags(config):
    """(cflags, ldflags) from `config --embed`, or (None, why)."""
    flags = []
    for what in ("--cflags", "--ldflags"):
        try:
            proc = subprocess.run([config, "--embed", what],
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, "cannot run %s: %s" % (config, e)
        if proc.returncode != 0:
            return None, "%s --embed %s failed: %s" % (
                config, what, proc.stderr.decode("utf-8", "replace").strip())
        flags.append(shlex.split(proc.stdout.decode()))
    return tuple(flags), None


@pytest.fixture(scope="module", params=ORIGINS)
def embed_host(request, tmp_path_factory):
    """(interpreter, path of embed.c built against its libpython)."""
    interp = shape_interp(request.param)
    config = interp.argv[0] + "-config"
    if not os.access(config, os.X_OK):
        pytest.skip("no %s (for Debian: package libpython3.11-dev)" % config)
    flags, why = embed_flags(config)
    if flags is None:
        pytest.skip(why)
    host = str(tmp_path_factory.mktemp("embed") / "embed-host")
    why = build(["gcc"] + flags[0] + [EMBED_C, "-o", host] + flags[1],
                "embed.c with %s" % config)
    if why:
        pytest.skip(why)
    return interp, host


def spin_chain():
    """spin.py's hot stack; PyRun_SimpleString names its file <string>."""
    m = profiles.markers(EMBED_SCRIPT)
    chain = expectations.Chain(EMBED_SCRIPT, [
        ("<module>", [m["module-call"]]),
        ("embedded_main", [m["main-call"]]),
        ("embedded_leaf", [m["leaf-loop"], m["leaf-body"]]),
    ])
    chain.file = "<string>"
    return chain


def test_embedded_interpreter(embed_host, targets, pyflame):
    interp, host = embed_host
    assert not is_python_name(host)
    target = targets.start_command([host, EMBED_SCRIPT], env=interp.environ(),
                                   label="embed-host spin.py")
    target.wait_for_line("ready")
    libs = libpython_paths(target.pid)
    assert len(libs) == 1, "want one libpython mapped: %r" % libs
    assert not is_python_name(os.readlink("/proc/%d/exe" % target.pid))

    run = pyflame.profile(target, "-s", "1")
    prof = parse_collapsed(run.out)
    chain = spin_chain()
    hot, _ = prof.hottest()
    assert chain.matches(hot), "hottest stack %r is not %s%s" % (
        hot, chain, run)
    assert expectations.share(prof, chain) >= 0.5, str(run)


# ----------------------------------------------------- another mount namespace

# Runs inside the new mount namespace: a tmpfs on ROOT (empty outside) gets
# copies of the executable and libpython, and the standard library bound
# from PREFIX; the copy is started with its own libpython.
NAMESPACE_SCRIPT = r"""
set -e
root=$1 prefix=$2 exe=$3 lib=$4
shift 4
mount -t tmpfs pyflame-shapes "$root"
mkdir -p "$root/bin" "$root/lib/$exe"
cp "$prefix/bin/$exe" "$root/bin/"
cp "$prefix/lib/$lib" "$root/lib/"
mount --bind "$prefix/lib/$exe" "$root/lib/$exe"
LD_LIBRARY_PATH="$root/lib" exec "$root/bin/$exe" "$@"
"""


@pytest.fixture(scope="module")
def unshare_ok(tmp_path_factory):
    """Skip unless `unshare --mount --fork` and a tmpfs mount work here."""
    probe = str(tmp_path_factory.mktemp("unshare-probe"))
    argv = ["unshare", "--mount", "--fork", "--", "sh", "-c",
            'mount -t tmpfs pyflame-probe "$1"', "sh", probe]
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip("cannot run unshare: %s" % e)
    if proc.returncode != 0:
        pytest.skip("a private mount namespace is not permitted here: %s" %
                    proc.stdout.decode("utf-8", "replace").strip())
    assert os.listdir(probe) == [], "the probe's mount leaked out"


def test_other_mount_namespace(tmp_path, unshare_ok, targets, pyflame):
    interp = shape_interp("pyenv")
    exe = interp.argv[0]
    prefix = os.path.dirname(os.path.dirname(exe))
    lib = [n for n in elfinfo.ElfFile(exe).needed()
           if n.startswith("libpython")][0]
    root = str(tmp_path / "root")
    os.mkdir(root)
    argv = ["unshare", "--mount", "--fork", "--kill-child", "--", "sh", "-c",
            NAMESPACE_SCRIPT, "sh", root, prefix, os.path.basename(exe), lib,
            processes.target_path("busy.py")]
    outer = targets.start_command(argv, env=interp.environ(),
                                  label="unshare python busy.py")
    outer.wait_for_line("ready")
    inner = Descendant(outer, only_child(outer.pid))

    ns = "/proc/%d/ns/mnt"
    assert os.readlink(ns % inner.pid) != os.readlink(ns % os.getpid())
    mapped = mapped_paths(inner.pid)
    want = [os.path.join(root, "bin", os.path.basename(exe)),
            os.path.join(root, "lib", lib)]
    assert [p for p in mapped if is_python_name(p)] == want, \
        "want only %r as python objects, got %r" % (want, mapped)
    for path in want:
        assert not os.path.exists(path), "%s exists outside" % path
    assert os.listdir(root) == [], "the namespace's tmpfs is visible"
    check_busy(pyflame.profile(inner, "-s", "1"))


# Runs inside a new mount namespace: ROOT becomes a tmpfs holding the
# system's /usr (and /lib, /lib64 as they are) and TARGETS at its own path,
# then the command runs chrooted into ROOT.
CHROOT_SCRIPT = r"""
set -e
root=$1 targets=$2
shift 2
mount -t tmpfs pyflame-shapes "$root"
for d in usr lib lib64; do
	if [ -L "/$d" ]; then
		ln -s "$(readlink "/$d")" "$root/$d"
	elif [ -d "/$d" ]; then
		mkdir "$root/$d"
		mount --rbind "/$d" "$root/$d"
	fi
done
mkdir -p "$root$targets"
mount --bind "$targets" "$root$targets"
exec chroot "$root" "$@"
"""


def test_chroot(tmp_path, unshare_ok, targets, pyflame):
    interp = shape_interp("debian")
    root = str(tmp_path / "root")
    os.mkdir(root)
    argv = ["unshare", "--mount", "--fork", "--kill-child", "--", "sh", "-c",
            CHROOT_SCRIPT, "sh", root, processes.TARGETS_DIR] + \
        interp.command(processes.target_path("busy.py"))
    outer = targets.start_command(argv, env=interp.environ(),
                                  label="chroot python busy.py")
    outer.wait_for_line("ready")
    inner = Descendant(outer, only_child(outer.pid))

    assert os.readlink("/proc/%d/root" % inner.pid) == root
    mapped = [p for p in mapped_paths(inner.pid) if is_python_name(p)]
    assert mapped == [root + interp.argv[0]], \
        "want %s%s mapped, got %r" % (root, interp.argv[0], mapped)
    check_busy(pyflame.profile(inner, "-s", "1"))


# ------------------------------------------------------ an unsupported version

@pytest.fixture(scope="module")
def fake316(tmp_path_factory):
    """fake/fake316.c built as a PIE named python3.16."""
    if shutil.which("gcc") is None:
        pytest.skip("no gcc to build fake/fake316.c")
    exe = str(tmp_path_factory.mktemp("fake") / "python3.16")
    why = build(["gcc", "-O2", "-fPIE", "-pie", "-rdynamic", FAKE_C,
                 "-o", exe], "fake316.c")
    assert why is None, why
    elf = elfinfo.ElfFile(exe)
    assert elf.type == elfinfo.ET_DYN, "%s is not a PIE" % exe
    assert set(GLOBALS) <= elf.dynamic_definitions(), \
        "%s does not export %s" % (exe, ", ".join(GLOBALS))
    return exe


def check_refused(run):
    """Exit 1 and one line on stderr that names 3.16.0a1 as unsupported."""
    lines = run.err.splitlines()
    assert run.returncode == 1, str(run)
    assert len(lines) == 1 and run.err.endswith("\n"), \
        "want exactly one line on stderr%s" % run
    assert "3.16.0a1" in lines[0] and "not supported" in lines[0], str(run)
    assert run.elapsed < 5.0, "refusing took %.1f s%s" % (run.elapsed, run)


@pytest.mark.parametrize("cookie", ["xdebugpy", "ydebugpy"])
def test_unsupported_version_attach(fake316, targets, pyflame, cookie):
    # "xdebugpy": the debug offsets say 3.16.0a1; "ydebugpy" is no debug
    # offsets block at all, and Py_Version says 3.16.0a1. Both are refused.
    target = targets.start_command([fake316, cookie],
                                   label="python3.16 " + cookie)
    target.wait_for_line("ready")
    run = pyflame.run("-p", target.pid, timeout=20.0)
    check_refused(run)
    assert run.stdout == b"", str(run)
    target.assert_running()


def test_unsupported_version_trace(fake316, tmp_path, ptrace_ok, pyflame):
    # -t: refused the same way, and the command, run only to be profiled,
    # is not left behind. It lives 10 s at most: a pyflame that went on
    # sampling it would end then, not hold the run up.
    run = trace_run(pyflame, None, str(tmp_path / "profile.txt"), fake316,
                    "xdebugpy", "10", timeout=20.0)
    check_refused(run)

    real = os.path.realpath(fake316)

    def fake_gone():
        for pid in os.listdir("/proc"):
            try:
                if pid.isdigit() and \
                        os.readlink("/proc/%s/exe" % pid) == real:
                    return False
            except OSError:
                pass
        return True
    assert processes.wait_for(fake_gone, 5.0), \
        "%s still runs after pyflame -t refused it" % fake316


# ---------------------------------------------------------- a slow start

@pytest.mark.parametrize("origin", ORIGINS)
def test_trace_slow_start(tmp_path, ptrace_ok, pyflame, origin):
    # The script sleeps 0.5 s, imports much of the standard library, then
    # works. The interpreter is found at once, so the sleep is sampled (as
    # idle), then the imports, then the work.
    interp = shape_interp(origin)
    script = processes.target_path("slow_start.py")
    m = profiles.markers(script)
    run = trace_run(pyflame, interp.environ(), str(tmp_path / "chart.txt"),
                    *interp.command(script, "--seconds", "1"),
                    options=["--flamechart"])
    assert run.returncode == 0 and run.stderr == b"", str(run)
    assert run.stdout == b"ready\n", str(run)
    events = parse_flamechart(run.profile)

    def at(event, func, line):
        return any(f.file == script and f.func == func and f.line == line
                   for f in event.frames)
    importing = [i for i, e in enumerate(events)
                 if at(e, "import_stdlib", m["import"])]
    assert importing, "no sample while importing%s" % run.shown
    idle_before = sum(1 for e in events[:importing[0]] if e.kind == "idle")
    assert idle_before >= 20, "%d idle samples before the imports, want " \
        "the 0.5 s sleep%s" % (idle_before, run.shown)
    working = [i for i, e in enumerate(events) if
               at(e, "work", m["work-call"]) and at(e, "main", m["main-call"])]
    assert working and importing[-1] < working[0], "work not sampled, or " \
        "sampled before the imports ended%s" % run.shown
    assert len(working) >= 0.5 * (len(events) - importing[-1]), \
        "fewer than half of the samples after the imports are work%s" % \
        run.shown
