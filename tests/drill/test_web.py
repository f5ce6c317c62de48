"""The web app: answers checked on the server, signed problem tokens, no replayed or forged
results, and every bad request a 4xx with a clear message (never a 500)."""

from __future__ import annotations

import html
import http.client
import random
import re
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer
from werkzeug.exceptions import HTTPException

from quizgen.drill import check
from quizgen.drill.web import MAX_BODY, TOKEN_SALT, create_app
from quizgen.questions import find_entry, generate_question, load_banks
from quizgen.render.text import plain_text
from tests.drill.conftest import SECRET, question_of
from tests.drill.support import hostile_bank, typed

SIGNER = URLSafeTimedSerializer(SECRET, salt=TOKEN_SALT)


@pytest.fixture
def app(entries):
    return create_app(entries, secret=SECRET, lang="en", seed=3)


@pytest.fixture
def client(app):
    return app.test_client()


def message(resp) -> str:
    found = re.search(r'class="qg-message">([^<]*)<', resp.get_data(as_text=True))
    return html.unescape(found.group(1)) if found else ""


def new_problem(client, entries, query: str = "", secret: str = SECRET) -> tuple[str, dict]:
    """(token, question) of a fresh problem page (of an app signing with ``secret``)."""
    resp = client.get("/" + query)
    assert resp.status_code == 200, message(resp)
    token = re.search(r'name="token" value="([^"]+)"', resp.get_data(as_text=True)).group(1)
    return token, question_of(token, entries, secret)


def form(q: dict, how: str, rng=None) -> dict[str, list[str]]:
    """The form a browser posts for ``q``: right, wrong or garbage answers."""
    rng = rng or random.Random(1)
    out = {}
    for part in q["parts"]:
        kind, text = part["kind"], typed(part, how, rng)
        if how != "garbage" and kind == "truefalse":
            text = "true" if check.parse(part, text, "en") else "false"
        if how != "garbage" and kind in ("order", "choice"):
            ids = check.parse(part, text, "en")
            out[f"a.{part['id']}"] = [check.letter_of(part, i) for i in ids]
        else:
            out[f"a.{part['id']}"] = [text]
    return out


def post(client, token: str, answers: dict[str, list[str]], **kw):
    return client.post("/check", data={"token": token, **answers}, **kw)


def test_problem_page(client, entries):
    resp = client.get("/")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    h = resp.headers
    assert "default-src 'none'" in h["Content-Security-Policy"]
    assert "script-src" not in h["Content-Security-Policy"]          # no script at all
    assert h["X-Content-Type-Options"] == "nosniff" and h["Cache-Control"] == "no-store"
    page = resp.get_data(as_text=True)
    assert '<form method="post" action="/check"' in page and 'name="viewport"' in page


def test_right_answers_score(client, entries):
    for n in range(1, 4):
        token, q = new_problem(client, entries)
        resp = post(client, token, form(q, "right", random.Random(n)))
        page = resp.get_data(as_text=True)
        assert resp.status_code == 200 and "✓ right" in page, q["qid"]
        assert f"score {n}/{n} · streak {n} (best {n})" in page
        assert "<svg" in page and "Explanation" in page


