"""The fixed words of the drills (terminal, HTML pack, web app) in both languages."""

from __future__ import annotations

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        # hints for input that is no answer (the student is asked again)
        "hint_number": "type a whole number: decimal (1000) or hex (0x3E8)",
        "hint_number_range": "a sequence or acknowledgement number is from 0 to 4294967295",
        "hint_bit": "type 0 or 1",
        "hint_state": "type a state name, e.g. FIN-WAIT-2, fin_wait_2 or 终止等待2",
        "hint_text": "type an answer",
        "hint_truefalse": "type y or n (also t/f, true/false, 对/错)",
        "hint_choice": "type one letter ({range})",
        "hint_choices": "type every right letter ({range}), e.g. AC",
        "hint_order": "type all {n} numbers ({range}) once each, in order, e.g. 3 1 2",
        "true": "True",
        "false": "False",
        # the terminal
        "banner": "TCP drill: {count} problems to draw from. Ctrl-D or Ctrl-C ends it.",
        "replay": "seed {seed} (replay with --seed {seed})",
        "problem": "Problem {n}",
        "ask_choice": "choose one ({range})",
        "ask_choices": "choose all that apply ({range})",
        "ask_order": "type the numbers in order ({range}), e.g. 3 1 2",
        "ask_truefalse": "true or false (y/n)",
        "ask_bit": "0 or 1",
        "ask_state": "state",
        "right": "right",
        "wrong": "wrong",
        "answer_is": "answer: {answer}",
        "explanation": "Explanation",
        "diagram": "Ladder diagram",
        "score": "score {right}/{answered} · streak {streak} (best {best})",
        "terminal_score": "score {points}/{possible} pts · {right} of {answered} right · "
                          "streak {streak} (best {best})",
        "summary": "{points} of {possible} points: {answered} answered, {right} right, best "
                   "streak {best}.",
        "summary_skipped": "{skipped} skipped.",
        "summary_none": "No problem answered.",
        "skipped": "skipped",
        "commands": "(:s skips a problem, :q quits)",
        # the HTML pack and the web app
        "title": "TCP drill",
        "check": "Check",
        "next": "Next problem",
        "score_label": "Score",
        "parts_label": "parts",
        "choose": "choose…",
        "position": "No. {n}",
        "your_answer": "your answer",
        "needs_js": "This page needs JavaScript to check answers.",
        "self_study": "Self-study page: the answers are in this file, and anyone can read "
                      "them (a few lines of script print them all). Use it to practise, not "
                      "for exams or marks.",
        "points": "{n} pt",
        "checked": "Checked: {right} of {total} problems right.",
        "error": "Error",
        "fix_fields": "Some answers could not be read; see the hints below.",
        "new_problem": "Get a new problem",
    },
    "zh": {
        "hint_number": "请输入整数：十进制（1000）或十六进制（0x3E8）",
        "hint_number_range": "序号和确认号在 0 到 4294967295 之间",
        "hint_bit": "请输入 0 或 1",
        "hint_state": "请输入状态名，如 FIN-WAIT-2、fin_wait_2 或 终止等待2",
        "hint_text": "请输入答案",
        "hint_truefalse": "请输入 对 或 错（也可以 y/n、t/f）",
        "hint_choice": "请输入一个字母（{range}）",
        "hint_choices": "请输入所有正确选项的字母（{range}），如 AC",
        "hint_order": "请按顺序输入全部 {n} 个序号（{range}），每个一次，如 3 1 2",
        "true": "正确",
        "false": "错误",
        "banner": "TCP 练习：共 {count} 道题可抽。按 Ctrl-D 或 Ctrl-C 结束。",
        "replay": "种子 {seed}（用 --seed {seed} 可重放）",
        "problem": "第 {n} 题",
        "ask_choice": "单选（{range}）",
        "ask_choices": "多选（{range}）",
        "ask_order": "按顺序输入序号（{range}），如 3 1 2",
        "ask_truefalse": "对还是错（y/n）",
        "ask_bit": "0 或 1",
        "ask_state": "状态",
        "right": "正确",
        "wrong": "错误",
        "answer_is": "答案：{answer}",
        "explanation": "解析",
        "diagram": "时序图",
        "score": "得分 {right}/{answered} · 连对 {streak}（最多 {best}）",
        "terminal_score": "得分 {points}/{possible} 分 · 答对 {right}/{answered} 题 · 连对 {streak}（最多 {best}）",
        "summary": "得分 {points}/{possible} 分：共答 {answered} 题，答对 {right} 题，最多连对 {best} 题。",
        "summary_skipped": "跳过 {skipped} 题。",
        "summary_none": "没有答题。",
        "skipped": "已跳过",
        "commands": "（:s 跳过本题，:q 退出）",
        "title": "TCP 练习",
        "check": "检查",
        "next": "下一题",
        "score_label": "得分",
        "parts_label": "小题",
        "choose": "请选择…",
        "position": "第 {n} 个",
        "your_answer": "你的答案",
        "needs_js": "本页需要 JavaScript 才能检查答案。",
        "self_study": "自学练习页：答案就在本文件里，任何人都能读出（几行脚本就能全部打印出来）。"
                      "只供练习，不能用于考试或评分。",
        "points": "{n} 分",
        "checked": "已检查：{total} 题中答对 {right} 题。",
        "error": "错误",
        "fix_fields": "有些答案无法识别，请看下面的提示。",
        "new_problem": "换一道新题",
    },
}


