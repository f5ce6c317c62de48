"""The seed article's three handshakes and four waves, exactly, for any x and y."""

from hypothesis import given, strategies as st

from quizgen.tcp import MOD, parse_script, simulate
from quizgen.tcp.seq import add

ISN = st.integers(0, MOD - 1)
SEED_STEPS = "steps: [{A: connect}, {A: close}, {B: close}]"


def rows(trace):
    return [(s["from"], ",".join(s["flags"]), s["seq"], s["ack"]) for s in trace.segments]


@given(x=ISN, y=ISN)
def test_seed_article_sequence(x, y):
    t = simulate(parse_script(f"isn: {{A: {x}, B: {y}}}\n{SEED_STEPS}"))
    u = add(x, 1)                      # A sent no data: u = x + 1
    v = w = add(y, 1)
    assert rows(t) == [
        ("A", "SYN", x, None),                 # SYN=1, seq=x
        ("B", "SYN,ACK", y, add(x, 1)),        # SYN=1, ACK=1, seq=y, ack=x+1
        ("A", "ACK", add(x, 1), add(y, 1)),    # ACK=1, seq=x+1, ack=y+1
        ("A", "FIN", u, None),                 # FIN=1, seq=u
        ("B", "ACK", v, add(u, 1)),            # ACK=1, seq=v, ack=u+1
        ("B", "FIN,ACK", w, add(u, 1)),        # FIN=1, ACK=1, seq=w, ack=u+1
        ("A", "ACK", add(u, 1), add(w, 1)),    # ACK=1, seq=u+1, ack=w+1
    ]
    assert t.values == {"x": x, "y": y, "u": u, "v": v, "w": w, "closer": "A"}
    path = {who: [e["to"] for e in t.events if e["who"] == who] for who in "AB"}
    assert path["A"] == ["SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSED"]
    assert path["B"] == ["LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"]
    closed = {e["who"]: e["time"] for e in t.events if e["to"] == "CLOSED"}
    assert closed["B"] < closed["A"]                   # the passive closer is CLOSED first
    time_wait = next(e["time"] for e in t.events if e["to"] == "TIME-WAIT")
    assert closed["A"] - time_wait == 2 * 120          # 2 MSL


def test_halfclose_w_greater_than_v():
    t = simulate(parse_script("isn: {A: 100, B: 900}\nsteps: [{A: connect}, {A: send 10}, "
                              "{A: close}, {B: send 50}, {B: close}]"))
    v = t.values
    assert (v["x"], v["y"], v["u"], v["v"], v["w"]) == (100, 900, 111, 901, 951)
    fin_b = [s for s in t.segments if s["from"] == "B" and "FIN" in s["flags"]][0]
    assert (fin_b["flags"], fin_b["seq"], fin_b["ack"]) == (["FIN", "ACK"], 951, 112)
    data_b = [s for s in t.segments if s["from"] == "B" and s["len"]][0]
    a_state = [e["to"] for e in t.events if e["who"] == "A"]
    assert a_state[3] == "FIN-WAIT-2" and data_b["seq"] == 901


def test_isn_4294967295_wraps_everywhere():
    t = simulate(parse_script("isn: {A: 4294967295, B: 4294967295}\n"
                              "steps: [{A: connect}, {A: send 10}, {B: send 5}, {A: close}, {B: close}]"))
    r = rows(t)
    assert r[0] == ("A", "SYN", 4294967295, None)
    assert r[1] == ("B", "SYN,ACK", 4294967295, 0)
    assert r[2] == ("A", "ACK", 0, 0)
    assert t.values["u"] == 10 and t.values["w"] == 5
    assert r[-1] == ("A", "ACK", 11, 6)
