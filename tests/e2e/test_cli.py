# SPDX-License-Identifier: Apache-2.0
"""The command line, through the real binary: help, version, option order,
every parse error and its exact message, exit statuses, and -t handing the
rest of the line to the command."""

import os
import re
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PYFLAME = os.environ.get("PYFLAME") or os.path.join(HERE, "..", "..", "src", "pyflame")

if not os.access(PYFLAME, os.X_OK):
    pytest.skip("pyflame binary not found at %s" % PYFLAME, allow_module_level=True)

TIMEOUT = 20
# getopt's messages are localised: keep them in English.
ENV = dict(os.environ, LC_ALL="C", LANG="C", LANGUAGE="")

WARNING = ("WARNING: Specifying a PID to trace without -p is deprecated; "
           "see Pyflame issue #99 for details.")
ABIS = ["27", "36", "37", "38", "39", "310", "311", "312", "313", "314", "315"]
HELP_OPTIONS = [
    "--threads", "-d, --dump", "-h, --help", "-n, --no-line-numbers",
    "-o, --output=PATH", "-p, --pid=PID", "-r, --rate=RATE",
    "-s, --seconds=SECS", "-t, --trace", "-v, --version",
    "-x, --exclude-idle", "--abi", "--flamechart", "--qualname",
    "--top", "--locals", "--json",
]


