"""An independent check of the rules a careful teacher holds a question to (issue 13), written
apart from quizgen.questions: it reads only the question data (what the student sees, and the
trace the key was read from) and says what breaks a rule.

- one valid answer: an order part whose items the protocol lets happen in another order too
  (enumerated: the linear orders of the happens-before relation the items themselves show,
  plus what the prompt states, as the part's source declares it); a ladder blank that nothing
  shown determines;
- nothing given away: a blank whose answer is printed anywhere else the student sees (the
  title, the prompt, another part, a choice, a diagram label), a flag asked of a segment that
  is drawn or printed whole, a state to choose whose name the prompt already uses;
- feedback that is true: feedback never appeals to a simulation the student does not see;
- numbers that wrap: a wraparound question whose arithmetic never crosses 2^32.

``violations(q, entry)`` lists them as short strings; an empty list is a question to print.
"""

from __future__ import annotations

import html
import re
from itertools import islice

MOD = 2**32
HALF = 2**31
TAG = re.compile(r"<[^>]*>")
BLANK = re.compile(r'<span class="qg-blank" data-part="[^"]*"></span>')
NUMBER = re.compile(r"(?<![0-9])[0-9]+(?![0-9])")

#: RFC 9293's state diagram (and its text: FIN-WAIT-1 to TIME-WAIT on a FIN that also
#: acknowledges ours, SYN-RECEIVED to CLOSE-WAIT on a FIN), with every reset and abort.
EDGES = {
    "CLOSED": {"LISTEN", "SYN-SENT"},
    "LISTEN": {"SYN-RECEIVED", "SYN-SENT", "CLOSED"},
    "SYN-SENT": {"SYN-RECEIVED", "ESTABLISHED", "CLOSED"},
    "SYN-RECEIVED": {"ESTABLISHED", "FIN-WAIT-1", "CLOSE-WAIT", "LISTEN", "CLOSED"},
    "ESTABLISHED": {"FIN-WAIT-1", "CLOSE-WAIT", "CLOSED"},
    "FIN-WAIT-1": {"FIN-WAIT-2", "CLOSING", "TIME-WAIT", "CLOSED"},
    "FIN-WAIT-2": {"TIME-WAIT", "CLOSED"},
    "CLOSE-WAIT": {"LAST-ACK", "CLOSED"},
    "CLOSING": {"TIME-WAIT", "CLOSED"},
    "LAST-ACK": {"CLOSED"},
    "TIME-WAIT": {"CLOSED"},
}


def plain(fragment: str) -> str:
    return html.unescape(TAG.sub(" ", BLANK.sub(" ", fragment)))


# ------------------------------------------------------------------ what the student sees
def diagram_fields(q):
    """(segment, field) -> value of every number drawn on the diagram, and the segments whose
    flags are drawn."""
    d = q.get("diagram")
    if not d:
        return {}, set()
    blanked = {(b["segment"], b["field"]) for b in d.get("blanks", ())}
    segs = {s["n"]: s for s in q["trace"]["segments"]}
    shown, flags = {}, set()
    for n in d["segments"]:
        s = segs[n]
        for f in ("seq", "ack", "len"):
            if s[f] is not None and (f != "len" or s[f]) and (n, f) not in blanked:
                shown[(n, f)] = s[f]
        if (n, "flags") not in blanked:
            flags.add(n)
    return shown, flags


def visible_text(q, but=None):
    """Everything written that the student reads, but the part ``but``."""
    texts = [q["title"], plain(q["prompt"])]
    for p in q["parts"]:
        if p is but:
            continue
        texts.append(p.get("label") or "")
        texts += [plain(c["text"]) for c in p.get("choices", ())]
        texts += [plain(i["text"]) for i in p.get("items", ())]
    return "\n".join(texts)


