"""``quizgen paper`` and ``quizgen key`` leave nothing half-written, overwrite nothing and leave
nothing behind: a read-only folder, a full disk (mid-PDF), ``--out FILE/sub`` are one-line
errors; SIGTERM stops a run cleanly; after kill -9 the worker processes die with their parent,
the set is visibly incomplete (no manifest) and the next run removes the temporaries; a file
that appears in the folder during a run is not overwritten without --force."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.files import Staging

ROOT = Path(__file__).resolve().parents[2]
SPEC = textwrap.dedent("""\
    title: 单元测验
    course: 计算机网络
    seed: 11
    sections:
      - title: 握手
        ids: [s-fill, s-state]
        points: 5
    """)
LINUX = sys.platform.startswith("linux") and Path("/proc/self/stat").exists()


@pytest.fixture
def run(zh_source):
    def invoke(*args):
        return CliRunner().invoke(cli, list(args), obj={"question_source": zh_source})
    return invoke


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "exam.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return path


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "class.csv"
    path.write_text("student_id,name\n2023001,张三\n2023002,李四\n", encoding="utf-8")
    return path


def _one_line_error(result, *words):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _run_dirs() -> set[str]:
    """The PDF workers' temporary folders of live processes of this test session."""
    import tempfile

    return {p.name for p in Path(tempfile.gettempdir()).glob(f"quizgen-pdf-{os.getpid()}-*")}


def _can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and LINUX


@pytest.fixture
def tmpfs(tmp_path):
    """mount(size, ro) -> a fresh tmpfs folder (root only), unmounted afterwards."""
    mounted = []

    def mount(size: str, read_only: bool = False) -> Path:
        where = tmp_path / f"fs{len(mounted)}"
        where.mkdir()
        options = f"size={size}" + (",ro" if read_only else "")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], check=False)


# ------------------------------------------------------------------ the machine's errors
def test_read_only_folder_is_one_line(run, spec, tmp_path, tmpfs, monkeypatch):
    if _can_mount():
        folder = tmpfs("64k", read_only=True)
        reason = "Read-only file system"
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        reason = "Permission denied"
    line = _one_line_error(run("paper", str(spec), "--out", str(folder)), str(folder), reason)
    assert "cannot write into the folder" in line
    line = _one_line_error(run("paper", str(spec), "--out", str(folder / "sub")),
                           str(folder / "sub"), reason, "cannot create the folder")
    assert _listing(folder) == []


def test_full_disk_mid_pdf_is_one_line_and_leaves_nothing(run, spec, roster, tmp_path, tmpfs,
                                                          monkeypatch):
    if _can_mount():
        folder = tmpfs("100k") / "out"   # room for one PDF or two, not four
    else:
        folder = tmp_path / "out"
        real = Staging.write_bytes
        calls = []

        def full(self, target, data):
            calls.append(target)
            if len(calls) == 3:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(self, target, data)

        monkeypatch.setattr(Staging, "write_bytes", full)
    before = _run_dirs()
    result = run("paper", str(spec), "--roster", str(roster), "--out", str(folder),
                 "--format", "pdf", "--jobs", "2")
    line = _one_line_error(result, "No space left on device", str(folder))
    assert line.split(": ")[1].endswith(".pdf")       # it names the file it was writing
    assert _listing(folder) == []                      # no temporaries, no partial set
    assert _run_dirs() <= before                       # the workers' folder went too


