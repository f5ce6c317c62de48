"""Office Open XML building blocks shared by the Word writers (papers and keys, the review
report, the question bank for Chinese platforms) and the Excel sheet: East Asian fonts,
tables with explicit widths, bank HTML to runs, and byte-stable packages.

Word picks a run's typeface per script from ``w:rFonts``: ``w:ascii``/``w:hAnsi`` for Latin
text, ``w:eastAsia`` for Chinese. python-docx's ``font.name`` sets only the Latin ones, so a
Chinese paper would show in the theme's font; here every style and the document defaults
name both (宋体 for the body and 黑体 for headings unless the spec says otherwise), and the
theme's font references are removed so nothing overrides them. LibreOffice, which has
neither font on Linux, substitutes a CJK font it has (Noto CJK here).

Tables carry their widths three times, as Word, WPS and LibreOffice each read a different
one: the table's ``w:tblW``, each grid column's ``w:gridCol`` and each cell's ``w:tcW``, with
``w:tblLayout w:type="fixed"`` (WPS drops or squeezes tables that give only ``w:tblW``).

Packages are made byte-stable: zip entries get a fixed time and order, and the core
properties' dates come from ``SOURCE_DATE_EPOCH`` (now, without it).
"""

from __future__ import annotations

import datetime
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable

from quizgen.errors import QuizgenError

#: Typefaces as Chinese schools' Word templates name them; the spec's ``fonts`` may change them.
DEFAULT_FONTS = {"body": "宋体", "heading": "黑体"}
LATIN_FONTS = {"body": "Times New Roman", "heading": "Arial"}
MONO_FONT = "Courier New"
KEY_RED = "C00000"


def docx_modules():
    try:
        import docx
    except ImportError:
        raise QuizgenError("writing Word files needs python-docx (pip install python-docx)"
                           ) from None
    import docx
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import nsdecls, qn
    from docx.shared import Mm, Pt, RGBColor

    return docx, OxmlElement, parse_xml, nsdecls, qn, Mm, Pt, RGBColor


# ---------------------------------------------------------------------------------- dates
def source_date() -> datetime.datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    try:
        if epoch:
            return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).replace(
                tzinfo=None, microsecond=0)
    except (ValueError, OverflowError, OSError):
        raise QuizgenError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds") from None
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def stable_zip(data: bytes) -> bytes:
    """The same package with every entry at a fixed time, mode and compression, in its order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 0
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def add_paragraph(container, text: str = "", style: str | None = None):
    """``container.add_paragraph`` with the style set by its id: python-docx's look-up by
    name scans every style for each paragraph (most of a paper's time)."""
    para = container.add_paragraph(text)
    if style:
        para._p.get_or_add_pPr().style = style.replace(" ", "")
    return para


# ---------------------------------------------------------------------------------- fonts
def set_fonts(rpr, latin: str, east_asian: str) -> None:
    """``w:rFonts`` of a run or style's properties naming both typefaces, no theme fonts."""
    _, OxmlElement, _, _, qn, *_ = docx_modules()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")


def set_language(rpr, lang: str) -> None:
    _, OxmlElement, _, _, qn, *_ = docx_modules()
    el = rpr.find(qn("w:lang"))
    if el is None:
        el = OxmlElement("w:lang")
        rpr.append(el)
    el.set(qn("w:val"), "en-US")
    el.set(qn("w:eastAsia"), "zh-CN")


def new_document(fonts: dict[str, str] | None, lang: str):
    """A python-docx Document whose defaults and styles name the East Asian typefaces."""
    docx, OxmlElement, _, _, qn, Mm, Pt, RGBColor = docx_modules()
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    fonts = {**DEFAULT_FONTS, **(fonts or {})}
    doc = docx.Document()
    package = doc.part.package
    for rid, rel in list(package.rels.items()):        # python-docx's own thumbnail
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[rid]
    # Its template also carries Word 2010's stylesWithEffects part, a copy of styles.xml as
    # the template once was: once the styles below change, the two disagree, which Word
    # treats as content to repair. The part is optional; without its relationship it is not
    # written.
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del doc.part.rels[rid]
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, LATIN_FONTS["body"], fonts["body"])
    set_language(rpr, lang)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)                         # 五号
    set_fonts(normal.element.get_or_add_rPr(), LATIN_FONTS["body"], fonts["body"])
    pf = normal.paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(0), 1.25
    for name in ("Header", "Footer"):
        try:
            doc.styles[name].font.size = Pt(9)
        except KeyError:
            pass

    def style(name: str, *, size: float, bold: bool = False, heading: bool = False,
              center: bool = False, outline: int | None = None, indent: float = 0,
              before: float = 0, after: float = 0, keep: bool = False):
        s = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        s.base_style = normal
        s.font.size = Pt(size)
        s.font.bold = bold
        kind = "heading" if heading else "body"
        set_fonts(s.element.get_or_add_rPr(), LATIN_FONTS[kind], fonts[kind])
        p = s.paragraph_format
        p.space_before, p.space_after = Pt(before), Pt(after)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if indent:
            p.left_indent = Mm(indent)
        if keep:
            p.keep_with_next = True
        if outline is not None:
            ppr = s.element.get_or_add_pPr()
            el = OxmlElement("w:outlineLvl")
            el.set(qn("w:val"), str(outline))
            ppr.append(el)
        return s

    style("QG Title", size=16, bold=True, heading=True, center=True, outline=0, after=3)
    style("QG Subtitle", size=10.5, center=True, after=4)
    style("QG Section", size=12, bold=True, heading=True, outline=1, before=8, after=3,
          keep=True)
    style("QG Question", size=10.5, before=5, after=1)
    style("QG Part", size=10.5, indent=7, before=1)
    style("QG Key", size=10.5, indent=7, before=2)
    style("QG Cell", size=10, center=True)
    return doc