def _describe(seg):
    bits = [f"{f}=1" for f in ("SYN", "FIN", "RST", "ACK") if f in seg["flags"]]
    nums = [f"seq={seg['seq']}"] + ([f"ack={seg['ack']}"] if seg["ack"] is not None else [])
    if seg["len"]:
        nums.append(f"len={seg['len']}")
    return ", ".join(bits + nums)


def given_away(q):
    out = []
    shown, flags_drawn = diagram_fields(q)
    d = q.get("diagram") or {}
    mine = {b["part"]: (b["segment"], b["field"]) for b in d.get("blanks", ()) if b.get("part")}
    segs = q["trace"]["segments"]
    for p in q["parts"]:
        text = visible_text(q, but=p)
        if p["kind"] == "number":
            a = p["answer"]
            if a >= 10 and any(int(m) == a for m in NUMBER.findall(text)):
                out.append(f"blank {p['id']} = {a} is printed in the question")
            at = [k for k, v in shown.items() if v == a and k != mine.get(p["id"])]
            if at:
                out.append(f"blank {p['id']} = {a} is drawn at #{at[0][0]} {at[0][1]}")
        elif p["kind"] == "bit":
            n = p["source"]["segment"]
            if n in flags_drawn:
                out.append(f"flag {p['id']} of #{n} is drawn on the diagram")
            if _describe(segs[n - 1]) in text:
                out.append(f"flag {p['id']} of #{n}: the segment is printed whole")
        elif p["kind"] == "text":
            if _names(text, [p["answer"], *p.get("accept", ())]):
                out.append(f"state {p['answer']} is named in the question")
        elif p["kind"] == "choice" and "who" in p["source"]:
            right, = [c for c in p["choices"] if c["correct"]]
            label = plain(right["text"])
            names = [label.rsplit("（", 1)[-1].rstrip("）"), label.split("（")[0]]
            if _names(q["title"] + "\n" + plain(q["prompt"]), names):
                out.append(f"the right state {label} is named in the prompt")
    return out


def _names(text, names):
    """Whether ``text`` uses one of a state's names (RFC, Linux, Chinese)."""
    for n in names:
        if re.fullmatch(r"[A-Za-z0-9_ -]+", n):
            if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text, re.I):
                return True
        elif re.search(rf"{re.escape(n)}(?![12 ])", text):   # Chinese: no word boundaries
            return True
    return False


# ------------------------------------------------------------------ one valid answer
def _consumed(s):
    return s["len"] + ("SYN" in s["flags"]) + ("FIN" in s["flags"])


def _le(a, b):
    """a <= b in sequence space."""
    return (b - a) % MOD < HALF


def _may_precede(j, i):
    """Whether segment j may be sent before segment i, as the segments themselves show."""
    if j["from"] == i["from"]:              # one sender: SND.NXT and RCV.NXT never go back
        if not _le((j["seq"] + _consumed(j)) % MOD, i["seq"]):
            return False
        if j["ack"] is not None and i["ack"] is not None and not _le(j["ack"], i["ack"]):
            return False
        return True
    # i acknowledges what j sent: j came first. So j cannot follow i if j acknowledges i.
    return not (j["ack"] is not None and _consumed(i)
                and _le((i["seq"] + _consumed(i)) % MOD, j["ack"]))


def segment_orders(segs, stated=(), limit=2):
    """Up to ``limit`` orders of ``segs`` (trace segments) the protocol allows, given the
    pairs (before, after) of segment numbers the prompt states."""
    n = len(segs)
    must = {k: set() for k in range(n)}     # k -> the items that must come before it
    index = {s["n"]: k for k, s in enumerate(segs)}
    for a in range(n):
        for b in range(n):
            if a != b and not _may_precede(segs[b], segs[a]):
                must[b].add(a)              # b cannot come before a: a before b
    for before, after in stated:
        must[index[after]].add(index[before])
    return list(islice(_extensions(n, must, []), limit))


def _extensions(n, must, prefix):
    if len(prefix) == n:
        yield list(prefix)
        return
    done = set(prefix)
    for k in range(n):
        if k not in done and must[k] <= done:
            prefix.append(k)
            yield from _extensions(n, must, prefix)
            prefix.pop()


