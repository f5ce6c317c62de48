"""quizgen.questions reads traces and writes question data: it imports no command line
(click) and nothing that renders, exports or drills; its data contract and markup load
without the banks or the simulator."""

import subprocess
import sys
from pathlib import Path

import quizgen.questions

PACKAGE = Path(quizgen.questions.__file__).parent
MODULES = sorted("quizgen.questions." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
                 for p in PACKAGE.rglob("*.py") if p.stem != "__init__")
ABOVE = ("click", "quizgen.render", "quizgen.export", "quizgen.drill", "quizgen.commands",
         "quizgen.cli", "quizgen.paper", "weasyprint")


def _loaded(modules: list[str]) -> list[str]:
    code = f"import sys\nimport {', '.join(modules)}\nprint('\\n'.join(sorted(sys.modules)))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.split()


def test_questions_import_no_cli_and_nothing_built_on_them():
    loaded = _loaded(MODULES)
    assert "quizgen.questions.bank" in loaded and "quizgen.questions.types.fill" in loaded
    assert [m for m in loaded if m.startswith(ABOVE)] == []


def test_the_data_contract_loads_without_banks_or_simulator():
    loaded = _loaded(["quizgen.questions.data", "quizgen.questions.markup"])
    assert [m for m in loaded if m.startswith(("quizgen.tcp", "quizgen.questions.bank",
                                               "jinja2"))] == []
