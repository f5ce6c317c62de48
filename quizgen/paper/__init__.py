"""Papers as data: specs and rosters in, Paper dicts out (docs/question-data.md).

``spec`` reads paper specs and rosters, ``codes`` makes and reads paper codes, ``assemble``
picks each paper's questions. Rendering a Paper to bytes is ``quizgen.render``'s job.
"""

from quizgen.paper.assemble import (BankSource, QuestionSource, build_paper, class_set,
                                    instructions_html, paper_for_code, plan_codes)
from quizgen.paper.codes import CODE_LENGTH, normalize_code, student_code, variant_seed, version_code
from quizgen.paper.spec import (PAPER_SIZES, PaperSpec, SectionSpec, Student, load_roster,
                                load_spec, parse_spec)

__all__ = ["BankSource", "CODE_LENGTH", "PAPER_SIZES", "PaperSpec", "QuestionSource",
           "SectionSpec", "Student", "build_paper", "class_set", "instructions_html",
           "load_roster", "load_spec", "normalize_code", "paper_for_code", "parse_spec",
           "plan_codes", "student_code", "variant_seed", "version_code"]
