"""A sans-IO model of RFC 9293's connection lifecycle between two endpoints, A and B.

``quizgen.tcp`` knows nothing of questions. Its product is a :class:`Trace`: every segment and
every state change of a run, with the textbook values x, y, u, v, w read off it.
"""

from quizgen.tcp.script import PRESETS, Script, load_script, parse_script, preset_script
from quizgen.tcp.seq import MOD
from quizgen.tcp.simulator import simulate
from quizgen.tcp.states import State
from quizgen.tcp.trace import Trace

__all__ = ["MOD", "PRESETS", "Script", "State", "Trace", "load_script", "parse_script",
           "preset_script", "simulate"]