# --------------------------------------------------------------------------------- tables
def _dxa(mm: float) -> int:
    return int(round(mm * 1440 / 25.4))


def set_widths(table, widths_mm: list[float], *, indent_mm: float = 0, center: bool = False,
               borders: bool = True) -> None:
    """Explicit widths everywhere a reader may look: tblW, tblLayout fixed, gridCol, tcW."""
    _, OxmlElement, _, _, qn, Mm, *_ = docx_modules()
    from docx.enum.table import WD_TABLE_ALIGNMENT

    tbl = table._tbl
    tblpr = tbl.tblPr
    for tag in ("w:tblW", "w:tblLayout", "w:tblInd", "w:tblBorders"):
        old = tblpr.find(qn(tag))
        if old is not None:
            tblpr.remove(old)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(sum(_dxa(w) for w in widths_mm)))
    width.set(qn("w:type"), "dxa")
    if center:
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # CT_TblPr's order: tblStyle, tblpPr, tblOverlap, bidiVisual, tblStyleRowBandSize,
    # tblStyleColBandSize, tblW, jc, tblCellSpacing, tblInd, tblBorders, shd, tblLayout, ...
    _insert_in_order(tblpr, width, _TBLPR_ORDER)
    if indent_mm and not center:
        ind = OxmlElement("w:tblInd")
        ind.set(qn("w:w"), str(_dxa(indent_mm)))
        ind.set(qn("w:type"), "dxa")
        _insert_in_order(tblpr, ind, _TBLPR_ORDER)
    if borders:
        box = OxmlElement("w:tblBorders")
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), "4")
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
            box.append(el)
        _insert_in_order(tblpr, box, _TBLPR_ORDER)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    _insert_in_order(tblpr, layout, _TBLPR_ORDER)
    grid = tbl.tblGrid
    cols = grid.findall(qn("w:gridCol"))
    for col, w in zip(cols, widths_mm):
        col.set(qn("w:w"), str(_dxa(w)))
    for row in table.rows:
        for tc in row._tr.tc_lst:
            span = tc.grid_span
            start = _grid_index(row._tr, tc)
            tc.width = Mm(sum(widths_mm[start:start + span]))


