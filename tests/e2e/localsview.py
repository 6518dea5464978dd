# SPDX-License-Identifier: Apache-2.0
"""What a target's variables must look like in a dump, from the target's own
account of them (targets/locals_gt.py), by the rules of pyflame's reprs
(src/pyrepr.h): a simple value (None, bool, int, float, str, bytes; 2.7
long and unicode) exactly as repr() writes it when it fits the width,
else its head with the length; a container exactly when it is short and
simple, else its type and length with its first items when they are
simple; any other object by its type name and address."""

import json

WIDTH = 60  # what pyflame shows of a payload by default
ITEMS = 5
INT_DIGITS = 600  # 30-bit digits converted
SIMPLE = ("NoneType", "bool", "int", "long", "float", "str", "bytes",
          "unicode")
CONTAINERS = {"tuple": ("(", ")"), "list": ("[", "]"), "dict": ("{", "}"),
              "set": ("{", "}"), "frozenset": ("{", "}")}


def load_report(path):
    with open(path) as f:
        return json.load(f)


def fits(desc):
    """A simple value shown whole (not cut)."""
    if desc["type"] in ("int", "long") and "ndigits" in desc:
        return desc["bits"] <= INT_DIGITS * 30 and desc["ndigits"] <= WIDTH
    if desc["type"] in ("str", "bytes", "unicode"):
        return desc["len"] <= WIDTH
    return True


def expect_int(desc, py2):
    if desc["bits"] > INT_DIGITS * 30:
        sign = "negative " if desc["repr"] and desc["repr"].startswith("-") else ""
        return "<%sint of %d bits>" % (sign, desc["bits"])
    sign = "-" if desc["repr"] is None or desc["repr"].startswith("-") else ""
    return "%s%s... (%d digits)" % (sign, desc["digits"], desc["ndigits"])


def expect_payload(desc, py2):
    unit = "bytes" if desc["type"] == "bytes" or (py2 and desc["type"] == "str") \
        else "chars"
    return "%s... (%d %s)" % (desc["head"], desc["len"], unit)


def expect_container(desc):
    tname = desc["type"]
    items = desc["items"]
    head = "<%s len=%d>" % (tname, desc["len"])
    if not items or not all(desc["simple"]):
        return [head]
    if tname == "dict":
        shown = ", ".join("%s: %s" % (k, v) for k, v in items)
    else:
        shown = ", ".join(items)
    more = ", ..." if desc["len"] > len(items) else ""
    opened, closed = CONTAINERS[tname]
    return [head + " " + opened + shown + more + closed]


def expected(desc, py2):
    """The texts pyflame may show for a variable so described (a list)."""
    tname = desc["type"]
    if tname in SIMPLE:
        if fits(desc):
            return [desc["repr"]]
        if tname in ("int", "long"):
            return [expect_int(desc, py2)]
        return [expect_payload(desc, py2)]
    if tname in CONTAINERS:
        whole = desc["repr"] is not None and desc["len"] <= ITEMS and \
            all(desc["simple"]) and len(desc["repr"]) < 400
        return [desc["repr"]] if whole else expect_container(desc)
    return ["<%s at 0x%x>" % (tname, desc["id"]),
            "<%s.%s at 0x%x>" % (desc["module"], tname, desc["id"])]


def compare_vars(shown, described, py2):
    """Problems, one a line, between a frame's variables as shown
    ([(name, repr)]) and as the target describes them ({name: desc})."""
    problems = []
    names = [n for n, _ in shown]
    if sorted(names) != sorted(described):
        problems.append("names differ: shown %r, target has %r"
                        % (sorted(names), sorted(described)))
    if len(set(names)) != len(names):
        problems.append("a name shown twice: %r" % names)
    for name, text in shown:
        if name not in described:
            continue
        want = expected(described[name], py2)
        if text not in want:
            problems.append("%s: shown %r, want %s" % (
                name, text[:300], " or ".join(repr(w)[:300] for w in want)))
    return problems
