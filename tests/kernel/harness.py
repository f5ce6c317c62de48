"""Ground truth from the real Linux TCP stack, for checking the simulator.

Each scenario opens (and closes) one real TCP connection between endpoint A
(the one that sends the first SYN) and endpoint B, captures exactly that
connection's segments off the wire with a raw ``AF_PACKET`` socket, and
returns a dict the simulator can replay::

    {"scenario": "normal",
     "isn": {"A": <seq of A's SYN>, "B": <seq of B's SYN, or None>},
     "options": {...},                      # simulator options modelled
     "steps": [{"A": "connect"}, {"A": "send 100"}, ...],
     "segments": [{"from": "A", "flags": ["SYN"], "seq": 1, "ack": None,
                   "len": 0}, ...]}

``flags`` lists, in the fixed order SYN, ACK, FIN, RST, the flags that are
set; PSH, URG, ECE and CWR are dropped.  ``ack`` is None when ACK is off.
A scenario that sets sysctls in its namespaces (SYSCTLS) adds ``"sysctls"``
(per side, as set) and ``"limits"`` (those that are
``quizgen.tcp.endpoint.Limits``, by their names there) for the replay.

Two kinds of "network":

* loopback (``127.0.0.1``), captured on ``lo``: normal, merged_close,
  halfclose, server_closes_first, abort, refused, fin_with_data,
  port_scan_open, port_scan_closed, old_duplicate_syn.  Delivery is instant, so each step's
  segments are a direct consequence of that step.
* a userspace "wire": two fresh network namespaces, each with a TUN device,
  and a relay thread that copies IPv4 packets between the two TUN file
  descriptors.  The relay can *hold* packets, which lets both endpoints send
  their FIN (or SYN) before either sees the other's; on release it runs the
  network until quiet in FIFO order, like the simulator.  Deterministic
  whatever the machine's load (no race against a delay).  This kernel has no
  netem, and on loopback the FINs never cross.  The relay can also *drop*
  chosen packets (a script's ``lose``, a firewall, a forged source that never
  answers), segments can be written into B's namespace by hand (forged or old
  ones: ``Wire.deliver``), and each namespace has its own sysctls (SYSCTLS),
  never the host's.  Used by simultaneous_close, simultaneous_open,
  syn_queue_full, syn_cookies, port_scan_filtered, no_time_wait, old_data
  and the give-up scenarios.

What the scenarios beyond the plain open and close show:

* syn_queue_full: two forged SYNs (from A's address, ports nobody uses; the
  wire drops B's SYN,ACKs to them) fill B's SYN queue; with
  tcp_syncookies=0 B drops A's SYN and its retransmission, and connect()
  fails with ETIMEDOUT (A: tcp_syn_retries=1).  Linux holds listen(k)'s
  k + 1 half-open connections (since 6.13 and in the stable kernels:
  inet_csk_reqsk_queue_is_full() is qlen > backlog), so the simulator's ``backlog: 2`` is listen(1).
* syn_cookies: the same flood with tcp_syncookies=1: A's SYN is answered at
  once by a cookie SYN,ACK (no state kept: B's SYNCOOKIES counters say so),
  A's ACK of it opens the connection; then as normal.
* port_scan_open / port_scan_closed: a raw socket sends one SYN from a port
  of A's that no socket answers on; an open port answers SYN,ACK and A's
  kernel RST (seq = its ack, no ACK), a closed one RST,ACK.
* port_scan_filtered: the wire drops the probe; nothing comes back and
  nobody resends it.
* no_time_wait: A's namespace has tcp_max_tw_buckets=0, so A keeps no
  TIME-WAIT; the wire drops A's ACK of B's FIN, B sends its FIN again, A
  answers RST.  Unlike the model, Linux also turns an orphaned socket that
  reaches FIN-WAIT-2 into a time-wait mini-socket: after a plain close() A
  would be gone before B's FIN (and RST it at once), so A sets
  TCP_LINGER2 = 120 s, which keeps its FIN-WAIT-2 a full socket.
* old_duplicate_syn: a raw socket sends a SYN with a random seq x_old from
  A's port P (bound only, so nothing takes the answer) to B's listener; B
  answers SYN,ACK with y_old, A's kernel RST (seq x_old + 1), B drops the
  half-open connection; then A connects from P and B answers with a new ISN
  y (Linux's ISN clock has moved on).  The result's isn has B_old = y_old,
  and its old_syn step is x - x_old (mod 2**32), known only after connect.
* old_data: after the handshake a 100-byte ACK|PSH segment of "an earlier
  connection" (A's 4-tuple, seq = B's RCV.NXT + OLD_DATA_OFFSET, ack = B's
  SND.NXT) is written into B's namespace; B answers with an ACK of what it
  expects (tcp_validate_incoming -> tcp_send_dupack; data is never
  rate-limited) and drops it.  A's namespace has tcp_timestamps=0, so the
  connection has no timestamps that the hand-made segment would lack.

Like the simulator, which "runs the network until quiet" after each step,
the harness sleeps ``SETTLE`` seconds after every step so that any delayed
ACK has fired before the next step starts (Linux delays an ACK by at most
200 ms; on loopback it is ~40 ms).

Run ``python3 -m tests.kernel.harness [scenario ...] [--detail]`` to print
the JSON.  Needs root (CAP_NET_RAW for AF_PACKET; CAP_SYS_ADMIN and
/dev/net/tun for the wire); see ``available()``.  Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import errno
import fcntl
import functools
import json
import os
import select
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

# --------------------------------------------------------------------------
# Timing.  Every blocking call is bounded by one of these.

#: Seconds to wait after each step: longer than Linux's largest delayed-ACK
#: timeout (TCP_DELACK_MAX = 200 ms), so each step's segments are complete.
SETTLE = 0.3
#: Timeout of every blocking socket call (connect, accept, recv, send).
IO_TIMEOUT = 2.0
#: Hard limit for one scenario, setup and teardown included.
RUN_TIMEOUT = 20.0

# --------------------------------------------------------------------------
# Scenarios: name -> (simulator options, network kind).  The functions that
# run them are at the end of the file.

LOOPBACK = "loopback"
WIRE = "wire"

_OPTIONS: dict[str, tuple[dict, str]] = {
    "normal": ({"fin_ack": "separate", "fin_has_ack": True}, LOOPBACK),
    "merged_close": ({"fin_ack": "merge", "fin_has_ack": True}, LOOPBACK),
    "halfclose": ({"fin_ack": "separate", "fin_has_ack": True}, LOOPBACK),
    "server_closes_first": ({"fin_ack": "separate", "fin_has_ack": True}, LOOPBACK),
    "abort": ({"rst_ack": True, "fin_has_ack": True}, LOOPBACK),
    "refused": ({"listen": False, "rst_ack": True}, LOOPBACK),
    "simultaneous_close": ({"fin_has_ack": True}, WIRE),
    # A corks its socket, writes, and closes: the FIN rides on the data segment.
    "fin_with_data": ({"fin_ack": "separate", "fin_has_ack": True}, LOOPBACK),
    # B does not listen: it connect()s to A at the same time as A to B.
    "simultaneous_open": ({"listen": False, "fin_has_ack": True}, WIRE),
    # Two forged SYNs fill B's SYN queue (Linux listen(1): see _syn_queue_full); A's SYNs
    # are dropped and A gives up.
    "syn_queue_full": ({"backlog": 2}, WIRE),
    # The same flood with SYN cookies: A's SYN is answered by a cookie.
    "syn_cookies": ({"backlog": 2, "syn_cookies": True, "fin_ack": "separate",
                     "fin_has_ack": True}, WIRE),
    # A raw socket's SYN to a listening port, to a closed one, and one a firewall drops.
    "port_scan_open": ({}, LOOPBACK),
    "port_scan_closed": ({"listen": False, "rst_ack": True}, LOOPBACK),
    "port_scan_filtered": ({}, WIRE),
    # A has no TIME-WAIT (no time-wait buckets); its last ACK is lost.
    "no_time_wait": ({"time_wait": False, "fin_ack": "separate", "fin_has_ack": True}, WIRE),
    # An earlier connection's SYN from A's port reaches B first; then A connects from it.
    "old_duplicate_syn": ({"fin_ack": "separate", "fin_has_ack": True}, LOOPBACK),
    # An earlier connection's data segment, far outside B's window, reaches B.
    "old_data": ({"fin_ack": "separate", "fin_has_ack": True}, WIRE),
}

#: The sysctls a scenario sets, per side, in that side's namespace of the wire (never in the
#: host's: run_scenario checks that the host's values did not change).  A result of such a
#: scenario has "sysctls" (these) and "limits" (those among them that are
#: quizgen.tcp.endpoint.Limits, by their Limits names).
SYSCTLS: dict[str, dict[str, dict[str, int]]] = {
    # B drops a SYN that finds its queue full; A gives up after 1 retransmission, its RTO
    # doubling from the first timeout as in the model (see GIVE_UP_SCENARIOS)
    "syn_queue_full": {"A": {"tcp_syn_retries": 1, "tcp_syn_linear_timeouts": 0},
                       "B": {"tcp_syncookies": 0}},
    # 1 (also the default): cookies once the SYN queue is full
    "syn_cookies": {"B": {"tcp_syncookies": 1}},
    # no TIME-WAIT sockets at all in A's namespace (per namespace since Linux 4.x)
    "no_time_wait": {"A": {"tcp_max_tw_buckets": 0}},
    # no timestamps on the connection (A's SYN offers none): the hand-made old segment, which
    # has none, cannot fall foul of PAWS or of a check for a missing timestamp
    "old_data": {"A": {"tcp_timestamps": 0}},
}

#: Names accepted by run_scenario(), in a sensible order.
SCENARIOS: tuple[str, ...] = tuple(_OPTIONS)

# --------------------------------------------------------------------------
# Packet parsing (Ethernet / IPv4 / TCP, by hand with struct).

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
ARPHRD_ETHER = 1
ARPHRD_LOOPBACK = 772  # "lo": a 14-byte all-zero Ethernet header
ARPHRD_NONE = 0xFFFE  # TUN (IFF_TUN): no link header, starts with IP
PACKET_OUTGOING = getattr(socket, "PACKET_OUTGOING", 4)
SOL_PACKET = 263
PACKET_STATISTICS = 6
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SO_RCVBUFFORCE = 33

TH_FIN, TH_SYN, TH_RST, TH_PSH, TH_ACK = 0x01, 0x02, 0x04, 0x08, 0x10
#: The flags reported, in report order.  PSH/URG/ECE/CWR are not reported.
FLAG_ORDER = (("SYN", TH_SYN), ("ACK", TH_ACK), ("FIN", TH_FIN), ("RST", TH_RST))

_TCP_OPTION_NAMES = {2: "mss", 3: "wscale", 4: "sackOK", 5: "sack", 8: "ts"}


@dataclass
class Packet:
    """One TCP segment as captured."""

    ts: float  # kernel capture time (SO_TIMESTAMPNS), seconds
    src: tuple[str, int]
    dst: tuple[str, int]
    seq: int
    ack: int
    flags: int
    win: int
    payload_len: int
    tcp_options: list[str] = field(default_factory=list)

    def flag_names(self) -> list[str]:
        return [name for name, bit in FLAG_ORDER if self.flags & bit]


def _parse_tcp_options(raw: bytes) -> list[str]:
    out, i = [], 0
    while i < len(raw):
        kind = raw[i]
        if kind == 0:  # end of option list
            break
        if kind == 1:  # NOP
            i += 1
            continue
        if i + 1 >= len(raw) or raw[i + 1] < 2:
            break  # malformed
        length = raw[i + 1]
        body = raw[i + 2 : i + length]
        name = _TCP_OPTION_NAMES.get(kind, f"opt{kind}")
        if kind == 2 and len(body) == 2:
            name += "=%d" % struct.unpack("!H", body)
        elif kind == 3 and len(body) == 1:
            name += "=%d" % body[0]
        out.append(name)
        i += length
    return out


def parse_frame(frame: bytes, hatype: int, ts: float = 0.0) -> Packet | None:
    """Parse one captured frame; None unless it is IPv4/TCP (or IPv6/TCP)."""
    if hatype in (ARPHRD_ETHER, ARPHRD_LOOPBACK):
        if len(frame) < 14:
            return None
        ethertype = struct.unpack_from("!H", frame, 12)[0]
        if ethertype == ETH_P_IPV6:
            return parse_ipv6(frame[14:], ts)
        if ethertype != ETH_P_IP:
            return None
        ip = frame[14:]
    elif hatype == ARPHRD_NONE:
        ip = frame
    else:
        return None
    return parse_ipv4(ip, ts)


def parse_ipv6(ip: bytes, ts: float = 0.0) -> Packet | None:
    """Parse a bare IPv6 packet; None unless TCP follows the fixed header directly."""
    if len(ip) < 40 or ip[0] >> 4 != 6 or ip[6] != socket.IPPROTO_TCP:
        return None
    payload_len = struct.unpack_from("!H", ip, 4)[0]
    src, dst = socket.inet_ntop(socket.AF_INET6, ip[8:24]), socket.inet_ntop(socket.AF_INET6, ip[24:40])
    tcp = ip[40 : 40 + payload_len]
    if len(tcp) < 20:
        return None
    sport, dport, seq, ack, off_flags, win = struct.unpack_from("!HHIIHH", tcp)
    doff = (off_flags >> 12) * 4
    return Packet(ts=ts, src=(src, sport), dst=(dst, dport), seq=seq, ack=ack,
                  flags=off_flags & 0xFF, win=win, payload_len=payload_len - doff,
                  tcp_options=_parse_tcp_options(tcp[20:doff]))


def parse_ipv4(ip: bytes, ts: float = 0.0) -> Packet | None:
    """Parse a bare IPv4 packet; None unless it is an unfragmented TCP one."""
    if len(ip) < 20 or ip[0] >> 4 != 4:
        return None
    ihl = (ip[0] & 0x0F) * 4
    total_len, frag, proto = struct.unpack_from("!H2xH1xB", ip, 2)
    if proto != socket.IPPROTO_TCP or frag & 0x3FFF:  # MF flag or offset
        return None
    src_ip, dst_ip = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
    tcp = ip[ihl:total_len]
    if len(tcp) < 20:
        return None
    sport, dport, seq, ack, off_flags, win = struct.unpack_from("!HHIIHH", tcp)
    doff = (off_flags >> 12) * 4
    return Packet(
        ts=ts,
        src=(src_ip, sport),
        dst=(dst_ip, dport),
        seq=seq,
        ack=ack,
        flags=off_flags & 0xFF,
        win=win,
        # From the IP total length, not the captured length: robust to
        # link-layer padding.
        payload_len=total_len - ihl - doff,
        tcp_options=_parse_tcp_options(tcp[20:doff]),
    )


# --------------------------------------------------------------------------
# Packet building: segments that no TCP socket sends (a forged SYN, a port
# scanner's probe, a segment of an earlier connection).


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def tcp_header(src: tuple[str, int], dst: tuple[str, int], seq: int, ack: int, flags: int,
               payload: bytes = b"", win: int = 64240) -> bytes:
    """A bare IPv4 TCP segment (no options), header and payload, its checksum filled in."""
    tcp = bytearray(struct.pack("!HHIIBBHHH", src[1], dst[1], seq % 2**32, ack % 2**32, 5 << 4,
                                flags, win, 0, 0)) + payload
    pseudo = socket.inet_aton(src[0]) + socket.inet_aton(dst[0]) + struct.pack("!BBH", 0, 6, len(tcp))
    struct.pack_into("!H", tcp, 16, _checksum(pseudo + bytes(tcp)))
    return bytes(tcp)


def tcp_packet(src: tuple[str, int], dst: tuple[str, int], seq: int, ack: int, flags: int,
               payload: bytes = b"") -> bytes:
    """The same segment in an IPv4 packet (DF, TTL 64), checksums filled in."""
    tcp = tcp_header(src, dst, seq, ack, flags, payload)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64,
                               socket.IPPROTO_TCP, 0, socket.inet_aton(src[0]),
                               socket.inet_aton(dst[0])))
    struct.pack_into("!H", ip, 10, _checksum(bytes(ip)))
    return bytes(ip + tcp)


def syn_packet(src: tuple[str, int], dst: tuple[str, int], seq: int) -> bytes:
    """A bare IPv4 TCP SYN (no options), checksums filled in."""
    return tcp_packet(src, dst, seq, 0, TH_SYN)


def raw_send(raw: socket.socket, src: tuple[str, int], dst: tuple[str, int], seq: int,
             flags: int = TH_SYN) -> None:
    """Send one hand-made segment from ``src`` through a raw IPPROTO_TCP socket, as a port
    scanner does: the kernel adds the IP header and transmits it (so the capture sees it),
    but no TCP socket sent it or knows of it."""
    raw.sendto(tcp_header(src, dst, seq, 0, flags), (dst[0], 0))


def _raw_tcp_socket(src_ip: str) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    try:
        s.bind((src_ip, 0))
    except BaseException:
        s.close()
        raise
    return s


# --------------------------------------------------------------------------
# Capture


def _packet_socket(ifname: str) -> socket.socket:
    """A raw AF_PACKET socket bound to ``ifname`` in the caller's netns."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    try:
        with contextlib.suppress(OSError):  # a big buffer: nothing dropped
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
        # Kernel timestamp per packet, taken when the packet was handed to
        # the sniffers: lets captures on two interfaces be merged in order.
        s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        s.bind((ifname, 0))
        s.settimeout(0.05)
    except BaseException:
        s.close()
        raise
    return s


