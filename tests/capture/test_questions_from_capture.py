"""`question`, `paper` and `export` build their questions on a captured connection (--pcap)."""

import json
from pathlib import Path

from click.testing import CliRunner

from quizgen.capture import trace_from_pcap
from quizgen.cli import cli
from quizgen.questions import entries_for_trace, generate_question, load_banks

FIX = Path(__file__).parent / "fixtures"
NORMAL = str(FIX / "ipv4_normal.pcap")


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_question_answers_come_from_the_capture():
    trace = trace_from_pcap(NORMAL)
    r = run("question", "hs-2-fill", "--pcap", NORMAL, "--json")
    assert r.exit_code == 0, r.output
    q = json.loads(r.output)
    synack = next(s for s in trace["segments"] if s["flags"] == ["SYN", "ACK"])
    assert synack["seq"] == trace["values"]["y"]
    assert synack["ack"] == (trace["values"]["x"] + 1) % 2**32
    assert _fields(q) and _fields(q) == _fields(q, synack)     # whichever fields the entry asks
    assert q["trace"]["scenario"].startswith("pcap:")


def _fields(q: dict, seg: dict | None = None) -> dict:
    """The numbers a fill question asks, by field: its answers, or (with ``seg``) that
    segment's values of the same fields."""
    return {p["source"]["field"]: (p["answer"] if seg is None else seg[p["source"]["field"]])
            for p in q["parts"] if p["kind"] == "number"}


def test_only_entries_whose_story_matches_the_capture():
    trace = trace_from_pcap(NORMAL)
    fit = entries_for_trace(load_banks(), trace)
    assert fit, "a normal connection fits the normal-close entries"
    names = {e.scenario.get("preset") for e in fit}
    assert "halfclose" not in names and "merged_close" not in names
    for e in fit:
        q = generate_question(e, 3, "en", trace=trace)
        assert "None" not in q["prompt"] and "None" not in q["explanation"]


def test_mid_connection_capture_refuses_handshake_questions():
    r = run("question", "hs-2-fill", "--pcap", str(FIX / "mid_connection.pcap"))
    assert r.exit_code == 2 and "cannot be asked of this connection" in r.output


def test_several_connections_need_a_stream():
    r = run("export", "--format", "gift", "--pcap", str(FIX / "several.pcapng"), "--out", "x.gift")
    assert r.exit_code == 2 and "choose one with --stream" in r.output


def test_export_and_paper_on_a_capture(tmp_path):
    out = tmp_path / "cap.xml"
    r = run("export", "--format", "moodle", "--pcap", NORMAL, "--variants", "1", "--out", str(out))
    assert r.exit_code == 0, r.output
    y = str(trace_from_pcap(NORMAL)["values"]["y"])
    assert y in out.read_text(encoding="utf-8")
    spec = tmp_path / "s.yaml"
    spec.write_text("title: T\ncourse: C\ndate: 2026-12-01\nlang: en\nseed: 3\nsections:\n"
                    "  - {title: S, topic: handshake, count: 2, points: 2}\n", encoding="utf-8")
    r = run("paper", str(spec), "--pcap", NORMAL, "--format", "html", "--out", str(tmp_path / "o"))
    assert r.exit_code == 0, r.output
    key = next((tmp_path / "o").glob("*-key.html")).read_text(encoding="utf-8")
    assert y in key or str(trace_from_pcap(NORMAL)["values"]["x"]) in key


def test_stream_without_pcap_is_an_error():
    r = run("question", "hs-2-fill", "--stream", "1")
    assert r.exit_code == 2 and "go with --pcap" in r.output


def test_questions_can_ask_for_wireshark_relative_numbers():
    r = run("question", "hs-2-fill", "--pcap", NORMAL, "--relative", "--json")
    assert r.exit_code == 0, r.output
    answers = _fields(json.loads(r.output))
    relative = {"seq": 0, "ack": 1, "len": 0}       # y and x + 1, counted from the ISNs
    assert answers and answers == {f: relative[f] for f in answers}
