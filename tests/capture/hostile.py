"""Hostile captures made from the fixtures, deterministically: what a user (or a fuzzer) may
hand to ``--pcap``. A test tool, like ``pcapwrite.py``.

    for name, data in hostile_captures():      # (file name, bytes), a few thousand of them
        ...

The kinds (the prefix of each name):

* ``cut``       the capture stopped after k packets, for every k (and began late: the last k);
* ``drop``      one packet missing, for every packet;
* ``oneside``   only one end's packets; ``swap``, ``reverse``, ``shuffle``: packets reordered;
* ``dup``       a packet captured twice (at once, or later), the whole capture twice;
* ``flags``     a packet's TCP flags replaced (SYN+FIN, RST+SYN, nothing, everything...);
* ``num``       a packet's seq or ack replaced (0, 2**32-1, off by one, far away);
* ``hdr``       a packet's IP or TCP header cut short or its lengths or data offset lied about;
* ``flip``      bytes of the file flipped at random (seeded);
* ``link``      garbage link types, zero-length and oversized records, huge snaplen, odd times;
* ``ng``        pcapng with odd blocks: unknown, custom, statistics, name resolution, simple
                and obsolete packet blocks, several sections, interfaces named after their use,
                odd timestamp resolutions and offsets, bad option lengths;
* ``mix``       one to four of the packet mutations above at once (seeded);
* ``sim``       every preset of the simulator written as a capture, seen at the sender (lost
                segments in) or the receiver (lost segments out), and cut after every segment;
                and a long connection (many segments to order or draw).
"""

from __future__ import annotations

import io
import random
import struct
from collections.abc import Iterator
from pathlib import Path

from tests.capture import pcapwrite as pw

FIXTURES = Path(__file__).parent / "fixtures"
BASES = ("ipv4_normal.pcap", "retransmission.pcap", "mid_connection.pcap", "ipv6_normal.pcapng",
         "several.pcapng")

Packets = list[tuple[float, bytes]]       # (time, IP packet)


def _ip_packets(name: str) -> Packets:
    """The IP packets of a fixture, read with the test-side reader (dpkt), in file order."""
    import dpkt

    with open(FIXTURES / name, "rb") as fh:
        reader = (dpkt.pcapng.Reader if name.endswith(".pcapng") else dpkt.pcap.Reader)(fh)
        lt = reader.datalink()
        out = []
        for ts, buf in reader:
            ip = pw.ip_of_frame(bytes(buf), lt)
            if ip is not None:
                out.append((float(ts), ip))
        return out


def _pcap(packets: Packets, *, linktype: int = pw.LINKTYPE_RAW, **kw) -> bytes:
    buf = io.BytesIO()
    pw.write_pcap(buf, packets, linktype=linktype, **kw)
    return buf.getvalue()


def _pcapng(packets: Packets, **kw) -> bytes:
    buf = io.BytesIO()
    pw.write_pcapng(buf, packets, **kw)
    return buf.getvalue()


def _tcp_offset(ip: bytes) -> int:
    return (ip[0] & 0x0F) * 4 if ip[0] >> 4 == 4 else 40


def _with_tcp(ip: bytes, *, flags: int | None = None, seq: int | None = None,
              ack: int | None = None) -> bytes:
    pkt = bytearray(ip)
    off = _tcp_offset(ip)
    if seq is not None:
        struct.pack_into(">I", pkt, off + 4, seq % (1 << 32))
    if ack is not None:
        struct.pack_into(">I", pkt, off + 8, ack % (1 << 32))
    if flags is not None:
        pkt[off + 13] = flags & 0xFF
    return bytes(pkt)


def _sender(ip: bytes) -> bytes:
    off = _tcp_offset(ip)
    return (ip[12:16] if ip[0] >> 4 == 4 else ip[8:24]) + ip[off:off + 2]


FLAG_SETS = (0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x17,
             0x18, 0x19, 0x1F, 0x3F, 0xFF)