def _grid_index(tr, tc) -> int:
    index = 0
    for other in tr.tc_lst:
        if other is tc:
            return index
        index += other.grid_span
    return index


_TBLPR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
                "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders",
                "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription")


def _insert_in_order(parent, child, order: tuple[str, ...]) -> None:
    _, _, _, _, qn, *_ = docx_modules()
    name = child.tag.rsplit("}", 1)[1]
    rank = order.index(name)
    for k, existing in enumerate(parent):
        other = existing.tag.rsplit("}", 1)[1]
        if other in order and order.index(other) > rank:
            existing.addprevious(child)
            return
    parent.append(child)


def shade(cell, fill: str = "F2F2F2") -> None:
    _, OxmlElement, _, _, qn, *_ = docx_modules()
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def cell_text(cell, text: str, *, bold: bool = False, center: bool = True,
              size: float | None = None):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    *_, Pt, _ = docx_modules()

    para = cell.paragraphs[0]
    if center:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    return run


def text_width(text: str) -> int:
    """Display width in half-width characters (a CJK character counts two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# ------------------------------------------------------------------------------- bank HTML
@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Any] = field(default_factory=list)


_VOID = {"br"}


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for k in range(len(self.stack) - 1, 0, -1):
            if self.stack[k].tag == tag:
                del self.stack[k:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(fragment: str) -> Node:
    """A cleaned fragment (``quizgen.safehtml.clean``) as a small tree."""
    tree = _Tree()
    tree.feed(fragment)
    tree.close()
    return tree.root


def plain_text(node: Any, blank: Callable[[str], str] | None = None) -> str:
    """A node's text; a blank marker becomes ``blank(part_id)`` (or nothing)."""
    if isinstance(node, str):
        return node
    if is_blank(node):
        return blank(node.attrs.get("data-part", "")) if blank else ""
    if node.tag == "br":
        return "\n"
    return "".join(plain_text(c, blank) for c in node.children)


def is_blank(node: Any) -> bool:
    return (isinstance(node, Node) and node.tag == "span" and "data-part" in node.attrs
            and "qg-blank" in node.attrs.get("class", "").split())


_BLOCKS = {"p", "div", "ul", "ol", "li", "table", "pre", "caption", "thead", "tbody", "tr"}
_SPACE = re.compile(r"[ \t\r\n\f]+")


@dataclass
class Fmt:
    bold: bool = False
    italic: bool = False
    underline: bool = False
    sub: bool = False
    sup: bool = False
    mono: bool = False
    small: bool = False
    red: bool = False

    def but(self, **kw) -> Fmt:
        return Fmt(**{**self.__dict__, **kw})


def apply_fmt(run, fmt: Fmt) -> None:
    *_, Pt, RGBColor = docx_modules()
    if fmt.bold:
        run.bold = True
    if fmt.italic:
        run.italic = True
    if fmt.underline:
        run.underline = True
    if fmt.sub:
        run.font.subscript = True
    if fmt.sup:
        run.font.superscript = True
    if fmt.small:
        run.font.size = Pt(9)
    if fmt.mono:
        run.font.name = MONO_FONT
    if fmt.red:
        run.font.color.rgb = RGBColor.from_string(KEY_RED)


