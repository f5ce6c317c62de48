"""Question banks: loading, validation, and turning an entry plus a seed into a question.

A bank is YAML::

    bank: seed-article                  # optional name (default: the file's stem)
    entries:
      - id: hs-2-fill
        type: fill                      # fill, state, choice, truefalse, ordering, compute, ladder
        topic: handshake
        tags: [seed]
        difficulty: 1                   # 1..3
        points: 3
        scenario: {preset: normal, params: {isn: [1000, 9999]}, options: {fin_has_ack: true}}
        ask: {segment: synack, fields: [SYN, ACK, seq, ack]}
        title: {zh: 第二次握手, en: Second handshake}
        prompt: {zh: "...", en: "..."}          # Jinja2, sandboxed
        explanation: {zh: "...", en: "..."}

Templates run in Jinja's immutable sandbox, bounded in work, size, depth and time
(``sandbox.py``), with StrictUndefined and HTML autoescaping. They read the trace and the
answers the question type took from it; they never compute or change an answer. What they
print passes the HTML allow-list (``quizgen.safehtml``).
Every problem is reported as one line naming the file, the line, the entry id and the field.
"""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import SecurityError

from quizgen import safehtml, seeds, yamlutil
from quizgen.errors import BankError, QuizgenError
from quizgen.files import read_text_input
from quizgen.i18n import LANGS
from quizgen.questions import landmarks as lm, markup, template_cache
from quizgen.questions.data import answer_text, check_question
from quizgen.questions.types import TYPES, GenerationError
from quizgen.questions.sandbox import BankEnvironment, render as _render
from quizgen.questions.names import spellings, state_label
from quizgen.resources import banks_dir
from quizgen.tcp import simulate
from quizgen.tcp.script import PRESET_PARAMS, PRESETS, parse_script, preset_script

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
ENTRY_KEYS = {"id", "type", "topic", "tags", "difficulty", "points", "scenario", "ask", "title",
              "prompt", "explanation"}
REQUIRED = ("id", "type", "topic", "scenario", "ask", "prompt", "explanation")


@dataclass
class BankEntry:
    id: str
    bank: str
    type: str
    topic: str
    tags: list[str]
    difficulty: int
    points: float
    scenario: dict[str, Any]
    ask: dict[str, Any]
    title: dict[str, str]
    source: str
    line: int | None
    path: str = ""                                   # where it stands in the file: entries[3]
    #: lang -> field (prompt, explanation) -> (template source, its first line in the file)
    sources: dict[str, dict[str, tuple[str, int | None]]] = field(default_factory=dict, repr=False)
    lines: dict[str, int | None] = field(default_factory=dict, repr=False)
    _compiled: dict[tuple[str, str], tuple[Any, int | None, frozenset[str]]] = field(
        default_factory=dict, repr=False)

    def template(self, lang: str, key: str) -> tuple[Any, int | None, frozenset[str]]:
        """The compiled template of ``key`` in ``lang``, its first line and the names it
        reads; compiled when first asked for (a command compiles only what it uses)."""
        found = self._compiled.get((lang, key))
        if found is None:
            text, text_line = self.sources[lang][key]
            found = self._compiled[(lang, key)] = _compile(self, lang, key, text, text_line)
        return found

    def error(self, message: str, sub: str = "") -> BankError:
        """A one-line error about this entry, at the line of ``sub`` (e.g. "ask.segment")."""
        line = yamlutil.nearest_line(self.lines, f"{self.path}.{sub}" if sub else self.path)
        return BankError(message, file=self.source, line=line,
                         field=f"{self.id}: {sub}" if sub else self.id)


# ---------------------------------------------------------------------- templates
_ENV: BankEnvironment | None = None


def template_env() -> BankEnvironment:
    """The sandbox every bank template runs in (read-only and bounded: see sandbox.py)."""
    global _ENV
    if _ENV is None:
        env = BankEnvironment(undefined=StrictUndefined, autoescape=True)
        env.globals.update(blank=markup.blank, describe=markup.describe, m=markup.MACROS)
        _ENV = env
    return _ENV


