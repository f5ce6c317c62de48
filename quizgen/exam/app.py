"""The exam as a Flask app (``quizgen exam serve`` runs it on the drill's waitress server).

Students (``/``): sign in with id and access code, start an attempt, answer on their own
paper (each change is saved by ``POST /api/attempt/ID/answer`` and acknowledged only once
committed; the form's Save and Submit buttons save everything too, without script), submit or
run out of time, and after the release see their paper marked with the worked solutions.
The teacher (``/teacher``): progress, results, per-student review, extra time, release,
grades as CSV / xlsx / Moodle CSV, the item analysis.

Nothing is kept in the process: a session is a random token in an HttpOnly, SameSite=Strict
cookie whose hash is a database row holding the CSRF token every POST must carry; the
sign-in form's CSRF token is an HMAC of a random cookie under the exam's secret; sign-in
failures are rows. Any number of processes can serve one database.

No student page or response holds a key or a solution before the release: the paper is
rendered from ``problem_view`` (what the drill shows before an answer is checked), and the
marked paper only once ``Exam.released``. Every bad request is a 4xx with a message.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from typing import Any, Callable

from flask import Flask, Response, g, redirect, request
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from quizgen.drill.views import csp_hash, solution_view
from quizgen.drill.words import words as drill_words
from quizgen.errors import QuizgenError
from quizgen.exam import secure
from quizgen.exam.marking import BadAnswer, Built, Papers, grade, read_value, values_of, verdicts
from quizgen.exam.store import Attempt, Exam, Store, StudentRow
from quizgen.exam.views import asset, render
from quizgen.exam.words import exam_words

MAX_BODY = 64 * 1024
STUDENT_COOKIE = "qg_exam"
TEACHER_COOKIE = "qg_teacher"
PRE_COOKIE = "qg_pre"           # the sign-in forms' CSRF cookie
LANG_COOKIE = "qg_lang"
ID_LIMIT = 10                   # failed sign-ins of one student id in 15 minutes
ADDRESS_LIMIT = 200             # ... from one address (a class behind one NAT)
TEACHER_LIMIT = 10              # failed teacher sign-ins from one address in 15 minutes
EXAM_TTL = 1.0                  # seconds a process reuses the exam's row
MAX_ID = 2 ** 31 - 1            # ids are 32-bit integers in the database
GRACE = 5.0                     # seconds after the deadline a save still counts (latency)


class Fail(HTTPException):
    """A 4xx with a message for the student or teacher (JSON on /api/)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(description=message)
        self.code = status


#: the messages a student or the teacher meets, in Chinese (the others are a client's bug)
ZH = {
    "the teacher's pages need the teacher's sign-in (at /teacher)": "教师页面需要教师登录（在 /teacher）",
    "no such student in this exam": "本场考试没有这名学生",
    "too many failed sign-ins; wait 15 minutes": "登录失败次数过多，请 15 分钟后再试",
    "extra time is a whole number of minutes from 0 to 1440": "延长时间须为 0 到 1440 之间的整数分钟",
    "not signed in (or the sign-in has expired); sign in again": "尚未登录（或登录已过期），请重新登录",
    "no such attempt of yours": "没有这份属于你的答卷",
    "this attempt is submitted; its answers cannot change": "已交卷，答案不能再修改",
    "the time is up; the answers saved before it count": "时间已到，此前保存的答案有效",
    "the form's security token is missing or stale; reload the page and try again":
        "表单的安全令牌缺失或已过期，请刷新页面后重试",
    "cookies are needed to sign in; allow them and reload the page":
        "登录需要 Cookie，请允许后刷新页面",
    "too many failed sign-ins; wait 15 minutes or ask the teacher":
        "登录失败次数过多，请 15 分钟后再试或联系教师",
    "the exam is not open yet": "考试尚未开始",
    "the exam is closed": "考试已结束",
    "all attempts are used": "作答次数已用完",
    "no such page": "没有这个页面",
    "the database is not answering; try again in a moment (nothing unsaved was acknowledged)":
        "数据库暂无响应，请稍后重试（未保存的答案不会显示为已保存）",
}


