"""Write captures with the standard library only: classic pcap and a minimal pcapng.

A test tool, not part of quizgen (which only reads captures). Used by the tests (real loopback captures are written out and read back) and by the benchmark
(a real connection copied 10,000 times with other ports and ISNs). Also the small helpers to put
an IP packet into a link-layer frame and to rewrite a TCP header (ports, seq, ack) with correct
checksums.

    write_pcap("out.pcap", [(time, frame), ...], linktype=LINKTYPE_ETHERNET)
    write_pcapng("out.pcapng", [(time, frame), ...], linktype=LINKTYPE_RAW)
"""

from __future__ import annotations

import array
import io
import socket
import struct
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276

ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86DD
SNAPLEN = 262144

Record = tuple  # (time in seconds, frame bytes) or, for pcapng, (time, frame, interface)


def _open(target: str | Path | BinaryIO):
    if isinstance(target, (str, Path)):
        return open(target, "wb"), True
    return target, False


# ---------------------------------------------------------------------- pcap
def write_pcap(target: str | Path | BinaryIO, records: Iterable[Record], *,
               linktype: int = LINKTYPE_ETHERNET, nanosecond: bool = False,
               big_endian: bool = False, snaplen: int = SNAPLEN) -> None:
    """Classic libpcap format (version 2.4), microsecond or nanosecond timestamps."""
    order = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nanosecond else 0xA1B2C3D4
    scale = 1_000_000_000 if nanosecond else 1_000_000
    f, close = _open(target)
    try:
        out = io.BytesIO()
        out.write(struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))
        rec = struct.Struct(order + "IIII")
        for r in records:
            ts, frame = r[0], r[1]
            sec, frac = _split_time(ts, scale)
            caplen = min(len(frame), snaplen)
            out.write(rec.pack(sec, frac, caplen, len(frame)))
            out.write(frame[:caplen])
        f.write(out.getvalue())
    finally:
        if close:
            f.close()


def _split_time(ts: float, scale: int) -> tuple[int, int]:
    ticks = round(ts * scale)
    return ticks // scale, ticks % scale


# ---------------------------------------------------------------------- pcapng
def write_pcapng(target: str | Path | BinaryIO, records: Iterable[Record], *,
                 linktype: int | Sequence[int] = LINKTYPE_ETHERNET, nanosecond: bool = False,
                 big_endian: bool = False, snaplen: int = SNAPLEN,
                 if_names: Sequence[str] | None = None) -> None:
    """pcapng: one section header, one interface description per link type in ``linktype``
    (a record's third item picks the interface, default 0), and an enhanced packet block per
    record. ``if_tsresol`` says micro- or nanoseconds."""
    order = ">" if big_endian else "<"
    linktypes = [linktype] if isinstance(linktype, int) else list(linktype)
    scale = 1_000_000_000 if nanosecond else 1_000_000
    f, close = _open(target)
    try:
        out = io.BytesIO()
        out.write(_block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1)
                         + _options(order, [(4, b"quizgen pcapwrite")])))
        for k, lt in enumerate(linktypes):
            opts = [(9, bytes([9 if nanosecond else 6]))]
            if if_names and k < len(if_names):
                opts.insert(0, (2, if_names[k].encode()))
            out.write(_block(order, 1, struct.pack(order + "HHI", lt, 0, snaplen)
                             + _options(order, opts)))
        for r in records:
            ts, frame = r[0], r[1]
            iface = r[2] if len(r) > 2 else 0
            ticks = round(ts * scale)
            caplen = min(len(frame), snaplen)
            body = struct.pack(order + "IIIII", iface, ticks >> 32, ticks & 0xFFFFFFFF, caplen,
                               len(frame)) + _pad(frame[:caplen])
            out.write(_block(order, 6, body))
        f.write(out.getvalue())
    finally:
        if close:
            f.close()


def _pad(b: bytes) -> bytes:
    return b + b"\0" * (-len(b) % 4)


def _options(order: str, opts: list[tuple[int, bytes]]) -> bytes:
    if not opts:
        return b""
    return b"".join(struct.pack(order + "HH", code, len(v)) + _pad(v) for code, v in opts) \
        + struct.pack(order + "HH", 0, 0)


def _block(order: str, btype: int, body: bytes) -> bytes:
    n = 12 + len(body)
    return struct.pack(order + "II", btype, n) + body + struct.pack(order + "I", n)


# ---------------------------------------------------------------------- frames
def ethernet(ip_packet: bytes, src: bytes = b"\0" * 6, dst: bytes = b"\0" * 6) -> bytes:
    """An Ethernet II frame around an IPv4 or IPv6 packet (zero MACs: Linux loopback's)."""
    return dst + src + struct.pack(">H", ETH_P_IPV6 if ip_packet[0] >> 4 == 6 else ETH_P_IP) + ip_packet


def linux_sll(ip_packet: bytes, outgoing: bool = True) -> bytes:
    """A Linux cooked capture (v1) header: what ``tcpdump -i any`` writes."""
    proto = ETH_P_IPV6 if ip_packet[0] >> 4 == 6 else ETH_P_IP
    return struct.pack(">HHH8sH", 4 if outgoing else 0, 772, 6, b"\0" * 8, proto) + ip_packet


def linux_sll2(ip_packet: bytes, outgoing: bool = True, ifindex: int = 1) -> bytes:
    """A Linux cooked capture v2 header."""
    proto = ETH_P_IPV6 if ip_packet[0] >> 4 == 6 else ETH_P_IP
    return struct.pack(">HHiHBB8s", proto, 0, ifindex, 772, 4 if outgoing else 0, 6,
                       b"\0" * 8) + ip_packet


