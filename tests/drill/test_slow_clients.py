"""quizgen serve's waitress server against slow and malformed clients: one address cannot
take every connection, a request must arrive within a time limit (a slow-loris trickling
header bytes is cut off though never idle), and waitress's own error pages carry the same
security headers as quizgen's. A real server on an ephemeral loopback port, in a thread;
the slow clients connect from 127.0.0.2 (loopback too), the student from 127.0.0.1."""

from __future__ import annotations

import contextlib
import http.client
import select
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from quizgen.drill.web import MAX_HEADER, create_app, create_server
from tests.drill.conftest import SECRET

SLOW_ADDRESS = "127.0.0.2"


@pytest.fixture(scope="module")
def app(entries):
    return create_app(entries, secret=SECRET, lang="en", seed=5)


@contextlib.contextmanager
def serving(app, **options) -> Iterator[int]:
    """A server for ``app`` (``options``: create_server's) running in a thread; its port."""
    from waitress import wasyncore

    server = create_server(app, host="127.0.0.1", port=0, threads=2, **options)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            wasyncore.loop(timeout=0.1, map=server._map, use_poll=True, count=1)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        stop.set()
        thread.join(10)
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map, ignore_all=True)


def slow_connection(port: int, source: str = SLOW_ADDRESS) -> socket.socket:
    """A connection that has sent the start of a request and no more (yet)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return sock


def trickle(socks: list[socket.socket], data: bytes = b"X-a: b\r\n") -> None:
    """One more header line on each connection the server has not closed."""
    for sock in socks:
        with contextlib.suppress(OSError):
            sock.send(data)


def get(port: int, path: str = "/", conn: http.client.HTTPConnection | None = None,
        timeout: float = 5) -> tuple[http.client.HTTPResponse, bytes, float]:
    """(response, body, seconds taken) of a GET from 127.0.0.1."""
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.monotonic()
    conn.request("GET", path)
    resp = conn.getresponse()
    return resp, resp.read(), time.monotonic() - start


def closed_after(sock: socket.socket, limit: float, every: float = 0.5) -> float | None:
    """Seconds until the server closes ``sock`` while it trickles a header line each
    ``every`` seconds (None: still open after ``limit``)."""
    start = time.monotonic()
    sock.settimeout(every)
    while time.monotonic() - start < limit:
        try:
            if sock.recv(1024) == b"":
                return time.monotonic() - start
        except socket.timeout:
            pass
        except OSError:                      # reset
            return time.monotonic() - start
        try:
            sock.send(b"X-a: b\r\n")
        except OSError:
            return time.monotonic() - start
    return None


def test_slow_clients_from_one_address_do_not_lock_others_out(app):
    """300 connections trickling headers from one address, against a server taking at most
    200 at once (as 1,100 against quizgen serve's 1,000): a student is still served at once."""
    with serving(app, connection_limit=200, request_timeout=30) as port:
        slow = []
        try:
            for _ in range(300):
                slow.append(slow_connection(port))
            time.sleep(0.5)
            trickle(slow)
            resp, body, took = get(port)
            assert resp.status == 200 and b'name="token"' in body
            assert took < 3, f"a student waited {took:.1f} s"
            trickle(slow)
            resp, _, took = get(port)
            assert resp.status == 200 and took < 3
        finally:
            for sock in slow:
                sock.close()


def test_slow_loris_is_cut_off(app):
    with serving(app, request_timeout=2) as port:
        for start in (b"GET / HTTP/1.1\r\nHost: x\r\n",                        # headers
                      b"POST /check HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n"
                      b"Content-Type: application/x-www-form-urlencoded\r\n\r\ntoken="):  # body
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            try:
                sock.sendall(start)
                took = closed_after(sock, limit=10)
            finally:
                sock.close()
            assert took is not None, "still open after 10 s of trickling"
            assert took < 2 + 2.5, took                  # the limit, and a maintenance round


def test_the_time_limit_is_per_request_not_per_connection(app):
    """A kept-alive connection may sit idle between requests longer than the limit."""
    with serving(app, request_timeout=2) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        assert get(port, conn=conn)[0].status == 200
        time.sleep(3.5)
        assert get(port, conn=conn)[0].status == 200
        conn.close()


def test_one_address_holds_a_bounded_number_of_connections(app, caplog):
    with serving(app, client_connections=8) as port:
        socks = [slow_connection(port) for _ in range(20)]
        try:
            time.sleep(1)
            # the server answers none of them (no request is complete): readable means closed
            closed, _, _ = select.select(socks, [], [], 1)
            assert len(socks) - len(closed) == 8
            for sock in closed:
                with contextlib.suppress(OSError):
                    assert sock.recv(1024) == b""
            assert get(port)[0].status == 200                  # another address: served
            warnings = [r.getMessage() for r in caplog.records if "--client-connections" in r.getMessage()]
            assert len(warnings) == 1 and SLOW_ADDRESS in warnings[0]    # said, once
        finally:
            for sock in socks:
                sock.close()


def raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of the server's answer to ``request``, sent as is."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        with contextlib.suppress(OSError):
            sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


BIG = b"GET / HTTP/1.1\r\nHost: x\r\nX-big: "
ERRORS = {
    "malformed": (b"GARBAGE\r\n\r\n", 400),
    "bad header": (b"GET / HTTP/1.1\r\nHost: x\r\nbad header line\r\n\r\n", 400),
    # exactly the limit, so that the server reads it all before it answers (what it leaves
    # unread would reset the connection, and the answer with it)
    "oversized header": (BIG.ljust(MAX_HEADER, b"a"), 431),
    "oversized body": (b"POST /check HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n", 413),
    "unknown transfer coding": (b"POST /check HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
}


@pytest.mark.parametrize("case", ERRORS)
def test_waitress_error_pages_carry_the_security_headers(server, case):
    """quizgen serve itself (the real command): waitress answers these before Flask sees
    them, with the same headers as quizgen's own pages."""
    from urllib.parse import urlsplit

    request, status = ERRORS[case]
    port = urlsplit(server).port
    code, headers, body = raw(port, request)
    assert code == status, (code, body[:200])
    assert b"generated by quizgen" in body                      # waitress's own page
    page = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    page.request("GET", "/")
    own = page.getresponse()
    own.read()
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                 "Referrer-Policy", "Cache-Control"):
        assert headers.get(name) == own.getheader(name) != None, name
    page.close()


def test_serve_defaults_are_the_servers():
    from quizgen.commands.drill import serve
    from quizgen.drill.web import CLIENT_CONNECTIONS, CONNECTIONS, REQUEST_TIMEOUT

    option = next(p for p in serve.params if p.name == "client_connections")
    assert option.default == CLIENT_CONNECTIONS and f"{CONNECTIONS:,}" in option.help
    assert REQUEST_TIMEOUT <= 10                     # "a few seconds"
