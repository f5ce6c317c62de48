"""Exam papers and answer keys as Word documents (DOCX), from a Paper dict.

Editable as teachers edit their school's template in Word or WPS: real paragraphs with
styles (宋体 body, 黑体 headings, or the spec's ``fonts``, as East Asian fonts: see
``quizgen.render.ooxml``), real tables with explicit column widths, A4 (or Letter, or A3
landscape in two columns) with the layout's or the spec's margins, answer blanks as
underlined runs a teacher can move or widen, ladder diagrams as 300 dpi PNG with alt text,
and in the key the answers, worked solutions and a marking scheme (每空 x 分).

The layouts (``paper["layout"]``, docs/word-and-layouts.md) are those of the HTML and PDF:
``plain``; ``sealed``, with the binding strip (密封线) down the left margin holding 学院 /
班级 / 姓名 / 学号 and 密封线内不要答题, a score table with 评卷人 and a score box before each
part; ``a3``, the sealed layout on A3 landscape in two columns, to be folded.

Every answer shown is the question data's (``answer_text``, and ``key_letters`` for choice
and order letters); bank HTML is cleaned (``safehtml.clean_question``) and only its
allow-listed tags become runs and tables. Same Paper, same bytes (with SOURCE_DATE_EPOCH).
"""

from __future__ import annotations

from io import BytesIO
from typing import Any, Iterable, Mapping

from quizgen.i18n import format_points, section_number
from quizgen.i18n import words as strings
from quizgen.questions.data import LETTERS, check_question, key_text, labels
from quizgen.questions.markup import BLANK_RE
from quizgen.render.ladder import ladder_svg
from quizgen.render.ooxml import (
    Flow,
    Fmt,
    add_paragraph,
    cell_text,
    docx_modules,
    field_run,
    finish,
    new_document,
    page_setup,
    set_widths,
    shade,
)
from quizgen.render.raster import svg_size, svg_to_png
from quizgen.safehtml import clean, clean_question

#: Page sizes in millimetres (portrait).
PAGE_SIZES = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4), "A3": (297.0, 420.0)}
#: Each layout's margins (mm) unless the spec gives its own; the sealed ones leave room for
#: the binding strip on the left.
LAYOUT_MARGINS = {
    "plain": {"top": 22.0, "bottom": 20.0, "left": 18.0, "right": 18.0},
    "sealed": {"top": 20.0, "bottom": 20.0, "left": 32.0, "right": 18.0},
    "a3": {"top": 18.0, "bottom": 18.0, "left": 36.0, "right": 18.0},
}
COLUMN_GAP_MM = 16.0
DIAGRAM_MM = 150.0

#: The layouts' own words (the rest come from quizgen.i18n).
WORDS = {
    "zh": {"college": "学院", "class": "班级", "seal": "密封线内不要答题", "seal_line": "密封线",
           "full_marks": "满分", "exam_time": "考试时间", "marker": "评卷人",
           "scheme": "评分标准", "each_blank": "共 {n} 空，每空 {x} 分",
           "whole": "答对得 {x} 分，答错不得分", "order_whole": "顺序全对得 {x} 分",
           "parts": "{label} {x} 分", "page": ("第 ", " 页 / 共 ", " 页"),
           "alt_blank": "时序图：客户端 A 与服务器 B 之间的报文段 {first}–{last}，空白框为待填写的字段",
           "alt_key": "时序图（参考答案）：客户端 A 与服务器 B 之间的报文段 {first}–{last}，"
                      "空白处已填入答案",
           "pts": "分", "answer_tag": "【答案】", "explanation_tag": "【解析】",
           "scheme_tag": "【评分标准】", "sep": "；"},
    "en": {"college": "School", "class": "Class", "seal": "Do not write inside the binding line",
           "seal_line": "binding line",
           "full_marks": "Full marks", "exam_time": "Time allowed", "marker": "Marker",
           "scheme": "Marking scheme", "each_blank": "{n} blanks, {x} pts each",
           "whole": "{x} pts for the right answer, none otherwise",
           "order_whole": "{x} pts for the whole order right", "parts": "{label} {x} pts",
           "page": ("Page ", " of ", ""),
           "alt_blank": "Ladder diagram: segments {first}–{last} between client A and "
                        "server B; the empty boxes are the fields to fill in",
           "alt_key": "Ladder diagram (key): segments {first}–{last} between client A and "
                      "server B, with the answers filled in",
           "pts": "pts", "answer_tag": "Answer: ", "explanation_tag": "Explanation: ",
           "scheme_tag": "Marking: ", "sep": "; "},
}