def null_loopback(ip_packet: bytes, *, network_order: bool = False) -> bytes:
    """BSD loopback: DLT_NULL (family in host order, here little-endian) or DLT_LOOP (network
    order). IPv6 uses family 24, as NetBSD/OpenBSD do; 28 and 30 also exist (FreeBSD, macOS)."""
    family = 24 if ip_packet[0] >> 4 == 6 else 2
    return struct.pack(">I" if network_order else "<I", family) + ip_packet


def ip_of_frame(frame: bytes, linktype: int) -> bytes | None:
    """The IP packet inside a frame of an Ethernet or raw-IP capture (None otherwise)."""
    if linktype == LINKTYPE_ETHERNET:
        if len(frame) < 14 or struct.unpack_from(">H", frame, 12)[0] not in (ETH_P_IP, ETH_P_IPV6):
            return None
        return frame[14:]
    if linktype == LINKTYPE_RAW:
        return frame
    raise ValueError(f"link type {linktype} is not handled here")


# ---------------------------------------------------------------------- IP and TCP
def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(array.array("H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    total = ~total & 0xFFFF
    return socket.ntohs(total) if sys.byteorder == "little" else total


def _tcp_checksum(ip_packet: bytes, tcp_off: int, tcp_len: int) -> int:
    v = ip_packet[0] >> 4
    seg = bytearray(ip_packet[tcp_off:tcp_off + tcp_len])
    seg[16:18] = b"\0\0"
    if v == 4:
        pseudo = ip_packet[12:20] + struct.pack(">BBH", 0, 6, tcp_len)
    else:
        pseudo = ip_packet[8:40] + struct.pack(">IxxxB", tcp_len, 6)
    return checksum(pseudo + bytes(seg))


def ip_tcp(src: str, dst: str, sport: int, dport: int, seq: int, ack: int | None,
           flags: str | Sequence[str], payload: bytes | int = b"", *, window: int = 65535,
           ip_id: int = 0, options: bytes = b"") -> bytes:
    """An IPv4 or IPv6 (by the addresses) packet carrying one TCP segment, checksums right.
    ``flags`` names the flags ("SYN,ACK" or ["SYN", "ACK"]); ``payload`` may be a byte count."""
    bits = {"FIN": 1, "SYN": 2, "RST": 4, "PSH": 8, "ACK": 16, "URG": 32, "ECE": 64, "CWR": 128}
    names = flags.split(",") if isinstance(flags, str) else list(flags)
    fl = sum(bits[n.strip()] for n in names if n.strip())
    if isinstance(payload, int):
        payload = bytes(payload)
    options = _pad(options)
    doff = (20 + len(options)) // 4
    tcp = struct.pack(">HHIIHHHH", sport, dport, seq % (1 << 32), (ack or 0) % (1 << 32),
                      (doff << 12) | fl, window, 0, 0) + options + payload
    if ":" in src:
        hdr = struct.pack(">IHBB", 6 << 28, len(tcp), 6, 64) + socket.inet_pton(
            socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
        pkt = bytearray(hdr + tcp)
        off = 40
    else:
        ip4 = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ip_id & 0xFFFF,
                                    0x4000, 64, 6, 0, socket.inet_aton(src), socket.inet_aton(dst)))
        ip4[10:12] = struct.pack(">H", checksum(bytes(ip4)))
        pkt = bytearray(bytes(ip4) + tcp)
        off = 20
    pkt[off + 16:off + 18] = struct.pack(">H", _tcp_checksum(bytes(pkt), off, len(tcp)))
    return bytes(pkt)


def rewrite_tcp(ip_packet: bytes, *, sport: int | None = None, dport: int | None = None,
                seq_add: int = 0, ack_add: int = 0, ip_id_add: int = 0) -> bytes:
    """A copy of an IPv4/IPv6 TCP packet with other ports, seq and ack shifted (mod 2**32),
    and both checksums recomputed. The ACK field is shifted only when the ACK flag is set."""
    pkt = bytearray(ip_packet)
    v = pkt[0] >> 4
    if v == 4:
        off = (pkt[0] & 0x0F) * 4
        total = struct.unpack_from(">H", pkt, 2)[0] or len(pkt)
        if ip_id_add:
            ipid = (struct.unpack_from(">H", pkt, 4)[0] + ip_id_add) & 0xFFFF
            struct.pack_into(">H", pkt, 4, ipid)
        tcp_len = total - off
    elif v == 6:
        off = 40
        tcp_len = struct.unpack_from(">H", pkt, 4)[0]
        if pkt[6] != 6:
            raise ValueError("IPv6 extension headers are not handled")
    else:
        raise ValueError("not an IP packet")
    sp, dp, seq, ack, offflags = struct.unpack_from(">HHIIH", pkt, off)
    struct.pack_into(">HHI", pkt, off, sport if sport is not None else sp,
                     dport if dport is not None else dp, (seq + seq_add) % (1 << 32))
    if offflags & 0x10:
        struct.pack_into(">I", pkt, off + 8, (ack + ack_add) % (1 << 32))
    if v == 4:
        pkt[10:12] = b"\0\0"
        pkt[10:12] = struct.pack(">H", checksum(bytes(pkt[:off])))
    struct.pack_into(">H", pkt, off + 16, _tcp_checksum(bytes(pkt), off, tcp_len))
    return bytes(pkt)
