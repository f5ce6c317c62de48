"""Ladder diagrams: labels read off the trace, blanks, lost segments, states, text form."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

from quizgen.render.ladder import ladder_svg, ladder_text, layout
from tests.render.support import load_trace

SVG = "{http://www.w3.org/2000/svg}"


def _groups(svg: str, cls: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == cls]


def _label(group: ET.Element) -> str:
    """The text of a segment's label, boxes included (their answer, or nothing)."""
    label = next(g for g in group.iter(f"{SVG}g") if g.get("class") == "qg-ladder-label")
    return "".join(t.text or "" for t in label.iter(f"{SVG}text"))


def _expected(seg: dict) -> str:
    parts = [", ".join(f"{f}=1" for f in seg["flags"]), f"seq={seg['seq']}"]
    if seg["ack"] is not None:
        parts.append(f"ack={seg['ack']}")
    if seg["len"]:
        parts.append(f"len={seg['len']}")
    return ", ".join(parts)


def test_key_labels_are_the_trace_values(questions):
    q = questions[6]  # all 11 segments, seq of segment 8 blank
    segs = {s["n"]: s for s in q["trace"]["segments"]}
    groups = _groups(ladder_svg(q, reveal=True), "qg-ladder-seg")
    assert [int(g.get("data-n")) for g in groups] == q["diagram"]["segments"]
    for g in groups:
        seg = segs[int(g.get("data-n"))]
        assert _label(g) == _expected(seg)
        assert (g.get("data-from"), g.get("data-to")) == (seg["from"], seg["to"])


def test_blank_is_an_empty_box_in_the_paper_and_the_answer_in_the_key(questions):
    q = questions[0]  # ack of segment 2 blank, part "ack" = 4294967291
    paper, key = ladder_svg(q, reveal=False), ladder_svg(q, reveal=True)
    seg2 = next(g for g in _groups(paper, "qg-ladder-seg") if g.get("data-n") == "2")
    assert _label(seg2) == "SYN=1, ACK=1, seq=5000, ack="
    box = next(g for g in seg2.iter(f"{SVG}g") if g.get("class") == "qg-ladder-blank")
    assert box.get("data-part") == "ack" and box.find(f"{SVG}rect") is not None
    assert box.find(f"{SVG}text") is None
    seg2 = next(g for g in _groups(key, "qg-ladder-seg") if g.get("data-n") == "2")
    assert _label(seg2) == "SYN=1, ACK=1, seq=5000, ack=4294967291"


def test_the_key_shows_the_parts_answer(questions):
    q = copy.deepcopy(questions[0])
    q["parts"][2]["answer"] = 123  # what the key shows is the part's answer
    assert "ack=123" in _label(next(g for g in _groups(ladder_svg(q, reveal=True),
                                                      "qg-ladder-seg") if g.get("data-n") == "2"))


def test_states_beside_the_timelines(questions):
    q = questions[0]
    marks = _groups(ladder_svg(q), "qg-ladder-state")
    by_side = {s: ["".join(t.text or "" for t in m.iter(f"{SVG}text")) for m in marks
                   if m.get("data-side") == s] for s in "AB"}
    assert by_side["A"] == ["CLOSED", "SYN-SENT", "ESTABLISHED"]
    assert by_side["B"] == ["LISTEN", "SYN-RECEIVED", "ESTABLISHED"]


def test_state_blank_and_trailing_timer():
    trace = load_trace("syn_lost")
    request = {"segments": list(range(7, 11)), "show_states": True,
               "blanks": [{"segment": 9, "field": "state_A", "part": "p1"}]}
    lad = layout(trace, request, reveal=True)
    a = [(m.text, m.blank.answer if m.blank else None) for m in lad.marks if m.side == "A"]
    assert a == [("ESTABLISHED", None), ("FIN-WAIT-1", None), ("FIN-WAIT-2", None),
                 ("TIME-WAIT", "TIME-WAIT"), ("CLOSED", None)]
    assert [m.blank.answer for m in layout(trace, request).marks if m.blank] == [None]
    svg = ladder_svg(trace, request, reveal=False)
    assert len(_groups(svg, "qg-ladder-blank")) == 1
    assert "TIME-WAIT" not in svg  # hidden in the paper
    assert "TIME-WAIT" in ladder_svg(trace, request, reveal=True)


def test_lost_segment_ends_in_a_cross():
    trace = load_trace("syn_lost")
    svg = ladder_svg(trace, {"segments": [1, 2, 3], "blanks": [], "show_states": True})
    lost = [g for g in _groups(svg, "qg-ladder-seg") if g.get("data-lost") == "true"]
    assert [g.get("data-n") for g in lost] == ["1"]
    assert any(p.get("class") == "qg-ladder-lost" for p in lost[0].iter(f"{SVG}path"))
    assert not list(lost[0].iter(f"{SVG}polygon"))  # no arrowhead: it never arrives
    text = ladder_text(trace, {"segments": [1, 2, 3], "blanks": []})
    assert "×" in text.splitlines()[2]


