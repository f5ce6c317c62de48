"""A/B papers that pass exam review: over many specs and seeds, distinct versions share no
bank entry and keep the difficulty split; the review report's figures are recomputed here
from the Papers, independently of quizgen.paper.review; bad specs are one-line errors."""

from __future__ import annotations

import io
import zipfile

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.errors import QuizgenError
from quizgen.paper.assemble import BankSource, distinct_plan, version_papers
from quizgen.paper.review import review
from quizgen.paper.spec import parse_spec
from quizgen.render.review import review_docx, review_html

SOURCE = BankSource()
TOPICS = ("handshake", "teardown")


def _spec(seed: int, versions: int = 2, counts=(4, 4), points=(5, 5), extra: str = "") -> str:
    sections = "".join(f"  - {{title: 第{k + 1}部分, topic: {t}, count: {c}, points: {p}}}\n"
                       for k, (t, c, p) in enumerate(zip(TOPICS, counts, points)))
    return (f"title: 期末考试\nseed: {seed}\nversions: {versions}\ndistinct_versions: true\n"
            f"review: {{difficulty: [7, 2, 1], tolerance: 0.15, min_types: 3, "
            f"topics: [handshake, teardown]}}\n{extra}sections:\n{sections}")


def _ids(paper):
    return [q["id"] for s in paper["sections"] for q in s["questions"]]


def _shares(paper):
    total = sum(q["points"] for s in paper["sections"] for q in s["questions"])
    return [sum(q["points"] for s in paper["sections"] for q in s["questions"]
                if q["difficulty"] == d) / total for d in (1, 2, 3)]


CASES = [(seed, versions, counts) for seed, versions, counts in
         [(s, 2, (4, 4)) for s in range(1, 13)] + [(s, 3, (3, 3)) for s in range(20, 24)]
         + [(s, 2, (3, 5)) for s in range(40, 44)]]


@pytest.mark.parametrize("seed,versions,counts", CASES)
def test_distinct_versions_share_no_entry_and_keep_the_split(seed, versions, counts):
    spec = parse_spec(_spec(seed, versions, counts), "exam.yaml")
    papers = version_papers(spec, SOURCE)
    assert len(papers) == versions
    seen: set[str] = set()
    for paper in papers:
        ids = _ids(paper)
        assert len(ids) == len(set(ids)) == sum(counts)
        assert not seen & set(ids)
        seen |= set(ids)
        for share, want in zip(_shares(paper), (0.7, 0.2, 0.1)):
            assert abs(share - want) <= 0.15 + 1e-9, (seed, _shares(paper))
    # the same spec gives the same plan and the same papers
    again = version_papers(parse_spec(_spec(seed, versions, counts), "exam.yaml"), SOURCE)
    assert [_ids(p) for p in again] == [_ids(p) for p in papers]


def _scenarios(paper):
    return {(q["topic"], q["scenario"]["name"]) for s in paper["sections"]
            for q in s["questions"]}


@pytest.mark.parametrize("seed", [3, 8, 15, 16])
def test_report_figures_recomputed_independently(seed):
    earlier_spec = parse_spec(_spec(seed + 100), "old.yaml")
    earlier = version_papers(earlier_spec, SOURCE)
    spec = parse_spec(_spec(seed, extra="full_marks: 40\n"), "exam.yaml")
    papers = version_papers(spec, SOURCE)
    report = review(spec, papers, [("old.yaml", earlier)])
    a, b = papers
    pair = report["pairs"][0]
    assert pair["entries"] == sorted(set(_ids(a)) & set(_ids(b))) == []
    assert pair["scenarios"] == sorted(_scenarios(a) & _scenarios(b))
    old_ids = {i for p in earlier for i in _ids(p)}
    old_scen = set().union(*(_scenarios(p) for p in earlier))
    for paper, got in zip(papers, report["earlier"][0]["by_version"]):
        assert got["entries"] == sorted(set(_ids(paper)) & old_ids)
        assert got["scenarios"] == sorted(_scenarios(paper) & old_scen)
    for paper, summary in zip(papers, report["versions"]):
        qs = [q for s in paper["sections"] for q in s["questions"]]
        assert summary["questions"] == len(qs)
        assert summary["points"] == sum(q["points"] for q in qs) == 40
        for t in {q["type"] for q in qs}:
            assert summary["types"][t] == sum(1 for q in qs if q["type"] == t)
        assert set(summary["topics"]) == {q["topic"] for q in qs}
        for d, share in zip((1, 2, 3), _shares(paper)):
            assert summary["difficulty_share"][d] == pytest.approx(share)
    verdicts = {r["key"]: r["verdict"] for r in report["rules"]}
    assert verdicts["no_shared_question"] == "pass"
    assert verdicts["full_marks"] == "pass" and verdicts["covers_chapter"] == "pass"
    assert verdicts["earlier:old.yaml"] == ("fail" if any(
        v["entries"] for v in report["earlier"][0]["by_version"]) else "pass")


def test_a_sitting_compared_with_itself_fails_every_overlap_rule():
    spec = parse_spec(_spec(5, extra="distinct_versions: false\n").replace(
        "distinct_versions: true\n", ""), "exam.yaml")
    papers = version_papers(spec, SOURCE)
    report = review(spec, papers, [("same.yaml", papers)])
    verdicts = {r["key"]: r["verdict"] for r in report["rules"]}
    assert verdicts["earlier:same.yaml"] == "fail"
    assert report["verdict"] == "fail"


