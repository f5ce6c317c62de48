"""How fast quizgen.capture reads a big capture and turns its connections into traces.

    python benchmarks/bench_pcap.py             # 10,000 connections, pcap and pcapng
    python benchmarks/bench_pcap.py --json      # the same figures as JSON
    python benchmarks/bench_pcap.py --connections 1000   # a quicker look

The capture is synthesised from one *real* connection: tests/capture/fixtures/ipv4_normal.pcap,
captured off Linux on 127.0.0.1 (11 segments: handshake, 100 bytes one way, 200 the other,
normal close). It is copied N times with the tests' writer
(tests/capture/pcapwrite.py), each copy with other ports and other
ISNs (``pcapwrite.rewrite_tcp``, checksums recomputed) and shifted in time so that 16
connections are open at once (their packets interleave, as on a busy link). Written once as
pcap (Ethernet) and once as pcapng.

Measured, on one core:

* read + split: ``read_streams`` (file -> dpkt decoding -> TCP segments -> streams), i.e.
  what ``--list-streams`` costs; connections per second and packets per second;
* traces: one trace per connection (sequence analysis, the two Endpoints driven, values);
* trace_from_pcap for the last connection of the file: what one ``quizgen trace --pcap F
  --stream N`` costs (reading the whole file included).

Best of ``--rounds`` rounds. Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quizgen.capture import read_streams, trace_from_pcap
from quizgen.capture.infer import stream_trace
from tests.capture import pcapwrite as pw

SOURCE = ROOT / "tests" / "capture" / "fixtures" / "ipv4_normal.pcap"
OPEN_AT_ONCE = 16


def _source_packets() -> list[tuple[float, bytes]]:
    """The real connection's IP packets, read with dpkt (independently of our reader)."""
    import dpkt
    with open(SOURCE, "rb") as f:
        r = dpkt.pcap.Reader(f)
        lt = r.datalink()
        return [(float(ts), pw.ip_of_frame(bytes(buf), lt)) for ts, buf in r]


def synthesise(n: int) -> list[tuple[float, bytes]]:
    base = _source_packets()
    t0 = base[0][0]
    span = base[-1][0] - t0
    a_port = base[0][1][20:22]
    out = []
    for k in range(n):
        sport, dport = 10000 + k % 50000, 80 + k // 50000
        da, db = (k * 2654435761) % 2**32, (k * 40503 + 12345) % 2**32
        shift = 1_000_000.0 + k * span / OPEN_AT_ONCE
        for ts, ip in base:
            from_a = ip[20:22] == a_port
            out.append((ts - t0 + shift, pw.rewrite_tcp(
                ip, sport=sport if from_a else dport, dport=dport if from_a else sport,
                seq_add=da if from_a else db, ack_add=db if from_a else da, ip_id_add=k)))
    out.sort(key=lambda r: r[0])
    return out


def _best(fn, rounds: int) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(rounds):
        gc.collect()
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def run(n: int, rounds: int) -> dict:
    t0 = time.perf_counter()
    packets = synthesise(n)
    build_s = time.perf_counter() - t0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("pcap", "pcapng"):
            path = Path(tmp) / f"bench.{fmt}"
            recs = [(ts, pw.ethernet(ip)) for ts, ip in packets]
            (pw.write_pcap if fmt == "pcap" else pw.write_pcapng)(path, recs)
            size = path.stat().st_size
            read_s, (cap, streams) = _best(lambda p=path: read_streams(p), rounds)
            assert len(streams) == n, f"{len(streams)} streams, expected {n}"
            trace_s, traces = _best(lambda c=cap, ss=streams: [stream_trace(s, c) for s in ss],
                                    rounds)
            bad = sum(1 for t in traces if t["unknown"] or len(t["events"]) != 11)
            one_s, _ = _best(lambda p=path: trace_from_pcap(p, stream=n - 1), rounds)
            rows.append({
                "format": fmt, "connections": n, "packets": len(packets), "bytes": size,
                "read_split_s": round(read_s, 3),
                "read_connections_per_s": round(n / read_s),
                "read_packets_per_s": round(len(packets) / read_s),
                "traces_s": round(trace_s, 3),
                "traces_per_s": round(n / trace_s),
                "both_connections_per_s": round(n / (read_s + trace_s)),
                "one_stream_s": round(one_s, 3),
                "traces_not_like_the_source": bad,
            })
    return {"python": platform.python_version(), "machine": platform.machine(),
            "synthesise_s": round(build_s, 2), "rounds": rounds, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--connections", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    result = run(args.connections, args.rounds)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"quizgen.capture on Python {result['python']} ({result['machine']}), best of "
          f"{result['rounds']}; capture synthesised in {result['synthesise_s']} s")
    for r in result["rows"]:
        print(f"\n{r['format']}: {r['connections']:,} connections, {r['packets']:,} packets, "
              f"{r['bytes'] / 1e6:.1f} MB")
        print(f"  read + split into streams  {r['read_split_s']:>7.3f} s  "
              f"{r['read_connections_per_s']:>8,} connections/s  {r['read_packets_per_s']:>9,} packets/s")
        print(f"  a trace for every stream   {r['traces_s']:>7.3f} s  {r['traces_per_s']:>8,} connections/s")
        print(f"  both                                  {r['both_connections_per_s']:>8,} connections/s")
        print(f"  trace_from_pcap(stream=N-1) {r['one_stream_s']:>6.3f} s  (one --pcap call, whole file read)")
        print(f"  traces unlike the source connection: {r['traces_not_like_the_source']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