def _template_line(exc: BaseException) -> int | None:
    """The template line an exception was raised at (Jinja marks template frames)."""
    if isinstance(exc, TemplateSyntaxError):
        return exc.lineno
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


# ---------------------------------------------------------------------- loading
def load_bank(path: str | Path, *, check: bool = True,
              problems: list[BankError] | None = None) -> list[BankEntry]:
    """The entries of one bank file. With ``check`` (for any bank but the built-in ones, which
    the test suite checks), every template is compiled and every entry generated once per
    language now, so a mistake shows here; without, templates are compiled when first used
    (their mistakes are the same one-line errors, then). With ``problems``, an entry's error is
    added to it and the entry left out, so that every entry's problem is found in one go; a
    problem with the file as a whole is still raised."""
    path = Path(path)
    source = str(path)
    try:
        text = read_text_input(path, "bank")
    except QuizgenError as exc:
        raise BankError(exc.message, file=source, line=exc.line) from None
    try:
        doc, lines = yamlutil.load(text)
    except yamlutil.YamlSyntaxError as exc:
        raise BankError(str(exc), file=source, line=exc.line) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        raise BankError("a bank is a mapping with a list of 'entries'", file=source, line=lines.get(""))
    extra = set(doc) - {"bank", "entries"}
    if extra:
        key = sorted(extra)[0]
        raise BankError(f"unknown key {key!r} (expected bank, entries)", file=source, line=lines.get(key))
    name = doc.get("bank", path.stem)
    if not isinstance(name, str) or not name:
        raise BankError("bank must be a name", file=source, line=lines.get("bank"), field="bank")
    entries: list[BankEntry] = []
    seen: dict[str, int | None] = {}
    for i, raw in enumerate(doc["entries"]):
        try:
            entry = _entry(raw, f"entries[{i}]", name, source, lines)
            if entry.id in seen:
                raise entry.error(f"duplicate id (also on line {seen[entry.id]})", "id")
            seen[entry.id] = entry.line
            if check:                # a trial run per language finds what only shows at render
                for lang in LANGS:
                    generate_question(entry, 0, lang)
        except BankError as exc:
            if problems is None:
                raise
            problems.append(exc)
            continue
        entries.append(entry)
    return entries


def _entry(raw: Any, path: str, bank: str, source: str, lines: dict) -> BankEntry:
    line = lines.get(path)
    ident = raw.get("id") if isinstance(raw, dict) else None

    def err(message: str, sub: str = "") -> BankError:
        p = f"{path}.{sub}" if sub else path
        where = f"{ident}: {sub}" if (ident and sub) else (ident or sub or "entry")
        return BankError(message, file=source, line=yamlutil.nearest_line(lines, p), field=where)

    if not isinstance(raw, dict):
        raise err("an entry is a mapping with id, type, topic, scenario, ask, prompt, explanation")
    for key in raw:
        if key not in ENTRY_KEYS:
            raise err(f"unknown key (known: {', '.join(sorted(ENTRY_KEYS))})", str(key))
    for key in REQUIRED:
        if key not in raw:
            raise err(f"missing '{key}'")
    if not (isinstance(ident, str) and ident and all(c.isalnum() or c in "-_." for c in ident)):
        raise err("id must be letters, digits, '-', '_' or '.'", "id")
    if not isinstance(raw["type"], str) or raw["type"] not in TYPES:
        raise err(f"unknown type {raw['type']!r} (known: {', '.join(TYPES)})", "type")
    if not isinstance(raw["topic"], str) or not raw["topic"].strip() or _CONTROL.search(raw["topic"]):
        raise err("topic must be a word (e.g. handshake)", "topic")
    tags = raw.get("tags", [])
    if not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise err("tags must be a list of words", "tags")
    difficulty = raw.get("difficulty", 1)
    if isinstance(difficulty, bool) or difficulty not in (1, 2, 3):
        raise err("difficulty must be 1, 2 or 3", "difficulty")
    points = raw.get("points", 1)
    if not (isinstance(points, (int, float)) and not isinstance(points, bool) and 0 < points <= 100):
        raise err("points must be a number from 0 to 100", "points")
    entry = BankEntry(id=ident, bank=bank, type=raw["type"], topic=str(raw["topic"]), tags=tags,
                      difficulty=difficulty, points=points, scenario=raw["scenario"], ask=raw["ask"],
                      title={}, source=source, line=line, path=path, lines=lines)
    _check_scenario(entry, path, err)
    _check_ask(entry, err)
    for key in ("title", "prompt", "explanation"):
        value = raw.get(key)
        if key == "title" and value is None:
            entry.title = {lang: ident for lang in LANGS}
            continue
        if not isinstance(value, dict):
            raise err(f"{key} must give zh and en", key)
        for lang in LANGS:
            if lang not in value:
                raise err(f"missing language '{lang}'", f"{key}")
            if not isinstance(value[lang], str):
                raise err("must be text", f"{key}.{lang}")
        for lang in value:
            if lang not in LANGS:
                raise err(f"unknown language {lang!r} (zh, en)", f"{key}.{lang}")
            bad = _CONTROL.search(value[lang])
            if bad:
                raise err(f"control character U+{ord(bad.group()):04X} is not text",
                          f"{key}.{lang}")
        if key == "title":
            entry.title = {lang: value[lang] for lang in LANGS}
            continue
        for lang in LANGS:
            entry.sources.setdefault(lang, {})[key] = (value[lang],
                                                       lines.get(f"{path}.{key}.{lang}#text"))
    return entry


