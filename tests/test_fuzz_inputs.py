"""Fuzzing the readers of banks and paper specs (hypothesis): a document with any value of any
type in any place, or bytes mangled, is read or refused with a one-line QuizgenError, never
another exception. (Scripts and captures have their fuzzers in tests/tcp and tests/capture.)"""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from quizgen.errors import QuizgenError
from quizgen.paper import parse_spec
from quizgen.questions.bank import load_bank

ENTRY = {"id": "q1", "type": "fill", "topic": "handshake", "difficulty": 1, "points": 2,
         "tags": ["a"], "title": {"zh": "题", "en": "Q"},
         "scenario": {"preset": "normal", "params": {"isn": [1000, 2000]},
                      "options": {"fin_has_ack": True}},
         "ask": {"segment": "synack", "fields": ["seq", "ack"]},
         "prompt": {"zh": "{{ m.segment_row(asked, blanks) }}", "en": "{{ x }}"},
         "explanation": {"zh": "<p>{{ y }}</p>", "en": "x"}}
SPEC = {"title": "T", "lang": "zh", "seed": 3, "versions": 2, "paper_size": "A4",
        "shuffle_choices": True, "instructions": "x",
        "sections": [{"title": "S", "topic": "handshake", "count": 2, "points": 3}]}

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
                    st.sampled_from(["synack", "fill", "normal", "{{ x }}", "{% for %}",
                                     "zh", "en", "seq", "-1", "1e9", "\t", "<script>"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6)


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, prefix + (i,))


def _replace(doc, path, value):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(doc, dict):
        return {**doc, head: _replace(doc[head], rest, value)}
    copy = list(doc)
    copy[head] = _replace(copy[head], rest, value)
    return copy


def mutated(base):
    paths = list(_paths(base))
    return st.tuples(st.sampled_from(paths), values).map(lambda pv: _replace(base, *pv))


FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                      HealthCheck.function_scoped_fixture])


@FUZZ
@given(entry=mutated(ENTRY))
def test_any_value_anywhere_in_a_bank(tmp_path, entry):
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump({"entries": [entry]}, allow_unicode=True), encoding="utf-8")
    try:
        load_bank(path)
    except QuizgenError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))


@FUZZ
@given(spec=mutated(SPEC))
def test_any_value_anywhere_in_a_spec(spec):
    try:
        parse_spec(yaml.safe_dump(spec, allow_unicode=True), "s.yaml")
    except QuizgenError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("s.yaml")


@FUZZ
@given(data=st.binary(max_size=300), cut=st.integers(0, 400))
def test_mangled_bytes(tmp_path, data, cut):
    good = yaml.safe_dump({"entries": [ENTRY]}, allow_unicode=True).encode("utf-8")
    path = tmp_path / "b.yaml"
    path.write_bytes(good[:cut] + data + good[cut:])
    try:
        load_bank(path)
    except QuizgenError as exc:
        assert "\n" not in str(exc)
    try:
        parse_spec((good[:cut] + data).decode("utf-8", "replace"), "s.yaml")
    except QuizgenError as exc:
        assert "\n" not in str(exc)
