"""Real connections captured off the Linux stack, as pcap records, for the capture tests.

Built on tests/kernel/harness.py: its scenarios on 127.0.0.1 (and ::1) captured with AF_PACKET
on ``lo``, and its netns+TUN wire. Here the wire can also *drop* a packet (the first one a
predicate picks), so that the real kernel retransmits it: the capture (taken where each kernel
transmits) holds the lost original and its retransmission.

Records are ``(kernel time, frame)``; ``linktype`` says how to write them: ``lo`` gives Ethernet
frames (all-zero MACs), a TUN device raw IP packets.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest

from tests.capture.pcapwrite import LINKTYPE_ETHERNET, LINKTYPE_RAW
from tests.kernel import harness

_ARPHRD_LINKTYPE = {harness.ARPHRD_ETHER: LINKTYPE_ETHERNET,
                    harness.ARPHRD_LOOPBACK: LINKTYPE_ETHERNET,
                    harness.ARPHRD_NONE: LINKTYPE_RAW}


def require(scenario: str | None = None) -> None:
    """Skip (with the reason) where the kernel facilities are missing; fail under CI."""
    ok, why = harness.available(scenario)
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(f"raw sockets must be available in CI: {why}")
        pytest.skip(why)


def records(result: dict) -> tuple[int, list[tuple[float, bytes]]]:
    """The link type and (time, frame) records of a harness result run with frames=True."""
    frames = result["frames"]
    types = {_ARPHRD_LINKTYPE[h] for _, h, _ in frames}
    assert len(types) == 1, f"mixed link types {types}"
    return types.pop(), [(ts, frame) for ts, _, frame in frames]


def capture(scenario: str, *, ipv6: bool = False) -> tuple[dict, int, list]:
    """Run a harness scenario; its result, link type and records."""
    result = harness.run_scenario(scenario, frames=True, ipv6=ipv6)
    linktype, recs = records(result)
    return result, linktype, recs


class DroppingWire(harness.Wire):
    """The harness's wire, able to drop the first packet that ``drop`` picks."""

    def __init__(self) -> None:
        self.drop: Callable[[harness.Packet], bool] | None = None
        self.dropped: list[harness.Packet] = []
        super().__init__()

    def _write(self, fd: int, pkt: bytes) -> None:  # an instance method here
        if self.drop is not None:
            p = harness.parse_ipv4(pkt)
            if p is not None and self.drop(p):
                self.drop = None
                self.dropped.append(p)
                return
        harness.Wire._write(fd, pkt)


#: Time for a retransmission: Linux's RTO after a handshake on the wire is about 200 ms.
RETRANSMIT_WAIT = 1.2


def capture_lossy(lose: tuple[str, ...] = ("data", "fin")) -> tuple[dict, int, list]:
    """A's data segment and/or A's FIN dropped on the wire, once each; A retransmits.

    Steps: A connect, A send 100, A close, B close; with a ``lose: A->B`` step before each call
    whose segment is dropped, as the simulator writes it.
    """
    require("simultaneous_close")      # the wire

    def go() -> dict:
        wire = DroppingWire()
        try:
            r = harness.Run(wire)
            try:
                r.connect()
                a_end = r.ep["A"]
                if "data" in lose:
                    r.step("lose", "A->B")
                    wire.drop = lambda p: p.src == a_end and p.payload_len > 0
                r.send("A", 100)
                time.sleep(RETRANSMIT_WAIT)
                if "fin" in lose:
                    r.step("lose", "A->B")
                    wire.drop = lambda p: p.src == a_end and bool(p.flags & harness.TH_FIN)
                r.close("A")
                time.sleep(RETRANSMIT_WAIT)
                harness._expect_eof(r.sock["B"])
                r.close("B")
                if wire.drop is not None:
                    raise RuntimeError("the wire dropped nothing")
                result = r.result("normal")
                assert r.capture is not None
                result["frames"] = list(r.capture.frames)
                result["scenario"] = "lost_" + "_".join(lose)
                return result
            finally:
                r.cleanup()
        finally:
            wire.close()

    result = harness._in_thread(go, harness.RUN_TIMEOUT)
    linktype, recs = records(result)  # type: ignore[arg-type]
    return result, linktype, recs  # type: ignore[return-value]
