"""Moodle XML (question/format/xml): one category per bank entry, holding its variants.

Single-part questions map to Moodle's own types (numerical, multichoice, shortanswer,
truefalse, matching for ``order``); questions with several parts become one cloze
(multianswer) question whose blanks stand where the prompt's markers are; inside its fields
every answer and feedback is written so that Moodle's cloze parser reads it back exactly
(``cloze_escape``). HTML goes in CDATA; a ladder diagram travels as a base64 ``<file>`` of the
question text.
"""

from __future__ import annotations

import base64

from quizgen.export.grades import (
    choice_fractions,
    fraction_text,
    integer_weights,
    number_text,
    part_points,
)
from quizgen.export.parts import (
    BLANK_MARK,
    DiagramFn,
    accepted,
    by_entry,
    category_path,
    diagram_file,
    diagram_img,
    general_feedback,
    is_multipart,
    marked_parts,
    part_label,
    positions,
    replace_blanks,
    shortanswer_escape,
    truefalse_choices,
)
from quizgen.export.xmlzip import cdata, xml_escape


def count(questions: list[dict]) -> int:
    """How many questions :func:`write` writes for ``questions``: one each."""
    return len(questions)


def write(questions: list[dict], diagram_svg: DiagramFn | None = None) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for _entry_id, variants in by_entry(questions):
        out.append(_category(variants[0]))
        for q in variants:
            out.append(_question(q, diagram_svg))
    out.append("</quiz>")
    return ("\n".join(out) + "\n").encode("utf-8")


def _category(q: dict) -> str:
    return ('  <question type="category">\n'
            f"    <category><text>{xml_escape(category_path(q))}</text></category>\n"
            '    <info format="html"><text></text></info>\n'
            "  </question>")


def _text(tag: str, html: str, indent: str = "    ", extra: str = "") -> str:
    return f'{indent}<{tag} format="html"><text>{cdata(html)}</text>{extra}</{tag}>'


def _question(q: dict, diagram_svg: DiagramFn | None) -> str:
    file = diagram_file(q, diagram_svg)
    img, files = "", ""
    if file:
        name, data = file
        img = _prose(diagram_img(q, f"@@PLUGINFILE@@/{name}"))
        files = (f'\n      <file name="{xml_escape(name, quote=True)}" path="/" '
                 f'encoding="base64">{base64.b64encode(data).decode("ascii")}</file>\n    ')
    body: list[str] = []
    if is_multipart(q):
        qtype, text = "cloze", _cloze_text(q, img)
    else:
        qtype, body = _single(q, q["parts"][0])
        text = replace_blanks(q["prompt"], lambda pid: BLANK_MARK) + img
    lines = [
        f'  <question type="{qtype}">',
        f"    <name><text>{xml_escape(q['title'])}</text></name>",
        _text("questiontext", text, extra=files),
        _text("generalfeedback", general_feedback(q)),
        f"    <defaultgrade>{number_text(sum(part_points(q)))}</defaultgrade>",
        "    <penalty>0.3333333</penalty>",
        "    <hidden>0</hidden>",
        f"    <idnumber>{xml_escape(q['qid'])}</idnumber>",
        *body,
        _tags(q),
        "  </question>",
    ]
    return "\n".join(lines)


def _tags(q: dict) -> str:
    tags = []
    for t in [*(q.get("tags") or []), q.get("topic")]:
        if t and t not in tags:
            tags.append(t)
    inner = "".join(f"<tag><text>{xml_escape(t)}</text></tag>" for t in tags)
    return f"    <tags>{inner}</tags>"


def _answer(fraction: float, text: str, feedback: str = "", *, html: bool = True,
            extra: str = "") -> str:
    fmt = "html" if html else "moodle_auto_format"
    body = cdata(text) if html else xml_escape(text)
    return (f'    <answer fraction="{fraction_text(fraction)}" format="{fmt}"><text>{body}</text>'
            f'<feedback format="html"><text>{cdata(feedback)}</text></feedback>{extra}</answer>')


def _single(q: dict, part: dict) -> tuple[str, list[str]]:
    """Moodle type and type-specific lines of a one-part question."""
    kind = part["kind"]
    if kind in ("number", "bit"):
        return "numerical", [
            _answer(100, str(int(part["answer"])), html=False,
                    extra="<tolerance>0</tolerance>"),
            "    <unitgradingtype>0</unitgradingtype>",
            "    <unitpenalty>0.1000000</unitpenalty>",
            "    <showunits>3</showunits>",
            "    <unitsleft>0</unitsleft>",
        ]
    if kind == "text":
        return "shortanswer", ["    <usecase>0</usecase>"] + [
            _answer(100, shortanswer_escape(a), html=False) for a in accepted(part)]
    if kind == "truefalse":
        yes = part["answer"] is True
        return "truefalse", [
            _answer(100 if yes else 0, "true", part.get("feedback_true", ""), html=False),
            _answer(0 if yes else 100, "false", part.get("feedback_false", ""), html=False),
        ]
    if kind == "choice":
        fractions = choice_fractions(part)
        lines = [f"    <single>{'false' if part.get('multiple') else 'true'}</single>",
                 "    <shuffleanswers>true</shuffleanswers>",
                 "    <answernumbering>abc</answernumbering>"]
        lines += [_answer(f, c["text"], c.get("feedback", ""))
                  for f, c in zip(fractions, part["choices"])]
        return "multichoice", lines
    # order -> matching: each item to its position; Moodle needs >= 2 subquestions and >= 3
    # answers, so a two-item order gets a distractor position "3" (an empty subquestion).
    pos = positions(part)
    lines = ["    <shuffleanswers>true</shuffleanswers>"]
    for item in part["items"]:
        lines.append(f'    <subquestion format="html"><text>{cdata(item["text"])}</text>'
                     f"<answer><text>{pos[item['id']]}</text></answer></subquestion>")
    if len(part["items"]) < 3:
        lines.append('    <subquestion format="html"><text></text>'
                     f"<answer><text>{len(part['items']) + 1}</text></answer></subquestion>")
    return "matching", lines


