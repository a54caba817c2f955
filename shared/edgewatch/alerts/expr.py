"""The rule expression language: a lexer and a recursive-descent parser into a frozen AST (never eval).

Grammar, loosest binding first::

    condition  := conjunction ("or" conjunction)*
    conjunction:= negation ("and" negation)*
    negation   := "not" negation | comparison
    comparison := sum [(">" | ">=" | "<" | "<=" | "==" | "!=") sum]
    sum        := product (("+" | "-") product)*
    product    := primary (("*" | "/") primary)*
    primary    := number | signal | query | "(" condition ")" | "-" number
    query      := func "(" metric ["{" matcher ("," matcher)* [","] "}"] ["[" duration "]"] ")"
                  ["by" ("(" label ("," label)* ")" | label)]
    func       := rate | avg | sum | min | max | count | p1 .. p99 | p999

Numbers take units: ``ms s m h`` are milliseconds (``5m`` is 300000), ``%`` divides by 100. A
query's range defaults to 5m and is at most 1d. A rule's text is at most 1,000 characters and
nests at most 32 levels. Types are checked while parsing: ``and``/``or``/``not`` join comparisons,
comparisons and arithmetic join values, and a whole rule is a condition.

Label matchers are ``edgewatch.alerts.matchers.Matcher``, the same as routes, inhibition rules and
silences use: regexes (``=~``, ``!~``) match the whole value, are at most 256 characters, and are
refused when they could backtrack catastrophically (the rule is in that module).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Union

from ..durations import format_duration_ms
from .matchers import Matcher, MatcherError, MatchOp, compile_safe_regex

MAX_TEXT_CHARS = 1000
MAX_DEPTH = 32
DEFAULT_RANGE_MS = 300_000
MAX_RANGE_MS = 86_400_000
KEYWORDS = frozenset({"and", "or", "not", "by"})
AGGREGATIONS = frozenset({"rate", "avg", "sum", "min", "max", "count"})
COMPARISONS = (">=", "<=", "==", "!=", ">", "<")
_NEGATED = {">": "<=", "<=": ">", "<": ">=", ">=": "<", "==": "!=", "!=": "=="}
_UNIT_FACTORS = {"ms": 1.0, "s": 1_000.0, "m": 60_000.0, "h": 3_600_000.0, "d": 86_400_000.0, "%": 0.01}
_QUANTILE_FUNC = re.compile(r"p(?:[1-9][0-9]?|999)")
_LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<num>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)(?P<unit>ms|s|m|h|d|%)?"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_:]*)"
    r"|(?P<op>>=|<=|==|!=|=~|!~|[><=(){}\[\],+\-*/])"
    r'|(?P<string>")'
)
_EXPECT_VALUE = "a number, a signal or a query"


class RuleSyntaxError(ValueError):
    def __init__(self, column: int, expected: str, got: str) -> None:
        self.column = column
        self.expected = expected
        self.got = got
        super().__init__(f"column {column}: expected {expected}, got {got}")


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class SignalRef:
    name: str
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Query:
    func: str  # an aggregation, or pNN for a quantile
    metric: str
    matchers: tuple[Matcher, ...] = ()
    range_ms: int = DEFAULT_RANGE_MS
    by: tuple[str, ...] = ()

    @property
    def quantile(self) -> float | None:
        if not _QUANTILE_FUNC.fullmatch(self.func):
            return None
        return 0.999 if self.func == "p999" else int(self.func[1:]) / 100


@dataclass(frozen=True)
class Arith:
    op: str  # + - * /
    left: Value
    right: Value


@dataclass(frozen=True)
class Compare:
    op: str  # one of COMPARISONS
    left: Value
    right: Value


@dataclass(frozen=True)
class Logic:
    op: str  # and, or
    left: Condition
    right: Condition


@dataclass(frozen=True)
class Not:
    operand: Condition


Value = Union[Number, SignalRef, Query, Arith]
Condition = Union[Compare, Logic, Not]
Node = Union[Value, Condition]


def negate(condition: Condition) -> Condition:
    """``not`` pushed down to the comparisons (De Morgan): the result holds no Not."""
    if isinstance(condition, Not):
        return push_not(condition.operand)
    if isinstance(condition, Compare):
        return Compare(_NEGATED[condition.op], condition.left, condition.right)
    flipped = "or" if condition.op == "and" else "and"
    return Logic(flipped, negate(condition.left), negate(condition.right))


def push_not(condition: Condition) -> Condition:
    if isinstance(condition, Not):
        return negate(condition.operand)
    if isinstance(condition, Logic):
        return Logic(condition.op, push_not(condition.left), push_not(condition.right))
    return condition


# -- regexes --------------------------------------------------------------------------------


def regex_problem(pattern: str) -> str | None:
    """Why a matcher's regex is refused, or None: edgewatch.alerts.matchers decides, for rules,
    routes, inhibition and silences alike."""
    try:
        compile_safe_regex(pattern)
    except MatcherError as exc:
        return f"a safe regex ({exc})"
    return None


# -- lexer ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # num, ident, op, string, end
    text: str
    column: int
    value: float = 0.0
    unit: str = ""

    def shown(self) -> str:
        return "end of input" if self.kind == "end" else repr(self.text)


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_TEXT_CHARS:
        raise RuleSyntaxError(MAX_TEXT_CHARS + 1, f"a rule of at most {MAX_TEXT_CHARS} characters", "more")
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise RuleSyntaxError(pos + 1, "a number, a name, a string or an operator", repr(text[pos]))
        kind = match.lastgroup if match.lastgroup != "unit" else "num"
        if kind == "string":
            end, value = _string(text, pos)
            tokens.append(Token("string", value, pos + 1))
            pos = end
            continue
        if kind == "num":
            tokens.append(_number(text, match, pos))
        elif kind in ("ident", "op"):
            tokens.append(Token(str(kind), match.group(), pos + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _number(text: str, match: re.Match[str], pos: int) -> Token:
    end = match.end()
    if end < len(text) and (text[end].isalnum() or text[end] in "_:."):
        tail = re.compile(r"[A-Za-z0-9_:.%]*").match(text, pos)
        shown = tail.group() if tail else match.group()
        raise RuleSyntaxError(pos + 1, "a number with an optional unit (ms, s, m, h, %)", repr(shown))
    unit = match.group("unit") or ""
    value = float(match.group("num"))
    if not math.isfinite(value * _UNIT_FACTORS.get(unit, 1.0)):
        raise RuleSyntaxError(pos + 1, "a finite number", repr(match.group()))
    return Token("num", match.group(), pos + 1, value, unit)


def _string(text: str, start: int) -> tuple[int, str]:
    out: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            return i + 1, "".join(out)
        if char == "\\":
            if i + 1 >= len(text) or text[i + 1] not in '"\\':
                shown = repr(text[i : i + 2])
                raise RuleSyntaxError(i + 1, 'an escape \\" or \\\\ inside a string', shown)
            out.append(text[i + 1])
            i += 2
            continue
        out.append(char)
        i += 1
    raise RuleSyntaxError(
        len(text) + 1, "a closing '\"' of the string opened at column " + str(start + 1), "end of input"
    )


# -- parser ---------------------------------------------------------------------------------


def parse(text: str, signals: Collection[str] | None = None) -> Condition:
    """A rule's condition; with ``signals``, a signal name not in it is an error at its column."""
    parser = _Parser(tokenize(text), signals)
    node = parser.condition(0)
    parser.expect_end()
    if not isinstance(node, Compare | Logic | Not):
        raise RuleSyntaxError(parser.peek.column, "a comparison operator (> >= < <= == !=)", parser.peek.shown())
    return node


