"""The question bank for Chinese course platforms' importers: a Word file in the plain text
convention their Word import reads, and an Excel sheet in the common column layout.

Word (``bank_docx``), one question after another, each line its own paragraph::

    1、【单选题】A 发出 (SYN=1, seq=1000) 后，B 应答的报文段是（　　）
    A. SYN=1, ACK=1, seq=5000, ack=1001
    B. ...
    答案：A
    解析：SYN 消耗一个序号，……
    难易程度：易
    知识点：三次握手

Types: 单选题, 多选题 (答案：AC), 判断题 (答案：正确 / 错误), 填空题 (each blank ``______`` in
the stem, 答案 the blanks' answers in order, separated by ``；``), 排序题 (答案 the letters in
order, ``CAB``). A ladder diagram goes in as a PNG picture after the stem.

Excel (``bank_xlsx``): one row a question under the header 题型, 题干, 选项, 答案, 解析, 难度,
知识点; the options in one cell, one ``A. …`` a line. Every cell is text (a sequence number
of 4294967295 stays exact). A cell cannot hold a diagram, so questions with one are left
out (and counted).

docs/word-and-layouts.md says which platforms' templates these follow and what their
importers cannot carry. Answers are the question data's: ``answer_text``, ``key_letters``
for letters, the part's boolean for 正确/错误 (the importers' fixed words). Same questions,
same bytes (SOURCE_DATE_EPOCH for the properties' dates).
"""

from __future__ import annotations

import io
import re
from typing import Any, Callable, Mapping, Sequence

from quizgen.errors import QuizgenError
from quizgen.questions.data import (
    BLANK_KINDS,
    LETTERS,
    check_questions,
    key_letters,
    key_text,
)
from quizgen.render.ooxml import (
    Node,
    docx_modules,
    finish,
    new_document,
    parse_html,
    plain_text,
    xlsx_bytes,
)
from quizgen.safehtml import clean_question

#: The platforms' type words.
TYPE_WORDS = {"single": "单选题", "multiple": "多选题", "truefalse": "判断题", "fill": "填空题",
              "order": "排序题", "essay": "简答题"}
#: 难易程度 of difficulty 1, 2, 3.
LEVELS = {1: "易", 2: "中", 3: "难"}
#: 知识点: a topic's name as a Chinese course calls it (others are kept as they are).
TOPICS = {"handshake": "三次握手", "teardown": "四次挥手（连接释放）", "halfclose": "半关闭",
          "lifecycle": "TCP 连接状态", "abort": "连接复位（RST）", "refused": "连接被拒绝",
          "retransmission": "超时重传", "wraparound": "序号回绕"}
HEADER = ("题型", "题干", "选项", "答案", "解析", "难度", "知识点")
FILL_BLANK = "______"
CHOICE_BLANK = "（　　）"
TRUE_FALSE = ("正确", "错误")

DiagramPng = Callable[[Mapping[str, Any]], bytes]


# --------------------------------------------------------------------------- plain text
def html_text(fragment: str, blank: Callable[[str], str] | None = None) -> str:
    """Cleaned bank HTML as the plain text an importer reads: paragraphs and line breaks as
    new lines, a segment table (a row of names over a row of values) as ``SYN=1，seq=______``,
    other tables a row a line, blank markers as ``blank(part_id)``."""
    out: list[str] = []
    _walk(parse_html(fragment), out, blank)
    text = "".join(out)
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _walk(node: Any, out: list[str], blank) -> None:
    if isinstance(node, str):
        out.append(node.replace("\n", " "))
        return
    if node.tag == "span" and "qg-blank" in node.attrs.get("class", ""):
        out.append(blank(node.attrs.get("data-part", "")) if blank else "")
        return
    if node.tag == "br":
        out.append("\n")
        return
    if node.tag == "table":
        out.append("\n" + _table_text(node, blank) + "\n")
        return
    block = node.tag in ("p", "div", "li", "pre", "ul", "ol", "caption")
    if block:
        out.append("\n")
    if node.tag == "li":
        out.append("• ")
    for child in node.children:
        _walk(child, out, blank)
    if block:
        out.append("\n")


def _table_text(node: Node, blank) -> str:
    rows: list[list[str]] = []

    def collect(n: Node) -> None:
        for child in n.children:
            if isinstance(child, Node):
                if child.tag == "tr":
                    rows.append([" ".join(plain_text(c, blank).split()) for c in child.children
                                 if isinstance(c, Node) and c.tag in ("td", "th")])
                elif child.tag in ("thead", "tbody", "tfoot"):
                    collect(child)

    collect(node)
    if len(rows) == 2 and len(rows[0]) == len(rows[1]):
        return "，".join(f"{h}={v}" for h, v in zip(*rows))
    return "\n".join(" | ".join(r) for r in rows)


# ----------------------------------------------------------------------------- questions
def _kind(q: Mapping[str, Any]) -> str:
    kinds = [p["kind"] for p in q["parts"]]
    if len(kinds) == 1 and kinds[0] == "choice":
        return "multiple" if q["parts"][0].get("multiple") else "single"
    if len(kinds) == 1 and kinds[0] in ("truefalse", "order"):
        return kinds[0]
    if all(k in BLANK_KINDS for k in kinds):
        return "fill"
    return "essay"


