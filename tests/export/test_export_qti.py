"""QTI 2.1 (the XSDs vendored in tests/export/schemas, lxml, no network) and Canvas QTI 1.2 (the
QTI 1.2.1 DTD on a namespace-free copy; qti_package_maker's package integrity check)."""

from __future__ import annotations

import copy
import io
import posixpath
import re
import zipfile
from pathlib import Path

from qti_package_maker.common.package_integrity import check_package

from quizgen.export import render
from quizgen.export.qti21 import EXPECTED_LENGTH
from quizgen.export.xmlzip import safe_id

from .conftest import load_sample, schema_file
from .readback import (
    PARSER,
    SCHEMAS,
    Q,
    canvas_choice_type,
    canvas_path_map,
    canvas_resolve_src,
    etree,
    expected,
    plain,
    qti12_assessment,
    read_qti12,
    read_qti21_item,
)


def _zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


# --------------------------------------------------------------------------- QTI 2.1

def _check_qti21(data, questions, tmp_path, qti21_schema, cp_schema):
    z = _zip(data)
    names = set(z.namelist())
    for name in sorted(names):
        if not name.endswith(".xml"):
            continue
        doc = etree.fromstring(z.read(name), PARSER)
        schema = cp_schema if name == "imsmanifest.xml" else qti21_schema
        assert schema.validate(doc), (name, [str(e) for e in schema.error_log][:5])
    # the manifest lists every file of the package, and each item its diagram
    manifest = etree.fromstring(z.read("imsmanifest.xml"), PARSER)
    cp = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
    listed = {f.get("href") for f in manifest.iter(cp + "file")}
    assert listed == names - {"imsmanifest.xml"}
    # one section per entry, picking one variant; items answer as the data says
    test = etree.fromstring(z.read("test.xml"), PARSER)
    sections = list(test.iter(Q + "assessmentSection"))
    assert len(sections) == len({q["id"] for q in questions})
    titles: dict[str, str] = {}
    for q in questions:
        titles.setdefault(safe_id(f"S_{q['id']}"), q["title"])
    for s in sections:
        assert s.find(Q + "selection").get("select") == "1"
        # a section is titled with its entry's title (a teacher sees it), not the raw id
        assert s.get("title") == titles[s.get("identifier")]
    by_id = {safe_id(q["qid"]): q for q in questions}
    want = expected(questions)
    for ref in test.iter(Q + "assessmentItemRef"):
        item = etree.fromstring(z.read(ref.get("href")), PARSER)
        q = by_id[item.get("identifier")]
        got = read_qti21_item(item)
        assert got == {p["id"]: want[(q["qid"], p["id"])] for p in q["parts"]}
        assert item.get("title") == q["title"]
        # 32-bit integers never carry a sequence number
        for decl in item.iter(Q + "responseDeclaration", Q + "outcomeDeclaration"):
            assert decl.get("baseType") != "integer"
        _check_expected_length(item, q)
        for img in item.iter(Q + "img"):
            assert "media/" + img.get("src").rsplit("/", 1)[1] in names
        assert bool(list(item.iter(Q + "img"))) == bool(q.get("diagram"))
    path = tmp_path / "package.zip"
    path.write_bytes(data)
    assert check_package(str(path)) == []
    return z


def _check_expected_length(item, q: dict) -> None:
    """Every box's expectedLength is its kind's fixed width, so it says nothing of the key:
    it equals the key's length only for a 10-digit number (every number box is 10 wide)."""
    parts = {f"RESPONSE_{p['id']}": p for p in q["parts"]}
    for box in item.iter(Q + "textEntryInteraction"):
        part = parts[box.get("responseIdentifier")]
        length = int(box.get("expectedLength"))
        assert length == EXPECTED_LENGTH[part["kind"]], (q["qid"], part["id"])
        keys = [str(int(part["answer"]))] if part["kind"] != "text" else \
            [part["answer"], *part["accept"]]
        for key in keys:
            assert len(key) != length or (part["kind"] == "number" and length == 10), key