# --------------------------------------------------------------------------- cloze

#: how a character is written inside a cloze field so that it reads back as itself. Moodle's
#: parser (question/type/multianswer/questiontype.php, qtype_multianswer_extract_question) cuts
#: an answer at the first ``~ # }`` not preceded by ``\\``, ``&`` or ``&amp;``
#: (ANSWER_ALTERNATIVE_ANSWER_REGEX) and a feedback at the first ``~ }`` not preceded by ``\\``
#: (ANSWER_ALTERNATIVE_FEEDBACK_REGEX); it then runs html_entity_decode(ENT_QUOTES) and
#: un-escapes only ``\\}`` and ``\\#``. So ``}`` and ``#`` are backslash-escaped, and every other
#: character it could misread (``~``, ``\\``, and ``= %`` that would read as a grade, ``{``,
#: HTML's ``& < > " '``) is a character reference. ``&`` is ``&#38;``, never ``&amp;``: an
#: answer ending in ``&amp;`` would hide the delimiter after it.
_CLOZE_REFS = {"&": "&#38;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
               "\\": "&#92;", "~": "&#126;", "{": "&#123;", "=": "&#61;", "%": "&#37;"}


def cloze_escape(text: str) -> str:
    """A cloze answer or feedback as Moodle must see it to read back exactly ``text``
    (``text`` is the stored value: plain text for a short answer, HTML for a choice or a
    feedback)."""
    return "".join("\\" + ch if ch in "}#" else _CLOZE_REFS.get(ch, ch) for ch in text)


def _alt(fraction: float, text: str, feedback: str = "") -> str:
    mark = "=" if fraction == 100 else "" if fraction == 0 else f"%{fraction_text(fraction)}%"
    fb = f"#{cloze_escape(feedback)}" if feedback else ""
    return f"{mark}{cloze_escape(text)}{fb}"


def cloze_fields(q: dict, part: dict, weights: list[int], inline: bool) -> list[str]:
    """The cloze field(s) of one part; an ``order`` part gives one field per item (and takes
    one weight per item)."""
    kind, weight = part["kind"], weights[0]
    if kind in ("number", "bit"):
        return [f"{{{weight}:NUMERICAL:={int(part['answer'])}:0}}"]
    if kind == "text":
        alts = "~".join(_alt(100, shortanswer_escape(a)) for a in accepted(part))
        return [f"{{{weight}:SHORTANSWER:{alts}}}"]
    if kind == "truefalse":
        alts = "~".join(_alt(100 if c["correct"] else 0, c["text"], c["feedback"])
                        for c in truefalse_choices(q, part))
        return [f"{{{weight}:{'MULTICHOICE' if inline else 'MULTICHOICE_V'}:{alts}}}"]
    if kind == "choice":
        alts = "~".join(_alt(f, c["text"], c.get("feedback", ""))
                        for f, c in zip(choice_fractions(part), part["choices"]))
        qtype = ("MULTIRESPONSE" if part.get("multiple")
                 else "MULTICHOICE" if inline else "MULTICHOICE_V")
        return [f"{{{weight}:{qtype}:{alts}}}"]
    n = len(part["items"])
    pos = positions(part)
    return [f"{{{w}:MULTICHOICE:" + "~".join(_alt(100 if k == pos[item["id"]] else 0, str(k))
                                             for k in range(1, n + 1)) + "}"
            for item, w in zip(part["items"], weights)]


def _prose(html: str) -> str:
    """HTML around cloze fields: a literal ``{`` is written ``&#123;`` so no prose can read as
    a field."""
    return html.replace("{", "&#123;")


def _cloze_text(q: dict, img: str = "") -> str:
    """The prompt with each marker replaced by its cloze field, then ``img`` (the diagram);
    parts without a marker follow, each introduced by its label. Weights are the smallest
    integers proportional to the parts' points (an ``order`` part's weight is spread over its
    items)."""
    points = part_points(q)
    slots = []
    for p, pts in zip(q["parts"], points):
        n = len(p["items"]) if p["kind"] == "order" else 1
        slots += [pts / n] * n
    weights = iter(integer_weights(slots))
    marked = marked_parts(q)
    fields: dict[str, list[str]] = {}
    for p in q["parts"]:
        n = len(p["items"]) if p["kind"] == "order" else 1
        fields[p["id"]] = cloze_fields(q, p, [next(weights) for _ in range(n)],
                                       p["id"] in marked)
    text = replace_blanks(_prose(q["prompt"]), lambda pid: " ".join(fields[pid]))
    text += img
    for i, p in enumerate(q["parts"]):
        if p["id"] in marked:
            continue
        label = _prose(xml_escape(part_label(q, p, i)))
        if p["kind"] == "order":
            rows = "".join(f"<li>{_prose(item['text'])} {f}</li>"
                           for item, f in zip(p["items"], fields[p["id"]]))
            text += f"<p>{label}:</p><ul>{rows}</ul>"
        else:
            text += f"<p>{label}: {fields[p['id']][0]}</p>"
    return text
