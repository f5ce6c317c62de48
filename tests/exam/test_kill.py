"""An acknowledged autosave is committed: 200 students save answers at once against a real
``quizgen exam serve``; the server is killed with SIGKILL in mid-stream and started again;
every answer the server had acknowledged is there (or one the student sent after it, whose
acknowledgement the kill cut off). The students' session cookies from before the kill still
work: the process kept nothing of its own."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import time

import pytest

from tests.exam.conftest import make_exam, start_exam_server, stop_exam_server

STUDENTS = 200
ACKED = 1500                 # acknowledged saves before the kill


async def _student(aiohttp, url: str, sid: str, code: str, log: dict, stop: asyncio.Event,
                   rng: random.Random, sessions: dict):
    jar = aiohttp.CookieJar(unsafe=True)
    session = aiohttp.ClientSession(cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=30))
    sessions[sid] = session
    async with session.get(url) as r:
        csrf = re.search(r'name="csrf" value="([^"]+)"', await r.text()).group(1)
    async with session.post(url + "signin", data={"csrf": csrf, "student_id": sid,
                                                  "code": code}) as r:
        assert r.status == 200, await r.text()       # followed the 303 to /exam
        csrf = re.search(r'name="csrf" value="([^"]+)"', await r.text()).group(1)
    async with session.post(url + "start", data={"csrf": csrf}) as r:
        page = await r.text()
    attempt = int(re.search(r'data-attempt="(\d+)"', page).group(1))
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    fields = re.search(r'name="fields" value="([^"]+)"', page).group(1).split()
    log[sid] = {"attempt": attempt, "csrf": csrf, "sent": {}, "acked": {}}
    k = 0
    while not stop.is_set():
        name = rng.choice(fields)
        k += 1
        value = [f"{sid}-{k}"]
        log[sid]["sent"].setdefault(name, []).append(value)
        try:
            async with session.post(f"{url}api/attempt/{attempt}/answer",
                                    json={"name": name, "value": value},
                                    headers={"X-CSRF-Token": csrf}) as r:
                body = await r.json()
                if r.status == 200 and body.get("saved"):
                    log[sid]["acked"][name] = value
                    log[sid]["count"] = log[sid].get("count", 0) + 1
                else:
                    raise AssertionError(f"{sid}: {r.status} {body}")
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return                                   # the server is gone
        await asyncio.sleep(rng.uniform(0.0, 0.05))


async def _run(url: str, made, stop_after: int):
    import aiohttp

    log: dict = {}
    sessions: dict = {}
    stop = asyncio.Event()
    rng = random.Random(15)
    tasks = [asyncio.create_task(_student(aiohttp, url, sid, code, log, stop,
                                          random.Random(rng.random()), sessions))
             for sid, code in made.codes.items()]
    return tasks, log, sessions, stop


def _acks(log: dict) -> int:
    """Saves acknowledged so far."""
    return sum(v.get("count", 0) for v in log.values())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_loses_no_acknowledged_answer(backend, tmp_path, request):
    from tests.exam.conftest import fresh_database

    db = fresh_database(backend, tmp_path, request)
    made = make_exam(tmp_path, db, STUDENTS)
    proc, url = start_exam_server(db, "--threads", "8", "--client-connections", "1000")

    async def scenario():
        import aiohttp

        tasks, log, sessions, stop = await _run(url, made, 0)
        deadline = time.monotonic() + 90
        # wait until every student has begun and ACKED saves are acknowledged
        began = time.monotonic()
        while len(log) < STUDENTS and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        print(f"{len(log)} students signed in and started in {time.monotonic() - began:.1f} s")
        while _acks(log) < ACKED and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert len(log) == STUDENTS, f"only {len(log)} students got going"
        os.kill(proc.pid, signal.SIGKILL)            # in the middle of the stream
        killed_at = _acks(log)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=False)
        proc.wait()
        assert killed_at >= ACKED
        # a new server; the same cookies (sessions are rows in the database)
        proc2, url2 = start_exam_server(db, "--threads", "4", "--client-connections", "1000")
        try:
            missing = []
            checked = 0
            for sid, entry in log.items():
                session = sessions[sid]
                # the cookie jar holds the old address's cookies: carry them to the new port
                cookies = {c.key: c.value for c in session.cookie_jar}
                async with aiohttp.ClientSession(cookies=cookies) as fresh:
                    async with fresh.get(f"{url2}api/attempt/{entry['attempt']}") as r:
                        assert r.status == 200, await r.text()
                        stored = (await r.json())["answers"]
                for name, value in entry["acked"].items():
                    sent = entry["sent"][name]
                    later = sent[max(i for i, v in enumerate(sent) if v == value):]
                    checked += 1
                    if stored.get(name) not in later:
                        missing.append((sid, name, value, stored.get(name)))
            for session in sessions.values():
                await session.close()
            assert checked >= 500
            assert not missing, missing[:5]
        finally:
            stop_exam_server(proc2)
        return killed_at, checked

    try:
        killed_at, checked = asyncio.run(scenario())
    finally:
        if proc.poll() is None:
            proc.kill()
        stop_exam_server(proc)
    print(f"{backend}: killed after {killed_at} acknowledged saves; {checked} fields checked")