class Flow:
    """Writes a tree of allow-listed HTML into a python-docx block container (the body or a
    table cell): p, div, li, pre and tables start blocks, b/i/u/sub/sup/code/small format
    runs, anything else is unwrapped to its text. A blank marker is handed to ``blank``."""

    def __init__(self, container, *, style: str | None = None, para=None,
                 blank: Callable[[Flow, str, bool], None] | None = None,
                 width_mm: float = 170.0, in_cell: bool = False,
                 table_indent: float = 6.0) -> None:
        self.container = container
        self.style = style
        self.para = para
        self.blank_fn = blank
        self.width_mm = width_mm
        self.in_cell = in_cell
        self.table_indent = table_indent
        self._fresh = para is None or not para.runs
        self._continue = para is not None     # the first block goes on in ``para``

    def paragraph(self):
        if self.para is None:
            if self.in_cell and len(self.container.paragraphs) == 1 and \
                    not self.container.paragraphs[0].runs and not self._used_cell:
                self.para = self.container.paragraphs[0]
            else:
                self.para = add_paragraph(self.container, style=self.style)
            self._used_cell = True
            self._fresh = True
        return self.para

    _used_cell = False

    def end_block(self) -> None:
        self.para = None

    def text(self, text: str, fmt: Fmt = Fmt()) -> None:
        text = _SPACE.sub(" ", text)
        if self.para is None or self._fresh:
            text = text.lstrip()
        if not text:
            return
        run = self.paragraph().add_run(text)
        self._fresh = False
        apply_fmt(run, fmt)

    def run(self, text: str, fmt: Fmt = Fmt()):
        run = self.paragraph().add_run(text)
        self._fresh = False
        apply_fmt(run, fmt)
        return run

    def html(self, fragment: str) -> None:
        self.node(parse_html(fragment), Fmt())

    def node(self, node: Any, fmt: Fmt, list_kind: str | None = None, index: int = 0) -> None:
        if isinstance(node, str):
            self.text(node, fmt)
            return
        tag = node.tag
        if is_blank(node):
            if self.blank_fn:
                self.blank_fn(self, node.attrs["data-part"], self.in_cell)
                self._fresh = False
            return
        if tag == "br":
            self.paragraph().add_run().add_break()
            self._fresh = True
            return
        if tag == "table":
            self.end_block()
            self.table(node, fmt)
            self.end_block()
            return
        inner = fmt
        if tag in ("b", "strong", "th"):
            inner = fmt.but(bold=True)
        elif tag in ("i", "em"):
            inner = fmt.but(italic=True)
        elif tag == "u":
            inner = fmt.but(underline=True)
        elif tag == "sub":
            inner = fmt.but(sub=True)
        elif tag == "sup":
            inner = fmt.but(sup=True)
        elif tag in ("code", "pre"):
            inner = fmt.but(mono=True)
        elif tag == "small":
            inner = fmt.but(small=True)
        block = tag in _BLOCKS
        if block and tag not in ("thead", "tbody", "tr"):
            if self._continue and tag in ("p", "div"):
                pass
            elif not (tag != "li" and self.para is not None and not self.para.runs):
                self.end_block()
            self._continue = False
        if tag == "li":
            self.end_block()
            para = self.paragraph()
            *_, Mm, _, _ = docx_modules()
            para.paragraph_format.left_indent = Mm(12)
            para.paragraph_format.first_line_indent = Mm(-5)
            self.run(f"{index}. " if list_kind == "ol" else "• ", fmt)
            self._fresh = True
        if tag == "pre":
            for k, line in enumerate(plain_text(node).split("\n")):
                if k:
                    self.paragraph().add_run().add_break()
                self.run(line, inner)
            self.end_block()
            return
        n = 0
        for child in node.children:
            if isinstance(child, Node) and child.tag == "li":
                n += 1
            self.node(child, inner, tag if tag in ("ul", "ol") else list_kind, n)
        if block and tag not in ("thead", "tbody", "tr"):
            self.end_block()

    def table(self, node: Node, fmt: Fmt) -> None:
        rows: list[list[Node]] = []

        def collect(n: Node) -> None:
            for child in n.children:
                if isinstance(child, Node):
                    if child.tag == "tr":
                        rows.append([c for c in child.children
                                     if isinstance(c, Node) and c.tag in ("td", "th")])
                    elif child.tag in ("thead", "tbody", "tfoot"):
                        collect(child)

        collect(node)
        rows = [r for r in rows if r]
        if not rows:
            return
        spans = [[max(1, min(20, _int(c.attrs.get("colspan"), 1))) for c in r] for r in rows]
        ncols = max(sum(s) for s in spans)
        widths = [0.0] * ncols
        for r, s in zip(rows, spans):
            col = 0
            for cell, span in zip(r, s):
                w = text_width(plain_text(cell, lambda part: "0" * 11))
                for k in range(col, col + span):
                    widths[k] = max(widths[k], w / span)
                col += span
        mm = [max(12.0, w * 1.9 + 5.0) for w in widths]   # 10 pt text and cell margins
        room = self.width_mm - (0 if self.in_cell else self.table_indent)
        if sum(mm) > room:
            mm = [w * room / sum(mm) for w in mm]
        table = self.container.add_table(rows=len(rows), cols=ncols)
        for ri, (cells, s) in enumerate(zip(rows, spans)):
            col = 0
            for cell_node, span in zip(cells, s):
                cell = table.cell(ri, col)
                if span > 1:
                    cell = cell.merge(table.cell(ri, col + span - 1))
                if cell_node.tag == "th":
                    shade(cell)
                flow = Flow(cell, style="QG Cell", blank=self.blank_fn, in_cell=True,
                            width_mm=sum(mm[col:col + span]))
                flow.node(Node("div", {}, cell_node.children),
                          fmt.but(bold=True) if cell_node.tag == "th" else fmt)
                col += span
        set_widths(table, mm, indent_mm=0 if self.in_cell else self.table_indent)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text or default)
    except ValueError:
        return default