class Capture:
    """Records one connection's segments from one or more interfaces.

    A packet sent over ``lo`` passes the sniffer hook twice: once leaving
    (pkttype PACKET_OUTGOING) and once coming back in (PACKET_HOST).  On a
    TUN device the packets written by the relay show up as PACKET_HOST.  We
    keep only PACKET_OUTGOING: each segment exactly once, at the moment the
    sending kernel transmitted it.
    """

    def __init__(self) -> None:
        self._socks: list[socket.socket] = []
        self._per_sock: list[list[Packet]] = []
        # The raw frames of the recorded segments, (ts, hatype, frame), for writing captures.
        self._frames_per_sock: list[list[tuple[float, int, bytes]]] = []
        self.frames: list[tuple[float, int, bytes]] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._stop_at: float | None = None  # wall-clock time of stop()
        self._endpoints: frozenset = frozenset()
        self._recorded = threading.Condition()  # notified on every recorded segment
        self.dropped = 0

    def add(self, ifname: str) -> None:
        """Sniff on ``ifname`` of the calling thread's network namespace."""
        self._socks.append(_packet_socket(ifname))
        self._per_sock.append([])
        self._frames_per_sock.append([])

    def start(self, ep1: tuple[str, int], ep2: tuple[str, int]) -> None:
        """Start recording the segments between the two endpoints."""
        self._endpoints = frozenset((ep1, ep2))
        for s, out, raw in zip(self._socks, self._per_sock, self._frames_per_sock):
            t = threading.Thread(target=self._reader, args=(s, out, raw), daemon=True)
            t.start()
            self._threads.append(t)

    def _reader(self, s: socket.socket, out: list[Packet], raw: list | None = None) -> None:
        while True:
            try:
                frame, anc, _flags, addr = s.recvmsg(65535, 64)
            except socket.timeout:
                if self._stop.is_set():
                    return  # nothing left queued: every packet was read
                continue
            except OSError:
                return  # socket closed under us by close()
            _ifname, _proto, pkttype, hatype = addr[:4]
            ts = 0.0
            for level, ctype, data in anc:
                if level == socket.SOL_SOCKET and ctype == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", data[:16])
                    ts = sec + nsec / 1e9
            stop_at = self._stop_at
            if stop_at is not None and ts > stop_at:
                # Sniffed after stop(): everything queued before it has been read.  (Other
                # traffic on lo may never leave the socket idle long enough to time out.)
                return
            if pkttype != PACKET_OUTGOING:
                continue
            pkt = parse_frame(frame, hatype, ts)
            if pkt is not None and frozenset((pkt.src, pkt.dst)) == self._endpoints:
                out.append(pkt)
                if raw is not None:
                    raw.append((ts, hatype, frame))
                with self._recorded:
                    self._recorded.notify_all()

    def so_far(self) -> list[Packet]:
        """The segments recorded until now, in transmission order (a copy)."""
        return sorted((p for lst in self._per_sock for p in list(lst)), key=lambda p: p.ts)

    def wait_for(self, pred: Callable[[list[Packet]], bool], timeout: float = IO_TIMEOUT) -> None:
        """Wait until the segments recorded so far satisfy ``pred`` (an event the scenario
        waits for, such as a retransmission that comes after an RTO)."""
        with self._recorded:
            if not self._recorded.wait_for(lambda: pred(self.so_far()), timeout):
                raise TimeoutError("the expected segments were not sent")

    def stop(self) -> list[Packet]:
        """Stop and return the segments in transmission order.

        Capture happens synchronously when a packet is transmitted, so once
        the last step has settled every segment is already queued on our
        sockets; the readers drain them before they exit.
        """
        self._stop_at = time.time()
        self._stop.set()
        for t in self._threads:
            t.join(timeout=IO_TIMEOUT)
        for s in self._socks:
            with contextlib.suppress(OSError):
                stats = s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
                self.dropped += struct.unpack("II", stats)[1]
        self.close()
        if any(t.is_alive() for t in self._threads):
            raise TimeoutError("capture reader did not stop")
        if self.dropped:
            raise RuntimeError(f"capture dropped {self.dropped} packets")
        self.frames = sorted((f for lst in self._frames_per_sock for f in lst), key=lambda f: f[0])
        if len(self._per_sock) == 1:
            self.frames = list(self._frames_per_sock[0])
            return list(self._per_sock[0])  # capture order, as is
        # Several interfaces (the wire): merge by kernel timestamp.  Each
        # list is already in order; sorted() is stable.
        return sorted((p for lst in self._per_sock for p in lst), key=lambda p: p.ts)

    def close(self) -> None:
        self._stop.set()
        for s in self._socks:
            s.close()


