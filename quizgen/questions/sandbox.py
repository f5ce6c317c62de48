"""The sandbox bank templates run in: read-only, and bounded in work, size, depth and time.

A bank is untrusted. Jinja's ``ImmutableSandboxedEnvironment`` keeps templates away from Python's
internals and from changing what they are given (``part.seq.update(...)`` or
``m.update(...)`` would rewrite a key or another entry's question). What it does not do is
bound a template's appetite: ``range`` loops inside ``range`` loops, ``'x'.center(2e9)``,
``(2**4096)**4096``, a macro that calls itself, a string doubled forty times. Here every
render gets a :class:`Budget`, and everything a template can do passes one of these checks:

========================  ==================================================================
what                      bound
========================  ==================================================================
work                      each loop iteration, call, operator and filter costs a unit, each
                          loop iteration also the length of the literal text in its body,
                          each printed value its size: at most ``MAX_WORK`` units a render
time                      at most ``MAX_SECONDS`` of wall time a render (checked as work
                          is charged)
values                    every value a template makes (an operator's, a call's, a
                          filter's result, a list or dict it writes, a ``~`` concatenation)
                          holds at most ``MAX_VALUE`` characters and items in all, nested
                          ones counted; an integer at most ``MAX_INT_BITS`` bits
growth                    what would grow a value past those bounds is refused *before* it
                          is computed: ``*``, ``**``, ``%`` and ``format`` widths, the
                          width and count arguments of str and int methods and of filters
                          (at most ``MAX_WIDTH``), ``replace`` and ``join``
depth                     macro calls nest at most ``MAX_DEPTH`` deep
output                    a rendered template is at most ``MAX_OUTPUT`` characters
methods                   str, bytes, int and float methods from an allow-list (read-only
                          ones); no ``random`` filter (output depends on the seed only), no
                          ``lipsum``, ``urlize``, ``pprint``, ``xmlattr``, ``urlencode``
========================  ==================================================================

An overrun raises :class:`TemplateLimitError`, which the bank code turns into a one-line error
naming the file, line, entry and field. The limits are far above what a question needs: the
built-in templates use a few hundred units of work and values of a few hundred characters.
"""

from __future__ import annotations

import re
import string
import threading
import time
import types
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import TemplateRuntimeError
from jinja2.runtime import Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Namespace, pass_context

MAX_WORK = 2_000_000          # units a render
MAX_SECONDS = 2.0             # wall time a render
MAX_VALUE = 50_000            # characters and items in one value, nested ones counted
MAX_INT_BITS = 8192           # an integer (2**8192 has 2,467 digits)
MAX_WIDTH = 200               # a width, count or length argument; a format width
MAX_DEPTH = 30                # nested macro calls
MAX_OUTPUT = 200_000          # characters of one rendered template
MAX_SOURCE = 50_000           # characters of one template's source

#: The methods of str (and Markup, bytes) a template may call: none changes anything, and
#: the ones that take a width or a count have it checked against MAX_WIDTH.
STR_METHODS = frozenset({
    "capitalize", "casefold", "center", "count", "endswith", "find", "format", "format_map",
    "index", "isalnum", "isalpha", "isdecimal", "isdigit", "islower", "isnumeric", "isspace",
    "istitle", "isupper", "join", "ljust", "lower", "lstrip", "partition", "removeprefix",
    "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip",
    "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill",
    "escape", "striptags", "unescape", "decode", "hex"})
INT_METHODS = frozenset({"bit_length", "bit_count", "to_bytes", "conjugate", "is_integer",
                         "as_integer_ratio", "hex"})
CONTAINER_METHODS = frozenset({"get", "keys", "values", "items", "index", "count", "copy"})
#: Filters that may not be used: their output is not a function of the seed (random) or they
#: are of no use in a question and costly to bound.
REMOVED_FILTERS = ("random", "urlize", "pprint", "xmlattr", "urlencode", "filesizeformat")
REMOVED_GLOBALS = ("lipsum", "cycler", "joiner")
#: Filters whose integer arguments are widths or counts.
WIDTH_FILTERS = frozenset({"center", "indent", "truncate", "wordwrap", "batch", "slice",
                           "round"})


class TemplateLimitError(TemplateRuntimeError):
    """A template went over one of the sandbox's bounds."""


