"""The drill as a small web app for a class (Flask; ``quizgen serve`` runs it on waitress).

No database. Each visit to ``/`` draws a fresh problem, identified by a signed token holding
(entry id, seed, language, nonce) and its issue time (itsdangerous). ``POST /check`` regenerates
the problem from the token and grades the answers on the server. A token is signed, not
encrypted: anyone can read it. So the question is generated not from the token's seed but
from an HMAC of it under the server's secret (:func:`question_seed`); otherwise a student
could decode a token and print its key with ``quizgen question ID --seed S``. A result exists only as the
answer to that POST: there is no page to fetch for a token. Tokens expire (``max_age``).

Each problem is answered once: the server remembers the nonces of answered tokens until they
expire (:class:`Answered`, in memory), so a second POST of a token, with whatever cookie or
none, is refused (409) and shows no solution. Tokens name the server process that drew them:
one drawn before a restart is refused (410), since the answered nonces died with the old
process. The score lives in the signed session cookie: a tally for the student's own
practice, counting each answered problem once. A student cannot raise it (they cannot sign a
cookie, nor answer a problem twice), but can lower it by sending an older cookie or none:
it is no grade.

:func:`create_server` is the waitress server ``quizgen serve`` runs, with bounds waitress
lacks: connections per client address, and the time a request may take to arrive.

Every bad request gets a 4xx page saying what was wrong: a tampered or foreign token (400),
an expired one (410), a problem the banks do not hold (404), a malformed body (400, 415),
a body over the limit (413). Answers that cannot be read (``abc`` for a number) show the
problem again with a hint under the field (422), as the terminal asks again.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import random
import secrets
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from flask import Flask, Response, request, session
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask
from werkzeug.exceptions import HTTPException

from quizgen.drill import check
from quizgen.drill.problems import SEED_RANGE, select_entries
from quizgen.drill.views import (
    ProblemView,
    asset,
    csp_hash,
    problem_view,
    render_page,
    solution_view,
)
from quizgen.drill.words import error_text, status_name, word
from quizgen.errors import BankError, QuizgenError
from quizgen.questions.bank import LANGS, BankEntry, generate_question

MAX_BODY = 64 * 1024          # bytes: a form of answers is a few hundred
MAX_TOKEN = 512               # characters
MAX_ANSWER = 200              # characters in one field
MAX_ANSWERED = 100_000        # answered problems the server remembers (about 17 MB when full)
CACHE_SIZE = 1024             # problems kept between their GET and their POST
TOKEN_SALT = "quizgen-drill-problem"


def question_seed(secret: bytes | str, entry_id: str, seed: int) -> int:
    """The seed a token's problem is generated from: its public seed, keyed by the secret."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, f"quizgen-drill-seed\x1f{entry_id}\x1f{seed}".encode(),
                      hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") % SEED_RANGE


class Answered:
    """The answered problems' nonces, each kept until its token expires, so that no token is
    answered twice. Thread-safe (waitress serves from several threads). Bounded: past
    ``capacity`` the nonce issued first is forgotten, and from then on every token issued
    up to that one is refused as too old (so a forgotten nonce can never be answered again).
    """

    def __init__(self, max_age: int, capacity: int = MAX_ANSWERED) -> None:
        self.max_age = max_age
        self.capacity = capacity
        self.by_issue: list[tuple[int, str]] = []      # heap of (issue time, nonce)
        self.nonces: set[str] = set()
        self.floor = -1                 # tokens issued at or before this time are refused
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.nonces)

    def claim(self, nonce: str, issued: int, now: int | None = None) -> None:
        """Mark a token (its nonce, its issue time) answered; an HTTP error if it cannot be."""
        now = int(time.time()) if now is None else now     # whole seconds, as itsdangerous
        with self.lock:
            while self.by_issue and self.by_issue[0][0] + self.max_age < now:
                self.nonces.discard(heapq.heappop(self.by_issue)[1])
            if nonce in self.nonces:
                raise _fail(409, "this problem was already answered; get a new one")
            if issued + self.max_age < now:    # expired since its token was read
                raise _fail(410, "this problem has expired; get a new one")
            if issued <= self.floor:
                raise _fail(410, "this problem is too old to answer now (the server has "
                                 "answered too many since); get a new one")
            self.nonces.add(nonce)
            heapq.heappush(self.by_issue, (issued, nonce))
            if len(self.nonces) > self.capacity:
                first, forgotten = heapq.heappop(self.by_issue)
                self.nonces.discard(forgotten)
                self.floor = max(self.floor, first)