# --------------------------------------------------------------------------
# Networks: where the two endpoints live.


def _tcp_socket(family: int = socket.AF_INET) -> socket.socket:
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(IO_TIMEOUT)
    # No Nagle: each send() is one segment, right away.
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Loopback:
    """Both endpoints on 127.0.0.1; capture on ``lo``."""

    kind = LOOPBACK
    addr = {"A": "127.0.0.1", "B": "127.0.0.1"}

    def socket(self, side: str) -> socket.socket:
        return _tcp_socket()

    def capture(self) -> Capture:
        cap = Capture()
        cap.add("lo")
        return cap

    def raw_socket(self, side: str) -> socket.socket:
        return _raw_tcp_socket(self.addr[side])

    def close(self) -> None:
        pass


class Loopback6(Loopback):
    """Both endpoints on ::1 (IPv6); capture on ``lo``."""

    addr = {"A": "::1", "B": "::1"}

    def socket(self, side: str) -> socket.socket:
        return _tcp_socket(socket.AF_INET6)


# ---- namespaces and TUN devices, via ctypes / ioctl (no iproute2 needed)

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
IFF_UP = 0x0001
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
SIOCSIFADDR = 0x8916
SIOCSIFDSTADDR = 0x8918

_libc = ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _netns_fd() -> int:
    """An fd for the *calling thread's* network namespace."""
    return os.open(f"/proc/self/task/{threading.get_native_id()}/ns/net", os.O_RDONLY)


def _setns(fd: int) -> None:
    # Namespaces are per thread: this moves only the calling thread.
    _check(_libc.setns(fd, CLONE_NEWNET), "setns")


def _ifreq(name: str, payload: bytes = b"") -> bytes:
    return struct.pack("16s24s", name.encode(), payload)


def _make_tun(name: str, local: str, peer: str) -> int:
    """Create point-to-point TUN ``name`` (local -> peer) in the calling
    thread's netns, bring it up, and return its fd (non-blocking).  The
    device disappears when the fd is closed."""
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    try:
        # IFF_NO_PI: reads/writes are bare IP packets.
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), IFF_TUN | IFF_NO_PI))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as ctl:

            def sockaddr(ip: str) -> bytes:
                return struct.pack("H2s4s8x", socket.AF_INET, b"\0\0", socket.inet_aton(ip))

            fcntl.ioctl(ctl, SIOCSIFADDR, _ifreq(name, sockaddr(local)))
            # Peer address: the kernel adds the host route to it via tun.
            fcntl.ioctl(ctl, SIOCSIFDSTADDR, _ifreq(name, sockaddr(peer)))
            flags = struct.unpack_from("H", fcntl.ioctl(ctl, SIOCGIFFLAGS, _ifreq(name)), 16)[0]
            fcntl.ioctl(ctl, SIOCSIFFLAGS, _ifreq(name, struct.pack("H", flags | IFF_UP)))
        os.set_blocking(fd, False)
    except BaseException:
        os.close(fd)
        raise
    return fd


