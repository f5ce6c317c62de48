"""The options table (quizgen.tcp.options) is the one place options are defined: the defaults,
the checks, the trace's ``options`` and the README's example all agree with it."""

import re
from pathlib import Path

import pytest
import yaml

from quizgen.errors import ScriptError
from quizgen.tcp import parse_script, simulate
from quizgen.tcp.options import TABLE, Options

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_option_has_its_allowed_values_and_meaning_and_a_default_it_accepts():
    assert list(TABLE) == [f for f in Options.__dataclass_fields__]
    for f in TABLE.values():
        assert f.metadata["allowed"] and f.metadata["meaning"], f.name
        assert f.metadata["accepts"](f.default), f.name


def test_a_trace_lists_every_option_in_table_order_with_the_defaults_filled_in():
    t = simulate(parse_script("options: {mss: 536}\nsteps: [{A: connect}, {A: close}, {B: close}]"))
    assert list(t.options) == list(TABLE)
    assert t.options == {**{name: f.default for name, f in TABLE.items()}, "mss": 536}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_a_value_the_table_does_not_allow_is_refused_with_what_it_allows(name):
    with pytest.raises(ScriptError) as info:
        parse_script(f"options: {{{name}: [1]}}\nsteps: [{{A: connect}}]")
    assert info.value.field == f"options.{name}"
    assert info.value.message == f"[1] is not allowed; use {TABLE[name].metadata['allowed']}"


def test_an_unknown_option_is_refused_naming_the_known_ones():
    with pytest.raises(ScriptError) as info:
        parse_script("options: {nagle: true}\nsteps: [{A: connect}]")
    assert info.value.field == "options.nagle"
    assert info.value.message == f"unknown option (known: {', '.join(TABLE)})"


def test_the_readme_example_gives_every_option_with_its_default():
    block = re.search(r"A scenario script:\n\n```yaml\n(.*?)```", README.read_text(), re.S)
    assert block, "the README's scenario script example is gone"
    options = yaml.safe_load(block.group(1))["options"]
    assert options == {name: f.default for name, f in TABLE.items()}