class Problems:
    """Draws problems, signs / reads their tokens, and spends each token once."""

    def __init__(self, entries: Sequence[BankEntry], secret: bytes | str, *, lang: str,
                 max_age: int, seed: int | None = None) -> None:
        self.entries = list(entries)
        self.by_id = {e.id: e for e in self.entries}
        self.lang = lang
        self.max_age = max_age
        self.rng = random.Random(secrets.randbits(64) if seed is None else seed)
        self.secret = secret
        self.signer = URLSafeTimedSerializer(secret, salt=TOKEN_SALT)
        self.answered = Answered(max_age)
        self.run = secrets.token_hex(4)    # this process: tokens of an earlier one are refused
        # the POST for a problem finds it as its GET left it: generated once, not twice
        self.prepared = lru_cache(maxsize=CACHE_SIZE)(self._prepare)

    def _prepare(self, entry_id: str, seed: int, lang: str) -> tuple[dict, ProblemView]:
        q = generate_question(self.by_id[entry_id], question_seed(self.secret, entry_id, seed),
                              lang)
        return q, problem_view(q)

    def draw(self, topics: Sequence[str], difficulty: int | None, lang: str
             ) -> tuple[dict, ProblemView, str]:
        """A fresh problem: (question, its view, its token)."""
        pool = select_entries(self.entries, topics, difficulty) if (topics or difficulty) else self.entries
        failure: BankError | None = None
        for _ in range(DRAW_TRIES):   # an entry a bank breaks for some seeds: draw another
            entry = self.rng.choice(pool)
            seed = self.rng.randrange(SEED_RANGE)
            try:
                q, view = self.prepared(entry.id, seed, lang)
            except BankError as exc:
                failure = exc
                _log_bank_error(exc)
                continue
            token = self.signer.dumps({"e": entry.id, "s": seed, "l": lang,
                                       "n": secrets.token_hex(8), "r": self.run})
            return q, view, token
        raise _fail(503, "the question banks fail to make a problem ({failure}); the teacher "
                         "can run 'quizgen banks check' on them", failure=failure)

    def read(self, token: str) -> tuple[dict, ProblemView, str, int]:
        """(question, view, nonce, issue time) of a token; raises an HTTP error saying what
        is wrong."""
        if not token or len(token) > MAX_TOKEN:
            raise _fail(400, "missing or oversized problem token")
        try:
            data, issued = self.signer.loads(token, max_age=self.max_age, return_timestamp=True)
        except SignatureExpired:
            raise _fail(410, "this problem has expired; get a new one") from None
        except BadSignature:
            raise _fail(400, "invalid problem token (altered, or issued by another server)") from None
        if not (isinstance(data, dict) and isinstance(data.get("e"), str)
                and isinstance(data.get("s"), int) and data.get("l") in LANGS
                and isinstance(data.get("n"), str)):
            raise _fail(400, "malformed problem token")
        entry = self.by_id.get(data["e"])
        if entry is None:
            raise _fail(404, "unknown problem {entry!r} (not in this server's banks)", entry=data["e"])
        if data.get("r") != self.run:
            raise _fail(410, "the server has restarted since this problem was drawn; "
                             "get a new one")
        try:
            q, view = self.prepared(entry.id, data["s"], data["l"])
        except BankError as exc:             # a signed token the bank cannot make again
            _log_bank_error(exc)
            raise _fail(503, "this problem cannot be made again ({error}); get a new one",
                        error=exc) from None
        return q, view, data["n"], int(issued.timestamp())


