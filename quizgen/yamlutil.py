"""YAML as plain data plus a map of where each key and list item stands, for error messages.

``load(text, source)`` returns ``(data, lines)``; ``lines`` maps a path such as
``"entries[3].prompt.zh"`` to its 1-based line. Only safe YAML is read.
"""

from __future__ import annotations

from typing import Any

import yaml


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def load(text: str) -> tuple[Any, dict[str, int | None]]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YamlSyntaxError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                              mark.line + 1 if mark else None) from None
    lines: dict[str, int | None] = {"": _line(root)}
    if root is None:
        return None, lines
    return _plain(root, "", lines), lines


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _plain(node: yaml.Node, path: str, lines: dict[str, int | None]) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = {}
        for knode, vnode in node.value:
            key = _plain(knode, path, lines)
            sub = f"{path}.{key}" if path else str(key)
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
    return yaml.SafeLoader(" ").construct_object(node)


def nearest_line(lines: dict[str, int | None], path: str) -> int | None:
    """The line of ``path``, or of its nearest parent that has one."""
    while True:
        if lines.get(path) is not None:
            return lines[path]
        if not path:
            return None
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""

