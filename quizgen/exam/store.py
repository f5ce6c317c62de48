"""Every read and write of the exam database, as plain functions of a :class:`Store`.

The app servers keep nothing of their own: sessions, CSRF tokens, sign-in failures, attempts
and answers are all rows here, so any process can serve any request. A write returns only once
its transaction has committed (an autosave is acknowledged after that). An attempt's row is
locked (``FOR UPDATE`` on PostgreSQL; SQLite's writers are serial anyway) by every save and by
the submission, so no answer is acknowledged after its attempt was graded without it.
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from quizgen.errors import QuizgenError
from quizgen.exam import db, schema
from quizgen.exam.schema import answer, attempt, exam, result, session, signin_failure, student

SESSION_TTL = 12 * 3600        # seconds a sign-in lasts
FAILURE_WINDOW = 15 * 60       # seconds the sign-in rate limit looks back


@dataclass(frozen=True)
class Exam:
    id: int
    name: str
    title: str
    lang: str
    spec_path: str
    spec_text: str
    banks: tuple[str, ...]
    opens_at: float
    closes_at: float
    time_limit: int
    attempts: int
    release_at: float | None
    teacher_hash: str
    secret: str

    def released(self, now: float) -> bool:
        return self.release_at is not None and now >= self.release_at


@dataclass(frozen=True)
class StudentRow:
    id: int
    exam_id: int
    student_id: str
    name: str
    paper_code: str
    version: int | None
    code_hash: str
    extra_time: int


@dataclass(frozen=True)
class Attempt:
    id: int
    student: int
    number: int
    started_at: float
    submitted_at: float | None
    timed_out: bool
    score: float | None
    max_score: float | None

    def deadline(self, ex: Exam, st: StudentRow) -> float:
        """When the attempt ends: its time limit or the exam's close, whichever is first,
        plus the student's extra time."""
        return min(self.started_at + ex.time_limit, ex.closes_at) + st.extra_time


@dataclass(frozen=True)
class Session:
    exam_id: int
    student: int | None          # None: the teacher
    csrf: str
    expires_at: float


@dataclass(frozen=True)
class NewStudent:
    student_id: str
    name: str
    paper_code: str
    version: int | None
    code_hash: str


#: the autosave's one read (``Store.student_context``), built once: building a statement
#: with 20 labelled columns took most of an autosave's time on PostgreSQL
_CONTEXT = (select(session.c.exam_id, session.c.csrf, session.c.expires_at,
                   *[c.label(f"s_{c.name}") for c in student.c],
                   *[c.label(f"a_{c.name}") for c in attempt.c])
            .select_from(session.join(student, session.c.student == student.c.id)
                         .outerjoin(attempt, and_(attempt.c.student == student.c.id,
                                                  attempt.c.id == bindparam("attempt"))))
            .where(session.c.token_hash == bindparam("token")))