# ---------------------------------------------------------------------------- page setup
def page_setup(section, size: tuple[float, float], margins: dict[str, float], *,
               landscape: bool = False, columns: int = 1, column_gap_mm: float = 16) -> None:
    _, OxmlElement, _, _, qn, Mm, *_ = docx_modules()
    from docx.enum.section import WD_ORIENT

    width, height = size
    if landscape:
        width, height = max(size), min(size)
        section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(width), Mm(height)
    section.top_margin, section.bottom_margin = Mm(margins["top"]), Mm(margins["bottom"])
    section.left_margin, section.right_margin = Mm(margins["left"]), Mm(margins["right"])
    section.header_distance, section.footer_distance = Mm(10), Mm(9)
    sect = section._sectPr
    cols = sect.find(qn("w:cols"))
    if cols is None:
        cols = OxmlElement("w:cols")
        sect.append(cols)
    cols.set(qn("w:space"), str(_dxa(column_gap_mm)))
    if columns > 1:
        cols.set(qn("w:num"), str(columns))
    for attr in ("w:rsidR", "w:rsidRPr", "w:rsidSect"):
        sect.attrib.pop(qn(attr), None)


def field_run(paragraph, instr: str, placeholder: str = "1") -> None:
    """A simple field (PAGE, NUMPAGES) that Word, WPS and LibreOffice update."""
    _, OxmlElement, _, _, qn, *_ = docx_modules()
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), f" {instr} ")
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = placeholder
    r.append(t)
    fld.append(r)
    paragraph._p.append(fld)


def finish(doc, *, title: str, lang: str, subject: str = "", keywords: str = "") -> bytes:
    """The document's bytes: core properties set (dates from SOURCE_DATE_EPOCH), zip stable."""
    props = doc.core_properties
    when = source_date()
    props.author = "quizgen"
    props.last_modified_by = "quizgen"
    props.title = title[:255]
    props.subject = subject[:255]
    props.keywords = keywords[:255]
    props.comments = ""
    props.revision = 1
    props.created = when
    props.modified = when
    props.last_printed = when
    props.language = "zh-CN" if lang == "zh" else "en-US"
    # python-docx's tables say their look twice: as Word 2007's w:val bit mask and as Word
    # 2010's attributes, which Word 2007's schema does not declare. The mask alone means the
    # same to every version (and to WPS and LibreOffice).
    for look in doc.element.body.iter(qn_w("tblLook")):
        if look.get(qn_w("val")):
            for name in _TBL_LOOK_2010:
                look.attrib.pop(qn_w(name), None)
    buf = io.BytesIO()
    doc.save(buf)
    return stable_zip(buf.getvalue())


_TBL_LOOK_2010 = ("firstRow", "lastRow", "firstColumn", "lastColumn", "noHBand", "noVBand")


