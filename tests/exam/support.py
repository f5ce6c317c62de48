"""Helpers of the exam tests: what a student sends for a part, and a student or teacher
driving the app through Flask's test client."""

from __future__ import annotations

import random
import re
from typing import Any

from quizgen.drill import check
from quizgen.exam.marking import field_name
from tests.drill.support import typed
from tests.exam.conftest import PASSWORD


def form_value(part: dict, how: str, rng: random.Random) -> list[str]:
    """The form values a student's browser sends for ``part`` ("right" or "wrong")."""
    text = typed(part, how, rng)
    kind = part["kind"]
    if kind == "choice":
        return [check.letter_of(part, i) for i in check.parse(part, text, "en")]
    if kind == "order":
        return [check.letter_of(part, i) for i in check.parse(part, text, "en")]
    if kind == "truefalse":
        return ["true" if check.parse(part, text, "en") else "false"]
    return [text]


def paper_fields(paper: dict, how: str, rng: random.Random) -> dict[str, list[str]]:
    """Every field of a Paper answered ``how``."""
    questions = [q for s in paper["sections"] for q in s["questions"]]
    return {field_name(n, p["id"]): form_value(p, how, rng)
            for n, q in enumerate(questions, start=1) for p in q["parts"]}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


class Student:
    """One student's browser: a test client with its own cookies."""

    def __init__(self, app, sid: str, code: str) -> None:
        self.client = app.test_client()
        self.sid, self.code = sid, code
        self.csrf = ""
        self.attempt: int | None = None
        self.bodies: list[bytes] = []          # every response this student got

    def get(self, url: str, **kw: Any):
        r = self.client.get(url, **kw)
        self.bodies.append(r.data)
        return r

    def post(self, url: str, **kw: Any):
        r = self.client.post(url, **kw)
        self.bodies.append(r.data)
        return r

    def sign_in(self, code: str | None = None):
        page = self.get("/")
        return self.post("/signin", data={"csrf": csrf_of(page.text), "student_id": self.sid,
                                          "code": self.code if code is None else code})

    def start(self) -> str:
        page = self.get("/exam")
        self.csrf = csrf_of(page.text)
        r = self.post("/start", data={"csrf": self.csrf})
        assert r.status_code == 303, r.text
        return self.paper_page()

    def paper_page(self) -> str:
        page = self.get("/exam")
        assert page.status_code == 200, page.text
        self.csrf = csrf_of(page.text)
        found = re.search(r'data-attempt="(\d+)"', page.text)
        if found:
            self.attempt = int(found.group(1))
        return page.text

    def save(self, name: str, value: list[str], attempt: int | None = None, csrf=None):
        return self.post(f"/api/attempt/{attempt or self.attempt}/answer",
                         json={"name": name, "value": value},
                         headers={"X-CSRF-Token": self.csrf if csrf is None else csrf})

    def submit(self, fields: dict[str, list[str]] | None = None):
        from werkzeug.datastructures import MultiDict

        data: list[tuple[str, str]] = [("csrf", self.csrf), ("attempt", str(self.attempt))]
        for name, values in (fields or {}).items():
            data += [(name, v) for v in values]
        return self.post("/submit", data=MultiDict(data))


class Teacher(Student):
    def __init__(self, app) -> None:
        super().__init__(app, "", "")

    def sign_in(self, password: str = PASSWORD):   # type: ignore[override]
        page = self.get("/teacher")
        r = self.post("/teacher/signin", data={"csrf": csrf_of(page.text),
                                               "password": password})
        if r.status_code == 303:
            self.csrf = csrf_of(self.get("/teacher").text)
        return r