def _compile(entry: BankEntry, lang: str, key: str, text: str, text_line: int | None
             ) -> tuple[Any, int | None, frozenset[str]]:
    where = f"{entry.id}: {key}.{lang}"
    env = template_env()
    cached = template_cache.load(text)
    if cached is not None:
        code, names = cached
        return env.template_class.from_code(env, code, env.make_globals(None)), text_line, names
    try:
        tree = env.parse(text)
        names = frozenset(meta.find_undeclared_variables(tree))
        code = env.compile(tree)
        compiled = env.template_class.from_code(env, code, env.make_globals(None))
    except TemplateSyntaxError as exc:
        at = (text_line or 1) + (exc.lineno or 1) - 1
        raise BankError(f"template syntax error: {exc.message}", file=entry.source, line=at,
                        field=where) from None
    except (TemplateError, RecursionError, MemoryError) as exc:   # too long, too deep
        message = str(exc) if isinstance(exc, TemplateError) else "it nests too deep"
        raise BankError(f"template error: {message}", file=entry.source, line=text_line,
                        field=where) from None
    template_cache.store(text, code, names)
    return compiled, text_line, names


def _check_scenario(entry: BankEntry, path: str, err) -> None:
    sc = entry.scenario
    if not isinstance(sc, dict) or ("preset" in sc) == ("script" in sc):
        raise err("scenario gives either 'preset' (with optional params, options) or 'script'", "scenario")
    extra = set(sc) - {"preset", "params", "options", "script"}
    if extra:
        raise err(f"unknown key {sorted(extra)[0]!r}", "scenario")
    if "preset" in sc:
        if not isinstance(sc["preset"], str) or sc["preset"] not in PRESETS:
            raise err(f"unknown preset {sc['preset']!r} (known: {', '.join(sorted(PRESETS))})",
                      "scenario.preset")
        for key in ("params", "options"):
            if not isinstance(sc.get(key) or {}, dict):
                raise err(f"{key} must be a mapping (name: value)", f"scenario.{key}")
        for key, rng in (sc.get("params") or {}).items():
            if key not in PRESET_PARAMS:
                raise err(f"unknown parameter (known: {', '.join(PRESET_PARAMS)})", f"scenario.params.{key}")
    elif not isinstance(sc["script"], str):
        raise err("script is the text of a scenario script", "scenario.script")
    try:
        _scenario(entry, 0)
    except QuizgenError as exc:
        raise err(exc.message, "scenario") from None


#: The keys of ``ask`` each type takes (each type's module declares them; docs/banks.md says
#: what each means).
ASK_KEYS: dict[str, set[str]] = {name: set(module.ASK) for name, module in TYPES.items()}