def hostile_captures(*, flips: int = 40, mixes: int = 150) -> Iterator[tuple[str, bytes]]:
    """Every hostile capture, named ``KIND-FIXTURE-DETAIL.pcap`` (or ``.pcapng``)."""
    for base in BASES:
        stem = base.split(".")[0]
        pk = _ip_packets(base)
        n = len(pk)
        for k in range(1, n + 1):
            yield f"cut-{stem}-first{k}.pcap", _pcap(pk[:k])
            yield f"cut-{stem}-last{k}.pcap", _pcap(pk[n - k:])
        for i in range(n):
            yield f"drop-{stem}-{i + 1}.pcap", _pcap(pk[:i] + pk[i + 1:])
            yield f"dup-{stem}-{i + 1}-now.pcap", _pcap(pk[:i + 1] + [(pk[i][0] + 1e-5, pk[i][1])]
                                                         + pk[i + 1:])
            yield f"dup-{stem}-{i + 1}-later.pcap", _pcap(pk + [(pk[-1][0] + 0.5, pk[i][1])])
            if i + 1 < n:
                yield f"swap-{stem}-{i + 1}.pcap", _pcap(pk[:i] + [pk[i + 1], pk[i]] + pk[i + 2:])
            for fl in FLAG_SETS:
                yield (f"flags-{stem}-{i + 1}-{fl:02x}.pcap",
                       _pcap(pk[:i] + [(pk[i][0], _with_tcp(pk[i][1], flags=fl))] + pk[i + 1:]))
            for what in ("seq", "ack"):
                off = _tcp_offset(pk[i][1]) + (4 if what == "seq" else 8)
                old = struct.unpack_from(">I", pk[i][1], off)[0]
                for label, v in (("0", 0), ("max", (1 << 32) - 1), ("half", 1 << 31),
                                 ("+1", old + 1), ("-1", old - 1), ("far", old + (1 << 30))):
                    mutated = _with_tcp(pk[i][1], **{what: v})
                    yield f"num-{stem}-{i + 1}-{what}{label}.pcap", _pcap(
                        pk[:i] + [(pk[i][0], mutated)] + pk[i + 1:])
            yield from _headers(stem, pk, i)
        senders = []
        for _, ip in pk:
            if _sender(ip) not in senders:
                senders.append(_sender(ip))
        for s, who in enumerate(senders[:4]):
            yield f"oneside-{stem}-{s}.pcap", _pcap([p for p in pk if _sender(p[1]) == who])
        yield f"reverse-{stem}.pcap", _pcap(pk[::-1])
        yield f"reverse-times-{stem}.pcap", _pcap([(t, ip) for (t, _), (_, ip) in
                                                   zip(pk, pk[::-1])])
        yield f"dup-{stem}-all-twice.pcap", _pcap(pk + pk)
        yield f"dup-{stem}-all-twice-later.pcap", _pcap(pk + [(t + 60, ip) for t, ip in pk])
        yield f"dup-{stem}-every.pcap", _pcap([p for p in pk for _ in (0, 1)])
        for seed in range(6):
            rnd = random.Random(f"{base}:{seed}")
            sh = list(pk)
            rnd.shuffle(sh)
            yield f"shuffle-{stem}-{seed}.pcap", _pcap(sh)
        raw = (FIXTURES / base).read_bytes()
        for seed in range(flips):
            rnd = random.Random(f"flip:{base}:{seed}")
            buf = bytearray(raw)
            for _ in range(rnd.randint(1, 6)):
                buf[rnd.randrange(len(buf))] = rnd.randrange(256)
            yield f"flip-{stem}-{seed}.{base.split('.')[1]}", bytes(buf)
        yield from _links(stem, pk)
        yield from _odd_pcapng(stem, pk)
        for seed in range(mixes):
            yield f"mix-{stem}-{seed}.pcap", _pcap(_mix(pk, random.Random(f"mix:{base}:{seed}")))
    yield from _simulated()