DRAW_TRIES = 20               # entries tried before a draw gives up (a broken bank)
_LOGGED: set[str] = set()


def _log_bank_error(exc: BankError) -> None:
    """A bank mistake, once per message on the server's stderr: the teacher should see it."""
    text = str(exc)
    if text not in _LOGGED and len(_LOGGED) < 1000:
        _LOGGED.add(text)
        print(f"quizgen serve: bank error: {text}", file=sys.stderr, flush=True)


def _fail(status: int, message: str, /, **args: Any) -> HTTPException:
    """An HTTP error whose page says ``message`` (a template: drill/words.py has its Chinese)."""
    exc = HTTPException(description=message.format(**args))
    exc.code = status
    exc.quizgen_message = (message, args)  # type: ignore[attr-defined]
    return exc


def _query_filters() -> tuple[list[str], int | None, str | None]:
    args = request.args
    difficulty = args.get("difficulty")
    if difficulty is not None and difficulty not in ("1", "2", "3"):
        raise _fail(400, "difficulty must be 1, 2 or 3")
    lang = args.get("lang")
    if lang is not None and lang not in LANGS:
        raise _fail(400, "unknown language {lang!r} (zh, en)", lang=lang)
    return args.getlist("topic"), int(difficulty) if difficulty else None, lang


def _answers(q: dict) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, str]]:
    """(parsed answers, typed values, hints) of the posted form for ``q``'s parts."""
    values, parsed, hints = {}, {}, {}
    for part in q["parts"]:
        name = f"a.{part['id']}"
        typed = request.form.getlist(name)
        if any(len(v) > MAX_ANSWER for v in typed):
            raise _fail(400, "answer {name!r} is too long", name=name)
        many = part["kind"] == "order" or (part["kind"] == "choice" and part.get("multiple"))
        if len(typed) > (len(part.get("items") or part.get("choices") or ()) if many else 1):
            raise _fail(400, "too many values for {name!r}", name=name)
        values[name] = typed
        try:
            parsed[part["id"]] = check.parse(part, " ".join(typed), q["lang"])
        except check.AnswerError as exc:
            hints[part["id"]] = exc.hint
    return parsed, values, hints


def _count(correct: bool) -> dict[str, int]:
    """The session's score with one more answered problem (the problem is spent already)."""
    score = dict(session.get("score", {"answered": 0, "right": 0, "streak": 0, "best": 0}))
    score["answered"] += 1
    score["right"] += int(correct)
    score["streak"] = score["streak"] + 1 if correct else 0
    score["best"] = max(score["best"], score["streak"])
    session["score"] = score
    session.pop("seen", None)      # what cookies of earlier versions remembered
    return score


