"""quizgen.capture is a library: importing it and reading a capture loads no click (the
commands that use it live elsewhere)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.capture.common import FIXTURES

ROOT = Path(__file__).resolve().parents[2]


def test_capture_loads_no_click():
    code = ("import sys; import quizgen.capture as c; c.list_streams(sys.argv[1]); "
            "c.trace_from_pcap(sys.argv[1], relative=True); print('click' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code, str(FIXTURES / "ipv4_normal.pcap")],
                       capture_output=True, text=True, cwd=ROOT, check=True)
    assert r.stdout.strip() == "False"
