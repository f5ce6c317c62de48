"""Starting and stopping a real ``quizgen`` server (``serve``, ``exam serve``) as a subprocess,
for the drill's and the online exam's tests: one way to read the URL it prints and to stop it
(SIGINT, as Ctrl-C; killed if it has not stopped within 15 s)."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start(args: list[str], *, timeout: float = 60,
          env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """``python -m quizgen ARGS`` (which must include ``--port 0``): (process, the URL it
    prints on its first line). A server that prints no URL within ``timeout`` is stopped and
    fails the test with what it wrote."""
    proc = subprocess.Popen([sys.executable, "-m", "quizgen", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1", **(env or {})))
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    match = re.search(r"(http://\S+/)", line)
    if not match:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        err = proc.stderr.read()
        for stream in (proc.stdout, proc.stderr):
            stream.close()
        raise AssertionError(f"quizgen {' '.join(args[:2])} did not start: {line!r} {err!r}")
    return proc, match.group(1)


def stop(proc: subprocess.Popen) -> int:
    """Stop a server as Ctrl-C does; its exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if not stream.closed:
            stream.close()
    return proc.returncode