def item(q: Mapping[str, Any]) -> dict[str, Any]:
    """One question as the importers read it: type word, stem, options, answer, explanation,
    level and topic (plain text), from the question data alone."""
    q = clean_question(q)
    kind = _kind(q)
    parts = {p["id"]: p for p in q["parts"]}
    order: list[str] = []

    def blank(part_id: str) -> str:
        order.append(part_id)
        return FILL_BLANK

    stem = html_text(q["prompt"], blank)
    options: list[str] = []
    notes: list[str] = []
    if kind == "fill":
        for part in q["parts"]:
            if part["id"] not in order:
                stem += f"\n{part.get('label') or ''}{'：' if part.get('label') else ''}{FILL_BLANK}"
                order.append(part["id"])
        answer = "；".join(key_text(parts[i], q["lang"]) for i in order)
        for i in order:
            accept = [a for a in parts[i].get("accept") or () if a != parts[i].get("answer_text")]
            if parts[i]["kind"] == "text" and accept:
                notes.append(f"{parts[i].get('label') or '答案'}可接受的写法："
                             + "、".join(dict.fromkeys(accept)))
    elif kind in ("single", "multiple"):
        part = q["parts"][0]
        options = [f"{LETTERS[k]}. {html_text(c['text'])}" for k, c in enumerate(part["choices"])]
        answer = key_letters(part).replace(", ", "")
        if CHOICE_BLANK not in stem:
            stem += CHOICE_BLANK
    elif kind == "truefalse":
        answer = TRUE_FALSE[0] if q["parts"][0]["answer"] else TRUE_FALSE[1]
    elif kind == "order":
        part = q["parts"][0]
        options = [f"{LETTERS[k]}. {html_text(i['text'])}" for k, i in enumerate(part["items"])]
        answer = key_letters(part).replace(" → ", "")
    else:
        answer = "；".join(f"{p.get('label') or k + 1} = {key_text(p, q['lang'])}"
                          for k, p in enumerate(q["parts"]))
    explanation = html_text(q.get("explanation") or "")
    if notes:
        explanation = "\n".join([explanation, *notes]) if explanation else "\n".join(notes)
    return {"type": TYPE_WORDS[kind], "stem": stem, "options": options, "answer": answer,
            "explanation": explanation, "level": LEVELS.get(int(q.get("difficulty") or 2), "中"),
            "topic": TOPICS.get(q.get("topic", ""), q.get("topic", "")),
            "diagram": bool(q.get("diagram"))}


# ---------------------------------------------------------------------------------- Word
def bank_docx(questions: Sequence[Mapping[str, Any]], *, title: str = "题库",
              diagram_png: DiagramPng | None = None, lang: str = "zh") -> bytes:
    """The questions as a Word file in the ``1、【单选题】…`` convention (one paragraph a line)."""
    check_questions(list(questions))
    _, _, _, _, _, Mm, Pt, _ = docx_modules()
    doc = new_document(None, lang)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    for n, q in enumerate(questions, start=1):
        it = item(q)
        lines = it["stem"].split("\n")
        doc.add_paragraph(f"{n}、【{it['type']}】{lines[0]}")
        for line in lines[1:]:
            doc.add_paragraph(line)
        if it["diagram"] and diagram_png is not None:
            doc.add_paragraph().add_run().add_picture(io.BytesIO(diagram_png(q)), width=Mm(150))
        for option in it["options"]:
            doc.add_paragraph(option)
        doc.add_paragraph(f"答案：{it['answer']}")
        explanation = it["explanation"].split("\n") if it["explanation"] else [""]
        doc.add_paragraph(f"解析：{explanation[0]}")
        for line in explanation[1:]:
            doc.add_paragraph(line)
        doc.add_paragraph(f"难易程度：{it['level']}")
        doc.add_paragraph(f"知识点：{it['topic']}")
        doc.add_paragraph()
    return finish(doc, title=title, lang=lang)


# --------------------------------------------------------------------------------- Excel
def bank_xlsx(questions: Sequence[Mapping[str, Any]], *, title: str = "题库"
              ) -> tuple[bytes, int]:
    """The questions as an Excel sheet (题型, 题干, 选项, 答案, 解析, 难度, 知识点) and how many
    were left out for their diagrams."""
    check_questions(list(questions))
    try:
        import openpyxl
        from openpyxl.styles import Alignment, Font
    except ImportError:
        raise QuizgenError("writing Excel needs openpyxl (pip install openpyxl)") from None
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "题库"
    sheet.append(list(HEADER))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    skipped = 0
    for q in questions:
        it = item(q)
        if it["diagram"]:
            skipped += 1
            continue
        row = [it["type"], it["stem"], "\n".join(it["options"]), it["answer"],
               it["explanation"], it["level"], it["topic"]]
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"
            cell.number_format = "@"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEFG", (8, 60, 40, 16, 50, 8, 16)):
        sheet.column_dimensions[col].width = width
    book.properties.creator = "quizgen"
    book.properties.title = title
    return xlsx_bytes(book), skipped
