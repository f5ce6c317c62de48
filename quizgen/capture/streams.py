"""Split a capture's TCP segments into connections ("streams"), numbered like Wireshark's
``tcp.stream``: by 4-tuple, in the order of each connection's first packet.

A 4-tuple is reused by a new connection when a SYN (without ACK) arrives that cannot belong to
the current one: its sender already sent a SYN with another ISN, or the current stream started
without any SYN (a capture that began mid-connection). That SYN starts a new stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from quizgen.capture.reader import TH_ACK, TH_FIN, TH_RST, TH_SYN, Packet


@dataclass
class Stream:
    index: int
    a: tuple[str, int]              # the endpoint that sent the first SYN (else the first packet)
    b: tuple[str, int]
    packets: list[Packet] = field(default_factory=list)
    _syn: dict = field(default_factory=dict, repr=False)    # endpoint -> ISN of its SYN

    def describe(self) -> dict:
        """A summary for listings: who, how many packets, what was seen."""
        flags = {"A": 0, "B": 0}
        for p in self.packets:
            flags["A" if p.src == self.a else "B"] |= p.flags
        seen = []
        if any(p.flags & TH_SYN and not p.flags & TH_ACK for p in self.packets):
            seen.append("open")
        elif any(p.flags & TH_SYN for p in self.packets):
            seen.append("open (SYN not captured)")
        else:
            seen.append("mid-connection start")
        fins = [s for s in "AB" if flags[s] & TH_FIN]
        if flags["B"] & TH_RST and not flags["B"] & TH_SYN and seen[0] == "open":
            seen[0] = "refused (RST)"
        elif any(flags[s] & TH_RST for s in "AB"):
            seen.append("reset by " + "+".join(s for s in "AB" if flags[s] & TH_RST))
        if len(fins) == 2:
            seen.append("close")
        elif fins:
            seen.append(f"half close (FIN from {fins[0]} only)")
        elif not any(flags[s] & TH_RST for s in "AB"):
            seen.append("no close")
        t0 = self.packets[0].time
        return {"stream": self.index, "A": endpoint_text(self.a), "B": endpoint_text(self.b),
                "packets": len(self.packets), "first_frame": self.packets[0].frame,
                "start": t0, "duration": self.packets[-1].time - t0, "seen": ", ".join(seen)}


def endpoint_text(ep: tuple[str, int]) -> str:
    addr, port = ep
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def split_streams(packets: list[Packet]) -> list[Stream]:
    streams: list[Stream] = []
    current: dict[tuple, Stream] = {}
    for p in packets:
        key = (p.src, p.dst) if p.src <= p.dst else (p.dst, p.src)
        st = current.get(key)
        is_syn = p.flags & (TH_SYN | TH_ACK) == TH_SYN
        if st is not None and is_syn:
            mine = st._syn.get(p.src)
            if (mine is not None and mine != p.seq) or not st._syn:
                st = None                          # a new connection on the same 4-tuple
        if st is None:
            a, b = p.src, p.dst
            if p.flags & (TH_SYN | TH_ACK) == TH_SYN | TH_ACK:
                a, b = p.dst, p.src                # a SYN,ACK: its receiver sent the SYN
            st = Stream(len(streams), a, b)
            streams.append(st)
            current[key] = st
        if p.flags & TH_SYN:
            st._syn.setdefault(p.src, p.seq)
        st.packets.append(p)
    return streams