def test_out_through_a_file_is_one_line(run, spec, tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("mine", encoding="utf-8")
    _one_line_error(run("paper", str(spec), "--out", str(afile / "sub")), str(afile / "sub"),
                    "--out", f"{afile} is a file, not a folder")
    _one_line_error(run("key", "ABC123", "--spec", str(spec), "--out", str(afile / "sub")),
                    "is a file, not a folder")
    _one_line_error(run("paper", str(spec), "--out", str(afile)), "--out")
    assert afile.read_text(encoding="utf-8") == "mine"


def test_other_os_errors_are_not_disguised():
    """An errno that is not the machine's state (a bug) stays the exception it is."""
    bug = OSError(errno.EBADF, "Bad file descriptor")
    assert Staging.error(bug, "x") is bug
    full = Staging.error(OSError(errno.ENOSPC, "No space left on device"), "out/a.pdf")
    assert str(full) == ("out/a.pdf: cannot write: No space left on device (nothing of this "
                         "run was kept)")


# ------------------------------------------------------------------------- overwriting
def test_a_file_appearing_during_the_run_is_not_overwritten(run, spec, roster, tmp_path,
                                                           monkeypatch):
    out = tmp_path / "out"
    real_commit = Staging.commit
    intruder = {}

    def commit(self):        # another program writes one of our names while we render
        target = self.targets[1]
        target.write_text("someone else's", encoding="utf-8")
        intruder["path"] = target
        return real_commit(self)

    monkeypatch.setattr(Staging, "commit", commit)
    result = run("paper", str(spec), "--roster", str(roster), "--out", str(out), "--format",
                 "html")
    path = intruder["path"]
    _one_line_error(result, str(path), "appeared", "--force")
    assert path.read_text(encoding="utf-8") == "someone else's"
    assert _listing(out) == [path.name]         # nothing of the run was kept, no temporaries

    path.unlink()
    monkeypatch.setattr(Staging, "commit", commit)
    result = run("paper", str(spec), "--roster", str(roster), "--out", str(out), "--force",
                 "--format", "html")
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") != "someone else's"
    assert "exam-class.sha256" in _listing(out)


def test_commit_interrupted_takes_back_what_it_placed(spec, roster, tmp_path, monkeypatch,
                                                     run):
    out = tmp_path / "out"
    real = Staging._place
    placed = []

    def place(self, tmp, target):
        if len(placed) == 3:
            raise KeyboardInterrupt
        placed.append(target)
        return real(self, tmp, target)

    monkeypatch.setattr(Staging, "_place", place)
    result = run("paper", str(spec), "--roster", str(roster), "--out", str(out),
                 "--format", "html")
    assert result.exit_code != 0
    assert len(placed) == 3 and _listing(out) == []


def test_stale_temporaries_are_removed_live_ones_kept(run, spec, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        old = time.time() - 3600
        stale = [out / f".quizgen-{dead.pid}.2023001-X-paper.pdf.tmp",    # a killed run's
                 out / f".2023002-Y-key.pdf.{dead.pid}.tmp"]               # an old version's
        live = out / f".quizgen-{alive.pid}.2023001-X-key.pdf.tmp"         # a running run's
        unrelated = out / f".notes.txt.{dead.pid}.tmp"
        for path in stale + [unrelated]:
            path.write_bytes(b"%PDF-1.7 half")
            os.utime(path, (old, old))
        live.write_bytes(b"%PDF-1.7 half")
        if LINUX:  # older than the process with its pid: that pid was reused, it is stale
            reused = out / f".quizgen-{alive.pid}.2023002-Y-paper.pdf.tmp"
            reused.write_bytes(b"%PDF-1.7 half")
            os.utime(reused, (old, old))
            stale.append(reused)
        result = run("paper", str(spec), "--out", str(out), "--format", "html")
    finally:
        alive.kill()
        alive.wait()
    assert result.exit_code == 0, result.output
    names = _listing(out)
    assert not any(p.name in names for p in stale), names
    assert live.name in names and unrelated.name in names


def test_key_writes_its_manifest(run, spec, tmp_path):
    from quizgen.paper import student_code

    code = student_code(11, "2023001")
    out = tmp_path / "k"
    result = run("key", code, "--spec", str(spec), "--out", str(out), "--format", "html")
    assert result.exit_code == 0, result.output
    assert _listing(out) == [f"{code}-key.html", f"{code}-key.sha256"]
    digest = hashlib.sha256((out / f"{code}-key.html").read_bytes()).hexdigest()
    assert f"{digest}  {code}-key.html" in (out / f"{code}-key.sha256").read_text()


# ---------------------------------------------------------- signals, in a real process
def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")          # a zombie has ended (its reaper is slow)


def _temps(folder: Path) -> list[str]:
    return [n for n in _listing(folder) if n.endswith(".tmp")]


SLOW_COMMIT = ("import time, quizgen.files as f; real = f.Staging._place; "
               "f.Staging._place = lambda self, tmp, target: (time.sleep(0.1), "
               "real(self, tmp, target))[1]; ")
#: the command line in a process of its own, asking the fixture questions (tests/render/support)
CLI = ("import sys; from quizgen.cli import cli; "
       "from tests.render.support import FixtureSource, zh_questions; "
       "cli.main(args=sys.argv[1:], prog_name='quizgen', "
       "obj={'question_source': FixtureSource(zh_questions())})")


def _start(out: Path, tmp_path: Path, slow_commit: bool = False):
    spec = tmp_path / "exam.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    roster = tmp_path / "two.csv"
    roster.write_text("student_id,name\n" + "".join(f"20260{k},学生{k}\n" for k in range(2)),
                      encoding="utf-8")
    code = (SLOW_COMMIT if slow_commit else "") + CLI
    args = [sys.executable, "-c", code, "paper", str(spec), "--roster", str(roster),
            "--format", "pdf", "--jobs", "2", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)


def _wait_for(check, proc, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        if proc.poll() is not None:
            pytest.fail(f"the run ended before the moment to stop it: {proc.communicate()}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail("the run never reached the moment to stop it")


def _gone_soon(pids: list[int], seconds: float = 2.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_running(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not LINUX, reason="reads /proc for the worker processes")
def test_sigterm_mid_run_stops_cleanly(tmp_path):
    out = tmp_path / "out"
    proc = _start(out, tmp_path)
    _wait_for(lambda: len(_temps(out)) >= 2, proc)
    workers = _children(proc.pid)
    assert len(workers) == 2
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    assert err.strip().splitlines()[-1].startswith("error: stopped by SIGTERM")
    assert "Traceback" not in err
    assert _listing(out) == []                    # nothing kept, nothing left behind
    assert _gone_soon(workers)


@pytest.mark.skipif(not LINUX, reason="reads /proc for the worker processes")
def test_kill_9_mid_run_workers_die_and_the_next_run_cleans_up(tmp_path):
    out = tmp_path / "out"
    proc = _start(out, tmp_path)
    _wait_for(lambda: len(_temps(out)) >= 2, proc)
    workers = _children(proc.pid)
    proc.kill()
    proc.communicate(timeout=30)
    assert _gone_soon(workers), "the PDF workers outlived their parent"
    assert _temps(out) and not any(n.endswith(".sha256") for n in _listing(out))
    again = _start(out, tmp_path)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert _temps(out) == []                     # the killed run's temporaries are gone
    lines = (out / "exam-two.sha256").read_text().splitlines()
    listed = [line.split("  ") for line in lines if not line.startswith("#")]
    assert sorted(name for _, name in listed) == [n for n in _listing(out)
                                                  if n != "exam-two.sha256"]
    assert len(listed) >= 4 and all(
        hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
        for digest, name in listed)


@pytest.mark.skipif(not LINUX, reason="reads /proc for the worker processes")
def test_kill_9_while_placing_the_files_leaves_a_visibly_incomplete_set(tmp_path):
    out = tmp_path / "out"
    proc = _start(out, tmp_path, slow_commit=True)
    placed = lambda: [n for n in _listing(out) if n.endswith(".pdf")]  # noqa: E731
    _wait_for(lambda: len(placed()) >= 2, proc)   # of 4 PDFs, placed one by one
    proc.kill()
    proc.communicate(timeout=30)
    assert 2 <= len(placed()) < 4
    assert "exam-two.sha256" not in _listing(out)    # no manifest: incomplete
    again = _start(out, tmp_path)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 2
    assert "no manifest" in err and "--force" in err


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_a_busy_worker_dies_with_its_parent(tmp_path):
    """Even mid-task (here: asleep for a minute), a process that called _die_with_parent
    ends within a couple of seconds of its parent's kill -9."""
    code = textwrap.dedent("""\
        import os, sys, time
        from quizgen.render.pdf import _die_with_parent
        parent = os.getpid()
        child = os.fork()
        if child == 0:
            _die_with_parent(parent)
            print(os.getpid(), flush=True)      # armed
            time.sleep(60)
            os._exit(0)
        time.sleep(60)
        """)
    middle = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    child = int(middle.stdout.readline())
    assert _running(child)
    middle.kill()
    middle.wait()
    assert _gone_soon([child]), "the child outlived its parent"
