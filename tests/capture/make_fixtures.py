"""Make the checked-in capture fixtures from real connections (needs root).

    python -m tests.capture.make_fixtures

Every packet in them was captured off the Linux stack by tests/kernel/harness.py (AF_PACKET on
``lo``, or on the two TUN devices of its netns wire) and written with the tests' own
writer, tests/capture/pcapwrite.py. Beside them, ``fixtures/expected.json`` keeps what the harness knew of each run
(steps, options, ISNs), so the tests can replay it in the simulator without root.

* ipv4_normal.pcap      -- 127.0.0.1, open, data both ways, normal close (pcap, Ethernet)
* ipv6_normal.pcapng    -- the same over ::1 (pcapng, Ethernet)
* retransmission.pcap   -- the TUN wire drops A's data segment and, later, A's FIN; the real
                           kernel retransmits both (pcap, raw IP)
* mid_connection.pcap   -- a real 127.0.0.1 capture with its handshake cut off
* several.pcapng        -- five connections: server closes first; refused; abort; a capture
                           that ends before the close (cut); and a ::1 merged close on a second
                           interface of link type raw IP (pcapng with two interfaces)
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.capture import live
from tests.capture.pcapwrite import (
    LINKTYPE_ETHERNET,
    LINKTYPE_RAW,
    ip_of_frame,
    write_pcap,
    write_pcapng,
)

HERE = Path(__file__).parent / "fixtures"


def _meta(result: dict, **extra) -> dict:
    return {"scenario": result["scenario"], "steps": result["steps"],
            "options": result["options"], "isn": result["isn"], **extra}


def main() -> None:
    live.require()
    HERE.mkdir(exist_ok=True)
    expected: dict[str, object] = {}

    r, lt, recs = live.capture("normal")
    write_pcap(HERE / "ipv4_normal.pcap", recs, linktype=lt)
    expected["ipv4_normal.pcap"] = _meta(r)
    # the same connection from its 4th segment on: the handshake is not in the capture
    write_pcap(HERE / "mid_connection.pcap", recs[3:], linktype=lt)
    expected["mid_connection.pcap"] = _meta(r, cut_from=3)

    r, lt, recs = live.capture("normal", ipv6=True)
    write_pcapng(HERE / "ipv6_normal.pcapng", recs, linktype=lt, if_names=["lo"])
    expected["ipv6_normal.pcapng"] = _meta(r)

    r, lt, recs = live.capture_lossy(("data", "fin"))
    write_pcap(HERE / "retransmission.pcap", recs, linktype=lt)
    expected["retransmission.pcap"] = _meta(r)

    several, meta = [], []
    for name, cut in (("server_closes_first", None), ("refused", None), ("abort", None),
                      ("normal", 7)):
        r, lt, recs = live.capture(name)
        assert lt == LINKTYPE_ETHERNET
        recs = recs[:cut] if cut else recs
        several += [(ts, frame, 0) for ts, frame in recs]
        meta.append(_meta(r, cut_after=cut))
    r, lt, recs = live.capture("merged_close", ipv6=True)
    # on interface 1, as raw IPv6 packets
    several += [(ts, ip_of_frame(frame, lt), 1) for ts, frame in recs]
    meta.append(_meta(r, ipv6=True))
    write_pcapng(HERE / "several.pcapng", several, linktype=[LINKTYPE_ETHERNET, LINKTYPE_RAW],
                 if_names=["lo", "raw"])
    expected["several.pcapng"] = meta

    (HERE / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    for p in sorted(HERE.iterdir()):
        print(f"{p.stat().st_size:>6}  {p.name}")


if __name__ == "__main__":
    main()
