"""Two ``quizgen exam serve`` processes on one database (SQLite and PostgreSQL): a student
signs in on one, and each next request goes to the other, with the same cookies; the
teacher's release on one reaches the other within its second. Nothing lives in a process."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

from quizgen.exam.marking import field_name
from quizgen.paper import BankSource, load_spec, paper_for_code
from tests.exam.conftest import (PASSWORD, make_exam, start_exam_server, stop_exam_server)


class Browser:
    """One cookie jar, any server: cookies are per host, and both are 127.0.0.1."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def open(self, url: str, data: dict | None = None, body=None, headers=None) -> tuple[int, str]:
        payload = (json.dumps(body).encode() if body is not None else
                   urllib.parse.urlencode(data).encode() if data is not None else None)
        kind = "application/json" if body is not None else "application/x-www-form-urlencoded"
        req = urllib.request.Request(url, data=payload, headers={
            **({"Content-Type": kind} if payload is not None else {}), **(headers or {})})
        try:
            with self.opener.open(req) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


def csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_two_processes_serve_one_student_in_turn(tmp_path, db_url):
    made = make_exam(tmp_path, db_url, 2, "--release", "manual")
    one, url1 = start_exam_server(db_url)
    two, url2 = start_exam_server(db_url)
    try:
        urls = [url1, url2]
        b = Browser()
        _, page = b.open(urls[0])
        status, page = b.open(urls[1] + "signin", {"csrf": csrf(page), "student_id": "S0001",
                                                    "code": made.codes["S0001"]})
        assert status == 200 and "qg-start" in page          # signed in on the other one
        status, page = b.open(urls[0] + "start", {"csrf": csrf(page)})
        assert status == 200 and "data-attempt" in page
        attempt = re.search(r'data-attempt="(\d+)"', page).group(1)
        token = csrf(page)
        paper = paper_for_code(load_spec(made.spec), made.papers["S0001"], BankSource())
        questions = [q for s in paper["sections"] for q in s["questions"]]
        names = [field_name(n, p["id"]) for n, q in enumerate(questions, 1) for p in q["parts"]]
        for k, name in enumerate(names):                      # each save to the other process
            status, reply = b.open(f"{urls[k % 2]}api/attempt/{attempt}/answer",
                                   body={"name": name, "value": [f"v{k}"]},
                                   headers={"X-CSRF-Token": token})
            assert status == 200 and json.loads(reply)["saved"], reply
        for url in urls:
            status, reply = b.open(f"{url}api/attempt/{attempt}")
            assert json.loads(reply)["answers"] == {n: [f"v{k}"] for k, n in enumerate(names)}
        status, page = b.open(urls[1] + "submit", {"csrf": token, "attempt": attempt})
        assert status == 200 and 'id="qg-submitted"' in page and 'id="qg-score"' not in page
        # the teacher releases on one process; the student's page on the other shows it
        t = Browser()
        _, page = t.open(urls[0] + "teacher")
        status, page = t.open(urls[0] + "teacher/signin", {"csrf": csrf(page),
                                                            "password": PASSWORD})
        assert status == 200 and "qg-progress" in page
        status, _ = t.open(urls[1] + "teacher/release", {"csrf": csrf(page)})
        assert status == 200
        time.sleep(1.1)                                       # each process rereads in 1 s
        for url in urls:
            _, page = b.open(url + "exam")
            assert 'id="qg-score"' in page
    finally:
        stop_exam_server(one)
        stop_exam_server(two)