def qn_w(name: str) -> str:
    """``w:name`` in Clark notation."""
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + name


# ------------------------------------------------------------------------------- Excel
_SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
            "sharedStrings")
#: The order Excel writes a font's properties in, which the Open XML SDK's schema expects.
_FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u",
               "vertAlign", "sz", "color", "name", "family", "charset", "scheme")


def xlsx_bytes(book, when: datetime.datetime | None = None) -> bytes:
    """An openpyxl workbook's bytes as Excel itself would write them, byte-stable.

    openpyxl writes every string inline in the sheet (``t="inlineStr"``), which Excel moves to
    a shared-string table the first time it saves the file, and a font's properties in an
    order the Open XML SDK's schema does not accept; here the strings go to
    ``xl/sharedStrings.xml`` and the fonts' properties into Excel's order. The core
    properties' dates are ``when``, else ``SOURCE_DATE_EPOCH``'s; the zip is made stable."""
    from lxml import etree

    when = when or source_date()
    book.properties.created = when
    book.properties.modified = when
    buf = io.BytesIO()
    book.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    parts = {info.filename: src.read(info.filename) for info in src.infolist()}
    ns = {"s": _SML}
    strings: dict[str, int] = {}
    sst = etree.Element(f"{{{_SML}}}sst", nsmap={None: _SML})
    total = 0
    for name in sorted(n for n in parts if n.startswith("xl/worksheets/sheet")):
        root = etree.fromstring(parts[name])
        for cell in root.iterfind(".//s:c[@t='inlineStr']", ns):
            inline = cell.find("s:is", ns)
            text = "".join(inline.itertext()) if inline is not None else ""
            if inline is not None:
                cell.remove(inline)
            if text not in strings:
                strings[text] = len(strings)
                si = etree.SubElement(sst, f"{{{_SML}}}si")
                t = etree.SubElement(si, f"{{{_SML}}}t")
                t.text = text
                if text != text.strip():
                    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            cell.set("t", "s")
            etree.SubElement(cell, f"{{{_SML}}}v").text = str(strings[text])
            total += 1
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                     standalone=True)
    if strings and "xl/sharedStrings.xml" not in parts:
        sst.set("count", str(total))
        sst.set("uniqueCount", str(len(strings)))
        parts["xl/sharedStrings.xml"] = etree.tostring(sst, xml_declaration=True,
                                                       encoding="UTF-8", standalone=True)
        types = etree.fromstring(parts["[Content_Types].xml"])
        ct = types.nsmap[None]
        etree.SubElement(types, f"{{{ct}}}Override", PartName="/xl/sharedStrings.xml",
                         ContentType=_SST_TYPE)
        parts["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True,
                                                      encoding="UTF-8", standalone=True)
        rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
        ids = {r.get("Id") for r in rels}
        rid = next(f"rId{k}" for k in range(1, len(ids) + 2) if f"rId{k}" not in ids)
        etree.SubElement(rels, f"{{{_PKG_REL}}}Relationship", Id=rid, Type=_SST_REL,
                         Target="sharedStrings.xml")
        parts["xl/_rels/workbook.xml.rels"] = etree.tostring(rels, xml_declaration=True,
                                                             encoding="UTF-8", standalone=True)
    if "xl/styles.xml" in parts:
        styles = etree.fromstring(parts["xl/styles.xml"])
        rank = {name: k for k, name in enumerate(_FONT_ORDER)}
        for font in styles.iterfind(".//s:fonts/s:font", ns):
            children = sorted(font, key=lambda e: rank.get(etree.QName(e).localname, 99))
            font[:] = children
        parts["xl/styles.xml"] = etree.tostring(styles, xml_declaration=True,
                                                encoding="UTF-8", standalone=True)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    parts["docProps/core.xml"] = re.sub(
        rb"(<dcterms:(?:modified|created)[^>]*>)[^<]*", lambda m: m.group(1) + stamp,
        parts["docProps/core.xml"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, blob in parts.items():
            dst.writestr(name, blob)
    return stable_zip(out.getvalue())