def test_qti21_expected_length_does_not_follow_the_key(sample):
    """The same question with other keys (a 1-digit and a 10-digit ack, a short and a long
    state name) gives the same boxes."""
    def boxes(questions):
        z = _zip(render(questions, "qti21"))
        return {name: [(b.get("responseIdentifier"), b.get("expectedLength"))
                       for b in etree.fromstring(z.read(name), PARSER)
                       .iter(Q + "textEntryInteraction")]
                for name in z.namelist() if name.startswith("items/")}
    other = copy.deepcopy(sample)
    for q in other:
        for p in q["parts"]:
            if p["kind"] == "number":
                p["answer"] = 7 if p["answer"] > 9 else 4294967295
            elif p["kind"] == "text":
                p["answer"] = "X"
                p["accept"] = ["a much longer spelling than any"]
    assert boxes(sample) == boxes(other)
    assert sorted({n for b in boxes(sample).values() for _, n in b}) == ["10", "20"]


def test_qti21_validates_and_answers(questions, diagram, tmp_path, qti21_schema, cp_schema):
    _check_qti21(render(questions, "qti21", diagram_svg=diagram), questions, tmp_path,
                 qti21_schema, cp_schema)


def test_qti21_numbers_are_floats_compared_exactly(sample):
    z = _zip(render(sample, "qti21"))
    item = etree.fromstring(z.read("items/s-fill_7.xml"), PARSER)
    decl = {d.get("identifier"): d for d in item.iter(Q + "responseDeclaration")}
    ack = decl["RESPONSE_ack"]
    assert ack.get("baseType") == "float" and ack.findtext(f"{Q}correctResponse/{Q}value") \
        == "4294967291"
    equal = [e for e in item.iter(Q + "equal")
             if e.find(Q + "variable").get("identifier") == "RESPONSE_ack"]
    assert equal and equal[0].get("toleranceMode") == "exact"
    # several textEntryInteractions sit inline in the prompt's table
    assert len(list(item.iter(Q + "td"))) and \
        len([t for t in item.iter(Q + "textEntryInteraction")]) == 3


def test_qti21_hostile(hostile, diagram, tmp_path, qti21_schema, cp_schema):
    z = _check_qti21(render(hostile, "qti21", diagram_svg=diagram), hostile, tmp_path,
                     qti21_schema, cp_schema)
    for q in hostile:
        item = etree.fromstring(z.read(f"items/{safe_id(q['qid'])}.xml"), PARSER)
        body = " ".join("".join(item.find(Q + "itemBody").itertext()).split())
        if len(q["parts"]) == 1:
            assert plain(q["prompt"]) in body
        feedback = " ".join("".join(m.itertext()) for m in item.iter(Q + "modalFeedback"))
        assert plain(q["explanation"]) in " ".join(feedback.split())


# --------------------------------------------------------------------------- QTI 1.2

def _check_qti12(data, questions, tmp_path, dtd):
    z, name, root = qti12_assessment(data)
    ident = name.split("/")[0]
    assert name == f"{ident}/{ident}.xml" and f"{ident}/assessment_meta.xml" in z.namelist()
    assert dtd.validate(root), [str(e) for e in dtd.error_log][:5]
    path = tmp_path / "canvas.zip"
    path.write_bytes(data)
    assert check_package(str(path)) == []
    got = read_qti12(data)
    want = expected(questions)
    for (qid, pid), (_, k) in got.items():
        q = next(q for q in questions if q["qid"] == qid)
        pid = pid or q["parts"][0]["id"]
        assert k == want[(qid, pid)], (qid, pid)
    assert {(qid, pid or next(q for q in questions if q["qid"] == qid)["parts"][0]["id"])
            for qid, pid in got} == set(want)
    # a question group per entry (per entry and part for split questions) picks one item
    top = root.find("assessment/section")
    for group in top.findall("section"):
        assert group.findtext("selection_ordering/selection/selection_number") == "1"
        assert len(group.findall("item")) >= 1
    _check_qti12_images(z, name, root, questions)
    return got, root


