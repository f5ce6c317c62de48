"""The fixed words of papers, keys and diagrams, in each language a paper can be in."""

from __future__ import annotations

LANGS = ("zh", "en")

_STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "host_A": "客户端 A",
        "host_B": "服务器 B",
        "name": "姓名",
        "student_id": "学号",
        "code": "试卷代码",
        "score": "得分",
        "total": "总分",
        "key": "参考答案",
        "answer": "答案",
        "explanation": "解析",
        "points": "{n} 分",
        "section_points": "（每题 {each} 分，共 {total} 分）",
        "section_points_mixed": "（共 {total} 分）",
        "order": "正确顺序",
        "true": "正确（√）",
        "false": "错误（×）",
        "page_css": '"第 " counter(page) " 页 / 共 " counter(pages) " 页"',
        "time": "时间",
    },
    "en": {
        "host_A": "Client A",
        "host_B": "Server B",
        "name": "Name",
        "student_id": "Student ID",
        "code": "Paper code",
        "score": "Score",
        "total": "Total",
        "key": "Answer key",
        "answer": "Answer",
        "explanation": "Explanation",
        "points": "{n} pt",
        "section_points": "({each} points each, {total} points)",
        "section_points_mixed": "({total} points)",
        "order": "Correct order",
        "true": "True",
        "false": "False",
        "page_css": '"Page " counter(page) " of " counter(pages)',
        "time": "time",
    },
}

_ZH_NUMERALS = "一二三四五六七八九十"


def strings(lang: str) -> dict[str, str]:
    """The UI strings of ``lang`` (``zh`` or ``en``)."""
    return _STRINGS[lang]


def section_number(lang: str, index: int) -> str:
    """``一、`` / ``Part A.`` style number of the ``index``-th (0-based) section."""
    if lang == "zh":
        if index < 10:
            return _ZH_NUMERALS[index] + "、"
        return f"{index + 1}、"
    return f"Part {chr(ord('A') + index)}." if index < 26 else f"Part {index + 1}."


def format_points(lang: str, value: float) -> str:
    """``4`` rather than ``4.0``; halves kept (``2.5``)."""
    text = f"{value:g}"
    if lang == "en" and value != 1:
        return f"{text} pts"
    return strings(lang)["points"].format(n=text)
