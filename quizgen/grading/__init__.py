"""Grading papers: marks from answers (``marks``), marks files (``files``) and item analysis
(``analysis``). See docs/grading.md."""
