"""quizgen: exam papers, drills and LMS exports about TCP connection setup and teardown.

Every answer is read off a simulated trace (``quizgen.tcp``); questions are plain data
(``quizgen.questions``); renderers and exporters read only that data.
"""

__version__ = "0.1.0"
