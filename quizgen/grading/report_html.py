"""The item-analysis report as one self-contained HTML page, and its CSV tables.

Charts are inline SVG drawn here (no script, no font or file from the network): the score
histogram, facility against discrimination, and per choice item the share of students who
chose each option. Text from a bank (question titles, a choice's text) is escaped, and HTML
from a bank (a choice's text, shown as an example of an option) goes through
``quizgen.safehtml.clean`` first, like every other writer. Same analysis, same bytes.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Sequence

from markupsafe import Markup, escape

from quizgen.grading.analysis import Analysis, ItemStats
from quizgen.safehtml import clean

WORDS = {
    "en": {
        "title": "Item analysis", "students": "students", "mean": "mean", "sd": "SD",
        "median": "median", "range": "lowest–highest", "of": "of", "reliability": "reliability",
        "none": "n/a", "histogram": "Total scores", "pooling": "How items are pooled",
        "by_slot": "By question (slot)", "by_item": "By bank entry and part",
        "scatter": "Facility and discrimination", "options": "Options chosen",
        "item": "item", "n": "n", "facility": "facility %", "right": "right %",
        "disc": "discrimination", "eff": "efficiency", "d27": "upper–lower 27 %",
        "blank": "blank", "unreadable": "unreadable", "option": "option",
        "misconception": "misconception", "offered": "offered", "chosen": "chosen",
        "share": "share", "example": "e.g.", "key": "the key (right)",
        "few": "fewer than 10 students: read these figures as a hint, not a verdict",
        "negative": "negative: the stronger students do worse here; check the key and the wording",
        "flags": "notes", "count": "students", "score_pct": "score (% of the paper's points)",
    },
    "zh": {
        "title": "试题分析", "students": "人", "mean": "平均分", "sd": "标准差",
        "median": "中位数", "range": "最低–最高", "of": "满分", "reliability": "信度",
        "none": "无", "histogram": "总分分布", "pooling": "题目如何合并统计",
        "by_slot": "按题号（题位）", "by_item": "按题库条目与小题",
        "scatter": "难度与区分度", "options": "选项选择情况",
        "item": "题目", "n": "人数", "facility": "得分率 %", "right": "答对率 %",
        "disc": "区分度", "eff": "区分效率", "d27": "高低分组 27 %",
        "blank": "未答", "unreadable": "无法识别", "option": "选项",
        "misconception": "误区", "offered": "出现", "chosen": "选择",
        "share": "比例", "example": "例", "key": "正确答案",
        "few": "不足 10 人：这些数字仅供参考",
        "negative": "为负：高分学生在此题反而较差，请检查答案与题干",
        "flags": "提示", "count": "人数", "score_pct": "得分（占总分的百分比）",
    },
}

POOLING = {
    "en": ("Every student's paper has its own questions. A row of the first table is a "
           "question number (slot): question 3 of every paper, whatever bank entry that paper "
           "drew there, its parts added up. A row of the second table is one part of one bank "
           "entry: every student whose paper drew that entry answered a variant of it (the "
           "same template, other numbers), wherever it sat; students whose paper did not draw "
           "it are left out of that row (n says how many had it), not counted wrong. A choice's "
           "options are pooled by the named misconception each wrong one stands for (their "
           "text and letter change from variant to variant). Discrimination is Moodle's "
           "discrimination index: 100 × the correlation between the item's score and the score "
           "on the rest of the paper; efficiency is Moodle's discriminative efficiency; "
           "upper–lower 27 % is the item's mean share of points in the top 27 % of students by "
           "total minus that in the bottom 27 % (ties by student id). The reliability is over "
           "the slots: KR-20 when every question is scored right or wrong, else Cronbach's "
           "alpha."),
    "zh": ("每位学生的试卷题目不同。第一张表的一行是一个题号（题位）：各份试卷的第 3 题，"
           "无论该卷在此抽到哪个题库条目，各小题分数相加。第二张表的一行是某个题库条目的一个小题："
           "试卷抽到该条目的学生都答了它的一个变体（同一模板，不同数字），不论它在卷中的位置；"
           "没有抽到它的学生不计入该行（人数即抽到的人数），不算答错。选择题的选项按每个错误选项"
           "所代表的误区合并（各变体的选项文字和字母不同）。区分度是 Moodle 的区分度指数："
           "该题得分与试卷其余部分得分的相关系数 × 100；区分效率是 Moodle 的 discriminative "
           "efficiency；高低分组 27 % 是按总分排名前 27 % 与后 27 % 学生在该题得分率之差"
           "（同分按学号排序）。信度按题位计算：每题只有全对或全错时用 KR-20，否则用 Cronbach α。"),
}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
margin:2em auto;max-width:60em;color:#111;line-height:1.45}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #999}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
th,td{border:1px solid #bbb;padding:.2em .45em;text-align:right;vertical-align:top}
th{background:#eee}td.l,th.l{text-align:left}
.note{color:#555;font-size:.9em}.warn{color:#a00}
svg{display:block;margin:.5em 0}svg text{font-size:11px;font-family:inherit}
.example{color:#444;font-size:.85em}
"""


