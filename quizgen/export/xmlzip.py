"""XML and zip helpers: safe identifiers, XML text hygiene, element building and indenting,
and a byte-stable zip writer (the QTI packages)."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
import zipfile
from io import BytesIO

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


_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    """A zip whose bytes depend only on ``entries`` (and the zlib that deflates them): fixed
    timestamps and permissions, ``imsmanifest.xml`` first, the rest sorted by name."""
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