def when(ts: float | None, lang: str) -> str:
    if ts is None:
        return ""
    local = datetime.fromtimestamp(ts, timezone.utc).astimezone()
    return local.strftime("%Y-%m-%d %H:%M" if lang == "zh" else "%d %b %Y %H:%M")


def create_app(store: Store, exam_name: str | None = None, *, secure_cookies: bool = False,
               proxies: int = 0, clock: Callable[[], float] = time.time,
               exam_ttl: float = EXAM_TTL) -> Flask:
    """The app over the exam in ``store`` (the only one, or ``exam_name``)."""
    ex0 = store.exam(exam_name)
    exam_id = ex0.id
    papers = Papers(ex0.spec_text, ex0.spec_path, ex0.banks)
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY, MAX_FORM_MEMORY_SIZE=MAX_BODY,
                      MAX_FORM_PARTS=500)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore
    css, js = asset("exam.css"), asset("exam.js")
    csp = (f"default-src 'none'; style-src {csp_hash(css)}; script-src {csp_hash(js)}; "
           "connect-src 'self'; img-src data:; form-action 'self'; base-uri 'none'; "
           "frame-ancestors 'none'")
    security = [("Content-Security-Policy", csp), ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"),
                ("Cache-Control", "no-store")]
    app.extensions["quizgen_headers"] = security

    cached: list = [0.0, None]             # (read at, Exam): re-read after EXAM_TTL

    def the_exam() -> Exam:
        """The exam's row, read at most once a second by this process (the teacher's
        changes to it, a release, reach every process within that second)."""
        if "exam" not in g:
            now = time.monotonic()
            if cached[1] is None or now - cached[0] >= exam_ttl:
                cached[:] = [now, store.exam(exam_id=exam_id)]
            g.exam = cached[1]
        return g.exam

    def lang() -> str:
        chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
        return chosen if chosen in ("zh", "en") else ex0.lang

    def page(template: str, status: int = 200, **context: Any) -> Response:
        lg = lang()
        words = {**drill_words(lg), **exam_words(lg)}
        body = render(template, lg, words=words, exam=the_exam(), when=lambda t: when(t, lg),
                      **context)
        resp = Response(body, status=status, mimetype="text/html")
        if request.args.get("lang") in ("zh", "en"):
            resp.set_cookie(LANG_COOKIE, lg, max_age=365 * 86400, httponly=True,
                            samesite="Strict", secure=secure_cookies)
        return resp

    def cookie(resp: Response, name: str, value: str, path: str = "/") -> None:
        resp.set_cookie(name, value, httponly=True, samesite="Strict", secure=secure_cookies,
                        path=path)

    @app.after_request
    def headers(resp: Response) -> Response:
        own = resp.headers.pop("X-Quizgen-Own-Policy", None)     # the analysis report's
        for name, value in security:
            if not (own and name == "Content-Security-Policy"):
                resp.headers[name] = value
        return resp

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = exc.code or 500
        message = exc.description if isinstance(exc, Fail) else {
            404: "no such page", 405: "this page does not take that method",
            413: f"the request is too large (at most {MAX_BODY // 1024} KiB)",
        }.get(code, exc.description or exc.name)
        if lang() == "zh":
            message = ZH.get(message, message)
        if request.path.startswith("/api/") or request.path.endswith((".csv", ".xlsx")):
            return Response(_json({"error": message}), status=code,
                            mimetype="application/json")
        try:
            return page("error.html.j2", code, status_code=code, message=message)
        except Exception:      # the page itself failed (the database is down): plain text
            return Response(message, status=code, mimetype="text/plain")

    @app.errorhandler(SQLAlchemyError)
    def db_error(exc: SQLAlchemyError) -> Response:
        print(f"quizgen exam: database error: {str(exc).splitlines()[0]}", file=sys.stderr,
              flush=True)
        return http_error(Fail(503, "the database is not answering; try again in a moment "
                                    "(nothing unsaved was acknowledged)"))

    @app.errorhandler(QuizgenError)
    def paper_error(exc: QuizgenError) -> Response:
        """A paper the banks cannot build again (a bank changed under the exam)."""
        print(f"quizgen exam: {exc}", file=sys.stderr, flush=True)
        return http_error(Fail(503, f"this paper cannot be built: {exc}; tell the teacher"))

    # ------------------------------------------------------------------ sessions, CSRF
    def signed_in(name: str):
        value = request.cookies.get(name, "")
        if not value or len(value) > 100:
            return None
        s = store.session(secure.token_hash(value), clock())
        if s is None or s.exam_id != exam_id:
            return None
        return s

    def student_session():
        s = signed_in(STUDENT_COOKIE)
        return s if s is not None and s.student is not None else None

    def teacher_session():
        s = signed_in(TEACHER_COOKIE)
        return s if s is not None and s.student is None else None

    def need_csrf(expected: str) -> None:
        given = request.headers.get("X-CSRF-Token") or request.form.get("csrf", "")
        if not given or not secure.hmac.compare_digest(given.encode(), expected.encode()):
            raise Fail(403, "the form's security token is missing or stale; reload the page "
                            "and try again")

    def pre_token(resp: Response | None = None) -> str:
        pre = request.cookies.get(PRE_COOKIE, "")
        if len(pre) < 20 or len(pre) > 100:
            pre = secure.token()
            g.new_pre = pre
        return secure.signed(the_exam().secret, pre)

    def set_pre(resp: Response) -> Response:
        if "new_pre" in g:
            cookie(resp, PRE_COOKIE, g.new_pre)
        return resp

    def need_pre_csrf() -> None:
        pre = request.cookies.get(PRE_COOKIE, "")
        if not pre:
            raise Fail(403, "cookies are needed to sign in; allow them and reload the page")
        need_csrf(secure.signed(the_exam().secret, pre))

    def form_post() -> None:
        if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            raise Fail(415, "this is sent as a form (application/x-www-form-urlencoded)")

    # ------------------------------------------------------------------ attempts
    def me() -> tuple[Any, StudentRow]:
        s = student_session()
        if s is None:
            raise Fail(401, "not signed in (or the sign-in has expired); sign in again")
        st = store.student_by_pk(s.student)
        if st is None:
            raise Fail(401, "this sign-in is no longer valid; sign in again")
        return s, st

    def finish_if_due(st: StudentRow, a: Attempt | None) -> Attempt | None:
        """The attempt, graded and closed first if its time is up."""
        if a is None or a.submitted_at is not None:
            return a
        if clock() > a.deadline(the_exam(), st) + GRACE:
            close(st, a, timed_out=True)
            return store.attempt(a.id)
        return a

    def close(st: StudentRow, a: Attempt, *, timed_out: bool) -> None:
        built = papers.get(st.paper_code)
        end = min(clock(), a.deadline(the_exam(), st)) if timed_out else clock()
        store.finish_attempt(a.id, end, lambda answers: grade(built, answers),
                             timed_out=timed_out)

    def open_attempt(st: StudentRow) -> Attempt | None:
        tries = store.attempts(st.id)
        return finish_if_due(st, tries[-1]) if tries else None

    def own_attempt(attempt_id: int) -> tuple[Any, StudentRow, Attempt]:
        if attempt_id > MAX_ID:
            raise Fail(404, "no such attempt of yours")
        value = request.cookies.get(STUDENT_COOKIE, "")
        found = (store.student_context(secure.token_hash(value), attempt_id, clock())
                 if value and len(value) <= 100 else None)
        if found is None or found[0].exam_id != exam_id:
            raise Fail(401, "not signed in (or the sign-in has expired); sign in again")
        s, st, a = found
        if a is None:                   # another's attempt looks like no attempt at all
            raise Fail(404, "no such attempt of yours")
        return s, st, a

    def still_open(st: StudentRow) -> Callable[[Attempt], None]:
        def check(a: Attempt) -> None:
            if a.submitted_at is not None:
                raise Fail(409, "this attempt is submitted; its answers cannot change")
            if clock() > a.deadline(the_exam(), st) + GRACE:
                raise Fail(409, "the time is up; the answers saved before it count")
        return check

    def save_form(st: StudentRow, a: Attempt, built: Built) -> None:
        values = {}
        for name in request.form:
            if name in ("csrf", "attempt", "fields"):
                continue
            key, typed = read_or_400(built, name, request.form.getlist(name))
            values[key] = typed
        # a field the page shows but the form does not send (no box ticked) is now empty
        for name in request.form.get("fields", "").split():
            if name in built.parts and name not in request.form:
                n, part = built.parts[name]
                values[(n, part["id"])] = []
        store.save_answers(a.id, values, clock(), still_open(st))

    # ------------------------------------------------------------------ student pages
    @app.get("/")
    def home() -> Response:
        s = student_session()
        if s is None:
            token = pre_token()
            return set_pre(page("signin.html.j2", csrf=token, error=None))
        return redirect("/exam", 303)

    @app.post("/signin")
    def signin() -> Response:
        form_post()
        need_pre_csrf()
        sid = request.form.get("student_id", "").strip()[:100]
        code = request.form.get("code", "")[:100]
        now = clock()
        address = request.remote_addr or "?"
        keys = [f"id:{sid}", f"ip:{address}"]
        counts = store.failures(keys, now)
        if counts[keys[0]] >= ID_LIMIT or counts[keys[1]] >= ADDRESS_LIMIT:
            raise Fail(429, "too many failed sign-ins; wait 15 minutes or ask the teacher")
        ex = the_exam()
        st = store.student(ex.id, sid) if sid else None
        ok = secure.check_code(code, st.code_hash if st else secure.DUMMY_CODE_HASH)
        if not (ok and st):
            store.fail(keys, now)
            message = ("wrong student ID or access code" if lang() == "en"
                       else "学号或考试码不正确")
            return set_pre(page("signin.html.j2", 401, csrf=pre_token(), error=message))
        token, csrf = secure.token(), secure.token()
        store.new_session(ex.id, st.id, secure.token_hash(token), csrf, now)
        resp = redirect("/exam", 303)
        cookie(resp, STUDENT_COOKIE, token)
        return resp

    @app.post("/signout")
    def signout() -> Response:
        form_post()
        s = student_session()
        if s is not None:
            need_csrf(s.csrf)
            store.end_session(secure.token_hash(request.cookies[STUDENT_COOKIE]))
        resp = redirect("/", 303)
        resp.delete_cookie(STUDENT_COOKIE)
        return resp

    @app.get("/exam")
    def sitting() -> Response:
        s = student_session()
        if s is None:
            return redirect("/", 303)
        st = store.student_by_pk(s.student)
        if st is None:
            return redirect("/", 303)
        ex, now = the_exam(), clock()
        a = open_attempt(st)
        built = papers.get(st.paper_code)
        tries = store.attempts(st.id)
        if a is not None and a.submitted_at is None:
            answers = store.answers(a.id)
            return page("paper.html.j2", student=st, attempt=a, built=built,
                        values=values_of(answers), csrf=s.csrf,
                        remaining=max(0, int(a.deadline(ex, st) - now)),
                        js=Markup(js))
        released = ex.released(now)
        review = None
        if a is not None and released:
            answers = store.answers(a.id)
            review = {"values": values_of(answers), "verdicts": verdicts(built, answers),
                      "solutions": [solution_view(q) for q in built.questions]}
        return page("status.html.j2", student=st, attempt=a, tries=tries, built=built,
                    csrf=s.csrf, now=now, released=released, review=review,
                    can_start=(now >= ex.opens_at and now < ex.closes_at
                               and len(tries) < ex.attempts))

    @app.post("/start")
    def start() -> Response:
        form_post()
        s, st = me()
        need_csrf(s.csrf)
        ex, now = the_exam(), clock()
        if now < ex.opens_at:
            raise Fail(409, "the exam is not open yet")
        if now >= ex.closes_at:
            raise Fail(409, "the exam is closed")
        current = open_attempt(st)
        if current is not None and current.submitted_at is None:
            return redirect("/exam", 303)           # already sitting: carry on
        done = len(store.attempts(st.id))
        if done >= ex.attempts:
            raise Fail(409, "all attempts are used")
        store.start_attempt(st.id, done + 1, now)
        return redirect("/exam", 303)

    @app.post("/save")
    def save() -> Response:
        form_post()
        s, st, a = own_attempt(_int(request.form.get("attempt")))
        need_csrf(s.csrf)
        save_form(st, a, papers.get(st.paper_code))
        return redirect("/exam", 303)

    @app.post("/submit")
    def submit() -> Response:
        form_post()
        s, st, a = own_attempt(_int(request.form.get("attempt")))
        need_csrf(s.csrf)
        if a.submitted_at is None:
            try:
                save_form(st, a, papers.get(st.paper_code))
            except Fail as exc:
                if exc.code != 409:       # time up: submit what was saved
                    raise
            close(st, a, timed_out=clock() > a.deadline(the_exam(), st) + GRACE)
        return redirect("/exam", 303)

    # ------------------------------------------------------------------ the autosave API
    @app.post("/api/attempt/<int:attempt_id>/answer")
    def api_answer(attempt_id: int) -> Response:
        if request.mimetype != "application/json":
            raise Fail(415, "send the answer as JSON: {\"name\": ..., \"value\": [...]}")
        s, st, a = own_attempt(attempt_id)
        need_csrf(s.csrf)
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise Fail(400, "the body must be JSON: {\"name\": field, \"value\": [strings]}")
        built = papers.get(st.paper_code)
        key, typed = read_or_400(built, body["name"], body.get("value", []))
        now = clock()
        current = store.save_answers(a.id, {key: typed}, now, still_open(st))
        return _json_response({"saved": True, "name": body["name"], "at": now,
                               "remaining": max(0, int(current.deadline(the_exam(), st) - now))})

    @app.get("/api/attempt/<int:attempt_id>")
    def api_attempt(attempt_id: int) -> Response:
        s, st, a = own_attempt(attempt_id)
        a = finish_if_due(st, a) or a
        now = clock()
        return _json_response({"attempt": a.id, "submitted": a.submitted_at is not None,
                               "remaining": max(0, int(a.deadline(the_exam(), st) - now)),
                               "answers": values_of(store.answers(a.id))})

    # ------------------------------------------------------------------ the teacher
    from quizgen.exam import teacher

    def forget_exam() -> None:
        cached[1] = None
        g.pop("exam", None)

    teacher.register(app, store=store, forget_exam=forget_exam, papers=papers, the_exam=the_exam, page=page,
                     teacher_session=teacher_session, need_csrf=need_csrf, pre_token=pre_token,
                     set_pre=set_pre, need_pre_csrf=need_pre_csrf, form_post=form_post,
                     cookie=cookie, close=close, clock=clock, fail=Fail,
                     cookie_name=TEACHER_COOKIE, limit=TEACHER_LIMIT)
    warm_up(app, papers, store, exam_id)
    return app


def read_or_400(built: Built, name: str, typed: Any):
    try:
        return read_value(built, name, typed)
    except BadAnswer as exc:
        raise Fail(400, str(exc)) from None


def _int(value: str | None) -> int:
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 12:
        raise Fail(400, "the form names no attempt (field 'attempt')")
    return int(value)


def _json(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False)


def _json_response(data: Any) -> Response:
    return Response(_json(data), mimetype="application/json")


def warm_up(app: Flask, papers: Papers, store: Store, exam_id: int) -> None:
    """Build one paper and compile the templates before the first student arrives (the
    first requests would otherwise each pay for it)."""
    from quizgen.exam.views import environment

    students = store.students(exam_id)
    if students:
        papers.get(students[0].paper_code)
    for name in ("signin.html.j2", "paper.html.j2", "status.html.j2", "error.html.j2",
                 "teacher_signin.html.j2", "teacher_progress.html.j2"):
        environment().get_template(name)