def _fmt(x: float | None, digits: int = 1, scale: float = 1.0) -> str:
    return "–" if x is None else f"{x * scale:.{digits}f}"


def histogram_svg(analysis: Analysis, w: dict[str, str]) -> Markup:
    width, height, left, bottom = 560, 220, 40, 30
    bins = analysis.histogram
    top = max((c for _, _, c in bins), default=0) or 1
    bw = (width - left - 10) / len(bins)
    out = [f'<svg width="{width}" height="{height}" '
           f'role="img" aria-label="{escape(w["histogram"])}">']
    plot = height - bottom - 10
    for k, (lo, hi, count) in enumerate(bins):
        h = plot * count / top
        x = left + k * bw
        out.append(f'<rect x="{x + 2:.1f}" y="{10 + plot - h:.1f}" width="{bw - 4:.1f}" '
                   f'height="{h:.1f}" fill="#4a78b5"><title>{lo:g}–{hi:g} %: {count}</title>'
                   '</rect>')
        if count:
            out.append(f'<text x="{x + bw / 2:.1f}" y="{10 + plot - h - 3:.1f}" '
                       f'text-anchor="middle">{count}</text>')
        out.append(f'<text x="{x:.1f}" y="{height - bottom + 14}" text-anchor="middle">'
                   f'{lo:g}</text>')
    out.append(f'<text x="{left + len(bins) * bw:.1f}" y="{height - bottom + 14}" '
               'text-anchor="middle">100</text>')
    out.append(f'<line x1="{left}" y1="{10 + plot}" x2="{width - 10}" y2="{10 + plot}" '
               'stroke="#333"/>')
    out.append(f'<text x="{(width + left) / 2:.0f}" y="{height - 2}" text-anchor="middle">'
               f'{escape(w["score_pct"])}</text>')
    out.append(f'<text x="12" y="{10 + plot / 2:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 12 {10 + plot / 2:.0f})">{escape(w["count"])}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def scatter_svg(items: Sequence[ItemStats], w: dict[str, str]) -> Markup:
    """Facility (x, 0..100) against discrimination (y, -100..100), one dot an item."""
    width, height, left, bottom = 560, 300, 44, 34
    pw, ph = width - left - 12, height - bottom - 12
    out = [f'<svg width="{width}" height="{height}" '
           f'role="img" aria-label="{escape(w["scatter"])}">']

    def xy(f: float, d: float) -> tuple[float, float]:
        return left + pw * f, 12 + ph * (100 - d) / 200

    out.append(f'<rect x="{left}" y="12" width="{pw}" height="{ph}" fill="none" '
               'stroke="#333"/>')
    for d in (-100, -50, 0, 50, 100):
        _, y = xy(0, d)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" '
                   f'stroke="{"#333" if d == 0 else "#ddd"}"/>'
                   f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{d}</text>')
    for f in (0, 25, 50, 75, 100):
        x, _ = xy(f / 100, -100)
        out.append(f'<text x="{x:.1f}" y="{12 + ph + 14}" text-anchor="middle">{f}</text>')
    for k, it in enumerate(items, start=1):
        if it.facility is None or it.discrimination is None:
            continue
        x, y = xy(it.facility, max(-100.0, min(100.0, it.discrimination)))
        colour = "#b33" if it.discrimination < 0 else "#4a78b5"
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">'
                   f'<title>{escape(it.title)}: {_fmt(it.facility, 0, 100)} %, '
                   f'{_fmt(it.discrimination, 0)}</title></circle>'
                   f'<text x="{x + 5:.1f}" y="{y - 3:.1f}">{k}</text>')
    out.append(f'<text x="{left + pw / 2:.0f}" y="{height - 4}" text-anchor="middle">'
               f'{escape(w["facility"])}</text>')
    out.append(f'<text x="12" y="{12 + ph / 2:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 12 {12 + ph / 2:.0f})">{escape(w["disc"])}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _short(item: str) -> str:
    return item if len(item) <= 18 else item[:17] + "…"


def options_svg(item: ItemStats, w: dict[str, str]) -> Markup:
    """One bar an option: the share of the students offered it who chose it."""
    rows = item.options
    width, bar_h, left = 560, 18, 230
    height = 8 + bar_h * len(rows) + 8
    out = [f'<svg width="{width}" height="{height}" '
           f'role="img" aria-label="{escape(w["options"])}: {escape(item.title)}">']
    for k, o in enumerate(rows):
        y = 8 + k * bar_h
        share = o.share or 0.0
        colour = "#3a8f4a" if o.correct else "#c9733a"
        label = w["key"] if o.correct else (o.misconception or o.label)
        out.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">'
                   f'{escape(_short(label) if len(label) > 34 else label)}</text>'
                   f'<rect x="{left}" y="{y + 2}" width="{(width - left - 60) * share:.1f}" '
                   f'height="{bar_h - 5}" fill="{colour}"><title>{o.chosen}/{o.offered}'
                   f'</title></rect><text x="{left + (width - left - 60) * share + 4:.1f}" '
                   f'y="{y + 13}">{o.chosen}/{o.offered}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _item_rows(items: Sequence[ItemStats], w: dict[str, str]) -> Markup:
    out = []
    for k, it in enumerate(items, start=1):
        notes = []
        if it.discrimination is not None and it.discrimination < 0 and it.n >= 10:
            notes.append(w["negative"])
        out.append(Markup(
            "<tr><td>{}</td><td class=l>{}</td><td class=l>{}</td><td>{}{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td class='l note'>{}</td></tr>").format(
                k, it.item, it.title, it.n, "*" if it.n < 10 else "", _fmt(it.facility, 1, 100),
                            _fmt(it.share_right, 1, 100), _fmt(it.discrimination),
                            _fmt(it.efficiency), _fmt(it.upper_lower, 2), it.blank,
                            it.unreadable, "; ".join(notes)))
    return Markup("").join(out)


def _item_table(items: Sequence[ItemStats], w: dict[str, str]) -> Markup:
    head = Markup("<tr><th>#</th><th class=l>{}</th><th class=l></th><th>{}</th><th>{}</th>"
                  "<th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
                  "<th class=l>{}</th></tr>").format(
        w["item"], w["n"], w["facility"], w["right"], w["disc"], w["eff"], w["d27"],
        w["blank"], w["unreadable"], w["flags"])
    few = (Markup("<p class=note>* {}</p>").format(w["few"]) if any(it.n < 10 for it in items)
           else Markup(""))
    return Markup("<table>{}{}</table>{}").format(head, _item_rows(items, w), few)


def report_html(title: str, slots: Analysis, entries: Analysis, lang: str) -> str:
    """The report of a class: ``slots`` pooled by question number, ``entries`` by bank entry
    and part (``quizgen.grading.analysis``)."""
    w = WORDS["zh" if lang == "zh" else "en"]
    rel = slots.reliability
    rel_text = (f"{rel.method} = {_fmt(rel.value, 3)} (k = {rel.slots}, {rel.students} "
                f"{w['students']})" if rel else w["none"])
    parts = [Markup('<!DOCTYPE html>\n<html lang="{}"><head><meta charset="utf-8">'
                    '<meta name="generator" content="quizgen"><title>{} · {}</title>'
                    "<style>{}</style></head><body>").format(
        "zh-CN" if lang == "zh" else "en", w["title"], title, Markup(_CSS))]
    parts.append(Markup("<h1>{} · {}</h1>").format(w["title"], title))
    parts.append(Markup("<p>{} {} · {} {} {} {} · {} {} · {} {} · {} {}–{} · {} {}</p>").format(
        slots.students, w["students"], w["mean"], _fmt(slots.mean, 2), w["of"],
        f"{slots.max_total:g}", w["sd"], _fmt(slots.sd, 2), w["median"], _fmt(slots.median, 2),
        w["range"], _fmt(slots.lowest, 2), _fmt(slots.highest, 2), w["reliability"], rel_text))
    parts.append(Markup("<h2>{}</h2><p class=note>{}</p>").format(
        w["pooling"], POOLING["zh" if lang == "zh" else "en"]))
    parts.append(Markup("<h2>{}</h2>{}").format(w["histogram"], histogram_svg(slots, w)))
    parts.append(Markup("<h2>{}</h2>{}{}").format(w["by_slot"], scatter_svg(slots.items, w),
                                                  _item_table(slots.items, w)))
    parts.append(Markup("<h2>{}</h2>{}{}").format(w["by_item"], scatter_svg(entries.items, w),
                                                  _item_table(entries.items, w)))
    parts.append(Markup("<h2>{}</h2>").format(w["options"]))
    for it in entries.items:
        if not it.options:
            continue
        rows = Markup("").join(Markup(
            "<tr><td class=l>{}</td><td class=l>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td class='l example'>{}</td></tr>").format(
                w["key"] if o.correct else o.option, "" if o.correct else o.label, o.offered,
                o.chosen, _fmt(o.share, 2), Markup(clean(o.example)) if o.example else "")
            for o in it.options)
        parts.append(Markup(
            "<h3>{} <span class=note>({}, n = {})</span></h3>{}<table><tr><th class=l>{}</th>"
            "<th class=l>{}</th><th>{}</th><th>{}</th><th>{}</th><th class=l>{}</th></tr>{}"
            "</table>").format(it.title, it.item, it.n, options_svg(it, w), w["option"],
                               w["misconception"], w["offered"], w["chosen"], w["share"],
                               w["example"], rows))
    parts.append(Markup("</body></html>\n"))
    return str(Markup("\n").join(parts))


# ------------------------------------------------------------------------------- CSV
ITEM_COLUMNS = ("pooling", "item", "title", "kind", "n", "max_points", "mean", "facility",
                "share_right", "sd", "discrimination_index", "discriminative_efficiency",
                "upper_lower_27", "upper_27", "lower_27", "blank", "unreadable", "slots")
OPTION_COLUMNS = ("item", "option", "correct", "misconception", "label", "offered", "chosen",
                  "share")


def _num(x: float | None, digits: int = 4) -> str:
    return "" if x is None else f"{round(x, digits):.{digits}f}"


def _csv(rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def items_csv(slots: Analysis, entries: Analysis) -> bytes:
    rows: list[list[Any]] = [list(ITEM_COLUMNS)]
    for pooling, analysis in (("slot", slots), ("entry", entries)):
        for it in analysis.items:
            rows.append([pooling, it.item, it.title, it.kind, it.n, f"{it.max_score:g}",
                         _num(it.mean), _num(it.facility), _num(it.share_right), _num(it.sd),
                         _num(it.discrimination, 2), _num(it.efficiency, 2),
                         _num(it.upper_lower), _num(it.upper), _num(it.lower), it.blank,
                         it.unreadable, " ".join(map(str, it.slots))])
    return _csv(rows)


def options_csv(entries: Analysis) -> bytes:
    rows: list[list[Any]] = [list(OPTION_COLUMNS)]
    for it in entries.items:
        for o in it.options:
            rows.append([it.item, o.option, "yes" if o.correct else "no",
                         o.misconception or "", o.label, o.offered, o.chosen, _num(o.share)])
    return _csv(rows)


def class_csv(slots: Analysis) -> bytes:
    """The class's figures: one (figure, value) a row, then the histogram's bins."""
    rel = slots.reliability
    rows: list[list[Any]] = [["figure", "value"], ["students", slots.students],
                             ["max_total", f"{slots.max_total:g}"], ["mean", _num(slots.mean)],
                             ["sd", _num(slots.sd)], ["median", f"{slots.median:g}"],
                             ["lowest", f"{slots.lowest:g}"], ["highest", f"{slots.highest:g}"],
                             ["reliability_method", rel.method if rel else ""],
                             ["reliability", _num(rel.value) if rel else ""],
                             ["reliability_slots", rel.slots if rel else ""]]
    for lo, hi, count in slots.histogram:
        rows.append([f"histogram {lo:g}-{hi:g} %", count])
    return _csv(rows)