class Wire:
    """A and B in two fresh network namespaces joined by a userspace relay.

    ::

        [netns A] qgA (TUN) <-fd-> relay thread <-fd-> qgB (TUN) [netns B]
        198.18.0.1                                         198.18.0.2

    (198.18.0.0/15 is the RFC 2544 benchmarking range; the addresses exist
    only inside the two private namespaces, nothing leaves them.)

    The namespaces are made with unshare(CLONE_NEWNET) by the calling
    thread, which must be a thread of its own: every socket and TUN device
    is created after a setns() into the right namespace, and the thread is
    moved back to its original namespace before each method returns.  No
    named namespaces (``ip netns``) are created, so nothing outlives the
    process: the namespaces vanish when their last fd/socket is closed.

    Capture: one AF_PACKET socket per TUN device (PACKET_OUTGOING, i.e.
    what each kernel transmitted), merged by kernel timestamp.  That is the
    true global emission order; recording at the relay would give the
    relay's reading order instead, which can differ when both devices have
    packets waiting.
    """

    kind = WIRE
    addr = {"A": "198.18.0.1", "B": "198.18.0.2"}
    ifname = {"A": "qgA", "B": "qgB"}

    def __init__(self) -> None:
        self._orig = _netns_fd()
        self._ns: dict[str, int] = {}
        self._tun: dict[str, int] = {}
        self._lock = threading.Condition()
        self._holding = False
        self._held: list[tuple[int, bytes]] = []
        self._drops: list[list] = []  # [predicate, how many more to drop (None: all)]
        #: The packets the relay dropped, in order.
        self.dropped: list[Packet] = []
        self._stop = threading.Event()
        self._relay: threading.Thread | None = None
        try:
            for side, peer in (("A", "B"), ("B", "A")):
                _check(_libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
                try:
                    self._ns[side] = _netns_fd()
                    self._tun[side] = _make_tun(self.ifname[side], self.addr[side], self.addr[peer])
                finally:
                    _setns(self._orig)
            self._relay = threading.Thread(target=self._run_relay, daemon=True)
            self._relay.start()
        except BaseException:
            self.close()
            raise

    @contextlib.contextmanager
    def inside(self, side: str) -> Iterator[None]:
        """Run the body with the calling thread in ``side``'s namespace."""
        _setns(self._ns[side])
        try:
            yield
        finally:
            _setns(self._orig)

    def socket(self, side: str) -> socket.socket:
        with self.inside(side):
            return _tcp_socket()

    def raw_socket(self, side: str) -> socket.socket:
        with self.inside(side):
            return _raw_tcp_socket(self.addr[side])

    def capture(self) -> Capture:
        cap = Capture()
        try:
            for side in ("A", "B"):
                with self.inside(side):
                    cap.add(self.ifname[side])
        except BaseException:
            cap.close()
            raise
        return cap

    # ---- the relay

    def _run_relay(self) -> None:
        fa, fb = self._tun["A"], self._tun["B"]
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([fa, fb], [], [], 0.05)
            except (OSError, ValueError):
                return  # fds closed
            with self._lock:
                for src in (fa, fb):
                    if src in ready:
                        self._pump(src)

    def _pump(self, src: int) -> None:
        """Read every packet waiting on ``src``; forward it, or queue it
        while holding.  Caller holds self._lock."""
        dst = self._tun["B"] if src == self._tun["A"] else self._tun["A"]
        while True:
            try:
                pkt = os.read(src, 65535)
            except BlockingIOError:
                return
            except OSError:
                return  # closed
            if not pkt or pkt[0] >> 4 != 4:
                continue  # drop IPv6 (router solicitations, MLD)
            if self._drops and self._drop_it(pkt):
                continue
            if self._holding:
                self._held.append((dst, pkt))
                self._lock.notify_all()
            else:
                self._write(dst, pkt)

    def _drop_it(self, raw: bytes) -> bool:
        pkt = parse_ipv4(raw)
        if pkt is None:
            return False
        for rule in self._drops:
            pred, left = rule
            if left != 0 and pred(pkt):
                if left is not None:
                    rule[1] = left - 1
                self.dropped.append(pkt)
                return True
        return False

    def drop(self, pred: Callable[[Packet], bool], times: int | None = None) -> None:
        """From now on the relay drops the packets (either way) that satisfy ``pred``: the next
        ``times`` of them, or all with None.  A lost segment is still captured: the capture
        is at the sender's device, before the relay."""
        with self._lock:
            self._drops.append([pred, times])

    def deliver(self, side: str, pkt: bytes) -> None:
        """Write the IPv4 packet ``pkt`` into ``side``'s TUN device, as if the wire had
        brought it (a segment no endpoint sent).  ``side``'s kernel has processed it when
        this returns; its answers go through the relay like any other packet."""
        with self._lock:
            self._write(self._tun[side], pkt)

    @staticmethod
    def _write(fd: int, pkt: bytes) -> None:
        # The receiving kernel processes the packet inside this write()
        # (tun_get_user -> netif_receive_skb with BHs off), so its response,
        # if any, is already queued on its own TUN fd when write() returns.
        with contextlib.suppress(OSError):
            os.write(fd, pkt)

    def hold(self) -> None:
        """Queue packets instead of forwarding them (the wire 'stretches')."""
        with self._lock:
            self._holding = True

    def wait_held(self, pred: Callable[[list[Packet]], bool], timeout: float = IO_TIMEOUT) -> None:
        """Wait until the held packets satisfy ``pred``."""

        def ok() -> bool:
            pkts = [parse_ipv4(p) for _, p in self._held]
            return pred([p for p in pkts if p is not None])

        with self._lock:
            if not self._lock.wait_for(ok, timeout):
                raise TimeoutError("the wire did not receive the expected packets")

    def release(self) -> None:
        """Deliver the held packets and run the network until quiet, FIFO,
        then go back to plain forwarding.

        Like the simulator's network: each delivery's responses join the
        *end* of the queue (read right after the write, which is when the
        receiving kernel has sent them).  Forwarding a response at once
        instead would overtake packets already in flight, e.g. B's ACK of
        A's FIN would reach A before B's FIN and spoil the simultaneous
        close.  This makes the order of everything after the release
        deterministic."""
        with self._lock:
            while self._held:
                dst, pkt = self._held.pop(0)
                self._write(dst, pkt)
                self._pump(dst)  # the receiver's responses, queued
            self._holding = False

    def close(self) -> None:
        self._stop.set()
        if self._relay is not None:
            self._relay.join(timeout=IO_TIMEOUT)
        for fd in list(self._tun.values()) + list(self._ns.values()):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._tun.clear()
        self._ns.clear()
        with contextlib.suppress(OSError):
            _setns(self._orig)
        with contextlib.suppress(OSError):
            os.close(self._orig)


# --------------------------------------------------------------------------
# Availability


class HarnessUnavailable(RuntimeError):
    """The kernel facilities a scenario needs are not usable here."""


def _in_thread(fn: Callable[[], object], timeout: float) -> object:
    """Run ``fn`` in a fresh thread (namespace changes stay in it), with a
    time limit; re-raise its exception."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            box["error"] = exc

    t = threading.Thread(target=target, daemon=True, name="tcp-harness")
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise TimeoutError(f"harness run exceeded {timeout} s")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


@functools.lru_cache(maxsize=None)
def _packet_check() -> tuple[bool, str]:
    if not hasattr(socket, "AF_PACKET"):
        return False, "no AF_PACKET sockets on this platform"
    try:
        _packet_socket("lo").close()
    except OSError as exc:
        return False, f"cannot open a raw AF_PACKET socket on lo ({exc}); needs root/CAP_NET_RAW"
    return True, "AF_PACKET raw socket on lo works"


@functools.lru_cache(maxsize=None)
def _wire_check() -> tuple[bool, str]:
    if not os.path.exists("/dev/net/tun"):
        return False, "no /dev/net/tun"

    def probe() -> None:
        # The whole route: namespaces, TUN devices, relay, a TCP handshake.
        wire = Wire()
        try:
            lst, a = wire.socket("B"), wire.socket("A")
            with lst, a:
                lst.bind((wire.addr["B"], 0))
                lst.listen(1)
                a.connect(lst.getsockname())
                conn, _ = lst.accept()
                conn.close()
                a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        finally:
            wire.close()

    try:
        _in_thread(probe, RUN_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        return False, f"network namespaces + TUN relay unusable ({exc}); needs root/CAP_SYS_ADMIN"
    return True, "network namespaces + TUN relay work"


def available(scenario: str | None = None) -> tuple[bool, str]:
    """Whether the harness can run here, and why not if it cannot.

    With ``scenario`` None: everything (AF_PACKET capture and the
    namespace/TUN wire).  With a scenario name: only what it needs.
    """
    ok, why = _packet_check()
    if not ok:
        return ok, why
    if any("tcp_syncookies" in per_side for per_side in SYSCTLS.get(scenario or "", {}).values()) \
            and not os.path.exists("/proc/sys/net/ipv4/tcp_syncookies"):
        return False, "this kernel has no SYN cookies (CONFIG_SYN_COOKIES is off)"
    if scenario is None or _OPTIONS[scenario][1] == WIRE:
        return _wire_check()
    return ok, why


# --------------------------------------------------------------------------
# Running a scenario


class Run:
    """One scenario in progress: the endpoints' sockets, the capture, and
    the steps recorded for the simulator."""

    def __init__(self, net: Loopback | Wire) -> None:
        self.net = net
        self.steps: list[dict[str, str]] = []
        self.sock: dict[str, socket.socket] = {}
        self.ep: dict[str, tuple[str, int]] = {}
        self.capture: Capture | None = None
        #: Segments written into B's namespace by hand (not captured: they never left a
        #: device), each with the time it was written; they join the trace in time order.
        self.injected: list[Packet] = []
        #: Called with the result before it is returned (what only the capture tells).
        self.finish: Callable[[dict], None] | None = None
        self._open: list[socket.socket] = []

    # ---- bookkeeping

    def step(self, actor: str, action: str | int) -> None:
        self.steps.append({actor: action})

    @staticmethod
    def settle() -> None:
        # Let the network go quiet: delayed ACKs (<= 200 ms) have fired.
        time.sleep(SETTLE)

    def new_socket(self, side: str) -> socket.socket:
        s = self.net.socket(side)
        self._open.append(s)
        return s

    def start_capture(self, a: tuple[str, int], b: tuple[str, int]) -> None:
        a, b = tuple(a[:2]), tuple(b[:2])  # an IPv6 sockname has flowinfo and scope id too
        self.ep = {"A": a, "B": b}
        self.capture = self.net.capture()
        self.capture.start(a, b)

    def inject(self, pkt: Packet, payload: bytes = b"") -> None:
        """Write ``pkt`` into B's namespace as if it had come over the wire from A's address
        (a segment A's TCP never sent), and add it to the trace at this moment."""
        wire = self.net
        assert isinstance(wire, Wire)
        pkt.ts = time.time()  # before the write: B's answers come after it
        pkt.payload_len = len(payload)
        self.injected.append(pkt)
        wire.deliver("B", tcp_packet(pkt.src, pkt.dst, pkt.seq, pkt.ack, pkt.flags, payload))

    def packets(self) -> list[Packet]:
        """Stop the capture; the connection's segments, the injected ones included, in order."""
        assert self.capture is not None, "scenario never started its capture"
        packets = self.capture.stop()
        for inj in sorted(self.injected, key=lambda p: p.ts):
            at = next((i for i, p in enumerate(packets) if p.ts > inj.ts), len(packets))
            packets.insert(at, inj)
        return packets

    def cleanup(self) -> None:
        if self.capture is not None:
            self.capture.close()
        for s in self._open:
            # Leftover sockets go away with a RST (SO_LINGER 0) rather than
            # lingering in FIN-WAIT; by now the capture has stopped.
            with contextlib.suppress(OSError):
                if s.fileno() != -1:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()

    # ---- actions shared by the scenarios

    def listen(self, backlog: int = 1) -> socket.socket:
        """B's listening socket, on a fresh port."""
        listener = self.new_socket("B")
        listener.bind((self.net.addr["B"], 0))  # fresh port per run
        listener.listen(backlog)
        return listener

    def connect(self, listener: socket.socket | None = None, a: socket.socket | None = None) -> None:
        """Step ``{"A": "connect"}``: A connects to B listening on a fresh
        port (or on ``listener``; from ``a``, bound already); both sockets
        end up in self.sock.  Starts the capture unless it runs already."""
        if listener is None:
            listener = self.listen()
        if a is None:
            a = self.new_socket("A")
            a.bind((self.net.addr["A"], 0))  # learn A's port before the SYN
        if self.capture is None:
            self.start_capture(a.getsockname(), listener.getsockname())
        self.step("A", "connect")
        a.connect(listener.getsockname())
        b, _ = listener.accept()
        self._open.append(b)
        listener.close()  # no effect on the connection
        # An accepted socket does not inherit the listener's timeout.
        b.settimeout(IO_TIMEOUT)
        b.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = {"A": a, "B": b}
        self.settle()

    def send(self, side: str, n: int) -> None:
        """Step ``{side: "send n"}``; the peer's application reads it all
        (after the settle, so the read cannot hurry the ACK).  No
        TCP_QUICKACK is needed: a new connection starts in quick-ACK mode,
        so the first data segments are ACKed at once."""
        peer = "B" if side == "A" else "A"
        self.step(side, f"send {n}")
        self.sock[side].sendall(bytes(n))
        self.settle()
        _recv_exact(self.sock[peer], n)

    def send_and_close(self, side: str, n: int) -> None:
        """Step ``{side: "send n and close"}``: with TCP_CORK the data waits in the socket,
        so close() puts the FIN on the same segment (tcp_send_fin marks the unsent tail)."""
        peer = "B" if side == "A" else "A"
        self.step(side, f"send {n} and close")
        self.sock[side].setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        self.sock[side].sendall(bytes(n))
        self.sock[side].close()
        self.settle()
        _recv_exact(self.sock[peer], n)

    def close(self, side: str) -> None:
        """Step ``{side: "close"}`` as a full close()."""
        self.step(side, "close")
        self.sock[side].close()
        self.settle()

    def result(self, name: str, detail: bool = False) -> dict:
        result = build_result(name, _OPTIONS[name][0], self.steps, self.ep, self.packets(), detail)
        if self.finish is not None:
            self.finish(result)
        return result


def _recv_exact(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise RuntimeError(f"EOF after {len(buf)} of {n} bytes")
        buf += chunk
    return buf


def _expect_eof(s: socket.socket) -> None:
    if s.recv(1) != b"":
        raise RuntimeError("expected EOF (peer's FIN)")


def build_result(
    name: str,
    options: dict,
    steps: list[dict[str, str]],
    ep: dict[str, tuple[str, int]],
    packets: list[Packet],
    detail: bool = False,
) -> dict:
    """Turn captured packets into the replayable dict."""
    segments = []
    t0 = packets[0].ts if packets else 0.0
    for p in packets:
        side = "A" if p.src == ep["A"] else "B"
        seg = {
            "from": side,
            "flags": p.flag_names(),
            "seq": p.seq,
            "ack": p.ack if p.flags & TH_ACK else None,
            "len": p.payload_len,
        }
        if detail:
            seg.update(win=p.win, tcp_options=p.tcp_options, t_ms=round((p.ts - t0) * 1000, 3))
        segments.append(seg)

    def isn(side: str) -> int | None:
        for p in packets:
            if p.src == ep[side] and p.flags & TH_SYN:
                return p.seq
        return None

    return {
        "scenario": name,
        "isn": {"A": isn("A"), "B": isn("B")},
        "options": dict(options),
        "steps": [dict(s) for s in steps],
        "segments": segments,
    }


# --------------------------------------------------------------------------
# The scenarios.  Each function drives the real endpoints through the steps
# the simulator will replay; the segments come from the capture.


def _normal(r: Run) -> None:
    r.connect()
    r.send("A", 100)
    r.send("B", 200)
    # B's kernel receives A's FIN: tcp_fin() moves B to CLOSE-WAIT and puts
    # it in "pingpong" (interactive) mode, so the ACK of the FIN is
    # *delayed*, hoping to ride on B's own FIN.  B's application waits (the
    # settle), so the delayed-ACK timer fires: a separate ACK.
    r.close("A")
    _expect_eof(r.sock["B"])
    r.close("B")


def _merged_close(r: Run) -> None:
    r.connect()
    r.send("A", 100)
    r.step("A", "close")
    r.sock["A"].close()
    # A's FIN reaches B during A's close() (loopback delivers synchronously)
    # and B's ACK of it is delayed (pingpong mode, see _normal) by at least
    # TCP_ATO_MIN = 40 ms.  B's application, in this same thread, reads EOF
    # and closes within microseconds, so B's FIN carries that ACK: a
    # 3-segment close.  Doing it here rather than in a thread blocked in
    # recv() makes it independent of thread wake-up latency under load.
    # No B "close" step: the simulator's merge mode closes B by itself.
    _expect_eof(r.sock["B"])
    r.sock["B"].close()
    r.settle()


def _halfclose(r: Run) -> None:
    r.connect()
    r.send("A", 100)
    # The simulator's CLOSE only ends A's sending direction.  In Linux that
    # is shutdown(SHUT_WR): a close() would orphan the socket, and Linux
    # answers data arriving at an orphaned socket with RST.
    r.step("A", "close")
    r.sock["A"].shutdown(socket.SHUT_WR)
    r.settle()
    _expect_eof(r.sock["B"])
    r.send("B", 50)  # A, in FIN-WAIT-2, still receives
    r.close("B")
    # A has B's FIN and is in TIME-WAIT: closing its fd sends nothing.
    _expect_eof(r.sock["A"])
    r.sock["A"].close()
    r.settle()


def _server_closes_first(r: Run) -> None:
    r.connect()
    r.send("A", 100)  # B has read it all: close() with unread data = RST
    r.close("B")  # A's ACK of B's FIN is delayed, then sent alone
    _expect_eof(r.sock["A"])
    r.close("A")


def _abort(r: Run) -> None:
    r.connect()
    r.send("A", 100)
    r.step("A", "abort")
    # SO_LINGER {on, 0 s}: close() discards the connection and sends RST
    # (tcp_disconnect -> tcp_send_active_reset, which sets ACK too).
    r.sock["A"].setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    r.sock["A"].close()
    r.settle()


def _refused(r: Run) -> None:
    # Reserve a port by binding without listening: nobody can listen on it
    # meanwhile, and a SYN to it finds no listener -> RST.
    closed = r.new_socket("B")
    closed.bind((r.net.addr["B"], 0))
    a = r.new_socket("A")
    a.bind((r.net.addr["A"], 0))
    r.start_capture(a.getsockname(), closed.getsockname())
    r.step("A", "connect")
    try:
        a.connect(closed.getsockname())
    except ConnectionRefusedError:
        pass
    else:
        raise RuntimeError("connect to a closed port succeeded")
    r.settle()


def _fins(pkts: list[Packet], n: int = 2) -> bool:
    return sum(1 for p in pkts if p.flags & TH_FIN) >= n


def _syns(pkts: list[Packet], n: int = 2) -> bool:
    return sum(1 for p in pkts if p.flags & TH_SYN) >= n


def _simultaneous_close(r: Run) -> None:
    wire = r.net
    assert isinstance(wire, Wire)
    r.connect()
    r.send("A", 100)
    r.step("both", "close")
    # Hold the wire, close both ends, and let go only when both FINs are
    # in flight: each side sends its FIN before it receives the other's,
    # so both go FIN-WAIT-1 -> CLOSING -> TIME-WAIT.  Deterministic: no
    # race against a delay.
    wire.hold()
    r.sock["A"].close()
    r.sock["B"].close()
    wire.wait_held(_fins)
    wire.release()
    r.settle()


def _simultaneous_open(r: Run) -> None:
    wire = r.net
    assert isinstance(wire, Wire)
    a, b = r.new_socket("A"), r.new_socket("B")
    a.bind((wire.addr["A"], 0))
    b.bind((wire.addr["B"], 0))
    r.start_capture(a.getsockname(), b.getsockname())
    r.step("both", "connect")
    # Both SYNs leave before either arrives (SYN-SENT -> SYN-RECEIVED on
    # both sides).  connect() must not block here, hence non-blocking.
    wire.hold()
    for s, peer in ((a, b), (b, a)):
        s.setblocking(False)
        err = s.connect_ex(peer.getsockname())
        if err not in (0, 115):  # EINPROGRESS
            raise OSError(err, os.strerror(err))
    wire.wait_held(_syns)
    wire.release()
    _, writable, _ = select.select([], [a, b], [], IO_TIMEOUT)
    for s in (a, b):
        if s not in writable:
            raise TimeoutError("simultaneous open did not complete")
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            raise OSError(err, os.strerror(err))
        s.settimeout(IO_TIMEOUT)
    r.sock = {"A": a, "B": b}
    r.settle()
    r.send("A", 100)


def _fin_with_data(r: Run) -> None:
    r.connect()
    r.send_and_close("A", 300)
    _expect_eof(r.sock["B"])
    r.close("B")


def _netstat(field: str) -> int:
    """A TcpExt counter of the calling thread's network namespace."""
    with open("/proc/thread-self/net/netstat") as f:
        lines = [line.split() for line in f if line.startswith("TcpExt:")]
    return int(dict(zip(lines[0][1:], lines[1][1:]))[field])


def _flood(r: Run, listener: socket.socket, n: int) -> None:
    """Step ``{"flood": n}``: ``n`` SYNs from forged sources (A's address, ports nobody uses)
    are written into B's namespace.  The wire drops everything to or from those ports, as a
    forged source never answers, so each takes a place in B's SYN queue until B gives it up
    (after tcp_synack_retries = 5 retransmissions, 63 s): longer than the scenario."""
    wire = r.net
    assert isinstance(wire, Wire)
    b = listener.getsockname()
    forged = set()
    for _ in range(n):
        # bound, never listening or connected: the port stays free of any other use
        hold = r.new_socket("A")
        hold.bind((wire.addr["A"], 0))
        forged.add(hold.getsockname())
    wire.drop(lambda p: p.src in forged or p.dst in forged)
    r.step("flood", n)
    for src in sorted(forged):
        wire.deliver("B", syn_packet(src, b, int.from_bytes(os.urandom(4), "big")))
    with wire.inside("B"):
        queued = _syn_recv_entries(b[1])
    if queued != n:
        raise RuntimeError(f"{queued} of the {n} forged SYNs took a place in B's SYN queue "
                           f"(before Linux 6.13 listen(k) holds k half-open connections, not k + 1)")


#: listen()'s backlog for a SYN queue of ``places`` half-open connections: Linux drops (or
#: answers with a cookie) a SYN when qlen > backlog (inet_csk_reqsk_queue_is_full(), since
#: commit 3479c7549fb1 of January 2025, in 6.13 and the 6.x stable kernels; qlen >= backlog
#: before), so listen(k) holds k + 1.  The simulator's backlog option counts the places.
def _listen_backlog(places: int) -> int:
    return places - 1


def _syn_queue_full(r: Run) -> None:
    wire = r.net
    assert isinstance(wire, Wire)
    places = _OPTIONS["syn_queue_full"][0]["backlog"]
    listener = r.listen(_listen_backlog(places))
    b = listener.getsockname()
    a = r.new_socket("A")
    a.bind((wire.addr["A"], 0))
    r.start_capture(a.getsockname(), b)
    _flood(r, listener, places)
    r.step("A", "connect")
    # B drops each SYN (tcp_conn_request: the queue is full and tcp_syncookies = 0);
    # A retransmits once (1 s) and gives up 2 s later.
    a.settimeout(_GIVE_UP_TIMEOUT)
    try:
        a.connect(b)
    except OSError as exc:
        if exc.errno != errno.ETIMEDOUT:    # None: the socket's own timeout
            raise
    else:
        raise RuntimeError("connect() to a listener with a full SYN queue succeeded")
    with wire.inside("B"):
        if _syn_recv_entries(b[1]) != places:
            raise RuntimeError("A's SYN took a place in B's full SYN queue")


def _syn_cookies(r: Run) -> None:
    wire = r.net
    assert isinstance(wire, Wire)
    places = _OPTIONS["syn_cookies"][0]["backlog"]
    listener = r.listen(_listen_backlog(places))
    port = listener.getsockname()[1]
    _flood(r, listener, places)
    with wire.inside("B"):
        sent, recv = _netstat("SyncookiesSent"), _netstat("SyncookiesRecv")
    # A's SYN finds the queue full: a SYN,ACK whose seq is the cookie, and nothing kept;
    # A's ACK of it makes the connection (cookie_v4_check), accept() returns it.
    r.connect(listener)
    with wire.inside("B"):
        cookies = (_netstat("SyncookiesSent") - sent, _netstat("SyncookiesRecv") - recv)
        queued = _syn_recv_entries(port)     # the forged ones, still there
    if cookies != (1, 1) or queued != places:
        raise RuntimeError(f"not a SYN cookie: (sent, received) {cookies}, {queued} half-open")
    r.send("A", 100)
    r.close("A")             # as in _normal: B's ACK of the FIN is delayed, then sent alone
    _expect_eof(r.sock["B"])
    r.close("B")


def _probe(r: Run, target: tuple[str, int]) -> None:
    """Step ``{"A": "probe"}``: one SYN from A's address to ``target`` through a raw socket.
    A's port is held by a socket that is bound only (never listening or connected), so no
    socket takes what comes back: A's kernel answers as CLOSED does."""
    a = r.new_socket("A")
    a.bind((r.net.addr["A"], 0))
    src = a.getsockname()
    raw = r.net.raw_socket("A")
    r._open.append(raw)
    r.start_capture(src, target)
    r.step("A", "probe")
    raw_send(raw, src, target, int.from_bytes(os.urandom(4), "big"))
    raw.close()             # it also receives a copy of every TCP packet
    r.settle()


def _port_scan_open(r: Run) -> None:
    listener = r.listen()
    _probe(r, listener.getsockname())
    # B answered SYN,ACK, A's kernel RST; B dropped the half-open connection: nothing
    # half-open, nothing to accept
    if _syn_recv_entries(listener.getsockname()[1]):
        raise RuntimeError("B kept the probe's half-open connection")
    listener.setblocking(False)
    with contextlib.suppress(BlockingIOError):
        listener.accept()
        raise RuntimeError("the probe opened a connection")


def _port_scan_closed(r: Run) -> None:
    closed = r.new_socket("B")  # bound, not listening: see _refused
    closed.bind((r.net.addr["B"], 0))
    _probe(r, closed.getsockname())


def _port_scan_filtered(r: Run) -> None:
    wire = r.net
    assert isinstance(wire, Wire)
    b = r.listen().getsockname()
    wire.drop(lambda p: p.dst == b, times=1)    # the firewall in front of B
    r.step("lose", "A->B")
    _probe(r, b)
    if [(p.dst, p.flags) for p in wire.dropped] != [(b, TH_SYN)]:
        raise RuntimeError(f"the wire dropped {wire.dropped}, not the probe")


def _no_time_wait(r: Run) -> None:
    wire = r.net
    assert isinstance(wire, Wire)
    r.connect()
    r.send("A", 100)
    # An orphaned socket (after close()) that reaches FIN-WAIT-2 becomes a time-wait
    # mini-socket at once (tcp_rcv_state_process, when tcp_fin_time() <= 60 s), which
    # tcp_max_tw_buckets = 0 forbids too: A would be gone before B's FIN.  A FIN-WAIT-2
    # timeout over 60 s (TCP_LINGER2) keeps it a full socket, as in the model.
    r.sock["A"].setsockopt(socket.IPPROTO_TCP, socket.TCP_LINGER2, 120)
    r.close("A")             # as in _normal: B's ACK of the FIN is delayed, then sent alone
    _expect_eof(r.sock["B"])
    with wire.inside("A"):
        overflows = _netstat("TCPTimeWaitOverflow")
    r.step("lose", "A->B")
    a = r.ep["A"]
    wire.drop(lambda p: p.src == a, times=1)
    r.step("B", "close")
    # B's FIN: A ACKs it (lost) and, with no time-wait bucket, closes (tcp_time_wait ->
    # tcp_done).  B's FIN again after its RTO meets no socket: RST.
    r.sock["B"].close()
    assert r.capture is not None
    r.capture.wait_for(lambda pkts: any(p.src == a and p.flags & TH_RST for p in pkts))
    r.settle()
    with wire.inside("A"):
        if _netstat("TCPTimeWaitOverflow") != overflows + 1:
            raise RuntimeError("A did not go without its TIME-WAIT")
    if [(p.src, p.flags) for p in wire.dropped] != [(a, TH_ACK)]:
        raise RuntimeError(f"the wire dropped {wire.dropped}, not A's last ACK")


def _old_duplicate_syn(r: Run) -> None:
    listener = r.listen()
    b = listener.getsockname()
    # P: A's port, held by a socket that is only bound until it connects, so that the old
    # SYN,ACK finds no connection there (A's kernel answers as CLOSED: RST)
    a = r.new_socket("A")
    a.bind((r.net.addr["A"], 0))
    p = a.getsockname()
    r.start_capture(p, b)
    x_old = int.from_bytes(os.urandom(4), "big")
    r.step("old_syn", 0)     # how far x_old is below x: known once A has connected
    raw = r.net.raw_socket("A")
    r._open.append(raw)
    raw_send(raw, p, b, x_old)
    raw.close()
    r.settle()
    # B answered SYN,ACK (y_old), A's kernel RST (seq x_old + 1), B dropped the half-open one
    if _syn_recv_entries(b[1]):
        raise RuntimeError("B kept the old SYN's half-open connection")
    r.connect(listener, a)
    r.send("A", 100)
    r.close("A")
    _expect_eof(r.sock["B"])
    r.close("B")

    def finish(result: dict) -> None:
        segs = result["segments"]
        x = [s for s in segs if s["from"] == "A" and s["flags"] == ["SYN"]][-1]["seq"]  # connect's
        if x == x_old:
            raise RuntimeError("the old SYN's seq is A's ISN")   # 1 in 2**32: run again
        synacks = {s["ack"]: s["seq"] for s in segs if s["flags"] == ["SYN", "ACK"]}
        result["isn"] = {"A": x, "B": synacks[(x + 1) % 2**32],
                         "B_old": synacks[(x_old + 1) % 2**32]}
        result["steps"][0] = {"old_syn": (x - x_old) % 2**32}

    r.finish = finish


#: Where the old segment lies from B's RCV.NXT: half the sequence space away, less a little
#: (RFC 9293 3.10.7.4: far outside B's receive window, after it rather than a duplicate).
OLD_DATA_OFFSET = 2**31 - 100_000
OLD_DATA_LEN = 100


def _old_data(r: Run) -> None:
    wire = r.net
    assert isinstance(wire, Wire)
    r.connect()
    # B's RCV.NXT and SND.NXT after the handshake: its SYN,ACK's ack and seq + 1
    assert r.capture is not None
    synack = next(p for p in r.capture.so_far() if p.src == r.ep["B"] and p.flags & TH_SYN)
    rcv_nxt, snd_nxt = synack.ack, (synack.seq + 1) % 2**32
    seq = (rcv_nxt + OLD_DATA_OFFSET) % 2**32
    r.step("old_data", f"{seq} {OLD_DATA_LEN}")
    # tcp_validate_incoming(): not acceptable (tcp_sequence) -> tcp_send_dupack: an ACK of
    # what B expects (data is never rate-limited, tcp_oow_rate_limited), the segment dropped
    r.inject(Packet(ts=0, src=r.ep["A"], dst=r.ep["B"], seq=seq, ack=snd_nxt,
                    flags=TH_ACK | TH_PSH, win=64240, payload_len=0), bytes(OLD_DATA_LEN))
    r.settle()
    readable, _, _ = select.select([r.sock["B"]], [], [], 0)
    if readable:
        raise RuntimeError("B took the old segment's bytes")
    r.send("A", 100)
    r.close("A")
    _expect_eof(r.sock["B"])
    r.close("B")


_RUNNERS: dict[str, Callable[[Run], None]] = {
    "old_duplicate_syn": _old_duplicate_syn,
    "old_data": _old_data,
    "syn_queue_full": _syn_queue_full,
    "syn_cookies": _syn_cookies,
    "port_scan_open": _port_scan_open,
    "port_scan_closed": _port_scan_closed,
    "port_scan_filtered": _port_scan_filtered,
    "no_time_wait": _no_time_wait,
    "fin_with_data": _fin_with_data,
    "normal": _normal,
    "merged_close": _merged_close,
    "halfclose": _halfclose,
    "server_closes_first": _server_closes_first,
    "abort": _abort,
    "refused": _refused,
    "simultaneous_close": _simultaneous_close,
    "simultaneous_open": _simultaneous_open,
}
assert set(_RUNNERS) == set(SCENARIOS)


def run_scenario(name: str, detail: bool = False, *, frames: bool = False,
                 ipv6: bool = False) -> dict:
    """Run scenario ``name`` on the real kernel and return its trace.

    ``detail=True`` adds, per segment, the window, the TCP option names and
    the capture time in ms (not part of the replay format).  Raises
    HarnessUnavailable if ``available(name)`` is false, TimeoutError if the
    run exceeds RUN_TIMEOUT.

    ``frames=True`` adds ``"frames"``: the raw captured frames of the
    connection's segments, ``(kernel time, ARPHRD type, bytes)`` in the
    order of ``segments`` (for writing pcap files).  ``ipv6=True`` runs a
    loopback scenario over ``::1`` instead of ``127.0.0.1``.
    """
    if name not in _RUNNERS:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
    ok, why = available(name)
    if not ok:
        raise HarnessUnavailable(why)

    def go() -> dict:
        # In its own thread: the wire moves the running thread between
        # network namespaces, which must never happen to the caller's.
        if ipv6 and _OPTIONS[name][1] == WIRE:
            raise ValueError(f"{name} runs on the IPv4 wire; ipv6 is for loopback scenarios")
        net: Loopback | Wire = (Wire() if _OPTIONS[name][1] == WIRE
                                else Loopback6() if ipv6 else Loopback())
        try:
            sysctls = SYSCTLS.get(name, {})
            if sysctls:
                assert isinstance(net, Wire)
                _set_sysctls(net, sysctls)
            r = Run(net)
            try:
                _RUNNERS[name](r)
                result = r.result(name, detail)
                if sysctls:
                    result["sysctls"] = {side: dict(v) for side, v in sysctls.items()}
                    result["limits"] = {_LIMIT_OF_SYSCTL[k]: v for per_side in sysctls.values()
                                        for k, v in per_side.items() if k in _LIMIT_OF_SYSCTL}
                if frames:
                    assert r.capture is not None
                    result["frames"] = list(r.capture.frames)
                return result
            finally:
                r.cleanup()
        finally:
            net.close()

    return _in_thread(go, RUN_TIMEOUT)  # type: ignore[return-value]


# --------------------------------------------------------------------------
# Giving up: the peer never answers.  Each scenario runs on the wire with
# the relay holding every packet from some moment on (nothing more is ever
# delivered), after lowering, in the namespace of the end that gives up, the
# sysctl that says how many times it retransmits, so that it gives up within
# seconds.  Separate from SCENARIOS: these take seconds and hold no
# connection to the end.
#
# The result is run_scenario()'s, plus "t" (seconds since the first
# segment) on every segment, "sysctls" (as set), "limits" (the same, as
# quizgen.tcp.endpoint.Limits takes them) and "gave_up": who, after how
# many seconds (since the first segment) and the error its application got.

#: name -> (the end that gives up, the sysctls set in its namespace)
GIVE_UP_SCENARIOS: dict[str, tuple[str, dict[str, int]]] = {
    # A connect()s; its SYNs are never answered.  tcp_syn_linear_timeouts=0:
    # the RTO doubles from the first timeout, as in the model (Linux 6.5+
    # keeps the first 4 timeouts at 1 s by default).
    "syn_timeout": ("A", {"tcp_syn_retries": 2, "tcp_syn_linear_timeouts": 0}),
    # established; A's data is never acknowledged.  tcp_early_retrans=0
    # turns off the tail loss probe, which the model does not have.
    "data_timeout": ("A", {"tcp_retries2": 3, "tcp_early_retrans": 0}),
    # one SYN (written into B's TUN device by hand: no A that would
    # retransmit it) reaches B's listener; its SYN,ACKs are never answered
    "synack_timeout": ("B", {"tcp_synack_retries": 2}),
}

_LIMIT_OF_SYSCTL = {"tcp_syn_retries": "syn_retries", "tcp_synack_retries": "synack_retries",
                    "tcp_retries2": "retries2"}
#: How many losses a script asks for to mean "everything from now on".
LOSE_ALL = 20
TCP_INFO = getattr(socket, "TCP_INFO", 11)
TCP_CLOSE = 7           # tcpi_state
_GIVE_UP_TIMEOUT = 15.0  # seconds to wait for an end to give up


def _set_sysctl(name: str, value: int) -> None:
    """Set net.ipv4.``name`` in the calling thread's network namespace
    (/proc/sys/net follows the thread, not the process)."""
    with open(f"/proc/sys/net/ipv4/{name}", "w") as f:
        f.write(str(value))


def _get_sysctl(name: str) -> int:
    with open(f"/proc/sys/net/ipv4/{name}") as f:
        return int(f.read())


def _set_sysctls(wire: Wire, per_side: dict[str, dict[str, int]]) -> None:
    """Set each side's sysctls in its namespace of ``wire``; fails if one does not take or if
    the host's namespace (the calling thread's) changed: none may be global."""
    names = {k for v in per_side.values() for k in v}
    host = {k: _get_sysctl(k) for k in names}
    for side, sysctls in per_side.items():
        with wire.inside(side):
            for key, value in sysctls.items():
                _set_sysctl(key, value)
                if _get_sysctl(key) != value:
                    raise RuntimeError(f"net.ipv4.{key} = {value} did not take in {side}'s namespace")
    changed = {k: v for k, v in host.items() if _get_sysctl(k) != v}
    if changed:
        raise RuntimeError(f"setting {sorted(changed)} in a namespace changed the host's too")


def _tcp_state(s: socket.socket) -> int:
    return s.getsockopt(socket.IPPROTO_TCP, TCP_INFO, 104)[0]


def _wait_closed(s: socket.socket) -> float:
    """Wait until the kernel has closed ``s`` (it gave up); the time it did."""
    deadline = time.time() + _GIVE_UP_TIMEOUT
    while _tcp_state(s) != TCP_CLOSE:
        if time.time() > deadline:
            raise TimeoutError("the connection did not give up")
        time.sleep(0.005)
    return time.time()


def _error_name(code: int) -> str:
    return errno.errorcode.get(code, str(code))


def _syn_timeout(r: Run) -> dict:
    wire = r.net
    assert isinstance(wire, Wire)
    listener = r.new_socket("B")
    listener.bind((wire.addr["B"], 0))
    listener.listen(1)
    a = r.new_socket("A")
    a.bind((wire.addr["A"], 0))
    r.start_capture(a.getsockname(), listener.getsockname())
    wire.hold()                          # nothing reaches B
    for _ in range(LOSE_ALL):
        r.step("lose", "A->B")
    r.step("A", "connect")
    a.settimeout(_GIVE_UP_TIMEOUT)
    try:
        a.connect(listener.getsockname())
    except OSError as exc:
        if exc.errno is None:            # the socket's own timeout, not the kernel's
            raise
        code = exc.errno
    else:
        raise RuntimeError("connect() to a wire that drops everything succeeded")
    return {"who": "A", "at": time.time(), "error": _error_name(code)}


def _data_timeout(r: Run) -> dict:
    wire = r.net
    assert isinstance(wire, Wire)
    r.connect()
    wire.hold()                          # from now on nothing is delivered
    for _ in range(LOSE_ALL):
        r.step("lose", "A->B")
    r.step("A", "send 100")
    r.sock["A"].sendall(bytes(100))
    at = _wait_closed(r.sock["A"])
    code = r.sock["A"].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    return {"who": "A", "at": at, "error": _error_name(code)}


def _syn_recv_entries(port: int) -> int:
    """How many SYN-RECEIVED requests the calling thread's namespace holds for ``port``."""
    with open("/proc/thread-self/net/tcp") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    return sum(1 for row in rows if int(row[1].split(":")[1], 16) == port and row[3] == "03")


def _synack_timeout(r: Run) -> dict:
    wire = r.net
    assert isinstance(wire, Wire)
    listener = r.new_socket("B")
    listener.bind((wire.addr["B"], 0))
    listener.listen(1)
    b = listener.getsockname()
    probe = r.new_socket("A")            # only to have a free port number for A
    probe.bind((wire.addr["A"], 0))
    a = probe.getsockname()
    r.start_capture(a, b)
    wire.hold()                          # B's answers go nowhere
    for _ in range(LOSE_ALL):
        r.step("lose", "B->A")
    r.step("A", "connect")
    isn = int.from_bytes(os.urandom(4), "big")
    r.inject(Packet(ts=0, src=a, dst=b, seq=isn, ack=0, flags=TH_SYN, win=64240, payload_len=0))
    deadline = time.time() + _GIVE_UP_TIMEOUT
    with wire.inside("B"):
        seen = False
        while True:
            n = _syn_recv_entries(b[1])
            seen = seen or n > 0
            if seen and n == 0:
                break
            if time.time() > deadline:
                raise TimeoutError("B's half-open connection was never dropped")
            time.sleep(0.005)
    return {"who": "B", "at": time.time(), "error": None}   # no application saw it


_GIVE_UP_RUNNERS: dict[str, Callable[[Run], dict]] = {
    "syn_timeout": _syn_timeout,
    "data_timeout": _data_timeout,
    "synack_timeout": _synack_timeout,
}
assert set(_GIVE_UP_RUNNERS) == set(GIVE_UP_SCENARIOS)


def run_give_up(name: str) -> dict:
    """Run give-up scenario ``name`` on the real kernel (over the wire) and
    return its trace, as run_scenario() does, with the additions above."""
    if name not in _GIVE_UP_RUNNERS:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(GIVE_UP_SCENARIOS)}")
    ok, why = available("simultaneous_close")        # the wire, as those need it
    if not ok:
        raise HarnessUnavailable(why)
    who, sysctls = GIVE_UP_SCENARIOS[name]

    def go() -> dict:
        wire = Wire()
        try:
            with wire.inside(who):
                for key, value in sysctls.items():
                    _set_sysctl(key, value)
            r = Run(wire)
            try:
                gave_up = _GIVE_UP_RUNNERS[name](r)
                packets = r.packets()
                result = build_result(name, {"fin_has_ack": True}, r.steps, r.ep, packets)
                t0 = packets[0].ts
                for seg, p in zip(result["segments"], packets):
                    seg["t"] = round(p.ts - t0, 3)
                result["sysctls"] = dict(sysctls)
                result["limits"] = {_LIMIT_OF_SYSCTL[k]: v for k, v in sysctls.items()
                                    if k in _LIMIT_OF_SYSCTL}
                result["gave_up"] = {"who": gave_up["who"], "after_s": round(gave_up["at"] - t0, 3),
                                     "error": gave_up["error"]}
                return result
            finally:
                r.cleanup()
        finally:
            wire.close()

    return _in_thread(go, RUN_TIMEOUT + _GIVE_UP_TIMEOUT)  # type: ignore[return-value]


def to_json(result: dict | list) -> str:
    """JSON with one segment per line, for reading by eye."""
    if isinstance(result, list):
        return "[\n" + ",\n".join(to_json(r) for r in result) + "\n]"
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in result.items() if k != "segments"]
    segs = ",\n".join("    " + json.dumps(s) for s in result.get("segments", []))
    lines.append('  "segments": [\n' + segs + "\n  ]")
    return "{\n" + ",\n".join(lines) + "\n}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m tests.kernel.harness", description=__doc__.split("\n")[0])
    ap.add_argument("scenario", nargs="*", help=f"default: all of {', '.join(SCENARIOS)}")
    ap.add_argument("--detail", action="store_true", help="add window, TCP options and time (ms) per segment")
    args = ap.parse_args(argv)
    names = args.scenario or list(SCENARIOS)
    for n in names:
        if n not in _RUNNERS:
            ap.error(f"unknown scenario {n!r}; known: {', '.join(SCENARIOS)}")
        ok, why = available(n)
        if not ok:
            print(f"harness unavailable for {n}: {why}", file=sys.stderr)
            return 2
    results = [run_scenario(n, detail=args.detail) for n in names]
    print(to_json(results[0] if len(results) == 1 else results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
