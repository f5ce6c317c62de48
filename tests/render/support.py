"""Question sources for the render tests and the paper benchmark, built on the hand-written
fixture questions (tests/fixtures/questions_sample.json) and only the documented schema."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "questions_sample.json"
DATA = Path(__file__).resolve().parent / "data"

# Chinese wording of the fixture questions (same parts, answers and traces).
_ZH = {
    "s-fill": ("第二次握手",
               "<p>B 收到 A 的 SYN 报文段（seq = 4294967290）后发回确认。请填写该报文段的各字段：</p>",
               "<p>SYN 报文段消耗一个序号，所以 ack = x + 1 = 4294967291（模 2<sup>32</sup>）。</p>"),
    "s-state": ("收到 FIN 的确认之后",
                "<p>A 已发送 FIN，并收到了 B 的确认（报文段 9）。此时 A 处于哪个状态？</p>",
                "<p>A 的 FIN 已被确认，但尚未收到 B 的 FIN，所以处于 FIN-WAIT-2（终止等待2）。</p>"),
    "s-statetext": ("状态名称",
                    "<p>B 收到 A 的 FIN（报文段 8）后进入什么状态？</p>",
                    "<p>CLOSE-WAIT（关闭等待）：B 确认了 A 的 FIN，但自己还有数据可以发送。</p>"),
    "s-multi": ("消耗序号的报文段",
                "<p>下列哪些报文段要消耗一个序号？（多选）</p>",
                "<p>SYN 和 FIN 各消耗一个序号，不携带数据的纯 ACK 不消耗序号。</p>"),
    "s-tf": ("时间等待",
             "<p>TIME-WAIT 状态持续 2MSL。若 MSL = 120 s，则 A 在该状态停留 240 s。</p>",
             "<p>2 × 120 s = 240 s，所以说法正确。</p>"),
    "s-order": ("A 的状态顺序",
                "<p>请按时间先后排列 A 经历的状态。</p>",
                "<p>SYN-SENT → ESTABLISHED → FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT。</p>"),
}


@dataclass(frozen=True)
class Entry:
    id: str
    bank: str
    type: str
    topic: str
    tags: tuple[str, ...]
    difficulty: int
    points: float


def fixture_questions() -> list[dict[str, Any]]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def zh_questions() -> list[dict[str, Any]]:
    """The fixture questions worded in Chinese."""
    out = []
    for q in fixture_questions():
        q = copy.deepcopy(q)
        if q["id"] in _ZH:
            original = q["prompt"]
            q["title"], q["prompt"], q["explanation"] = _ZH[q["id"]]
            if q["id"] == "s-fill":  # keep the segment table with its blank markers
                q["prompt"] += original.split("</p>", 1)[1]
        q["lang"] = "zh"
        out.append(q)
    return out


def load_trace(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"trace_{name}.json").read_text(encoding="utf-8"))


class FixtureSource:
    """A QuestionSource over fixed questions: ``generate`` returns a copy stamped with the
    seed it was asked for (its qid and seed), so papers differ only in choice and order."""

    def __init__(self, questions: list[dict[str, Any]] | None = None) -> None:
        self.questions = {q["id"]: q for q in (questions or fixture_questions())}
        self.calls: list[tuple[str, int, str]] = []

    def entries(self) -> list[Entry]:
        return [Entry(q["id"], q["bank"], q["type"], q["topic"], tuple(q["tags"]),
                      q["difficulty"], q["points"]) for q in self.questions.values()]

    def generate(self, entry: Entry, seed: int, lang: str) -> dict[str, Any]:
        self.calls.append((entry.id, seed, lang))
        q = copy.deepcopy(self.questions[entry.id])
        q["seed"], q["qid"] = seed, f"{entry.id}@{seed}"
        return q