def _check_ask(entry: BankEntry, err) -> None:
    ask, schema = entry.ask, TYPES[entry.type].ASK
    if not isinstance(ask, dict):
        raise err("ask must be a mapping", "ask")
    for key in ask:
        if key not in schema:
            raise err(f"unknown key for type {entry.type} (known: {', '.join(sorted(schema))})",
                      f"ask.{key}")
    for key, spec in schema.items():
        if key not in ask:
            if spec.needed(ask):
                raise err(f"missing '{key}' ({spec.what})", "ask")
        elif not spec.ok(ask[key], ask):
            raise err(f"must be {spec.what}", f"ask.{key}")


# ---------------------------------------------------------------------- generation
def _scenario(entry: BankEntry, seed: int):
    sc = entry.scenario
    if "preset" in sc:
        return preset_script(sc["preset"], seed=seed, params=sc.get("params"), options=sc.get("options"))
    return parse_script(sc["script"], source=f"{entry.source}:{entry.id}", seed=seed)


#: How many draws a question may take: a draw that gives a blank away (a number that happens
#: to equal a byte count) is drawn again with the next derived seed; an entry that gives a
#: blank away in every draw is a bank error.
DRAWS = 12


def generate_question(entry: BankEntry, seed: int, lang: str,
                      trace: dict[str, Any] | None = None) -> dict[str, Any]:
    """The question of ``entry`` for ``seed`` in ``lang``: plain, JSON-serialisable data.

    With ``trace`` (a captured connection, say), the question is asked of that trace instead
    of a simulation of the entry's scenario; see :func:`entries_for_trace`.

    A question never gives a blank away (:func:`given_away`): a draw that does is drawn
    again (see :data:`DRAWS`). Both languages of an entry print the same numbers, so they
    draw alike; :func:`check_entry` holds a bank to that.
    """
    return _generate(entry, seed, lang, trace)[0]


def _generate(entry: BankEntry, seed: int, lang: str, trace: dict[str, Any] | None = None
              ) -> tuple[dict[str, Any], list[str]]:
    """The question, and why each draw refused before it gave a blank away."""
    if lang not in LANGS:
        raise QuizgenError(f"unknown language {lang!r} (zh, en)", field="lang")
    templates = {key: entry.template(lang, key) for key in ("prompt", "explanation")}
    reads_states = any("states" in names for _, _, names in templates.values())
    refused: list[str] = []
    for draw in range(DRAWS):
        # the first draw is the one every seed always had: a question that gives nothing away
        # is the same as before this rule
        rng = random.Random(seeds.derive(entry.id, seed) if draw == 0 else
                            seeds.derive(entry.id, seed, "draw", draw))
        scenario_seed = rng.getrandbits(32)
        drawn = trace if trace is not None else simulate(_scenario(entry, scenario_seed)).to_dict()
        try:
            parts, extra, diagram = TYPES[entry.type].generate(entry, drawn, rng, lang)
        except GenerationError as exc:
            raise entry.error(f"seed {seed}: {exc}", "ask") from None
        for part in parts:
            part["answer_text"] = answer_text(part, lang)
        context = {**template_env().globals, **_context(drawn, lang, reads_states), **extra}
        context["answer"] = {p["id"]: _answer_of(p) for p in parts}
        context["part"] = {p["id"]: p for p in parts}
        prompt = _render_template(entry, "prompt", lang, templates["prompt"], context)
        reason = given_away(entry.title[lang], prompt, parts, diagram, drawn)
        if reason is None:
            break
        refused.append(reason)
    else:
        line = entry.lines.get(f"{entry.path}.prompt.{lang}#text") or entry.line
        raise BankError(f"seed {seed}: gives a blank away in every one of {DRAWS} draws: "
                        f"{refused[0]}", file=entry.source, line=line,
                        field=f"{entry.id}: prompt.{lang}") from None
    explanation = _render_template(entry, "explanation", lang, templates["explanation"], context)
    question = {
        "qid": f"{entry.id}@{seed}", "id": entry.id, "bank": entry.bank, "type": entry.type,
        "lang": lang, "title": entry.title[lang], "topic": entry.topic, "tags": list(entry.tags),
        "difficulty": entry.difficulty, "points": entry.points, "seed": seed,
        "prompt": prompt, "parts": parts, "explanation": explanation,
        "scenario": {"name": drawn["scenario"], "options": drawn["options"]},
        "trace": drawn, "diagram": diagram,
    }
    try:
        check_question(question)
    except QuizgenError as exc:        # e.g. blank("nope"): a marker for no part of the question
        text_line = templates["prompt"][1]
        raise BankError(f"seed {seed}: {exc.message}", file=entry.source,
                        line=text_line or entry.line, field=f"{entry.id}: prompt.{lang}") from None
    return question, refused


