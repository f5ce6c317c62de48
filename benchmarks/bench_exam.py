"""Load benchmark of ``quizgen exam serve`` on loopback: simulated students sit an online
exam, and the run reports latency percentiles, errors, lost answers, requests/s and the app
servers' memory (issue 15's target on this 2-core machine: autosave p99 under 200 ms, 0
errors, 0 lost answers).

    python benchmarks/bench_exam.py [--students 1000] [--ramp 240] [--think 6]
                                    [--saves 10] [--db sqlite|postgresql]
                                    [--processes 1] [--threads 8] [--json]

It creates an exam for ``--students`` students (the real ``quizgen exam create``: a roster,
access codes hashed in the database), starts ``--processes`` app servers (``quizgen exam
serve``) on one database (SQLite: a file; PostgreSQL: Debian's server started here in a
temporary folder, as the tests do), and lets the students arrive evenly over ``--ramp``
seconds. Each signs in (GET /, POST /signin, which loads the exam page), starts (POST
/start, which loads the paper), makes ``--saves`` autosaves of changed answers with a think
time before each (uniform in 0.5 to 1.5 times ``--think``), reloads the paper once half-way
(a page load), and submits. With several processes, a student's consecutive requests go to
different processes in turn (round robin per request, as a proxy without sticky sessions
would send them): every request is served by a process that did not serve the one before.

At the end every student's stored answers are read back (GET /api/attempt/ID) and compared
with the last value the server acknowledged for each field: a difference is a lost answer.
An error is a transport failure, a timeout, or a status other than the expected one.
Reports, never asserts. The simulated students run in this process and share the 2 cores
with the servers (and PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ATTEMPT = re.compile(r'data-attempt="(\d+)"')
FIELDS = re.compile(r'name="fields" value="([^"]+)"')
TIMEOUT = 30.0
PASSWORD = "benchmark teacher password"


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {
        "sign-in (GET / + POST /signin, exam page)": [], "start (paper page)": [],
        "autosave": [], "reload (paper page)": [], "submit": [], "read back": []})
    errors: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    lost: int = 0
    checked: int = 0
    finished: int = 0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


class Servers:
    """The app processes; ``url()`` hands them out in turn."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        self.turn = 0

    def url(self) -> str:
        self.turn += 1
        return self.urls[self.turn % len(self.urls)]


async def _call(stats: Stats, what: str, coro_factory, expect=(200,), record: bool = True):
    t = time.perf_counter()
    try:
        async with coro_factory() as r:
            body = await r.text()
            status = r.status
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        stats.error(f"{what}: {type(exc).__name__}")
        return None
    finally:
        stats.requests += 1
    if status not in expect:
        stats.error(f"{what}: HTTP {status}")
        return None
    if record:
        stats.latencies[what].append(time.perf_counter() - t)
    return body


async def student(servers: Servers, sid: str, code: str, start_at: float, args, stats: Stats,
                  rng: random.Random, acked_out: dict) -> None:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    jar = aiohttp.CookieJar(unsafe=True)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=timeout) as s:
        # cookies are per host: every server is 127.0.0.1, so they go to every port alike
        t = time.perf_counter()
        page = await _call(stats, "sign-in (GET / + POST /signin, exam page)",
                           lambda: s.get(servers.url()), record=False)
        if page is None:
            return
        page = await _call(stats, "sign-in (GET / + POST /signin, exam page)",
                           lambda: s.post(servers.url() + "signin", data={
                               "csrf": CSRF.search(page).group(1), "student_id": sid,
                               "code": code}, allow_redirects=False), expect=(303,),
                           record=False)
        if page is None:
            return
        page = await _call(stats, "sign-in (GET / + POST /signin, exam page)",
                           lambda: s.get(servers.url() + "exam"), record=False)
        if page is None:
            return
        stats.latencies["sign-in (GET / + POST /signin, exam page)"].append(
            time.perf_counter() - t)
        csrf = CSRF.search(page).group(1)
        t = time.perf_counter()
        await _call(stats, "start (paper page)", lambda: s.post(
            servers.url() + "start", data={"csrf": csrf}, allow_redirects=False), expect=(303,),
            record=False)
        page = await _call(stats, "start (paper page)", lambda: s.get(servers.url() + "exam"),
                           record=False)
        if page is None or not ATTEMPT.search(page):
            stats.error("start: no paper")
            return
        stats.latencies["start (paper page)"].append(time.perf_counter() - t)
        attempt = ATTEMPT.search(page).group(1)
        csrf = CSRF.search(page).group(1)
        fields = FIELDS.search(page).group(1).split()
        acked: dict[str, list[str]] = {}
        for k in range(args.saves):
            await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))
            name = rng.choice(fields)
            value = [f"{sid}-{k}"]
            body = await _call(stats, "autosave", lambda: s.post(
                f"{servers.url()}api/attempt/{attempt}/answer",
                json={"name": name, "value": value}, headers={"X-CSRF-Token": csrf}))
            if body is not None and json.loads(body).get("saved"):
                acked[name] = value
            if k == args.saves // 2:
                await _call(stats, "reload (paper page)", lambda: s.get(servers.url() + "exam"))
        await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))
        await _call(stats, "submit", lambda: s.post(
            servers.url() + "submit", data={"csrf": csrf, "attempt": attempt},
            allow_redirects=False), expect=(303,))
        acked_out[sid] = (attempt, acked, jar)
        stats.finished += 1


