"""The web app: answers checked on the server, signed problem tokens, no replayed or forged
results, and every bad request a 4xx with a clear message (never a 500)."""

from __future__ import annotations

import base64
import html
import http.client
import json
import random
import re
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer

from quizgen.drill import check
from quizgen.drill.web import MAX_BODY, TOKEN_SALT, create_app
from quizgen.questions import find_entry, generate_question, load_banks
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


def new_problem(client, entries, query: str = "") -> tuple[str, dict]:
    """(token, question) of a fresh problem page."""
    resp = client.get("/" + query)
    assert resp.status_code == 200, message(resp)
    token = re.search(r'name="token" value="([^"]+)"', resp.get_data(as_text=True)).group(1)
    return token, question_of(token, entries)


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
        data = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        public = generate_question(find_entry(data["e"], entries), data["s"], data["l"])
        assert public["trace"] != served["trace"]
        assert post(client, token, form(public, "right")).status_code in (200, 422)


def test_replay_is_refused(client, entries):
    token, q = new_problem(client, entries)
    assert post(client, token, form(q, "right")).status_code == 200
    again = post(client, token, form(q, "right"))
    assert again.status_code == 409 and "already answered" in message(again)


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