def _mix(pk: Packets, rnd: random.Random) -> Packets:
    """One to four mutations of the packets: drop, duplicate, swap, cut, retransmit, one side,
    flags, seq/ack, payload length."""
    pk = list(pk)
    for _ in range(rnd.randint(1, 4)):
        if len(pk) < 2:
            break
        i = rnd.randrange(len(pk))
        t, ip = pk[i]
        op = rnd.choice(("drop", "dup", "swap", "head", "tail", "retx", "oneside", "flags",
                         "seq", "ack", "len"))
        if op == "drop":
            del pk[i]
        elif op == "dup":
            pk.insert(i + 1, (t + rnd.choice((1e-5, 0.3, 5.0)), ip))
        elif op == "swap" and i + 1 < len(pk):
            pk[i], pk[i + 1] = pk[i + 1], pk[i]
        elif op == "head":
            pk = pk[rnd.randint(1, len(pk) - 1):]
        elif op == "tail":
            pk = pk[:rnd.randint(1, len(pk) - 1)]
        elif op == "retx":
            pk.insert(min(len(pk), i + rnd.randint(1, 3)), (t + 0.3, ip))
        elif op == "oneside":
            pk = [p for p in pk if _sender(p[1]) == _sender(ip)]
        elif op == "flags":
            pk[i] = (t, _with_tcp(ip, flags=rnd.choice(FLAG_SETS)))
        elif op in ("seq", "ack"):
            off = _tcp_offset(ip) + (4 if op == "seq" else 8)
            old = struct.unpack_from(">I", ip, off)[0]
            new = rnd.choice((0, (1 << 32) - 1, old + 1, old - 1, old + rnd.randint(2, 5000)))
            pk[i] = (t, _with_tcp(ip, **{op: new}))
        elif op == "len":
            off = _tcp_offset(ip)
            hdr = (ip[off + 12] >> 4) * 4
            pk[i] = (t, pw.rewrite_tcp(ip[:off + hdr] + bytes(rnd.choice((1, 100, 1460))))
                     if ip[0] >> 4 == 6 else _set_payload(ip, rnd.choice((0, 1, 100, 1460))))
    return pk


def _set_payload(ip: bytes, n: int) -> bytes:
    """An IPv4 packet with its TCP payload replaced by n zero bytes (lengths and checksums
    made right)."""
    off = _tcp_offset(ip)
    hdr = (ip[off + 12] >> 4) * 4
    pkt = bytearray(ip[:off + hdr] + bytes(n))
    struct.pack_into(">H", pkt, 2, len(pkt))
    return pw.rewrite_tcp(bytes(pkt))


def _simulated() -> Iterator[tuple[str, bytes]]:
    from quizgen.tcp import PRESETS, preset_script, simulate

    def packets(segments: list[dict], port: int, v6: bool) -> Packets:
        out = []
        for s in segments:
            a, b = ("2001:db8::1", "2001:db8::2") if v6 else ("10.0.0.1", "10.0.0.2")
            src, dst, sp, dp = (a, b, port, 80) if s["from"] == "A" else (b, a, 80, port)
            out.append((1000.0 + s["time"], pw.ip_tcp(src, dst, sp, dp, s["seq"], s["ack"],
                                                      s["flags"], s["len"], ip_id=s["n"])))
        return out

    for name in PRESETS:
        for seed in (1, 2):
            t = simulate(preset_script(name, seed=seed))
            for where in ("sender", "receiver"):
                segs = [s for s in t.segments if where == "sender" or not s["lost"]]
                pk = packets(segs, 40000 + seed, v6=seed == 2)
                for k in range(1, len(pk) + 1):
                    yield f"sim-{name}-{seed}-{where}-first{k}.pcap", _pcap(pk[:k])
    long = simulate(preset_script("normal", seed=3, params={"bytes": [40000, 40000]}))
    pk = packets(long.segments, 41000, v6=False)
    yield "sim-long-normal.pcap", _pcap(pk)
    yield "sim-long-normal-cut.pcap", _pcap(pk[:-1])
    # the story of a normal connection (the same steps), told in many segments: pure ACKs
    # repeated (window updates) add segments but no step
    pk = _ip_packets("ipv4_normal.pcap")
    t, ack = pk[4]
    many = pk[:5] + [(t + 0.06 * k, ack) for k in range(1, 31)] + pk[5:]
    yield "sim-many-acks.pcap", _pcap(many)
    yield "sim-many-acks-cut.pcap", _pcap(many[:-1])