def test_language_of_the_hosts(questions, zh):
    assert "客户端 A" in ladder_svg(zh[0]) and "服务器 B" in ladder_svg(zh[0])
    assert "Client A" in ladder_svg(questions[0])


def _lines(svg: str) -> dict[int, tuple[float, float, float, float]]:
    out = {}
    for g in _groups(svg, "qg-ladder-seg"):
        line = g.find(f"{SVG}line")
        out[int(g.get("data-n"))] = tuple(float(line.get(k)) for k in ("x1", "y1", "x2", "y2"))
    return out


def test_simultaneous_close_arrows_cross():
    """Both FINs leave at once and cross, so do both ACKs; each host is FIN-WAIT-1 before
    CLOSING (issue 13: they were drawn one after the other, B's CLOSING above its
    FIN-WAIT-1)."""
    trace = load_trace("simultaneous_close")
    request = {"segments": [6, 7, 8, 9], "blanks": [], "show_states": True}
    lad = layout(trace, request)
    assert [(a.src, a.dst) for a in lad.arrows] == [("A", "B"), ("B", "A"), ("B", "A"),
                                                    ("A", "B")]
    states = [(m.side, m.text) for m in lad.marks]
    assert states[-2:] == [("A", "CLOSED"), ("B", "CLOSED")]  # both timers, one line
    for side in "AB":
        mine = [m.text for m in lad.marks if m.side == side]
        assert mine == ["ESTABLISHED", "FIN-WAIT-1", "CLOSING", "TIME-WAIT", "CLOSED"]
    lines = _lines(ladder_svg(trace, request))
    for a, b in ((6, 7), (8, 9)):
        assert lines[a][1] == lines[b][1]                       # they leave level
        assert abs(lines[a][3] - lines[b][3]) < 1              # and arrive level
        assert lines[a][1] < lines[b][3] and lines[b][1] < lines[a][3]  # in flight together
    assert lines[8][1] >= lines[6][3] - 0.5                      # ACKs leave on arrival
    text = ladder_text(trace, request)
    assert "(6) and (7) are in flight at once: they cross" in text
    b_column = [row.rsplit("|", 1)[1].strip() for row in text.splitlines()[1:]
                if row.count("|") >= 2 and row.rsplit("|", 1)[1].strip()]
    assert b_column == ["ESTABLISHED", "FIN-WAIT-1", "CLOSING", "TIME-WAIT", "CLOSED"]


def test_every_label_finds_a_clear_place(questions):
    """Every label found a place clear of the other arrows, labels and numbers, between the
    timelines (_place opens rows up until it does): no arrow is left crowded."""
    from quizgen.render.ladder import _place, _try_place

    drawn = [q for q in questions if q.get("diagram")]
    assert drawn
    for q in drawn:
        lad = layout(q, reveal=True)
        _place(lad)
        assert _try_place(lad)[1] == [], q["id"]


def test_an_old_segment_comes_out_of_the_network():
    """A segment of an earlier connection was not sent now by A: its arrow starts between the
    two lines, dashed (SVG) or drawn with ~ (text); the others start at their sender's line."""
    from quizgen.tcp import preset_script, simulate

    for preset in ("old_duplicate_syn", "old_segment"):
        trace = simulate(preset_script(preset, seed=4)).to_dict()
        request = {"segments": [s["n"] for s in trace["segments"]], "blanks": []}
        root = ET.fromstring(ladder_svg(trace, request))
        starts = {}
        for g in root.iter("{http://www.w3.org/2000/svg}g"):
            if "data-n" in g.attrib:
                line = g.find("{http://www.w3.org/2000/svg}line")
                starts[int(g.attrib["data-n"])] = (float(line.get("x1")), g.get("data-old"),
                                                   line.get("stroke-dasharray"))
        old = next(s["n"] for s in trace["segments"] if s.get("old"))
        a_line = {x for n, (x, _, _) in starts.items()
                  if trace["segments"][n - 1]["from"] == "A" and n != old}
        assert len(a_line) == 1, a_line
        x_old, marked, dashed = starts[old]
        assert marked == "true" and dashed and x_old > a_line.pop() + 50
        assert all(not m and not d for n, (_, m, d) in starts.items() if n != old)
        text = ladder_text(trace, request)
        assert sum("~~" in line and ">" in line for line in text.splitlines()) == 1