def state_orders(states, limit=2):
    """Up to ``limit`` orders of ``states`` that are paths of the state diagram from CLOSED."""
    out = []

    def walk(at, left, path):
        if len(out) >= limit:
            return
        if not left:
            out.append(list(path))
            return
        for s in sorted(left):
            if s in EDGES[at]:
                path.append(s)
                walk(s, left - {s}, path)
                path.pop()

    walk("CLOSED", frozenset(states), [])
    return out


def _rfc(label):
    return label.rsplit("（", 1)[-1].rstrip("）")


def ambiguous(q):
    out = []
    trace = q["trace"]
    for p in q["parts"]:
        if p["kind"] != "order":
            continue
        src = p["source"]
        if "segments" in src:
            segs = [trace["segments"][n - 1] for n in src["segments"]]
            orders = segment_orders(segs, src.get("stated", ()))
        else:
            texts = {i["id"]: plain(i["text"]) for i in p["items"]}
            states = [_rfc(texts[i]) for i in p["answer"]]
            orders = state_orders(states)
        if len(orders) > 1:
            out.append(f"order {p['id']}: {len(orders)} or more orders are valid")
        elif not orders:
            out.append(f"order {p['id']}: no valid order (the key breaks the protocol)")
    return out


def unsolvable(q):
    """A ladder blank on a host's numbering of which nothing is shown: neither that host's
    seq nor the peer's ack of it, nor a number in the prompt."""
    d = q.get("diagram")
    if not d or q["type"] != "ladder":
        return []
    shown, _ = diagram_fields(q)
    segs = {s["n"]: s for s in q["trace"]["segments"]}

    def chain(n, f):
        s = segs[n]
        return s["from"] if f == "seq" else s["to"]

    known = {chain(n, f) for (n, f) in shown if f != "len"}
    text = visible_text(q)
    values = q["trace"]["values"]      # an ISN the prompt prints fixes that end's numbers
    known |= {who for who, name in (("A", "x"), ("B", "y")) if values.get(name) is not None
              and re.search(rf"(?<![0-9]){values[name]}(?![0-9])", text)}
    return [f"blank #{b['segment']} {b['field']}: nothing shown fixes {chain(b['segment'], b['field'])}'s numbers"
            for b in d["blanks"] if b["field"] in ("seq", "ack")
            and chain(b["segment"], b["field"]) not in known]


# ------------------------------------------------------------------ feedback, wrap
UNSEEN = re.compile(r"simulat|trace|仿真|模拟", re.I)


def untrue_feedback(q):
    out = []
    for p in q["parts"]:
        texts = [p.get("feedback"), p.get("feedback_true"), p.get("feedback_false")]
        texts += [c.get("feedback") for c in p.get("choices", ())]
        if any(t and UNSEEN.search(plain(t)) for t in texts):
            out.append(f"part {p['id']}: feedback appeals to a simulation the student never sees")
    return out


def no_wrap(q, entry):
    """A wraparound question must make the student cross 2^32."""
    if "wraparound" not in entry.tags:
        return []
    shown, _ = diagram_fields(q)
    seen = [int(m) for m in NUMBER.findall(visible_text(q))] + list(shown.values())
    high = [n for n in seen if MOD - (1 << 16) <= n < MOD]
    lows = [p["answer"] for p in q["parts"] if p["kind"] == "number" and p["answer"] < (1 << 16)]
    if high and lows:
        return []
    return ["wraparound: no answer is found by crossing 2^32"]


# ------------------------------------------------------------------ diagrams in time
_SVG = "{http://www.w3.org/2000/svg}"
_TRANSFORM = re.compile(r"translate\(([-0-9.]+),([-0-9.]+)\) rotate\(([-0-9.]+)\)")


