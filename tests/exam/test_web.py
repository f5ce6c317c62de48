"""The exam app through Flask's test client, on SQLite and on PostgreSQL: a whole sitting,
the printed paper's code and key, autosave and reload, another device, time-out and extra
time, release, another student's attempt, CSRF, the sign-in rate limit across processes, bad
requests, and no key in any student response before the release."""

from __future__ import annotations

import io
import random
import re

import pytest

from quizgen.drill import check
from quizgen.exam.app import create_app
from quizgen.exam.marking import field_name
from quizgen.exam.store import Store
from quizgen.paper import BankSource, load_roster, load_spec, paper_for_code
from quizgen.paper.assemble import plan_codes
from quizgen.render.text import plain_text
from tests.exam.conftest import make_exam
from tests.exam.support import Student, Teacher, csrf_of, paper_fields


class Clock:
    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def exam3(tmp_path, db_url):
    made = make_exam(tmp_path, db_url, 3, "--release", "manual")
    store = Store(made.db)
    clock = Clock()
    app = create_app(store, clock=clock, exam_ttl=0)    # store.release() seen at once
    yield made, store, app, clock
    store.close()


def the_paper(made, sid: str) -> dict:
    return paper_for_code(load_spec(made.spec), made.papers[sid], BankSource())


def test_student_sits_their_printed_paper(exam3):
    made, store, app, clock = exam3
    spec, roster = load_spec(made.spec), load_roster(made.roster)
    printed = {st.id: code for code, st, _ in plan_codes(spec, roster)}
    assert made.papers == printed                  # the same codes as quizgen paper --roster
    sid = "S0001"
    paper = the_paper(made, sid)
    s = Student(app, sid, made.codes[sid])
    assert s.sign_in().status_code == 303
    html = s.start()
    assert made.papers[sid] in html
    for q in (q for sec in paper["sections"] for q in sec["questions"]):
        assert plain_text(q["title"]) in html or q["title"] in html
    rng = random.Random(1)
    right = paper_fields(paper, "right", rng)
    wrong = paper_fields(paper, "wrong", rng)
    names = list(right)
    half = names[: len(names) // 2]
    for name in names:                              # wrong first, then half corrected
        assert s.save(name, wrong[name]).json["saved"] is True
    for name in half:
        assert s.save(name, right[name]).status_code == 200
    # a reload shows every saved answer; another device (a new sign-in) sees them too
    other = Student(app, sid, made.codes[sid])
    other.sign_in()
    shown = other.paper_page()
    assert other.attempt == s.attempt
    state = other.get(f"/api/attempt/{s.attempt}").json
    assert state["answers"] == {n: (right[n] if n in half else wrong[n]) for n in names}
    first_text = next(n for n in half if paper_part(paper, n)["kind"] in ("number", "text"))
    assert f'value="{right[first_text][0]}"' in shown
    assert s.submit().status_code == 303
    a = store.attempts(store.student(1, sid).id)[-1]
    # the score: each part's points when right, read by the drills' check.parse/check.grade
    questions = [q for sec in paper["sections"] for q in sec["questions"]]
    from quizgen.export.grades import part_points

    expected = 0.0
    for n, q in enumerate(questions, start=1):
        for part, points in zip(q["parts"], part_points(q)):
            name = field_name(n, part["id"])
            typed = " ".join(right[name] if name in half else wrong[name])
            if check.check(part, typed, paper["lang"]).correct:
                expected += float(points)
    assert a.submitted_at is not None and a.score == pytest.approx(expected)
    assert 0 < a.score < a.max_score == sum(q["points"] for q in questions)
    # no more answers after submission
    assert s.save(names[0], right[names[0]]).status_code == 409
    # before the release: no score, no solutions; after: both, marked
    page = s.get("/exam").text
    assert "qg-solution" not in page.replace(".qg-solution", "") and 'id="qg-score"' not in page
    store.release(1, clock.now - 1)
    page = s.get("/exam").text
    assert f"{a.score:g} of {a.max_score:g}" in page
    assert page.count('class="qg-solution"') == len(questions)
    assert page.count("qg-field qg-") >= len(names)
    assert "qg-right" in page and "qg-wrong" in page


def paper_part(paper: dict, name: str) -> dict:
    questions = [q for sec in paper["sections"] for q in sec["questions"]]
    number, part_id = name[1:].split(".", 1)
    return next(p for p in questions[int(number) - 1]["parts"] if p["id"] == part_id)


def test_time_runs_out_and_extra_time(exam3):
    made, store, app, clock = exam3
    s = Student(app, "S0002", made.codes["S0002"])
    s.sign_in()
    s.start()
    name = next(iter(paper_fields(the_paper(made, "S0002"), "right", random.Random(2))))
    assert s.save(name, ["1"]).status_code == 200
    clock.now += 45 * 60 + 10                     # past the 45 minutes (and the grace)
    r = s.save(name, ["2"])
    assert r.status_code == 409 and "time is up" in r.json["error"]
    t = Teacher(app)
    assert t.sign_in().status_code == 303
    st = store.student(1, "S0002")
    r = t.post(f"/teacher/student/{st.id}/extra", data={"csrf": t.csrf, "minutes": "10"})
    assert r.status_code == 303
    assert s.save(name, ["3"]).status_code == 200      # the extra 10 minutes count
    clock.now += 10 * 60 + 10
    page = s.get("/exam").text                          # graded at the deadline, timed out
    assert "time ran out" in page
    a = store.attempts(st.id)[-1]
    assert a.timed_out and a.submitted_at is not None
    assert store.answers(a.id)[(int(name[1:].split(".")[0]), name.split(".", 1)[1])] == ["3"]
    assert t.post(f"/teacher/student/{st.id}/extra",
                  data={"csrf": t.csrf, "minutes": "lots"}).status_code == 400


def test_another_students_attempt_is_out_of_reach(exam3):
    made, store, app, clock = exam3
    a, b = (Student(app, sid, made.codes[sid]) for sid in ("S0001", "S0002"))
    for s in (a, b):
        s.sign_in()
        s.start()
    name = next(iter(paper_fields(the_paper(made, "S0002"), "right", random.Random(3))))
    assert b.save(name, ["7"]).status_code == 200
    # A, signed in, with their own valid CSRF token, aims at B's attempt
    assert a.get(f"/api/attempt/{b.attempt}").status_code == 404
    assert a.save(name, ["666"], attempt=b.attempt).status_code == 404
    assert a.post("/submit", data={"csrf": a.csrf, "attempt": str(b.attempt)}).status_code == 404
    assert a.post("/save", data={"csrf": a.csrf, "attempt": str(b.attempt),
                                 name: "666"}).status_code == 404
    # B's token does not work from A's session either
    assert a.save(name, ["666"], attempt=a.attempt, csrf=b.csrf).status_code == 403
    assert store.answers(b.attempt) == {(int(name[1:].split(".")[0]), name.split(".", 1)[1]): ["7"]}
    # a student is no teacher; no cookie is no one
    assert a.get("/teacher/results").status_code == 401
    assert a.get("/teacher/grades.csv").status_code == 401
    assert app.test_client().get(f"/api/attempt/{b.attempt}").status_code == 401


def test_csrf_on_every_post(exam3):
    made, store, app, clock = exam3
    s = Student(app, "S0003", made.codes["S0003"])
    page = s.get("/")
    assert s.post("/signin", data={"student_id": "S0003", "code": s.code}).status_code == 403
    assert s.post("/signin", data={"csrf": "x" * 64, "student_id": "S0003",
                                   "code": s.code}).status_code == 403
    assert s.post("/signin", data={"csrf": csrf_of(page.text), "student_id": "S0003",
                                   "code": s.code}).status_code == 303
    assert s.post("/start", data={"x": "1"}).status_code == 403
    s.start()
    name = next(iter(paper_fields(the_paper(made, "S0003"), "right", random.Random(4))))
    assert s.post(f"/api/attempt/{s.attempt}/answer", json={"name": name, "value": ["1"]}
                  ).status_code == 403
    assert s.post("/submit", data={"attempt": str(s.attempt)}).status_code == 403
    assert s.post("/signout", data={"x": "1"}).status_code == 403
    t = Teacher(app)
    t.sign_in()
    assert t.post("/teacher/release", data={"x": "1"}).status_code == 403
    assert store.exam(exam_id=1).release_at is None
    # the cookies are HttpOnly and SameSite
    r = Student(app, "S0003", s.code).sign_in()
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_sign_in_rate_limit_holds_across_processes(exam3):
    made, store, app, clock = exam3
    other = Store(made.db)
    second = create_app(other, clock=clock)              # another app process on the DB
    sid = "S0001"
    for k in range(10):
        app_k = app if k % 2 else second
        r = Student(app_k, sid, "WRONG-CODE0").sign_in()
        assert r.status_code == 401, r.text
    for which in (app, second):              # now even the right code waits
        r = Student(which, sid, made.codes[sid]).sign_in()
        assert r.status_code == 429
    assert Student(app, "S0002", made.codes["S0002"]).sign_in().status_code == 303
    clock.now += 15 * 60 + 1
    assert Student(second, sid, made.codes[sid]).sign_in().status_code == 303
    other.close()


BAD_REQUESTS = [
    ("get", "/api/attempt/999999", {}),
    ("get", "/api/attempt/99999999999999999999", {}),
    ("get", "/teacher/student/99999999999999999999", {}),
    ("post", "/api/attempt/1/answer", {"data": "not json"}),
    ("post", "/api/attempt/1/answer", {"json": [1, 2]}),
    ("post", "/api/attempt/1/answer", {"json": {"name": 5}}),
    ("post", "/api/attempt/1/answer", {"json": {"name": "q1.x", "value": {"a": 1}}}),
    ("post", "/api/attempt/1/answer", {"json": {"name": "q999.x", "value": ["1"]}}),
    ("post", "/api/attempt/1/answer", {"json": {"name": "q1", "value": ["1"] * 500}}),
    ("post", "/api/attempt/abc/answer", {"json": {}}),
    ("post", "/submit", {"data": {"attempt": "x"}}),
    ("post", "/submit", {"data": "raw", "content_type": "text/plain"}),
    ("post", "/save", {"data": {"attempt": "99999999999999999999"}}),
    ("post", "/save", {"data": {"attempt": "²"}}),
    ("post", "/submit", {"data": {"attempt": "①"}}),
    ("post", "/signin", {"data": {"student_id": "x" * 10000}}),
    ("post", "/teacher/signin", {"data": {}}),
    ("post", "/teacher/student/99999/extra", {"data": {"minutes": "5"}}),
    ("get", "/teacher/student/99999", {}),
    ("get", "/nowhere", {}),
    ("put", "/exam", {}),
    ("post", "/api/attempt/1/answer", {"data": b"x" * (70 * 1024),
                                       "content_type": "application/json"}),
]


def test_bad_requests_are_4xx_with_a_message(exam3):
    made, store, app, clock = exam3
    s = Student(app, "S0001", made.codes["S0001"])
    anonymous = app.test_client()
    for method, url, kw in BAD_REQUESTS:
        r = getattr(anonymous, method)(url, **kw)
        assert 400 <= r.status_code < 500, (url, r.status_code)
        assert len(r.data) > 10
    r = anonymous.get("/api/attempt/1?lang=zh")            # a student's messages in Chinese
    assert r.status_code == 401 and r.json["error"].startswith("尚未登录")
    r = anonymous.get("/teacher/student/1?lang=zh")        # and the teacher's
    assert r.status_code == 401 and "教师页面需要教师登录" in r.text
    s.sign_in()
    s.start()
    headers = {"X-CSRF-Token": s.csrf}
    for method, url, kw in BAD_REQUESTS:
        url = url.replace("/attempt/1/", f"/attempt/{s.attempt}/")
        r = getattr(s.client, method)(url, headers=headers, **kw)
        assert 400 <= r.status_code < 500, (url, r.status_code, r.data[:200])
        body = r.json["error"] if r.is_json else r.text
        assert body and "Traceback" not in body


def test_no_key_in_any_student_response_before_release(exam3):
    made, store, app, clock = exam3
    students = []
    rng = random.Random(5)
    for sid in ("S0001", "S0002", "S0003"):
        s = Student(app, sid, made.codes[sid])
        s.sign_in()
        s.start()
        paper = the_paper(made, sid)
        typed = paper_fields(paper, "wrong", rng)       # a key shown would be no echo
        for name, value in typed.items():
            s.save(name, value)
        s.get(f"/api/attempt/{s.attempt}")
        s.paper_page()
        s.post("/save", data={"csrf": s.csrf, "attempt": str(s.attempt)})
        s.submit()
        s.get("/exam")
        s.get("/?lang=zh")
        students.append((s, paper, typed))
    for s, paper, typed in students:
        echoed = {v for values in typed.values() for v in values}
        secrets_ = [x for x in forbidden(paper) if x not in echoed]
        assert secrets_, "nothing to look for"
        text = b"\n".join(s.bodies).decode("utf-8")
        leaked = [x for x in secrets_ if x in text]
        assert not leaked, leaked[:3]
    # the search can find them: after the release the same pages hold the explanations
    store.release(1, clock.now - 1)
    s, paper, _ = students[0]
    released = s.get("/exam").text
    assert sum(x in released for x in forbidden(paper)) >= len(forbidden(paper)) // 2


def forbidden(paper: dict) -> list[str]:
    """What no student page may hold before the release: each question's explanation and
    feedback (plain text, long enough to be unmistakable), and the key of each number or
    text part that the paper does not show anyway (a state name can be another question's
    choice)."""
    questions = [q for s in paper["sections"] for q in s["questions"]]
    shown = " ".join(plain_text(q["title"]) + " " + plain_text(q["prompt"]) + " " + " ".join(
        plain_text(o["text"]) + " " + str(p.get("label", "")) for p in q["parts"]
        for o in p.get("choices", []) + p.get("items", [])) for q in questions)
    out = []
    for q in questions:
        for html in [q.get("explanation", "")] + [p.get("feedback", "") for p in q["parts"]]:
            for sentence in re.split(r"[。.;；]\s*", plain_text(html)):
                if len(sentence) >= 16 and sentence not in shown:
                    out.append(sentence)
        for p in q["parts"]:
            if p["kind"] in ("number", "text"):
                key = check.expected(p, paper["lang"])
                if len(key) >= 4 and key not in shown:
                    out.append(key)
    return list(dict.fromkeys(out))


def test_teacher_progress_results_and_grade_files(exam3):
    made, store, app, clock = exam3
    t = Teacher(app)
    assert t.sign_in("wrong password!").status_code == 401
    assert t.sign_in().status_code == 303
    for url in ("/teacher/student/99999", "/teacher/student/99999999999999999999"):
        assert t.get(url).status_code == 404
    for minutes in ("-5", "①", "²", "٣"):    # Unicode digits are str.isdigit() but no int
        assert t.post("/teacher/student/1/extra", data={"csrf": t.csrf, "minutes": minutes}
                      ).status_code == 400, minutes
    s = Student(app, "S0002", made.codes["S0002"])
    s.sign_in()
    s.start()
    paper = the_paper(made, "S0002")
    fields = paper_fields(paper, "right", random.Random(6))
    for name, value in list(fields.items())[:3]:
        s.save(name, value)
    page = t.get("/teacher").text
    row = re.search(r'<tr data-student="S0002">(.*?)</tr>', page, re.S).group(1)
    assert "in progress" in row and "<td>3</td>" in row
    assert "1 started, 0 submitted of 3" in page
    s.submit(fields)
    page = t.get("/teacher").text
    assert "1 started, 1 submitted of 3" in page
    results = t.get("/teacher/results").text
    full = sum(q["points"] for sec in paper["sections"] for q in sec["questions"])
    assert f"{full:g} / {full:g}" in results
    st = store.student(1, "S0002")
    review = t.get(f"/teacher/student/{st.id}").text
    assert review.count('class="qg-solution"') == len(fields and [q for sec in paper["sections"] for q in sec["questions"]])
    csv_bytes = t.get("/teacher/grades.csv").data
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    lines = csv_bytes.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("student_id,name,paper_code,score")
    assert any(line.startswith(f"S0002,Student 2,{made.papers['S0002']},{full:g},") for line in lines)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(t.get("/teacher/grades.xlsx").data)).active
    cells = {row[0].value: row[3].value for row in sheet.iter_rows(min_row=2)}
    assert cells == {"S0001": None, "S0002": full, "S0003": None}
    moodle = t.get("/teacher/moodle.csv").data.decode("utf-8").splitlines()
    assert moodle[0].split(",")[0] == "ID number" and len(moodle) == 2
    assert moodle[1] == f"S0002,Student 2,{full:g}"
    # release from the teacher's page
    assert t.post("/teacher/release", data={"csrf": t.csrf}).status_code == 303
    assert store.exam(exam_id=1).release_at is not None
    assert f"Score: {full:g} of {full:g}" in s.get("/exam").text


