"""TIME-WAIT in time: it ends when its 2 MSL are over even while other timers run (it does
not hold the steps, but it fires in order), and without it (time_wait: false) a FIN sent again
meets no connection and is answered by RST, as RFC 9293 3.10.7.1 says a CLOSED end answers."""

from quizgen.tcp import parse_script, preset_script, simulate


def _run(text):
    t = simulate(parse_script(text)).to_dict()
    return t["segments"], t["events"]


HEAD = "isn: {A: 1000, B: 5000}\noptions: {msl: 1}\nsteps:\n  - A: connect\n  - A: close\n"


def test_time_wait_ends_on_time_while_the_peer_retransmits():
    """A's ACKs of B's FIN are lost three times; B's retransmission timer doubles (1, 2, 4 s)
    while A's TIME-WAIT (2 s, restarted by each FIN) runs out first: B's fourth FIN finds A
    CLOSED and gets a RST."""
    segs, events = _run(HEAD + "  - lose: A->B\n  - lose: A->B\n  - lose: A->B\n  - B: close\n")
    fins = [s for s in segs if s["from"] == "B" and "FIN" in s["flags"]]
    assert len(fins) == 4
    closed = next(e["time"] for e in events if e["who"] == "A" and e["to"] == "CLOSED")
    assert fins[2]["time"] < closed < fins[3]["time"]
    last = segs[-1]
    assert (last["from"], last["flags"], last["seq"], last["ack"]) == ("A", ["RST"], 1002, None)
    assert [e["to"] for e in events if e["who"] == "B"][-1] == "CLOSED"


def test_without_time_wait_the_fin_sent_again_gets_a_reset():
    t = simulate(preset_script("no_time_wait", seed=3)).to_dict()
    a = [e for e in t["events"] if e["who"] == "A"]
    assert [e["to"] for e in a[-2:]] == ["TIME-WAIT", "CLOSED"]
    assert a[-1]["time"] == a[-2]["time"]                  # no time in TIME-WAIT at all
    lost = next(s for s in t["segments"] if s["lost"])
    fin_again = [s for s in t["segments"] if s["from"] == "B" and "FIN" in s["flags"]][-1]
    rst = t["segments"][-1]
    assert lost["from"] == "A" and fin_again["n"] > lost["n"]
    assert rst["flags"] == ["RST"] and rst["seq"] == fin_again["ack"] and rst["ack"] is None
    assert t["events"][-1]["who"] == "B" and t["events"][-1]["to"] == "CLOSED"


def test_an_old_duplicate_syn_is_refused_and_b_listens_again():
    """RFC 9293 figure 8, A with no connection: B answers the old SYN, A resets, B is back in
    LISTEN, and A's own connection then opens; x is A's real ISN, not the old SYN's seq."""
    t = simulate(parse_script("isn: {A: 1000, B: 5000}\nsteps:\n  - old_syn: 100\n"
                              "  - A: connect\n  - A: close\n  - B: close\n")).to_dict()
    s = t["segments"]
    assert s[0]["old"] is True and (s[0]["from"], s[0]["flags"], s[0]["seq"]) == ("A", ["SYN"], 900)
    assert (s[1]["flags"], s[1]["ack"]) == (["SYN", "ACK"], 901)
    assert (s[2]["from"], s[2]["flags"], s[2]["seq"], s[2]["ack"]) == ("A", ["RST"], 901, None)
    assert all("old" not in x for x in s[1:])
    b = [e["to"] for e in t["events"] if e["who"] == "B"]
    assert b[:5] == ["LISTEN", "SYN-RECEIVED", "LISTEN", "SYN-RECEIVED", "ESTABLISHED"]
    assert t["values"]["x"] == 1000 and s[3]["seq"] == 1000