class Store:
    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = db.normalise_url(url)
        self.engine: Engine = db.make_engine(url, pool_size=pool_size)
        self.sqlite = self.engine.dialect.name == "sqlite"
        self._write_lock = threading.Lock()
        # an autosave's two writes, built once (building them took as long as running them)
        dialect = sqlite if self.sqlite else postgresql
        upsert = dialect.insert(answer).values(
            attempt=bindparam("attempt"), question=bindparam("question"),
            part=bindparam("part"), value=bindparam("value"), saves=1,
            saved_at=bindparam("saved_at"))
        self._upsert = upsert.on_conflict_do_update(
            index_elements=["attempt", "question", "part"],
            set_={"value": upsert.excluded.value, "saved_at": upsert.excluded.saved_at,
                  "saves": answer.c.saves + 1})
        lock = select(attempt).where(attempt.c.id == bindparam("id"))
        self._lock_attempt = lock if self.sqlite else lock.with_for_update()
        # reads: on SQLite an engine whose BEGIN is deferred; on PostgreSQL the same pool in
        # autocommit (one statement, no BEGIN and ROLLBACK around it)
        self.reader: Engine = (db.make_engine(url, pool_size=pool_size, reads=True)
                               if self.sqlite else
                               self.engine.execution_options(isolation_level="AUTOCOMMIT"))

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A write transaction. On SQLite the process's writers take turns on a lock first:
        SQLite's own wait for a busy database polls with growing sleeps, which under a
        burst of autosaves made them take seconds instead of milliseconds."""
        if not self.sqlite:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()
        if self.sqlite:
            self.reader.dispose()

    # ------------------------------------------------------------------ set-up
    def upgrade(self) -> None:
        db.upgrade(self.engine)

    def check_schema(self) -> None:
        """Refuse a database that is not an exam database at the newest migration."""
        rev = db.revision(self.engine)
        if rev != db.HEAD:
            what = "holds no exam" if rev is None else f"is at migration {rev}, not {db.HEAD}"
            raise QuizgenError(f"{db.safe_url(self.url)} {what}; 'quizgen exam create' makes "
                               "one, 'quizgen exam upgrade' migrates it", field="--db")

    def create_exam(self, *, name: str, title: str, lang: str, spec_path: str,
                    spec_text: str, banks: Sequence[str], opens_at: float, closes_at: float,
                    time_limit: int, attempts: int, release_at: float | None,
                    teacher_hash: str, secret: str, students: Sequence[NewStudent],
                    replace: bool = False) -> int:
        with self._begin() as conn:
            old = conn.execute(select(exam.c.id).where(exam.c.name == name)).scalar()
            if old is not None:
                if not replace:
                    raise QuizgenError(f"the database already holds an exam {name!r}; give "
                                       "--force to replace it (its attempts and answers are "
                                       "deleted)", field="--name")
                self._delete_exam(conn, old)
            exam_id = conn.execute(insert(exam).values(
                name=name, title=title, lang=lang, spec_path=spec_path, spec_text=spec_text,
                banks=json.dumps(list(banks)), opens_at=opens_at, closes_at=closes_at,
                time_limit=time_limit, attempts=attempts, release_at=release_at,
                teacher_hash=teacher_hash, secret=secret, created_at=time.time())
            ).inserted_primary_key[0]
            conn.execute(insert(student), [
                {"exam_id": exam_id, "student_id": s.student_id, "name": s.name,
                 "paper_code": s.paper_code, "version": s.version, "code_hash": s.code_hash,
                 "extra_time": 0} for s in students])
        return int(exam_id)

    def delete_exam(self, exam_id: int) -> None:
        with self._begin() as conn:
            self._delete_exam(conn, exam_id)

    @staticmethod
    def _delete_exam(conn: Connection, exam_id: int) -> None:
        pupils = select(student.c.id).where(student.c.exam_id == exam_id)
        tries = select(attempt.c.id).where(attempt.c.student.in_(pupils))
        conn.execute(delete(result).where(result.c.attempt.in_(tries)))
        conn.execute(delete(answer).where(answer.c.attempt.in_(tries)))
        conn.execute(delete(attempt).where(attempt.c.student.in_(pupils)))
        conn.execute(delete(session).where(session.c.exam_id == exam_id))
        conn.execute(delete(student).where(student.c.exam_id == exam_id))
        conn.execute(delete(exam).where(exam.c.id == exam_id))

    # ------------------------------------------------------------------ reads
    def exams(self) -> list[str]:
        with self.reader.connect() as conn:
            return list(conn.execute(select(exam.c.name).order_by(exam.c.id)).scalars())

    def exam(self, name: str | None = None, exam_id: int | None = None) -> Exam:
        query = select(exam)
        if exam_id is not None:
            query = query.where(exam.c.id == exam_id)
        elif name is not None:
            query = query.where(exam.c.name == name)
        with self.reader.connect() as conn:
            rows = conn.execute(query).mappings().all()
        if not rows:
            raise QuizgenError(f"no exam {name!r} in the database" if name else
                               "the database holds no exam", field="--exam")
        if len(rows) > 1:
            names = ", ".join(r["name"] for r in rows)
            raise QuizgenError(f"the database holds several exams ({names}); name one with "
                               "--exam", field="--exam")
        r = dict(rows[0])
        r["banks"] = tuple(json.loads(r["banks"]))
        r.pop("created_at")
        return Exam(**r)

    def student(self, exam_id: int, student_id: str) -> StudentRow | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(student).where(and_(
                student.c.exam_id == exam_id, student.c.student_id == student_id))).mappings().first()
        return StudentRow(**row) if row else None

    def student_by_pk(self, pk: int) -> StudentRow | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(student).where(student.c.id == pk)).mappings().first()
        return StudentRow(**row) if row else None

    def students(self, exam_id: int) -> list[StudentRow]:
        with self.reader.connect() as conn:
            rows = conn.execute(select(student).where(student.c.exam_id == exam_id)
                                .order_by(student.c.id)).mappings().all()
        return [StudentRow(**r) for r in rows]

    def attempts(self, student_pk: int) -> list[Attempt]:
        with self.reader.connect() as conn:
            rows = conn.execute(select(attempt).where(attempt.c.student == student_pk)
                                .order_by(attempt.c.number)).mappings().all()
        return [Attempt(**r) for r in rows]

    def attempt(self, attempt_id: int) -> Attempt | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(attempt).where(attempt.c.id == attempt_id)).mappings().first()
        return Attempt(**row) if row else None

    def answers(self, attempt_id: int, conn: Connection | None = None
                ) -> dict[tuple[int, str], list[str]]:
        query = select(answer.c.question, answer.c.part, answer.c.value).where(
            answer.c.attempt == attempt_id)
        if conn is None:
            with self.reader.connect() as own:
                rows = own.execute(query).all()
        else:
            rows = conn.execute(query).all()
        return {(q, p): json.loads(v) for q, p, v in rows}

    def results(self, attempt_id: int) -> list[dict[str, Any]]:
        with self.reader.connect() as conn:
            return [dict(r) for r in conn.execute(
                select(result).where(result.c.attempt == attempt_id)
                .order_by(result.c.question, result.c.part)).mappings()]

    def exam_attempts(self, exam_id: int) -> list[tuple[StudentRow, Attempt | None, int]]:
        """Each student with their latest attempt and how many parts it has answered."""
        with self.reader.connect() as conn:
            pupils = [StudentRow(**r) for r in conn.execute(
                select(student).where(student.c.exam_id == exam_id).order_by(student.c.id)
            ).mappings()]
            latest = {}
            for r in conn.execute(select(attempt).join(student, attempt.c.student == student.c.id)
                                  .where(student.c.exam_id == exam_id)
                                  .order_by(attempt.c.number)).mappings():
                latest[r["student"]] = Attempt(**r)
            counts = dict(conn.execute(
                select(answer.c.attempt, func.count()).where(answer.c.attempt.in_(
                    [a.id for a in latest.values()] or [-1])).group_by(answer.c.attempt)).all())
        return [(p, latest.get(p.id), counts.get(latest[p.id].id, 0) if p.id in latest else 0)
                for p in pupils]

    def exam_results(self, exam_id: int) -> dict[int, list[dict[str, Any]]]:
        """attempt id -> its graded parts, for every submitted attempt of the exam."""
        out: dict[int, list[dict[str, Any]]] = {}
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(result).join(attempt, result.c.attempt == attempt.c.id)
                .join(student, attempt.c.student == student.c.id)
                .where(student.c.exam_id == exam_id)
                .order_by(result.c.attempt, result.c.question, result.c.part)).mappings()
            for r in rows:
                out.setdefault(r["attempt"], []).append(dict(r))
        return out

    def all_attempts(self, exam_id: int) -> list[tuple[StudentRow, Attempt]]:
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(attempt, student.c.student_id.label("sid"))
                .join(student, attempt.c.student == student.c.id)
                .where(student.c.exam_id == exam_id).order_by(student.c.id, attempt.c.number)
            ).mappings().all()
        by_pk = {s.id: s for s in self.students(exam_id)}
        return [(by_pk[r["student"]], Attempt(**{k: v for k, v in r.items() if k != "sid"}))
                for r in rows]

    # ------------------------------------------------------------------ sessions
    def new_session(self, exam_id: int, student_pk: int | None, token_hash: bytes, csrf: str,
                    now: float, ttl: float = SESSION_TTL) -> None:
        with self._begin() as conn:
            conn.execute(delete(session).where(session.c.expires_at < now))
            conn.execute(insert(session).values(token_hash=token_hash, exam_id=exam_id,
                                                student=student_pk, csrf=csrf, created_at=now,
                                                expires_at=now + ttl))

    def session(self, token_hash: bytes, now: float) -> Session | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(session).where(session.c.token_hash == token_hash)
                               ).mappings().first()
        if row is None or row["expires_at"] < now:
            return None
        return Session(exam_id=row["exam_id"], student=row["student"], csrf=row["csrf"],
                       expires_at=row["expires_at"])

    def student_context(self, token_hash: bytes, attempt_id: int, now: float
                        ) -> tuple[Session, StudentRow, Attempt | None] | None:
        """In one query, for an autosave: the session of the cookie, its student, and the
        attempt if it is theirs (None: not theirs or none); None without a valid session."""
        with self.reader.connect() as conn:
            row = conn.execute(_CONTEXT, {"token": token_hash, "attempt": attempt_id}
                               ).mappings().first()
        if row is None or row["expires_at"] < now:
            return None
        sess = Session(exam_id=row["exam_id"], student=row["s_id"], csrf=row["csrf"],
                       expires_at=row["expires_at"])
        st = StudentRow(**{c.name: row[f"s_{c.name}"] for c in student.c})
        a = (Attempt(**{c.name: row[f"a_{c.name}"] for c in attempt.c})
             if row["a_id"] is not None else None)
        return sess, st, a

    def end_session(self, token_hash: bytes) -> None:
        with self._begin() as conn:
            conn.execute(delete(session).where(session.c.token_hash == token_hash))

    # ------------------------------------------------------------------ rate limit
    def failures(self, keys: Iterable[str], now: float) -> dict[str, int]:
        keys = list(keys)
        with self.reader.connect() as conn:
            rows = conn.execute(select(signin_failure.c.key, func.count())
                                .where(and_(signin_failure.c.key.in_(keys),
                                            signin_failure.c.at > now - FAILURE_WINDOW))
                                .group_by(signin_failure.c.key)).all()
        found = dict(rows)
        return {k: found.get(k, 0) for k in keys}

    def fail(self, keys: Iterable[str], now: float) -> None:
        with self._begin() as conn:
            conn.execute(delete(signin_failure).where(signin_failure.c.at < now - FAILURE_WINDOW))
            conn.execute(insert(signin_failure), [{"key": k, "at": now} for k in keys])

    # ------------------------------------------------------------------ attempts
    def start_attempt(self, student_pk: int, number: int, now: float) -> Attempt:
        """Attempt ``number`` of the student, begun now (or the one a parallel request
        began a moment ago)."""
        try:
            with self._begin() as conn:
                conn.execute(insert(attempt).values(student=student_pk, number=number,
                                                    started_at=now, timed_out=False))
        except IntegrityError:
            pass
        with self.reader.connect() as conn:
            row = conn.execute(select(attempt).where(and_(
                attempt.c.student == student_pk, attempt.c.number == number))).mappings().one()
        return Attempt(**row)

    def _locked(self, conn: Connection, attempt_id: int) -> Attempt | None:
        row = conn.execute(self._lock_attempt, {"id": attempt_id}).mappings().first()
        return Attempt(**row) if row else None

    def save_answers(self, attempt_id: int, values: dict[tuple[int, str], list[str]],
                     now: float, still_open) -> Attempt:
        """Store typed answers of an open attempt; returns the attempt. ``still_open(a)`` is
        asked under the attempt's lock (a QuizgenError from it refuses the save)."""
        with self._begin() as conn:
            a = self._locked(conn, attempt_id)
            if a is None:
                raise LookupError(attempt_id)
            still_open(a)
            rows = [{"attempt": attempt_id, "question": q, "part": part, "saved_at": now,
                     "value": json.dumps(typed, ensure_ascii=False)}
                    for (q, part), typed in values.items()]
            if rows:
                conn.execute(self._upsert, rows)
        return a

    def finish_attempt(self, attempt_id: int, now: float, grade, *, timed_out: bool) -> bool:
        """Grade and close an attempt: ``grade(answers)`` -> (result rows, score, max).
        False if it was closed already (by a parallel request)."""
        with self._begin() as conn:
            a = self._locked(conn, attempt_id)
            if a is None or a.submitted_at is not None:
                return False
            rows, score, possible = grade(self.answers(attempt_id, conn))
            if rows:
                conn.execute(insert(result), [{"attempt": attempt_id, **r} for r in rows])
            conn.execute(update(attempt).where(attempt.c.id == attempt_id).values(
                submitted_at=now, timed_out=timed_out, score=score, max_score=possible))
        return True

    # ------------------------------------------------------------------ the teacher
    def set_extra_time(self, student_pk: int, seconds: int) -> None:
        with self._begin() as conn:
            conn.execute(update(student).where(student.c.id == student_pk)
                         .values(extra_time=seconds))

    def reopen(self, attempt_id: int) -> None:
        """Undo a time-out (the teacher gave extra time after it): the attempt runs again,
        with its saved answers, and is graded when it ends."""
        with self._begin() as conn:
            a = self._locked(conn, attempt_id)
            if a is None or not a.timed_out:
                return
            conn.execute(delete(result).where(result.c.attempt == attempt_id))
            conn.execute(update(attempt).where(attempt.c.id == attempt_id).values(
                submitted_at=None, timed_out=False, score=None, max_score=None))

    def release(self, exam_id: int, at: float | None) -> None:
        with self._begin() as conn:
            conn.execute(update(exam).where(exam.c.id == exam_id).values(release_at=at))


def tables() -> list[str]:
    return sorted(schema.metadata.tables)
