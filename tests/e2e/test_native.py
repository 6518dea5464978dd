# SPDX-License-Identifier: Apache-2.0
"""Native stacks: as tests/native/native-stack unwinds and names them,
and as pyflame --native writes them merged with the Python frames.

Every frame is checked against the object's own symbol tables, read
independently with nm: a frame named object!symbol must lie inside that
symbol's [value, value + size), and a frame shown as object+0xOFFSET
must lie inside no function at all (never a neighbour's name). Targets:
a C (and C++) extension built here against each interpreter's headers,
zlib and hashlib, ctypes' qsort calling back into Python, several
threads, Debian's stripped static python3.11; and the cost of an unwind.
pyflame --native: merged stacks (libz inside the Python frame that called
it, the qsort callback nested inside libc), --threads, -d, --subprocesses,
the refusal with --nonblocking; and, without --native, C time sampled as
busy rather than (idle).
"""

import os
import re
import shutil
import subprocess
import time

import pytest

import interpreters
import processes
import profiles

HERE = os.path.dirname(os.path.abspath(__file__))
EXT_SOURCE = os.path.join(HERE, "native", "pfnative.cpp")
TRIES = 40  # snapshots to wait for a target to be where a test wants it
UNWIND_GOAL_US = 250.0  # the whole --native sample's budget at 1 kHz


def native_stack_path():
    explicit = os.environ.get("NATIVE_STACK")
    if explicit:
        return explicit
    pyflame = os.environ.get("PYFLAME")
    if pyflame:
        return os.path.join(os.path.dirname(os.path.dirname(pyflame)),
                            "tests", "native", "native-stack")
    return os.path.join(HERE, "..", "native", "native-stack")


@pytest.fixture(scope="session")
def native_stack():
    path = native_stack_path()
    if not os.access(path, os.X_OK):
        pytest.skip("no native-stack program at %s (make check builds it)"
                    % path)
    return path


class Thread(object):
    def __init__(self, tid, whole, busy, state):
        self.tid = tid
        self.whole = whole
        self.busy = busy  # on a CPU just before the stop (cpustate.c)
        self.state = state
        self.frames = []  # (text, path, vaddr)
        self.parts = []  # per frame: the function it was split off, or None

    @property
    def texts(self):
        return [f[0] for f in self.frames]

    def __repr__(self):
        return "thread %d %s %s %s:\n  %s" % (
            self.tid, "whole" if self.whole else "cut",
            "busy" if self.busy else "idle", self.state,
            "\n  ".join(self.texts))