def _check_qti12_images(z, name, root, questions) -> None:
    """Every diagram is found by Canvas's importer (its path map of the package's files) and,
    relative to the assessment XML, by any other reader: the same file, the question's own."""
    paths = canvas_path_map(z)
    used = set()
    by_qid = {q["qid"]: q for q in questions}
    for item in root.iter("item"):
        qid = next(f.findtext("fieldentry") for f in item.iter("qtimetadatafield")
                   if f.findtext("fieldlabel") == "quizgen_qid")
        text = item.findtext("presentation/material/mattext")
        srcs = re.findall(r'<img[^>]*\ssrc="([^"]+)"', text)
        drawn = any(n.endswith(".svg") for n in z.namelist())  # rendered with diagrams
        assert len(srcs) == (drawn and bool(by_qid[qid].get("diagram"))), qid
        for src in srcs:
            relative = posixpath.normpath(posixpath.join(posixpath.dirname(name), src))
            assert canvas_resolve_src(src, paths) == relative, src
            assert relative.endswith(f"/{safe_id(qid)}.svg") and relative in z.namelist()
            used.add(relative)
    assert used == {n for n in z.namelist() if n.endswith(".svg")}


def test_qti12_validates_and_answers(questions, diagram, tmp_path, qti12_dtd):
    got, root = _check_qti12(render(questions, "qti12", diagram_svg=diagram), questions,
                             tmp_path, qti12_dtd)
    types = {qid: t for (qid, _), (t, _) in got.items()}
    assert types["s-fill@7"] == "fill_in_multiple_blanks_question"
    assert types["s-compute@7"] == "numerical_question"
    assert types["s-state@7"] == "multiple_choice_question"
    assert types["s-multi@7"] == "multiple_answers_question"
    assert types["s-statetext@7"] == "short_answer_question"
    assert types["s-tf@7"] == "true_false_question"
    assert types["s-order@7"] == "matching_question"
    # the mixed question is split into one item (and group) per part
    mixed = [pid for (qid, pid) in got if qid == "s-mixed@7"]
    assert len(mixed) == 8
    fill = next(i for i in root.iter("item") if i.get("ident") == "s-fill_7")
    text = fill.findtext("presentation/material/mattext")
    assert "[syn]" in text and "[ack_bit]" in text and "[ack]" in text
    assert '<img src="diagrams/s-fill_7.svg"' in text


def test_canvas_sees_the_true_false_items_as_true_false(sample, tmp_path, qti12_dtd):
    """Chinese and English true/false items stay true_false_question through Canvas's
    importer (the answers read True and False); a Chinese one says what they mean."""
    tf = next(q for q in sample if q["id"] == "s-tf")
    zh = dict(copy.deepcopy(tf), qid="s-tf@zh", lang="zh")
    for q, truth in ((tf, tf["parts"][0]["answer"]), (zh, zh["parts"][0]["answer"])):
        got, root = _check_qti12(render([q], "qti12"), [q], tmp_path, qti12_dtd)
        assert got == {(q["qid"], None): ("true_false_question", ("tf", truth))}
        text = root.find(".//item/presentation/material/mattext").text
        assert ("True = 正确，False = 错误" in text) == (q["lang"] == "zh")
    # what the importer did with the words quizgen wrote before
    assert canvas_choice_type("true_false_question", ["正确", "错误"]) == \
        "multiple_choice_question"
    assert canvas_choice_type("true_false_question", ["<p>True</p>", "False"]) == \
        "true_false_question"


def test_the_canvas_image_resolver_is_canvas(tmp_path):
    """readback.canvas_resolve_src does what html_helper.rb does: $IMS-CC-FILEBASE$ is not
    one of the tokens it removes, so such a path is left for later; a plain path is found."""
    paths = ["qg1/diagrams/a.svg", "web/qg1/diagrams/a.svg"]
    assert canvas_resolve_src("diagrams/a.svg", paths) == "qg1/diagrams/a.svg"
    assert canvas_resolve_src("qg1/diagrams/a%2Esvg", paths) == "qg1/diagrams/a.svg"
    assert canvas_resolve_src("$IMS-CC-FILEBASE$/diagrams/a.svg", paths) is None
    assert canvas_resolve_src("$CANVAS_TOKEN$/diagrams/a.svg", paths) == "qg1/diagrams/a.svg"


