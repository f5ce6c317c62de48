"""The one YAML reader for every input (banks, scripts, scripts inside banks, paper specs).

Inputs are untrusted, so this reads a small, safe part of YAML and refuses the rest with a
line number:

* no anchors or aliases (``&a`` / ``*a``): they let a few lines expand to billions of nodes
  ("billion laughs") or refer to themselves;
* no explicit tags (``!!python/name:``, ``!foo``, ``!!binary``, ``!!int abc``...): values are
  text, numbers, true/false, null, lists and mappings, read as plain YAML reads them; a date
  such as ``2026-12-01`` stays text;
* keys are text, each at most once in a mapping;
* nesting at most ``MAX_DEPTH`` deep, at most ``MAX_NODES`` values, one document;
* text is text: a JSON-style pair of surrogate escapes (``"\\ud83d\\ude00"``) is joined into
  its character, a lone surrogate is refused.

``compose(text)`` gives the checked node tree, ``construct(node)`` a node's value, and
``load(text)`` plain data plus ``lines``, a map from a path such as ``"entries[3].prompt.zh"``
to its 1-based line. libyaml does the parsing where it is installed (14 times as fast).
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

MAX_DEPTH = 64
MAX_NODES = 200_000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
               "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _mark_line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def _check_events(text: str) -> None:
    """Refuse anchors, aliases, explicit tags and deep nesting, before any node is built."""
    depth = nodes = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = _mark_line(event.start_mark)
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise YamlSyntaxError("anchors and aliases (&name, *name) are not allowed: write "
                                  "the value out", line)
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            raise YamlSyntaxError(f"tags such as {tag} are not allowed: write a plain value", line)
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlSyntaxError(f"nested more than {MAX_DEPTH} deep", line)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        if isinstance(event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            nodes += 1
            if nodes > MAX_NODES:
                raise YamlSyntaxError(f"more than {MAX_NODES:,} values", line)


def compose(text: str) -> yaml.Node | None:
    """The checked node tree of ``text`` (None for an empty document)."""
    try:
        try:
            _check_events(text)
            return yaml.compose(text, Loader=_Loader)
        except yaml.YAMLError as exc:
            if "Unicode character escape" not in str(exc) or _Loader is yaml.SafeLoader:
                raise
            # libyaml refuses "\ud83d\ude00" (JSON's way to write one emoji); PyYAML reads
            # it, and _text joins the pair
            return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        raise YamlSyntaxError(f"not valid YAML: {problem}", _mark_line(mark)) from None


_CONSTRUCTOR = yaml.SafeLoader("")


def construct(node: yaml.Node) -> Any:
    """The value of a node of :func:`compose`'s tree: text, int, float, bool, None, list,
    dict (text keys)."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag not in _PLAIN_TAGS:          # a timestamp or anything else: its text
            return _text(node.value, node)
        try:
            value = _CONSTRUCTOR.construct_object(node)
        except (ValueError, yaml.YAMLError):          # a 5,000-digit number, say
            raise YamlSyntaxError(f"not a number YAML can read: {node.value[:40]!r}",
                                  _mark_line(node.start_mark)) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise YamlSyntaxError(f"{node.value} is not a number quizgen can use",
                                  _mark_line(node.start_mark))
        return _text(value, node) if isinstance(value, str) else value
    if isinstance(node, yaml.SequenceNode):
        return [construct(item) for item in node.value]
    out: dict[str, Any] = {}
    for knode, vnode in node.value:
        out[key_of(knode, out)] = construct(vnode)
    return out


def key_of(knode: yaml.Node, seen: dict | set) -> str:
    """A mapping key: text, not seen before in its mapping."""
    key = construct(knode) if isinstance(knode, yaml.ScalarNode) else None
    if not isinstance(key, str):
        shown = knode.value if isinstance(knode, yaml.ScalarNode) else "a list or mapping"
        raise YamlSyntaxError(f"a key must be text: {shown!r} is not (quote it)",
                              _mark_line(knode.start_mark))
    if key in seen:
        raise YamlSyntaxError(f"duplicate key {key!r}", _mark_line(knode.start_mark))
    return key


def _text(value: str, node: yaml.Node) -> str:
    if _SURROGATE.search(value):
        value = _SURROGATE_PAIR.sub(
            lambda m: m.group().encode("utf-16-le", "surrogatepass").decode("utf-16-le"), value)
        if _SURROGATE.search(value):
            raise YamlSyntaxError("a lone surrogate (\\ud800-\\udfff) is not text",
                                  _mark_line(node.start_mark))
    return value


def load(text: str) -> tuple[Any, dict[str, int | None]]:
    root = compose(text)
    lines: dict[str, int | None] = {"": _line(root)}
    if root is None:
        return None, lines
    return _plain(root, "", lines), lines


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _plain(node: yaml.Node, path: str, lines: dict[str, int | None]) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            key = key_of(knode, out)
            sub = f"{path}.{key}" if path else key
            lines[sub] = _line(knode)
            # where a block scalar's text starts (for template line numbers)
            if isinstance(vnode, yaml.ScalarNode) and vnode.style in ("|", ">"):
                lines[sub + "#text"] = vnode.start_mark.line + 2
            else:
                lines[sub + "#text"] = _line(vnode)
            out[key] = _plain(vnode, sub, lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            sub = f"{path}[{i}]"
            lines[sub] = _line(item)
            items.append(_plain(item, sub, lines))
        return items
    return construct(node)


def nearest_line(lines: dict[str, int | None], path: str) -> int | None:
    """The line of ``path``, or of its nearest parent that has one."""
    while True:
        if lines.get(path) is not None:
            return lines[path]
        if not path:
            return None
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
