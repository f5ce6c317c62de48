"""Helpers shared by the LMS writers; they read only question dicts (docs/question-data.md).

Nothing here knows a particular LMS format beyond the facts several writers share: the part
kinds, how points split over parts, where blank markers sit in a prompt, Moodle's grade list
(used by the Moodle XML and GIFT writers, both imported by Moodle), safe identifiers, XML text
hygiene and a byte-stable zip writer.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterable
from fractions import Fraction
from io import BytesIO
from math import gcd

from quizgen.errors import QuizgenError

#: question -> SVG text (or None for "no diagram"); called only for questions whose
#: ``diagram`` is not null. The real one is ``quizgen.render.ladder.ladder_svg(q, reveal=False)``.
DiagramFn = Callable[[dict], "str | None"]

PART_KINDS = ("number", "bit", "text", "choice", "truefalse", "order")
#: parts a student types into a box: they can sit in a blank of the prompt
BLANK_KINDS = ("number", "bit", "text")

BLANK_RE = re.compile(r'<span class="qg-blank" data-part="([^"]*)"></span>')

#: Moodle's fixed grade list (question_bank::fraction_options_full), in percent; negative
#: values are the same list with a minus sign.
MOODLE_GRADES = (100.0, 90.0, 83.33333, 80.0, 75.0, 70.0, 66.66667, 60.0, 50.0, 40.0, 33.33333,
                 30.0, 25.0, 20.0, 16.66667, 14.28571, 12.5, 11.11111, 10.0, 5.0, 0.0)

_WORDS = {
    "true": {"en": "True", "zh": "正确"},
    "false": {"en": "False", "zh": "错误"},
    "diagram": {"en": "Ladder diagram", "zh": "时序图"},
    "part": {"en": "Part", "zh": "小题"},
}


def word(key: str, lang: str) -> str:
    """A fixed UI word in the question's language (English when the language is unknown)."""
    forms = _WORDS[key]
    return forms.get(lang, forms["en"])


# --------------------------------------------------------------------------- validation

def where(q: dict) -> str:
    return f"question {q.get('qid', '?')!r}"


def check_questions(questions: list[dict]) -> None:
    """Reject data a writer could only export wrongly. Raises QuizgenError naming the question."""
    if not questions:
        raise QuizgenError("no questions to export")
    seen: dict[str, str] = {}
    for q in questions:
        for key in ("qid", "id", "title", "prompt", "parts"):
            if key not in q:
                raise QuizgenError(f"{where(q)} has no {key!r}")
        sid = safe_id(q["qid"])
        if sid in seen:
            raise QuizgenError(f"{where(q)} clashes with {seen[sid]!r} (same id {sid!r} once "
                               "made XML-safe)")
        seen[sid] = q["qid"]
        if not q["parts"]:
            raise QuizgenError(f"{where(q)} has no parts")
        ids = [p.get("id") for p in q["parts"]]
        if len(set(ids)) != len(ids):
            raise QuizgenError(f"{where(q)} has duplicate part ids")
        for p in q["parts"]:
            _check_part(q, p)
        for pid in BLANK_RE.findall(q["prompt"]):
            if pid not in ids:
                raise QuizgenError(f"{where(q)}: blank marker for unknown part {pid!r}")


