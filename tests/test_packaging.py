"""The built wheel carries its templates and banks, and works outside the repository."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "-q", "-w", str(out), str(ROOT)], capture_output=True, text=True)
    if r.returncode != 0:   # no hatchling in this environment: build with isolation
        r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                            str(ROOT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return next(out.glob("quizgen-*.whl"))


def test_wheel_ships_templates_and_banks(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("templates", "question_banks"):
        shipped = {n for n in names if n.startswith(f"quizgen/{folder}/")}
        in_repo = {f"quizgen/{folder}/{p.relative_to(ROOT / folder).as_posix()}"
                   for p in (ROOT / folder).rglob("*") if p.is_file()}
        assert in_repo <= shipped, in_repo - shipped


def test_installed_wheel_runs_outside_the_repo(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                    str(wheel)], check=True)
    r = subprocess.run([sys.executable, "-c",
                        "import quizgen, quizgen.resources as r; print(quizgen.__file__); "
                        "print(r.templates_dir()); print(r.banks_dir())"],
                       cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split()
    assert all(line.startswith(str(target)) for line in lines), lines
    r = subprocess.run([sys.executable, "-m", "quizgen", "trace", "normal", "--json"], cwd=tmp_path,
                       env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
                       capture_output=True, text=True)
    assert r.returncode == 0 and '"scenario": "normal"' in r.stdout, r.stderr


def test_wheel_ships_the_exam_migrations(wheel):
    """Alembic reads its environment, template and versions from files: all in the wheel."""
    names = set(zipfile.ZipFile(wheel).namelist())
    migrations = ROOT / "quizgen" / "exam" / "migrations"
    in_repo = {f"quizgen/exam/migrations/{p.relative_to(migrations).as_posix()}"
               for p in migrations.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert {"quizgen/exam/migrations/env.py", "quizgen/exam/migrations/script.py.mako",
            "quizgen/exam/migrations/versions/0001_initial.py"} <= in_repo
    assert in_repo <= names, in_repo - names
    assert "quizgen/templates/exam/exam.js" in names