async def read_back(servers: Servers, acked_out: dict, stats: Stats) -> None:
    """Every student's stored answers against what was acknowledged."""
    sem = asyncio.Semaphore(20)

    async def one(attempt: str, acked: dict, jar) -> None:
        async with sem, aiohttp.ClientSession(cookie_jar=jar) as s:
            body = await _call(stats, "read back",
                               lambda: s.get(f"{servers.url()}api/attempt/{attempt}"))
            if body is None:
                stats.lost += len(acked)
                return
            stored = json.loads(body)["answers"]
            for name, value in acked.items():
                stats.checked += 1
                if stored.get(name) != value:
                    stats.lost += 1

    await asyncio.gather(*(one(*v) for v in acked_out.values()))


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / ticks


def postgres_pids(data: str) -> list[int]:
    """The PostgreSQL server's processes: the postmaster (its pid file in the data folder)
    and its children (the backends and the background workers)."""
    try:
        postmaster = int(Path(data, "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    more = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True)
    return [postmaster] + [int(p) for p in more.stdout.split()]


def make_exam(folder: Path, db: str, n: int) -> dict[str, str]:
    text = (ROOT / "templates" / "paper" / "sample-zh.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^seed: *\d+", "seed: 90210", text)
    (folder / "bench.yaml").write_text(text, encoding="utf-8")
    (folder / "class.csv").write_text(
        "student_id,name\n" + "".join(f"B{k:05d},学生{k}\n" for k in range(1, n + 1)),
        encoding="utf-8")
    (folder / "pw").write_text(PASSWORD + "\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "quizgen", "exam", "create",
                        str(folder / "bench.yaml"), "--roster", str(folder / "class.csv"),
                        "--db", db, "--closes", "+3h", "--time-limit", "120",
                        "--password-file", str(folder / "pw"), "--out", str(folder / "codes")],
                       cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"exam create failed: {r.stderr}")
    codes = {}
    for line in next((folder / "codes").glob("*.csv")).read_text(
            encoding="utf-8-sig").splitlines()[1:]:
        sid, _, code, _ = line.split(",")
        codes[sid] = code
    return codes


def start_server(db: str, threads: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "quizgen", "exam", "serve", "--db", db,
                             "--port", "0", "--threads", str(threads),
                             "--client-connections", "1000"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    line = proc.stdout.readline() if ready else ""
    found = re.search(r"(http://\S+/)", line)
    if not found:
        proc.kill()
        raise SystemExit(f"quizgen exam serve did not start: {line!r} {proc.stderr.read()!r}")
    threading.Thread(target=proc.stderr.read, daemon=True).start()    # drain its log
    return proc, found.group(1)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=1000)
    ap.add_argument("--ramp", type=float, default=240.0,
                    help="seconds over which the students arrive (default 240)")
    ap.add_argument("--think", type=float, default=6.0,
                    help="mean seconds before each autosave (default 6)")
    ap.add_argument("--saves", type=int, default=10)
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--threads", type=int, default=8, help="threads of each app process")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="qg-bench-exam-"))
    cluster = None
    if args.db == "postgresql":
        from tests.exam.pg import Cluster

        cluster = Cluster(max_connections=100 + 20 * args.processes * args.threads).__enter__()
        db = cluster.create_database("bench")
    else:
        db = str(folder / "bench.exam.sqlite")
    procs: list[subprocess.Popen] = []
    try:
        t = time.perf_counter()
        codes = make_exam(folder, db, args.students)
        created = time.perf_counter() - t
        for _ in range(args.processes):
            procs.append(start_server(db, args.threads))
        servers = Servers([url for _, url in procs])
        stats = Stats()
        peak = {"app": 0, "db": 0}
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(1.0):
                peak["app"] = max(peak["app"], rss_kib([p.pid for p, _ in procs]))
                if cluster is not None:
                    peak["db"] = max(peak["db"], rss_kib(postgres_pids(cluster.data)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        acked: dict = {}
        rng = random.Random(15)
        during = [0]                 # requests of the run itself (not the read-back)

        async def run() -> float:
            begin = time.monotonic()
            ids = list(codes)
            await asyncio.gather(*(student(
                servers, sid, codes[sid], begin + args.ramp * k / max(1, len(ids)), args,
                stats, random.Random(rng.random()), acked) for k, sid in enumerate(ids)))
            took = time.monotonic() - begin
            during[0] = stats.requests
            await read_back(servers, acked, stats)
            return took

        took = asyncio.run(run())
        stop.set()
        sampler.join()
        cpu = {"app": cpu_seconds([p.pid for p, _ in procs]),
               "db": cpu_seconds(postgres_pids(cluster.data)) if cluster else 0.0}
    finally:
        for proc, _ in procs:
            proc.send_signal(signal.SIGINT)
        for proc, _ in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if cluster is not None:
            cluster.__exit__(None, None, None)

    report = {
        "config": {"students": args.students, "ramp_s": args.ramp, "think_s": args.think,
                   "saves": args.saves, "db": args.db, "processes": args.processes,
                   "threads": args.threads},
        "exam_create_s": round(created, 1), "run_s": round(took, 1),
        "finished": stats.finished, "requests": during[0],
        "requests_per_s": round(during[0] / took, 1),
        "errors": sum(stats.errors.values()), "error_kinds": stats.errors,
        "answers_checked": stats.checked, "lost_answers": stats.lost,
        "app_rss_mib_peak": round(peak["app"] / 1024, 1),
        "app_cpu_s": round(cpu["app"], 1),
        "app_cpu_ms_per_request": round(1000 * cpu["app"] / max(1, stats.requests), 2),
        "postgres_cpu_s": round(cpu["db"], 1) if cluster else None,
        "load_average_after": os.getloadavg()[0],
        "postgres_rss_mib_peak": round(peak["db"] / 1024, 1) if cluster else None,
        "latency_ms": {what: {"n": len(v), "p50": round(1000 * percentile(v, 50), 1),
                              "p99": round(1000 * percentile(v, 99), 1),
                              "max": round(1000 * max(v), 1) if v else None}
                       for what, v in stats.latencies.items()},
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    c = report["config"]
    print(f"{c['students']} students over {c['ramp_s']:g} s, think {c['think_s']:g} s, "
          f"{c['saves']} autosaves each; {c['db']}, {c['processes']} app process(es) x "
          f"{c['threads']} threads")
    print(f"run {report['run_s']} s, {report['requests']} requests ({report['requests_per_s']}"
          f" req/s), {report['finished']} finished, errors {report['errors']} "
          f"{report['error_kinds'] or ''}, lost answers {report['lost_answers']} of "
          f"{report['answers_checked']}")
    print(f"app CPU {report['app_cpu_s']} s ({report['app_cpu_ms_per_request']} ms a request, "
          "with exam start-up)" + (f", PostgreSQL CPU {report['postgres_cpu_s']} s" if cluster
                                  else "") + f"; load average {report['load_average_after']}")
    print(f"peak RSS: app {report['app_rss_mib_peak']} MiB"
          + (f", PostgreSQL {report['postgres_rss_mib_peak']} MiB" if cluster else ""))
    for what, v in report["latency_ms"].items():
        print(f"  {what:45s} n={v['n']:6d}  p50 {v['p50']:7.1f} ms  p99 {v['p99']:7.1f} ms  "
              f"max {v['max']} ms")


if __name__ == "__main__":
    main()