def _headers(stem: str, pk: Packets, i: int) -> Iterator[tuple[str, bytes]]:
    """Packet i with its headers cut short or lying about their lengths."""
    t, ip = pk[i]
    off = _tcp_offset(ip)
    variants: dict[str, bytes] = {
        "ip-cut": ip[:max(1, off - 4)],
        "tcp-cut": ip[:off + 10],
        "tcp-cut-opts": ip[:off + 21],
        "empty": b"",
    }
    v4 = ip[0] >> 4 == 4
    for doff in (0, 1, 4, 15):
        b = bytearray(ip)
        b[off + 12] = (doff << 4) | (b[off + 12] & 0x0F)
        variants[f"doff{doff}"] = bytes(b)
    for total in (0, 1, 20, 0xFFFF):
        b = bytearray(ip)
        struct.pack_into(">H", b, 2 if v4 else 4, total)
        variants[f"iplen{total}"] = bytes(b)
    if v4:
        for ihl in (0, 4, 15):
            b = bytearray(ip)
            b[0] = 0x40 | ihl
            variants[f"ihl{ihl}"] = bytes(b)
        b = bytearray(ip)
        b[6] |= 0x20                                         # more fragments
        variants["fragment"] = bytes(b)
    b = bytearray(ip)
    b[0] = (7 << 4) | (b[0] & 0x0F)
    variants["version7"] = bytes(b)
    if len(ip) > off + 20:                                  # options: garbage, and a bad MSS
        b = bytearray(ip)
        for k in range(off + 20, min(len(b), off + (b[off + 12] >> 4) * 4)):
            b[k] = 0x02 if (k - off) % 2 == 0 else 0xFF
        variants["opts"] = bytes(b)
    for name, pkt in variants.items():
        yield f"hdr-{stem}-{i + 1}-{name}.pcap", _pcap(pk[:i] + [(t, pkt)] + pk[i + 1:])


def _links(stem: str, pk: Packets) -> Iterator[tuple[str, bytes]]:
    """Link types, record lengths, snaplen and times that lie."""
    for lt in (0, 1, 108, 113, 276, 228, 229, 147, 0xFFFF, 0x0FFFFFFF, 0xFFFFFFFF):
        yield f"link-{stem}-lt{lt}.pcap", _pcap(pk, linktype=lt)
    eth = [(t, pw.ethernet(ip)) for t, ip in pk]
    yield f"link-{stem}-eth-as-raw.pcap", _pcap(eth, linktype=pw.LINKTYPE_RAW)
    yield f"link-{stem}-raw-as-eth.pcap", _pcap(pk, linktype=pw.LINKTYPE_ETHERNET)
    yield f"link-{stem}-sll-as-sll2.pcap", _pcap([(t, pw.linux_sll(ip)) for t, ip in pk],
                                                 linktype=pw.LINKTYPE_LINUX_SLL2)
    yield f"link-{stem}-nano-big.pcap", _pcap(pk, nanosecond=True, big_endian=True)
    for snap in (0, 1, 0xFFFFFFFF):
        data = bytearray(_pcap(pk))
        struct.pack_into("<I", data, 16, snap)
        yield f"link-{stem}-snaplen{snap}.pcap", bytes(data)
    # records: a zero-length one, one claiming more than it holds, one claiming less
    base = _pcap(pk[:3])
    zero = struct.pack("<IIII", 1, 0, 0, 0)
    yield f"link-{stem}-zero-record.pcap", base + zero + _pcap(pk[3:])[24:]
    yield f"link-{stem}-zero-records.pcap", base + zero * 50
    yield f"link-{stem}-orig-huge.pcap", base + struct.pack("<IIII", 1, 0, 20, 0xFFFFFFFF) + bytes(20)
    yield f"link-{stem}-caplen-huge.pcap", base + struct.pack("<IIII", 1, 0, 0xFFFFFFF0, 20) + bytes(20)
    yield f"link-{stem}-caplen-16M.pcap", base + struct.pack("<IIII", 1, 0, 1 << 24, 20) + bytes(20)
    # times: all zero, backwards, at the end of time, microseconds out of range
    yield f"link-{stem}-time-zero.pcap", _pcap([(0.0, ip) for _, ip in pk])
    yield f"link-{stem}-time-back.pcap", _pcap([(1000.0 - k, ip) for k, (_, ip) in enumerate(pk)])
    data = bytearray(_pcap(pk))
    pos = 24
    while pos < len(data):
        struct.pack_into("<II", data, pos, 0xFFFFFFFF, 0xFFFFFFFF)
        pos += 16 + struct.unpack_from("<I", data, pos + 8)[0]
    yield f"link-{stem}-time-max.pcap", bytes(data)
    data = bytearray(_pcap(pk))
    data[4:8] = struct.pack("<HH", 0xFFFF, 0xFFFF)              # version 65535.65535
    yield f"link-{stem}-version.pcap", bytes(data)