def snapshot(tool, pid):
    """One stop of the target: its threads, frames with path and address."""
    out = subprocess.run([tool, "--raw", str(pid)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=60)
    assert out.returncode == 0, out.stderr.decode()
    threads = []
    for line in out.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("thread "):
            word = line.split()
            threads.append(Thread(int(word[1]), word[2] == "whole",
                                  word[4] == "busy", word[5]))
            threads[-1].cpu_us = int(word[6])
            assert int(word[3]) >= 1
        else:
            parts = line.strip().split("\t")
            path = parts[1] if len(parts) > 1 else None
            vaddr = int(parts[2], 16) if len(parts) > 2 else None
            part = [p[8:] for p in parts[3:] if p.startswith("part_of=")]
            threads[-1].frames.append((parts[0], path, vaddr))
            threads[-1].parts.append(part[0] if part else None)
    return threads


def wait_for(tool, pid, found):
    """Snapshots until found(threads) is true; the last snapshot."""
    threads = []
    for _ in range(TRIES):
        threads = snapshot(tool, pid)
        if found(threads):
            return threads
        time.sleep(0.05)
    pytest.fail("never seen in %d snapshots; the last:\n%s"
                % (TRIES, "\n".join(map(repr, threads))))


# ------------------------------------------------------------ honesty

FUNC_TYPES = set("TtWwi")
_NM_CACHE = {}


def debug_files(path):
    """The separate debug files of `path` where this system has them: by
    build-id, then by .gnu_debuglink in the usual places."""
    found = []
    out = subprocess.run(["readelf", "-n", path], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode("latin-1")
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    if m:
        found.append("/usr/lib/debug/.build-id/%s/%s.debug"
                     % (m.group(1)[:2], m.group(1)[2:]))
    out = subprocess.run(["readelf", "--string-dump=.gnu_debuglink", path],
                         stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode("latin-1")
    m = re.search(r"\]\s+(\S+)", out)
    if m:
        d = os.path.dirname(path)
        found += [os.path.join(d, m.group(1)),
                  os.path.join(d, ".debug", m.group(1)),
                  "/usr/lib/debug" + os.path.join(d, m.group(1))]
    return [f for f in found if os.path.isfile(f)]


def nm_functions(path):
    """{name: [(start, end)]} of the functions with a size in .symtab and
    .dynsym of the object and of its debug files (names demangled,
    versions cut), read with nm."""
    if path in _NM_CACHE:
        return _NM_CACHE[path]
    funcs = {}
    runs = [[path], ["-D", path]] + [[f] for f in debug_files(path)]
    for args in runs:
        out = subprocess.run(["nm", "-C", "-S", "--defined-only",
                              "--format=posix"] + args,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for line in out.stdout.decode("utf-8", "replace").splitlines():
            word = line.rsplit(None, 3)
            if len(word) != 4 or word[1] not in FUNC_TYPES:
                continue  # no size: names nothing
            name = re.sub(r"@.*$", "", word[0])
            start, size = int(word[2], 16), int(word[3], 16)
            if size:
                funcs.setdefault(name, []).append((start, start + size))
    _NM_CACHE[path] = funcs
    return funcs


def check_honest(threads):
    """Every frame named inside its symbol; every unnamed one in none."""
    checked = 0
    for th in threads:
        for text, path, vaddr in th.frames:
            if path is None or not path.startswith("/"):
                continue
            funcs = nm_functions(path)
            obj = os.path.basename(path)
            if text.startswith(obj + "!"):
                name = text[len(obj) + 1:]
                ranges = funcs.get(name, [])
                assert any(s <= vaddr < e for s, e in ranges), \
                    "%s at 0x%x lies outside %s %r" % (text, vaddr, name,
                                                       ranges)
            else:
                assert text == "%s+0x%x" % (obj, vaddr), text
                inside = [n for n, rs in funcs.items()
                          for s, e in rs if s <= vaddr < e]
                assert not inside, "%s is inside %s" % (text, inside)
            checked += 1
    assert checked > 0
    return checked


def eval_loop(interp):
    return ("PyEval_EvalFrameEx" if interp.major_minor == (2, 7)
            else "_PyEval_EvalFrameDefault")


def is_eval(text, interp, part_of=None):
    """Whether a frame is a call of the eval loop: by its name, or, where
    the loop's code was split off unnamed, by what it was split off."""
    name = text.split("!", 1)[1] if "!" in text else part_of
    loop = eval_loop(interp)
    return name is not None and (name == loop or name.startswith(loop + "."))


def eval_positions(th, interp):
    return [i for i, (x, p) in enumerate(zip(th.texts, th.parts))
            if is_eval(x, interp, p)]


# -------------------------------------------------------- the extension

def build_extension(interp, outdir):
    """pfnative.so for interp in outdir, or a skip with the reason."""
    if shutil.which("g++") is None:
        pytest.skip("no g++ to build the extension")
    probe = ("import sysconfig; p = sysconfig.get_paths(); "
             "print(p['include']); print(p['platinclude'])")
    out = subprocess.run(interp.command("-c", probe), env=interp.environ(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=60)
    dirs = out.stdout.decode().split()
    if out.returncode != 0 or not dirs or not os.path.exists(
            os.path.join(dirs[0], "Python.h")):
        pytest.skip("%s has no headers (%s)" % (interp.label, dirs))
    flags = []
    for d in dirs:
        flags += ["-I", d, "-I", os.path.dirname(d)]
    target = os.path.join(str(outdir), "pfnative.so")
    cmd = (["g++", "-std=gnu++11", "-shared", "-fPIC", "-O1", "-fno-inline",
            "-fno-optimize-sibling-calls", "-w"] + flags +
           [EXT_SOURCE, "-o", target])
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=120)
    assert res.returncode == 0, res.stderr.decode()
    return target


def test_extension_exact_names(interp, targets, native_stack, tmp_path):
    """Functions of a C/C++ extension with .symtab: exact names, in order,
    and the Python callback's eval loop inside the C caller."""
    build_extension(interp, tmp_path)
    t = targets.start(interp, "native_work.py", "ext", str(tmp_path))
    chain = ["pfnative.so!pfcxx::spin(unsigned long)",
             "pfnative.so!pf_native_inner", "pfnative.so!pf_native_middle",
             "pfnative.so!pf_native_outer"]

    def found(threads):
        spin = [th for th in threads if th.texts[:4] == chain]
        call = [th for th in threads
                if "pfnative.so!pf_native_callback" in th.texts]
        return spin and call and all(th.whole for th in threads)

    threads = wait_for(native_stack, t.pid, found)
    call = [th for th in threads
            if "pfnative.so!pf_native_callback" in th.texts][0]
    at = call.texts.index("pfnative.so!pf_native_callback")
    evals = eval_positions(call, interp)
    assert any(i < at for i in evals) and any(i > at for i in evals), call
    check_honest(threads)


# --------------------------------------------------------- libraries

SHA256_MODULE = ("import hashlib, sys; "
                 "sys.stdout.write(getattr(hashlib.sha256, '__module__', '')"
                 " or '')")


def library_of(interp, mode):
    """The object the work of `mode` runs in: zlib's libz; hashlib's
    libcrypto when sha256 comes from OpenSSL (_hashlib), else None (a
    built-in implementation: the interpreter's own code)."""
    if mode == "zlib":
        return "libz.so"
    out = subprocess.run(interp.command("-c", SHA256_MODULE),
                         env=interp.environ(), stdout=subprocess.PIPE,
                         timeout=60)
    return "libcrypto.so" if out.stdout.decode() == "_hashlib" else None


@pytest.mark.parametrize("mode", ["zlib", "hashlib"])
def test_library_names_honest(interp, targets, native_stack, mode):
    """zlib and hashlib release the GIL in a stripped library: its
    exported functions named by .dynsym, the rest object+offset; below
    them, the eval loop that called them."""
    library = library_of(interp, mode)
    t = targets.start(interp, "native_work.py", mode)

    def in_work(th):
        if library:
            return th.texts[0].startswith(library)
        evals = eval_positions(th, interp)
        return bool(evals) and evals[0] > 0

    threads = wait_for(native_stack, t.pid, lambda ths: any(
        in_work(th) and th.whole for th in ths))
    check_honest(threads)
    for th in threads:
        if in_work(th):
            assert eval_positions(th, interp), th


def test_qsort_callback_nests(interp, targets, native_stack):
    """ctypes' qsort calling a Python comparison: the callback's eval loop
    lies inside libc's qsort, which lies inside the caller's eval loop."""
    t = targets.start(interp, "native_work.py", "qsort")

    def nested(th):
        """libc's sort (the first run of libc frames) between two evals."""
        texts = th.texts
        first = [i for i, x in enumerate(texts) if x.startswith("libc.so")]
        evals = eval_positions(th, interp)
        if not (th.whole and first and evals):
            return False
        end = first[0]
        while end < len(texts) and texts[end].startswith("libc.so"):
            end += 1
        return evals[0] < first[0] and any(e >= end for e in evals)

    threads = wait_for(native_stack, t.pid,
                       lambda ths: any(nested(th) for th in ths))
    check_honest(threads)


def asleep(threads):
    """Threads inside libc's sleep (time.sleep: clock_nanosleep, or select
    on 2.7), named by .dynsym whatever else the library keeps."""
    return [th for th in threads if re.search(
        r"!(__)?(clock_nanosleep|select)\b", " ".join(th.texts[:4]))]


def test_threads_all_whole(interp, targets, native_stack):
    """Five threads, each unwound to its start; the two that sleep in
    time.sleep (10 s at a time) idle in the kernel's view."""
    if interp.version < (3, 0):
        pytest.skip("Python 2.7's zlib keeps the GIL while it compresses: "
                    "with a thread spinning in Python beside it, one of the "
                    "target's threads can starve for the whole test")
    t = targets.start(interp, "native_work.py", "threads")

    def found(threads):
        return len(threads) == 5 and all(th.whole for th in threads) and \
            len(asleep(threads)) == 2

    threads = wait_for(native_stack, t.pid, found)
    assert len(threads) == processes.task_count(t.pid)
    check_honest(threads)
    time.sleep(0.2)  # past the moments they fell asleep
    threads = snapshot(native_stack, t.pid)
    sleepers = asleep(threads)
    assert len(sleepers) == 2 and not any(th.busy for th in sleepers), \
        threads


def test_c_time_is_busy(interp, targets, native_stack):
    """A thread compressing with zlib, which releases the GIL, is on a CPU
    as the kernel sees it whenever it is caught inside libz."""
    t = targets.start(interp, "native_work.py", "zlib")

    def in_libz(threads):
        return any(th.texts[0].startswith("libz.so") for th in threads)

    seen = 0
    for _ in range(5):
        threads = wait_for(native_stack, t.pid, in_libz)
        for th in threads:
            if th.texts[0].startswith("libz.so"):
                assert th.busy, th
                seen += 1
    assert seen == 5


def test_debian_stripped_static(targets, native_stack):
    """Debian's python3.11: libpython linked in, stripped to .dynsym: the
    C API named, internal functions python3.11+0x..., none misnamed."""
    interp = [i for i in interpreters.discovered().found
              if i.origin == "debian" and i.major_minor == (3, 11)]
    if not interp:
        pytest.skip("no Debian python3.11")
    t = targets.start(interp[0], "native_work.py", "zlib")
    threads = wait_for(native_stack, t.pid, lambda ths: any(
        th.texts[0].startswith("libz.so") and th.whole for th in ths))
    texts = [x for th in threads for x in th.texts]
    assert any(x.startswith("python3.11+0x") for x in texts)
    assert "python3.11!_PyEval_EvalFrameDefault" in texts, texts
    check_honest(threads)


# -------------------------------------------------------------- cost

def test_unwind_cost(targets, native_stack):
    """Median CPU of one unwind of a thread about 50 native frames deep
    (3.12, Python -> C -> Python 8 levels, then zlib)."""
    interp = [i for i in interpreters.discovered().found
              if i.major_minor == (3, 12)]
    if not interp:
        pytest.skip("no Python 3.12")
    t = targets.start(interp[0], "native_work.py", "deep", "8")
    wait_for(native_stack, t.pid, lambda ths: any(
        th.texts[0].startswith("libz.so") for th in ths))
    out = subprocess.run([native_stack, "--bench", "500", str(t.pid)],
                         stdout=subprocess.PIPE, timeout=120)
    line = out.stdout.decode()
    print(line)
    fields = dict(zip(line.split()[::2], line.split()[1::2]))
    assert float(fields["mean_depth"]) >= 40, line
    assert float(fields["median_us"]) < UNWIND_GOAL_US, line


# ------------------------------------------------ pyflame --native

def is_py(f):
    return f.file is not None and not profiles.is_native(f)


def native_frames(stack):
    return [f for f in stack if profiles.is_native(f)]


def python_funcs(stack):
    return [f.func for f in stack if is_py(f)]


def positions(stack, predicate):
    return [i for i, f in enumerate(stack) if predicate(f)]


def is_loop_frame(f, interp):
    """A frame the merge should have replaced: the eval loop, named."""
    return profiles.is_native(f) and f.func == eval_loop(interp)


def merged_ok(stack, interp, leaf_func, library):
    """Root first: the outermost frame native, a Python frame of leaf_func,
    and inside it (after it) a frame of `library`."""
    py = positions(stack, lambda f: f.func == leaf_func and is_py(f))
    lib = positions(stack, lambda f: profiles.is_native(f) and
                    f.file.startswith(library))
    return bool(py and any(i > py[-1] for i in lib) and
                profiles.is_native(stack[0]))


def test_pyflame_native_merged(interp, targets, pyflame):
    """pyflame --native on zlib's loop: the C frames of libz inside the
    Python frame that called it, under the native frames that started the
    interpreter, named honestly; with -n the native frames are the same."""
    t = targets.start(interp, "native_work.py", "zlib")
    run = pyflame.profile(t, "--native", "-s", "1", "-r", "0.002")
    prof = profiles.parse_collapsed(run.out)
    good = prof.count(lambda s: merged_ok(s, interp, "compress_loop",
                                          "libz.so"))
    assert good >= 0.5 * prof.total, run
    assert prof.idle <= 0.05 * prof.total, run
    assert not prof.count(lambda s: any(is_loop_frame(f, interp)
                                        for f in s[:-1])), run
    plain = pyflame.profile(t, "--native", "-n", "-s", "0.5", "-r", "0.002")
    nprof = profiles.parse_collapsed(plain.out, with_lines=False)
    assert nprof.count(lambda s: merged_ok(s, interp, "compress_loop",
                                           "libz.so")) > 0, plain


def cut_at_unknown(stack):
    """Whether the native frames of a stack (root first) all follow its
    Python ones, the outermost of them in no file."""
    natives = [i for i, f in enumerate(stack) if profiles.is_native(f)]
    return bool(natives) and natives == list(range(natives[0], len(stack))) and \
        stack[natives[0]].file == "[unknown]"


def test_pyflame_native_callback_nests(interp, targets, pyflame):
    """ctypes' qsort calling a Python comparison: every stack with the
    callback has native frames (libffi, libc's qsort) between it and the
    Python frame that called qsort: never a Python frame out of place."""
    t = targets.start(interp, "native_work.py", "qsort")
    run = pyflame.profile(t, "--native", "-s", "2", "-r", "0.002")
    prof = profiles.parse_collapsed(run.out)
    callback = [(s, c) for s, c in prof.stacks
                if any(f.func == "compare" and is_py(f) for f in s)]
    assert sum(c for _, c in callback) >= 0.2 * prof.total, run
    # an unwind stopped in code in no file ("[unknown]": libffi's
    # trampolines) leaves every Python frame outside the native ones it
    # found, unnested (merge.h): rare, and only so
    cut = [(s, c) for s, c in callback if cut_at_unknown(s)]
    assert sum(c for _, c in cut) <= 0.05 * sum(c for _, c in callback), run
    for s, _ in callback:
        if cut_at_unknown(s):
            continue
        outer = positions(s, lambda f: f.func == "qsort_loop" and is_py(f))
        inner = positions(s, lambda f: f.func == "compare" and is_py(f))
        libc = positions(s, lambda f: profiles.is_native(f) and
                         f.file.startswith("libc.so"))
        assert outer and outer[-1] < inner[0] and any(
            outer[-1] < i < inner[0] for i in libc), profiles.render_stack(s)
    # a stack whose two halves cannot be paired is counted (failed), not
    # guessed: rare (a thread caught entering or leaving a call)
    assert run.stats["native_lost"] <= 0.05 * run.stats["samples"], run


def test_pyflame_native_threads_and_idle(interp, targets, pyflame):
    """--threads --native: every thread's stack; the sleepers' inside
    libc's sleep, the workers' inside libz and the hash."""
    if interp.version < (3, 0):
        pytest.skip("Python 2.7's zlib keeps the GIL while it compresses: "
                    "with a thread spinning in Python beside it, one of the "
                    "target's threads can starve for the whole test")
    t = targets.start(interp, "native_work.py", "threads")
    run = pyflame.profile(t, "--threads", "--native", "-s", "1", "-r",
                          "0.005")
    prof = profiles.parse_collapsed(run.out)
    funcs = ("compress_loop", "hash_loop", "sleep_loop", "python_loop")
    for fn in funcs:
        assert prof.with_function(fn) > 0, (fn, run)
    sleeping = prof.count(lambda s: "sleep_loop" in python_funcs(s) and any(
        re.match(r"(__)?(clock_nanosleep|select)", f.func or "")
        for f in native_frames(s)))
    assert sleeping > 0, run
    # the zlib thread inside C (in libz, or waiting to take the GIL back:
    # 2.7's GIL starves it behind the Python loop)
    assert prof.count(lambda s: merged_ok(s, interp, "compress_loop",
                                          "")) > 0, run


def test_pyflame_native_dump(interp, targets, pyflame):
    """-d --native of a process busy in C: the dump shows libz's frames
    inside the Python frame that called zlib."""
    t = targets.start(interp, "native_work.py", "zlib")
    for _ in range(TRIES):
        run = pyflame.run("-d", "--native", "-p", t.pid)
        assert run.returncode == 0, run
        lines = run.out.splitlines()
        libz = [i for i, x in enumerate(lines) if x.startswith("libz.so")]
        loop = [i for i, x in enumerate(lines) if ":compress_loop:" in x]
        if libz and loop and libz[0] < loop[0]:
            break
    else:
        pytest.fail("no libz frame inside compress_loop%s" % run)
    assert profiles.is_native(profiles.parse_frame(lines[-1])), run
    t.assert_running()


def test_pyflame_native_subprocesses(interp, targets, pyflame):
    """--subprocesses --native: each process unwound with its own state,
    its stacks rooted at its process."""
    t = targets.start(interp, "native_work.py", "fork")
    run = pyflame.profile(t, "--subprocesses", "--native", "-s", "1", "-r",
                          "0.005")
    prof = profiles.parse_collapsed(run.out)
    roots = set(s[0].func for s, _ in prof.stacks
                if any(f.file and f.file.startswith("libz.so") for f in s))
    assert len(roots) == 2, run


def test_native_refused_nonblocking(pyflame):
    run = pyflame.run("--native", "--nonblocking", "-p", "1")
    assert run.returncode == 1 and run.out == "", run
    assert len(run.err.splitlines()) == 1, run
    assert "--native" in run.err and "--nonblocking" in run.err, run


@pytest.mark.parametrize("mode", ["zlib", "hashlib"])
def test_c_time_is_not_idle(interp, targets, pyflame, mode):
    """Without --native: a thread busy in C without the GIL is sampled with
    its Python stack, not as (idle)."""
    t = targets.start(interp, "native_work.py", mode)
    run = pyflame.profile(t, "-s", "1", "-r", "0.005")
    prof = profiles.parse_collapsed(run.out)
    assert prof.idle < 0.05 * prof.total, run
    loop = "compress_loop" if mode == "zlib" else "hash_loop"
    assert prof.with_function(loop) >= 0.9 * prof.total, run


def test_pyflame_native_extension(interp, targets, pyflame, tmp_path):
    """A C/C++ extension with .symtab under pyflame --threads --native: its
    nested functions by their exact names, in order, and the Python
    function it calls back inside its callback frame."""
    build_extension(interp, tmp_path)
    t = targets.start(interp, "native_work.py", "ext", str(tmp_path))
    run = pyflame.profile(t, "--threads", "--native", "-s", "1", "-r",
                          "0.005")
    prof = profiles.parse_collapsed(run.out)
    chain = ["pf_native_outer", "pf_native_middle", "pf_native_inner",
             "pfcxx::spin(unsigned long)"]

    def spins(s):
        names = [f.func for f in s if f.file == "pfnative.so"]
        return names[-4:] == chain and s[-1].func == chain[-1]

    def calls_back(s):
        at = positions(s, lambda f: f.file == "pfnative.so" and
                       f.func == "pf_native_callback")
        leaf = positions(s, lambda f: f.func == "python_leaf" and is_py(f))
        return bool(at and leaf and at[0] < leaf[-1])

    assert prof.count(spins) > 0, run
    assert prof.count(calls_back) > 0, run


def test_pyflame_native_debian_stripped(targets, pyflame):
    """pyflame --native on Debian's stripped, static python3.11: every
    frame of the executable is a function of its .dynsym or an offset,
    never another name, and the eval loop is replaced by Python frames."""
    interp = [i for i in interpreters.discovered().found
              if i.origin == "debian" and i.major_minor == (3, 11)]
    if not interp:
        pytest.skip("no Debian python3.11")
    t = targets.start(interp[0], "native_work.py", "zlib")
    run = pyflame.profile(t, "--native", "-s", "1", "-r", "0.005")
    prof = profiles.parse_collapsed(run.out)
    known = nm_functions(os.path.realpath("/usr/bin/python3.11"))
    frames = set(f for s, _ in prof.stacks for f in native_frames(s)
                 if f.file == "python3.11")
    assert frames, run
    for f in frames:
        assert f.func.startswith("+0x") or f.func in known, (f.func, run)
    assert any(f.func.startswith("+0x") for f in frames), run
    assert prof.count(lambda s: merged_ok(s, interp[0], "compress_loop",
                                          "libz.so")) > 0, run