class Budget:
    """What one render may still spend."""

    __slots__ = ("work", "deadline", "depth")

    def __init__(self) -> None:
        self.work = 0
        self.deadline = time.monotonic() + MAX_SECONDS
        self.depth = 0

    def charge(self, units: int) -> None:
        before = self.work
        self.work += units
        if self.work > MAX_WORK:
            raise TemplateLimitError(f"the template does too much work (over {MAX_WORK:,} "
                                     "steps: a loop too long, or output too large)")
        if (before >> 10) != (self.work >> 10) and time.monotonic() > self.deadline:
            raise TemplateLimitError(f"the template takes too long (over {MAX_SECONDS:g} s)")


_LOCAL = threading.local()


def budget() -> Budget:
    current = getattr(_LOCAL, "budget", None)
    if current is None:
        raise TemplateLimitError("a bank template ran outside quizgen's renderer")
    return current


def render(template: Any, variables: dict[str, Any]) -> str:
    """``template`` rendered with ``variables`` (which already hold the environment's globals:
    Jinja's own render copies them for every call), within a fresh :class:`Budget`."""
    saved = getattr(_LOCAL, "budget", None)
    _LOCAL.budget = Budget()
    try:
        ctx = template.new_context(variables, shared=True)
        try:
            out = template.environment.concat(template.root_render_func(ctx))
        except Exception:
            template.environment.handle_exception()
        if len(out) > MAX_OUTPUT:
            raise TemplateLimitError(f"the template's output is too long ({len(out):,} "
                                     f"characters; at most {MAX_OUTPUT:,})")
        return out
    finally:
        _LOCAL.budget = saved


# ------------------------------------------------------------------------------- sizes
def weigh(value: Any) -> int:
    """The size of ``value`` (characters and items, nested ones counted), charged to the
    budget as it is measured; refuses a value over MAX_VALUE or an int over MAX_INT_BITS."""
    total, stack, meter = 0, [value], budget()
    while stack:
        v = stack.pop()
        if isinstance(v, (str, bytes, bytearray)):
            total += len(v)
        elif isinstance(v, bool) or v is None or isinstance(v, float):
            total += 1
        elif isinstance(v, int):
            if v.bit_length() > MAX_INT_BITS:
                raise TemplateLimitError(f"a number of {v.bit_length():,} bits is too large "
                                         f"(at most {MAX_INT_BITS:,})")
            total += 1
        elif isinstance(v, range):
            total += len(v)
        elif isinstance(v, dict):
            total += 1
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (list, tuple, set, frozenset)):
            total += 1
            stack.extend(v)
        elif isinstance(v, Namespace):
            total += 1
            stack.append(dict(v._Namespace__attrs))  # type: ignore[attr-defined]
        else:
            total += 1
        if total > MAX_VALUE:
            raise TemplateLimitError(f"the template makes a value too large (over "
                                     f"{MAX_VALUE:,} characters or items)")
    meter.charge(total)
    return total


def _checked(value: Any) -> Any:
    weigh(value)
    return value


def _width(n: Any, what: str) -> None:
    if isinstance(n, int) and not isinstance(n, bool) and abs(n) > MAX_WIDTH:
        raise TemplateLimitError(f"{what}: {n} is too large for a width or a count (at most "
                                 f"{MAX_WIDTH})")


def _widths(args: tuple, kwargs: dict, what: str) -> None:
    for a in (*args, *kwargs.values()):
        _width(a, what)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, range)) else 1


def _fits(size: int, what: str) -> None:
    if size > MAX_VALUE:
        raise TemplateLimitError(f"{what} is too much: it would make a value of {size:,} "
                                 f"characters (at most {MAX_VALUE:,})")


_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")
_DIGITS = re.compile(r"\d+")


def _check_percent(fmt: str) -> None:
    for width, precision in _PERCENT.findall(fmt):
        for n in (width, precision):
            if n == "*":
                raise TemplateLimitError("'%' formatting with a '*' width is not allowed")
            if n:
                _width(int(n), "'%' formatting")


def _check_format(fmt: str) -> None:
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise TemplateRuntimeError(f"format string: {exc}") from None
    for _, field, spec, _ in fields:
        if field is None or not spec:
            continue
        if "{" in spec:
            raise TemplateLimitError("format(): a width given by another field is not allowed")
        for n in _DIGITS.findall(spec):
            _width(int(n), "format()")


def _replace_size(s: Any, old: Any, new: Any, count: Any = -1) -> int:
    if not (isinstance(s, (str, bytes)) and isinstance(old, type(s)) and isinstance(new, type(s))):
        return 0
    text: Any = s
    n = len(text) + 1 if not old else text.count(old)
    if isinstance(count, int) and count >= 0:
        n = min(n, count)
    return len(s) + n * (len(new) - len(old))


