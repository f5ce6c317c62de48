"""Parts and prompts as the writers see them: part kinds, blank markers, splitting a
multi-part question, labels, accepted answers, feedback, ladder diagrams and Moodle
categories. Everything here reads only question dicts (docs/question-data.md)."""

from __future__ import annotations

from collections.abc import Callable

from quizgen.errors import QuizgenError
from quizgen.export.grades import part_points
from quizgen.export.xmlzip import html_text, safe_id
from quizgen.i18n import word
from quizgen.questions.markup import BLANK_RE

#: question -> SVG text (or None for "no diagram"); called only for questions whose
#: ``diagram`` is not null. The real one is ``quizgen.render.ladder.ladder_svg(q, reveal=False)``.
DiagramFn = Callable[[dict], "str | None"]

PART_KINDS = ("number", "bit", "text", "choice", "truefalse", "order")
#: parts a student types into a box: they can sit in a blank of the prompt
BLANK_KINDS = ("number", "bit", "text")

#: what a plain answer box looks like where a blank marker stood (the box itself is below)
BLANK_MARK = '<span class="qg-blank">____</span>'

def where(q: dict) -> str:
    return f"question {q.get('qid', '?')!r}"


# --------------------------------------------------------------------------- answers

def accepted(part: dict) -> list[str]:
    """The accepted spellings of a text part: canonical answer first, no duplicates."""
    out: list[str] = []
    for s in [part.get("answer", "")] + list(part.get("accept") or []):
        s = str(s).strip()
        if s and s.casefold() not in {o.casefold() for o in out}:
            out.append(s)
    return out


def blank_answer(part: dict) -> list[str]:
    """The accepted typed answers of a number/bit/text part, as text."""
    if part["kind"] == "text":
        return accepted(part)
    return [str(int(part["answer"]))]


def shortanswer_escape(text: str) -> str:
    """Moodle short-answer answers treat ``*`` as a wildcard; ``\\*`` is a literal star."""
    return text.replace("*", "\\*")


def positions(part: dict) -> dict[str, int]:
    """An order part's item id -> its correct position (1-based)."""
    return {item_id: i + 1 for i, item_id in enumerate(part["answer"])}


def truefalse_choices(q: dict, part: dict) -> list[dict]:
    """A true/false part as two choices (``id`` TRUE / FALSE, words in the question's
    language), for formats that show it as a choice."""
    lang = q.get("lang", "en")
    return [{"id": "TRUE", "text": word("true", lang), "correct": part["answer"] is True,
             "feedback": part.get("feedback_true", "")},
            {"id": "FALSE", "text": word("false", lang), "correct": part["answer"] is False,
             "feedback": part.get("feedback_false", "")}]


# --------------------------------------------------------------------------- blanks, parts

def is_multipart(q: dict) -> bool:
    return len(q["parts"]) > 1


def marked_parts(q: dict) -> set[str]:
    """Ids of the parts whose blank marker sits in the prompt."""
    return set(BLANK_RE.findall(q["prompt"]))


def replace_blanks(html: str, render: Callable[[str], str]) -> str:
    """Replace each blank marker with ``render(part_id)``."""
    return BLANK_RE.sub(lambda m: render(m.group(1)), html)


def part_label(q: dict, part: dict, index: int) -> str:
    """A part's label, or "Part n" when it has none."""
    label = str(part.get("label") or "").strip()
    return label or f"{word('part', q.get('lang', 'en'))} {index + 1}"


def split_parts(q: dict) -> list[dict]:
    """One single-part question per part, each with the full context: the prompt keeps every
    blank (the part's own shows ``____``, the others their label in brackets), then says which
    part this question asks for and that the bracketed blanks are asked elsewhere; the title
    becomes ``title (label)``. Used by formats that cannot hold several parts in one question
    (each such question stands alone: an LMS may draw it without its siblings)."""
    if not is_multipart(q):
        return [q]
    points = part_points(q)
    lang = q.get("lang", "en")
    marked = marked_parts(q)
    out = []
    for i, part in enumerate(q["parts"]):
        labels = {p["id"]: part_label(q, p, j) for j, p in enumerate(q["parts"])}
        own = html_text(labels[part["id"]])
        note = word("only_blank" if part["id"] in marked else "only", lang).format(label=own)
        if marked - {part["id"]}:
            note += word("others", lang)

        def render(pid: str, own: str = part["id"], labels: dict[str, str] = labels) -> str:
            if pid == own:
                return BLANK_MARK
            return f"[{html_text(labels[pid])}]"

        sub = dict(q)
        sub["qid"] = f"{q['qid']}#{part['id']}"
        sub["title"] = f"{q['title']} ({labels[part['id']]})"
        sub["points"] = float(points[i])
        sub["prompt"] = (replace_blanks(q["prompt"], render)
                         + f'<p class="qg-split-note">{note}</p>')
        sub["parts"] = [dict(part, points=None)]
        sub["split_from"] = q["qid"]
        out.append(sub)
    return out


def general_feedback(q: dict) -> str:
    """What every student sees after answering: each part's ``feedback`` (labelled when there
    are several parts), then the explanation. Per-choice and true/false feedback stay with
    their answers."""
    out = []
    for i, p in enumerate(q["parts"]):
        if p.get("feedback"):
            label = f"<p><b>{html_text(part_label(q, p, i))}</b></p>" if is_multipart(q) else ""
            out.append(f'<div class="qg-feedback">{label}{p["feedback"]}</div>')
    return "".join(out) + (q.get("explanation") or "")


# --------------------------------------------------------------------------- diagrams

def diagram_file(q: dict, diagram_svg: DiagramFn | None) -> tuple[str, bytes] | None:
    """(file name, SVG bytes) of a question's ladder diagram, or None."""
    if diagram_svg is None or not q.get("diagram"):
        return None
    svg = diagram_svg(q)
    if not svg:
        return None
    if not isinstance(svg, str):
        raise QuizgenError(f"{where(q)}: the diagram renderer returned {type(svg).__name__}, "
                           "not SVG text")
    return f"{safe_id(q.get('split_from', q['qid']))}.svg", svg.encode("utf-8")


def diagram_img(q: dict, src: str) -> str:
    alt = html_text(f"{word('diagram', q.get('lang', 'en'))}: {q['title']}")
    return f'<p class="qg-diagram"><img src="{html_text(src)}" alt="{alt}"/></p>'


# --------------------------------------------------------------------------- grouping

def category_path(q: dict) -> str:
    """Moodle category of a bank entry: ``$course$/quizgen/BANK/ID`` (a ``/`` inside a name is
    doubled, as Moodle escapes it)."""
    def name(s: str) -> str:
        return " ".join(str(s).split()).replace("/", "//")
    return f"$course$/quizgen/{name(q.get('bank') or 'quizgen')}/{name(q['id'])}"


def by_entry(questions: list[dict]) -> list[tuple[str, list[dict]]]:
    """Questions grouped by bank entry ``id``, entries and variants in input order."""
    groups: dict[str, list[dict]] = {}
    for q in questions:
        groups.setdefault(q["id"], []).append(q)
    return list(groups.items())