def _render_template(entry: BankEntry, key: str, lang: str, compiled, context: dict) -> str:
    template, text_line, _ = compiled
    try:
        return safehtml.clean(_join_cjk_lines(_render(template, context).strip()))
    except SecurityError as exc:
        what = ("template tries to reach Python internals" if "'__" in str(exc) else
                "template does what bank templates may not (they only read what they are "
                "given)")
        raise _render_error(entry, key, lang, text_line, exc, f"{what}: {exc}") from None
    except RecursionError as exc:
        raise _render_error(entry, key, lang, text_line, exc,
                            "template error: it calls itself too deep") from None
    except MemoryError as exc:
        raise _render_error(entry, key, lang, text_line, exc,
                            "template error: it needs too much memory") from None
    except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as exc:
        # a template mistake (undefined name, bad call, bad arithmetic): name the line
        message = " ".join(str(exc).split())
        raise _render_error(entry, key, lang, text_line, exc, f"template error: {message}") from None


# ---------------------------------------------------------------------- nothing given away
_TAG = re.compile(r"<[^>]*>")
_NUMBER = re.compile(r"(?<![0-9])[0-9]+(?![0-9])")


def _plain(fragment: str) -> str:
    return html.unescape(_TAG.sub(" ", markup.BLANK_RE.sub(" ", fragment)))


def _names_state(text: str, state: str) -> bool:
    """Whether ``text`` uses one of the names of ``state`` (RFC, Linux, Chinese)."""
    for name in spellings(state):
        if re.fullmatch(r"[A-Za-z0-9_ -]+", name):
            if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.I):
                return True
        elif re.search(rf"{re.escape(name)}(?![12 ]|等待)", text):   # Chinese: no word breaks
            return True
    return False


def given_away(title: str, prompt: str, parts: list[dict], diagram: dict | None,
               trace: dict) -> str | None:
    """What gives one of the question's answers away, or None. A blank's answer must not be
    printed anywhere else the student sees: the title, the prompt (its text, its segment rows),
    another part (its label, a choice, an item), a label of the diagram. A flag is given away
    by drawing or printing its segment whole; a state by naming it in the prompt; a segment
    to choose by printing it. (A number of one digit is everywhere: it counts only on the
    diagram.)"""
    segs = trace["segments"]
    shown: dict[tuple[int, str], int] = {}
    drawn_flags: set[int] = set()
    if diagram:
        hidden = {(b["segment"], b["field"]) for b in diagram.get("blanks", ())}
        for n in diagram["segments"]:
            s = segs[n - 1]
            for f in ("seq", "ack", "len"):
                if s[f] is not None and (f != "len" or s[f]) and (n, f) not in hidden:
                    shown[(n, f)] = s[f]
            if (n, "flags") not in hidden:
                drawn_flags.add(n)
    own = {b["part"]: (b["segment"], b["field"]) for b in (diagram or {}).get("blanks", ())
           if b.get("part")}
    head = f"{title}\n{_plain(prompt)}"
    for part in parts:
        others = [head] + [t for p in parts if p is not part for t in
                           [p.get("label") or ""] + [_plain(c["text"]) for c in p.get("choices", ())]
                           + [_plain(i["text"]) for i in p.get("items", ())]]
        text = "\n".join(others)
        kind, answer, pid = part["kind"], part.get("answer"), part["id"]
        if kind == "number" and isinstance(answer, int):
            if answer >= 10 and any(int(n) == answer for n in _NUMBER.findall(text)):
                return f"blank {pid!r} = {answer} is printed in the question"
            at = next((k for k, v in shown.items() if v == answer and k != own.get(pid)), None)
            if at:
                return f"blank {pid!r} = {answer} is drawn on the diagram at #{at[0]} {at[1]}"
        elif kind == "bit":
            n = part["source"]["segment"]
            if n in drawn_flags:
                return f"blank {pid!r}: the diagram draws segment {n}'s flags"
            if markup.describe(segs[n - 1]) in text:
                return f"blank {pid!r}: the question prints segment {n} whole"
        elif kind == "text":
            if _names_state(text, str(answer)):
                return f"blank {pid!r}: the question names the state {answer}"
        elif kind == "choice" and "who" in part["source"]:
            right = next(c for c in part["choices"] if c["correct"])
            state = _plain(right["text"]).rsplit("（", 1)[-1].rstrip("）")
            if _names_state(head, state):
                return f"the prompt names the right state, {state}"
        elif kind == "choice" and "segment" in part["source"]:
            if markup.describe(segs[part["source"]["segment"] - 1]) in head:
                return "the prompt prints the right segment"
    return None