def test_report_html_and_docx_show_the_verdicts():
    spec = parse_spec(_spec(2), "exam.yaml")
    report = review(spec, version_papers(spec, SOURCE))
    html = review_html(report)
    assert "试卷审核表" in html and "A卷" in html and "B卷" in html and "通过" in html
    assert "<script" not in html
    data = review_docx(report)
    text = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    for rule in report["rules"]:
        assert rule["name"] in text
    import docx

    tables = docx.Document(io.BytesIO(data)).tables
    assert len(tables) == 3 and len(tables[0].rows) == 3      # header + A + B


# ------------------------------------------------------------------------- bad specs
def _one_line(exc: QuizgenError) -> str:
    text = str(exc)
    assert "\n" not in text
    return text


def _too_big() -> tuple[int, int]:
    n = sum(1 for e in SOURCE.entries() if e.topic == "teardown")
    return n, n // 2 + 1


def test_a_bank_too_small_for_distinct_versions():
    n, count = _too_big()
    spec = parse_spec(_spec(1, counts=(2, count)), "exam.yaml")
    with pytest.raises(QuizgenError) as exc:
        distinct_plan(spec, SOURCE)
    text = _one_line(exc.value)
    assert text == (f"exam.yaml:{spec.sections[1].line}: sections[2].topic: 2 distinct "
                    f"versions need {2 * count} different questions here ({count} a version), "
                    f"but topic 'teardown' has {n}")


def test_bad_layout_and_distinct_without_versions():
    with pytest.raises(QuizgenError) as exc:
        parse_spec("title: x\nlayout: landscape\nsections: [{title: a, topic: handshake, "
                   "count: 1}]\n", "s.yaml")
    assert _one_line(exc.value) == ("s.yaml:2: layout: no layout 'landscape': the layouts are "
                                    "plain, sealed, a3")
    with pytest.raises(QuizgenError) as exc:
        parse_spec("title: x\ndistinct_versions: true\nsections: [{title: a, topic: "
                   "handshake, count: 1}]\n", "s.yaml")
    assert "s.yaml:2: distinct_versions:" in _one_line(exc.value)
    with pytest.raises(QuizgenError) as exc:
        parse_spec("title: x\nreview: {difficulty: [7, 2]}\nsections: [{title: a, topic: "
                   "handshake, count: 1}]\n", "s.yaml")
    assert "review.difficulty" in _one_line(exc.value)


def test_full_marks_that_do_not_add_up():
    spec = parse_spec(_spec(1, extra="full_marks: 100\n"), "exam.yaml")
    with pytest.raises(QuizgenError) as exc:
        version_papers(spec, SOURCE)
    assert "add up to 40, not 100" in _one_line(exc.value)


def test_cli_errors_are_one_line(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "bad.yaml"
    bad.write_text(_spec(1, counts=(2, _too_big()[1])), encoding="utf-8")
    for args in (["review", str(bad), "--out", str(tmp_path / "o")],
                 ["paper", str(bad), "--format", "docx", "--out", str(tmp_path / "o")]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "bad.yaml:" in lines[0]
    layout = tmp_path / "layout.yaml"
    layout.write_text("title: x\nlayout: tabloid\nsections: [{title: a, topic: handshake, "
                      "count: 1}]\n", encoding="utf-8")
    result = runner.invoke(cli, ["paper", str(layout), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: {layout}:2: layout: no layout 'tabloid': the "
                                     "layouts are plain, sealed, a3")
    assert not (tmp_path / "o").exists()


def test_review_command_writes_both_reports(tmp_path):
    (tmp_path / "old.yaml").write_text(_spec(9), encoding="utf-8")
    spec = tmp_path / "exam.yaml"
    spec.write_text(_spec(10, extra="full_marks: 40\n").replace(
        "topics: [handshake, teardown]}", "topics: [handshake, teardown], earlier: [old.yaml]}"),
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["review", str(spec), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "exam-review.html").exists()
    assert (tmp_path / "o" / "exam-review.docx").exists()
    assert "与往届试卷（old.yaml）无相同试题" in result.output
    out = tmp_path / "p"
    result = CliRunner().invoke(cli, ["paper", str(spec), "--format", "docx", "--review",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert "exam-review.docx" in names and sum(n.endswith("-paper.docx") for n in names) == 2




def test_a_paper_follows_one_model_and_says_which():
    """model: textbook (the default) draws no entry tagged linux, and the reverse; naming an
    entry of the other model is a one-line spec error; the paper states its model."""
    from quizgen.paper.assemble import class_set

    tagged = {e.id: set(e.tags) & {"textbook", "linux"} for e in SOURCE.entries()}
    for model, other in (("textbook", "linux"), ("linux", "textbook")):
        text = (f"title: t\nseed: 5\nversions: 4\nmodel: {model}\nsections:\n"
                "  - {title: a, topic: teardown, count: 3}\n"
                "  - {title: b, topic: abort, count: 1}\n")
        if model == "textbook":
            text = text.replace(f"model: {model}\n", "")
        for paper in class_set(parse_spec(text, "exam.yaml"), SOURCE):
            assert paper["model"] == model
            assert ("教材" if model == "textbook" else "Linux") in paper["instructions"]
            for s in paper["sections"]:
                for q in s["questions"]:
                    assert other not in tagged[q["id"]], (model, q["id"])
    with pytest.raises(QuizgenError, match=r"exam.yaml:4: sections\[1\].ids: 'td-fin-has-ack'"):
        list(class_set(parse_spec("title: t\nmodel: textbook\nsections:\n"
                                  "  - {title: a, ids: [td-fin-has-ack, wave-1-fill]}\n",
                                  "exam.yaml"), SOURCE))