def test_qti12_hostile(hostile, diagram, tmp_path, qti12_dtd):
    _, root = _check_qti12(render(hostile, "qti12", diagram_svg=diagram), hostile, tmp_path,
                           qti12_dtd)
    titles = {i.get("title") for i in root.iter("item")}
    assert all(q["title"] in titles for q in hostile if len(q["parts"]) == 1)


def test_qti12_several_variants_share_a_group(sample, tmp_path, qti12_dtd):
    variants = []
    for seed in (7, 8, 9):
        for q in sample[:2]:
            v = dict(q, qid=f"{q['id']}@{seed}", seed=seed)
            variants.append(v)
    _, root = _check_qti12(render(variants, "qti12"), variants, tmp_path, qti12_dtd)
    groups = root.find("assessment/section").findall("section")
    assert [len(g.findall("item")) for g in groups] == [3, 3]


def test_schemas_are_vendored_and_each_one_is_used():
    """The XSDs load from tests/export/schemas alone (every import resolves inside it, none
    over the network), and every vendored XSD is one they load."""
    loaded: list[str] = []

    class Record(etree.Resolver):
        def resolve(self, url, pubid, context):
            loaded.append(url)

    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(Record())
    for entry in ("qti/qtiv2p1/imsqti_v2p1.xsd", "qti/imscp_v1p1.xsd"):
        etree.XMLSchema(etree.parse(schema_file(entry), parser))
    used = {Path(url.removeprefix("file://")).resolve() for url in loaded}
    assert all(SCHEMAS in p.parents for p in used), sorted(map(str, used))
    assert set(SCHEMAS.rglob("*.xsd")) == used
    assert (SCHEMAS / "qti/ims_qtiasiv1p2p1.dtd").is_file() and (SCHEMAS / "README.md").is_file()


def test_sample_fixture_is_loaded():
    assert len(load_sample()) == 7


def test_the_validators_do_reject(sample, tmp_path, qti21_schema, qti12_dtd):
    """Each validator used above fails on a broken package (they are not no-ops)."""
    data = render(sample, "qti12")
    z, name, root = qti12_assessment(data)
    etree.SubElement(root.find("assessment/section/section/selection_ordering/selection"),
                     "selection_extension")
    assert not qti12_dtd.validate(root)
    item = etree.fromstring(_zip(render(sample, "qti21")).read("items/s-tf_7.xml"), PARSER)
    del item.find(Q + "responseDeclaration").attrib["cardinality"]
    assert not qti21_schema.validate(item)
    entries = {n: z.read(n) for n in z.namelist()}
    entries[name] = entries[name].replace(b"</mattext>", b'&lt;img src="nope.svg"/&gt;</mattext>',
                                          1)
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as out:
        for n, b in entries.items():
            out.writestr(n, b)
    assert any("nope.svg" in v for v in check_package(str(broken)))


def test_with_the_real_ladder_renderer(sample, tmp_path, qti21_schema, cp_schema):
    """Smoke test with quizgen.render.ladder when it is there: diagrams are well-formed SVG
    files in the package, and the package still validates."""
    from quizgen.render import ladder
    from functools import partial

    svg = partial(ladder.ladder_svg, reveal=False)
    z = _check_qti21(render(sample, "qti21", diagram_svg=svg), sample, tmp_path, qti21_schema,
                     cp_schema)
    media = [n for n in z.namelist() if n.startswith("media/")]
    assert len(media) == sum(1 for q in sample if q.get("diagram"))
    for name in media:
        assert etree.fromstring(z.read(name), PARSER).tag == "{http://www.w3.org/2000/svg}svg"
