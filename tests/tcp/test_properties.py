"""Properties of every run: presets over many seeds, and random scripts drawn by hypothesis."""

import pytest
import yaml
from hypothesis import given, strategies as st

from quizgen.tcp import MOD, PRESETS, parse_script, preset_script, simulate
from tests.tcp.checks import check_trace_rules

#: a port scan's SYN,ACK is answered by RST, never acknowledged, as an abort's data may not be
ABORTING = {"abort", "refused", "port_scan_open", "port_scan_closed", "port_scan_filtered"}


@pytest.mark.parametrize("name", sorted(PRESETS))
@given(seed=st.integers(0, 2**63))
def test_every_preset_obeys_the_rules(name, seed):
    t = simulate(preset_script(name, seed=seed))
    check_trace_rules(t, aborted=name in ABORTING)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_same_seed_same_trace(name):
    assert simulate(preset_script(name, seed=42)).to_json() == simulate(preset_script(name, seed=42)).to_json()


def test_wraparound_preset_crosses_2_32():
    for seed in range(50):
        t = simulate(preset_script("wraparound", seed=seed))
        assert t.values["x"] >= MOD - 8
        assert t.values["u"] < t.values["x"]          # A's sequence numbers wrapped past 0


# --------------------------------------------------------------------- random scripts
@st.composite
def scripts(draw):
    steps = [{"both": "connect"}] if draw(st.integers(0, 3)) == 0 else [{"A": "connect"}]
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.integers(0, 3)) == 0:
            steps.append({"lose": draw(st.sampled_from(["A->B", "B->A"]))})
        steps.append({draw(st.sampled_from("AB")): f"send {draw(st.integers(1, 4000))}"})
    ending = draw(st.sampled_from(["normal", "server", "half", "both", "abort"]))
    lose = draw(st.sampled_from([None, "A->B", "B->A"]))
    if lose and ending != "abort":   # a lost RST leaves the peer half-open, in real TCP too
        steps.append({"lose": lose})
    if ending == "normal":
        steps += [{"A": "close"}, {"B": "close"}]
    elif ending == "server":
        steps += [{"B": "close"}, {"A": "close"}]
    elif ending == "half":
        steps += [{"A": "close"}, {"B": f"send {draw(st.integers(1, 3000))}"}, {"B": "close"}]
    elif ending == "both":
        steps += [{"both": "close"}]
    else:
        steps += [{draw(st.sampled_from("AB")): "abort"}]
    merge = ending in ("normal", "server") and draw(st.booleans())
    if merge:   # with merge the peer closes by itself
        steps.pop()
    options = {"fin_ack": "merge" if merge else "separate",
               "fin_has_ack": draw(st.booleans()), "rst_ack": draw(st.booleans()),
               "mss": draw(st.sampled_from([536, 1460])), "msl": draw(st.integers(1, 300))}
    isn = {"A": draw(st.integers(0, MOD - 1)), "B": draw(st.integers(0, MOD - 1))}
    return {"isn": isn, "options": options, "steps": steps}, ending == "abort"


@given(scripts())
def test_random_scripts_obey_the_rules(case):
    doc, aborted = case
    t = simulate(parse_script(yaml.safe_dump(doc)))
    check_trace_rules(t, aborted=aborted)
