"""What bank templates may read: the trace's values, segments, states and events."""

from __future__ import annotations

import pytest

from quizgen.questions.bank import generate_question, load_bank
from quizgen.tcp import preset_script, simulate

BANK = """\
bank: reading
entries:
  - id: r1
    type: fill
    topic: teardown
    scenario: {preset: normal}
    ask: {segment: fin1, fields: [FIN]}      # not seq: the prompt prints u
    prompt:
      zh: "<p>{{ x }} {{ y }} {{ u }} {{ v }} {{ w }} {{ segments|length }} {{ events|length }}</p>"
      en: "<p>{% for s in segments %}{{ s.n }}:{{ states[s.n].A }}/{{ states[s.n].B }};{% endfor %}</p>"
    explanation:
      zh: "<p>{% for e in events %}{{ e.who }} {{ e.to }};{% endfor %}</p>"
      en: "<p>{{ state(states[seg.fin1.n].A) }}</p>"
"""


def test_templates_read_values_segments_states_and_events(tmp_path):
    path = tmp_path / "reading.yaml"
    path.write_text(BANK, encoding="utf-8")
    entry, = load_bank(path)
    assert "states" in entry.template("en", "prompt")[2]
    zh, en = generate_question(entry, 5, "zh"), generate_question(entry, 5, "en")
    trace = zh["trace"]
    v = trace["values"]
    assert zh["prompt"] == (f"<p>{v['x']} {v['y']} {v['u']} {v['v']} {v['w']} "
                            f"{len(trace['segments'])} {len(trace['events'])}</p>")
    assert zh["explanation"] == "<p>" + "".join(f"{e['who']} {e['to']};" for e in trace["events"]) + "</p>"
    # the states at each send, as the simulator's own Trace reports them
    same = simulate(preset_script("normal", seed=trace["seed"]))
    after = same.states_after()
    assert en["prompt"] == "<p>" + "".join(f"{s['n']}:{a['A']}/{a['B']};"
                                           for s, a in zip(trace["segments"], after)) + "</p>"
    # sending the first FIN puts A in FIN-WAIT-1 (the seed article's first wave)
    assert en["explanation"] == "<p>FIN-WAIT-1</p>"


def test_states_are_computed_only_for_templates_that_read_them(tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text(BANK.replace("states[s.n].A", "s.seq").replace("states[s.n].B", "s.ack")
                    .replace("state(states[seg.fin1.n].A)", "x"), encoding="utf-8")
    entry, = load_bank(path)
    assert all("states" not in entry.template(lang, key)[2] for lang in ("zh", "en")
               for key in ("prompt", "explanation"))
    assert generate_question(entry, 5, "en")["prompt"].startswith("<p>1:")


def test_builtin_templates_do_no_arithmetic():
    """The rule of correctness: answers come from the question types' code, templates only
    show values. No built-in template adds, subtracts, multiplies or divides anything."""
    import yaml
    from jinja2 import nodes

    from quizgen.questions.bank import builtin_bank_paths, template_env

    arithmetic = (nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow)
    checked = 0
    for path in builtin_bank_paths():
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            for key in ("prompt", "explanation"):
                for lang, source in entry[key].items():
                    found = list(template_env().parse(source).find_all(arithmetic))
                    assert not found, f"{path.name} {entry['id']} {key}.{lang} computes: {found}"
                    checked += 1
    assert checked >= 4 * 40


def test_built_in_banks_compile_templates_only_when_used_and_user_banks_at_load(tmp_path):
    """quizgen question compiles the two templates it renders, not all 340 (start-up); a
    user's bank is still checked whole when it loads."""
    from quizgen.errors import BankError
    from quizgen.questions import bank

    bank._CACHE.clear()                      # as a fresh process has it
    entries = bank.load_banks()
    find_entry = bank.find_entry
    assert not any(e._compiled for e in entries)
    entry = find_entry("hs-2-fill", entries)
    generate_question(entry, 1, "zh")
    assert set(entry._compiled) == {("zh", "prompt"), ("zh", "explanation")}
    assert sum(len(e._compiled) for e in entries) == 2
    path = tmp_path / "broken.yaml"
    path.write_text(BANK.replace("{{ x }}", "{{ x }"), encoding="utf-8")
    with pytest.raises(BankError, match="template syntax error"):
        load_bank(path)


def test_a_line_break_inside_chinese_text_is_no_space():
    """YAML wraps long Chinese lines; HTML would show each break as a space (确认 和自己)."""
    import re

    from quizgen.questions import load_banks

    cjk = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
    broken = re.compile(f"[{cjk}]\\s*\\n\\s*[{cjk}]")
    wrapped = 0
    for entry in load_banks():
        text, _ = entry.sources["zh"]["prompt"]
        wrapped += bool(broken.search(text))
        q = generate_question(entry, 2, "zh")
        assert not broken.search(q["prompt"]) and not broken.search(q["explanation"]), entry.id
    assert wrapped > 10          # the banks do wrap Chinese lines: the check means something
