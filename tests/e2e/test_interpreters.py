# SPDX-License-Identifier: Apache-2.0
"""Which interpreters the suite runs under: one entry per expected one, so an
absent interpreter shows up as a skip that names it (pytest -rs)."""

import re

import pytest

import interpreters

DISCOVERY = interpreters.discovered()


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
