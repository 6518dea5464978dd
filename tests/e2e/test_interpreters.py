# SPDX-License-Identifier: Apache-2.0
"""Which interpreters the suite runs under: one entry per expected one, so an
absent interpreter shows up as a skip that names it (pytest -rs). Under CI
(the environment variable CI set, e.g. CI=true) every interpreter of
REQUIRED must be present, and a missing one fails."""

import os
import re

import pytest

import interpreters

DISCOVERY = interpreters.discovered()

PYENV_VERSIONS = ("2.7.18", "3.6.15", "3.7.16", "3.8.18", "3.9.18", "3.10.13",
                  "3.11.7", "3.12.1", "3.13.0")

# (test id, origin, version or version prefix) of every interpreter a CI run
# must have: the pyenv builds, Debian's own 3.11, and the three Debian builds
# that scripts/get-pythons.sh unpacks and hands over in PYFLAME_EXTRA_PYTHONS.
REQUIRED = [("py%s-pyenv" % v, "pyenv", v) for v in PYENV_VERSIONS] + [
    ("py3.11-debian", "debian", "3.11"),
    ("py3.13.5-debian-unpacked", "extra", "3.13.5"),
    ("py3.14-debian-unpacked", "extra", "3.14"),
    ("py3.15-debian-unpacked", "extra", "3.15"),
]

HOW_TO_GET = {
    "pyenv": "pyenv install",
    "debian": "apt-get install",
    "extra": "sh scripts/get-pythons.sh, then PYFLAME_EXTRA_PYTHONS from "
             "its extra-pythons.env",
}


def in_ci(environ=None):
    """Whether this is a CI run, where every REQUIRED interpreter must be."""
    value = (os.environ if environ is None else environ).get("CI", "")
    return value.strip().lower() not in ("", "0", "false", "no")


def version_matches(version, want):
    """Whether a (major, minor, micro) tuple is version `want` ("3.14" or
    "3.13.5": as many components as given)."""
    parts = tuple(int(x) for x in want.split("."))
    return tuple(version[:len(parts)]) == parts


def find_required(found, origin, want):
    """The first discovered interpreter of that origin and version, or None."""
    for interp in found:
        if interp.origin == origin and version_matches(interp.version, want):
            return interp
    return None


def find(label):
    """The discovered interpreter an expected label stands for."""
    m = re.match(r"^py(\d+)\.(\d+)-(pyenv|debian)$", label)
    for interp in DISCOVERY.found:
        if interp.label == label:
            return interp
        if m and interp.origin == m.group(3) and \
                interp.major_minor == (int(m.group(1)), int(m.group(2))):
            return interp
    return None


@pytest.mark.parametrize("label", DISCOVERY.expected)
def test_interpreter_available(label):
    interp = find(label)
    if interp is None:
        reason = dict(DISCOVERY.missing).get(label, "not found")
        if reason == interpreters.LEFT_OUT:
            pytest.skip("interpreter %s: %s" % (label, reason))
        if not re.match(r"^py\d+\.\d+-(pyenv|debian)$", label):
            pytest.fail("interpreter %s from PYFLAME_EXTRA_PYTHONS does not "
                        "run: %s" % (label, reason))
        pytest.skip("interpreter %s not available: %s" % (label, reason))
    m = re.match(r"^py(\d+)\.(\d+)", label)
    if m:
        want = (int(m.group(1)), int(m.group(2)))
        assert interp.major_minor == want, \
            "%s reports version %r" % (interp.label, interp.version)


def test_extra_python_spec():
    spec = ("py3.14-sid=PYTHONHOME=/t/usr /t/ld.so --library-path "
            "'/t/l i b' /t/usr/bin/python3.14 ; ;plain=/opt/py/bin/python3")
    assert interpreters.parse_extra(spec) == [
        ("py3.14-sid", ["/t/ld.so", "--library-path", "/t/l i b",
                        "/t/usr/bin/python3.14"], {"PYTHONHOME": "/t/usr"}),
        ("plain", ["/opt/py/bin/python3"], {}),
    ]
    with pytest.raises(ValueError):
        interpreters.parse_extra("no-command=")


def test_extra_python_env_stays_in_target():
    interp = interpreters.Interpreter("x", (3, 14, 0), ["python3.14"],
                                      {"PYTHONHOME": "/t/usr"})
    env = interp.environ({"PATH": "/bin", "PYTHONPATH": "/leak"})
    assert env["PYTHONHOME"] == "/t/usr"
    assert "PYTHONPATH" not in env
    assert interp.command("a.py", 1) == ["python3.14", "a.py", "1"]


@pytest.mark.parametrize("label,origin,want", REQUIRED,
                         ids=[r[0] for r in REQUIRED])
def test_required_interpreter(label, origin, want):
    interp = find_required(DISCOVERY.found, origin, want)
    if interp is not None:
        assert version_matches(interp.version, want)
        return
    if find_required(DISCOVERY.left_out, origin, want) is not None:
        pytest.skip("interpreter %s: %s" % (label, interpreters.LEFT_OUT))
    mm = ".".join(want.split(".")[:2])
    why = ["%s: %s" % (lbl, reason) for lbl, reason in DISCOVERY.missing
           if "py%s" % mm in lbl]
    msg = "interpreter %s (Python %s) is missing; get it with %s%s" % (
        label, want, HOW_TO_GET[origin], "".join("; " + w for w in why))
    if in_ci():
        pytest.fail("CI requires every interpreter: " + msg)
    pytest.skip(msg)


def test_required_matching():
    found = [
        interpreters.Interpreter("py3.13.1-pyenv", (3, 13, 1), ["a"],
                                 origin="pyenv"),
        interpreters.Interpreter("py3.14.10-debian", (3, 14, 10), ["b"],
                                 origin="extra"),
        interpreters.Interpreter("py3.13.5-debian", (3, 13, 5), ["c"],
                                 origin="extra"),
    ]
    assert find_required(found, "pyenv", "3.13.0") is None
    assert find_required(found, "pyenv", "3.13.1") is found[0]
    assert find_required(found, "extra", "3.14") is found[1]
    assert find_required(found, "extra", "3.13.5") is found[2]
    assert find_required(found, "debian", "3.14") is None
    assert find_required(found, "extra", "3.15") is None
    assert len(REQUIRED) == 13 and len(set(r[0] for r in REQUIRED)) == 13
    assert in_ci({"CI": "true"}) and in_ci({"CI": "1"})
    assert not in_ci({}) and not in_ci({"CI": ""}) and \
        not in_ci({"CI": "false"})
