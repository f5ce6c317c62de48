"""IMS QTI 2.1 content package (IMS CP 1.1).

Layout::

    imsmanifest.xml
    test.xml                 assessmentTest: one assessmentSection per bank entry (titled
                             with the entry's title), <selection select="1"/> so each
                             candidate gets one variant
    items/ITEM.xml           one assessmentItem per variant (all of its parts)
    media/NAME.svg           ladder diagrams, <img src="../media/NAME.svg"> in the item

Parts: ``number``/``bit``/``text`` are textEntryInteractions (inline where the prompt has
their blank; ``expectedLength`` is fixed per kind, never the key's length), ``choice``/``truefalse`` choiceInteractions, ``order`` an orderInteraction.
Numbers are declared with ``baseType="float"`` and compared with ``<equal
toleranceMode="exact">``: QTI's integer is 32-bit signed and sequence numbers reach 2^32 - 1,
while a double holds every integer below 2^53 exactly (so "4294967291" and "4294967291.0"
both score). Text answers compare case-insensitively against every accepted spelling. The
item's SCORE is the sum of the points of the parts answered right; feedback (per choice,
true/false, and the general feedback) is modal feedback selected by the FEEDBACK outcome.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from quizgen.export.grades import part_points
from quizgen.export.parts import (
    BLANK_KINDS,
    DiagramFn,
    blank_answer,
    by_entry,
    diagram_file,
    diagram_img,
    general_feedback,
    marked_parts,
    part_label,
    truefalse_choices,
)
from quizgen.export.xmlzip import package_ident, safe_id, sub, xml_bytes, zip_bytes

NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
QTI_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_XSD = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"

#: (X)HTML elements QTI 2.1 content may use, with the attributes kept on each
_COMMON_ATTRS = ("class",)
_ELEMENTS: dict[str, tuple[str, ...]] = {
    **{t: () for t in (
        "p", "div", "span", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "address",
        "ul", "ol", "li", "dl", "dt", "dd", "em", "strong", "b", "i", "sup", "sub", "code",
        "kbd", "samp", "var", "small", "big", "tt", "cite", "dfn", "abbr", "acronym", "q",
        "hr", "br", "table", "caption", "thead", "tbody", "tfoot", "tr")},
    "th": ("colspan", "rowspan", "scope", "headers", "abbr", "align", "valign"),
    "td": ("colspan", "rowspan", "scope", "headers", "abbr", "align", "valign"),
    "col": ("span",), "colgroup": ("span",),
    "img": ("src", "alt", "width", "height", "longdesc"),
    "a": ("href", "type"),
}
_VOID = {"br", "hr", "img", "col"}
_BLOCK = {"p", "div", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "address", "ul",
          "ol", "dl", "table", "hr"}
#: containers whose own text is not content (whitespace there is dropped)
_STRUCTURAL = {"table", "thead", "tbody", "tfoot", "tr", "ul", "ol", "dl", "colgroup"}
#: elements whose content is written exactly as built (no indentation added)
_KEEP = frozenset({"div", "p", "prompt", "simpleChoice", "modalFeedback", "span", "td", "th"})


# --------------------------------------------------------------------------- HTML -> QTI XHTML

class _Builder(HTMLParser):
    """Turns an HTML fragment into QTI XHTML under ``root``: unknown elements are unwrapped,
    unknown attributes dropped, ``tbody`` supplied, a ``p`` closed before a block (as HTML
    does), and blank markers replaced by ``blank(part_id)``."""

    def __init__(self, root: ET.Element, blank=None) -> None:
        super().__init__(convert_charrefs=True)
        self.stack = [root]
        self.blank = blank
        self.skip = 0  # depth inside a blank marker span

    def _append_text(self, text: str) -> None:
        node = self.stack[-1]
        if node.tag in _STRUCTURAL:
            if not text.strip():
                return
            while len(self.stack) > 1 and self.stack[-1].tag in _STRUCTURAL | {"caption"}:
                self.stack.pop()
            node = self.stack[-1]
        if len(node):
            node[-1].tail = (node[-1].tail or "") + text
        else:
            node.text = (node.text or "") + text

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self._append_text(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if self.skip:
            self.skip += tag not in _VOID
            return
        part_id = attr.get("data-part")
        if tag == "span" and "qg-blank" in (attr.get("class") or "").split() and \
                part_id and self.blank:
            self.stack[-1].append(self.blank(part_id))
            self.skip = 1
            return
        if tag not in _ELEMENTS:
            return
        if tag in _BLOCK:
            self._close("p")
        if tag == "tr" and self.stack[-1].tag == "table":
            self.stack.append(ET.SubElement(self.stack[-1], "tbody"))
        keep = _COMMON_ATTRS + _ELEMENTS[tag]
        node = ET.SubElement(self.stack[-1], tag,
                             {k: str(v) for k, v in attr.items() if k in keep and v is not None})
        if tag == "img":
            node.set("alt", node.get("alt", ""))
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            self.skip -= 1
            return
        if tag in _ELEMENTS and tag not in _VOID:
            self._close(tag)

    def _close(self, tag: str) -> None:
        if any(n.tag == tag for n in self.stack[1:]):
            while self.stack[-1].tag != tag:
                self.stack.pop()
            self.stack.pop()


def html_into(parent: ET.Element, html: str, blank=None) -> ET.Element:
    builder = _Builder(parent, blank)
    builder.feed(html)
    builder.close()
    return parent


# --------------------------------------------------------------------------- items

def _rid(part: dict) -> str:
    return f"RESPONSE_{part['id']}"


def _choices(q: dict, part: dict) -> list[dict]:
    """A choice/truefalse part's choices with QTI identifiers (index based, so any choice id
    is safe)."""
    if part["kind"] == "truefalse":
        return [dict(c, ident=c["id"]) for c in truefalse_choices(q, part)]
    return [dict(c, ident=f"C{i + 1}") for i, c in enumerate(part["choices"])]


def _declare(item: ET.Element, q: dict, part: dict) -> None:
    kind = part["kind"]
    attrib = {"identifier": _rid(part), "cardinality": "single"}
    if kind in ("number", "bit"):
        attrib["baseType"] = "float"
        values = [str(int(part["answer"]))]
    elif kind == "text":
        attrib["baseType"] = "string"
        values = blank_answer(part)[:1]
    elif kind == "order":
        attrib.update(cardinality="ordered", baseType="identifier")
        index = {item["id"]: f"I{k + 1}" for k, item in enumerate(part["items"])}
        values = [index[i] for i in part["answer"]]
    else:
        multiple = kind == "choice" and part.get("multiple")
        attrib.update(cardinality="multiple" if multiple else "single", baseType="identifier")
        values = [c["ident"] for c in _choices(q, part) if c["correct"]]
    decl = sub(item, "responseDeclaration", attrib=attrib)
    correct = sub(decl, "correctResponse")
    for v in values:
        sub(correct, "value", v)


def _outcome(item: ET.Element, ident: str, base: str, default: str | None = None,
             cardinality: str = "single") -> None:
    decl = sub(item, "outcomeDeclaration", attrib={
        "identifier": ident, "cardinality": cardinality, "baseType": base})
    if default is not None:
        sub(sub(decl, "defaultValue"), "value", default)


#: textEntryInteraction's expectedLength (an optional xs:int in imsqti_v2p1.xsd, a hint a player
#: sizes the box by) per part kind: fixed, so it tells nothing of the key (it was the key's own
#: length, so a box of 4 said "the answer has 4 digits"). A number or a flag: the 10 digits of
#: 2^32 - 1, the widest answer (one width for every box of a segment row); text: 20, more than
#: any accepted spelling of a state's name in the built-in banks (the longest has 11).
EXPECTED_LENGTH = {"number": 10, "bit": 10, "text": 20}


def _text_entry(part: dict) -> ET.Element:
    return sub(None, "textEntryInteraction", attrib={
        "responseIdentifier": _rid(part), "expectedLength": str(EXPECTED_LENGTH[part["kind"]])})


def _interaction(body: ET.Element, q: dict, part: dict, label: str) -> None:
    """A block interaction (choice, true/false, order) after the prompt."""
    if part["kind"] == "order":
        node = sub(body, "orderInteraction", attrib={
            "responseIdentifier": _rid(part), "shuffle": "false"})
        sub(node, "prompt", label)
        for k, item in enumerate(part["items"]):
            html_into(sub(node, "simpleChoice", attrib={"identifier": f"I{k + 1}"}), item["text"])
        return
    multiple = part["kind"] == "choice" and part.get("multiple")
    choices = _choices(q, part)
    node = sub(body, "choiceInteraction", attrib={
        "responseIdentifier": _rid(part), "shuffle": "false",
        "maxChoices": str(len(choices)) if multiple else "1"})
    sub(node, "prompt", label)
    for c in choices:
        html_into(sub(node, "simpleChoice", attrib={"identifier": c["ident"]}), c["text"])


def _body(item: ET.Element, q: dict, media_src: str | None) -> None:
    body = sub(item, "itemBody")
    marked = marked_parts(q)
    parts = {p["id"]: p for p in q["parts"]}
    labels = {p["id"]: part_label(q, p, i) for i, p in enumerate(q["parts"])}

    def blank(pid: str) -> ET.Element:
        part = parts[pid]
        if part["kind"] in BLANK_KINDS:
            return _text_entry(part)
        return sub(None, "span", f"[{labels[pid]}]", {"class": "qg-blank"})

    html_into(sub(body, "div", attrib={"class": "qg-prompt"}), q["prompt"], blank)
    if media_src:
        html_into(sub(body, "div", attrib={"class": "qg-diagram"}), diagram_img(q, media_src))
    for part in q["parts"]:
        label = labels[part["id"]] if len(q["parts"]) > 1 or part.get("label") else ""
        if part["kind"] not in BLANK_KINDS:
            _interaction(body, q, part, label)
        elif part["id"] not in marked:
            p = sub(sub(body, "div", attrib={"class": "qg-part"}), "p",
                    f"{label}: " if label else None)
            p.append(_text_entry(part))


def _correct_condition(parent: ET.Element, part: dict) -> None:
    kind = part["kind"]
    var = {"identifier": _rid(part)}
    if kind in ("number", "bit"):
        node = sub(parent, "equal", attrib={"toleranceMode": "exact"})
        sub(node, "variable", attrib=var)
        sub(node, "correct", attrib=var)
    elif kind == "text":
        either = sub(parent, "or")
        for answer in blank_answer(part):
            match = sub(either, "stringMatch", attrib={"caseSensitive": "false"})
            sub(match, "variable", attrib=var)
            sub(match, "baseValue", answer, {"baseType": "string"})
    else:
        node = sub(parent, "match")
        sub(node, "variable", attrib=var)
        sub(node, "correct", attrib=var)


def _add(parent: ET.Element, ident: str, value: ET.Element) -> None:
    """``ident := ident + value`` (a sum for SCORE, a multiple for FEEDBACK)."""
    op = "sum" if ident == "SCORE" else "multiple"
    setter = sub(parent, "setOutcomeValue", attrib={"identifier": ident})
    combined = sub(setter, op)
    sub(combined, "variable", attrib={"identifier": ident})
    combined.append(value)


def _value(base: str, text: str) -> ET.Element:
    return sub(None, "baseValue", text, {"baseType": base})


def _processing(item: ET.Element, q: dict, feedback: list[tuple[str, str]]) -> None:
    proc = sub(item, "responseProcessing")
    for part, points in zip(q["parts"], part_points(q)):
        cond = sub(sub(proc, "responseCondition"), "responseIf")
        _correct_condition(cond, part)
        _add(cond, "SCORE", _value("float", repr(float(points))))
        if part["kind"] in ("choice", "truefalse"):
            multiple = part["kind"] == "choice" and part.get("multiple")
            for c in _choices(q, part):
                if not c.get("feedback"):
                    continue
                ident = f"FB_{part['id']}_{c['ident']}"
                feedback.append((ident, c["feedback"]))
                cond = sub(sub(proc, "responseCondition"), "responseIf")
                test = sub(cond, "member" if multiple else "match")
                if multiple:
                    test.append(_value("identifier", c["ident"]))
                    sub(test, "variable", attrib={"identifier": _rid(part)})
                else:
                    sub(test, "variable", attrib={"identifier": _rid(part)})
                    test.append(_value("identifier", c["ident"]))
                _add(cond, "FEEDBACK", _value("identifier", ident))
    general = general_feedback(q)
    if general:
        feedback.append(("FB_GENERAL", general))
        _add(proc, "FEEDBACK", _value("identifier", "FB_GENERAL"))


def item_xml(q: dict, media_src: str | None) -> bytes:
    item = sub(None, "assessmentItem", attrib={
        "xmlns": NS, "xmlns:xsi": XSI, "xsi:schemaLocation": f"{NS} {QTI_XSD}",
        "identifier": safe_id(q["qid"]), "title": q["title"], "adaptive": "false",
        "timeDependent": "false", "xml:lang": q.get("lang", "en")})
    for part in q["parts"]:
        _declare(item, q, part)
    _outcome(item, "SCORE", "float", "0")
    _outcome(item, "MAXSCORE", "float", repr(float(sum(part_points(q)))))
    _outcome(item, "FEEDBACK", "identifier", cardinality="multiple")
    _body(item, q, media_src)
    feedback: list[tuple[str, str]] = []
    _processing(item, q, feedback)
    for ident, html in feedback:
        html_into(sub(item, "modalFeedback", attrib={
            "outcomeIdentifier": "FEEDBACK", "identifier": ident, "showHide": "show"}),
            html)
    return xml_bytes(item, _KEEP)


# --------------------------------------------------------------------------- test, package

def _test_xml(ident: str, title: str,
              groups: list[tuple[str, str, list[tuple[str, str]]]]) -> bytes:
    """The assessmentTest: one section per bank entry (identifier from the entry's id, title
    the entry's title as its questions carry it), each selecting one of its variants."""
    test = sub(None, "assessmentTest", attrib={
        "xmlns": NS, "xmlns:xsi": XSI, "xsi:schemaLocation": f"{NS} {QTI_XSD}",
        "identifier": ident, "title": title})
    _outcome(test, "SCORE", "float", "0")
    part = sub(test, "testPart", attrib={"identifier": "PART1", "navigationMode": "nonlinear",
                                         "submissionMode": "simultaneous"})
    for entry_id, entry_title, items in groups:
        section = sub(part, "assessmentSection", attrib={
            "identifier": safe_id(f"S_{entry_id}"), "title": entry_title, "visible": "true"})
        sub(section, "selection", attrib={"select": "1"})
        for item_id, href in items:
            sub(section, "assessmentItemRef", attrib={"identifier": item_id, "href": href})
    proc = sub(test, "outcomeProcessing")
    total = sub(sub(proc, "setOutcomeValue", attrib={"identifier": "SCORE"}), "sum")
    sub(total, "testVariables", attrib={"variableIdentifier": "SCORE"})
    return xml_bytes(test)


def _manifest(ident: str, items: list[tuple[str, str, list[str]]]) -> bytes:
    manifest = sub(None, "manifest", attrib={
        "xmlns": CP_NS, "xmlns:xsi": XSI, "xsi:schemaLocation": f"{CP_NS} {CP_XSD}",
        "identifier": f"{ident}_manifest"})
    meta = sub(manifest, "metadata")
    sub(meta, "schema", "QTIv2.1 Package")
    sub(meta, "schemaversion", "1.0.0")
    sub(manifest, "organizations")
    resources = sub(manifest, "resources")
    test = sub(resources, "resource", attrib={
        "identifier": ident, "type": "imsqti_test_xmlv2p1", "href": "test.xml"})
    sub(test, "file", attrib={"href": "test.xml"})
    for item_id, _, _ in items:
        sub(test, "dependency", attrib={"identifierref": f"R_{item_id}"})
    for item_id, href, media in items:
        res = sub(resources, "resource", attrib={
            "identifier": f"R_{item_id}", "type": "imsqti_item_xmlv2p1", "href": href})
        for name in [href, *media]:
            sub(res, "file", attrib={"href": name})
    return xml_bytes(manifest)


def count(questions: list[dict]) -> int:
    """How many assessmentItems :func:`write` writes for ``questions``: one each."""
    return len(questions)


def write(questions: list[dict], diagram_svg: DiagramFn | None = None) -> bytes:
    ident = package_ident("qg", questions)
    title = "quizgen: " + ", ".join(sorted({q.get("bank") or "quizgen" for q in questions}))
    entries: dict[str, bytes] = {}
    groups = []
    manifest_items = []
    for entry_id, variants in by_entry(questions):
        refs = []
        for q in variants:
            item_id = safe_id(q["qid"])
            href = f"items/{item_id}.xml"
            file = diagram_file(q, diagram_svg)
            media = []
            if file:
                entries[f"media/{file[0]}"] = file[1]
                media = [f"media/{file[0]}"]
            entries[href] = item_xml(q, f"../{media[0]}" if media else None)
            refs.append((item_id, href))
            manifest_items.append((item_id, href, media))
        groups.append((entry_id, variants[0]["title"], refs))
    entries["test.xml"] = _test_xml(ident, title, groups)
    entries["imsmanifest.xml"] = _manifest(ident, manifest_items)
    return zip_bytes(entries)
