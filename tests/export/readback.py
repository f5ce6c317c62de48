"""Read exports back with tools other than the writers, into comparable answer keys.

An answer key is a tuple per part:
``("num", int)``, ``("text", frozenset of casefolded spellings)``,
``("choice", multiple, ((text, correct), ...))``, ``("tf", bool)``,
``("order", (item text, ...))`` with texts reduced to plain text (``plain``).
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

from lxml import etree

from quizgen.questions.markup import BLANK_RE

#: the XSDs and DTD, vendored (schemas/README.md says where they came from)
SCHEMAS = Path(__file__).resolve().parent / "schemas"
PARSER = etree.XMLParser(no_network=True, resolve_entities=False)


def plain(html_text: str) -> str:
    """HTML -> the text a reader sees (tags dropped, entities decoded, spaces collapsed)."""
    text = re.sub(r"<[^>]*>", "", html_text)
    return " ".join(html.unescape(text).split())


def accepted(part: dict) -> frozenset:
    return frozenset(s.strip().casefold() for s in [part["answer"], *part.get("accept", [])]
                     if s.strip())


def key(part: dict):
    kind = part["kind"]
    if kind in ("number", "bit"):
        return ("num", int(part["answer"]))
    if kind == "text":
        return ("text", accepted(part))
    if kind == "choice":
        return ("choice", bool(part.get("multiple")),
                tuple((plain(c["text"]), bool(c["correct"])) for c in part["choices"]))
    if kind == "truefalse":
        return ("tf", part["answer"])
    texts = {i["id"]: plain(i["text"]) for i in part["items"]}
    return ("order", tuple(texts[i] for i in part["answer"]))


def expected(questions: list[dict]) -> dict:
    """(qid, part id) -> answer key, from the question data."""
    return {(q["qid"], p["id"]): key(p) for q in questions for p in q["parts"]}


# --------------------------------------------------------------------------- Moodle XML

# --- Moodle's cloze parser, re-implemented from its source. NOT Moodle's code: a faithful
# re-reading of question/type/multianswer/questiontype.php (Moodle 4.x), function
# qtype_multianswer_extract_question and the regexes defined above it, so the tests see a
# cloze question text as Moodle's importer (question/format/xml/format.php, import_multianswer)
# does. Python's re wants fixed-width lookbehinds: PCRE's (?<!\\|&|&amp;) is written as three.
_FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"                 # ANSWER_ALTERNATIVE_FRACTION_REGEX
_ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"          # ANSWER_ALTERNATIVE_ANSWER_REGEX
_FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"                          # ANSWER_ALTERNATIVE_FEEDBACK_REGEX
_ALT = f"({_FRACTION})?({_ANSWER})(#({_FEEDBACK}))?"          # ANSWER_ALTERNATIVE_REGEX
# ANSWER_TYPE_DEF_REGEX, with Moodle's group order (the first alternative that matches wins)
_TYPES = ("(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|"
          "(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)|"
          "(MULTICHOICE_S|MCS)|(MULTICHOICE_VS|MCVS)|(MULTICHOICE_HS|MCHS)|"
          "(MULTIRESPONSE|MR)|(MULTIRESPONSE_H|MRH)|(MULTIRESPONSE_S|MRS)|(MULTIRESPONSE_HS|MRHS)")
CLOZE_RE = re.compile(r"\{([0-9]*):(" + _TYPES + r"):(" + _ALT + r"(~" + _ALT + r")*)\}",
                      re.S)                                  # ANSWER_REGEX
ALT_RE = re.compile("~?" + _ALT, re.S)
_NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL_RE = re.compile(f"^({_NUMBER})(:{_NUMBER})?$", re.S)  # NUMERICAL_ALTERNATIVE_REGEX
MOODLE_GRADES = {100.0, 90.0, 83.33333, 80.0, 75.0, 70.0, 66.66667, 60.0, 50.0, 40.0, 33.33333,
                 30.0, 25.0, 20.0, 16.66667, 14.28571, 12.5, 11.11111, 10.0, 5.0, 0.0}
#: which of _TYPES' groups (CLOZE_RE groups 3..15) is which Moodle type
_TYPE_NAMES = ("NUMERICAL", "MULTICHOICE", "MULTICHOICE_V", "MULTICHOICE_H", "SHORTANSWER",
               "SHORTANSWER_C", "MULTICHOICE_S", "MULTICHOICE_VS", "MULTICHOICE_HS",
               "MULTIRESPONSE", "MULTIRESPONSE_H", "MULTIRESPONSE_S", "MULTIRESPONSE_HS")


def php_html_entity_decode(text: str) -> str:
    """PHP's html_entity_decode($text, ENT_QUOTES, 'UTF-8') (HTML 4.01 entities, the default
    doctype): one pass, references need their ``;``, ``&apos;`` is not HTML 4.01. Python's
    html.unescape is more lenient (``&amp`` without ``;``), so it is not used here."""
    from html.entities import name2codepoint

    def ref(m: re.Match) -> str:
        body = m.group(1)
        if body[0] == "#":
            try:
                code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
                return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code < 0xE000 \
                    else m.group(0)
            except ValueError:
                return m.group(0)
        return chr(name2codepoint[body]) if body in name2codepoint else m.group(0)

    return re.sub(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);", ref, text)


def _moodle_cloze_text(raw: str) -> str:
    """What Moodle stores for an answer or feedback read out of a cloze field."""
    return php_html_entity_decode(raw).replace("\\}", "}").replace("\\#", "#")


def cloze_fields(text: str) -> list[tuple[int, str, list[tuple[float, str, str]]]]:
    """[(weight, type, [(fraction, answer, feedback), ...])] of a cloze question text, as
    qtype_multianswer_extract_question reads them: the leftmost field first, each replaced
    by ``{#n}`` before the next is looked for; in a field, each ``~?alternative`` in turn, the
    rest being what follows the first occurrence of the matched text (PHP's explode(.., 2))."""
    fields = []
    while (m := CLOZE_RE.search(text)) is not None:
        qtype = next(name for name, g in zip(_TYPE_NAMES, m.groups()[2:15]) if g)
        alts = []
        remaining = m.group(16)
        while (a := ALT_RE.search(remaining)) is not None:
            if a.group(1) == "=":
                fraction = 100.0
            elif a.group(2):
                fraction = float(a.group(2).replace(",", "."))
            else:
                fraction = 0.0
            raw = a.group(3)
            feedback = _moodle_cloze_text(a.group(5)) if a.group(4) is not None else ""
            num = NUMERICAL_RE.match(raw) if qtype == "NUMERICAL" else None
            answer = raw if num else _moodle_cloze_text(raw)
            alts.append((fraction, answer, feedback))
            remaining = remaining.split(a.group(0), 1)[1]
        fields.append((int(m.group(1) or 1), qtype, alts))
        text = text.replace(m.group(0), f"{{#{len(fields)}}}", 1)
    return fields


def moodle_shortanswer_matches(response: str, pattern: str) -> bool:
    r"""qtype_shortanswer_question::compare_string_with_wildcard($response, $pattern, true)
    (question/type/shortanswer/question.php; usecase 0): the pattern splits at runs of ``*``
    not preceded by ``\\``, ``\*`` is a literal star, the rest is literal; the response is
    trimmed (the question engine trims it when it is saved)."""
    import unicodedata
    bits = re.split(r"(?<!\\)\*+", unicodedata.normalize("NFC", pattern))
    regexp = "^" + ".*".join(re.escape(b.replace("\\*", "*")) for b in bits) + "$"
    return re.match(regexp, unicodedata.normalize("NFC", response.strip()),
                    re.I | re.S) is not None


def shortanswer_unescape(text: str) -> str:
    return text.replace("\\*", "*")


def cloze_key(qtype: str, alts: list[tuple[float, str, str]]):
    if qtype == "NUMERICAL":
        (fraction, answer, _), = alts
        assert fraction == 100 and NUMERICAL_RE.match(answer)
        value, tol = (answer.split(":") + ["0"])[:2]
        assert float(tol) == 0
        return ("num", int(value))
    if qtype.startswith("SHORTANSWER"):
        assert all(f == 100 for f, _, _ in alts)
        return ("text", frozenset(shortanswer_unescape(a).strip().casefold() for _, a, _ in alts))
    multiple = qtype.startswith("MULTIRESPONSE")
    return ("choice", multiple, tuple((plain(a), f > 0) for f, a, _ in alts))


def read_moodle(data: bytes) -> dict:
    """qid -> (moodle type, category path, element) for each question."""
    root = etree.fromstring(data, PARSER)
    assert root.tag == "quiz"
    out, category = {}, None
    for q in root.iterchildren("question"):
        qtype = q.get("type")
        if qtype == "category":
            category = q.findtext("category/text")
            continue
        out[q.findtext("idnumber")] = (qtype, category, q)
    return out


def moodle_keys(el, qtype: str) -> list:
    """Answer keys of one Moodle question (several for cloze, in text order)."""
    answers = [(float(a.get("fraction")), a.findtext("text") or "") for a in el.findall("answer")]
    if qtype == "numerical":
        (fraction, text), = answers
        assert fraction == 100 and el.findtext("answer/tolerance") == "0"
        return [("num", int(text))]
    if qtype == "shortanswer":
        assert el.findtext("usecase") == "0" and all(f == 100 for f, _ in answers)
        return [("text", frozenset(shortanswer_unescape(t).strip().casefold()
                                   for _, t in answers))]
    if qtype == "truefalse":
        right = [t for f, t in answers if f == 100]
        assert len(right) == 1 and {t for _, t in answers} == {"true", "false"}
        return [("tf", right[0] == "true")]
    if qtype == "multichoice":
        multiple = el.findtext("single") == "false"
        return [("choice", multiple, tuple((plain(t), f > 0) for f, t in answers))]
    if qtype == "matching":
        pairs = [(s.findtext("text") or "", s.findtext("answer/text"))
                 for s in el.findall("subquestion")]
        real = sorted((int(pos), plain(text)) for text, pos in pairs if text)
        return [("order", tuple(text for _, text in real))]
    assert qtype == "cloze", qtype
    return [cloze_key(t, alts) for _, t, alts in cloze_fields(el.findtext("questiontext/text"))]


def moodle_cloze_expected(q: dict) -> list:
    """The documented field order: blanks in prompt order, then the other parts in order; a
    true/false part is a choice of the two words, an order part one position choice per item."""
    parts = {p["id"]: p for p in q["parts"]}
    marked = BLANK_RE.findall(q["prompt"])
    order = [parts[i] for i in marked] + [p for p in q["parts"] if p["id"] not in marked]
    out = []
    for p in order:
        if p["kind"] == "truefalse":
            words = ("True", "False") if q.get("lang") == "en" else ("正确", "错误")
            out.append(("choice", False, ((words[0], p["answer"]), (words[1], not p["answer"]))))
        elif p["kind"] == "order":
            n = len(p["items"])
            for item in p["items"]:
                pos = p["answer"].index(item["id"]) + 1
                out.append(("choice", False, tuple((str(k), k == pos) for k in range(1, n + 1))))
        else:
            out.append(key(p))
    return out


# --------------------------------------------------------------------------- GIFT

def gift_unescape(text: str) -> str:
    """Moodle's GIFT unescaping (qformat_gift::escapedchar_pre/post)."""
    text = text.replace("\\\\", "\x00")
    for ch in "~=#{}:":
        text = text.replace("\\" + ch, ch)
    return text.replace("\\n", "\n").replace("\x00", "\\")


# pygiftparser 1.1 ends an answer block at the first "}" even when it is escaped ("\}"),
# which Moodle's importer does not (it removes escapes first). This is its question pattern
# with only that fixed: braces are matched outside backslash escapes.
_ESCAPE_AWARE_ANSWER = re.compile(
    r"^(?P<head>(?:\\.|[^\\{])*){\s*(?P<answer>(?:\\.|[^\\}#]|#(?!###))*?)"
    r"(####(\[(?P<gf_markup>.*?)\])*(?P<generalfeedback>(?:\\.|[^\\}])*))?}(?P<tail>.*)",
    re.M | re.S)


def read_gift(data: bytes, *, escape_aware: bool = False) -> dict:
    """qid (with ``#part`` for split questions) -> pygiftparser Question. ``escape_aware``
    parses with the fixed answer pattern above (needed once answers contain "}")."""
    from pygiftparser import parser, utils

    if escape_aware:
        original, utils.reAnswer = utils.reAnswer, _ESCAPE_AWARE_ANSWER
        try:
            return read_gift(data)
        finally:
            utils.reAnswer = original
    out = {}
    for q in parser.parseFile(io.StringIO(data.decode("utf-8"))):
        m = re.match(r"\s*// (\S+)", q.full)
        assert m, q.full[:80]
        assert m.group(1) not in out, f"{m.group(1)} written twice"
        out[m.group(1)] = q
    return out


def gift_categories(data: bytes) -> dict:
    """qid (as read_gift) -> the $CATEGORY it is imported into, read off the raw lines as
    Moodle does (qformat_gift::readquestion: a block starting ``$CATEGORY:`` sets the category
    of the questions after it; pygiftparser's category pattern stops at "-")."""
    out, category = {}, None
    for block in re.split(r"\n\s*\n", data.decode("utf-8")):
        lines = [ln for ln in block.strip().splitlines() if ln.strip()]
        real = [ln for ln in lines if not ln.lstrip().startswith("//")]
        if real and real[0].startswith("$CATEGORY:"):
            category = real[0][len("$CATEGORY:"):].strip()
        elif real:
            (qid,) = [ln.strip()[3:].split()[0] for ln in lines if ln.strip().startswith("// ")]
            out[qid] = category
    return out


def gift_key(q):
    """The answer key pygiftparser read for one GIFT question."""
    kind = type(q.answers).__name__
    if kind == "NumericAnswerSet":
        (a,) = q.answers.answers
        assert a.tolerance == 0 and a.fraction == 100
        return ("num", int(a.value))
    if kind == "ShortSet":
        return ("text", frozenset(gift_unescape(a.answer).replace("\\*", "*").strip().casefold()
                                  for a in q.answers.answers))
    if kind == "TrueFalseSet":
        return ("tf", q.answers.answer)
    if kind in ("SelectSet", "MultipleChoicesSet"):
        return ("choice", kind == "MultipleChoicesSet",
                tuple((plain(gift_unescape(a.answer)), a.fraction > 0) for a in q.answers.answers))
    assert kind == "MatchingSet", kind
    pairs = sorted((int(a.answer), plain(gift_unescape(a.question))) for a in q.answers.answers
                   if a.question.strip())
    return ("order", tuple(text for _, text in pairs))


# --------------------------------------------------------------------------- QTI 1.2 (Canvas)

# --- What Canvas's QTI importer does, re-implemented from its source. NOT Canvas's code: a
# faithful re-reading of canvas-lms, gems/plugins/qti_exporter/lib/qti/ (html_helper.rb,
# choice_interaction.rb) and lib/qti.rb (convert_files).

def canvas_clear_html(text: str) -> str:
    """HtmlHelper#clear_html: tags dropped, ``&#NNN;`` decoded, other ``&name;`` dropped."""
    text = re.sub(r"</?[^>\n]*>", "", text)
    text = re.sub(r"&#\d+;", lambda m: chr(int(m.group(0)[2:-1])), text)
    return re.sub(r"&\w+;", "", text)


def canvas_choice_type(meta_type: str, texts: list[str]) -> str:
    """The type a choice item ends up with: ChoiceInteraction#process_true_false_question
    keeps true_false_question only for two answers, one matching /true/i and another
    /false/i; anything else becomes multiple_choice_question. ``texts`` are the answers'
    HTML (get_answers: clear_html(choice.text).strip, spaces collapsed)."""
    if meta_type != "true_false_question":
        return meta_type
    texts = [" ".join(canvas_clear_html(t).split()) for t in texts]
    if len(texts) == 2:
        true = next((i for i, t in enumerate(texts) if re.search("true", t, re.I)), None)
        false = next((i for i, t in enumerate(texts)
                      if i != true and re.search("false", t, re.I)), None)
        if true is not None and false is not None:
            return "true_false_question"
    return "multiple_choice_question"


def canvas_path_map(z: zipfile.ZipFile) -> list[str]:
    """The package files Canvas imports as attachments: every manifest <file href> that is
    not .xml/.dat/.qti (QTIMigrationTool's Manifest.AddCPFile copies those, Qti.convert_files
    makes them attachments), URL-unescaped, shortest first (as @sorted_paths)."""
    from urllib.parse import unquote
    manifest = etree.fromstring(z.read("imsmanifest.xml"), PARSER)
    hrefs = {unquote(f.get("href")) for f in manifest.iter("{*}file")
             if f.get("href")[-4:].lower() not in (".xml", ".dat", ".qti")}
    return sorted(hrefs, key=len)


def canvas_resolve_src(src: str, paths: list[str]) -> str | None:
    r"""HtmlHelper#sanitize_html!: a src is unescaped, ``$TOKEN$``s matching /\$[A-Z_]*\$/
    removed (not ``$IMS-CC-FILEBASE$``: it has hyphens), then found by exact path or as the
    end of the shortest package path (find_best_path_match). None: left as written."""
    from urllib.parse import unquote
    val = re.sub(r"\$[A-Z_]*\$", "", unquote(src))
    if val in paths:
        return val
    return next((k for k in paths if k.endswith(val)), None)


def strip_ns(root):
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    for key_ in [k for k in root.attrib if "schemaLocation" in k]:
        del root.attrib[key_]
    etree.cleanup_namespaces(root)
    return root


def qti12_assessment(data: bytes):
    """(zip, assessment file name, namespace-free root)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    names = [n for n in z.namelist() if n.endswith(".xml") and n.count("/") == 1
             and not n.endswith("assessment_meta.xml")]
    (name,) = names
    return z, name, strip_ns(etree.fromstring(z.read(name), PARSER))


def _fields(item) -> dict:
    return {f.findtext("fieldlabel"): f.findtext("fieldentry")
            for f in item.iter("qtimetadatafield")}


def read_qti12(data: bytes) -> dict:
    """(qid, part id or None) -> (canvas type, answer key)."""
    _, _, root = qti12_assessment(data)
    out = {}
    for item in root.iter("item"):
        meta = _fields(item)
        qtype, qid = meta["question_type"], meta["quizgen_qid"]
        conds = list(item.iter("respcondition"))
        labels = {lab.get("ident"): plain(lab.findtext("material/mattext") or "")
                  for lab in item.iter("response_label")}
        scored = [c for c in conds if c.find("setvar") is not None]
        if qtype == "fill_in_multiple_blanks_question":
            # Canvas finds blanks as [name] in the question's HTML: exactly one per response
            blanks = re.findall(r"\[([^\]]+)\]", item.findtext("presentation/material/mattext"))
            lids = [lid.get("ident").removeprefix("response_") for lid in item.iter("response_lid")]
            assert sorted(blanks) == sorted(lids), (blanks, lids)
            for lid in item.iter("response_lid"):
                pid = lid.get("ident").removeprefix("response_")
                texts = [lab.findtext("material/mattext") for lab in lid.iter("response_label")]
                out[(qid, pid)] = (qtype, _blank_key(texts))
            continue
        pid = meta.get("quizgen_part")
        if qtype == "numerical_question":
            (cond,) = scored
            values = {int(float(v.text)) for v in cond.iter("varequal", "vargte", "varlte")}
            (value,) = values
            out[(qid, pid)] = (qtype, ("num", value))
        elif qtype == "short_answer_question":
            (cond,) = scored
            out[(qid, pid)] = (qtype, ("text", frozenset(
                v.text.strip().casefold() for v in cond.iter("varequal"))))
        elif qtype in ("multiple_choice_question", "true_false_question",
                       "multiple_answers_question"):
            (cond,) = scored
            right = {v.text for v in cond.iter("varequal") if v.getparent().tag != "not"}
            choices = tuple((labels[lab.get("ident")], lab.get("ident") in right)
                            for lab in item.iter("response_label"))
            qtype = canvas_choice_type(qtype, [lab.findtext("material/mattext") or ""
                                               for lab in item.iter("response_label")])
            if qtype == "true_false_question":
                (truth,) = [re.search("true", text, re.I) is not None
                            for text, ok in choices if ok]
                out[(qid, pid)] = (qtype, ("tf", truth))
            else:
                out[(qid, pid)] = (qtype, ("choice", qtype == "multiple_answers_question",
                                           choices))
        elif qtype == "matching_question":
            right = {v.get("respident"): v.text for c in scored for v in c.iter("varequal")}
            rows = sorted((int(labels[right[lid.get("ident")]]),
                           plain(lid.findtext("material/mattext")))
                          for lid in item.iter("response_lid"))
            out[(qid, pid)] = (qtype, ("order", tuple(text for _, text in rows)))
        else:
            raise AssertionError(f"unexpected Canvas type {qtype}")
    return out


def _blank_key(texts: list[str]):
    try:
        (value,) = texts
        return ("num", int(value))
    except ValueError:
        return ("text", frozenset(t.strip().casefold() for t in texts))


# --------------------------------------------------------------------------- QTI 2.1

Q = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"


def read_qti21_item(root) -> dict:
    """part id -> answer key of one assessmentItem."""
    out = {}
    inter = {el.get("responseIdentifier"): el for el in root.iter()
             if isinstance(el.tag, str) and el.get("responseIdentifier")}
    for decl in root.iter(Q + "responseDeclaration"):
        rid = decl.get("identifier")
        pid = rid.removeprefix("RESPONSE_")
        values = [v.text for v in decl.iter(Q + "value")]
        base = decl.get("baseType")
        if base == "float":
            (value,) = values
            out[pid] = ("num", int(float(value)))
        elif base == "string":
            matches = [bv.text for m in root.iter(Q + "stringMatch")
                       for bv in m.iter(Q + "baseValue")
                       if m.find(Q + "variable").get("identifier") == rid]
            out[pid] = ("text", frozenset(t.strip().casefold() for t in matches))
        else:
            node = inter[rid]
            choices = [(c.get("identifier"), " ".join("".join(c.itertext()).split()))
                       for c in node.iter(Q + "simpleChoice")]
            if decl.get("cardinality") == "ordered":
                texts = dict(choices)
                out[pid] = ("order", tuple(texts[v] for v in values))
            elif [i for i, _ in choices] == ["TRUE", "FALSE"]:
                (value,) = values
                out[pid] = ("tf", value == "TRUE")
            else:
                out[pid] = ("choice", decl.get("cardinality") == "multiple",
                            tuple((text, ident in values) for ident, text in choices))
    return out
