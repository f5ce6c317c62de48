"""Load benchmark of ``quizgen serve`` on loopback: simulated students, each looping
GET / (a fresh problem) -> POST /check (its answers), reporting requests/s, latency
percentiles and errors (target: p99 under 100 ms, no errors).

    python benchmarks/bench_serve.py [--duration 30] [--concurrency 200] [--think 1]
                                     [--max-requests 1000000] [--threads 4] [--json]
                                     [--slow-clients 0] [--slow-interval 3]
                                     [--bank FILE] [--url http://127.0.0.1:PORT/]

Without ``--url`` it starts ``quizgen serve --port 0`` itself (the real command: waitress)
and stops it at the end. Only loopback addresses are accepted. Each student keeps its own
cookies (the session score) and connection, and connects from an address of its own
(127.0.1.1, 127.0.1.2, ...: all loopback on Linux), as the students of a class do. The run
is bounded by ``--duration`` and ``--max-requests``. An error is a transport failure, a
timeout or any status but 200. Reports, never asserts.

``--slow-clients N`` adds N slow-loris connections from one other address (127.0.0.2),
run by a process of their own so that they do not slow the students' event loop: each
sends the start of a request, then one more header line every ``--slow-interval`` seconds
(0.5 to 1.5 times it) and never the end; when the server closes it, it connects again after
such a pause. The report counts how the server dealt with them.

``--think`` is a student's mean pause before each request, in seconds (uniform in 0.5 to 1.5
times it). The default, 1 s, is already far faster than a class: a real student reads and
types for tens of seconds per problem. ``--think 0`` is a closed loop with no pause, which
measures saturation instead: then each request waits its turn behind the other students'
(Little's law: latency is about concurrency / throughput), so no p99 target holds there.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import multiprocessing
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from quizgen.questions.data import ORDER_MARKS

ROOT = Path(__file__).resolve().parents[1]
TOKEN = re.compile(r'name="token" value="([^"]+)"')
FIELD = re.compile(r'data-part="([a-z0-9_]+)" data-kind="([a-z]+)"')
TIMEOUT = 10.0
SLOW_ADDRESS = "127.0.0.2"


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"GET /": [], "POST /check": []})
    errors: dict[str, int] = field(default_factory=dict)
    requests: int = 0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def answers(page: str) -> dict[str, str | list[str]]:
    """Readable answers (right or wrong, never unreadable) for every field of a problem page."""
    form: dict[str, str | list[str]] = {"token": TOKEN.search(page).group(1)}
    for part, kind in FIELD.findall(page):
        name = f"a.{part}"
        if kind == "order":
            n = page.count(f'<select name="{name}"')
            form[name] = [ORDER_MARKS[i] for i in range(n)]       # ①, ②, ...
        else:
            form[name] = {"number": "1000", "bit": "1", "text": "CLOSED", "choice": "A",
                          "truefalse": "true"}[kind]
    return form


def student_address(n: int) -> str:
    """The loopback address student ``n`` connects from: 127.0.1.1, 127.0.1.2, ..."""
    return f"127.0.{1 + n // 250}.{1 + n % 250}"


async def student(url: str, stats: Stats, deadline: float, budget: list[int], think: float,
                  rng: random.Random, address: str | None) -> None:
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    connector = aiohttp.TCPConnector(limit=1, local_addr=(address, 0) if address else None)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        page = None
        while time.monotonic() < deadline and budget[0] > 0:
            if think:
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
                if time.monotonic() >= deadline:
                    break
            budget[0] -= 1
            what = "POST /check" if page else "GET /"
            start = time.perf_counter()
            try:
                if page:
                    data = aiohttp.FormData()
                    for name, value in answers(page).items():
                        for v in ([value] if isinstance(value, str) else value):
                            data.add_field(name, v)
                    async with http.post(url + "check", data=data) as resp:
                        await resp.read()
                        status = resp.status
                    page = None
                else:
                    async with http.get(url) as resp:
                        body = await resp.text()
                        status = resp.status
                    page = body if status == 200 else None
            except asyncio.TimeoutError:
                stats.error(f"{what}: timeout"); page = None
                continue
            except aiohttp.ClientError as exc:
                stats.error(f"{what}: {type(exc).__name__}"); page = None
                continue
            stats.requests += 1
            stats.latencies[what].append(time.perf_counter() - start)
            if status != 200:
                stats.error(f"{what}: HTTP {status}")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def loopback_only(url: str) -> str:
    host = urlsplit(url).hostname or ""
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        sys.exit(f"bench_serve: refusing {url!r}: only loopback addresses (127.0.0.1, ::1)")
    return url if url.endswith("/") else url + "/"


def start_server(threads: int, banks: list[str]) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, "-m", "quizgen", "serve", "--host", "127.0.0.1", "--port", "0",
           "--threads", str(threads), "--lang", "en"]
    for bank in banks:
        cmd += ["--only-banks", "--bank", bank]
    env = dict(os.environ, PYTHONUNBUFFERED="1", QUIZGEN_SECRET=secrets.token_urlsafe(32))
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env)
    line = proc.stdout.readline()
    match = re.search(r"(http://\S+/)", line)
    if not match:
        proc.kill()
        sys.exit(f"bench_serve: the server did not start: {line!r}")
    return proc, match.group(1)


async def slow_client(host: str, port: int, deadline: float, interval: float,
                      rng: random.Random, counts: dict[str, list[float] | int]) -> None:
    """One slow-loris: connect, trickle header lines, connect again once closed."""
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection(host, port,
                                                           local_addr=(SLOW_ADDRESS, 0))
        except OSError:
            counts["connect_failed"] += 1
            await asyncio.sleep(interval * rng.uniform(0.5, 1.5))
            continue
        opened = time.monotonic()
        closed = False
        try:
            writer.write(b"GET / HTTP/1.1\r\nHost: bench\r\n")
            while time.monotonic() < deadline:
                pause = min(interval * rng.uniform(0.5, 1.5), deadline - time.monotonic())
                try:
                    if not await asyncio.wait_for(reader.read(4096), timeout=max(pause, 0.01)):
                        closed = True
                        break
                except asyncio.TimeoutError:
                    writer.write(b"X-Slow: a\r\n")
                    await writer.drain()
        except OSError:
            closed = True
        finally:
            writer.close()
        if closed:
            counts["held_s"].append(time.monotonic() - opened)
        else:
            counts["open_at_end"] += 1
        await asyncio.sleep(interval * rng.uniform(0.5, 1.5))


def slow_clients(url: str, n: int, interval: float, duration: float, out) -> None:
    """``n`` slow clients against ``url`` for ``duration`` s (in a process of their own);
    sends their counts to ``out``."""
    parts = urlsplit(url)
    counts: dict[str, list[float] | int] = {"held_s": [], "open_at_end": 0, "connect_failed": 0}
    rng = random.Random(2)

    async def all_of_them() -> None:
        deadline = time.monotonic() + duration
        await asyncio.gather(*(slow_client(parts.hostname, parts.port, deadline, interval,
                                           random.Random(rng.random()), counts)
                               for _ in range(n)))

    asyncio.run(all_of_them())
    held = counts["held_s"]
    out.send({"clients": n, "interval_s": interval, "closed_by_server": len(held),
              "closed_within_1s": sum(h < 1 for h in held),
              "longest_held_s": round(max(held, default=0), 1),
              "open_at_end": counts["open_at_end"], "connect_failed": counts["connect_failed"]})


async def run(url: str, args: argparse.Namespace) -> tuple[Stats, float]:
    stats, rng = Stats(), random.Random(1)
    budget = [args.max_requests]
    own_addresses = isinstance(ipaddress.ip_address(urlsplit(url).hostname), ipaddress.IPv4Address)
    start = time.monotonic()
    deadline = start + args.duration
    tasks = [student(url, stats, deadline, budget, args.think, random.Random(rng.random()),
                     student_address(n) if own_addresses else None)
             for n in range(args.concurrency)]
    await asyncio.gather(*tasks)
    return stats, time.monotonic() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=30.0, help="seconds (default 30)")
    ap.add_argument("--concurrency", type=int, default=200, help="simulated students (default 200)")
    ap.add_argument("--think", type=float, default=1.0,
                    help="mean pause before each request, s (default 1; 0: saturation)")
    ap.add_argument("--max-requests", type=int, default=1_000_000, help="stop after this many")
    ap.add_argument("--threads", type=int, default=4, help="server threads (own server only)")
    ap.add_argument("--bank", action="append", default=[], help="bank for the own server "
                    "(repeatable; default: the built-in banks)")
    ap.add_argument("--slow-clients", type=int, default=0,
                    help="slow-loris connections from 127.0.0.2 during the run (default 0)")
    ap.add_argument("--slow-interval", type=float, default=3.0,
                    help="mean seconds between a slow client's header lines (default 3)")
    ap.add_argument("--url", help="an already running server on loopback")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not (0 < args.duration <= 600 and 0 < args.concurrency <= 2000 and args.max_requests > 0
            and 0 <= args.slow_clients <= 5000 and args.slow_interval > 0):
        sys.exit("bench_serve: duration 0-600 s, concurrency 1-2000, max-requests > 0, "
                 "slow-clients 0-5000, slow-interval > 0")
    proc = None
    if args.url:
        url = loopback_only(args.url)
    else:
        proc, url = start_server(args.threads, args.bank)
        url = loopback_only(url)
    slow, slow_result = None, None
    if args.slow_clients:
        if urlsplit(url).hostname != "127.0.0.1":
            sys.exit("bench_serve: --slow-clients needs a server on 127.0.0.1")
        receive, send = multiprocessing.Pipe(duplex=False)
        head_start = min(2.0, args.duration / 4)      # they take what they can first
        slow = multiprocessing.Process(target=slow_clients, daemon=True, args=(
            url, args.slow_clients, args.slow_interval, head_start + args.duration, send))
        slow.start()
        time.sleep(head_start)
    try:
        stats, elapsed = asyncio.run(run(url, args))
        if slow is not None:
            slow_result = receive.recv() if receive.poll(args.slow_interval * 2 + 10) else None
    finally:
        if slow is not None and slow.is_alive():
            slow.terminate()
        if proc is not None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    every = [x for v in stats.latencies.values() for x in v]
    def ms(values: list[float], p: float) -> float:
        return round(percentile(values, p) * 1000, 1)

    result = {
        "url": url, "duration_s": round(elapsed, 1), "concurrency": args.concurrency,
        "think_s": args.think, "server_threads": args.threads if proc else None,
        "requests": stats.requests, "requests_per_s": round(stats.requests / elapsed, 1),
        "p50_ms": ms(every, 50), "p90_ms": ms(every, 90), "p99_ms": ms(every, 99),
        "max_ms": round(max(every, default=float("nan")) * 1000, 1),
        "by_endpoint": {k: {"n": len(v), "p50_ms": ms(v, 50), "p99_ms": ms(v, 99)}
                        for k, v in stats.latencies.items()},
        "errors": sum(stats.errors.values()), "error_kinds": stats.errors,
        "target_met": bool(every) and percentile(every, 99) < 0.1 and not stats.errors,
        "slow_clients": slow_result,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['requests']} requests in {result['duration_s']} s from {args.concurrency} "
          f"students (think {args.think} s) against {url}")
    print(f"  {result['requests_per_s']} requests/s; latency p50 {result['p50_ms']} ms, "
          f"p90 {result['p90_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms")
    for name, e in result["by_endpoint"].items():
        print(f"  {name:<12} {e['n']:>7} requests, p50 {e['p50_ms']} ms, p99 {e['p99_ms']} ms")
    print(f"  errors: {result['errors']} {stats.errors or ''}")
    if slow_result:
        print(f"  slow clients: {slow_result['clients']} from {SLOW_ADDRESS} (a header line "
              f"every ~{args.slow_interval:g} s): the server closed {slow_result['closed_by_server']} "
              f"connections ({slow_result['closed_within_1s']} within 1 s), the longest after "
              f"{slow_result['longest_held_s']} s; {slow_result['open_at_end']} open at the end")
    print(f"  target (p99 < 100 ms, no errors): {'met' if result['target_met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