#: How wide an answer blank is (non-breaking spaces, underlined), by part kind.
_BLANK_WIDTH = {"number": 14, "bit": 4, "text": 18}


def layout_words(lang: str) -> dict[str, Any]:
    return WORDS.get(lang, WORDS["en"])


def _margins(paper: Mapping[str, Any]) -> dict[str, float]:
    layout = paper.get("layout") or "plain"
    return {**LAYOUT_MARGINS[layout], **(paper.get("margins") or {})}


def _geometry(paper: Mapping[str, Any]) -> tuple[tuple[float, float], bool, int, float]:
    """(page size, landscape, columns, text width in mm) of the paper's layout."""
    layout = paper.get("layout") or "plain"
    margins = _margins(paper)
    if layout == "a3":
        size, landscape, columns = PAGE_SIZES["A3"], True, 2
        width = (420.0 - margins["left"] - margins["right"] - COLUMN_GAP_MM) / 2
    else:
        size, landscape, columns = PAGE_SIZES.get(paper.get("paper_size", "A4"),
                                                  PAGE_SIZES["A4"]), False, 1
        width = size[0] - margins["left"] - margins["right"]
    return size, landscape, columns, width


# ------------------------------------------------------------------------------- the seal
def _seal_xml(paper: Mapping[str, Any], height_mm: float, top_mm: float) -> str:
    """The binding strip: a text box in the left margin (anchored in the header, so on every
    page), its text turned to run up the page, as DrawingML with a VML fallback."""
    from xml.sax.saxutils import escape

    lang = paper["lang"]
    lw, w = layout_words(lang), strings(lang)
    student = paper.get("student") or {}
    fonts = paper.get("fonts") or {}
    body = escape(fonts.get("body", "宋体"), {'"': "&quot;"})
    blank = "\u00a0" * 14
    fonts_xml = (f'<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" '
                 f'w:eastAsia="{body}" w:cs="Times New Roman" w:hint="eastAsia"/>')

    def run(text: str, *, underline: bool = False, size: int = 21) -> str:
        u = '<w:u w:val="single"/>' if underline else ""
        return (f'<w:r><w:rPr>{fonts_xml}<w:sz w:val="{size}"/>{u}</w:rPr>'
                f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>')

    def field_runs(label: str, value: str) -> str:
        return (run(f"{label}{w['colon']}") + run(f"\u00a0{value or blank}\u00a0", underline=True)
                + run("\u3000\u3000"))

    fields = (field_runs(lw["college"], "") + field_runs(lw["class"], "")
              + field_runs(w["name"], student.get("name", ""))
              + field_runs(w["student_id"], student.get("id", "")))
    dots = "…" * 14
    line = "密……封……线" if lang == "zh" else lw["seal_line"]
    seal = lw["seal"]
    ppr = '<w:pPr><w:spacing w:before="0" w:after="0"/><w:jc w:val="center"/></w:pPr>'
    content = (f"<w:p>{ppr}{fields}</w:p>"
               f"<w:p>{ppr}{run(f'{dots}{line}{dots}{seal}{dots}', size=18)}</w:p>")
    emu = 36000                                  # EMU per millimetre
    x, width = 5.0, 20.0
    cx, cy = int(width * emu), int(height_mm * emu)
    pt = 72 / 25.4
    descr = escape(f"{lw['seal_line']}：{lw['college']}、{lw['class']}、{w['name']}、"
                   f"{w['student_id']}；{lw['seal']}" if lang == "zh" else
                   f"{lw['seal_line']}: {lw['college']}, {lw['class']}, {w['name']}, "
                   f"{w['student_id']}; {lw['seal']}", {'"': "&quot;"})
    return (
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml">'
        '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" '
        'relativeHeight="251659264" behindDoc="0" locked="1" layoutInCell="1" allowOverlap="1">'
        '<wp:simplePos x="0" y="0"/>'
        f'<wp:positionH relativeFrom="page"><wp:posOffset>{int(x * emu)}</wp:posOffset>'
        '</wp:positionH>'
        f'<wp:positionV relativeFrom="page"><wp:posOffset>{int(top_mm * emu)}</wp:posOffset>'
        '</wp:positionV>'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:wrapNone/><wp:docPr id="9001" name="qg-seal" descr="{descr}"/>'
        '<wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData '
        'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr>'
        f'<a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln>'
        '</wps:spPr>'
        f'<wps:txbx><w:txbxContent>{content}</w:txbxContent></wps:txbx>'
        '<wps:bodyPr rot="0" vert="vert270" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" '
        'anchor="ctr" anchorCtr="0"><a:noAutofit/></wps:bodyPr>'
        '</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
        '<mc:Fallback><w:pict>'
        f'<v:shape id="qg-seal" o:spid="_x0000_s9001" type="#_x0000_t202" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        f'style="position:absolute;margin-left:{x * pt:.1f}pt;margin-top:{top_mm * pt:.1f}pt;'
        f'width:{width * pt:.1f}pt;height:{height_mm * pt:.1f}pt;z-index:251659264;'
        'mso-position-horizontal-relative:page;mso-position-vertical-relative:page;'
        'layout-flow:vertical;mso-layout-flow-alt:bottom-to-top" filled="f" stroked="f">'
        '<v:textbox style="layout-flow:vertical;mso-layout-flow-alt:bottom-to-top" '
        f'inset="0,0,0,0"><w:txbxContent>{content}</w:txbxContent></v:textbox>'
        '</v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>')


# --------------------------------------------------------------------------- the document
class _Writer:
    def __init__(self, paper: Mapping[str, Any]) -> None:
        self.paper = paper
        self.lang = paper["lang"]
        self.w = strings(self.lang)
        self.lw = layout_words(self.lang)
        self.layout = paper.get("layout") or "plain"
        self.sealed = self.layout in ("sealed", "a3")
        self.size, self.landscape, self.columns, self.width = _geometry(paper)
        self.doc = new_document(paper.get("fonts") or None, self.lang)
        self._pictures = 0

    # ------------------------------------------------------------------ page furniture
    def setup(self, section, key: bool) -> None:
        from docx.enum.text import WD_TAB_ALIGNMENT
        *_, Mm, Pt, _ = docx_modules()

        margins = _margins(self.paper)
        page_setup(section, self.size, margins, landscape=self.landscape,
                   columns=self.columns, column_gap_mm=COLUMN_GAP_MM)
        page_w = max(self.size) if self.landscape else self.size[0]
        page_h = min(self.size) if self.landscape else self.size[1]
        inner = page_w - margins["left"] - margins["right"]
        header = section.header
        header.is_linked_to_previous = False
        para = header.paragraphs[0]
        stops = para.paragraph_format.tab_stops
        stops.add_tab_stop(Mm(inner / 2), WD_TAB_ALIGNMENT.CENTER)
        stops.add_tab_stop(Mm(inner), WD_TAB_ALIGNMENT.RIGHT)
        title = self.paper["title"] + (f" · {self.w['key']}" if key else "")
        label = self.paper.get("version_label") or ""
        para.add_run(f"{self.paper.get('course') or ''}\t{title}\t")
        right = para.add_run(f"{label + '  ' if label else ''}{self.w['code']} "
                             f"{self.paper['code']}")
        right.bold = True
        for run in para.runs:
            run.font.size = Pt(8.5)
        if self.sealed and not key:
            _, _, parse_xml, *_ = docx_modules()
            para._p.append(parse_xml(_seal_xml(self.paper, page_h - 40.0, 20.0)))
        footer = section.footer
        footer.is_linked_to_previous = False
        fpara = footer.paragraphs[0]
        fpara.paragraph_format.tab_stops.add_tab_stop(Mm(inner), WD_TAB_ALIGNMENT.RIGHT)
        student = self.paper.get("student")
        if student and not key:
            fpara.add_run(f"{self.w['student_id']} {student['id']}")
        fpara.add_run("\t")
        before, middle, after = self.lw["page"]
        fpara.add_run(before)
        field_run(fpara, "PAGE")
        fpara.add_run(middle)
        field_run(fpara, "NUMPAGES", "2")
        if after:
            fpara.add_run(after)
        for run in fpara.runs:
            run.font.size = Pt(8.5)

    # ------------------------------------------------------------------------ the head
    def head(self, key: bool) -> None:
        doc, w, lw = self.doc, self.w, self.lw
        label = self.paper.get("version_label") or ""
        title = self.paper["title"]
        extra = [x for x in (label, w["key"] if key else "") if x]
        if extra:
            title += f"{w['open_paren']}{' '.join(extra)}{w['close_paren']}"
        add_paragraph(doc, title, style="QG Title")
        bits = [b for b in (self.paper.get("course"), self.paper.get("date")) if b]
        bits.append(f"{w['code']} {self.paper['code']}")
        doc.add_paragraph("　·　".join(bits) if self.lang == "zh" else " · ".join(bits),
                          style="QG Subtitle")
        total = self.total()
        marks = self.paper.get("full_marks") or total
        info = [f"{lw['full_marks']}{w['colon']}{format_points(self.lang, marks)}"]
        if self.paper.get("exam_time"):
            info.append(f"{lw['exam_time']}{w['colon']}{self.paper['exam_time']}")
        doc.add_paragraph("　　".join(info) if self.lang == "zh" else "    ".join(info),
                          style="QG Subtitle")
        if not self.sealed:
            self.student_line(key, total)
        if not key:
            self.score_table()
            if self.paper.get("instructions"):
                self.instructions()

    def total(self) -> float:
        return sum(q["points"] for s in self.paper["sections"] for q in s["questions"])

    def student_line(self, key: bool, total: float) -> None:
        *_, Mm, Pt, _ = docx_modules()

        student = self.paper.get("student") or {}
        para = add_paragraph(self.doc, style="QG Subtitle")
        para.paragraph_format.space_after = Pt(6)
        cells = [(self.w["name"], student.get("name", "")),
                 (self.w["student_id"], student.get("id", "")),
                 (self.w["total"], f"{total:g}" if key else "")]
        for k, (label, value) in enumerate(cells):
            if k:
                para.add_run("　　" if self.lang == "zh" else "    ")
            para.add_run(f"{label}{self.w['colon']}")
            run = para.add_run(f"\u00a0{value}\u00a0".center(16, "\u00a0"))
            run.underline = True

    def score_table(self) -> None:
        *_, Mm, Pt, _ = docx_modules()
        n = len(self.paper["sections"])
        heads = ([self.w["part_number"]]
                 + [section_number(self.lang, k).rstrip("、.").replace("Part ", "")
                    for k in range(n)] + [self.w["total"]])
        rows = [self.w["score"]] + ([self.lw["marker"]] if self.sealed else [])
        table = self.doc.add_table(rows=1 + len(rows), cols=len(heads))
        for c, text in enumerate(heads):
            cell = table.cell(0, c)
            shade(cell)
            cell_text(cell, text, bold=True)
        for r, text in enumerate(rows, start=1):
            cell_text(table.cell(r, 0), text, bold=True)
            shade(table.cell(r, 0))
        first = 16.0
        other = min(16.0, (self.width - first) / (len(heads) - 1))
        set_widths(table, [first] + [other] * (len(heads) - 1), center=True)
        for row in table.rows:
            row.height = Mm(8)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(2)

    def instructions(self) -> None:
        *_, Mm, Pt, _ = docx_modules()
        table = self.doc.add_table(rows=1, cols=1)
        flow = Flow(table.cell(0, 0), style=None, in_cell=True, width_mm=self.width - 4)
        flow.html(clean(self.paper["instructions"]))
        for para in table.cell(0, 0).paragraphs:
            for run in para.runs:
                run.font.size = Pt(9.5)
        set_widths(table, [self.width])
        self.doc.add_paragraph().paragraph_format.space_after = Pt(2)

    def section_box(self) -> None:
        """得分 | 评卷人 before a part (the sealed layouts)."""
        *_, Mm, Pt, _ = docx_modules()
        table = self.doc.add_table(rows=2, cols=2)
        cell_text(table.cell(0, 0), self.w["score"], bold=True, size=9)
        cell_text(table.cell(0, 1), self.lw["marker"], bold=True, size=9)
        set_widths(table, [16.0, 18.0])
        for row in table.rows:
            row.height = Mm(6.5)

    # ------------------------------------------------------------------------ the body
    def sections(self, key: bool) -> None:
        number = 0
        for k, section in enumerate(self.paper["sections"]):
            if self.sealed and not key:
                self.section_box()
            points = [q["points"] for q in section["questions"]]
            total = f"{sum(points):g}"
            if points and len(set(points)) == 1:
                summary = self.w["section_points"].format(each=f"{points[0]:g}", total=total)
            else:
                summary = self.w["section_points_mixed"].format(total=total)
            heading = add_paragraph(self.doc, style="QG Section")
            heading.add_run(f"{section_number(self.lang, k)}{self.w['gap']}"
                            f"{section['title']}{self.w['gap']}")
            run = heading.add_run(summary)
            run.bold = False
            for q in section["questions"]:
                number += 1
                self.question(q, number, key)

    def question(self, question: Mapping[str, Any], number: int, key: bool) -> None:
        check_question(question)
        q = clean_question(question)
        parts = {p["id"]: p for p in q["parts"]}
        inline = set(BLANK_RE.findall(q["prompt"]))
        para = add_paragraph(self.doc, style="QG Question")
        para.paragraph_format.keep_with_next = True
        head = para.add_run(f"{number}." if self.lang == "en" else f"{number}．")
        head.bold = True
        para.add_run(f"{self.w['open_paren'].strip()}{format_points(self.lang, q['points'])}"
                     f"{self.w['close_paren']}{' ' if self.lang == 'en' else ''}")

        def blank(flow: Flow, part_id: str, in_cell: bool) -> None:
            part = parts.get(part_id)
            kind = part["kind"] if part else "number"
            if key and part:
                flow.run(f"\u00a0{key_text(part, q['lang'])}\u00a0",
                         Fmt(bold=True, red=True, underline=not in_cell))
            elif in_cell:
                flow.run("\u00a0" * 4)
            else:
                flow.run("\u00a0" * _BLANK_WIDTH.get(kind, 8), Fmt(underline=True))

        flow = Flow(self.doc, style="QG Part", para=para, blank=blank, width_mm=self.width)
        flow.html(q["prompt"])
        for part in q["parts"]:
            if part["id"] not in inline:
                self.part(part, q, key)
        if q.get("diagram"):
            self.diagram(q, key)
        if key:
            self.key_block(q)

    def part(self, part: Mapping[str, Any], q: Mapping[str, Any], key: bool) -> None:
        kind, w = part["kind"], self.w
        para = add_paragraph(self.doc, style="QG Part")
        answer = key_text(part, q["lang"])
        red = Fmt(bold=True, red=True, underline=True)
        if part.get("label"):
            para.add_run(f"{part['label']} ")
        if kind in ("number", "bit", "text"):
            run = para.add_run(f"\u00a0{answer}\u00a0" if key else
                               "\u00a0" * _BLANK_WIDTH[kind])
            run.underline = True
            if key:
                run.bold = True
                *_, RGBColor = docx_modules()
                run.font.color.rgb = RGBColor.from_string("C00000")
            return
        if kind in ("choice", "truefalse"):
            para.add_run(w["open_paren"].strip())
            filled = para.add_run(f"\u00a0{answer}\u00a0" if key else "\u00a0" * 6)
            if key:
                filled.bold = True
                *_, RGBColor = docx_modules()
                filled.font.color.rgb = RGBColor.from_string("C00000")
            para.add_run(w["close_paren"])
            if kind == "truefalse":
                para.add_run(f"  {w['true_mark']} / {w['false_mark']}")
            for k, choice in enumerate(part.get("choices") or ()):
                line = add_paragraph(self.doc, style="QG Part")
                line.paragraph_format.left_indent = docx_modules()[5](12)
                letter = line.add_run(f"{LETTERS[k]}. ")
                letter.bold = True
                if key and choice.get("correct"):
                    *_, RGBColor = docx_modules()
                    letter.font.color.rgb = RGBColor.from_string("C00000")
                Flow(self.doc, style="QG Part", para=line, width_mm=self.width).html(
                    choice["text"])
            return
        if kind == "order":
            for k, item in enumerate(part.get("items") or ()):
                line = para if k == 0 else add_paragraph(self.doc, style="QG Part")
                line.paragraph_format.left_indent = docx_modules()[5](12)
                line.add_run(f"{labels(part)[k]} ").bold = True
                Flow(self.doc, style="QG Part", para=line, width_mm=self.width).html(
                    item["text"])
            slots = add_paragraph(self.doc, style="QG Part")
            slots.add_run(f"{w['order']}{w['colon']}")
            if key:
                Flow(self.doc, para=slots).run(f"\u00a0{answer}\u00a0", red)
            else:
                n = len(part.get("items") or ())
                for k in range(n):
                    slots.add_run("\u00a0" * 5).underline = True
                    if k < n - 1:
                        slots.add_run(" → ")

    def diagram(self, q: Mapping[str, Any], key: bool) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        *_, Mm, _, _ = docx_modules()

        svg = ladder_svg(q, reveal=key, lang=self.lang)
        width_px, height_px = svg_size(svg)
        width = min(DIAGRAM_MM, self.width, width_px * 25.4 / 96)
        png = svg_to_png(svg, round(width, 1))
        para = self.doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        shape = para.add_run().add_picture(BytesIO(png), width=Mm(width))
        segments = q["diagram"].get("segments") or [s["n"] for s in q["trace"]["segments"]]
        alt = self.lw["alt_key" if key else "alt_blank"].format(first=min(segments),
                                                                 last=max(segments))
        self._pictures += 1
        doc_pr = shape._inline.docPr
        doc_pr.set("descr", alt)
        doc_pr.set("name", f"ladder-{q['qid'].replace('@', '-')}")

    def key_block(self, q: Mapping[str, Any]) -> None:
        lw, sep = self.lw, self.lw["sep"]
        para = add_paragraph(self.doc, style="QG Key")
        para.add_run(lw["answer_tag"]).bold = True
        flow = Flow(self.doc, style="QG Key", para=para)
        for k, part in enumerate(q["parts"]):
            if k:
                flow.run(sep)
            if part.get("label"):
                flow.run(f"{part['label']} = ")
            flow.run(key_text(part, q["lang"]), Fmt(bold=True, red=True))
        if q.get("explanation"):
            para = add_paragraph(self.doc, style="QG Key")
            para.add_run(lw["explanation_tag"]).bold = True
            Flow(self.doc, style="QG Key", para=para).html(q["explanation"])
        para = add_paragraph(self.doc, style="QG Key")
        para.add_run(lw["scheme_tag"]).bold = True
        para.add_run(marking_scheme(q, self.lang))

    def build(self, key: bool, key_appended: bool = False) -> bytes:
        self.setup(self.doc.sections[0], key)
        self.head(key)
        self.sections(key)
        if key_appended and not key:
            from docx.enum.section import WD_SECTION

            self.setup(self.doc.add_section(WD_SECTION.NEW_PAGE), True)
            self.head(True)
            self.sections(True)
        title = self.paper["title"] + (f" · {self.w['key']}" if key else "")
        return finish(self.doc, title=title, lang=self.lang,
                      subject=self.paper.get("course") or "",
                      keywords=f"{self.w['code']} {self.paper['code']}")


def part_points(q: Mapping[str, Any]) -> list[float]:
    """Each part's points: its own, else the question's split evenly over its parts."""
    parts = q["parts"]
    given = [p.get("points") for p in parts]
    if all(g is not None for g in given):
        return [float(g) for g in given]
    rest = q["points"] - sum(g for g in given if g is not None)
    free = sum(1 for g in given if g is None)
    return [float(g) if g is not None else rest / free for g in given]


def _pts(value: float) -> str:
    return f"{round(value, 2):g}"


def marking_scheme(q: Mapping[str, Any], lang: str) -> str:
    """每空 x 分 (or the whole question's rule) from the points in the question data."""
    lw = layout_words(lang)
    points = part_points(q)
    if len(points) == 1:
        kind = q["parts"][0]["kind"]
        return lw["order_whole" if kind == "order" else "whole"].format(x=_pts(points[0]))
    if len(set(round(p, 6) for p in points)) == 1:
        return lw["each_blank"].format(n=len(points), x=_pts(points[0]))
    return lw["sep"].join(lw["parts"].format(label=p.get("label") or f"({k + 1})",
                                             x=_pts(x)) for k, (p, x) in
                          enumerate(zip(q["parts"], points)))


def paper_docx(paper: Mapping[str, Any], *, key: bool = False,
               key_appended: bool = False) -> bytes:
    """The student's paper (with its key after it when ``key_appended``) or the key."""
    return _Writer(paper).build(key, key_appended)


def key_docx(paper: Mapping[str, Any]) -> bytes:
    return paper_docx(paper, key=True)


def docx_documents(papers: Iterable[Mapping[str, Any]], key_appended: bool,
                   with_paper: bool = True) -> list[tuple[str, bytes]]:
    """(file stem, DOCX bytes) of each paper (``with_paper``) and of its key, named as the
    HTML and PDF files are (``quizgen.render.documents.stem``)."""
    from quizgen.render.documents import stem

    out = []
    for paper in papers:
        name = stem(dict(paper))
        if with_paper:
            out.append((f"{name}-paper", paper_docx(paper, key_appended=key_appended)))
        out.append((f"{name}-key", key_docx(paper)))
    return out
