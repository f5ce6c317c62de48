"""The review report (试卷审核表) as HTML and DOCX, from the data of
``quizgen.paper.review.review``: shown, never recomputed."""

from __future__ import annotations

from typing import Any, Mapping

from markupsafe import escape

from quizgen.render.ooxml import (
    add_paragraph,
    cell_text,
    finish,
    new_document,
    page_setup,
    set_widths,
    shade,
)

TYPE_NAMES = {"zh": {"fill": "填空题", "state": "状态题", "choice": "选择题",
                     "truefalse": "判断题", "ordering": "排序题", "compute": "计算题",
                     "ladder": "时序图题"},
              "en": {"fill": "fill-in", "state": "state", "choice": "choice",
                     "truefalse": "true/false", "ordering": "ordering", "compute": "compute",
                     "ladder": "ladder diagram"}}
LEVEL_NAMES = {"zh": {1: "易", 2: "中", 3: "难"}, "en": {1: "easy", 2: "medium", 3: "hard"}}
VERDICTS = {"zh": {"pass": "通过", "fail": "不通过", "partly": "通过（题库无可换情景）"},
            "en": {"pass": "pass", "fail": "FAIL", "partly": "pass (the bank has no other)"}}
WORDS = {
    "zh": {"title": "试卷审核表", "version": "试卷", "code": "试卷代码", "count": "题量",
           "types": "题型及题量", "type_points": "各题型分值", "topics": "覆盖知识点",
           "difficulty": "难度（易:中:难，按分值）", "points": "总分", "overlap": "各卷重复情况",
           "pair": "两卷", "by_entry": "相同试题（题库条目）", "by_scenario": "相同情景（知识点·情景）",
           "earlier": "与往届试卷的重复", "sitting": "往届试卷", "rules": "审核规则",
           "rule": "规则", "verdict": "结论", "detail": "依据", "overall": "总结论",
           "none": "无", "summary": "各卷概况", "course": "课程", "spec": "试卷说明文件"},
    "en": {"title": "Exam review form", "version": "Version", "code": "Code", "count": "Questions",
           "types": "Types and counts", "type_points": "Points per type", "topics": "Topics",
           "difficulty": "Difficulty (easy:medium:hard, by points)", "points": "Points",
           "overlap": "Overlap between versions", "pair": "Versions",
           "by_entry": "Same question (bank entry)", "by_scenario": "Same scenario (topic·scenario)",
           "earlier": "Overlap with earlier sittings", "sitting": "Earlier sitting",
           "rules": "Review rules", "rule": "Rule", "verdict": "Verdict", "detail": "Evidence",
           "overall": "Overall", "none": "none", "summary": "The versions",
           "course": "Course", "spec": "Spec"},
}


def _lang(report: Mapping[str, Any]) -> str:
    return report["lang"] if report.get("lang") in WORDS else "en"