def _block(order: str, btype: int, body: bytes) -> bytes:
    body = body + b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack(order + "II", btype, n) + body + struct.pack(order + "I", n)


def _odd_pcapng(stem: str, pk: Packets) -> Iterator[tuple[str, bytes]]:
    """pcapng files whose blocks are legal but unusual, or subtly wrong."""
    o = "<"
    shb = _block(o, 0x0A0D0D0A, struct.pack(o + "IHHq", 0x1A2B3C4D, 1, 0, -1))

    def idb(lt: int = pw.LINKTYPE_RAW, opts: bytes = b"") -> bytes:
        return _block(o, 1, struct.pack(o + "HHI", lt, 0, 65535) + opts)

    def opt(code: int, value: bytes, claimed: int | None = None) -> bytes:
        n = len(value) if claimed is None else claimed
        return struct.pack(o + "HH", code, n) + value + b"\0" * (-len(value) % 4)

    def epb(ts: float, ip: bytes, iface: int = 0, opts: bytes = b"", caplen: int | None = None,
            scale: float = 1e6) -> bytes:
        ticks = int(ts * scale)
        c = len(ip) if caplen is None else caplen
        return _block(o, 6, struct.pack(o + "IIIII", iface, ticks >> 32, ticks & 0xFFFFFFFF, c,
                                        len(ip)) + ip + b"\0" * (-len(ip) % 4) + opts)

    def spb(ip: bytes, claimed: int | None = None) -> bytes:
        return _block(o, 3, struct.pack(o + "I", len(ip) if claimed is None else claimed) + ip)

    def pb(ts: float, ip: bytes, iface: int = 0) -> bytes:
        ticks = int(ts * 1e6)
        return _block(o, 2, struct.pack(o + "HHIIII", iface, 0, ticks >> 32, ticks & 0xFFFFFFFF,
                                        len(ip), len(ip)) + ip)

    packets = b"".join(epb(t, ip) for t, ip in pk)
    blocks = {
        "unknown-blocks": shb + idb() + _block(o, 0x0BAD, b"junk" * 3) + packets
        + _block(o, 0x40000BAD, b"") + _block(o, 0x80000BAD, b"\xff" * 7),
        "custom": shb + idb() + _block(o, 0x00000BAD, struct.pack(o + "I", 32473) + b"x") + packets
        + _block(o, 0x40000BAD, struct.pack(o + "I", 32473)),
        "nrb-isb": shb + idb() + _block(o, 4, struct.pack(o + "HH", 1, 8) + bytes(8) + bytes(4))
        + packets + _block(o, 5, struct.pack(o + "III", 0, 0, 0)),
        "spb": shb + idb() + b"".join(spb(ip) for _, ip in pk),
        "spb-lies": shb + idb() + b"".join(spb(ip, claimed=0xFFFFFFF0) for _, ip in pk),
        "spb-first": shb + b"".join(spb(ip) for _, ip in pk[:1]) + idb() + packets,
        "pb": shb + idb() + b"".join(pb(t, ip) for t, ip in pk),
        "no-idb": shb + packets,
        "iface-missing": shb + idb() + b"".join(epb(t, ip, iface=3) for t, ip in pk),
        "iface-late": shb + packets[:len(packets) // 2] + idb() + packets,
        "two-sections": shb + idb() + packets + shb + idb(pw.LINKTYPE_ETHERNET)
        + b"".join(epb(t, pw.ethernet(ip)) for t, ip in pk),
        "section-drops-iface": shb + idb() + packets[:200] + shb + packets,
        "big-endian-section": shb + idb() + packets + _big_section(pk),
        "tsresol-ff": shb + idb(opts=opt(9, b"\xff") + opt(0, b"")) + packets,
        "tsresol-0": shb + idb(opts=opt(9, b"\x00") + opt(0, b"")) + packets,
        "tsresol-80": shb + idb(opts=opt(9, b"\x80") + opt(0, b"")) + packets,
        "tsresol-7f": shb + idb(opts=opt(9, b"\x7f") + opt(0, b"")) + packets,
        "tsresol-empty": shb + idb(opts=opt(9, b"") + opt(0, b"")) + packets,
        "tsoffset-huge": shb + idb(opts=opt(14, struct.pack(o + "q", 1 << 62)) + opt(0, b""))
        + packets,
        "tsoffset-neg": shb + idb(opts=opt(14, struct.pack(o + "q", -(1 << 62))) + opt(0, b""))
        + packets,
        "opt-len-lies": shb + idb(opts=opt(2, b"eth0", claimed=0xFFFF)) + packets,
        "opt-no-end": shb + idb(opts=opt(2, b"eth0")) + packets,
        "epb-opt-lies": shb + idb() + b"".join(epb(t, ip, opts=opt(1, b"hi", claimed=300))
                                              for t, ip in pk),
        "epb-caplen-lies": shb + idb() + b"".join(epb(t, ip, caplen=len(ip) + 400) for t, ip in pk),
        "epb-caplen-zero": shb + idb() + b"".join(epb(t, ip, caplen=0) for t, ip in pk),
        "epb-empty": shb + idb() + _block(o, 6, b""),
        "idb-empty": shb + _block(o, 1, b"") + packets,
        "idb-linktype-odd": shb + idb(lt=0xFFFF) + packets,
        "shb-version-2": _block(o, 0x0A0D0D0A, struct.pack(o + "IHHq", 0x1A2B3C4D, 2, 0, -1))
        + idb() + packets,
        "shb-short": _block(o, 0x0A0D0D0A, struct.pack(o + "I", 0x1A2B3C4D)) + idb() + packets,
        "shb-bad-bom": _block(o, 0x0A0D0D0A, struct.pack(o + "IHHq", 0x12345678, 1, 0, -1))
        + idb() + packets,
        "shb-only": shb,
        "trailer-mismatch": (shb + idb() + packets)[:-4] + b"\x01\x02\x03\x04",
        "zero-padding": shb + idb() + packets + bytes(64),
        "many-idbs": shb + b"".join(idb() for _ in range(2000)) + packets,
    }
    for name, data in blocks.items():
        yield f"ng-{stem}-{name}.pcapng", data


def _big_section(pk: Packets) -> bytes:
    buf = io.BytesIO()
    pw.write_pcapng(buf, [(t + 100, ip) for t, ip in pk], linktype=pw.LINKTYPE_RAW,
                    big_endian=True)
    return buf.getvalue()