def _check_part(q: dict, p: dict) -> None:
    kind = p.get("kind")
    here = f"{where(q)} part {p.get('id')!r}"
    if kind not in PART_KINDS:
        raise QuizgenError(f"{here}: unknown kind {kind!r}")
    if not re.fullmatch(r"[a-z0-9_]+", str(p.get("id", ""))):
        raise QuizgenError(f"{here}: part id must match [a-z0-9_]+")
    if kind == "number":
        a = p.get("answer")
        if not isinstance(a, int) or isinstance(a, bool) or not 0 <= a < 2**32:
            raise QuizgenError(f"{here}: answer must be an integer in [0, 2^32)")
    elif kind == "bit":
        if p.get("answer") not in (0, 1) or isinstance(p.get("answer"), bool):
            raise QuizgenError(f"{here}: answer must be 0 or 1")
    elif kind == "text":
        if not accepted(p):
            raise QuizgenError(f"{here}: no accepted answer")
    elif kind == "choice":
        choices = p.get("choices") or []
        right = sum(1 for c in choices if c.get("correct"))
        if len(choices) < 2 or right < 1 or (not p.get("multiple") and right != 1):
            raise QuizgenError(f"{here}: a {'multiple' if p.get('multiple') else 'single'} "
                               "choice needs two or more choices and "
                               f"{'one or more' if p.get('multiple') else 'exactly one'} correct")
    elif kind == "truefalse":
        if not isinstance(p.get("answer"), bool):
            raise QuizgenError(f"{here}: answer must be true or false")
    elif kind == "order":
        items = [i["id"] for i in p.get("items") or []]
        if len(items) < 2 or sorted(items) != sorted(p.get("answer") or []) or \
                len(set(items)) != len(items):
            raise QuizgenError(f"{here}: answer must order all of its (two or more) items")


# --------------------------------------------------------------------------- parts and points

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


def part_points(q: dict) -> list[Fraction]:
    """Points of each part: a part's own ``points``, the rest of the question's points split
    evenly over the parts without any."""
    total = Fraction(str(q.get("points", 1)))
    fixed = [Fraction(str(p["points"])) if p.get("points") is not None else None
             for p in q["parts"]]
    free = sum(1 for f in fixed if f is None)
    rest = total - sum(f for f in fixed if f is not None)
    share = rest / free if free else Fraction(0)
    return [f if f is not None else share for f in fixed]


