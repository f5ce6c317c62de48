"""Templates that try to hang the machine, take its memory or change what they are given.

Each is the body of a prompt. A bomb must end as a one-line bank error; a mutation must either
fail the same way or leave the key and the trace as they were. Used by test_template_limits.py
(and handy by hand: ``python -m tests.security.template_bombs NAME`` writes the bank).
"""

from __future__ import annotations

BOMBS: dict[str, str] = {
    # loops
    "nested-range": "{% for i in range(50000) %}{% for j in range(50000) %}{% endfor %}{% endfor %}",
    "triple-range": "{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
                    "{% endfor %}{% endfor %}{% endfor %}",
    "range-huge": "{% for i in range(10**9) %}{% endfor %}",
    "loop-literal": "{% for i in range(40000) %}" + "x" * 5000 + "{% endfor %}",
    "loop-print": "{% set s = 'x' * 40000 %}{% for i in range(40000) %}{{ s }}{% endfor %}",
    "macro-loop-buffer": "{% macro f() %}{% for i in range(40000) %}" + "y" * 3000
                         + "{% endfor %}{% endmacro %}{{ f() }}",
    "set-block-buffer": "{% set b %}{% for i in range(40000) %}{{ 'z' * 40000 }}{% endfor %}"
                        "{% endset %}{{ b|length }}",
    "recursive-loop": "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}",
    "string-loop": "{% set s = 'ab' * 20000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
    # recursion
    "self-macro": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "mutual-macro": "{% macro f() %}{{ g() }}{% endmacro %}{% macro g() %}{{ f() }}{% endmacro %}{{ f() }}",
    "wide-macro": "{% macro f(n) %}{% if n < 40 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}"
                  "{% endmacro %}{{ f(0) }}",
    "deep-parens": "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}",
    "deep-ifs": "{% if true %}" * 2000 + "x" + "{% endif %}" * 2000,
    # numbers
    "pow-tower": "{{ ((2**4096)**4096)**4096 }}",
    "pow-big": "{{ 2 ** (10 ** 10) }}",
    "squaring-loop": "{% set ns = namespace(n=3) %}{% for i in range(64) %}{% set ns.n = ns.n * ns.n %}"
                     "{% endfor %}{{ ns.n }}",
    "to-bytes": "{{ (1).to_bytes(2 * 10**10, 'big') }}",
    "float-pow": "{{ 10.0 ** 400000 }}",
    # strings
    "repeat": "{{ 'x' * 10**9 }}",
    "replace-empty": "{{ ('x' * 40000).replace('', 'y' * 40000) }}",
    "replace-filter": "{{ ('x' * 40000)|replace('', 'y' * 40000) }}",
    "join-huge": "{{ ('y' * 40000).join(['x'] * 40000) }}",
    "join-filter": "{{ range(40000)|join('z' * 40000) }}",
    "join-generator": "{{ range(40000)|map('string')|join('z' * 40000) }}",
    "center": "{{ 'x'.center(2000000000) }}",
    "ljust": "{{ 'x'.ljust(2000000000) }}",
    "zfill": "{{ '1'.zfill(2000000000) }}",
    "format-width": "{{ '{:2000000000}'.format(1) }}",
    "format-nested": "{{ '{:{}}'.format(1, 2000000000) }}",
    "percent-width": "{{ '%2000000000d' % 1 }}",
    "percent-star": "{{ '%*d' % (2000000000, 1) }}",
    "format-filter": "{{ '%2000000000s'|format('x') }}",
    "center-filter": "{{ 'x'|center(2000000000) }}",
    "indent-filter": "{{ ('a\\n' * 20000)|indent(2000000000) }}",
    "indent-string": "{{ ('a\\n' * 20000)|indent('w' * 40000) }}",
    "wordwrap": "{{ ('x' * 40000)|wordwrap(1, true, 'w' * 40000) }}",
    "truncate": "{{ 'x'|truncate(2000000000) }}",
    "batch": "{{ [1]|batch(2000000000, 'x')|list }}",
    "slice": "{{ [1]|slice(1000000000)|list }}",
    "expandtabs": "{{ ('\\t' * 40000).expandtabs(2000000000) }}",
    "lipsum": "{{ lipsum(n=3000000) }}",
    "doubling-concat": "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
                       "{% endfor %}{{ ns.s|length }}",
    "doubling-plus": "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}"
                     "{% endfor %}{{ ns.s|length }}",
    "doubling-list": "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}{% set ns.l = [ns.l, ns.l] %}"
                     "{% endfor %}{{ ns.l }}",
    "doubling-namespace": "{% set ns = namespace(n=namespace(v='x')) %}{% for i in range(60) %}"
                          "{% set ns.n = namespace(a=ns.n, b=ns.n) %}{% endfor %}{{ ns.n }}",
    "doubling-dict": "{% set ns = namespace(d={}) %}{% for i in range(60) %}{% set ns.d = {'a': ns.d, 'b': ns.d} %}"
                     "{% endfor %}{{ ns.d }}",
    "sum-lists": "{{ range(40000)|map('string')|map('list')|sum(start=[])|length }}",
    "list-repeat": "{{ ([1] * 40000) * 40000 }}",
    "tojson-dag": "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}{% set ns.l = [ns.l, ns.l] %}"
                  "{% endfor %}{{ ns.l|tojson }}",
    "dict-repeat": "{{ dict(a='x' * 40000, b='x' * 40000, c='x' * 40000) }}",
    "huge-literal": "{{ 'q' * 40000 }}" * 30,
    "random-filter": "{{ [1, 2, 3]|random }}",
}

#: Templates that try to change the key, the trace or another entry's question.
MUTATIONS: dict[str, str] = {
    "part-update": "{{ part.seq.update({'answer': 12345}) }}",
    "part-setitem": "{{ part.seq.__setitem__('answer', 12345) }}",
    "trace-update": "{{ seg.synack.update({'seq': 1}) }}",
    "segments-append": "{{ segments.append({}) }}",
    "segments-pop": "{{ segments.pop() }}",
    "values-clear": "{{ values.clear() }}",
    "m-update": "{% macro fake(seg) %}HACKED{% endmacro %}{{ m.update({'inline': fake}) }}",
    "m-setdefault": "{{ m.setdefault('x', 1) }}",
    "answer-update": "{{ answer.update({'seq': 1}) }}",
    "flags-sort": "{{ seg.synack.flags.sort() }}",
    "flags-reverse": "{{ seg.synack.flags.reverse() }}",
    "list-extend": "{{ seg.synack.flags.extend(['FIN']) }}",
    "namespace-into-trace": "{% set ns = namespace() %}{% set ns.x = values %}{{ ns.x.update({'x': 1}) }}",
    "globals-dict": "{{ dict.update }}{{ range.__self__ }}",
}


def bank(prompt: str) -> str:
    """A one-entry bank whose zh and en prompts are ``prompt`` (YAML-quoted)."""
    quoted = prompt.replace("\\", "\\\\").replace('"', '\\"')
    return f"""bank: bombs
entries:
  - id: bomb
    type: fill
    topic: bombs
    scenario: {{preset: normal}}
    ask: {{segment: synack, fields: [seq, ack]}}
    prompt:
      zh: "{quoted}{{{{ m.segment_row(asked, blanks) }}}}"
      en: "{quoted}{{{{ m.segment_row(asked, blanks) }}}}"
    explanation: {{zh: "<p>x</p>", en: "<p>x</p>"}}
"""


if __name__ == "__main__":
    import sys

    print(bank({**BOMBS, **MUTATIONS}[sys.argv[1]]))
