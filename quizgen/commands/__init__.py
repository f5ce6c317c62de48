"""Every command of the command line, one module per group, each a thin click layer over the
packages (``quizgen/cli.py`` maps names to them and imports one only when it runs). The
packages below (tcp, capture, questions, paper, render, export, drill) import no click.

``options`` holds what several commands share (``--bank``, ``--lang``, ``--pcap``...).
"""