def _join_size(sep: Any, items: list) -> int:
    return len(str(sep)) * max(len(items) - 1, 0) + sum(len(str(i)) if isinstance(i, (str, int))
                                                       else weigh(i) for i in items)


# ------------------------------------------------------------------------------- filters
def _bounded_filter(name: str, func: Any) -> Any:
    """``func`` (a Jinja filter) with its growth checked first and its result weighed."""

    def check(value: Any, args: tuple, kwargs: dict) -> tuple:
        if name in WIDTH_FILTERS:
            _widths(args, kwargs, f"the {name} filter")
            if name == "indent":
                width = args[0] if args else kwargs.get("width", 4)
                prefix = len(width) if isinstance(width, str) else 1
                _fits(_size(value) + (str(value).count("\n") + 1) * prefix, "indent")
            if name == "wordwrap":
                width = args[0] if args else kwargs.get("width", 79)
                wrap = args[2] if len(args) > 2 else kwargs.get("wrapstring", "\n")
                if not isinstance(width, int) or width < 1:
                    raise TemplateLimitError("wordwrap: the width must be at least 1")
                _fits(_size(value) * (1 + len(str(wrap or "\n")) // width + 1), "wordwrap")
            if name in ("batch", "slice"):
                _fits(_size(value) + MAX_WIDTH, name)
        elif name == "join":
            items = list(value)
            weigh(items)
            sep = args[0] if args else kwargs.get("d", "")
            _fits(_join_size(sep, items), "join")
            value = items
        elif name == "replace":
            old = args[0] if args else kwargs.get("old")
            new = args[1] if len(args) > 1 else kwargs.get("new")
            count = args[2] if len(args) > 2 else kwargs.get("count")
            _fits(_replace_size(str(value), str(old), str(new),
                                -1 if count is None else count), "replace")
        elif name == "format":
            _check_percent(str(value))
        elif name == "sum":
            start = args[1] if len(args) > 1 else kwargs.get("start", 0)
            if not isinstance(start, (int, float)):
                raise TemplateLimitError("sum: only numbers can be summed")
        return value

    # Filters marked pass_context / pass_eval_context / pass_environment get that first.
    lead = 1 if _passes(func) else 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        budget().charge(1)
        value = check(args[lead], args[lead + 1:], kwargs)
        args = (*args[:lead], value, *args[lead + 1:])
        return _checked(func(*args, **kwargs))

    wrapper.__name__ = getattr(func, "__name__", name)
    for attr in ("jinja_pass_arg",):
        if hasattr(func, attr):
            setattr(wrapper, attr, getattr(func, attr))
    return wrapper


def _passes(func: Any) -> bool:
    return hasattr(func, "jinja_pass_arg")


def _bounded_range(*args: Any) -> range:
    budget().charge(1)
    r = range(*args)
    _fits(len(r), "range()")
    return r


@pass_context
def _charge(context: Any, units: int) -> str:
    budget().charge(units)
    return ""


# ------------------------------------------------------------------------------- the AST
def _literal_size(node: nodes.Node) -> int:
    return sum(len(data.data) for data in node.find_all(nodes.TemplateData))


def _charge_stmt(units: int, lineno: int) -> nodes.ExprStmt:
    call = nodes.Filter(nodes.Const(units), "_qg_charge", [], [], None, None, lineno=lineno)
    return nodes.ExprStmt(call, lineno=lineno)


def _weighed(node: nodes.Expr) -> nodes.Expr:
    return nodes.Filter(node, "_qg_value", [], [], None, None, lineno=node.lineno)


def _instrument(node: nodes.Node) -> None:
    """Charge each loop iteration and macro call (one unit plus the literal text of its body)
    and weigh every list, tuple, dict and ``~`` a template writes."""
    for child_name in node.fields:
        child = getattr(node, child_name)
        if isinstance(child, list):
            for i, item in enumerate(child):
                if isinstance(item, nodes.Node):
                    _instrument(item)
                    if isinstance(item, (nodes.List, nodes.Dict, nodes.Concat)) or (
                            isinstance(item, nodes.Tuple) and item.ctx == "load"):
                        child[i] = _weighed(item)
        elif isinstance(child, nodes.Node):
            _instrument(child)
            if isinstance(child, (nodes.List, nodes.Dict, nodes.Concat)) or (
                    isinstance(child, nodes.Tuple) and child.ctx == "load"):
                setattr(node, child_name, _weighed(child))
    if isinstance(node, (nodes.For, nodes.Macro, nodes.CallBlock)):
        cost = 1 + _literal_size(nodes.Output(node.body))
        node.body.insert(0, _charge_stmt(cost, node.lineno))


# ------------------------------------------------------------------------------- the env
class BankEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with the bounds above, and one shortcut: ``seg.ack`` on a
    plain dict (all a template is given of the trace) reads the key first, as ``seg['ack']``
    does, rather than first failing to find a Python attribute."""

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    intercepted_unops = frozenset({"-", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=_finalize, **options)
        for name in REMOVED_FILTERS:
            self.filters.pop(name, None)
        for name in REMOVED_GLOBALS:
            self.globals.pop(name, None)
        for name, func in list(self.filters.items()):
            self.filters[name] = _bounded_filter(name, func)
        self.filters["_qg_charge"] = _charge
        self.filters["_qg_value"] = _checked
        self.globals["range"] = _bounded_range

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        if len(source) > MAX_SOURCE:
            raise TemplateLimitError(f"the template is too long ({len(source):,} characters; "
                                     f"at most {MAX_SOURCE:,})")
        tree = super()._parse(source, name, filename)
        _instrument(tree)
        return tree

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, (str, bytes)):
            return attr in STR_METHODS or not callable(value)
        if isinstance(obj, (int, float)):
            return attr in INT_METHODS or not callable(value)
        if isinstance(obj, (dict, list, tuple, set, frozenset)):
            return attr in CONTAINER_METHODS or not callable(value)
        return True

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        budget().charge(1)
        ints = (isinstance(left, int) and not isinstance(left, bool)
                and isinstance(right, int) and not isinstance(right, bool))
        if operator == "**" and ints and right > 0:
            bits = max(abs(left).bit_length() - 1, 0) * right if abs(left) > 1 else 0
            if bits > MAX_INT_BITS:
                raise TemplateLimitError(f"the exponent {right} is too large (the result would "
                                         f"have about {bits:,} bits; at most {MAX_INT_BITS:,})")
        elif operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_INT_BITS:
            raise TemplateLimitError(f"the exponent {right} is too large")
        if operator == "*":
            if ints and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise TemplateLimitError(f"the product would have over {MAX_INT_BITS:,} bits")
            for seq, n in ((left, right), (right, left)):
                if isinstance(n, int) and not isinstance(n, bool) and isinstance(
                        seq, (str, bytes, list, tuple)):
                    _fits(_size(seq) * n, f"repeating {len(seq):,} items {n:,} times")
        if operator == "%" and isinstance(left, str):
            _check_percent(left)
        return _checked(super().call_binop(context, operator, left, right))

    def call_unop(self, context: Any, operator: str, arg: Any) -> Any:
        budget().charge(1)
        return super().call_unop(context, operator, arg)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        meter = budget()
        meter.charge(1)
        owner: Any = getattr(__obj, "__self__", None)
        wrapped: Any = getattr(__obj, "__wrapped__", None)
        if isinstance(getattr(wrapped, "__self__", None), str) and wrapped.__name__ in (
                "format", "format_map"):                  # the sandbox's str.format
            _check_format(wrapped.__self__)
        elif isinstance(__obj, types.BuiltinMethodType) and isinstance(
                owner, (str, bytes, int, float)):
            _widths(args, kwargs, f"{type(owner).__name__}.{__obj.__name__}()")
            if __obj.__name__ == "replace":
                _fits(_replace_size(owner, *args, **kwargs), "replace()")
            elif __obj.__name__ == "join" and args:
                items = list(args[0])
                weigh(items)
                _fits(_join_size(owner, items), "join()")
                args = (items, *args[1:])
        if isinstance(__obj, Macro):
            if meter.depth >= MAX_DEPTH:
                raise TemplateLimitError(f"macros call each other too deep (over {MAX_DEPTH})")
            meter.depth += 1
            try:
                return _checked(super().call(__context, __obj, *args, **kwargs))
            finally:
                meter.depth -= 1
        return _checked(super().call(__context, __obj, *args, **kwargs))


def _finalize(value: Any) -> Any:
    """Every value a template prints: charged by its size (a loop printing a large value
    many times runs out of work)."""
    weigh(value)
    return value


__all__ = ["BankEnvironment", "Budget", "SecurityError", "TemplateLimitError", "render",
           "MAX_WORK", "MAX_VALUE", "MAX_WIDTH", "MAX_DEPTH", "MAX_OUTPUT", "MAX_SECONDS"]
