"""A FIN that rides on the data ("A: send N and close"): one segment FIN,ACK with len N, one
ACK of both (ack = seq + len + 1), and, lost, retransmitted whole. tests/kernel checks the
same scenario against Linux."""

from quizgen.tcp import parse_script, simulate


def _segs(text):
    return [(s["from"], sorted(set(s["flags"]) - {"PSH"}), s["seq"], s["ack"], s["len"], s["lost"])
            for s in simulate(parse_script(text)).to_dict()["segments"]]


BASE = "isn: {A: 1000, B: 5000}\noptions: {fin_has_ack: true}\nsteps:\n  - A: connect\n"


def test_the_fin_rides_on_the_data():
    segs = _segs(BASE + "  - A: send 300 and close\n  - B: close\n")
    assert segs[3:] == [("A", ["ACK", "FIN"], 1001, 5001, 300, False),
                        ("B", ["ACK"], 5001, 1302, 0, False),
                        ("B", ["ACK", "FIN"], 5001, 1302, 0, False),
                        ("A", ["ACK"], 1302, 5002, 0, False)]


def test_lost_it_is_sent_again_whole():
    segs = _segs(BASE + "  - lose: A->B\n  - A: send 300 and close\n  - B: close\n")
    assert segs[3] == ("A", ["ACK", "FIN"], 1001, 5001, 300, True)
    assert segs[4] == ("A", ["ACK", "FIN"], 1001, 5001, 300, False)
    assert segs[5] == ("B", ["ACK"], 5001, 1302, 0, False)


def test_a_larger_send_puts_the_fin_on_its_last_segment():
    segs = _segs("isn: {A: 1000, B: 5000}\noptions: {fin_has_ack: true, mss: 100}\nsteps:\n"
                 "  - A: connect\n  - A: send 250 and close\n  - B: close\n")
    sent = [s for s in segs if s[0] == "A" and s[4]]
    assert [(s[1], s[2], s[4]) for s in sent] == [(["ACK"], 1001, 100), (["ACK"], 1101, 100),
                                                  (["ACK", "FIN"], 1201, 50)]
