"""Kept only for ``quizgen/export/command.py`` (being moved), which imports ``DiagramFn`` from
here; the helpers now live in ``grades``, ``xmlzip``, ``parts`` and ``validate``. Delete this
module once nothing imports it (``from quizgen.export import DiagramFn`` is the public name)."""

from quizgen.export.parts import DiagramFn

__all__ = ["DiagramFn"]
