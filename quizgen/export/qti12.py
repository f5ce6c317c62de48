"""Canvas QTI 1.2 package (the zip Canvas imports as "QTI .zip file").

Layout, as Canvas itself exports a quiz::

    imsmanifest.xml
    IDENT/IDENT.xml              questestinterop > assessment > section "root_section"
    IDENT/assessment_meta.xml    Canvas quiz settings
    IDENT/diagrams/NAME.svg      ladder diagrams, <img src="diagrams/NAME.svg">: a plain path
                                 relative to the XML that uses it

Every bank entry is a question group (a ``<section>`` picking one item) holding its variants,
so each student gets one variant. Types: numerical (number/bit), multiple_choice,
multiple_answers, short_answer, true_false, matching (order: item -> position) and
fill_in_multiple_blanks (several number/bit/text parts; blanks are ``[part_id]``). A question
mixing other kinds of parts is split into one item per part (see ``split_parts``), with one
group per entry and part.

What Canvas's importer does with it (canvas-lms, gems/plugins/qti_exporter/lib/qti/):

- true/false: ``question_type`` true_false_question is taken from the item's metadata
  (assessment_item_converter.rb, parse_instructure_metadata), then kept only if the two
  answer texts match ``/true/i`` and ``/false/i`` (choice_interaction.rb,
  process_true_false_question, which then sets them to "True" and "False"); otherwise the
  item becomes a multiple choice question. So the answers are always "True" and "False", and
  a Chinese item says what they mean in its question text.
- images: html_helper.rb, sanitize_html!, turns a ``src`` that is a package file's path (or
  its end) into a link to the imported file. It leaves ``$IMS-CC-FILEBASE$`` paths (a Common
  Cartridge token other QTI readers do not know) to a later step, so plain relative paths are
  used, resolving both for Canvas and relative to the item's XML as elsewhere.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from fractions import Fraction

from quizgen.export.grades import number_text, part_points
from quizgen.export.parts import (
    BLANK_KINDS,
    BLANK_MARK,
    DiagramFn,
    blank_answer,
    by_entry,
    diagram_file,
    diagram_img,
    general_feedback,
    is_multipart,
    marked_parts,
    part_label,
    positions,
    replace_blanks,
    split_parts,
    truefalse_choices,
)
from quizgen.export.xmlzip import (
    html_text,
    package_ident,
    safe_id,
    sub,
    xml_bytes,
    zip_bytes,
)

NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
#: the folder of the package the diagrams are in, relative to the assessment XML's folder
DIAGRAMS = "diagrams"
#: the answer texts of a true/false item: what Canvas recognises (and shows) in any language
TRUE_FALSE = ("True", "False")
#: for questions in other languages, what the two words mean, said in the question text
_TRUE_FALSE_NOTE = {"zh": "True = 正确，False = 错误"}

#: builds an item's interaction: build(presentation, resprocessing)
Build = Callable[[ET.Element, ET.Element], None]


def write(questions: list[dict], diagram_svg: DiagramFn | None = None) -> bytes:
    ident = package_ident("qg", questions)
    title = _title(questions)
    files: dict[str, bytes] = {}
    root = sub(None, "questestinterop", attrib={
        "xmlns": NS, "xmlns:xsi": XSI,
        "xsi:schemaLocation": f"{NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"})
    assessment = sub(root, "assessment", attrib={"ident": ident, "title": title})
    meta = sub(assessment, "qtimetadata")
    _field(meta, "cc_maxattempts", "1")
    top = sub(assessment, "section", attrib={"ident": "root_section"})
    total = Fraction(0)
    for key, group in _groups(questions):
        section = sub(top, "section", attrib={"ident": safe_id(f"g_{key}"),
                                              "title": group[0]["title"]})
        selection = sub(sub(section, "selection_ordering"), "selection")
        sub(selection, "selection_number", "1")
        total += sum(part_points(group[0]))
        for q in group:
            section.append(_item(q, files, diagram_svg))
    entries = {
        f"{ident}/{ident}.xml": xml_bytes(root),
        f"{ident}/assessment_meta.xml": _meta(ident, title, total),
        **{f"{ident}/{DIAGRAMS}/{name}": data for name, data in files.items()},
    }
    entries["imsmanifest.xml"] = _manifest(ident, [f"{ident}/{DIAGRAMS}/{name}"
                                                   for name in sorted(files)])
    return zip_bytes(entries)


def count(questions: list[dict]) -> int:
    """How many items :func:`write` writes for ``questions`` (a split question: one per part)."""
    return sum(1 if _fits_one_item(q) else len(split_parts(q)) for q in questions)


def _title(questions: list[dict]) -> str:
    banks = sorted({q.get("bank") or "quizgen" for q in questions})
    return "quizgen: " + ", ".join(banks)


def _groups(questions: list[dict]) -> list[tuple[str, list[dict]]]:
    """(group key, items): one group per entry, or per entry and part for split questions."""
    groups: dict[str, list[dict]] = {}
    for entry_id, variants in by_entry(questions):
        for q in variants:
            subs = [q] if _fits_one_item(q) else split_parts(q)
            for s in subs:
                key = entry_id if s is q else f"{entry_id}_{s['parts'][0]['id']}"
                groups.setdefault(key, []).append(s)
    return list(groups.items())


def _fits_one_item(q: dict) -> bool:
    return not is_multipart(q) or all(p["kind"] in BLANK_KINDS for p in q["parts"])


def _field(meta: ET.Element, label: str, entry: str) -> None:
    field = sub(meta, "qtimetadatafield")
    sub(field, "fieldlabel", label)
    sub(field, "fieldentry", entry)


def _mattext(parent: ET.Element, html: str) -> None:
    sub(sub(parent, "material"), "mattext", html, {"texttype": "text/html"})


# --------------------------------------------------------------------------- items

def _item(q: dict, files: dict[str, bytes], diagram_svg: DiagramFn | None) -> ET.Element:
    item_id = safe_id(q["qid"])
    item = sub(None, "item", attrib={"ident": item_id, "title": q["title"]})
    meta = sub(sub(item, "itemmetadata"), "qtimetadata")
    file = diagram_file(q, diagram_svg)
    img = ""
    if file:
        files[file[0]] = file[1]
        img = diagram_img(q, f"{DIAGRAMS}/{file[0]}")
    if is_multipart(q):
        qtype = "fill_in_multiple_blanks_question"
        answers, text, build = _blanks(q, img)
    else:
        qtype, answers, build = _single(q, q["parts"][0])
        text = replace_blanks(q["prompt"], lambda pid: BLANK_MARK) + img
        if qtype == "true_false_question" and q.get("lang") in _TRUE_FALSE_NOTE:
            text += f'<p class="qg-tf-words">{html_text(_TRUE_FALSE_NOTE[q["lang"]])}</p>'
    _field(meta, "question_type", qtype)
    _field(meta, "points_possible", number_text(sum(part_points(q))))
    _field(meta, "original_answer_ids", ",".join(a for a, _ in answers))
    _field(meta, "assessment_question_identifierref", f"aq_{item_id}")
    _field(meta, "quizgen_qid", q.get("split_from", q["qid"]))
    if "split_from" in q:
        _field(meta, "quizgen_part", q["parts"][0]["id"])
    presentation = sub(item, "presentation")
    _mattext(presentation, f"<div>{text}</div>")
    proc = sub(item, "resprocessing")
    sub(sub(proc, "outcomes"), "decvar", attrib={
        "maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"})
    feedback = general_feedback(q)
    if feedback:
        cond = _cond(proc, "Yes")
        sub(cond[0], "other")
        _show(cond[1], "general_fb")
    build(presentation, proc)
    if feedback:
        _feedback(item, "general_fb", feedback)
    for answer_id, html in answers:
        if html:
            _feedback(item, f"{answer_id}_fb", html)
    return item


def _cond(proc: ET.Element, cont: str | None = None) -> tuple[ET.Element, ET.Element]:
    """A new respcondition: (its conditionvar, the respcondition)."""
    cond = sub(proc, "respcondition", attrib={"continue": cont} if cont else None)
    return sub(cond, "conditionvar"), cond


def _show(cond: ET.Element, ident: str) -> None:
    sub(cond, "displayfeedback", attrib={"feedbacktype": "Response", "linkrefid": ident})


def _score(cond: ET.Element, value: str, action: str = "Set") -> None:
    sub(cond, "setvar", value, {"action": action, "varname": "SCORE"})


def _feedback(item: ET.Element, ident: str, html: str) -> None:
    _mattext(sub(sub(item, "itemfeedback", attrib={"ident": ident}), "flow_mat"), html)


def _single(q: dict, part: dict) -> tuple[str, list[tuple[str, str]], Build]:
    """(question_type, [(answer id, feedback html)], build(presentation, resprocessing))."""
    kind = part["kind"]
    if kind in ("number", "bit"):
        return "numerical_question", [], lambda pres, proc: _numerical(pres, proc, part)
    if kind == "text":
        return "short_answer_question", [], lambda pres, proc: _short(pres, proc, part)
    if kind == "order":
        return "matching_question", [], lambda pres, proc: _matching(pres, proc, part)
    if kind == "truefalse":
        choices = [dict(c, text=word) for c, word in zip(truefalse_choices(q, part), TRUE_FALSE)]
        qtype = "true_false_question"
    else:
        choices = part["choices"]
        qtype = "multiple_answers_question" if part.get("multiple") else \
            "multiple_choice_question"
    ids = [f"{safe_id(q['qid'])}_c{i + 1}" for i in range(len(choices))]
    answers = [(i, c.get("feedback", "")) for i, c in zip(ids, choices)]
    multiple = bool(part.get("multiple"))

    def build(pres: ET.Element, proc: ET.Element) -> None:
        lid = sub(pres, "response_lid", attrib={"ident": "response1",
                                                "rcardinality": "Multiple" if multiple else
                                                "Single"})
        render = sub(lid, "render_choice")
        for i, c in zip(ids, choices):
            _mattext(sub(render, "response_label", attrib={"ident": i}), c["text"])
        for i, c in zip(ids, choices):
            if c.get("feedback"):
                var, cond = _cond(proc, "Yes")
                sub(var, "varequal", i, {"respident": "response1"})
                _show(cond, f"{i}_fb")
        var, cond = _cond(proc, "No")
        if multiple:
            both = sub(var, "and")
            for i, c in zip(ids, choices):
                sub(both if c.get("correct") else sub(both, "not"), "varequal", i,
                    {"respident": "response1"})
        else:
            right = next(i for i, c in zip(ids, choices) if c.get("correct"))
            sub(var, "varequal", right, {"respident": "response1"})
        _score(cond, "100")

    return qtype, answers, build


def _response_str(pres: ET.Element, fibtype: str | None = None) -> None:
    resp = sub(pres, "response_str", attrib={"ident": "response1", "rcardinality": "Single"})
    fib = sub(resp, "render_fib", attrib={"fibtype": fibtype} if fibtype else None)
    sub(fib, "response_label", attrib={"ident": "answer1", "rshuffle": "No"})


def _numerical(pres: ET.Element, proc: ET.Element, part: dict) -> None:
    """Exact answer, as Canvas exports one with margin 0 (an integer up to 2^32 - 1 is exact
    in the double Canvas stores)."""
    _response_str(pres, "Decimal")
    value = str(int(part["answer"]))
    var, cond = _cond(proc, "No")
    either = sub(var, "or")
    sub(either, "varequal", value, {"respident": "response1"})
    both = sub(either, "and")
    sub(both, "vargte", value, {"respident": "response1"})
    sub(both, "varlte", value, {"respident": "response1"})
    _score(cond, "100")


def _short(pres: ET.Element, proc: ET.Element, part: dict) -> None:
    _response_str(pres)
    var, cond = _cond(proc, "No")
    for answer in blank_answer(part):
        sub(var, "varequal", answer, {"respident": "response1"})
    _score(cond, "100")


def _matching(pres: ET.Element, proc: ET.Element, part: dict) -> None:
    """Each item (left) is matched to its position 1..n (right)."""
    n = len(part["items"])
    pos = positions(part)
    share = f"{100 / n:.2f}"
    for k, item in enumerate(part["items"]):
        lid = sub(pres, "response_lid", attrib={"ident": f"response_i{k + 1}"})
        _mattext(lid, item["text"])
        render = sub(lid, "render_choice")
        for p in range(1, n + 1):
            label = sub(render, "response_label", attrib={"ident": f"m{p}"})
            sub(sub(label, "material"), "mattext", str(p))
    for k, item in enumerate(part["items"]):
        var, cond = _cond(proc, "Yes")
        sub(var, "varequal", f"m{pos[item['id']]}", {"respident": f"response_i{k + 1}"})
        _score(cond, share, "Add")


def _blanks(q: dict, img: str) -> tuple[list[tuple[str, str]], str, Build]:
    """fill_in_multiple_blanks: ([(answer id, feedback)], text, build). Each part is a blank
    ``[part_id]`` (a literal ``[`` of the prompt is written ``&#91;`` so Canvas sees no other
    blank); the diagram ``img`` and then the parts without a marker follow the prompt, each
    after its label."""
    marked = marked_parts(q)
    text = replace_blanks(q["prompt"].replace("[", "&#91;"), lambda pid: f"[{pid}]")
    text += img.replace("[", "&#91;")
    for i, p in enumerate(q["parts"]):
        if p["id"] not in marked:
            label = html_text(part_label(q, p, i)).replace("[", "&#91;")
            text += f"<p>{label}: [{p['id']}]</p>"
    base = safe_id(q["qid"])
    labels = {p["id"]: [(f"{base}_{p['id']}_{k + 1}", a) for k, a in enumerate(blank_answer(p))]
              for p in q["parts"]}
    answers = [(ident, "") for p in q["parts"] for ident, _ in labels[p["id"]]]
    share = f"{100 / len(q['parts']):.2f}"

    def build(pres: ET.Element, proc: ET.Element) -> None:
        for p in q["parts"]:
            lid = sub(pres, "response_lid", attrib={"ident": f"response_{p['id']}"})
            sub(sub(lid, "material"), "mattext", p["id"])
            render = sub(lid, "render_choice")
            for ident, answer in labels[p["id"]]:
                label = sub(render, "response_label", attrib={"ident": ident})
                sub(sub(label, "material"), "mattext", answer, {"texttype": "text/plain"})
        for p in q["parts"]:
            var, cond = _cond(proc, "Yes")
            sub(var, "varequal", labels[p["id"]][0][0], {"respident": f"response_{p['id']}"})
            _score(cond, share, "Add")

    return answers, text, build


# --------------------------------------------------------------------------- package files

def _meta(ident: str, title: str, points: Fraction) -> bytes:
    quiz = sub(None, "quiz", attrib={
        "identifier": ident, "xmlns": CANVAS_NS, "xmlns:xsi": XSI,
        "xsi:schemaLocation": f"{CANVAS_NS} https://canvas.instructure.com/xsd/cccv1p0.xsd"})
    sub(quiz, "title", title)
    sub(quiz, "description", "")
    for tag, value in (("shuffle_answers", "true"), ("scoring_policy", "keep_highest"),
                       ("quiz_type", "assignment"), ("points_possible", number_text(points)),
                       ("show_correct_answers", "true"), ("anonymous_submissions", "false"),
                       ("allowed_attempts", "1"), ("one_question_at_a_time", "false"),
                       ("cant_go_back", "false"), ("available", "false")):
        sub(quiz, tag, value)
    assignment = sub(quiz, "assignment", attrib={"identifier": f"{ident}_assignment"})
    sub(assignment, "title", title)
    sub(assignment, "points_possible", number_text(points))
    sub(assignment, "grading_type", "points")
    sub(assignment, "submission_types", "online_quiz")
    return xml_bytes(quiz)


def _manifest(ident: str, diagrams: list[str]) -> bytes:
    """The package manifest; ``diagrams`` are the diagram files' paths in the package."""
    manifest = sub(None, "manifest", attrib={
        "identifier": f"{ident}_manifest", "xmlns": CP_NS,
        "xmlns:imsmd": "http://www.imsglobal.org/xsd/imsmd_v1p2", "xmlns:xsi": XSI,
        "xsi:schemaLocation": f"{CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd"})
    meta = sub(manifest, "metadata")
    sub(meta, "schema", "IMS Content")
    sub(meta, "schemaversion", "1.1.3")
    sub(manifest, "organizations")
    resources = sub(manifest, "resources")
    res = sub(resources, "resource", attrib={"identifier": ident, "type": "imsqti_xmlv1p2"})
    sub(res, "file", attrib={"href": f"{ident}/{ident}.xml"})
    sub(res, "dependency", attrib={"identifierref": f"{ident}_meta"})
    for path in diagrams:
        sub(res, "dependency", attrib={"identifierref": _diagram_res(path)})
    meta_res = sub(resources, "resource", attrib={
        "identifier": f"{ident}_meta", "href": f"{ident}/assessment_meta.xml",
        "type": "associatedcontent/imscc_xmlv1p1/learning-application-resource"})
    sub(meta_res, "file", attrib={"href": f"{ident}/assessment_meta.xml"})
    for path in diagrams:
        web = sub(resources, "resource", attrib={
            "identifier": _diagram_res(path), "type": "webcontent", "href": path})
        sub(web, "file", attrib={"href": path})
    return xml_bytes(manifest)


def _diagram_res(path: str) -> str:
    return safe_id(f"diagram_{path.rsplit('/', 1)[-1]}")