#: The seeds ``quizgen banks check`` renders every entry with, in both languages: a template
#: that fails only for some values (an odd x, a wrapped sequence number) fails here, not later
#: in a drill or an export.
CHECK_SEEDS = range(32)


def check_entry(entry: BankEntry, seeds: Iterable[int] = CHECK_SEEDS) -> list[str]:
    """Render ``entry`` for every seed in both languages (a failure raises its BankError, and
    so does a blank given away in every draw) and return warnings: an entry whose first draw
    gives a blank away for more than a quarter of the seeds (each is drawn again, but the
    ranges or the blanks are likely wrong)."""
    seeds = list(seeds)
    redrawn: list[tuple[int, str]] = []
    for seed in seeds:
        drawn = {lang: _generate(entry, seed, lang) for lang in LANGS}
        (zh, zh_refused), (en, en_refused) = drawn["zh"], drawn["en"]
        if zh["trace"] != en["trace"] or len(zh_refused) != len(en_refused):
            lang = "zh" if len(zh_refused) > len(en_refused) else "en"
            why = (zh_refused + en_refused)[0]
            line = entry.lines.get(f"{entry.path}.prompt.{lang}#text") or entry.line
            raise BankError(f"seed {seed}: gives a blank away in one language only ({why}): "
                            "the two languages must print the same numbers", file=entry.source,
                            line=line, field=f"{entry.id}: prompt.{lang}")
        if zh_refused:
            redrawn.append((seed, zh_refused[0]))
    if len(redrawn) * 4 > len(seeds):
        seed, why = redrawn[0]
        line = entry.lines.get(f"{entry.path}.prompt.{LANGS[0]}#text") or entry.line
        return [f"{entry.source}:{line}: {entry.id}: {len(redrawn)} of {len(seeds)} seeds give a "
                f"blank away in their first draw and are drawn again (seed {seed}: {why}); "
                f"narrow the ranges or blank something else"]
    return []


#: A line break between two Chinese characters (or full-width punctuation): a template's YAML
#: wraps long lines, and HTML would show each break as a space (确认 和自己).
_CJK_BREAK = re.compile("(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])\n[ \t]*"
                        "(?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])")


def _join_cjk_lines(text: str) -> str:
    return _CJK_BREAK.sub("", text)


def _answer_of(part: dict) -> Any:
    """A part's answer as an explanation shows it: the value (a number stays a number), or
    for a choice the right choice's text (its ``answer_text``)."""
    return part["answer_text"] if part["kind"] == "choice" else part["answer"]


def _render_error(entry, key, lang, text_line, exc, message) -> BankError:
    at = _template_line(exc)
    line = (text_line + at - 1) if (text_line and at) else (text_line or entry.line)
    return BankError(message, file=entry.source, line=line, field=f"{entry.id}: {key}.{lang}")


# state(name) in a template: the state's name in the question's language
_STATE = {"zh": lambda s: state_label(s, "zh"), "en": lambda s: state_label(s, "en")}