def test_wrong_answers_show_the_key(client, entries):
    token, q = new_problem(client, entries)
    resp = post(client, token, form(q, "wrong"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "✗ wrong" in page and "score 0/1" in page
    for part in q["parts"]:
        assert f"answer: {check.expected(part, 'en')}" in page


def test_unreadable_answers_ask_again_uncounted(client, entries):
    token, q = new_problem(client, entries)
    resp = post(client, token, form(q, "garbage"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "could not be read" in page
    assert page.count('class="qg-hint" role="alert"></span>') < len(q["parts"])   # hints shown
    assert f'value="{token}"' in page                                   # same problem again
    resp = post(client, token, form(q, "right"))                      # now answerable once
    assert resp.status_code == 200 and "score 1/1" in resp.get_data(as_text=True)


def test_token_does_not_give_the_key_away(client, entries):
    """Reading a token (signed, not secret) and generating its entry with its seed does not
    give the served problem: that is generated from the seed keyed by the server's secret."""
    for _ in range(5):
        token, served = new_problem(client, entries)
        valid, data = URLSafeTimedSerializer("not-the-secret").loads_unsafe(token)
        assert not valid and data["e"] in {e.id for e in entries}     # readable without it
        public = generate_question(find_entry(data["e"], entries), data["s"], data["l"])
        assert public["trace"] != served["trace"]
        assert post(client, token, form(public, "right")).status_code in (200, 422)


def test_replay_is_refused(client, entries):
    token, q = new_problem(client, entries)
    assert post(client, token, form(q, "right")).status_code == 200
    again = post(client, token, form(q, "right"))
    assert again.status_code == 409 and "already answered" in message(again)


COOKIE = "quizgen_drill"


def no_solution(page: str, q: dict) -> bool:
    """The page shows nothing of ``q``'s solution: no explanation, diagram or key."""
    explanation = plain_text(q["explanation"])[:40]
    return ('class="qg-solution"' not in page and "Explanation" not in page and "<svg" not in page
            and "answer:" not in page and (not explanation or explanation not in page))


def test_replay_with_an_old_cookie_or_none_is_refused(client, entries):
    """The server, not the cookie, remembers answered problems: a POST replayed with the
    cookie from before the answer, or with no cookie, is refused and shows no solution."""
    token, q = new_problem(client, entries)
    assert post(client, token, form(q, "right")).status_code == 200       # score 1/1
    before = client.get_cookie(COOKIE).value
    token, q = new_problem(client, entries)
    peek = post(client, token, form(q, "wrong"))                           # peek: score 1/2
    assert peek.status_code == 200 and "score 1/2" in peek.get_data(as_text=True)
    for cookie in (before, None):
        if cookie is None:
            client.delete_cookie(COOKIE)
        else:
            client.set_cookie(COOKIE, cookie)
        again = post(client, token, form(q, "right"))
        page = again.get_data(as_text=True)
        assert again.status_code == 409 and "already answered" in message(again)
        assert no_solution(page, q) and "✓" not in page
        assert "Set-Cookie" not in again.headers                       # nothing counted
        assert ("score 1/1 " in page) if cookie else ('id="qg-score"' not in page)
    client.set_cookie(COOKIE, before)
    assert "score 1/1 " in client.get("/").get_data(as_text=True)           # still 1 of 1


def test_concurrent_replays_count_once(app, entries):
    """The same answer posted at once from many clients (no cookies): one is counted."""
    from concurrent.futures import ThreadPoolExecutor

    token, q = new_problem(app.test_client(), entries)
    answers = form(q, "right")
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: post(app.test_client(), token, answers).status_code,
                                 range(16)))
    assert sorted(statuses) == [200] + [409] * 15


def test_tokens_of_an_earlier_server_process_are_refused(client, entries):
    """The answered nonces live in the process: after a restart (same secret) a token drawn
    before it could be answered again, so it is refused instead."""
    token, q = new_problem(client, entries)
    assert post(client, token, form(q, "wrong")).status_code == 200
    restarted = create_app(entries, secret=SECRET, lang="en").test_client()
    again = post(restarted, token, form(q, "right"))
    assert again.status_code == 410 and "restarted" in message(again)
    assert no_solution(again.get_data(as_text=True), q)


def test_answered_problems_are_bounded_and_expire():
    from quizgen.drill.web import Answered

    answered = Answered(max_age=100, capacity=3)
    for n, issued in enumerate((10, 11, 12)):
        answered.claim(f"n{n}", issued, now=20)
    with pytest.raises(HTTPException) as refused:
        answered.claim("n1", 11, now=20)
    assert refused.value.code == 409
    answered.claim("n3", 13, now=20)             # full: the first issued (10) is forgotten...
    assert len(answered) == 3
    with pytest.raises(HTTPException) as refused:
        answered.claim("n0", 10, now=20)         # ...and every token issued until then refused
    assert refused.value.code == 410 and "too old" in refused.value.description
    with pytest.raises(HTTPException):
        answered.claim("n4", 10, now=20)
    answered.claim("n5", 14, now=20)
    answered.claim("n6", 200, now=200)           # tokens issued at 10-14 expired at 110-114
    assert len(answered) == 1
    with pytest.raises(HTTPException) as refused:
        answered.claim("n7", 99, now=200)        # expired since it was read: not claimable
    assert refused.value.code == 410


def test_result_exists_only_as_the_answer_to_a_post(client, entries):
    token, _ = new_problem(client, entries)
    for resp in (client.get("/check"), client.get(f"/check?token={token}"),
                 client.get(f"/result/{token}")):
        assert resp.status_code in (404, 405) and message(resp)


def test_tampered_token(client, entries):
    token, q = new_problem(client, entries)
    payload, stamp, sig = token.split(".")
    flipped = sig[:-3] + ("AAA" if sig[-3:] != "AAA" else "BBB")
    for bad in (f"{payload}.{stamp}.{flipped}", token[:-1], "x" + token, "garbage", ""):
        resp = post(client, bad, form(q, "right"))
        assert resp.status_code == 400, bad
        assert "token" in message(resp)
    other = URLSafeTimedSerializer("another-secret", salt=TOKEN_SALT).dumps(SIGNER.loads(token))
    resp = post(client, other, form(q, "right"))
    assert resp.status_code == 400 and "another server" in message(resp)


def test_forged_payloads(client, entries):
    resp = post(client, SIGNER.dumps({"e": "no-such-entry", "s": 1, "l": "en", "n": "x"}), {})
    assert resp.status_code == 404 and "unknown problem 'no-such-entry'" in message(resp)
    for data in ({"e": "hs-2-fill"}, [1, 2], {"e": "hs-2-fill", "s": "1", "l": "en", "n": "x"},
                 {"e": "hs-2-fill", "s": 1, "l": "fr", "n": "x"}):
        resp = post(client, SIGNER.dumps(data), {})
        assert resp.status_code == 400 and "malformed problem token" in message(resp)
    resp = post(client, "a" * 600, {})
    assert resp.status_code == 400 and "oversized" in message(resp)


def test_expired_token(client, entries, monkeypatch):
    token, q = new_problem(client, entries)
    from itsdangerous import timed

    now = int(time.time())
    monkeypatch.setattr(timed.TimestampSigner, "get_timestamp", lambda self: now + 3 * 3600)
    resp = post(client, token, form(q, "right"))
    assert resp.status_code == 410 and "expired" in message(resp)


def test_malformed_bodies(client, entries):
    token, q = new_problem(client, entries)
    resp = client.post("/check", json={"token": token})
    assert resp.status_code == 415 and "form" in message(resp)
    resp = client.post("/check", data={"a.x": "1"})
    assert resp.status_code == 400 and "missing" in message(resp)
    single = next(p for p in q["parts"] if p["kind"] not in ("order", "choice")
                  or not p.get("multiple") and p["kind"] != "order")
    answers = form(q, "right")
    answers[f"a.{single['id']}"] = ["1", "2"]
    resp = post(client, token, answers)
    assert resp.status_code == 400 and "too many values" in message(resp)
    answers = form(q, "right")
    answers[f"a.{single['id']}"] = ["9" * 300]
    resp = post(client, token, answers)
    assert resp.status_code == 400 and "too long" in message(resp)
    resp = client.post("/check", data=b"token=" + b"x" * (2 << 20),
                       content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 413 and "too large" in message(resp)


def test_bad_queries(client, entries):
    for query, words in (("?lang=fr", "unknown language"), ("?difficulty=9", "difficulty"),
                         ("?topic=nope", "unknown topic"), ("?topic=lifecycle&difficulty=1",
                                                            "no question matches")):
        resp = client.get("/" + query)
        assert resp.status_code == 400 and words in message(resp), query
    assert client.post("/").status_code == 405
    assert client.get("/nowhere").status_code == 404


def test_filters_and_language(client, entries):
    for _ in range(5):
        _, q = new_problem(client, entries, "?topic=handshake&difficulty=1&lang=zh")
        assert q["topic"] == "handshake" and q["difficulty"] == 1 and q["lang"] == "zh"
    page = client.get("/?lang=zh").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "检查" in page


def test_hostile_bank_is_escaped(tmp_path):
    app = create_app(load_banks([hostile_bank(tmp_path)]), secret=SECRET, lang="en")
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    assert "<script" not in page and not re.search(r"<[^>]*\son[a-z]+\s*=", page)
    assert "&lt;/title&gt;&lt;script&gt;" in page and page.count("<form") == 1
    result = post(client, token, {"a.state": ["close_wait"]}).get_data(as_text=True)
    assert "✓ right" in result and "<script" not in result and "<iframe" not in result


# --------------------------------------------------------------- against the real server
def test_real_server_binds_loopback_and_limits_bodies(server):
    parts = urlsplit(server)
    assert parts.hostname == "127.0.0.1"
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    body = b"token=" + b"x" * (2 << 20)
    try:
        conn.request("POST", "/check", body=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    except (BrokenPipeError, ConnectionResetError):
        pass                        # the server may answer before the body is all sent
    resp = conn.getresponse()
    assert resp.status == 413
    conn.close()
    assert MAX_BODY < len(body)


def test_real_server_bad_tokens(server):
    parts = urlsplit(server)
    for token, status in (("not-a-token", 400),
                          (SIGNER.dumps({"e": "nope", "s": 1, "l": "en", "n": "x"}), 404)):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("POST", "/check", body=f"token={token}",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        resp = conn.getresponse()
        assert resp.status == status and b"qg-message" in resp.read()
        conn.close()


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_serve_stops_cleanly(how):
    import signal as signals

    from tests.drill.conftest import start_serve

    proc, url = start_serve()
    assert urlsplit(url).hostname == "127.0.0.1"
    proc.send_signal(getattr(signals, how))
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0 and "stopped" in out and "Traceback" not in err


@pytest.mark.parametrize("host", ["no-such-host.invalid", "300.1.2.3"])
def test_serve_bad_host_is_one_line(host):
    from click.testing import CliRunner

    from quizgen.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--host", host, "--secret", SECRET])
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0].startswith("error: --host: ") and host in lines[0]


SEED_DEPENDENT = """bank: breaks
entries:
  - id: breaks-on-even-x
    type: fill
    topic: t
    scenario: {preset: normal}
    ask: {segment: syn, fields: [seq]}
    prompt:
      zh: "{% if x is even %}{{ no_such_name }}{% endif %}{{ m.segment_row(asked, blanks) }}"
      en: "{% if x is even %}{{ no_such_name }}{% endif %}{{ m.segment_row(asked, blanks) }}"
    explanation: {zh: "<p>x</p>", en: "<p>x</p>"}
"""


def test_a_bank_that_fails_for_some_seeds_never_gives_a_500(tmp_path):
    """Such a bank passes the one trial render at load (banks check finds it); the server
    then draws another problem instead of failing, and a signed token whose problem cannot
    be made again is a 503 saying so, not a 500."""
    from quizgen.questions import load_bank
    from quizgen.questions.bank import generate_question as make
    from quizgen.drill.web import question_seed

    path = tmp_path / "breaks.yaml"
    path.write_text(SEED_DEPENDENT, encoding="utf-8")
    entries = load_bank(path, check=False)
    app = create_app(entries, secret=SECRET, lang="en", seed=5)
    client = app.test_client()
    statuses = [client.get("/").status_code for _ in range(30)]
    assert statuses == [200] * 30
    problems = app.extensions["quizgen_drill"]
    bad = next(s for s in range(1000) if _fails(make, entries[0], question_seed(SECRET, entries[0].id, s)))
    token = problems.signer.dumps({"e": entries[0].id, "s": bad, "l": "en", "n": "ab12cd34",
                                   "r": problems.run})
    resp = client.post("/check", data={"token": token, "a.seq": "1"})
    assert resp.status_code == 503 and "cannot be made again" in message(resp)


def _fails(make, entry, seed) -> bool:
    from quizgen.errors import BankError

    try:
        make(entry, seed, "en")
    except BankError:
        return True
    return False


def test_error_pages_speak_the_page_language(entries):
    """A Chinese drill's error pages are Chinese (they were English inside Chinese pages); every
    message the app raises has its Chinese."""
    import ast
    from pathlib import Path

    from quizgen.drill import web, words

    zh = create_app(entries, secret=SECRET, lang="zh", seed=1).test_client()
    resp = zh.post("/check", data={"token": "x" * 40})
    assert resp.status_code == 400 and "题目令牌无效" in resp.get_data(as_text=True)
    assert "invalid problem token" not in resp.get_data(as_text=True)
    assert "没有这个页面" in zh.get("/nowhere").get_data(as_text=True)
    en = zh.get("/nowhere?lang=en").get_data(as_text=True)
    assert "no such page" in en
    tree = ast.parse(Path(web.__file__).read_text(encoding="utf-8"))
    raised = [ast.literal_eval(n.args[1]) for n in ast.walk(tree) if isinstance(n, ast.Call)
              and getattr(n.func, "id", "") == "_fail" and len(n.args) > 1]
    assert len(raised) > 10
    assert [m for m in raised if m not in words._ERRORS_ZH and m != "{message}"] == []
