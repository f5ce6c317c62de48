"""Self-checks of the kernel harness alone (not of the simulator).

Each scenario runs once against the real Linux stack (cached per module);
the tests check the capture against what Linux is known to send.  Skipped,
with the reason, where raw sockets / namespaces are not available.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from . import harness

# Expected trace per scenario: (from, flags, seq, ack, len) with seq relative
# to the sender's ISN and ack relative to the receiver's ISN (absolute when
# that side has no ISN, i.e. the RST of "refused").  None: ACK flag off.
# A segment listed twice is a retransmission.  The old duplicate SYN's
# exchange is relative to its own ISNs (the old SYN's seq, and B_old).
HANDSHAKE = [
    ("A", "SYN", 0, None, 0),
    ("B", "SYN,ACK", 0, 1, 0),
    ("A", "ACK", 1, 1, 0),
]
A_SENDS_100 = [
    ("A", "ACK", 1, 1, 100),
    ("B", "ACK", 1, 101, 0),
]
# after A_SENDS_100: A closes, B's delayed ACK of the FIN alone, then B closes
A_CLOSES_THEN_B = [
    ("A", "ACK,FIN", 101, 1, 0),
    ("B", "ACK", 1, 102, 0),
    ("B", "ACK,FIN", 1, 102, 0),
    ("A", "ACK", 102, 2, 0),
]
EXPECTED = {
    # corked write then close(): the FIN on the data segment; B acks data and FIN at once
    "fin_with_data": HANDSHAKE
    + [
        ("A", "ACK,FIN", 1, 1, 300),
        ("B", "ACK", 1, 302, 0),
        ("B", "ACK,FIN", 1, 302, 0),
        ("A", "ACK", 302, 2, 0),
    ],
    "normal": HANDSHAKE
    + A_SENDS_100
    + [
        ("B", "ACK", 1, 101, 200),
        ("A", "ACK", 101, 201, 0),
        ("A", "ACK,FIN", 101, 201, 0),
        ("B", "ACK", 201, 102, 0),  # delayed ACK of the FIN, alone
        ("B", "ACK,FIN", 201, 102, 0),
        ("A", "ACK", 102, 202, 0),
    ],
    "merged_close": HANDSHAKE
    + A_SENDS_100
    + [
        ("A", "ACK,FIN", 101, 1, 0),
        ("B", "ACK,FIN", 1, 102, 0),  # ACK of A's FIN rides on B's FIN
        ("A", "ACK", 102, 2, 0),
    ],
    "halfclose": HANDSHAKE
    + A_SENDS_100
    + [
        ("A", "ACK,FIN", 101, 1, 0),
        ("B", "ACK", 1, 102, 0),
        ("B", "ACK", 1, 102, 50),  # A in FIN-WAIT-2 still receives
        ("A", "ACK", 102, 51, 0),
        ("B", "ACK,FIN", 51, 102, 0),
        ("A", "ACK", 102, 52, 0),
    ],
    "server_closes_first": HANDSHAKE
    + A_SENDS_100
    + [
        ("B", "ACK,FIN", 1, 101, 0),
        ("A", "ACK", 101, 2, 0),
        ("A", "ACK,FIN", 101, 2, 0),
        ("B", "ACK", 2, 102, 0),
    ],
    "abort": HANDSHAKE + A_SENDS_100 + [("A", "ACK,RST", 101, 1, 0)],
    "refused": [
        ("A", "SYN", 0, None, 0),
        ("B", "ACK,RST", 0, 1, 0),  # seq 0 absolute: B never had an ISN
    ],
    "simultaneous_close": HANDSHAKE
    + A_SENDS_100
    + [
        ("A", "ACK,FIN", 101, 1, 0),
        ("B", "ACK,FIN", 1, 101, 0),  # crossed: does not ACK A's FIN
        ("B", "ACK", 2, 102, 0),  # CLOSING
        ("A", "ACK", 102, 2, 0),  # CLOSING
    ],
    "simultaneous_open": [
        ("A", "SYN", 0, None, 0),
        ("B", "SYN", 0, None, 0),
        ("B", "SYN,ACK", 0, 1, 0),
        ("A", "SYN,ACK", 0, 1, 0),
        # Linux (and RFC 9293's rules) ACK the SYN-ACK: its SYN is below
        # RCV.NXT, an old duplicate (Linux adds a D-SACK block).
        ("A", "ACK", 1, 1, 0),
        ("B", "ACK", 1, 1, 0),
    ]
    + A_SENDS_100,
    # B's SYN queue is full of forged half-open connections: A's SYN and its one
    # retransmission (tcp_syn_retries=1) are dropped, nothing comes back
    "syn_queue_full": [("A", "SYN", 0, None, 0)] * 2,
    # the SYN,ACK at once is the cookie (B's "ISN"); then as normal, without B's data
    "syn_cookies": HANDSHAKE + A_SENDS_100 + A_CLOSES_THEN_B,
    # A's kernel never sent the SYN: it resets the SYN,ACK, seq = its ack, no ACK flag
    "port_scan_open": [
        ("A", "SYN", 0, None, 0),
        ("B", "SYN,ACK", 0, 1, 0),
        ("A", "RST", 1, None, 0),
    ],
    "port_scan_closed": [
        ("A", "SYN", 0, None, 0),
        ("B", "ACK,RST", 0, 1, 0),  # seq 0 absolute, as in refused
    ],
    "port_scan_filtered": [("A", "SYN", 0, None, 0)],  # dropped on the wire, not resent
    "no_time_wait": HANDSHAKE
    + A_SENDS_100
    + [
        ("A", "ACK,FIN", 101, 1, 0),
        ("B", "ACK", 1, 102, 0),
        ("B", "ACK,FIN", 1, 102, 0),
        ("A", "ACK", 102, 2, 0),  # lost on the wire; A, without TIME-WAIT, is closed
        ("B", "ACK,FIN", 1, 102, 0),  # B's FIN again, after its RTO
        ("A", "RST", 102, None, 0),  # no connection: seq = the FIN's ack
    ],
    # the old SYN (from A's port, before A connects from it), B's SYN,ACK with y_old, A's
    # kernel's RST; then a new connection, B's ISN y
    "old_duplicate_syn": [
        ("A", "SYN", 0, None, 0),
        ("B", "SYN,ACK", 0, 1, 0),
        ("A", "RST", 1, None, 0),
    ]
    + HANDSHAKE
    + A_SENDS_100
    + A_CLOSES_THEN_B,
    # the old segment, far outside B's window: B acknowledges what it expects, drops it
    "old_data": HANDSHAKE
    + [
        ("A", "ACK", 1 + harness.OLD_DATA_OFFSET, 1, harness.OLD_DATA_LEN),
        ("B", "ACK", 1, 1, 0),
    ]
    + A_SENDS_100
    + A_CLOSES_THEN_B,
}

# The segments of an earlier connection in a scenario's trace, by index: they do not continue
# the connection's sequence numbers.
OLD_SEGMENTS = {"old_duplicate_syn": {0, 1, 2}, "old_data": {3}}

EXPECTED_STEPS = {
    "fin_with_data": [{"A": "connect"}, {"A": "send 300 and close"}, {"B": "close"}],
    "normal": [{"A": "connect"}, {"A": "send 100"}, {"B": "send 200"}, {"A": "close"}, {"B": "close"}],
    "merged_close": [{"A": "connect"}, {"A": "send 100"}, {"A": "close"}],
    "halfclose": [{"A": "connect"}, {"A": "send 100"}, {"A": "close"}, {"B": "send 50"}, {"B": "close"}],
    "server_closes_first": [{"A": "connect"}, {"A": "send 100"}, {"B": "close"}, {"A": "close"}],
    "abort": [{"A": "connect"}, {"A": "send 100"}, {"A": "abort"}],
    "refused": [{"A": "connect"}],
    "simultaneous_close": [{"A": "connect"}, {"A": "send 100"}, {"both": "close"}],
    "simultaneous_open": [{"both": "connect"}, {"A": "send 100"}],
    "syn_queue_full": [{"flood": 2}, {"A": "connect"}],
    "syn_cookies": [{"flood": 2}, {"A": "connect"}, {"A": "send 100"}, {"A": "close"}, {"B": "close"}],
    "port_scan_open": [{"A": "probe"}],
    "port_scan_closed": [{"A": "probe"}],
    "port_scan_filtered": [{"lose": "A->B"}, {"A": "probe"}],
    "no_time_wait": [{"A": "connect"}, {"A": "send 100"}, {"A": "close"}, {"lose": "A->B"},
                     {"B": "close"}],
    # the numbers depend on the ISNs: checked in test_old_steps
    "old_duplicate_syn": [{"old_syn": None}, {"A": "connect"}, {"A": "send 100"}, {"A": "close"},
                          {"B": "close"}],
    "old_data": [{"A": "connect"}, {"old_data": None}, {"A": "send 100"}, {"A": "close"},
                 {"B": "close"}],
}

EXPECTED_OPTIONS = {
    "normal": {"fin_ack": "separate", "fin_has_ack": True},
    "merged_close": {"fin_ack": "merge", "fin_has_ack": True},
    "halfclose": {"fin_ack": "separate", "fin_has_ack": True},
    "abort": {"rst_ack": True, "fin_has_ack": True},
    "refused": {"listen": False, "rst_ack": True},
    "simultaneous_close": {"fin_has_ack": True},
    "syn_queue_full": {"backlog": 2},
    "syn_cookies": {"backlog": 2, "syn_cookies": True, "fin_ack": "separate", "fin_has_ack": True},
    "port_scan_closed": {"listen": False, "rst_ack": True},
    "no_time_wait": {"time_wait": False, "fin_ack": "separate", "fin_has_ack": True},
}

# The sysctls a scenario sets in its namespaces, and the simulator's limits among them.
EXPECTED_SYSCTLS = {
    "syn_queue_full": ({"A": {"tcp_syn_retries": 1, "tcp_syn_linear_timeouts": 0},
                        "B": {"tcp_syncookies": 0}}, {"syn_retries": 1}),
    "syn_cookies": ({"B": {"tcp_syncookies": 1}}, {}),
    "no_time_wait": ({"A": {"tcp_max_tw_buckets": 0}}, {}),
    "old_data": ({"A": {"tcp_timestamps": 0}}, {}),
}

_cache: dict[str, dict] = {}


def trace(name: str) -> dict:
    """The scenario's capture, run once per test session; skip if the
    kernel facilities are missing."""
    ok, why = harness.available(name)
    if not ok:
        pytest.skip(why)
    if name not in _cache:
        _cache[name] = harness.run_scenario(name)
    return _cache[name]


def relative(result: dict) -> list[tuple]:
    segs = result["segments"]
    out = []
    # an old duplicate SYN's exchange comes before A's own SYN, relative to its own ISNs
    first = next((i for i, s in enumerate(segs) if s["from"] == "A" and "SYN" in s["flags"]
                  and s["seq"] == result["isn"]["A"]), 0)
    for i, s in enumerate(segs):
        isn = result["isn"] if i >= first else {"A": segs[0]["seq"], "B": result["isn"]["B_old"]}
        me, peer = s["from"], "B" if s["from"] == "A" else "A"
        seq = s["seq"] - isn[me] if isn[me] is not None else s["seq"]
        ack = None if s["ack"] is None else s["ack"] - isn[peer] if isn[peer] is not None else s["ack"]
        out.append((me, ",".join(s["flags"]), seq % 2**32, None if ack is None else ack % 2**32, s["len"]))
    return out


def test_scenario_list() -> None:
    assert set(harness.SCENARIOS) == set(EXPECTED)


def test_available_reports_reason() -> None:
    ok, why = harness.available()
    assert isinstance(ok, bool) and isinstance(why, str) and why


@pytest.mark.parametrize("name", harness.SCENARIOS)
def test_segments(name: str) -> None:
    result = trace(name)
    assert relative(result) == EXPECTED[name], json.dumps(result["segments"], indent=1)


@pytest.mark.parametrize("name", harness.SCENARIOS)
def test_shape(name: str) -> None:
    result = trace(name)
    extra = {"sysctls", "limits"} if name in EXPECTED_SYSCTLS else set()
    assert set(result) == {"scenario", "isn", "options", "steps", "segments"} | extra
    if extra:
        assert (result["sysctls"], result["limits"]) == EXPECTED_SYSCTLS[name]
    assert result["scenario"] == name
    assert [{k: None if k.startswith("old_") else v for k, v in st.items()}
            for st in result["steps"]] == EXPECTED_STEPS[name]
    if name in EXPECTED_OPTIONS:
        assert result["options"] == EXPECTED_OPTIONS[name]
    json.dumps(result)  # plain JSON data
    for seg in result["segments"]:
        assert set(seg) == {"from", "flags", "seq", "ack", "len"}
        assert seg["from"] in ("A", "B")
        order = [f for f in ("SYN", "ACK", "FIN", "RST") if f in seg["flags"]]
        assert seg["flags"] == order  # fixed order, nothing else (no PSH)
        assert (seg["ack"] is None) == ("ACK" not in seg["flags"])


@pytest.mark.parametrize("name", harness.SCENARIOS)
def test_isns_consistent(name: str) -> None:
    result = trace(name)
    isn = result["isn"]
    old = OLD_SEGMENTS.get(name, set())
    segs = [s for i, s in enumerate(result["segments"]) if i not in old]
    assert set(isn) == ({"A", "B", "B_old"} if name == "old_duplicate_syn" else {"A", "B"})
    assert segs[0]["from"] == "A" and segs[0]["flags"] == ["SYN"]
    assert isn["A"] == segs[0]["seq"]
    if isn["B"] is None:  # B never sent a SYN: refused, or nothing came back
        # A's SYN (perhaps retransmitted), and at most B's RST of it
        assert [s for s in segs if s["from"] == "A"] == [segs[0]] * sum(s["from"] == "A" for s in segs)
        for rst in (s for s in segs if s["from"] == "B"):
            assert rst["flags"] == ["ACK", "RST"]
            assert rst["seq"] == 0 and rst["ack"] == (isn["A"] + 1) % 2**32
        return
    # B's ISN is the seq of B's SYN; every later segment acks it.
    b_syn = next(s for s in segs if s["from"] == "B" and "SYN" in s["flags"])
    assert isn["B"] == b_syn["seq"]
    if "ACK" in b_syn["flags"]:
        assert b_syn["ack"] == (isn["A"] + 1) % 2**32
    # Sequence numbers: each side's segments continue exactly where its
    # previous one ended (no gaps; a retransmission repeats a segment sent
    # before), and no ACK acks more than the other side has sent.
    nxt = {"A": isn["A"], "B": isn["B"]}
    sent: set[tuple] = set()
    for s in segs:
        me, peer = s["from"], "B" if s["from"] == "A" else "A"
        if "SYN" not in s["flags"]:
            assert s["seq"] == nxt[me] or (me, s["seq"], s["len"], tuple(s["flags"])) in sent, s
        else:
            assert s["seq"] == isn[me], s
        sent.add((me, s["seq"], s["len"], tuple(s["flags"])))
        end = (s["seq"] + s["len"] + ("SYN" in s["flags"]) + ("FIN" in s["flags"])) % 2**32
        if end != s["seq"]:
            nxt[me] = end
        if s["ack"] is not None:
            assert (nxt[peer] - s["ack"]) % 2**32 < 2**31, s


def test_old_steps() -> None:
    """The old segments' steps say what the capture has: the old SYN's seq is x minus the
    old_syn step, B's ISN answering it is B_old; the old data's seq and length."""
    for name in ("old_duplicate_syn", "old_data"):
        if not harness.available(name)[0]:
            pytest.skip(harness.available(name)[1])
    result = trace("old_duplicate_syn")
    isn, segs = result["isn"], result["segments"]
    assert segs[0]["seq"] == (isn["A"] - result["steps"][0]["old_syn"]) % 2**32
    assert (segs[1]["seq"], segs[1]["ack"]) == (isn["B_old"], (segs[0]["seq"] + 1) % 2**32)
    assert isn["B_old"] != isn["B"]  # a new ISN for the new connection
    result = trace("old_data")
    seg = result["segments"][3]
    assert result["steps"][1] == {"old_data": f"{seg['seq']} {seg['len']}"}


# The scenarios whose outcome depends on timing (the delayed ACK racing the
# application's close; the held wire): a second run must agree.
@pytest.mark.parametrize("name", ["merged_close", "simultaneous_close", "simultaneous_open"])
def test_repeatable(name: str) -> None:
    # Same trace again, and only this run's connection (new ISNs).
    first = trace(name)
    if not harness.available(name)[0]:
        pytest.skip("unavailable")
    second = harness.run_scenario(name)
    assert relative(second) == relative(first)
    assert second["isn"]["A"] != first["isn"]["A"]


def test_cli_prints_json() -> None:
    ok, why = harness.available("refused")
    if not ok:
        pytest.skip(why)
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.run(
        [sys.executable, "-m", "tests.kernel.harness", "refused"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    result = json.loads(out)
    assert result["scenario"] == "refused"
    assert [s["flags"] for s in result["segments"]] == [["SYN"], ["ACK", "RST"]]