def _context(trace: dict, lang: str, states: bool) -> dict[str, Any]:
    """What templates may read: the trace's values and segments (see landmarks.template_view;
    ``states`` only for the templates that use it), the language, and state(name) to name a
    state in it."""
    context = lm.template_view(trace, states)
    context["lang"] = lang
    context["state"] = _STATE[lang]
    return context


def _shape(steps: list[dict[str, str]]) -> list[tuple[str, str]]:
    """A scenario's steps without their numbers: who did what, in order."""
    return [(who, str(what).split()[0]) for step in steps for who, what in step.items()]


#: Options that change a scenario's story, not only its model: an entry whose scenario says
#: otherwise than the capture (where the capture shows it) tells another connection's story
#: (a probe of a listening port asked as one of a closed port, data on the handshake's third
#: segment that the capture does not carry, a TIME-WAIT the closer did not have).
STORY_OPTIONS = ("listen", "piggyback", "time_wait", "syn_cookies")


def entries_for_trace(entries: list[BankEntry], trace: dict[str, Any]) -> list[BankEntry]:
    """The entries that can be asked of ``trace`` (a captured connection): those whose scenario
    has the same steps (who connects, sends, closes, loses what, in which order: so a prompt's
    story is this connection's story), whose story options (STORY_OPTIONS) agree with what the
    capture shows, and whose segments, values and states it has.

    An entry is left out when its question cannot be made of this trace: its type finds a
    segment, value or state missing (a capture stopped before the last ACK has no fin2_ack),
    the question breaks the question-data contract (two landmarks that are one captured
    segment), or the type fails on a trace unlike any simulation. A capture is untrusted input:
    whatever it holds, the entry is refused here rather than a run failing later."""
    fit, shape = [], _shape(trace.get("steps") or [])
    stated = trace.get("options") or {}
    for entry in entries:
        script = _scenario(entry, 0)
        if _shape([s.as_dict() for s in script.steps]) != shape:
            continue
        if any(stated.get(name) is not None and getattr(script.options, name) != stated[name]
               for name in STORY_OPTIONS):
            continue                  # the same calls, another story (a closed port, ...)
        try:
            for lang in LANGS:
                generate_question(entry, 0, lang, trace=trace)
        except (QuizgenError, ArithmeticError, LookupError, TypeError, ValueError,
                AttributeError, StopIteration):
            continue
        fit.append(entry)
    return fit


# ---------------------------------------------------------------------- the built-in banks
def builtin_bank_paths() -> list[Path]:
    return sorted(banks_dir().glob("*.yaml"))


def bank_files(path: str | Path) -> list[Path]:
    """The bank files a path names: the file itself, or a folder's *.yaml and *.yml files."""
    p = Path(path)
    if not p.is_dir():
        return [p]
    files = sorted([*p.glob("*.yaml"), *p.glob("*.yml")])
    if not files:
        raise BankError("no bank files (*.yaml, *.yml) in this folder", file=str(p))
    return files


_CACHE: dict[tuple[str, ...], list[BankEntry]] = {}


def load_banks(paths: list[str | Path] | None = None) -> list[BankEntry]:
    """Entries of the given bank files or folders (default: the built-in banks), validated."""
    files: dict[str, Path] = {}                  # a file named twice is read once
    for p in (paths or builtin_bank_paths()):
        for f in bank_files(p):
            files.setdefault(str(f.resolve()), f)
    key = tuple(files)
    if key not in _CACHE:
        entries: list[BankEntry] = []
        where: dict[str, str] = {}
        builtin = {str(p.resolve()) for p in builtin_bank_paths()}
        for resolved, f in files.items():
            for e in load_bank(f, check=resolved not in builtin):
                if e.id in where:
                    raise e.error(f"id also used in {where[e.id]}", "")
                where[e.id] = f"{e.source}:{e.line}"
                entries.append(e)
        _CACHE[key] = entries
    return _CACHE[key]


def find_entry(entry_id: str, entries: list[BankEntry] | None = None) -> BankEntry:
    entries = load_banks() if entries is None else entries
    for e in entries:
        if e.id == entry_id:
            return e
    raise QuizgenError(f"no question with id {entry_id!r} (see 'quizgen banks list')", field="id")

