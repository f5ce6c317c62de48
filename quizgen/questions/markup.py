"""Small HTML fragments bank templates use as ``m.segment_row(...)`` and ``m.inline(...)``.

Plain functions rather than Jinja macros: a macro in the sandbox cost ~200 µs a call, most of a
question's budget. Every value is escaped; the result is Markup, safe to embed.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

FLAGS = ("SYN", "ACK", "FIN", "RST")


#: A blank marker as :func:`blank` writes it; group 1 is the part's id.
BLANK_RE = re.compile(r'<span class="qg-blank" data-part="([a-z0-9_]+)"></span>')


def blank(part_id: str) -> Markup:
    """The blank marker writers replace with their own answer box (docs/question-data.md)."""
    return Markup(f'<span class="qg-blank" data-part="{escape(part_id)}"></span>')


def describe(seg: dict) -> str:
    """A segment as a textbook writes it: SYN=1, ACK=1, seq=5000, ack=1001."""
    bits = [f"{flag}=1" for flag in ("SYN", "FIN", "RST", "ACK") if flag in seg["flags"]]
    nums = [f"seq={seg['seq']}"] + ([f"ack={seg['ack']}"] if seg.get("ack") is not None else [])
    if seg.get("len"):
        nums.append(f"len={seg['len']}")
    return ", ".join(bits + nums)


def segment_row(seg: dict, blanks: dict | None = None, show_len: bool | None = None) -> Markup:
    """A segment as a table, textbook style; fields named in ``blanks`` (field -> part id) are blank."""
    blanks = blanks or {}
    cols = ["SYN", "ACK", "FIN"]
    if "RST" in seg["flags"] or "RST" in blanks:
        cols.append("RST")
    cols += ["seq", "ack"]
    if show_len if show_len is not None else (seg.get("len") or "len" in blanks):
        cols.append("len")
    cells: list[str] = []
    for c in cols:
        if c in blanks:
            cells.append(blank(blanks[c]))
        elif c in FLAGS:
            cells.append("1" if c in seg["flags"] else "0")
        elif seg.get(c) is None:
            cells.append("–")
        else:
            cells.append(escape(seg[c]))
    # built by concatenation of escaped pieces: Markup.format costs ~10 us a call
    head = "".join(f"<th>{c}</th>" for c in cols)
    body = "".join(f"<td>{c}</td>" for c in cells)
    return Markup(f'<table class="qg-seg"><tbody><tr>{head}</tr><tr>{body}</tr></tbody></table>')


def inline(seg: dict) -> Markup:
    """A segment written inline: (SYN=1, seq=1000)."""
    return Markup(f'<span class="qg-inline">({escape(describe(seg))})</span>')


# A dict, not a namespace: the sandbox reads a dict's keys without its attribute checks.
MACROS: dict[str, Any] = {"segment_row": segment_row, "inline": inline}
