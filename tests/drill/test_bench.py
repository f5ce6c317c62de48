"""benchmarks/bench_serve.py still runs: a two-second, five-student smoke run on loopback."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.drill.support import BANK, ROOT

BENCH = ROOT / "benchmarks" / "bench_serve.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCH), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)


def test_smoke_run_has_no_errors():
    out = run("--duration", "2", "--concurrency", "5", "--think", "0", "--bank", str(BANK),
              "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["requests"] > 10 and result["errors"] == 0, result
    assert result["by_endpoint"]["POST /check"]["n"] > 0


def test_smoke_run_with_slow_clients():
    """50 slow-loris connections from one address: the students see no error, and the
    server closed the ones over its 32 per address at once."""
    out = run("--duration", "2", "--concurrency", "5", "--think", "0", "--bank", str(BANK),
              "--slow-clients", "50", "--slow-interval", "0.5", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["requests"] > 10 and result["errors"] == 0, result
    slow = result["slow_clients"]
    assert slow["clients"] == 50 and slow["closed_within_1s"] >= 18, slow


def test_only_loopback():
    for url in ("http://10.0.0.1:8000/", "http://192.168.1.2/", "http://example.com/"):
        out = run("--url", url, "--duration", "1")
        assert out.returncode != 0 and "only loopback" in out.stderr