def create_app(entries: Sequence[BankEntry], *, secret: bytes | str | None = None,
               lang: str = "zh", max_age: int = 2 * 3600, seed: int | None = None) -> Flask:
    """The app over ``entries``. Without ``secret`` a random one is made: tokens and scores
    then die with the process."""
    app = Flask(__name__)
    app.secret_key = secret if secret is not None else secrets.token_bytes(32)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY, MAX_FORM_MEMORY_SIZE=MAX_BODY,
                      MAX_FORM_PARTS=200, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="quizgen_drill")
    problems = Problems(entries, app.secret_key, lang=lang, max_age=max_age, seed=seed)
    app.extensions["quizgen_drill"] = problems
    _warm_up(problems)
    css = asset("drill.css")
    csp = (f"default-src 'none'; style-src {csp_hash(css)}; img-src data:; "
           "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
    security = [("Content-Security-Policy", csp), ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"),
                ("Cache-Control", "no-store")]
    app.extensions["quizgen_headers"] = security      # waitress's own error pages send them too

    def page(template: str, status: int = 200, **context: Any) -> Response:
        page_lang = context.pop("page_lang", problems.lang)
        context.setdefault("score", session.get("score"))
        body = render_page(template, page_lang, page_title=word("title", page_lang), csp=None,
                           **context)
        return Response(body, status=status, mimetype="text/html")

    @app.after_request
    def headers(resp: Response) -> Response:
        for name, value in security:
            resp.headers[name] = value
        return resp

    plainer = {404: "no such page: GET / for a problem, POST /check for its answers",
               405: "wrong method: GET / for a problem, POST /check for its answers",
               413: "the request is too large (at most {kib} KiB)"}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = exc.code or 500
        lang = request.args.get("lang")
        lang = lang if lang in LANGS else problems.lang
        template, args = getattr(exc, "quizgen_message", (None, {}))
        if template is None:
            template = plainer.get(code) if type(exc) is not HTTPException else None
            args = {"kib": MAX_BODY // 1024}
        message = error_text(template, lang, **args) if template else exc.description
        return page("web_error.html.j2", code, page_lang=lang, status_code=code,
                    name=status_name(code, exc.name, lang), message=message)

    @app.get("/")
    def new_problem() -> Response:
        topics, difficulty, query_lang = _query_filters()
        try:
            q, view, token = problems.draw(topics, difficulty, query_lang or problems.lang)
        except QuizgenError as exc:
            raise _fail(400, "{message}", message=exc.message) from None
        return page("web_problem.html.j2", page_lang=q["lang"], view=view,
                    token=token, values={}, hints={})

    @app.post("/check")
    def check_answers() -> Response:
        if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            raise _fail(415, "answers are sent as a form (application/x-www-form-urlencoded)")
        token = request.form.get("token", "")
        q, view, nonce, issued = problems.read(token)
        parsed, values, hints = _answers(q)
        if hints:                      # nothing graded or shown: the problem stays open
            return page("web_problem.html.j2", 422, page_lang=q["lang"], view=view,
                        token=token, values=values, hints=hints)
        problems.answered.claim(nonce, issued)      # once per token, from any cookie
        verdicts = {p["id"]: check.grade(p, parsed[p["id"]], q["lang"]) for p in q["parts"]}
        correct = all(v.correct for v in verdicts.values())
        score = _count(correct)
        return page("web_result.html.j2", page_lang=q["lang"], view=view,
                    values=values, verdicts=verdicts, correct=correct, score=score,
                    solution=solution_view(q))

    return app


def _warm_up(problems: Problems) -> None:
    """Compile the templates and load the renderers before the first student arrives (the
    first requests would otherwise each pay for it: a burst of slow answers at the start)."""
    for lang in LANGS:
        q, view, _ = problems.draw((), None, lang)
        score = {"answered": 0, "right": 0, "streak": 0, "best": 0}
        render_page("web_problem.html.j2", lang, page_title="", csp=None, view=view, token="",
                    values={}, hints={}, score=score)
        render_page("web_result.html.j2", lang, page_title="", csp=None, view=view, values={},
                    verdicts={}, correct=False, score=score, solution=solution_view(q))
        render_page("web_error.html.j2", lang, page_title="", csp=None, status_code=400,
                    name="", message="", score=None)



# ----------------------------------------------------------------- the server (waitress)
MAX_HEADER = 16 * 1024        # bytes of request line and headers (a browser sends about 1 KiB)
CONNECTIONS = 1000            # connections open at once, from everyone
CLIENT_CONNECTIONS = 32       # ... from one address (a browser opens up to 6)
REQUEST_TIMEOUT = 10          # seconds from a request's first byte to its last (headers, body)
IDLE_TIMEOUT = 60             # seconds a kept-alive connection may wait for its next request


class _ErrorTask(ErrorTask):
    """An error page waitress writes itself (400, 413, 431, 501, 500): with quizgen's headers."""

    def execute(self) -> None:
        self.response_headers.extend(self.channel.server.security_headers)
        super().execute()


class _Channel(HTTPChannel):
    """A connection that knows its client's address and when its current request began."""

    error_task_class = _ErrorTask
    client: str | None = None             # the address, while it counts in server.clients
    reading_since: float | None = None    # None: no request being read (idle, or served)

    def __init__(self, server: "_Server", sock, addr, adj, map=None) -> None:
        super().__init__(server, sock, addr, adj, map)
        self.client = addr[0]
        server.clients[self.client] += 1

    def received(self, data: bytes) -> bool:
        if self.request is None:          # the first byte of a new request
            self.reading_since = time.time()
        try:
            return super().received(data)
        finally:
            if self.request is None:      # all of it arrived (it is queued or answered)
                self.reading_since = None

    def del_channel(self, map=None) -> None:
        super().del_channel(map)
        if self.client is not None:
            self.server.release(self.client)
            self.client = None


class _Server(TcpWSGIServer):
    """waitress's server, with two more bounds: connections per client address (excess
    ones are closed at once) and the time a request may take to arrive. waitress alone
    only closes connections idle for ``channel_timeout``, which one sending a header
    byte every few seconds never is: 1,100 such connections from one client took every
    connection there was, and students waited."""

    channel_class = _Channel

    def __init__(self, app: Flask, *, client_connections: int, request_timeout: float,
                 **kw: Any) -> None:
        self.clients: Counter[str] = Counter()
        self.client_connections = client_connections
        self.request_timeout = request_timeout
        self.quiet_until = 0.0            # no warning about a full client before this time
        self.security_headers = list(app.extensions.get("quizgen_headers", ()))
        super().__init__(app, **kw)

    def handle_accept(self) -> None:
        try:
            pair = self.accept()
            if pair is None:
                return
            conn, addr = pair
            if self.clients[addr[0]] >= self.client_connections:
                conn.close()
                self._warn_full(addr[0])
                return
            self.set_socket_options(conn)
        except OSError:                   # the client went away meanwhile, as waitress does
            return
        self.channel_class(self, conn, self.fix_addr(addr), self.adj, map=self._map)

    def _warn_full(self, client: str) -> None:
        """Say (at most once a minute) that a client's connections were refused: a class
        behind one NAT address needs a higher limit."""
        now = time.time()
        if now >= self.quiet_until:
            self.quiet_until = now + 60
            self.logger.warning("closed new connections from %s, which holds %d already "
                                "(--client-connections)", client, self.client_connections)

    def release(self, client: str) -> None:
        self.clients[client] -= 1
        if not self.clients[client]:
            del self.clients[client]

    def maintenance(self, now: float) -> None:
        super().maintenance(now)          # closes the idle ones
        cutoff = now - self.request_timeout
        for channel in self.active_channels.values():
            if (channel.reading_since is not None and channel.reading_since < cutoff
                    and not channel.requests):
                channel.will_close = True


def create_server(app: Flask, *, host: str, port: int, threads: int = 4,
                  connection_limit: int = CONNECTIONS,
                  client_connections: int = CLIENT_CONNECTIONS,
                  request_timeout: float = REQUEST_TIMEOUT) -> _Server:
    """The waitress server ``quizgen serve`` runs ``app`` on (not started: ``.run()``).
    Raises OSError when it cannot listen, QuizgenError for a host that is no address."""
    try:
        adj = Adjustments(host=host, port=port, threads=threads, ident="quizgen",
                          max_request_body_size=MAX_BODY, max_request_header_size=MAX_HEADER,
                          connection_limit=connection_limit, channel_timeout=IDLE_TIMEOUT,
                          cleanup_interval=1, clear_untrusted_proxy_headers=True)
    except ValueError:
        raise QuizgenError(f"cannot listen on {host!r}: not an address of this machine",
                           field="--host") from None
    if len(adj.listen) != 1:
        addresses = ", ".join(str(info[3][0]) for info in adj.listen)
        raise QuizgenError(f"{host!r} names several addresses ({addresses}); give one",
                           field="--host")
    return _Server(app, map={}, adj=adj, sockinfo=adj.listen[0],
                   client_connections=client_connections, request_timeout=request_timeout)