def word(key: str, lang: str) -> str:
    """A fixed word in ``lang`` (English for an unknown language)."""
    return _WORDS.get(lang, _WORDS["en"])[key]


def words(lang: str) -> dict[str, str]:
    return dict(_WORDS.get(lang, _WORDS["en"]))


#: The web app's error messages (English, as the code raises them) in Chinese.
_ERRORS_ZH: dict[str, str] = {
    "this problem was already answered; get a new one": "这道题已经答过了，请换一道新题。",
    "this problem has expired; get a new one": "这道题已经过期，请换一道新题。",
    "this problem is too old to answer now (the server has answered too many since); get a new one":
        "这道题太早了，现在不能再答（服务器此后已批改了太多题），请换一道新题。",
    "the question banks fail to make a problem ({failure}); the teacher can run 'quizgen banks "
    "check' on them": "题库出不了题（{failure}）；请老师用 quizgen banks check 检查题库。",
    "missing or oversized problem token": "缺少题目令牌，或令牌过长。",
    "invalid problem token (altered, or issued by another server)":
        "题目令牌无效（被改动过，或来自另一台服务器）。",
    "malformed problem token": "题目令牌格式不对。",
    "unknown problem {entry!r} (not in this server's banks)": "未知的题目 {entry!r}（不在本服务器的题库中）。",
    "the server has restarted since this problem was drawn; get a new one":
        "出这道题之后服务器重启过，请换一道新题。",
    "this problem cannot be made again ({error}); get a new one":
        "这道题无法重新生成（{error}），请换一道新题。",
    "difficulty must be 1, 2 or 3": "难度只能是 1、2 或 3。",
    "unknown language {lang!r} (zh, en)": "未知的语言 {lang!r}（zh 或 en）。",
    "answer {name!r} is too long": "答案 {name!r} 太长。",
    "too many values for {name!r}": "{name!r} 的取值太多。",
    "answers are sent as a form (application/x-www-form-urlencoded)":
        "答案应以表单提交（application/x-www-form-urlencoded）。",
    "no such page: GET / for a problem, POST /check for its answers":
        "没有这个页面：GET / 取一道题，POST /check 提交答案。",
    "wrong method: GET / for a problem, POST /check for its answers":
        "请求方法不对：GET / 取一道题，POST /check 提交答案。",
    "the request is too large (at most {kib} KiB)": "请求太大（最多 {kib} KiB）。",
}
_STATUS_ZH = {400: "请求有误", 404: "找不到", 405: "方法不对", 409: "已经答过", 410: "已经失效",
              413: "请求太大", 415: "格式不对", 422: "答案无法识别", 500: "服务器出错",
              503: "暂时无法出题"}


def error_text(template: str, lang: str, /, **args: object) -> str:
    """An error message of the web app in ``lang``."""
    if lang == "zh":
        template = _ERRORS_ZH.get(template, template)
    return template.format(**args)


def status_name(code: int, english: str, lang: str) -> str:
    return _STATUS_ZH.get(code, english) if lang == "zh" else english
