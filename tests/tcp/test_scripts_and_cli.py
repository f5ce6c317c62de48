"""Scenario scripts: the documented format works, and every bad script gets one line naming
the file, the line and the step or field, with exit status 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli

BAD = Path(__file__).parent / "bad_scripts"

# file -> (line, words the message must contain)
EXPECTED = {
    "unknown_call.yaml": (3, ["step 'A: dance'", "unknown call"]),
    "send_before_connect.yaml": (2, ["step 'A: send 100'", "not allowed in state CLOSED"]),
    "negative_length.yaml": (3, ["step 'A: send -5'", "1 to"]),
    "isn_too_big.yaml": (1, ["isn.A", "outside"]),
    "isn_negative.yaml": (2, ["isn.A", "outside"]),
    "unknown_step.yaml": (3, ["step 'C: close'", "unknown step"]),
    "bad_option_value.yaml": (2, ["options.fin_ack", "'separate' or 'merge'"]),
    "unknown_option.yaml": (2, ["options.nagle", "unknown option"]),
    "bad_yaml.yaml": (None, ["not valid YAML"]),
    "double_close.yaml": (4, ["step 'A: close'", "not allowed in state FIN-WAIT-2"]),
    "no_steps.yaml": (1, ["steps", "non-empty"]),
    "piggyback_without_send.yaml": (2, ["options.piggyback"]),
    "bad_lose.yaml": (2, ["step 'lose: A->C'"]),
    "bad_wait.yaml": (3, ["step 'wait: forever'"]),
    # bounds (issue 12): sizes, segments, steps, and one connection per script
    "send_5000_digits.yaml": (3, ["step 'A: send 999", "...'", "5,000-digit number"]),
    "send_too_many_segments.yaml": (4, ["step 'A: send 20000'", "20,000 segments",
                                        "at most 10,000 segments"]),
    "too_many_segments.yaml": (5, ["step 'B: send 4000'", "past 10,000 segments"]),
    "second_connect.yaml": (6, ["step 'A: connect'", "one connection",
                                "line 2: A: connect"]),
    "too_many_steps.yaml": (1002, ["steps:", "at most 1,000 steps, not 1,001"]),
}


def test_every_bad_script_is_covered():
    assert {p.name for p in BAD.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_script_gives_one_line_with_file_line_and_step(name):
    line, words = EXPECTED[name]
    result = CliRunner().invoke(cli, ["trace", "--script", str(BAD / name)])
    assert result.exit_code == 2, result.output
    out = result.output.strip()
    assert "\n" not in out and "Traceback" not in out
    place = f"{BAD / name}:{line}" if line else str(BAD / name)
    assert out.startswith(f"error: {place}"), out
    for word in words:
        assert word in out, out


def test_missing_script_file():
    result = CliRunner().invoke(cli, ["trace", "--script", "/nonexistent/x.yaml"])
    assert result.exit_code == 2 and "/nonexistent/x.yaml" in result.output


def test_unknown_preset_and_bad_option():
    r = CliRunner().invoke(cli, ["trace", "nosuch"])
    assert r.exit_code == 2 and "unknown preset 'nosuch'" in r.output
    r = CliRunner().invoke(cli, ["trace", "--seed", "abc"])
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_script_from_the_issue_runs(tmp_path):
    script = tmp_path / "s.yaml"
    script.write_text("""\
isn: {A: 4294967290, B: 1000}
options:
  fin_ack: separate
  piggyback: false
  rst_ack: false
  listen: true
  msl: 120
steps:
  - A: connect
  - A: send 100
  - B: send 200
  - A: close
  - B: send 50
  - B: close
""")
    r = CliRunner().invoke(cli, ["trace", "--script", str(script), "--json"])
    assert r.exit_code == 0, r.output
    t = json.loads(r.output)
    assert set(t) >= {"scenario", "seed", "options", "values", "segments", "events"}
    assert t["values"] == {"x": 4294967290, "y": 1000, "u": 95, "v": 1201, "w": 1251, "closer": "A"}
    seg = t["segments"][0]
    assert set(seg) >= {"n", "from", "to", "flags", "seq", "ack", "len", "lost", "time"}
    ev = t["events"][1]
    assert set(ev) == {"time", "who", "cause", "segment", "from", "to"}
    assert ev == {"time": 0.0, "who": "A", "cause": "connect", "segment": 1,
                  "from": "CLOSED", "to": "SYN-SENT"}


def test_trace_table_default_and_json_per_preset():
    r = CliRunner().invoke(cli, ["trace"])
    assert r.exit_code == 0 and "SYN,ACK" in r.output and "TIME-WAIT -> CLOSED" in r.output
    r = CliRunner().invoke(cli, ["trace", "halfclose", "--seed", "7", "--json"])
    t = json.loads(r.output)
    assert t["scenario"] == "halfclose" and t["seed"] == 7
    assert t["values"]["w"] != t["values"]["v"]


def test_version_help_and_module_entry_point():
    assert CliRunner().invoke(cli, ["--version"]).output.startswith("quizgen, version ")
    out = subprocess.run([sys.executable, "-m", "quizgen", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "trace" in out.stdout


@pytest.mark.parametrize("preset,check", [
    ("merged_close", lambda t: [s["flags"] for s in t["segments"]][-2:] == [["FIN", "ACK"], ["ACK"]]),
    ("refused", lambda t: t["segments"][-1]["flags"] == ["RST", "ACK"] and t["segments"][-1]["seq"] == 0),
    ("simultaneous_close", lambda t: any(e["to"] == "CLOSING" for e in t["events"])),
    ("simultaneous_open", lambda t: [s["flags"] for s in t["segments"][:6]] == [
        ["SYN"], ["SYN"], ["SYN", "ACK"], ["SYN", "ACK"], ["ACK"], ["ACK"]]),
    ("syn_lost", lambda t: t["segments"][0]["lost"] and t["segments"][1]["time"] == 1.0),
    ("piggyback", lambda t: t["segments"][2]["len"] > 0 and t["segments"][2]["ack"] is not None),
    ("last_ack_lost", lambda t: sum("FIN" in s["flags"] and s["from"] == "B" for s in t["segments"]) == 2),
])
def test_preset_shapes(preset, check):
    r = CliRunner().invoke(cli, ["trace", preset, "--json"])
    assert check(json.loads(r.output))
