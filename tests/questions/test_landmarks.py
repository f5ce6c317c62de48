"""The named segments agree with the textbook values of every preset, over many seeds."""

import pytest

from quizgen.questions import landmarks as lm
from quizgen.tcp import PRESETS, preset_script, simulate

MOD = 1 << 32


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_landmarks_match_values(name):
    for seed in range(60):
        t = simulate(preset_script(name, seed=seed)).to_dict()
        v, marks = t["values"], lm.find_landmarks(t)
        if v["x"] is not None and marks["syn"]:
            assert marks["syn"]["seq"] == v["x"]
        if marks["synack"] and name != "simultaneous_open":
            assert marks["synack"]["seq"] == v["y"] and marks["synack"]["ack"] == (v["x"] + 1) % MOD
        if marks["hs3"]:
            assert marks["hs3"]["ack"] == (v["y"] + 1) % MOD and marks["hs3"]["from"] == "A"
        if v["u"] is not None:
            assert marks["fin1"]["seq"] == v["u"] and marks["fin1"]["from"] == v["closer"]
        if v["v"] is not None:
            ack = marks["fin1_ack"]
            # a FIN's ACK acknowledges its data and the FIN (fin_with_data: len > 0)
            assert (ack["seq"], ack["ack"]) == (v["v"], (v["u"] + marks["fin1"]["len"] + 1) % MOD)
            assert ack["len"] == 0 or "FIN" in ack["flags"], "the ACK of the FIN, not later data"
        if v["w"] is not None:
            assert marks["fin2"]["seq"] == v["w"]
            assert marks["fin2_ack"]["ack"] == (v["w"] + marks["fin2"]["len"] + 1) % MOD
        if marks["lost"] and marks["lost"].get("probe"):   # a scanner's raw SYN is not resent
            assert marks["retx"] is None and len(t["segments"]) == 1
        elif marks["lost"] and t["options"]["time_wait"]:
            assert marks["retx"] is not None and marks["retx"]["n"] > marks["lost"]["n"]
        elif marks["lost"]:     # no_time_wait: the lost last ACK is answered, by RST, not sent again
            assert marks["retx"] is None and marks["rst"]["from"] == marks["lost"]["from"]