def summary_rows(report: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The per-version table: header and one row a version (plain text)."""
    lang = _lang(report)
    w, types, levels = WORDS[lang], TYPE_NAMES[lang], LEVEL_NAMES[lang]
    sep = "、" if lang == "zh" else ", "
    head = [w["version"], w["code"], w["count"], w["types"], w["type_points"], w["topics"],
            w["difficulty"], w["points"]]
    rows = []
    for v in report["versions"]:
        share = ":".join(f"{100 * v['difficulty_share'][d]:.0f}" for d in (1, 2, 3))
        by_level = sep.join(f"{levels[d]} {v['difficulty_points'][d]:g}" for d in (1, 2, 3))
        rows.append([
            v["label"], v["code"], str(v["questions"]),
            sep.join(f"{types.get(t, t)} {n}" for t, n in v["types"].items()),
            sep.join(f"{types.get(t, t)} {p:g}" for t, p in v["type_points"].items()),
            sep.join(f"{t} {n}" for t, n in v["topics"].items()),
            f"{share}（{by_level}）" if lang == "zh" else f"{share} ({by_level})",
            f"{v['points']:g}"])
    return head, rows


def overlap_rows(report: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    lang = _lang(report)
    w = WORDS[lang]
    head = [w["pair"], w["by_entry"], w["by_scenario"]]
    rows = []
    for p in report["pairs"]:
        rows.append([f"{p['a']} / {p['b']}",
                     f"{len(p['entries'])}: {', '.join(p['entries'])}" if p["entries"]
                     else "0",
                     f"{len(p['scenarios'])}: " + ", ".join(f"{t}·{s}" for t, s in p["scenarios"])
                     if p["scenarios"] else "0"])
    for sitting in report["earlier"]:
        for v in sitting["by_version"]:
            rows.append([f"{v['label']} / {w['sitting']} {sitting['name']}",
                         f"{len(v['entries'])}: {', '.join(v['entries'])}" if v["entries"]
                         else "0",
                         f"{len(v['scenarios'])}: " + ", ".join(f"{t}·{s}"
                                                                for t, s in v["scenarios"])
                         if v["scenarios"] else "0"])
    return head, rows


def rule_rows(report: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    lang = _lang(report)
    w, verdicts = WORDS[lang], VERDICTS[lang]
    return ([w["rule"], w["verdict"], w["detail"]],
            [[r["name"], verdicts[r["verdict"]], r["detail"]] for r in report["rules"]])


def _html_table(head: list[str], rows: list[list[str]], verdict_col: int | None = None) -> str:
    out = ["<table><thead><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>")
        for k, cell in enumerate(row):
            cls = ""
            if k == verdict_col:
                cls = ' class="fail"' if cell in (VERDICTS["zh"]["fail"],
                                                  VERDICTS["en"]["fail"]) else ' class="pass"'
            out.append(f"<td{cls}>{escape(cell)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def review_html(report: Mapping[str, Any]) -> str:
    lang = _lang(report)
    w = WORDS[lang]
    overall = VERDICTS[lang][report["verdict"]]
    parts = [
        "<!DOCTYPE html>", f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head>',
        '<meta charset="utf-8"><meta name="generator" content="quizgen">',
        f"<title>{escape(report['title'])} · {escape(w['title'])}</title>",
        ("<style>body{font-family:\"Noto Serif CJK SC\",SimSun,serif;max-width:200mm;"
         "margin:10mm auto;font-size:10.5pt}h1{text-align:center;font-size:16pt}"
         "h2{font-size:12pt;margin-top:6mm}table{border-collapse:collapse;width:100%}"
         "th,td{border:0.7pt solid #000;padding:1mm 2mm;vertical-align:top}"
         "th{background:#f2f2f2}.fail{color:#b00000;font-weight:bold}.pass{color:#006000}"
         "</style></head><body>"),
        f"<h1>{escape(report['title'])} · {escape(w['title'])}</h1>",
        (f"<p>{escape(w['course'])}{'：' if lang == 'zh' else ': '}"
         f"{escape(report.get('course') or '')}　{escape(report.get('date') or '')}　"
         f"{escape(w['spec'])}{'：' if lang == 'zh' else ': '}{escape(report['spec'])}</p>"),
        f"<h2>{escape(w['summary'])}</h2>", _html_table(*summary_rows(report)),
        f"<h2>{escape(w['overlap'])}</h2>", _html_table(*overlap_rows(report)),
        f"<h2>{escape(w['rules'])}</h2>", _html_table(*rule_rows(report), verdict_col=1),
        (f'<p class="{"fail" if report["verdict"] == "fail" else "pass"}">'
         f"{escape(w['overall'])}{'：' if lang == 'zh' else ': '}{escape(overall)}</p>"),
        "</body></html>", ""]
    return "\n".join(parts)


def review_docx(report: Mapping[str, Any]) -> bytes:
    lang = _lang(report)
    w = WORDS[lang]
    doc = new_document(None, lang)
    page_setup(doc.sections[0], (297.0, 210.0), {"top": 15, "bottom": 15, "left": 15,
                                                "right": 15}, landscape=True)
    width = 297.0 - 30.0
    add_paragraph(doc, f"{report['title']} · {w['title']}", style="QG Title")
    doc.add_paragraph(f"{w['course']}{'：' if lang == 'zh' else ': '}{report.get('course') or ''}"
                      f"　{report.get('date') or ''}　{w['spec']}"
                      f"{'：' if lang == 'zh' else ': '}{report['spec']}", style="QG Subtitle")
    for heading, (head, rows), shares in (
            (w["summary"], summary_rows(report), [8, 8, 5, 16, 16, 17, 22, 8]),
            (w["overlap"], overlap_rows(report), [20, 40, 40]),
            (w["rules"], rule_rows(report), [34, 14, 52])):
        add_paragraph(doc, heading, style="QG Section")
        table = doc.add_table(rows=1 + len(rows), cols=len(head))
        for c, text in enumerate(head):
            shade(table.cell(0, c))
            cell_text(table.cell(0, c), text, bold=True, size=9.5)
        for r, row in enumerate(rows, start=1):
            for c, text in enumerate(row):
                run = cell_text(table.cell(r, c), text, center=False, size=9.5)
                if heading == w["rules"] and c == 1 and text == VERDICTS[lang]["fail"]:
                    run.bold = True
        total = sum(shares)
        set_widths(table, [width * s / total for s in shares])
    overall = VERDICTS[lang][report["verdict"]]
    para = add_paragraph(doc, style="QG Section")
    para.add_run(f"{w['overall']}{'：' if lang == 'zh' else ': '}{overall}")
    return finish(doc, title=f"{report['title']} · {w['title']}", lang=lang)