def run(*args, timeout=TIMEOUT):
    return subprocess.run([PYFLAME, *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=ENV,
                          timeout=timeout)


def assert_usage_error(r):
    assert r.returncode == 1
    assert r.stdout == ""
    assert "Usage: pyflame [options] [-p] PID\n" in r.stderr
    assert not r.stderr.startswith("pyflame ")  # no version line on errors


@pytest.fixture
def sleeper():
    """A live process that is not Python."""
    p = subprocess.Popen(["sleep", "60"])
    yield p.pid
    p.kill()
    p.wait()


def test_help_on_stdout():
    r = run("-h")
    assert r.returncode == 0
    assert r.stderr == ""
    lines = r.stdout.split("\n")
    assert re.fullmatch(r"pyflame \d+\.\d+\.\d+ linux\S* x86_64", lines[0])
    assert lines[1] == ""
    assert lines[2] == "Usage: pyflame [options] [-p] PID"
    assert lines[3] == "       pyflame [options] -t command arg1 arg2..."
    for opt in HELP_OPTIONS:
        assert re.search(r"^  %s +\S" % re.escape(opt), r.stdout, re.M), opt
    assert r.stdout.endswith("\n")


def test_help_names_accepted_abis_and_qualname():
    out = run("--help").stdout
    abi_line = next(l for l in out.splitlines() if l.startswith("  --abi "))
    listed = re.search(r"\((.*)\)", abi_line).group(1).split(", ")
    assert listed[:len(ABIS)] == ABIS
    assert not {"26", "34", "35"} & set(listed)
    assert re.search(r"^  --qualname +Name functions by their qualified name, "
                     r"e\.g\. Class\.method \(3\.11\+\)$", out, re.M)


def test_version_line():
    r = run("-v")
    assert r.returncode == 0
    assert r.stderr == ""
    m = re.fullmatch(r"pyflame (\d+\.\d+\.\d+) linux\S* x86_64 "
                     r"\(ABI list: ([0-9 ]+)\)\n", r.stdout)
    assert m, r.stdout
    assert m.group(2).split()[:len(ABIS)] == ABIS
    assert run("--version").stdout == r.stdout
    # the help's first line is the same, without the list
    assert run("-h").stdout.split("\n")[0] == r.stdout.split(" (ABI")[0]


def test_help_and_version_stop_parsing_where_reached():
    r = run("-h", "--abi=0")
    assert r.returncode == 0 and r.stdout.startswith("pyflame ")
    r = run("--abi=0", "-h")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "Unknown or unsupported ABI version: 0\n"
    r = run("-v", "--bogus")
    assert r.returncode == 0 and "ABI list" in r.stdout and r.stderr == ""
    r = run("-h", "-p", "12abc")
    assert r.returncode == 0 and r.stderr == ""


@pytest.mark.parametrize("args, message", [
    (["--bogus", "-h"], "unrecognized option '--bogus'"),
    (["-z", "-h"], "invalid option -- 'z'"),
    (["-h", "-p"], None),  # -h comes first: help, exit 0
    (["-x", "-p"], "option requires an argument -- 'p'"),
    (["--seconds"], "option '--seconds' requires an argument"),
    (["--trace=x"], "option '--trace' doesn't allow an argument"),
    (["--t", "x"], "option '--t' is ambiguous"),
])
def test_getopt_errors_then_usage(args, message):
    r = run(*args)
    if message is None:
        assert r.returncode == 0 and r.stdout.startswith("pyflame ")
        return
    assert_usage_error(r)
    first, second = r.stderr.split("\n")[:2]
    assert message in first
    assert first.startswith(PYFLAME + ": ")
    assert second.startswith("Usage: ")


def test_getopt_error_is_fatal_even_when_the_rest_is_valid(sleeper):
    r = run("--bogus", "-s", "0", "-p", str(sleeper))
    assert_usage_error(r)


@pytest.mark.parametrize("args", [[], ["-x"], ["-s", "2", "-n"], ["1", "2"],
                                  ["-x", "1", "2", "3"]])
def test_operand_count_without_p(args):
    r = run(*args)
    assert_usage_error(r)
    assert r.stderr.startswith("Usage: ")


@pytest.mark.parametrize("bad", ["12abc", "0", "-5", "2147483648",
                                 "99999999999999999999", " 12", "", "0x10",
                                 "abc"])
def test_bad_pid_option(bad):
    r = run("-p", bad)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == 'Error: failed to parse "%s" as a PID.\n\n' % bad


def test_bad_pid_is_reported_where_reached():
    r = run("-p", "12abc", "-s", "abc")
    assert r.stderr == 'Error: failed to parse "12abc" as a PID.\n\n'


@pytest.mark.parametrize("bad", ["foo", "12abc", "0", "1.5"])
def test_bad_pid_operand_adds_usage(bad):
    r = run(bad)
    assert_usage_error(r)
    assert r.stderr.startswith(
        'Error: failed to parse "%s" as a PID.\n\nUsage: ' % bad)


@pytest.mark.parametrize("bad", ["abc", "nan", "-nan", "inf", "-inf", "1x", "",
                                 " 1", "1e300", "1000000001", "1e10"])
def test_bad_seconds(bad):
    r = run("-s", bad, "-p", "1")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == 'Error: failed to parse "%s" as a number of seconds.\n' % bad


@pytest.mark.parametrize("bad", ["abc", "nan", "inf", "-1", "0", "-0",
                                 "0.0000001", "0.0000009", "1x", "", "1e300",
                                 "2e9"])
def test_bad_rate(bad):
    r = run("--rate=" + bad, "-p", "1")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == 'Error: failed to parse "%s" as a sample rate.\n' % bad


@pytest.mark.parametrize("args", [
    ["-s", "0"], ["-s", "-1"], ["-s", "-1e300"], ["-s", "2.5"],
    ["-s", "1e9"], ["-r", "0.000001"], ["-r", "0.5"], ["-r", "1e9"],
    ["--seconds=3", "--rate=.02"], ["-o", "out.txt"], ["-x", "-n"],
    ["--threads", "--flamechart", "--qualname"], ["-d"],
])
def test_valid_options_pass_on_to_a_later_error(args):
    # Options act in order: a valid one is consumed silently, and the bad
    # --abi after it is what gets reported.
    r = run(*args, "--abi", "26")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "Unknown or unsupported ABI version: 26\n"


@pytest.mark.parametrize("abi", ABIS)
def test_abi_accepted(abi):
    for args in (["--abi", abi], ["--abi=" + abi]):
        r = run(*args, "-s", "abc")
        assert r.stderr == 'Error: failed to parse "abc" as a number of seconds.\n'


@pytest.mark.parametrize("bad", ["26", "34", "35", "0", "3", "40", "3.11", "foo",
                                 "", "-37", " 37", "37x", "99999999999999999999"])
def test_abi_rejected(bad):
    r = run("--abi", bad, "-p", "1")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "Unknown or unsupported ABI version: %s\n" % bad


def test_empty_output_path():
    r = run("-o", "", "-p", "1")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == 'Error: failed to parse "" as an output path.\n'


def test_trace_without_command():
    for args in (["-t"], ["-x", "--trace"], ["-nt"]):
        r = run(*args)
        assert_usage_error(r)
        assert r.stderr.startswith(
            "Option -t requires a command to run.\n\nUsage: "), args


def test_trace_and_pid():
    r = run("-p", "1", "-t", "true")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "Options -t and -p are not mutually compatible.\n"


def test_trace_and_dump():
    for args in (["-d", "-t", "true"], ["--dump", "-p", "1", "--trace", "true"]):
        r = run(*args)
        assert (r.returncode, r.stdout) == (1, "")
        assert r.stderr == "Options -t and -d are not mutually compatible.\n"


def test_trace_of_pyflame_refused():
    r = run("-t", "/usr/local/bin/pyflame", "-h")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "You tried to pyflame a pyflame, naughty!\n"


def test_trace_letters_after_t_refused():
    r = run("-tn", "true")
    assert_usage_error(r)
    assert r.stderr.startswith('Error: nothing may follow -t in "-tn"')


def test_operand_before_trace_refused():
    r = run("123", "-t", "true")
    assert_usage_error(r)
    assert r.stderr.startswith('Error: unexpected argument "123" before -t.')


@pytest.mark.parametrize("after", [["-h"], ["-v"], ["--bogus"], ["-p", "12abc"],
                                   ["-t"], ["-d"], ["--abi=0"]])
def test_arguments_after_trace_belong_to_the_command(after):
    # None of these may be parsed by pyflame: the command simply fails to start.
    missing = "/nonexistent/command-for-pyflame-tests"
    r = run("-t", missing, *after)
    assert r.returncode == 1
    assert "Usage:" not in r.stderr and "Usage:" not in r.stdout
    assert "ABI" not in r.stderr + r.stdout
    assert "failed to parse" not in r.stderr
    assert "mutually compatible" not in r.stderr
    assert missing in r.stderr


def find_python():
    """A real interpreter binary (a pyenv 3.11 build if any, never a shim)."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    if shutil.which("pyenv"):
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                              timeout=TIMEOUT).stdout.strip() or root
    cand = os.path.join(root, "versions", "3.11.7", "bin", "python3.11")
    return cand if os.access(cand, os.X_OK) else sys.executable


def test_trace_passes_dash_c_to_the_child(tmp_path):
    out = tmp_path / "prof.txt"
    code = "import sys, time; time.sleep(0.5); sys.exit(7)"
    r = run("-o", str(out), "-t", find_python(), "-c", code, timeout=60)
    if r.returncode == 1 and "not permitted" in r.stderr:
        pytest.skip("ptrace not permitted here: " + r.stderr.strip())
    # -c reached the interpreter (which exits 7), not pyflame's option parser
    assert r.returncode == 7, r.stderr
    assert "Usage:" not in r.stderr


def test_positional_pid_warns_first(sleeper):
    # sleep is not Python, so the run fails after the warning.
    r = run(str(sleeper))
    assert r.returncode == 1
    assert r.stderr.split("\n")[0] == WARNING
    assert r.stdout == ""


def test_options_may_follow_the_operand(sleeper):
    r = run(str(sleeper), "-s", "0", "-x")
    assert r.returncode == 1
    assert r.stderr.split("\n")[0] == WARNING
    assert "Usage:" not in r.stderr


def test_pid_option_ignores_operands_and_does_not_warn(sleeper):
    r = run("-p", str(sleeper), "junk", "-s", "0")
    assert r.returncode == 1
    assert "WARNING" not in r.stderr
    assert "Usage:" not in r.stderr and "junk" not in r.stderr


def test_later_pid_overrides_earlier(sleeper):
    # The first -p names no process; only the last one is attached to.
    r = run("-p", "2147483647", "-p", str(sleeper), "-s", "0")
    assert r.returncode == 1
    assert "2147483647" not in r.stderr
