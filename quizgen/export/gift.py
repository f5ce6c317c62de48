"""GIFT (Moodle's plain-text import format).

GIFT has one answer block per question: Moodle's reader (question/format/gift/format.php,
qformat_gift::readquestion) takes the text between the first ``{`` and the first ``}`` as the
answers and the rest as question text; there is no cloze. A question with several parts could
be one GIFT question only as an essay (not graded), a matching question (its drop-downs would
list the right values) or one short answer holding every blank (graded on spacing and order),
none of which asks what the question asks. So it is split, honestly: one GIFT question per
part, titled ``title (label)``, with the full prompt (its own blank shows ``____``, the others
their label in brackets) saying which part it asks for; and the parts of an entry go to one
category per part (``$course$/quizgen/BANK/ID/PART``), so "a random question from this
category" always asks the same part of some variant. :func:`count` is the number of GIFT
questions written. Moodle XML (``--format moodle``) keeps such a question whole, as a cloze.

Every GIFT special character (``~ = # { } :`` and ``\\``) in titles, texts, answers and
feedback is backslash-escaped; newlines become ``\\n``. Texts use ``[html]``. GIFT carries no
points. A ladder diagram, having no file to travel in, is inlined as a ``data:`` URI image,
which a Moodle site that cleans HTML removes (lib/weblib.php, purify_html: ``data`` is not
among HTML Purifier's URI.AllowedSchemes; $CFG->forceclean cleans every text): for diagrams
on such a site, import Moodle XML, which carries them as files.
"""

from __future__ import annotations

import base64

from quizgen.export.grades import choice_fractions, fraction_text
from quizgen.export.parts import (
    BLANK_MARK,
    DiagramFn,
    accepted,
    by_entry,
    category_path,
    diagram_file,
    diagram_img,
    general_feedback,
    positions,
    replace_blanks,
    shortanswer_escape,
    split_parts,
)

_SPECIAL = ("\\", "~", "=", "#", "{", "}", ":")


def escape(text: str) -> str:
    """Backslash-escape GIFT's special characters; line breaks become ``\\n``."""
    for ch in _SPECIAL:
        text = text.replace(ch, "\\" + ch)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


HEADER = (
    "// quizgen export: one $CATEGORY per bank entry, holding its variants; a question with\n"
    "// several parts is one question per part (GIFT has one answer block per question), in a\n"
    "// category per part ($course$/quizgen/BANK/ID/PART): draw one random question from each.\n"
    "// Diagrams are inline data: images, which a Moodle site that cleans HTML removes; for\n"
    "// diagrams there, import the Moodle XML export (quizgen export --format moodle).")


def count(questions: list[dict]) -> int:
    """How many GIFT questions :func:`write` writes for ``questions`` (one per part)."""
    return sum(len(split_parts(q)) for q in questions)


def part_category(q: dict, sub: dict) -> str:
    """The category of a GIFT question: its entry's, or for a part of a split question the
    entry's and the part id (ids are ``[a-z0-9_]+``: distinct even where category names are
    compared without case)."""
    path = category_path(q)
    return f"{path}/{sub['parts'][0]['id']}" if "split_from" in sub else path


def write(questions: list[dict], diagram_svg: DiagramFn | None = None) -> bytes:
    blocks = [HEADER]
    for _entry_id, variants in by_entry(questions):
        categories: dict[str, list[str]] = {}
        for q in variants:
            for sub in split_parts(q):
                categories.setdefault(part_category(q, sub), []).append(
                    _question(sub, diagram_svg))
        for path, texts in categories.items():
            blocks += [f"$CATEGORY: {path}", *texts]
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def _question(q: dict, diagram_svg: DiagramFn | None) -> str:
    part = q["parts"][0]
    text = replace_blanks(q["prompt"], lambda pid: BLANK_MARK)
    file = diagram_file(q, diagram_svg)
    if file:
        name, data = file
        text += diagram_img(q, "data:image/svg+xml;base64," + base64.b64encode(data).decode())
    general = general_feedback(q)
    tail = f"####[html]{escape(general)}" if general else ""
    return (f"// {q['qid']}\n::{escape(q['title'])}::[html]{escape(text)}"
            f"{{\n{_answers(part)}\n{tail}}}")


def _html(text: str) -> str:
    """An HTML answer text: a leading ``%`` (read as a weight) is written ``&#37;``."""
    return escape("&#37;" + text[1:] if text.startswith("%") else text)


def _fb(html: str) -> str:
    return f"#{escape(html)}" if html else ""


def _answers(part: dict) -> str:
    kind = part["kind"]
    if kind in ("number", "bit"):
        return f"#{int(part['answer'])}:0"
    if kind == "text":
        return "\n".join(f"={escape(shortanswer_escape(a))}" for a in accepted(part))
    if kind == "truefalse":
        # GIFT: {TRUE#shown-if-wrong#shown-if-right}
        yes = part["answer"] is True
        right = part.get("feedback_true" if yes else "feedback_false", "")
        wrong = part.get("feedback_false" if yes else "feedback_true", "")
        return f"{'TRUE' if yes else 'FALSE'}#{escape(wrong)}#{escape(right)}"
    if kind == "choice":
        lines = []
        for f, c in zip(choice_fractions(part), part["choices"]):
            if not part.get("multiple"):
                mark = "=" if f == 100 else "~"
            else:
                mark = f"~%{fraction_text(f)}%"
            lines.append(f"{mark}{_html(c['text'])}{_fb(c.get('feedback', ''))}")
        return "\n".join(lines)
    # order -> matching (item -> position); "->" inside an item's HTML is written "-&gt;" so
    # it cannot split the pair; two items get a distractor position, as Moodle needs 3 answers
    pos = positions(part)
    lines = [f"={_html(item['text'].replace('->', '-&gt;'))} -> {pos[item['id']]}"
             for item in part["items"]]
    if len(part["items"]) < 3:
        lines.append(f"= -> {len(part['items']) + 1}")
    return "\n".join(lines)