def parse_value(text: str, signals: Collection[str] | None = None) -> Value:
    """A value expression (what a signal is defined as), such as ``p95(x[5m]) by (service)``."""
    parser = _Parser(tokenize(text), signals)
    column = parser.peek.column
    node = parser.condition(0)
    parser.expect_end()
    if isinstance(node, Compare | Logic | Not):
        raise RuleSyntaxError(column, "a value (a number, a signal or a query), not a condition", "a condition")
    return node


class _Parser:
    def __init__(self, tokens: list[Token], signals: Collection[str] | None) -> None:
        self.tokens = tokens
        self.index = 0
        self.signals = signals

    @property
    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def accept(self, text: str) -> bool:
        if self.peek.kind in ("op", "ident") and self.peek.text == text:
            self.take()
            return True
        return False

    def expect(self, text: str, expected: str | None = None) -> None:
        if not self.accept(text):
            raise RuleSyntaxError(self.peek.column, expected or repr(text), self.peek.shown())

    def expect_end(self) -> None:
        if self.peek.kind != "end":
            raise RuleSyntaxError(self.peek.column, "'and', 'or' or the end of the rule", self.peek.shown())

    def condition(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise RuleSyntaxError(self.peek.column, f"at most {MAX_DEPTH} levels of nesting", self.peek.shown())
        return self._logic("or", lambda: self._logic("and", lambda: self.negation(depth)))

    def _logic(self, op: str, operand: Callable[[], Node]) -> Node:
        column = self.peek.column
        left = operand()
        while self.peek.kind == "ident" and self.peek.text == op:
            self.take()
            right_column = self.peek.column
            right = operand()
            left = Logic(op, _as_condition(left, column), _as_condition(right, right_column))
        return left

    def negation(self, depth: int) -> Node:
        if self.accept("not"):
            column = self.peek.column
            if depth + 1 > MAX_DEPTH:
                raise RuleSyntaxError(column, f"at most {MAX_DEPTH} levels of nesting", self.peek.shown())
            return Not(_as_condition(self.negation(depth + 1), column))
        return self.comparison(depth)

    def comparison(self, depth: int) -> Node:
        column = self.peek.column
        left = self.sum(depth)
        if self.peek.kind != "op" or self.peek.text not in COMPARISONS:
            return left
        op = self.take().text
        right_column = self.peek.column
        right = self.sum(depth)
        if self.peek.kind == "op" and self.peek.text in COMPARISONS:
            raise RuleSyntaxError(self.peek.column, "'and', 'or' or the end of the rule", self.peek.shown())
        return Compare(op, _as_value(left, column), _as_value(right, right_column))

    def sum(self, depth: int) -> Node:
        return self.arith(("+", "-"), lambda: self.arith(("*", "/"), lambda: self.primary(depth)))

    def arith(self, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        column = self.peek.column
        left = operand()
        while self.peek.kind == "op" and self.peek.text in ops:
            op = self.take().text
            right_column = self.peek.column
            right = operand()
            left = Arith(op, _as_value(left, column), _as_value(right, right_column))
        return left

    def primary(self, depth: int) -> Node:
        token = self.peek
        if token.kind == "num":
            self.take()
            return Number(token.value * _UNIT_FACTORS.get(token.unit, 1.0))
        if token.kind == "op" and token.text == "-":
            self.take()
            number = self.peek
            if number.kind != "num":
                raise RuleSyntaxError(number.column, "a number after '-'", number.shown())
            inner = self.primary(depth)
            assert isinstance(inner, Number)
            return Number(-inner.value)
        if token.kind == "op" and token.text == "(":
            self.take()
            inner = self.condition(depth + 1)
            self.expect(")", "')'")
            return inner
        if token.kind == "ident" and token.text not in KEYWORDS:
            self.take()
            if self.peek.kind == "op" and self.peek.text == "(":
                return self.query(token)
            if self.signals is not None and token.text not in self.signals:
                known = ", ".join(sorted(self.signals))
                raise RuleSyntaxError(token.column, f"a number, a signal ({known}) or a query", token.shown())
            return SignalRef(token.text, token.column)
        raise RuleSyntaxError(token.column, _EXPECT_VALUE, token.shown())

    def query(self, func: Token) -> Query:
        if func.text not in AGGREGATIONS and not _QUANTILE_FUNC.fullmatch(func.text):
            expected = "a function (rate, avg, sum, min, max, count, p1..p99, p999)"
            raise RuleSyntaxError(func.column, expected, func.shown())
        self.expect("(")
        metric = self.take()
        if metric.kind != "ident" or metric.text in KEYWORDS:
            raise RuleSyntaxError(metric.column, "a metric name", metric.shown())
        matchers = self.matchers() if self.accept("{") else ()
        range_ms = self.range() if self.accept("[") else DEFAULT_RANGE_MS
        self.expect(")", "')'" if range_ms != DEFAULT_RANGE_MS or matchers else "'{', '[' or ')'")
        by: tuple[str, ...] = ()
        if self.accept("by"):
            by = self.labels() if self.accept("(") else (self.label_name(),)
        return Query(func.text, metric.text, matchers, range_ms, by)

    def matchers(self) -> tuple[Matcher, ...]:
        out: list[Matcher] = []
        while not self.accept("}"):
            name = self.label_name()
            op_token = self.take()
            if op_token.kind != "op" or op_token.text not in ("=", "!=", "=~", "!~"):
                raise RuleSyntaxError(op_token.column, "a matcher operator (=, !=, =~, !~)", op_token.shown())
            value = self.take()
            if value.kind != "string":
                raise RuleSyntaxError(value.column, "a double-quoted string", value.shown())
            op = MatchOp(op_token.text)
            if op.is_regex:
                problem = regex_problem(value.text)
                if problem is not None:
                    raise RuleSyntaxError(value.column, problem, repr(value.text))
            try:
                out.append(Matcher(name, op, value.text))
            except MatcherError as exc:
                raise RuleSyntaxError(value.column, f"a valid matcher ({exc})", repr(value.text)) from None
            if not self.accept(","):
                self.expect("}", "',' or '}'")
                break
        return tuple(out)

    def range(self) -> int:
        token = self.take()
        if token.kind != "num" or token.unit not in ("ms", "s", "m", "h", "d") or not token.value.is_integer():
            raise RuleSyntaxError(token.column, "a duration such as 5m (ms, s, m, h, d)", token.shown())
        range_ms = int(token.value * _UNIT_FACTORS[token.unit])
        if not 0 < range_ms <= MAX_RANGE_MS:
            raise RuleSyntaxError(token.column, "a range above 0 and at most 1d", token.shown())
        self.expect("]", "']'")
        return range_ms

    def labels(self) -> tuple[str, ...]:
        names = [self.label_name()]
        while self.accept(","):
            names.append(self.label_name())
        self.expect(")", "',' or ')'")
        return tuple(names)

    def label_name(self) -> str:
        token = self.take()
        if token.kind != "ident" or not _LABEL_NAME.fullmatch(token.text):
            raise RuleSyntaxError(token.column, "a label name", token.shown())
        return token.text


def _as_condition(node: Node, column: int) -> Condition:
    if isinstance(node, Compare | Logic | Not):
        return node
    raise RuleSyntaxError(column, "a comparison (such as error_rate > 0.05)", "a value without one")


def _as_value(node: Node, column: int) -> Value:
    if isinstance(node, Compare | Logic | Not):
        raise RuleSyntaxError(column, _EXPECT_VALUE, "a condition")
    return node


# -- printing -------------------------------------------------------------------------------

_ARITH_RANK = {"+": 1, "-": 1, "*": 2, "/": 2}


def to_text(node: Node) -> str:
    """The canonical text of a node; parsing it gives the same node back."""
    if isinstance(node, Logic):
        left, right = _logic_side(node.left, node.op, False), _logic_side(node.right, node.op, True)
        return f"{left} {node.op} {right}"
    if isinstance(node, Not):
        inner = to_text(node.operand)
        return f"not ({inner})" if isinstance(node.operand, Logic) else f"not {inner}"
    if isinstance(node, Compare):
        return f"{to_text(node.left)} {node.op} {to_text(node.right)}"
    if isinstance(node, Arith):
        rank = _ARITH_RANK[node.op]
        left, right = to_text(node.left), to_text(node.right)
        if isinstance(node.left, Arith) and _ARITH_RANK[node.left.op] < rank:
            left = f"({left})"
        if isinstance(node.right, Arith) and _ARITH_RANK[node.right.op] <= rank:
            right = f"({right})"
        return f"{left} {node.op} {right}"
    if isinstance(node, Number):
        value = float(node.value)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(node, SignalRef):
        return node.name
    return _query_text(node)


def _logic_side(node: Condition, op: str, right: bool) -> str:
    text = to_text(node)
    if isinstance(node, Logic) and (right or (op == "and" and node.op == "or")):
        return f"({text})"
    return text


def _query_text(query: Query) -> str:
    matchers = ", ".join(f'{m.name}{m.op.value}"{_escape(m.value)}"' for m in query.matchers)
    selector = f"{query.metric}{{{matchers}}}" if query.matchers else query.metric
    by = f" by ({', '.join(query.by)})" if query.by else ""
    return f"{query.func}({selector}[{format_duration_ms(query.range_ms)}]){by}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