def integer_weights(values: Iterable[Fraction]) -> list[int]:
    """The smallest positive integers in the same proportion as ``values`` (Moodle cloze
    weights must be integers)."""
    values = [Fraction(v) for v in values]
    if not values or any(v <= 0 for v in values):
        return [1 for _ in values]
    den = 1
    for v in values:
        den = den * v.denominator // gcd(den, v.denominator)
    ints = [int(v * den) for v in values]
    g = 0
    for i in ints:
        g = gcd(g, i)
    return [i // g for i in ints]


def number_text(x: Fraction | float | int) -> str:
    """A short decimal for points (4, 1.5, 1.3333333)."""
    x = Fraction(x) if not isinstance(x, Fraction) else x
    if x.denominator == 1:
        return str(x.numerator)
    return f"{float(x):.7f}".rstrip("0").rstrip(".")


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
    blank (the part's own shows ``____``, the others their label in brackets) and the title
    becomes ``title (label)``. Used by formats that cannot hold several parts in one question."""
    if not is_multipart(q):
        return [q]
    points = part_points(q)
    out = []
    for i, part in enumerate(q["parts"]):
        labels = {p["id"]: part_label(q, p, j) for j, p in enumerate(q["parts"])}

        def render(pid: str, own: str = part["id"], labels=labels) -> str:
            if pid == own:
                return BLANK_MARK
            return f"[{html_text(labels[pid])}]"

        sub = dict(q)
        sub["qid"] = f"{q['qid']}#{part['id']}"
        sub["title"] = f"{q['title']} ({labels[part['id']]})"
        sub["points"] = float(points[i])
        sub["prompt"] = replace_blanks(q["prompt"], render)
        sub["parts"] = [dict(part, points=None)]
        sub["split_from"] = q["qid"]
        out.append(sub)
    return out


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


#: what a plain answer box looks like where a blank marker stood (the box itself is below)
BLANK_MARK = '<span class="qg-blank">____</span>'


def choice_fractions(part: dict) -> list[float]:
    """Moodle fractions (percent) of a choice part's choices, all on Moodle's grade list.

    Single: the correct choice 100, the others 0. Multiple: the correct ones share +100, the
    wrong ones share -100 (each at least as negative as its share), so ticking everything
    scores 0."""
    choices = part["choices"]
    if not part.get("multiple"):
        return [100.0 if c.get("correct") else 0.0 for c in choices]
    right = sum(1 for c in choices if c.get("correct"))
    wrong = len(choices) - right
    plus = moodle_share(right, exact=True)
    minus = -moodle_share(wrong, exact=False) if wrong else 0.0
    return [plus if c.get("correct") else minus for c in choices]


def moodle_share(n: int, *, exact: bool) -> float:
    """The grade-list value for 100/n; ``exact=False`` allows the next larger grade when
    100/n is not on the list."""
    target = 100.0 / n
    for g in sorted(MOODLE_GRADES):
        if abs(g - target) * n < 0.001:
            return g
    if not exact:
        return min(g for g in MOODLE_GRADES if g >= target)
    raise QuizgenError(f"{n} correct choices cannot share 100% on Moodle's grade list")


def fraction_text(f: float) -> str:
    """33.33333, 100, -50."""
    text = f"{f:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# --------------------------------------------------------------------------- identifiers, text

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def safe_id(text: str) -> str:
    """An XML-safe (NCName) identifier: non ``[A-Za-z0-9_.-]`` become ``_``; a leading
    non-letter gets a ``Q`` in front."""
    s = _UNSAFE.sub("_", str(text))
    if not s or not (s[0].isalpha() or s[0] == "_"):
        s = "Q" + s
    return s


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_clean(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry at all (C0 controls but tab and newlines)."""
    return _XML_BAD.sub("", str(text))


def xml_escape(text: str, *, quote: bool = False) -> str:
    s = xml_clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quote:
        s = s.replace('"', "&quot;")
    return s


def html_text(text: str) -> str:
    """Plain text as an HTML fragment."""
    return xml_escape(text, quote=True).replace("'", "&#39;")


def cdata(text: str) -> str:
    """Text as CDATA; a ``]]>`` inside is split across two sections."""
    return "<![CDATA[" + xml_clean(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def shortanswer_escape(text: str) -> str:
    """Moodle short-answer answers treat ``*`` as a wildcard; ``\\*`` is a literal star."""
    return text.replace("*", "\\*")


def sub(parent: ET.Element | None, tag: str, text: str | None = None,
        attrib: dict[str, str] | None = None) -> ET.Element:
    """A new element (under ``parent`` when given) with cleaned text and attributes."""
    attrib = {k: xml_clean(v) for k, v in (attrib or {}).items()}
    node = ET.Element(tag, attrib) if parent is None else ET.SubElement(parent, tag, attrib)
    if text is not None:
        node.text = xml_clean(text)
    return node


def xml_bytes(root: ET.Element, keep: frozenset[str] = frozenset()) -> bytes:
    """A UTF-8 XML document, indented except inside elements tagged in ``keep`` (mixed
    content, where added whitespace would show)."""
    _indent(root, 0, keep)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n")


def _indent(elem: ET.Element, level: int, keep: frozenset[str]) -> None:
    if len(elem) == 0 or elem.tag in keep:
        return
    inner = "\n" + "  " * (level + 1)
    if not (elem.text or "").strip():
        elem.text = inner
    for child in elem:
        _indent(child, level + 1, keep)
        if not (child.tail or "").strip():
            child.tail = inner
    if not (elem[-1].tail or "").strip():
        elem[-1].tail = "\n" + "  " * level


def package_ident(prefix: str, questions: list[dict]) -> str:
    """A stable identifier for a package, derived from the questions it holds."""
    digest = hashlib.sha256("\n".join(q["qid"] for q in questions).encode("utf-8")).hexdigest()
    return f"{prefix}{digest[:16]}"


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


# --------------------------------------------------------------------------- grouping, zip

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


_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    """A zip whose bytes depend only on ``entries``: fixed timestamps and permissions,
    ``imsmanifest.xml`` first, the rest sorted by name."""
    names = sorted(entries, key=lambda n: (n != "imsmanifest.xml", n))
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, entries[name], compresslevel=6)
    return buf.getvalue()