def _arrival_times(trace):
    """Each segment's send and arrival time: the receiver's state change for it, or the
    send time plus the trace's one-way delay (the least it shows)."""
    got = {(e["segment"], e["who"]): e["time"] for e in trace["events"]
           if e.get("segment") is not None and e["cause"] == "receive"}
    delays = [got[(s["n"], s["to"])] - s["time"] for s in trace["segments"]
              if got.get((s["n"], s["to"]), -1) > s["time"]]
    delay = min(delays) if delays else None
    out = {}
    for s in trace["segments"]:
        t = got.get((s["n"], s["to"]))
        out[s["n"]] = (s["time"], t if t is not None and t > s["time"] else
                       (round(s["time"] + delay, 6) if delay is not None else None))
    return out


def _cross(p, q, r, t):
    """Whether segments p-q and r-t intersect."""
    def side(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    d1, d2 = side(r, t, p), side(r, t, q)
    d3, d4 = side(p, q, r), side(p, q, t)
    return d1 * d2 < 0 and d3 * d4 < 0


def out_of_time(q):
    """A ladder drawn against the clock: read back from the SVG the paper prints, every
    arrow must leave at its send time and arrive at its arrival time (in the order of the
    trace's times, equal times level), segments in flight together must cross, each host's
    states must read top to bottom in the order it went through them, none above the
    arrival that caused it, and no answer box may lie on another arrow."""
    if not q.get("diagram"):
        return []
    import math
    import xml.etree.ElementTree as ET

    from quizgen.render.ladder import ladder_svg

    trace = q["trace"]
    root = ET.fromstring(ladder_svg(q, reveal=False))
    segs = {s["n"]: s for s in trace["segments"]}
    times = _arrival_times(trace)
    lines, boxes = {}, []
    for g in root.iter(f"{_SVG}g"):
        if g.get("class") != "qg-ladder-seg":
            continue
        n = int(g.get("data-n"))
        line = g.find(f"{_SVG}line")
        p1 = (float(line.get("x1")), float(line.get("y1")))
        head = g.find(f"{_SVG}polygon")
        if head is not None:
            p2 = tuple(float(v) for v in head.get("points").split()[0].split(","))
        else:
            p2 = (float(line.get("x2")), float(line.get("y2")))
        lines[n] = (p1, p2)
        label = next(x for x in g.iter(f"{_SVG}g") if x.get("class") == "qg-ladder-label")
        tx, ty, deg = (float(v) for v in _TRANSFORM.match(label.get("transform")).groups())
        c, s_ = math.cos(math.radians(deg)), math.sin(math.radians(deg))
        for rect in label.iter(f"{_SVG}rect"):
            x, y = float(rect.get("x")), float(rect.get("y"))
            w, h = float(rect.get("width")), float(rect.get("height"))
            corners = [(tx + a * c - b * s_, ty + a * s_ + b * c)
                       for a, b in ((x, y), (x + w, y), (x + w, y + h), (x, y + h))]
            boxes.append((n, corners))
    out = []
    shown = sorted(lines)
    for a in shown:
        for b in shown:
            if a >= b:
                continue
            (sa, ra), (sb, rb) = times[a], times[b]
            ya, yb = lines[a][0][1], lines[b][0][1]
            if sa != sb and (sa < sb) != (ya < yb):
                out.append(f"diagram: ({a}) and ({b}) leave in the wrong order")
            if sa == sb and segs[a]["from"] != segs[b]["from"] and abs(ya - yb) > 0.5:
                out.append(f"diagram: ({a}) and ({b}) leave together but not level")
            if segs[a]["lost"] or segs[b]["lost"] or ra is None or rb is None:
                continue
            za, zb = lines[a][1][1], lines[b][1][1]
            if ra != rb and (ra < rb) != (za < zb):
                out.append(f"diagram: ({a}) and ({b}) arrive in the wrong order")
            if (segs[a]["from"] != segs[b]["from"] and sa < rb and sb < ra
                    and not _cross(*lines[a], *lines[b])):
                out.append(f"diagram: ({a}) and ({b}) are in flight together but do not cross")
    for n, corners in boxes:
        edges = list(zip(corners, corners[1:] + corners[:1]))
        for m, (p1, p2) in lines.items():
            if m != n and any(_cross(p1, p2, e1, e2) for e1, e2 in edges):
                out.append(f"diagram: an answer box of ({n}) lies on arrow ({m})")
    # the states each host went through, in time order, against their places top to bottom
    marks = {"A": [], "B": []}
    for g in root.iter(f"{_SVG}g"):
        if g.get("class") == "qg-ladder-state":
            text = "".join(t.text or "" for t in g.iter(f"{_SVG}text"))
            first = next(iter(g.iter(f"{_SVG}text")), None)
            rect = next(iter(g.iter(f"{_SVG}rect")), None)
            y = float(first.get("y")) if first is not None and not text == "" else \
                float(rect.get("y")) + 11.5
            marks[g.get("data-side")].append((y, text))
    for side, seen in marks.items():
        drawn = [t for _, t in sorted(seen, key=lambda m: m[0])]
        if [t for _, t in seen] != drawn:
            out.append(f"diagram: {side}'s states are not written top to bottom in order")
        lived = [e["to"] for e in trace["events"] if e["who"] == side]
        named = [t for t in drawn if t]
        it = iter(lived)
        if named[1:] and not all(any(t == x for x in it) for t in named[1:]):
            out.append(f"diagram: {side}'s states {named} are not in the order it lived them")
        for e in trace["events"]:
            n = e.get("segment")
            if e["who"] == side and n in lines and segs[n]["to"] == side and e["cause"] == "receive":
                ys = [y for y, t in seen if t == e["to"]]
                if ys and max(ys) + 4.5 < lines[n][1][1]:
                    out.append(f"diagram: {side} is {e['to']} above the arrival of ({n})")
    # the terminal's drawing: each host's states, read down its column, in the order lived
    from quizgen.render.ladder import ladder_text

    columns = {"A": [], "B": []}
    for row in ladder_text(q, reveal=True).splitlines()[1:]:
        if row.count("|") >= 2:
            left, right = row.split("|", 1)[0].strip(), row.rsplit("|", 1)[1].strip()
            for side, text in (("A", left), ("B", right)):
                if text and not text.startswith("["):
                    columns[side].append(text)
    for side, named in columns.items():
        lived = iter([e["to"] for e in trace["events"] if e["who"] == side])
        if named[1:] and not all(any(t == x for x in lived) for t in named[1:]):
            out.append(f"text diagram: {side}'s states {named} are not in the order lived")
    return out


def violations(q, entry):
    return (given_away(q) + ambiguous(q) + unsolvable(q) + untrue_feedback(q)
            + no_wrap(q, entry) + out_of_time(q))


# ------------------------------------------------------------------ misconceptions
def _faulty_uses(s, fault, late):
    n = _consumed(s)
    pure = not (s["len"] or {"SYN", "FIN", "RST"} & set(s["flags"]))
    return {"syn_uses_none": n - ("SYN" in s["flags"]), "fin_uses_none": n - ("FIN" in s["flags"]),
            "ack_uses_number": n + pure, "w_equals_v": n - (s["len"] if s["n"] in late else 0)
            }.get(fault, n)


def _first_sends(trace):
    """The connection's segments, each once: not an earlier connection's (marked old), nor the
    answer to an old SYN (a SYN,ACK acknowledging it) and the reset of that answer."""
    old_acks = {(s["seq"] + 1) % MOD for s in trace["segments"] if s.get("old") and "SYN" in s["flags"]}
    stray = {s["n"] for s in trace["segments"] if s["from"] == "B" and "SYN" in s["flags"]
             and s["ack"] in old_acks}
    stray |= {s["n"] for s in trace["segments"] if "RST" in s["flags"] and s["from"] == "A"
              and s["seq"] in old_acks}
    seen, out = set(), []
    for s in trace["segments"]:
        if s.get("old") or s["n"] in stray:
            continue
        key = (s["from"], tuple(s["flags"]), s["seq"], s["len"])
        if _consumed(s) and key in seen:
            continue
        seen.add(key)
        out.append(s)
    return out


def expected_segment(trace, n, fault):
    """Segment ``n`` as a student holding misconception ``fault`` writes it: (flags, seq, ack),
    or None where the misconception says nothing different. Written apart from the question
    types: the faulty count of every segment before it, or the faulty way of forming ack."""
    segs = _first_sends(trace)
    s = next(t for t in trace["segments"] if t["n"] == n)
    flags = set(s["flags"])
    if fault in ("syn_bit_off", "ack_bit_off", "fin_without_ack", "rst_without_ack"):
        bit = "SYN" if fault == "syn_bit_off" else "ACK"
        return (flags - {bit}, s["seq"], None if bit == "ACK" else s["ack"])
    if fault == "fin_on_ack":
        return (flags | {"FIN"}, s["seq"], s["ack"])
    if fault in ("rst_acks_it", "old_synack_accepted"):
        # what the reset answers: the last segment that reached its sender before it
        got = [t for t in trace["segments"] if t["to"] == s["from"] and t["n"] < n and not t["lost"]][-1]
        if fault == "rst_acks_it":      # the other case of RFC 9293 3.10.7.1
            return ({"RST", "ACK"}, 0, (got["seq"] + _consumed(got)) % MOD)
        return ({"ACK"}, got["ack"], (got["seq"] + 1) % MOD)
    if fault in ("stale_data_taken", "stale_gets_rst"):
        # the answer to an earlier connection's segment: what reached its sender just before
        got = [t for t in trace["segments"] if t["to"] == s["from"] and t["n"] < n and not t["lost"]][-1]
        if fault == "stale_data_taken":     # the old bytes taken: acknowledged past them
            return (flags, s["seq"], (got["seq"] + got["len"]) % MOD)
        return ({"RST"}, got["ack"], None)  # a reset of a segment that carries ACK
    if fault == "swapped":
        return (flags, s["ack"], s["seq"])
    if fault == "own_number":
        return (flags, s["seq"], (s["seq"] + 1) % MOD)
    fin1 = next((t for t in segs if "FIN" in t["flags"]), None)
    late = set()
    if fin1 is not None:            # what the peer sends after acknowledging the first FIN
        ack1 = next((t for t in segs if t["from"] != fin1["from"] and t["ack"] ==
                     (fin1["seq"] + _consumed(fin1)) % MOD), None)
        if ack1 is not None:
            late = {t["n"] for t in segs if t["from"] == ack1["from"] and t["n"] > ack1["n"]
                    and t["len"] and "FIN" not in t["flags"]}
    if fault == "isn_zero":
        return (flags, 0, s["ack"])
    own = [t for t in segs if t["from"] == s["from"] and t["n"] < n]
    syn = next((t for t in segs if t["from"] == s["from"] and "SYN" in t["flags"]), None)
    seq = s["seq"] if syn is None else (syn["seq"] + sum(_faulty_uses(t, fault, late) for t in own)) % MOD
    if s["ack"] is None:
        return (flags, seq, None)
    peer = "B" if s["from"] == "A" else "A"
    theirs = [t for t in segs if t["from"] == peer and t["time"] < s["time"]]
    if not theirs or "SYN" not in theirs[0]["flags"]:
        return None
    covered, end = [], theirs[0]["seq"]
    for t in theirs:                # what the true ack covers: every number up to it
        end = (end + _consumed(t)) % MOD
        if _le(end, s["ack"]):
            covered.append(t)
    if fault in ("ack_is_received_seq", "ack_is_seq_plus_one"):
        last = [t for t in covered if _consumed(t)][-1]
        if fault == "ack_is_seq_plus_one" and not last["len"]:
            return None
        return (flags, s["seq"], (last["seq"] + (fault == "ack_is_seq_plus_one")) % MOD)
    ack = (theirs[0]["seq"] + sum(_faulty_uses(t, fault, late) for t in covered)) % MOD
    return (flags, seq, ack)


STATE_RULES = {   # misconception -> the (wrong) state it gives, from the right one and the one before
    "state_lags": lambda right, before, after: before,
    "state_jumps": lambda right, before, after: after,
    "two_way_handshake": lambda right, before, after: "ESTABLISHED",
    "handshake_roles": lambda right, before, after: {"SYN-SENT": "SYN-RECEIVED", "SYN-RECEIVED": "SYN-SENT"}[right],
    "roles_swapped": lambda right, before, after: {"FIN-WAIT-1": "CLOSE-WAIT", "CLOSE-WAIT": "FIN-WAIT-1",
                                                   "FIN-WAIT-2": "LAST-ACK", "LAST-ACK": "FIN-WAIT-2"}[right],
    "fin_means_close_wait": lambda right, before, after: "CLOSE-WAIT",
    "fin_is_ack": lambda right, before, after: "TIME-WAIT",
    "merged_fin_ignored": lambda right, before, after: "FIN-WAIT-2",
    "close_wait_times_out": lambda right, before, after: "CLOSED",
    "passive_time_wait": lambda right, before, after: "TIME-WAIT",
    "no_time_wait": lambda right, before, after: "CLOSED",
    "rst_time_wait": lambda right, before, after: "TIME-WAIT",
    "rst_closes_listener": lambda right, before, after: "CLOSED",
    "cookie_keeps_state": lambda right, before, after: "SYN-RECEIVED",
}

CLAIM_RULES = {   # claim -> (misconception, the value it gives)
    "syn_consumes": ("syn_uses_none", lambda t: 0),
    "fin_consumes": ("fin_uses_none", lambda t: 0),
    "pure_ack_consumes": ("ack_uses_number", lambda t: 1),
    "syn_carries_data": ("syn_with_data", lambda t: True),
    "hs3_carries_data": ("hs3_no_data", lambda t: False),
    "time_wait": ("time_wait_one_msl", lambda t: t["options"]["msl"]),
    "closed_first": ("closer_closes_first", lambda t: t["values"]["closer"]),
    "fin_ack_value": ("fin_uses_none", lambda t: t["values"]["u"]),
    "rst_state": ("rst_time_wait", lambda t: "TIME-WAIT"),
    "half_close_data": ("half_close_silent", lambda t: False),
    "both_closed": ("close_wait_times_out", lambda t: True),
    # the misconception depends on what happened: a dropped SYN is misread as answered, a
    # cookie as dropped
    "queue_full_syn": (lambda t: "listener_always_answers" if _syns_before_answer(t) > 1
                       else "full_queue_always_drops",
                       lambda t: "cookie" if _syns_before_answer(t) > 1 else "dropped"),
    "scan_result": ("scan_misread", lambda t: {"open": "closed", "closed": "filtered",
                                               "filtered": "closed"}[_scan(t)]),
    "old_data_taken": ("old_data_accepted", lambda t: True),
}


def _syns_before_answer(t):
    """How many SYNs A sent before B's first SYN,ACK."""
    segs = t["segments"]
    answer = next(s["n"] for s in segs if s["from"] == "B" and {"SYN", "ACK"} <= set(s["flags"]))
    return sum(1 for s in segs if s["from"] == "A" and s["flags"] == ["SYN"] and s["n"] < answer)


def _scan(t):
    """What a SYN scan finds, read the scanner's way: B's answer, if any."""
    back = [s for s in t["segments"] if s["from"] == "B"]
    if not back:
        return "filtered"
    return "open" if "SYN" in back[0]["flags"] else "closed"


def _parse(text):
    pairs = [w.split("=") for w in plain(text).split(", ")]
    flags = {k for k, v in pairs if k.isupper()}
    nums = {k: v for k, v in pairs if not k.isupper()}
    return flags, int(nums["seq"]), int(nums["ack"]) if "ack" in nums else None


def unexplained_distractors(q, catalogue):
    """Distractors no named misconception produces (or whose feedback is not its own)."""
    out, trace = [], q["trace"]
    for p in q["parts"]:
        src = p["source"]
        if p["kind"] == "choice":
            for c in p["choices"]:
                if c["correct"]:
                    continue
                mid = c.get("misconception")
                if mid not in catalogue:
                    out.append(f"choice {c['id']}: no misconception ({mid!r})")
                    continue
                if "who" in src:        # a state
                    events = [e for e in trace["events"] if e["who"] == src["who"]]
                    k = [i for i, e in enumerate(events) if e["segment"] == src["segment"]]
                    before, right = events[k[0]]["from"], events[k[-1]]["to"]
                    after = events[k[-1] + 1]["to"] if k[-1] + 1 < len(events) else None
                    want = STATE_RULES[mid](right, before, after)
                    got = plain(c["text"]).rsplit("（", 1)[-1].rstrip("）")
                else:
                    want = expected_segment(trace, src["segment"], mid)
                    got = _parse(c["text"])
                    got = (got[0], got[1], got[2])
                    if want is not None:
                        want = (set(want[0]) - {"PSH"}, want[1], want[2])
                if got != want:
                    out.append(f"choice {c['id']} ({mid}): reads {got}, the misconception gives {want}")
        elif p["kind"] == "truefalse":
            mid, value = CLAIM_RULES[src["claim"]]
            if callable(mid):
                mid = mid(trace)
            if p.get("misconception") != mid:
                out.append(f"claim {src['claim']}: misconception {p.get('misconception')!r}, not {mid!r}")
            if not p["answer"] and src["claimed"] != value(trace):
                out.append(f"claim {src['claim']}: the wrong statement says {src['claimed']!r}, "
                           f"{mid} gives {value(trace)!r}")
    return out


# ------------------------------------------------------------------ one model, stated
STATES_MODEL = {"zh": ("教材", "RFC", "Linux"), "en": ("textbook", "RFC", "Linux")}


def unstated_model(q, entry):
    """Where the textbook and RFC 9293 / Linux differ (the first FIN with or without ACK, an
    abort's RST with or without ACK), a question that shows the segment carries the tag of its
    model, and one that asks about it says the model in its prompt."""
    trace, out = q["trace"], []
    segs, opts = trace["segments"], trace["options"]
    fin1 = next((s for s in segs if "FIN" in s["flags"]), None)
    # only an abort's RST differs between the models; the RST a CLOSED end answers with
    # (nothing listens, or no TIME-WAIT) is RFC 9293 3.10.7.1's in both
    aborted = any(e.get("cause") == "abort" for e in trace["events"])
    rst = next((s for s in segs if "RST" in s["flags"]), None) if aborted else None
    text = visible_text(q)
    drawn = set(q["diagram"]["segments"]) if q.get("diagram") else set()
    for seg, linux in ((fin1, opts.get("fin_has_ack")), (rst, opts.get("rst_ack"))):
        if seg is None:
            continue
        asked = [p for p in q["parts"] if p["source"].get("segment") == seg["n"]
                 and (p["kind"] in ("bit", "choice") and "who" not in p["source"]
                      or p["source"].get("field") == "ack")]
        if not (asked or seg["n"] in drawn or _describe(seg) in text):
            continue
        want = "linux" if linux else "textbook"
        models = {"linux", "textbook"} & set(entry.tags)
        if models != {want}:
            out.append(f"segment {seg['n']} follows the {want} model: tagged {sorted(models)}")
        if asked and not any(w in plain(q["prompt"]) for w in STATES_MODEL[q["lang"]]):
            out.append(f"segment {seg['n']} is asked where the models differ: the prompt must say which it follows")
    return out
