"""The simulator agrees with the real Linux TCP stack, segment by segment.

Each scenario runs real sockets (tests/kernel/harness.py), captures the connection's segments
with a raw AF_PACKET socket, and replays the same ISNs, steps and options in the simulator.
Compared: sender, flags (PSH ignored), seq, ack and length, in order. A scenario that lowers
sysctls in its namespaces (harness.SYSCTLS) is replayed with the same limits
(quizgen.tcp.endpoint.Limits). Where raw sockets are not available the test is skipped with the
reason; in CI (env CI set) it fails instead.
"""

import os

import pytest

from quizgen.tcp import simulate
from quizgen.tcp.endpoint import Limits
from quizgen.tcp.script import build_script
from tests.kernel import harness

REQUIRED = ["normal", "merged_close", "halfclose", "server_closes_first", "abort", "refused",
            "simultaneous_close", "fin_with_data",
            # the listener's SYN queue, port scans, no TIME-WAIT
            "syn_queue_full", "syn_cookies", "port_scan_open", "port_scan_closed",
            "port_scan_filtered", "no_time_wait",
            # segments of an earlier connection
            "old_duplicate_syn", "old_data"]


def _norm(seg):
    return (seg["from"], frozenset(seg["flags"]) - {"PSH"}, seg["seq"], seg["ack"], seg["len"])


@pytest.mark.parametrize("scenario", REQUIRED + ["simultaneous_open"])
def test_simulator_matches_linux(scenario):
    ok, why = harness.available(scenario)
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(f"raw sockets must be available in CI: {why}")
        pytest.skip(why)
    real = harness.run_scenario(scenario)
    doc = {"options": real["options"], "steps": real["steps"],
           "isn": {k: v for k, v in real["isn"].items() if v is not None}}
    sim = simulate(build_script(doc, source=f"<kernel {scenario}>"),
                   limits=Limits(**real.get("limits", {})))
    got = [_norm(s) for s in sim.segments]
    want = [_norm(s) for s in real["segments"]]
    assert got == want, "\n".join(
        f"{i + 1:>2} sim {g!s:<60} linux {w}" for i, (g, w) in
        enumerate(zip(got + [None] * len(want), want + [None] * len(got))) if g or w)
