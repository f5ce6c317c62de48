"""The teacher's pages of the exam app (``/teacher``): sign-in with the password (its scrypt
hash is in the database), progress (refreshing itself), results per student and question,
one student's paper as they answered it (with extra time), release, and the grade files.

A student's grade is their best submitted attempt. Attempts whose time ran out are graded
when any page looks at them (``sweep``), so the teacher's lists never show one as running.
"""

from __future__ import annotations

from typing import Callable

from flask import Flask, Response, redirect, request
from quizgen.drill.views import solution_view
from quizgen.exam import grades, secure
from quizgen.exam.marking import Papers, values_of, verdicts
from quizgen.exam.store import Attempt, Store, StudentRow


def best_attempts(store: Store, exam_id: int) -> dict[int, Attempt]:
    """student pk -> their best submitted attempt (the latest of equal scores)."""
    best: dict[int, Attempt] = {}
    for st, a in store.all_attempts(exam_id):
        if a.submitted_at is None or a.score is None:
            continue
        if st.id not in best or a.score >= (best[st.id].score or 0):
            best[st.id] = a
    return best


def register(app: Flask, *, store: Store, forget_exam: Callable[[], None], papers: Papers, the_exam, page, teacher_session,
             need_csrf, pre_token, set_pre, need_pre_csrf, form_post, cookie, close,
             clock: Callable[[], float], fail, cookie_name: str, limit: int) -> None:

    def need_teacher():
        s = teacher_session()
        if s is None:
            raise fail(401, "the teacher's pages need the teacher's sign-in (at /teacher)")
        return s

    def sweep() -> list[tuple[StudentRow, Attempt | None, int]]:
        """Every student's latest attempt, those whose time is up graded first."""
        ex, now = the_exam(), clock()
        rows = store.exam_attempts(ex.id)
        stale = [(st, a) for st, a, _ in rows
                 if a is not None and a.submitted_at is None and now > a.deadline(ex, st) + 5]
        for st, a in stale:
            close(st, a, timed_out=True)
        return store.exam_attempts(ex.id) if stale else rows

    def pupil(pk: int) -> StudentRow:
        st = store.student_by_pk(pk) if pk < 2 ** 31 else None
        if st is None or st.exam_id != the_exam().id:
            raise fail(404, "no such student in this exam")
        return st

    @app.get("/teacher")
    def teacher_home() -> Response:
        s = teacher_session()
        if s is None:
            return set_pre(page("teacher_signin.html.j2", csrf=pre_token(), error=None))
        ex, now = the_exam(), clock()
        rows = sweep()
        return page("teacher_progress.html.j2", rows=rows, csrf=s.csrf, now=now,
                    started=sum(1 for _, a, _ in rows if a is not None),
                    submitted=sum(1 for _, a, _ in rows if a and a.submitted_at),
                    released=ex.released(now))

    @app.post("/teacher/signin")
    def teacher_signin() -> Response:
        form_post()
        need_pre_csrf()
        now, address = clock(), request.remote_addr or "?"
        keys = [f"teacher:{address}"]
        if store.failures(keys, now)[keys[0]] >= limit:
            raise fail(429, "too many failed sign-ins; wait 15 minutes")
        ex = the_exam()
        if not secure.check_password(request.form.get("password", "")[:1024], ex.teacher_hash):
            store.fail(keys, now)
            return set_pre(page("teacher_signin.html.j2", 401, csrf=pre_token(),
                                error="wrong password" if ex.lang == "en" else "密码不正确"))
        token, csrf = secure.token(), secure.token()
        store.new_session(ex.id, None, secure.token_hash(token), csrf, now)
        resp = redirect("/teacher", 303)
        cookie(resp, cookie_name, token, path="/teacher")
        return resp

    @app.post("/teacher/signout")
    def teacher_signout() -> Response:
        form_post()
        s = need_teacher()
        need_csrf(s.csrf)
        store.end_session(secure.token_hash(request.cookies[cookie_name]))
        resp = redirect("/teacher", 303)
        resp.delete_cookie(cookie_name, path="/teacher")
        return resp

    @app.get("/teacher/results")
    def teacher_results() -> Response:
        s = need_teacher()
        ex = the_exam()
        rows = sweep()
        best = best_attempts(store, ex.id)
        results = store.exam_results(ex.id)
        table = []
        numbers: set[int] = set()
        for st, _, _ in rows:
            a = best.get(st.id)
            per_q: dict[int, list[float]] = {}
            for r in results.get(a.id, []) if a else []:
                got = per_q.setdefault(r["question"], [0.0, 0.0])
                got[0] += r["points"]
                got[1] += r["possible"]
                numbers.add(r["question"])
            table.append((st, a, per_q))
        return page("teacher_results.html.j2", table=table, numbers=sorted(numbers),
                    csrf=s.csrf)

    @app.get("/teacher/student/<int:pk>")
    def teacher_student(pk: int) -> Response:
        s = need_teacher()
        st = pupil(pk)
        sweep()
        tries = store.attempts(st.id)
        built = papers.get(st.paper_code)
        shown = []
        for a in tries:
            answers = store.answers(a.id)
            shown.append({"attempt": a, "values": values_of(answers),
                          "verdicts": verdicts(built, answers)})
        return page("teacher_student.html.j2", student=st, tries=shown, built=built,
                    solutions=[solution_view(q) for q in built.questions], csrf=s.csrf,
                    now=clock())

    @app.post("/teacher/student/<int:pk>/extra")
    def teacher_extra(pk: int) -> Response:
        form_post()
        s = need_teacher()
        need_csrf(s.csrf)
        st = pupil(pk)
        text = request.form.get("minutes", "").strip()
        # ASCII digits only: "²" and "①" are str.isdigit() too, and int() refuses them
        if not (text.isascii() and text.isdigit()) or int(text) > 24 * 60:
            raise fail(400, "extra time is a whole number of minutes from 0 to 1440")
        store.set_extra_time(st.id, int(text) * 60)
        tries = store.attempts(st.id)
        st = pupil(pk)
        if tries and tries[-1].timed_out and tries[-1].deadline(the_exam(), st) > clock():
            store.reopen(tries[-1].id)          # timed out, but the new time is not over
        return redirect(f"/teacher/student/{pk}", 303)

    @app.post("/teacher/release")
    def teacher_release() -> Response:
        form_post()
        s = need_teacher()
        need_csrf(s.csrf)
        store.release(the_exam().id, None if request.form.get("undo") else clock())
        forget_exam()
        return redirect("/teacher", 303)

    def grade_rows() -> list[grades.GradeRow]:
        ex = the_exam()
        sweep()
        best = best_attempts(store, ex.id)
        out = []
        for st in store.students(ex.id):
            a = best.get(st.id)
            out.append(grades.GradeRow(st.student_id, st.name, st.paper_code,
                                       a.score if a else None, a.max_score if a else
                                       papers.get(st.paper_code).max_score(),
                                       a.submitted_at if a else None))
        return out

    def download(data: bytes, name: str, mimetype: str) -> Response:
        resp = Response(data, mimetype=mimetype)
        resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return resp

    @app.get("/teacher/grades.csv")
    def teacher_csv() -> Response:
        need_teacher()
        ex = the_exam()
        return download(grades.grades_csv(grade_rows(), ex.lang), f"{ex.name}-grades.csv",
                        "text/csv")

    @app.get("/teacher/grades.xlsx")
    def teacher_xlsx() -> Response:
        need_teacher()
        ex = the_exam()
        return download(grades.grades_xlsx(grade_rows(), ex.lang, ex.title),
                        f"{ex.name}-grades.xlsx",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @app.get("/teacher/moodle.csv")
    def teacher_moodle() -> Response:
        need_teacher()
        ex = the_exam()
        return download(grades.moodle_csv(grade_rows(), ex.title), f"{ex.name}-moodle.csv",
                        "text/csv")

    @app.get("/teacher/analysis")
    def teacher_analysis() -> Response:
        s = need_teacher()
        ex = the_exam()
        sweep()
        best = best_attempts(store, ex.id)
        results = store.exam_results(ex.id)
        report = grades.item_analysis(
            [(st, papers.get(st.paper_code), results.get(best[st.id].id, []))
             for st in store.students(ex.id) if st.id in best], ex.title, ex.lang)
        if report is None:
            return page("teacher_analysis.html.j2", csrf=s.csrf, submitted=len(best))
        return analysis_page(report)

    def analysis_page(report: str) -> Response:
        """The grading package's self-contained report as it is, with a policy of its own:
        its one inline stylesheet allowed by hash, nothing else (it has no script)."""
        import re

        from quizgen.drill.views import csp_hash

        styles = re.findall(r"<style>(.*?)</style>", report, re.S)
        resp = Response(report, mimetype="text/html")
        resp.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src " + (" ".join(csp_hash(x) for x in styles) or
                                                "'none'")
            + "; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
        resp.headers["X-Quizgen-Own-Policy"] = "1"
        return resp

