"""Drills: practice problems answered and checked one by one (docs/question-data.md in).

* ``check``    reads and grades a typed answer to one part (shared by every drill)
* ``problems`` which problems a drill draws (one ``random.Random(seed)``), the solution ladder
* ``terminal`` ``quizgen drill``: endless problems in the terminal
* ``pack``     ``quizgen drill --html``: one self-contained HTML page checked in the browser
* ``web``      ``quizgen serve``: a web app for a class, answers checked on the server
* ``views``    what the pack and the web app show of a question (sanitised HTML)
"""
