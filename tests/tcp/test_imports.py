"""quizgen.tcp is the core the rest is built on: it imports no CLI (click) and nothing built on
top of it (captures, questions, renderers, exporters, drills); ``quizgen trace`` lives in
quizgen/commands/trace.py."""

import subprocess
import sys
from pathlib import Path

import quizgen.tcp

MODULES = sorted(f"quizgen.tcp.{p.stem}" for p in Path(quizgen.tcp.__file__).parent.glob("*.py")
                 if p.stem != "__init__")
ABOVE = ("click", "quizgen.capture", "quizgen.questions", "quizgen.render", "quizgen.export",
         "quizgen.drill", "quizgen.commands", "quizgen.cli")


def test_the_simulator_imports_nothing_built_on_it_and_no_cli():
    code = (f"import sys\nimport {', '.join(MODULES)}\n"
            "print('\\n'.join(sorted(sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    assert "quizgen.tcp.simulator" in loaded
    assert [m for m in loaded if m.startswith(ABOVE)] == []
