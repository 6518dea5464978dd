# SPDX-License-Identifier: Apache-2.0
"""Readers of pyflame's svg, speedscope, chrome and pprof outputs, written
from the formats' documentation, independently of pyflame's writers.

Each turns a file into the samples it holds per stack: a Counter of
tuples of frame texts, root first, each frame as the collapsed format
writes it ("file:function:line", "file:function" with -n; "(idle)" and
"(failed)" as one-frame stacks), so that any two formats, and the
collapsed output, can be compared stack by stack. Each also checks the
shape it relies on and raises AssertionError saying what is wrong.
"""

import collections
import gzip
import json
import re

import profiles


def collapsed_counts(text, with_lines=True):
    """The collapsed output (strictly parsed) as stack counts."""
    prof = profiles.parse_collapsed(text, with_lines)
    counts = collections.Counter()
    for stack, count in prof.raw:
        counts[tuple(stack.split(";"))] += count
    return counts


def flamechart_counts(text, with_lines=True, include_idle=True):
    """--flamechart output as stack counts, and the timestamps of its samples."""
    counts = collections.Counter()
    stamps = []
    for ev in profiles.parse_flamechart(text, with_lines):
        if ev.kind == "idle" and not include_idle:
            continue
        stamps.append(ev.time)
        if ev.kind == "stack":
            counts[tuple(repr(f) for f in ev.frames)] += 1
        else:
            counts[("(%s)" % ev.kind,)] += 1
    return counts, stamps


# ------------------------------------------------------------------ svg

SVG_DATA_RE = re.compile(r"<!\[CDATA\[\nvar D = (\{.*?\});\n", re.S)


def svg_data(svg_text):
    m = SVG_DATA_RE.search(svg_text)
    assert m, "no flame graph data in the SVG"
    data = json.loads(m.group(1))
    assert len(data["nodes"]) % 3 == 0, "nodes are not frame,depth,total triples"
    return data


def svg_frame_text(data, index):
    name, file, line, cls = data["frames"][index]
    if file < 0:
        return name
    path = data["files"][file]
    if cls == 3:  # native
        return path + ("" if name.startswith("+") else "!") + name
    return "%s:%s:%d" % (path, name, line) if line else "%s:%s" % (path, name)


