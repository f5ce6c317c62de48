"""Scenario scripts (YAML) and the built-in presets that draw their parameters from a seed.

A script is an interface; its format is exactly::

    isn: {A: 4294967290, B: 1000}   # optional; drawn from the seed when absent (with an
                                    # old_syn step, B_old: B's ISN answering the old SYN)
    options: {fin_ack: separate, piggyback: false, rst_ack: false, listen: true, msl: 120}
    steps:
      - A: connect
      - A: send 100
      - both: close
      - lose: A->B
      - wait: 30
      - flood: 128       # 128 SYNs from forged addresses reach B's listener
      - old_data: 123456 100   # an earlier connection's segment, seq 123456, 100 bytes, reaches B
                               # (a third number is its ack; B's SND.NXT when absent)
      - A: probe         # A's raw socket sends a SYN (seq = A's ISN) its TCP does not track

The options, their defaults and the values they take are the table in
:mod:`quizgen.tcp.options`. Errors name the file, the line and the step or field.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from quizgen import yamlutil
from quizgen.errors import QuizgenError, ScriptError
from quizgen.files import read_text_input
from quizgen.tcp.options import OptionError, Options
from quizgen.tcp.segment import WINDOW
from quizgen.tcp.seq import MOD, in_range, in_window

MAX_SEND = 1 << 20          # bytes of one send
MAX_STEPS = 1_000           # steps of a script
MAX_SEGMENTS = 10_000       # segments of a run: data, ACKs and retransmissions together
MAX_FLOOD = 65_535          # forged SYNs of one flood step (the largest backlog)
MAX_OLD_DATA = 1460         # bytes of an old connection's segment (one MSS)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


@dataclass(frozen=True)
class Step:
    who: str             # "A", "B", "both", "lose", "wait", "old_syn" or "flood"
    verb: str            # a call name; "lose"/"wait" for those steps
    arg: Any             # bytes for send, the sender for lose, milliseconds for wait,
                         # for old_syn how far below A's ISN the old SYN's seq is,
                         # for flood how many forged SYNs arrive, for old_data (seq, len)
    line: int | None
    what: str            # as written (whitespace made single spaces), for the trace

    @property
    def text(self) -> str:
        """The step as written, for messages: "A: send 100"."""
        return f"{self.who}: {self.what}"

    def as_dict(self) -> dict[str, Any]:
        return {self.who: self.what}


@dataclass
class Script:
    isn: dict[str, int]
    options: Options
    steps: list[Step]
    scenario: str = "script"
    seed: int | None = None
    source: str = "<script>"
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def simultaneous_open(self) -> bool:
        return any(s.who == "both" and s.verb == "connect" for s in self.steps)


# ---------------------------------------------------------------------- parsing
def load_script(path: str | Path, seed: int | None = None) -> Script:
    path = Path(path)
    try:
        text = read_text_input(path, "script")
    except QuizgenError as exc:
        raise ScriptError(exc.message, file=str(path), line=exc.line) from None
    return parse_script(text, source=str(path), seed=seed)


def parse_script(text: str, *, source: str = "<script>", seed: int | None = None,
                 scenario: str = "script") -> Script:
    try:
        doc, lines = yamlutil.load(text)
    except yamlutil.YamlSyntaxError as exc:
        raise ScriptError(str(exc), file=source, line=exc.line) from None
    return build_script(doc, lines=lines, source=source, seed=seed, scenario=scenario)


def build_script(doc: Any, *, lines: dict[str, int | None] | None = None, source: str = "<script>",
                 seed: int | None = None, scenario: str = "script") -> Script:
    """Validate a script given as plain data (parsed YAML, or a preset's dict)."""
    lines = lines or {}

    def err(msg: str, path: str, field: str | None = None) -> ScriptError:
        return ScriptError(msg, file=source, line=lines.get(path), field=field)

    if not isinstance(doc, dict):
        raise err("a script is a mapping with 'steps' (and optionally 'isn', 'options')", "")
    for key in doc:
        if key not in ("isn", "options", "steps"):
            raise err(f"unknown key {key!r} (expected isn, options, steps)", str(key), str(key))
    if "steps" not in doc:
        raise err("the script has no 'steps'", "")

    given = doc.get("options", {})
    if not isinstance(given, dict):
        raise err("options must be a mapping", "options", "options")
    try:
        options = Options.from_script(given)
    except OptionError as exc:
        path = f"options.{exc.name}"
        raise err(exc.message, path, path) from None

    rng = random.Random(seed if seed is not None else 0)
    isn = {"A": rng.randrange(MOD), "B": rng.randrange(MOD)}
    given = doc.get("isn", {})
    if not isinstance(given, dict):
        raise err("isn must be a mapping like {A: 1000, B: 5000}", "isn", "isn")
    for key, value in given.items():
        path = f"isn.{key}"
        if key not in ("A", "B", "B_old"):
            raise err("isn names A, B and B_old (B's ISN for an old duplicate SYN's half-open "
                      "connection)", path, path)
        if not in_range(value):
            raise err(f"{value!r} is outside [0, 4294967295]", path, path)
        isn[key] = value

    raw_steps = doc["steps"]
    if not isinstance(raw_steps, list) or not raw_steps:
        raise err("steps must be a non-empty list", "steps", "steps")
    if len(raw_steps) > MAX_STEPS:
        raise err(f"a script has at most {MAX_STEPS:,} steps, not {len(raw_steps):,}",
                  f"steps[{MAX_STEPS}]", "steps")
    steps = [_step(item, lines.get(f"steps[{i}]"), source) for i, item in enumerate(raw_steps)]
    if any(step.who == "old_syn" for step in steps):
        # B draws a new ISN for each passive open (RFC 9293 3.4.1, and Linux): the old SYN's
        # half-open connection has its own, B_old (drawn after A's and B's, which stay put)
        if "B_old" not in isn:
            isn["B_old"] = rng.randrange(MOD)
    elif "B_old" in isn:
        raise err("B_old is B's ISN for an old duplicate SYN, and the script has no old_syn step",
                  "isn.B_old", "isn.B_old")
    for step in steps:
        if step.verb.startswith("send") and -(-step.arg // options.mss) > MAX_SEGMENTS:
            raise ScriptError(f"with mss {options.mss}, sending {step.arg:,} bytes takes "
                              f"{-(-step.arg // options.mss):,} segments; a script makes at "
                              f"most {MAX_SEGMENTS:,} segments (data, ACKs and "
                              f"retransmissions together)", file=source, line=step.line,
                              field=f"step '{step.text}'")
    if options.piggyback and not any(
            a.verb == "connect" and b.who == a.who and b.verb == "send" for a, b in zip(steps, steps[1:])):
        raise err("piggyback: true needs a 'send' step right after the 'connect' step",
                  "options.piggyback", "options.piggyback")
    return Script(isn=isn, options=options, steps=steps, scenario=scenario, seed=seed, source=source)


_SEND = re.compile(r"send\s+(-?\d+)(\s+and\s+close)?")


def _shorten(text: str, limit: int = 40) -> str:
    """``text`` for a message: at most ``limit`` characters."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _step(item: Any, line: int | None, source: str) -> Step:
    if not (isinstance(item, dict) and len(item) == 1):
        raise ScriptError("a step is one 'WHO: WHAT' pair, like 'A: send 100'", file=source, line=line,
                          field="step")
    (who, raw), = item.items()
    what = " ".join(str(raw).split()) if raw is not None else ""

    def bad(msg: str) -> ScriptError:
        return ScriptError(msg, file=source, line=line,
                           field=f"step '{_shorten(str(who), 20)}: {_shorten(what)}'")

    if who in ("A", "B"):
        if what in ("connect", "close", "abort"):
            return Step(who, what, None, line, what)
        if what == "probe":
            if who != "A":
                raise bad("only A probes (a port scan of B)")
            return Step(who, what, None, line, what)
        m = _SEND.fullmatch(what)
        if m:
            sign, digits = ("-" if m.group(1)[0] == "-" else ""), m.group(1).lstrip("-0")
            if len(digits) > 20:                # int() of 5,000 digits is refused
                raise bad(f"a send must be of 1 to {MAX_SEND} bytes, not a "
                          f"{len(digits):,}-digit number")
            nbytes = int(sign + (digits or "0"))
            if not 1 <= nbytes <= MAX_SEND:
                raise bad(f"a send must be of 1 to {MAX_SEND} bytes, not {nbytes}")
            return Step(who, "send and close" if m.group(2) else "send", nbytes, line, what)
        raise bad(f"unknown call {_shorten(what)!r} (use connect, send N, send N and close, "
                  "close, abort; A: probe)")
    if who == "both":
        if what in ("connect", "close"):
            return Step(who, what, None, line, what)
        raise bad("'both' takes connect (simultaneous open) or close (simultaneous close)")
    if who == "lose":
        if what in ("A->B", "B->A"):
            return Step("lose", "lose", what[0], line, what)
        raise bad("'lose' takes A->B or B->A")
    if who == "wait":
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 0 <= raw <= 10**6:
            return Step("wait", "wait", int(round(raw * 1000)), line, what)
        raise bad("'wait' takes a number of seconds from 0 to 1000000")
    if who == "old_syn":
        if _is_int(raw) and 1 <= raw < MOD:
            return Step("old_syn", "old_syn", int(raw), line, str(raw))
        raise bad("'old_syn' takes how far below A's ISN the old SYN's seq is (1 to 4294967295)")
    if who == "old_data":
        m = re.fullmatch(r"(\d{1,10}) (\d{1,5})(?: (\d{1,10}))?", what)
        if (m and in_range(int(m.group(1))) and 1 <= int(m.group(2)) <= MAX_OLD_DATA
                and (m.group(3) is None or in_range(int(m.group(3))))):
            ack = None if m.group(3) is None else int(m.group(3))
            return Step("old_data", "old_data", (int(m.group(1)), int(m.group(2)), ack), line,
                        what)
        raise bad(f"'old_data' takes the old segment's seq (0 to 4294967295), its length (1 to "
                  f"{MAX_OLD_DATA}) and, optionally, its ack, like 'old_data: 123456 100'")
    if who == "flood":
        if _is_int(raw) and 1 <= raw <= MAX_FLOOD:
            return Step("flood", "flood", int(raw), line, str(raw))
        raise bad(f"'flood' takes how many forged SYNs reach B (1 to {MAX_FLOOD:,})")
    raise bad(f"unknown step {_shorten(str(who), 20)!r} "
              f"(use A, B, both, lose, wait, old_syn, old_data, flood)")


# ---------------------------------------------------------------------- presets
#: Parameters every preset takes, with their default ranges (inclusive).
PRESET_PARAMS: dict[str, tuple[int, int]] = {
    "isn": (0, MOD - 1),       # both ISNs are drawn from this range
    "bytes": (1, 1000),        # each send's byte count
    "msl": (120, 120),
    "delay": (50, 50),         # the one-way delay in milliseconds
    "backlog": (2, 4),         # the SYN queue of a flooded listener (syn_flood, syn_cookies)
    "wait": (1, 20),           # seconds from the flood until A connects (syn_flood)
}


class _Draw:
    """What a preset draws with: ``n()`` a byte count, ``n.of(name)`` another parameter."""

    def __init__(self, rng: random.Random, ranges: dict[str, tuple[int, int]]) -> None:
        self.rng, self.ranges = rng, ranges

    def __call__(self) -> int:
        return self.of("bytes")

    def of(self, name: str) -> int:
        return self.rng.randint(*self.ranges[name])


#: name -> a function that takes the draws (:class:`_Draw`) and returns the preset's script
PRESETS: dict[str, Callable[[_Draw], dict]] = {}


def _preset(fn: Callable[[_Draw], dict]) -> Callable[[_Draw], dict]:
    PRESETS[fn.__name__] = fn
    return fn


@_preset
def normal(n):
    return {"steps": [{"A": "connect"}, {"A": f"send {n()}"}, {"B": f"send {n()}"},
                      {"A": "close"}, {"B": "close"}]}


@_preset
def merged_close(n):
    return {"options": {"fin_ack": "merge"},
            "steps": [{"A": "connect"}, {"A": f"send {n()}"}, {"A": "close"}]}


@_preset
def fin_with_data(n):
    """A writes and closes at once: its FIN rides on the data (ack = seq + len + 1)."""
    return {"options": {"fin_has_ack": True},
            "steps": [{"A": "connect"}, {"A": f"send {n()} and close"}, {"B": "close"}]}


@_preset
def halfclose(n):
    return {"steps": [{"A": "connect"}, {"A": f"send {n()}"}, {"A": "close"},
                      {"B": f"send {n()}"}, {"B": "close"}]}


@_preset
def piggyback(n):
    return {"options": {"piggyback": True},
            "steps": [{"A": "connect"}, {"A": f"send {n()}"}, {"B": f"send {n()}"},
                      {"A": "close"}, {"B": "close"}]}


@_preset
def server_closes_first(n):
    return {"steps": [{"A": "connect"}, {"A": f"send {n()}"}, {"B": f"send {n()}"},
                      {"B": "close"}, {"A": "close"}]}


@_preset
def simultaneous_open(n):
    return {"steps": [{"both": "connect"}, {"A": f"send {n()}"}, {"A": "close"}, {"B": "close"}]}


@_preset
def simultaneous_close(n):
    return {"steps": [{"A": "connect"}, {"A": f"send {n()}"}, {"both": "close"}]}


@_preset
def abort(n):
    return {"steps": [{"A": "connect"}, {"A": f"send {n()}"}, {"A": "abort"}]}


@_preset
def refused(n):
    return {"options": {"listen": False}, "steps": [{"A": "connect"}]}


@_preset
def syn_lost(n):
    return {"steps": [{"lose": "A->B"}, {"A": "connect"}, {"A": f"send {n()}"},
                      {"A": "close"}, {"B": "close"}]}


@_preset
def synack_lost(n):
    return {"steps": [{"lose": "B->A"}, {"A": "connect"}, {"A": f"send {n()}"},
                      {"A": "close"}, {"B": "close"}]}


@_preset
def data_lost(n):
    return {"steps": [{"A": "connect"}, {"lose": "A->B"}, {"A": f"send {n()}"},
                      {"A": "close"}, {"B": "close"}]}


@_preset
def fin_lost(n):
    return {"steps": [{"A": "connect"}, {"A": f"send {n()}"}, {"lose": "A->B"},
                      {"A": "close"}, {"B": "close"}]}


@_preset
def last_ack_lost(n):
    return {"steps": [{"A": "connect"}, {"A": f"send {n()}"}, {"A": "close"},
                      {"lose": "A->B"}, {"B": "close"}]}


@_preset
def no_time_wait(n):
    """last_ack_lost without TIME-WAIT: A is CLOSED at once, so B's FIN sent again meets no
    connection and is answered by RST (RFC 9293 3.10.7.1), the textbook's reason for 2 MSL."""
    return {"options": {"time_wait": False},
            "steps": [{"A": "connect"}, {"A": f"send {n()}"}, {"A": "close"},
                      {"lose": "A->B"}, {"B": "close"}]}


@_preset
def old_duplicate_syn(n):
    """RFC 9293 figure 8's old duplicate SYN, arriving while A has no connection: B answers
    with a SYN,ACK, A (CLOSED) with a RST, B goes back to LISTEN; then A connects."""
    return {"steps": [{"old_syn": n()}, {"A": "connect"}, {"A": f"send {n()}"},
                      {"A": "close"}, {"B": "close"}]}


@_preset
def syn_flood(n):
    """A SYN flood fills B's SYN queue (backlog half-open connections from forged addresses,
    never completed); A connects a while later. Without SYN cookies B drops A's SYNs until
    the forged entries are given up (after B's SYN,ACK retransmissions, 63 s with Linux's
    tcp_synack_retries of 5), so A's retransmitted SYN is the one answered."""
    backlog = n.of("backlog")
    return {"options": {"backlog": backlog},
            "steps": [{"flood": backlog}, {"wait": n.of("wait")}, {"A": "connect"},
                      {"A": f"send {n()}"}, {"A": "close"}, {"B": "close"}]}


@_preset
def syn_cookies(n):
    """The same flood, with SYN cookies: B answers A's SYN at once with a cookie (seq = y), keeps
    no state and stays in LISTEN, and opens the connection when A's ACK of the cookie arrives."""
    backlog = n.of("backlog")
    return {"options": {"backlog": backlog, "syn_cookies": True},
            "steps": [{"flood": backlog}, {"A": "connect"}, {"A": f"send {n()}"},
                      {"A": "close"}, {"B": "close"}]}


@_preset
def port_scan_open(n):
    """A SYN scan of an open port: B's listener answers with SYN,ACK, A's TCP (which never sent
    the SYN: a raw socket did) answers that with RST, and B listens again."""
    return {"steps": [{"A": "probe"}]}


@_preset
def port_scan_closed(n):
    """A SYN scan of a closed port: RST,ACK (RFC 9293 3.10.7.1)."""
    return {"options": {"listen": False}, "steps": [{"A": "probe"}]}


@_preset
def port_scan_filtered(n):
    """A SYN scan of a filtered port: a firewall drops the SYN, nothing comes back."""
    return {"steps": [{"lose": "A->B"}, {"A": "probe"}]}


@_preset
def old_segment(n):
    """An earlier connection between the same ports left a data segment in the network; it
    reaches B just after the handshake. Its seq comes from that connection's own ISN, drawn at
    random like every ISN, so it lies outside B's receive window: B answers with an ACK of what
    it does expect and drops it (RFC 9293 3.10.7.4), and the connection goes on unharmed."""
    return {"steps": [{"A": "connect"}, {"old_data": None}, {"A": f"send {n()}"},
                      {"A": "close"}, {"B": "close"}],
            "_old_data": min(n(), MAX_OLD_DATA)}


@_preset
def wraparound(n):
    return {"steps": [{"A": "connect"}, {"A": f"send {n()}"}, {"B": f"send {n()}"},
                      {"A": "close"}, {"B": "close"}],
            "_wrap": True}


def preset_script(name: str, seed: int = 1, params: dict[str, Any] | None = None,
                  options: dict[str, Any] | None = None) -> Script:
    """The preset ``name`` with its parameters drawn by ``random.Random(seed)``.

    ``params`` narrows the ranges of :data:`PRESET_PARAMS` (e.g. ``{"isn": [1000, 9999]}``);
    ``options`` sets scenario options on top of the preset's own.
    """
    if name not in PRESETS:
        raise ScriptError(f"unknown preset {name!r}; presets: {', '.join(sorted(PRESETS))}",
                          field="preset")
    ranges = dict(PRESET_PARAMS)
    for key, value in (params or {}).items():
        if key not in ranges:
            raise ScriptError(f"unknown parameter (known: {', '.join(ranges)})", field=f"params.{key}")
        if not (isinstance(value, (list, tuple)) and len(value) == 2 and all(_is_int(v) for v in value)
                and value[0] <= value[1]):
            raise ScriptError("a range is two whole numbers [low, high] with low <= high",
                              field=f"params.{key}")
        ranges[key] = (int(value[0]), int(value[1]))
    if not (0 <= ranges["isn"][0] and ranges["isn"][1] < MOD):
        raise ScriptError("ISNs must lie in [0, 4294967295]", field="params.isn")
    if not (1 <= ranges["bytes"][0] and ranges["bytes"][1] <= MAX_SEND):
        raise ScriptError(f"byte counts must lie in [1, {MAX_SEND}]", field="params.bytes")
    if not (1 <= ranges["backlog"][0] and ranges["backlog"][1] <= MAX_FLOOD):
        raise ScriptError(f"a backlog must lie in [1, {MAX_FLOOD}]", field="params.backlog")
    if not (0 <= ranges["wait"][0] and ranges["wait"][1] <= 10**6):
        raise ScriptError("a wait must lie in [0, 1000000] seconds", field="params.wait")
    rng = random.Random(seed)
    isn = {"A": rng.randint(*ranges["isn"]), "B": rng.randint(*ranges["isn"])}
    doc = PRESETS[name](_Draw(rng, ranges))
    if doc.pop("_wrap", False):   # A's ISN a few bytes below 2**32, so A's data wraps
        isn["A"] = MOD - rng.randint(1, min(8, ranges["bytes"][0]))
    doc["isn"] = isn
    doc["options"] = {**doc.get("options", {}), "msl": rng.randint(*ranges["msl"]), **(options or {})}
    if ranges["delay"] != PRESET_PARAMS["delay"]:      # drawn last: the other draws stay put
        doc["options"].setdefault("delay", rng.randint(*ranges["delay"]))
    if "_old_data" in doc:         # the old connection's seq: its own ISN, from all 2**32
        length, seq, ack = doc.pop("_old_data"), rng.randrange(MOD), rng.randrange(MOD)
        # outside B's window [x + 1, x + 1 + 65535): a seq within it is moved half the space away
        if in_window(seq, length, (isn["A"] + 1) % MOD, WINDOW):
            seq = (seq + MOD // 2) % MOD
        doc["steps"] = [{"old_data": f"{seq} {length} {ack}"} if "old_data" in st else st
                        for st in doc["steps"]]
    script = build_script(doc, source=f"<preset {name}>", seed=seed, scenario=name)
    script.params = {k: list(v) for k, v in ranges.items()}
    return script
