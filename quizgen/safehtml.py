"""The one allow-list for HTML that comes from a bank (prompts, explanations, feedback).

A bank is untrusted: its templates can print any markup. Every output path (paper and key
HTML and PDF, the drills, every LMS export) shows question HTML only after :func:`clean`, an
allow-list sanitiser (nh3, html5ever's parser): text markup and tables stay; script, style,
links, images, objects, forms, frames, event handlers and ``style`` attributes go, so no page
can run script and no renderer is ever asked to fetch a file or a URL a bank names. Fragments
come back balanced, so a bank cannot break the structure of the page around them.

Questions are cleaned where they are made (``generate_question``) and again by each writer
(:func:`clean_question`), so data from elsewhere (a JSON file of questions) is held to the
same list. Cleaning is idempotent: quizgen's own markup passes through unchanged.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import nh3

TAGS = frozenset({"p", "br", "div", "span", "b", "strong", "i", "em", "u", "sub", "sup", "small",
                  "code", "pre", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
                  "caption"})
ATTRIBUTES = {"*": {"class"}, "span": {"class", "data-part"}, "td": {"colspan", "rowspan"},
              "th": {"colspan", "rowspan"}}
#: Tags removed with everything inside them (not just unwrapped to their text).
DROP_CONTENT = frozenset({"script", "style", "object", "embed", "iframe", "noscript", "template",
                          "svg", "math", "title", "textarea", "select", "option"})

#: Control characters (no use in a question; not allowed in XML; a terminal obeys them) and
#: lone surrogates (not text: no file can hold them).
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


#: Fragments known to be clean: what clean() returned lately (cleaning is idempotent, so a
#: writer cleaning a generated question again need not parse it again), and the short texts
#: that recur (choices, feedback). Bounded: forgotten in bulk when full.
_KNOWN: dict[str, str] = {}
_KNOWN_MAX = 20_000


def clean(fragment: Any) -> str:
    """``fragment`` reduced to the allow-list: harmless, balanced HTML, with no control
    characters (tab and newline stay) and no lone surrogates (each becomes U+FFFD)."""
    raw = str(fragment or "")
    known = _KNOWN.get(raw)
    if known is not None:
        return known
    text = _NOT_TEXT.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else "", raw)
    out = nh3.clean(text, tags=set(TAGS), attributes=ATTRIBUTES,
                    clean_content_tags=set(DROP_CONTENT), link_rel=None,
                    url_schemes=set(), strip_comments=True)
    if len(_KNOWN) >= _KNOWN_MAX:
        _KNOWN.clear()
    _KNOWN[raw] = out
    _KNOWN[out] = out
    return out


def _clean_items(items: Any) -> Any:
    if not isinstance(items, list):
        return items
    out = []
    for item in items:
        if isinstance(item, Mapping):
            item = dict(item)
            for key in ("text", "feedback"):
                if key in item:
                    item[key] = clean(item[key])
        out.append(item)
    return out


def clean_question(q: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of question ``q`` whose every HTML field has passed :func:`clean`."""
    out = dict(q)
    for key in ("prompt", "explanation"):
        if key in out:
            out[key] = clean(out[key])
    parts = out.get("parts")
    if isinstance(parts, list):
        cleaned = []
        for part in parts:
            if isinstance(part, Mapping):
                part = dict(part)
                for key in ("feedback", "feedback_true", "feedback_false"):
                    if key in part:
                        part[key] = clean(part[key])
                for key in ("choices", "items"):
                    if key in part:
                        part[key] = _clean_items(part[key])
            cleaned.append(part)
        out["parts"] = cleaned
    return out