def svg_counts(svg_text):
    """The samples per stack in the flame graph's data: each node's own
    samples (its total less its children's) belong to the stack that ends
    there. Exact when no frame was merged away (data["min"] == 1)."""
    data = svg_data(svg_text)
    nodes = data["nodes"]
    counts = collections.Counter()
    path, totals, kids = [], [], []

    def close():
        own = totals.pop() - kids.pop()
        if own:
            counts[tuple(path)] += own
        path.pop()

    for i in range(0, len(nodes), 3):
        frame, depth, total = nodes[i:i + 3]
        assert 1 <= depth <= len(path) + 1, "node %d jumps to depth %d" % (
            i // 3, depth)
        while len(path) >= depth:
            close()
        if kids:
            kids[-1] += total
        path.append(svg_frame_text(data, frame))
        totals.append(total)
        kids.append(0)
    while path:
        close()
    assert sum(counts.values()) == data["total"] or data["min"] > 1, \
        "the stacks add up to %d, not the total %d" % (
            sum(counts.values()), data["total"])
    return counts


# ----------------------------------------------------------- speedscope

def speedscope_frame_text(frame):
    if "file" not in frame:
        return frame["name"]
    if "line" in frame:
        return "%s:%s:%d" % (frame["file"], frame["name"], frame["line"])
    return "%s:%s" % (frame["file"], frame["name"])


def speedscope_counts(text):
    """Samples per stack over every profile, and the profiles' names.
    Checks what speedscope's schema asks: the $schema, sampled profiles
    whose samples and weights match, frames without nulls."""
    doc = json.loads(text)
    assert doc["$schema"] == \
        "https://www.speedscope.app/file-format-schema.json", doc["$schema"]
    frames = doc["shared"]["frames"]
    for f in frames:
        assert all(v is not None for v in f.values()), "null in %r" % f
    counts = collections.Counter()
    names = []
    for prof in doc["profiles"]:
        assert prof["type"] == "sampled" and prof["unit"] == "microseconds"
        assert len(prof["samples"]) == len(prof["weights"]), prof["name"]
        assert prof["endValue"] - prof["startValue"] == sum(prof["weights"])
        names.append(prof["name"])
        for sample, weight in zip(prof["samples"], prof["weights"]):
            assert weight == prof["weights"][0], "weights differ"
            counts[tuple(speedscope_frame_text(frames[i])
                         for i in sample)] += 1
    return counts, names


# --------------------------------------------------------------- chrome

CHROME_NAME_RE = re.compile(r"^(.*) \((.*?)(?::([0-9]+))?\)$")


def chrome_frame_text(event):
    """"function (file:line)" back to "file:function:line"."""
    if event.get("cat") in ("pyflame", "root"):
        return event["name"]
    m = CHROME_NAME_RE.match(event["name"])
    assert m, "event name %r is not 'function (file:line)'" % event["name"]
    func, path, line = m.groups()
    return "%s:%s:%s" % (path, func, line) if line else "%s:%s" % (path, func)


def chrome_tracks(text):
    """{(pid, tid): [X events sorted by ts, callers first]} and the thread
    names; checks that the events of each track nest properly, and gives
    each event its nesting depth as "_depth" (0: a root)."""
    doc = json.loads(text)
    tracks = collections.defaultdict(list)
    names = {}
    for ev in doc["traceEvents"]:
        key = (ev["pid"], ev["tid"])
        if ev["ph"] == "M":
            if ev["name"] == "thread_name":
                names[key] = ev["args"]["name"]
            continue
        assert ev["ph"] == "X" and ev["dur"] > 0, ev
        tracks[key].append(ev)
    for key, evs in tracks.items():
        evs.sort(key=lambda e: (e["ts"], -e["dur"]))
        open_ = []
        for ev in evs:
            while open_ and open_[-1]["ts"] + open_[-1]["dur"] <= ev["ts"]:
                open_.pop()
            if open_:
                parent = open_[-1]
                assert ev["ts"] + ev["dur"] <= parent["ts"] + parent["dur"], \
                    "events overlap without nesting on %r: %r, %r" % (
                        key, parent, ev)
            ev["_depth"] = len(open_)
            open_.append(ev)
    return dict(tracks), names, doc["otherData"]


def chrome_counts(text, stamps):
    """The stack each track shows at each sample time (stamps: the
    recording's timestamps, us since the epoch) as counts."""
    tracks, _, other = chrome_tracks(text)
    t0 = other["start_us"]
    counts = collections.Counter()
    for ts in sorted(set(stamps)):
        t = ts - t0
        for evs in tracks.values():
            stack = [chrome_frame_text(e) for e in evs
                     if e["ts"] <= t < e["ts"] + e["dur"]]
            if stack:
                counts[tuple(stack)] += 1
    return counts


# ---------------------------------------------------------------- pprof

def _varint(buf, i):
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def pb_fields(buf):
    """[(field number, value)] of one protobuf message: ints for varints,
    bytes for length-delimited fields (the only wire types pprof uses)."""
    out, i = [], 0
    while i < len(buf):
        key, i = _varint(buf, i)
        wire = key & 7
        if wire == 0:
            v, i = _varint(buf, i)
        elif wire == 2:
            n, i = _varint(buf, i)
            v = bytes(buf[i:i + n])
            assert len(v) == n, "field %d cut short" % (key >> 3)
            i += n
        else:
            raise AssertionError("wire type %d" % wire)
        out.append((key >> 3, v))
    return out


def packed(v):
    if isinstance(v, int):
        return [v]
    out, i = [], 0
    while i < len(v):
        x, i = _varint(v, i)
        out.append(x)
    return out


def pprof_decode(data):
    """The parts of a gzip'd profile.proto the tests look at."""
    assert data[:2] == b"\x1f\x8b", "not gzip'd"
    fields = pb_fields(gzip.decompress(data))
    strings = [v.decode("utf-8") for f, v in fields if f == 6]
    assert strings and strings[0] == "", "string_table[0] must be empty"
    prof = {"strings": strings, "samples": [], "functions": {},
            "locations": {}, "mappings": [], "sample_types": []}
    for f, v in fields:
        if f == 1:
            t = dict(pb_fields(v))
            prof["sample_types"].append(
                (strings[t.get(1, 0)], strings[t.get(2, 0)]))
        elif f == 2:
            s = {"locations": [], "values": [], "labels": {}}
            for sf, sv in pb_fields(v):
                if sf == 1:
                    s["locations"] += packed(sv)
                elif sf == 2:
                    s["values"] += packed(sv)
                elif sf == 3:
                    lab = dict(pb_fields(sv))
                    s["labels"][strings[lab[1]]] = \
                        lab[3] if 3 in lab else strings[lab.get(2, 0)]
            prof["samples"].append(s)
        elif f == 3:
            prof["mappings"].append(dict(pb_fields(v)))
        elif f == 4:
            loc = pb_fields(v)
            lid = dict(loc)[1]
            lines = [dict(pb_fields(lv)) for lf, lv in loc if lf == 4]
            prof["locations"][lid] = (dict(loc).get(2, 0), lines)
        elif f == 5:
            fn = dict(pb_fields(v))
            prof["functions"][fn[1]] = (strings[fn.get(2, 0)],
                                        strings[fn.get(4, 0)],
                                        fn.get(3, 0))
        elif f in (9, 10, 12):
            prof[{9: "time_nanos", 10: "duration_nanos", 12: "period"}[f]] = v
    return prof


def pprof_counts(data):
    """Samples per stack (the first value of each sample)."""
    prof = pprof_decode(data)
    counts = collections.Counter()
    for s in prof["samples"]:
        assert len(s["values"]) == len(prof["sample_types"]), s
        stack = []
        for lid in s["locations"]:
            assert lid in prof["locations"], "sample has a missing location"
            mapping, lines = prof["locations"][lid]
            assert mapping == 1 and len(lines) == 1, (mapping, lines)
            name, path, system = prof["functions"][lines[0][1]]
            assert system == 0, "system_name set: pprof would demangle it"
            line = lines[0].get(2, 0)
            if not path:
                stack.append(name)
            elif line:
                stack.append("%s:%s:%d" % (path, name, line))
            else:
                stack.append("%s:%s" % (path, name))
        counts[tuple(reversed(stack))] += s["values"][0]
    return counts, prof