def test_start_refused_outside_the_window_and_attempts(tmp_path, db_url):
    made = make_exam(tmp_path, db_url, 1, "--opens", "+1h", "--closes", "+3h",
                     "--attempts", "2", "--release", "submit")
    store = Store(made.db)
    clock = Clock()
    app = create_app(store, clock=clock, exam_ttl=0)
    s = Student(app, "S0001", made.codes["S0001"])
    s.sign_in()
    page = s.get("/exam").text
    assert 'id="qg-not-open"' in page and 'id="qg-start"' not in page
    s.csrf = csrf_of(page)
    assert s.post("/start", data={"csrf": s.csrf}).status_code == 409
    clock.now += 3600 + 1
    s.start()
    first = s.attempt
    s.submit()
    page = s.get("/exam").text              # released at submission: the score shows
    assert 'id="qg-score"' in page and "Start attempt 2" in page
    s.start()
    assert s.attempt != first
    s.submit()
    assert "used all 2 attempts" in s.get("/exam").text
    assert s.post("/start", data={"csrf": s.csrf}).status_code == 409
    store.close()



def test_item_analysis_is_the_scanned_papers_report(exam3):
    """The teacher's item analysis: the grading package's report over the submitted
    attempts, pooled by bank entry and part, with its own (strict) policy."""
    made, store, app, clock = exam3
    t = Teacher(app)
    t.sign_in()
    assert "Nobody has submitted" in t.get("/teacher/analysis").text
    rng = random.Random(8)
    entries = set()
    for sid, how in (("S0001", "right"), ("S0002", "wrong"), ("S0003", "right")):
        s = Student(app, sid, made.codes[sid])
        s.sign_in()
        s.start()
        paper = the_paper(made, sid)
        s.submit(paper_fields(paper, how, rng))
        entries |= {q["id"] for sec in paper["sections"] for q in sec["questions"]}
    r = t.get("/teacher/analysis")
    assert r.status_code == 200
    policy = r.headers["Content-Security-Policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy
    from quizgen.drill.views import csp_hash

    styles = re.findall(r"<style>(.*?)</style>", r.text, re.S)
    assert styles and all(csp_hash(x) in policy for x in styles)
    assert "Item analysis" in r.text and "<script" not in r.text
    assert "3 students" in r.text
    for entry in entries:                       # every bank entry asked is an item
        assert f"{entry}/" in r.text, entry
