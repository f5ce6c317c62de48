"""The languages quizgen writes in, and the fixed words of every output in each of them.

One table (``WORDS``: key -> {"zh": ..., "en": ...}) serves the question types (part labels,
feedback), papers and keys, diagrams, terminal text and the LMS exports; the drills keep their
longer texts (hints, prompts) in ``quizgen/drill/words.py``. Bank text never comes from here.
"""

from __future__ import annotations

LANGS = ("zh", "en")

WORDS: dict[str, dict[str, str]] = {
    # part labels and feedback the question types write
    "state": {"zh": "状态", "en": "state"},
    "segment": {"zh": "报文段", "en": "segment"},
    "right_feedback": {"zh": "正确。", "en": "Right."},
    "not_so_feedback": {"zh": "错误：仿真结果并非如此。", "en": "No: the trace shows otherwise."},
    "true": {"zh": "正确", "en": "True"},
    "false": {"zh": "错误", "en": "False"},
    # papers and keys
    "true_mark": {"zh": "正确（√）", "en": "True"},
    "false_mark": {"zh": "错误（×）", "en": "False"},
    "host_A": {"zh": "客户端 A", "en": "Client A"},
    "host_B": {"zh": "服务器 B", "en": "Server B"},
    "name": {"zh": "姓名", "en": "Name"},
    "student_id": {"zh": "学号", "en": "Student ID"},
    "code": {"zh": "试卷代码", "en": "Paper code"},
    "score": {"zh": "得分", "en": "Score"},
    "total": {"zh": "总分", "en": "Total"},
    "key": {"zh": "参考答案", "en": "Answer key"},
    "answer": {"zh": "答案", "en": "Answer"},
    "explanation": {"zh": "解析", "en": "Explanation"},
    "points": {"zh": "{n} 分", "en": "{n} pt"},
    "section_points": {"zh": "（每题 {each} 分，共 {total} 分）",
                       "en": "({each} points each, {total} points)"},
    "section_points_mixed": {"zh": "（共 {total} 分）", "en": "({total} points)"},
    "order": {"zh": "正确顺序", "en": "Correct order"},
    "page_css": {"zh": '"第 " counter(page) " 页 / 共 " counter(pages) " 页"',
                 "en": '"Page " counter(page) " of " counter(pages)'},
    "time": {"zh": "时间", "en": "time"},
    "model_textbook": {"zh": "本卷按教材的模型：连接释放时主动关闭方的第一个报文段写作 FIN=1, seq=u（不置 ACK），异常终止的复位报文段只置 RST=1。",
                       "en": "This paper follows the textbook's model: the active closer's first segment is written FIN=1, seq=u (ACK not set), and an abort's reset carries RST=1 only."},
    "model_linux": {"zh": "本卷按 RFC 9293 与 Linux 的模型：握手之后的每个报文段都置 ACK=1，包括第一个 FIN；Linux 异常终止时发出的复位报文段为 RST=1, ACK=1。",
                    "en": "This paper follows RFC 9293 and Linux: every segment after the handshake sets ACK=1, the first FIN included; the reset Linux sends when it aborts is RST=1, ACK=1."},
    "in_flight": {"zh": "（{a}）与（{b}）同时在途，两者交叉", "en": "({a}) and ({b}) are in flight at once: they cross"},
    # punctuation: full-width in Chinese, ASCII with its spaces in English
    "colon": {"zh": "：", "en": ": "},
    "gap": {"zh": "", "en": " "},                     # between a section's number and title
    "part_number": {"zh": "题号", "en": "Part"},
    "open_paren": {"zh": "（", "en": " ("},
    "close_paren": {"zh": "）", "en": ")"},
    # school layouts (docs/word-and-layouts.md): the paper's head and the binding strip
    "full_marks": {"zh": "满分", "en": "Full marks"},
    "exam_time": {"zh": "考试时间", "en": "Time allowed"},
    "marker": {"zh": "评卷人", "en": "Marker"},
    "college": {"zh": "学院", "en": "School"},
    "class": {"zh": "班级", "en": "Class"},
    "seal": {"zh": "密封线内不要答题", "en": "Do not write inside the binding line"},
    "seal_line": {"zh": "密　封　线", "en": "binding line"},
    "info_gap": {"zh": "　　", "en": "    "},       # between 满分 and 考试时间 in the head
    # terminal text
    "key_heading": {"zh": "答案：", "en": "key:"},
    # LMS exports
    "diagram": {"zh": "时序图", "en": "Ladder diagram"},
    "part": {"zh": "小题", "en": "Part"},
    # said in each question export.parts.split_parts makes: {label} is the part it asks for
    "only": {"en": "Answer {label} only.", "zh": "本题只答{label}。"},
    "only_blank": {"en": "Answer {label} only (the blank ____).", "zh": "本题只答{label}（____ 处）。"},
    "others": {"en": " The blanks in brackets are asked in other questions.",
               "zh": "方括号中的空在其他题中作答。"},
}

_BY_LANG = {lang: {key: forms[lang] for key, forms in WORDS.items()} for lang in LANGS}
_ZH_NUMERALS = "一二三四五六七八九十"


def word(key: str, lang: str) -> str:
    """``key`` in ``lang`` (English for a language quizgen does not write)."""
    forms = WORDS[key]
    return forms.get(lang, forms["en"])


def words(lang: str) -> dict[str, str]:
    """Every word in ``lang``, by key (for templates: ``words.total``)."""
    return _BY_LANG[lang]


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
    return word("points", lang).format(n=text)
