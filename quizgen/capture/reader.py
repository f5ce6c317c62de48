"""Read the TCP segments out of a pcap or pcapng file.

Decoding is done by ``dpkt``: its pcap and pcapng header and block classes, and its link-layer,
IPv4, IPv6 and TCP decoders. The loop over records/blocks is ours, for three reasons that are
all limitations of ``dpkt.pcap.Reader`` / ``dpkt.pcapng.Reader``:

* a file cut short in the middle of a record must be reported (dpkt returns the short read);
* a pcapng file may describe several interfaces, each with its own link type and timestamp
  resolution (dpkt keeps only the first interface's);
* a bad block length must not make the reader skip or swallow the rest of the file.

Everything that comes out is plain data (:class:`Packet`); nothing from dpkt leaks further.
A malformed *frame* inside a well-formed file is skipped and counted (like Wireshark's
"malformed packet"); a malformed *file* raises :class:`quizgen.errors.QuizgenError`.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path

import dpkt
from dpkt import ethernet, ip, ip6, loopback, pcap, pcapng, sll, sll2, tcp

from quizgen.errors import QuizgenError
from quizgen.files import read_input

# Link types as written in files (https://www.tcpdump.org/linktypes.html).
LINKTYPE_NULL = 0          # BSD loopback, family in the host's byte order
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101         # raw IPv4 or IPv6
LINKTYPE_LOOP = 108        # OpenBSD loopback, family in network byte order
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

LINKTYPE_NAMES = {
    LINKTYPE_NULL: "loopback (DLT_NULL)", LINKTYPE_ETHERNET: "Ethernet", LINKTYPE_RAW: "raw IP",
    LINKTYPE_LOOP: "loopback (DLT_LOOP)", LINKTYPE_LINUX_SLL: "Linux cooked capture (SLL)",
    LINKTYPE_IPV4: "raw IPv4", LINKTYPE_IPV6: "raw IPv6",
    LINKTYPE_LINUX_SLL2: "Linux cooked capture v2 (SLL2)",
}

_PCAP_MAGICS = {
    # magic as read big-endian -> (byte order of the file, nanosecond timestamps)
    0xA1B2C3D4: (">", False), 0xD4C3B2A1: ("<", False),
    0xA1B23C4D: (">", True), 0x4D3CB2A1: ("<", True),
}
_PCAPNG_SHB = 0x0A0D0D0A
_MAX_SNAP = 1 << 24        # no sane record is bigger; a larger length means a corrupt file
#: The largest capture read: far above any connection a question is asked about, so a wrong
#: path (a disk image, a whole day's capture) is a clear error rather than minutes of work.
MAX_CAPTURE = 256 << 20
#: Bounds on what a capture may hold, so that reading one takes seconds, not minutes, and
#: memory stays bounded (a TCP segment read costs under 1 KB): records (frames, or pcapng
#: blocks of any kind) and TCP segments kept. A connection to ask questions about is a few
#: dozen segments; the benchmark's 10,000 connections are 110,000. (One connection's trace
#: is bounded too: ``MAX_STREAM_SEGMENTS`` in ``quizgen.capture``.)
MAX_FRAMES = 2_000_000
MAX_SEGMENTS = 200_000
_CUT_IT = "cut the connection out first (for example: tcpdump -r IN -w OUT 'tcp port N')"

#: What dpkt raises on malformed bytes. Decoding a frame is the one place where arbitrary input
#: meets a third-party decoder, so every failure of it is turned into "malformed frame".
_DECODE_ERRORS = (dpkt.Error, struct.error, ValueError, IndexError, KeyError, TypeError,
                  AttributeError, OverflowError, RecursionError, UnicodeDecodeError)

TH_FIN, TH_SYN, TH_RST, TH_PSH, TH_ACK, TH_URG, TH_ECE, TH_CWR = (
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80)


@dataclass(slots=True)
class Packet:
    """One TCP segment as captured."""

    frame: int                  # 1-based frame number in the file, as Wireshark counts
    time: float                 # capture time, seconds since the epoch
    src: tuple[str, int]        # (address, port)
    dst: tuple[str, int]
    seq: int
    ack: int
    flags: int                  # TCP flag bits (FIN 0x01 ... CWR 0x80)
    window: int                 # as in the header (unscaled)
    length: int                 # payload bytes, from the IP length (not the captured length)
    mss: int | None             # the MSS option, if the segment carries one
    fingerprint: tuple          # what a second capture of the very same packet shares


@dataclass
class CaptureFile:
    path: str
    format: str                          # "pcap" or "pcapng"
    linktypes: list[int]
    frames: int = 0                      # records in the file
    packets: list[Packet] = field(default_factory=list)   # the TCP ones, in file order
    not_tcp: int = 0                     # decoded, but not (unfragmented) TCP
    malformed: int = 0                   # could not be decoded
    unsupported_link: int = 0            # of a link type we do not decode


def read_capture(path: str | Path, *, limit: int = MAX_CAPTURE) -> CaptureFile:
    """Every TCP segment in the file at ``path``, in file order. Only a regular file of at
    most ``limit`` bytes is read: a folder, a FIFO or a device (/dev/zero) is refused before
    it is opened, so nothing waits for input that never ends or fills the memory."""
    try:
        data = read_input(path, "capture", limit=limit)
    except ValueError as exc:                       # a NUL byte in the path
        raise QuizgenError(f"cannot read the capture: {exc}", file=repr(str(path))) from None
    return parse_capture(data, str(path))


def parse_capture(data: bytes, name: str = "<capture>") -> CaptureFile:
    """Like :func:`read_capture`, for a capture already in memory."""
    if len(data) < 4:
        raise QuizgenError("not a pcap or pcapng capture: the file is too short"
                           if data else "not a pcap or pcapng capture: the file is empty", file=name)
    magic = struct.unpack_from(">I", data)[0]
    if magic in _PCAP_MAGICS:
        return _read_pcap(data, name, *_PCAP_MAGICS[magic])
    if magic == _PCAPNG_SHB:
        return _read_pcapng(data, name)
    hint = ""
    if data[:2] == b"\x1f\x8b":
        hint = " (it is gzip-compressed: decompress it first)"
    elif data[:1] in (b"{", b"["):
        hint = " (it looks like JSON: give a trace with the other options)"
    raise QuizgenError(f"not a pcap or pcapng capture{hint}", file=name)


# ---------------------------------------------------------------------- pcap
def _read_pcap(data: bytes, name: str, order: str, nano: bool) -> CaptureFile:
    fh_cls = pcap.LEFileHdr if order == "<" else pcap.FileHdr
    ph_cls = pcap.LEPktHdr if order == "<" else pcap.PktHdr
    if len(data) < fh_cls.__hdr_len__:
        raise QuizgenError("the pcap file header is cut short", file=name)
    fh = fh_cls(data[:fh_cls.__hdr_len__])
    linktype = fh.linktype & 0x0FFFFFFF      # the upper bits may carry FCS information
    cap = CaptureFile(name, "pcap", [linktype])
    divisor = 1e9 if nano else 1e6
    pos, hlen, n = fh_cls.__hdr_len__, ph_cls.__hdr_len__, 0
    end = len(data)
    while pos < end:
        n += 1
        if pos + hlen > end:
            raise QuizgenError(f"the capture is cut short in the header of frame {n} "
                               f"(byte {pos})", file=name)
        ph = ph_cls(data[pos:pos + hlen])
        if ph.caplen > _MAX_SNAP:
            raise QuizgenError(f"frame {n} claims {ph.caplen} bytes: the file is corrupt "
                               f"(byte {pos})", file=name)
        start = pos + hlen
        pos = start + ph.caplen
        if pos > end:
            raise QuizgenError(f"the capture is cut short in the middle of frame {n} "
                               f"(byte {start})", file=name)
        _take(cap, n, ph.tv_sec + ph.tv_usec / divisor, linktype, data[start:pos])
    cap.frames = n
    return cap


# ---------------------------------------------------------------------- pcapng
@dataclass
class _Interface:
    linktype: int
    divisor: float
    offset: int


def _read_pcapng(data: bytes, name: str) -> CaptureFile:
    cap = CaptureFile(name, "pcapng", [])
    order = None
    interfaces: list[_Interface] = []
    pos, n, end, blocks = 0, 0, len(data), 0
    while pos < end:
        blocks += 1
        if blocks > MAX_FRAMES:
            raise QuizgenError(f"more than {MAX_FRAMES:,} blocks (byte {pos}): too many to read; "
                               f"{_CUT_IT}", file=name)
        if pos + 12 > end:
            raise QuizgenError(f"the capture is cut short in a block header (byte {pos})", file=name)
        btype = struct.unpack_from(">I", data, pos)[0]
        if btype == _PCAPNG_SHB:          # a new section: its own byte order and interfaces
            bom = data[pos + 8:pos + 12]
            if bom == b"\x1a\x2b\x3c\x4d":
                order = ">"
            elif bom == b"\x4d\x3c\x2b\x1a":
                order = "<"
            else:
                raise QuizgenError(f"bad byte-order magic in the section header (byte {pos})",
                                   file=name)
            interfaces = []
        elif order is None:
            raise QuizgenError("a pcapng file must start with a section header block", file=name)
        btype, blen = struct.unpack_from(order + "II", data, pos)
        frame = btype in (pcapng.PCAPNG_BT_EPB, pcapng.PCAPNG_BT_PB, pcapng.PCAPNG_BT_SPB)
        what = f"frame {n + 1}" if frame else "block"        # for messages
        if blen < 12 or blen % 4 or blen > _MAX_SNAP + 64:
            raise QuizgenError(f"bad block length {blen}{' of ' + what if frame else ''} "
                               f"(byte {pos}): the file is corrupt", file=name)
        if pos + blen > end:
            raise QuizgenError(f"the capture is cut short in the middle of "
                               f"{what if frame else 'a block'} (byte {pos})", file=name)
        block = data[pos:pos + blen]
        where = pos
        pos += blen
        try:
            if btype == _PCAPNG_SHB:
                shb = (pcapng.SectionHeaderBlockLE if order == "<" else pcapng.SectionHeaderBlock)(block)
                if shb.v_major != pcapng.PCAPNG_VERSION_MAJOR:
                    raise QuizgenError(f"pcapng version {shb.v_major}.{shb.v_minor} is not "
                                       f"supported", file=name)
            elif btype == pcapng.PCAPNG_BT_IDB:
                idb = (pcapng.InterfaceDescriptionBlockLE if order == "<"
                       else pcapng.InterfaceDescriptionBlock)(block)
                interfaces.append(_interface(idb, order))
                if idb.linktype not in cap.linktypes:
                    cap.linktypes.append(idb.linktype)
            elif btype in (pcapng.PCAPNG_BT_EPB, pcapng.PCAPNG_BT_PB):
                n += 1
                if btype == pcapng.PCAPNG_BT_EPB:
                    blk = (pcapng.EnhancedPacketBlockLE if order == "<"
                           else pcapng.EnhancedPacketBlock)(block)
                else:
                    blk = (pcapng.PacketBlockLE if order == "<" else pcapng.PacketBlock)(block)
                if blk.iface_id >= len(interfaces):
                    raise QuizgenError(f"frame {n} names interface {blk.iface_id}, which the "
                                       f"file does not describe (byte {where})", file=name)
                iface = interfaces[blk.iface_id]
                ts = iface.offset + ((blk.ts_high << 32) | blk.ts_low) / iface.divisor
                _take(cap, n, ts, iface.linktype, blk.pkt_data)
            elif btype == pcapng.PCAPNG_BT_SPB:
                n += 1                       # no timestamp; interface 0
                if not interfaces:
                    raise QuizgenError(f"frame {n} comes before any interface is described "
                                       f"(byte {where})", file=name)
                caplen = struct.unpack_from(order + "I", block, 8)[0]
                _take(cap, n, 0.0, interfaces[0].linktype, block[12:12 + min(caplen, blen - 16)])
            # every other block (name resolution, statistics, custom...) carries no packet
        except QuizgenError:
            raise
        except _DECODE_ERRORS as exc:
            raise QuizgenError(f"malformed {what} at byte {where}: "
                               f"{exc or type(exc).__name__}", file=name) from None
    if order is None:
        raise QuizgenError("not a pcapng capture", file=name)
    cap.frames = n
    return cap


def _interface(idb, order: str) -> _Interface:
    divisor, offset = 1e6, 0
    for opt in idb.opts:
        if opt.code == pcapng.PCAPNG_OPT_IF_TSRESOL and len(opt.data) >= 1:
            v = opt.data[0]
            divisor = float(2 ** (v & 0x7F) if v & 0x80 else 10 ** (v & 0x7F))
        elif opt.code == pcapng.PCAPNG_OPT_IF_TSOFFSET and len(opt.data) >= 8:
            offset = struct.unpack(order + "q", opt.data[:8])[0]
    return _Interface(idb.linktype, divisor or 1e6, offset)


# ---------------------------------------------------------------------- frames
def _take(cap: CaptureFile, n: int, ts: float, linktype: int, frame: bytes) -> None:
    """Decode one frame and keep it if it is a TCP segment."""
    if n > MAX_FRAMES:
        raise QuizgenError(f"more than {MAX_FRAMES:,} frames: too many to read; {_CUT_IT}",
                           file=cap.path)
    try:
        net = _network_layer(linktype, frame)
    except _DECODE_ERRORS:
        cap.malformed += 1
        return
    if net is _UNSUPPORTED:
        cap.unsupported_link += 1
        return
    try:
        pkt = _tcp_packet(n, float(ts), net)
    except _DECODE_ERRORS:
        cap.malformed += 1
        return
    if pkt is None:
        cap.not_tcp += 1
        return
    cap.packets.append(pkt)
    if len(cap.packets) > MAX_SEGMENTS:
        raise QuizgenError(f"more than {MAX_SEGMENTS:,} TCP segments (frame {n}): too many to "
                           f"read; {_CUT_IT}", file=cap.path)


_UNSUPPORTED = object()


def _network_layer(linktype: int, frame: bytes):
    """The dpkt IP or IP6 object in ``frame``, None if it carries neither."""
    if linktype == LINKTYPE_ETHERNET:
        inner = ethernet.Ethernet(frame).data
    elif linktype == LINKTYPE_LINUX_SLL:
        inner = sll.SLL(frame).data
    elif linktype == LINKTYPE_LINUX_SLL2:
        inner = sll2.SLL2(frame).data
    elif linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        inner = loopback.Loopback(frame).data
    elif linktype in (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6):
        if not frame:
            return None
        version = frame[0] >> 4
        inner = ip.IP(frame) if version == 4 else ip6.IP6(frame) if version == 6 else None
    else:
        return _UNSUPPORTED
    return inner if isinstance(inner, (ip.IP, ip6.IP6)) else None


def _tcp_packet(n: int, ts: float, net) -> Packet | None:
    if isinstance(net, ip.IP):
        if net.p != 6 or net.offset or net.mf:          # not TCP, or a fragment
            return None
        seg = net.data
        if not isinstance(seg, tcp.TCP):
            return None
        hdr = net.hl * 4
        ip_len = net.len if net.len else hdr + len(bytes(seg))   # 0: segmentation offload
        seg_bytes = ip_len - hdr
        src, dst = socket.inet_ntop(socket.AF_INET, net.src), socket.inet_ntop(socket.AF_INET, net.dst)
        ip_id = net.id
    elif isinstance(net, ip6.IP6):
        if getattr(net, "p", net.nxt) != 6 or 44 in net.extension_hdrs:   # 44: a fragment
            return None
        seg = net.data
        if not isinstance(seg, tcp.TCP):
            return None
        ext = sum(h.length for h in net.all_extension_headers)
        seg_bytes = (net.plen - ext) if net.plen else len(bytes(seg))   # 0: jumbogram/offload
        src, dst = socket.inet_ntop(socket.AF_INET6, net.src), socket.inet_ntop(socket.AF_INET6, net.dst)
        ip_id = None
    else:
        return None
    doff = seg.off * 4
    if doff < 20:
        raise ValueError("TCP data offset below 20 bytes")
    length = max(0, seg_bytes - doff)
    mss = None
    if seg.opts and seg.flags & TH_SYN:
        for opt in tcp.parse_opts(seg.opts):
            if opt and opt[0] == tcp.TCP_OPT_MSS and len(opt[1]) == 2:
                mss = struct.unpack(">H", opt[1])[0]
    fingerprint = (ip_id, seg.sum, seg.seq, seg.ack, seg.flags, seg.win, bytes(seg.opts), length,
                   hash(bytes(seg.data)))
    return Packet(n, ts, (src, seg.sport), (dst, seg.dport), seg.seq, seg.ack,
                  seg.flags & 0xFF, seg.win, length, mss, fingerprint)


def linktype_name(linktype: int) -> str:
    return LINKTYPE_NAMES.get(linktype, f"link type {linktype} (not supported)")
