"""Label matchers as Alertmanager writes them: ``=``, ``!=``, ``=~``, ``!~``.

Regexes are anchored like Alertmanager's ``^(?:...)$`` (we use ``fullmatch``, which unlike ``$``
does not accept a trailing newline, just as Go's ``$`` does not). Because a user's regex runs inside
a Worker with a CPU budget, a regex is accepted only when it is at most 256 characters and its
structure cannot backtrack catastrophically: no quantified group that itself holds an unbounded
quantifier (``(a+)+``, ``(a*)*``) or alternatives that may begin with the same character
(``(a|a)+``, ``(\\d|x)*``); no backreferences, lookarounds, atomic groups or possessive quantifiers
(RE2, which Alertmanager uses, has none of them either); at most 6 unbounded quantifiers in all.
The rules are conservative: some harmless regexes (``(ab+)+``) are refused too.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .model import LabelSet

MAX_REGEX_LENGTH = 256
MAX_UNBOUNDED_QUANTIFIERS = 6
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


class MatcherError(ValueError):
    pass


class UnsafeRegexError(MatcherError):
    pass


class MatchOp(StrEnum):
    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"

    @property
    def is_regex(self) -> bool:
        return self in (MatchOp.REGEX, MatchOp.NOT_REGEX)

    @property
    def is_equal(self) -> bool:
        return self in (MatchOp.EQUAL, MatchOp.REGEX)


@dataclass
class _GroupScan:
    risky: bool = False  # holds an unbounded quantifier or overlapping alternatives, at any depth
    alternative_starts: list[str] = field(default_factory=list)  # "" = unknown first character
    current_start: str | None = None


_UNKNOWN = ""
_QUANTIFIER = re.compile(r"\*|\+|\?|\{(\d*)(,?)(\d*)\}")
_INLINE_FLAGS = re.compile(r"[aiLmsux-]*")
_LEADING_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")  # Python wants global flags first: hoist them
_CONTROL_ESCAPES = frozenset("AbBZzdDsSwWntrfvax0uUN")


class _RegexScanner:
    """Walks a pattern once, tracking groups on a stack; raises UnsafeRegexError on a risky shape."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0
        self.stack = [_GroupScan()]
        self.unbounded = 0
        self.last_atom_risky = False  # the atom a quantifier would apply to is a risky group

    def scan(self) -> None:
        while self.pos < len(self.pattern):
            self._step()
        self._close_alternative(self.stack[-1])

    def _step(self) -> None:
        char = self.pattern[self.pos]
        if char == "\\":
            self._escape()
        elif char == "[":
            self._char_class()
        elif char == "(":
            self._open_group()
        elif char == ")":
            self._close_group()
        elif char == "|":
            group = self.stack[-1]
            self._close_alternative(group)
            self.pos += 1
        elif char in "*+?{" and self._quantifier():
            return
        else:
            self._atom(_UNKNOWN if char in ".^$" else char.lower())
            self.pos += 1

    def _atom(self, first_char: str) -> None:
        group = self.stack[-1]
        if group.current_start is None:
            group.current_start = first_char
        self.last_atom_risky = False

    def _escape(self) -> None:
        nxt = self.pattern[self.pos + 1 : self.pos + 2]
        if nxt.isdigit() and nxt != "0":
            raise UnsafeRegexError("backreferences are not allowed in matcher regexes")
        self._atom(_UNKNOWN if nxt in _CONTROL_ESCAPES or nxt.isalnum() else nxt.lower())
        self.pos += 2

    def _char_class(self) -> None:
        end = self.pos + 1
        if self.pattern[end : end + 1] == "^":
            end += 1
        if self.pattern[end : end + 1] == "]":
            end += 1
        while end < len(self.pattern) and self.pattern[end] != "]":
            end += 2 if self.pattern[end] == "\\" else 1
        self._atom(_UNKNOWN)
        self.pos = end + 1

    def _open_group(self) -> None:
        head = self.pattern[self.pos : self.pos + 4]
        if head.startswith(("(?=", "(?!", "(?<=", "(?<!")):
            raise UnsafeRegexError("lookaround assertions are not allowed in matcher regexes")
        if head.startswith(("(?P=", "(?>", "(?(")):
            raise UnsafeRegexError("backreferences and atomic groups are not allowed in matcher regexes")
        if head.startswith("(?#"):
            self.pos = self.pattern.index(")", self.pos) + 1
            return
        if head.startswith("(?P<"):
            self.stack.append(_GroupScan())
            self.pos = self.pattern.index(">", self.pos) + 1
            return
        if not head.startswith("(?"):
            self.stack.append(_GroupScan())
            self.pos += 1
            return
        flags = _INLINE_FLAGS.match(self.pattern, self.pos + 2)
        end = flags.end() if flags else self.pos + 2
        if self.pattern[end : end + 1] == ")":  # global flags such as (?i): not a group
            self.pos = end + 1
            return
        self.stack.append(_GroupScan())
        self.pos = end + 1

    def _close_group(self) -> None:
        if len(self.stack) == 1:
            raise MatcherError("unbalanced parenthesis")
        group = self.stack.pop()
        self._close_alternative(group)
        starts = group.alternative_starts
        overlapping = len(starts) > 1 and (_UNKNOWN in starts or len(set(starts)) < len(starts))
        first = starts[0] if len(starts) == 1 else _UNKNOWN
        self._atom(first)
        parent = self.stack[-1]
        risky = group.risky or overlapping
        parent.risky = parent.risky or risky
        self.last_atom_risky = risky
        self.pos += 1

    def _close_alternative(self, group: _GroupScan) -> None:
        group.alternative_starts.append(group.current_start or _UNKNOWN)
        group.current_start = None

    def _quantifier(self) -> bool:
        match = _QUANTIFIER.match(self.pattern, self.pos)
        if match is None:
            return False  # a literal "{"
        token = match.group(0)
        if token.startswith("{"):
            low, comma, high = match.groups()
            if token == "{}":
                return False
            unbounded = bool(comma) and not high
            repeats = unbounded or int(high or low) > 1
        else:
            repeats = token in "*+"
            unbounded = repeats
        self.pos = match.end()
        if self.pattern[self.pos : self.pos + 1] == "+":
            raise UnsafeRegexError("possessive quantifiers are not allowed in matcher regexes")
        if self.pattern[self.pos : self.pos + 1] == "?":
            self.pos += 1
        if repeats and self.last_atom_risky:
            raise UnsafeRegexError(
                "nested quantifiers or overlapping alternatives under a quantifier can backtrack catastrophically"
            )
        if unbounded:
            self.unbounded += 1
            self.stack[-1].risky = True
            if self.unbounded > MAX_UNBOUNDED_QUANTIFIERS:
                raise UnsafeRegexError(f"at most {MAX_UNBOUNDED_QUANTIFIERS} unbounded quantifiers are allowed")
        self.last_atom_risky = False
        return True


def compile_safe_regex(pattern: str) -> re.Pattern[str]:
    """The anchored regex of a matcher value, or UnsafeRegexError / MatcherError saying why not."""
    if len(pattern) > MAX_REGEX_LENGTH:
        raise UnsafeRegexError(f"regex is longer than {MAX_REGEX_LENGTH} characters")
    flags = _LEADING_FLAGS.match(pattern)
    hoisted = f"{flags.group(0)}(?:{pattern[flags.end() :]})" if flags else f"(?:{pattern})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # FutureWarning about sets Python may read differently one day
            compiled = re.compile(hoisted)
    except (re.error, OverflowError, RecursionError) as exc:
        raise MatcherError(f"invalid regular expression {pattern!r}: {exc}") from None
    _RegexScanner(pattern).scan()
    return compiled


@dataclass(frozen=True)
class Matcher:
    name: str
    op: MatchOp
    value: str
    _regex: re.Pattern[str] | None = field(default=None, init=False, compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not LABEL_NAME.fullmatch(self.name):
            raise MatcherError(f"invalid label name {self.name!r}")
        if not isinstance(self.value, str):
            raise MatcherError(f"matcher value of {self.name} must be a string")
        object.__setattr__(self, "op", MatchOp(self.op))
        if self.op.is_regex:
            object.__setattr__(self, "_regex", compile_safe_regex(self.value))

    def matches(self, value: str) -> bool:
        if self._regex is not None:
            return (self._regex.fullmatch(value) is not None) == (self.op is MatchOp.REGEX)
        return (value == self.value) == (self.op is MatchOp.EQUAL)

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
        return f'{self.name}{self.op.value}"{escaped}"'

    def to_api(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "isRegex": self.op.is_regex, "isEqual": self.op.is_equal}


Matchers = tuple[Matcher, ...]


def sort_matchers(matchers: Iterable[Matcher]) -> Matchers:
    """Alertmanager's order: by name, then value, then type (= != =~ !~)."""
    order = list(MatchOp)
    return tuple(sorted(matchers, key=lambda m: (m.name, m.value, order.index(m.op))))


def matchers_text(matchers: Iterable[Matcher]) -> str:
    return "{" + ",".join(str(m) for m in matchers) + "}"


def matches_all(matchers: Iterable[Matcher], labels: LabelSet | Mapping[str, str]) -> bool:
    """A missing label is the empty string, as in Alertmanager."""
    values = labels if isinstance(labels, Mapping) else dict(labels)
    return all(m.matches(values.get(m.name, "")) for m in matchers)


def matches_empty(matcher: Matcher) -> bool:
    return matcher.matches("")


# --- text and API forms -------------------------------------------------------------------------

_MATCHER_TEXT = re.compile(r"\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*(.*?)\s*", re.DOTALL)


def _unquote_value(raw: str) -> str:
    """Alertmanager's classic unescaping: an optional pair of double quotes; inside, \\n, \\" and
    \\\\ are escapes, any other backslash is literal, and an unescaped quote is an error."""
    quoted = raw.startswith('"')
    body = raw[1:] if quoted else raw
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index < len(body) - 1:
            nxt = body[index + 1]
            out.append("\n" if nxt == "n" else nxt if nxt in '"\\' else "\\" + nxt)
            index += 2
            continue
        if char == '"':
            if not quoted or index != len(body) - 1:
                raise MatcherError(f"matcher value contains unescaped double quote: {raw}")
            quoted = False
            index += 1
            continue
        out.append(char)
        index += 1
    if quoted:
        raise MatcherError(f"matcher value contains unescaped double quote: {raw}")
    return "".join(out)


def parse_matcher(text: str) -> Matcher:
    """One matcher such as ``severity=critical`` or ``service=~"api|web"``."""
    if not isinstance(text, str):
        raise MatcherError(f"a matcher must be a string, got {type(text).__name__}")
    found = _MATCHER_TEXT.fullmatch(text)
    if found is None:
        raise MatcherError(
            f"bad matcher format: {text!r}; expected name=value, name!=value, name=~regex or name!~regex"
        )
    name, op, raw = found.groups()
    return Matcher(name, MatchOp(op), _unquote_value(raw))


def _split_outside_quotes(text: str) -> list[str]:
    tokens: list[str] = []
    current: list[str] = []
    inside = False
    escaped = False
    for char in text:
        if char == "," and not inside:
            tokens.append("".join(current))
            current = []
            continue
        current.append(char)
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            inside = not inside
    tokens.append("".join(current))
    return tokens


def parse_matchers(text: str) -> Matchers:
    """A matcher list such as ``{severity="critical",service=~"api|web"}`` (braces optional)."""
    if not isinstance(text, str):
        raise MatcherError(f"matchers must be a string, got {type(text).__name__}")
    body = text.strip()
    if body.startswith("{"):
        if not body.endswith("}"):
            raise MatcherError(f"missing closing brace in {text!r}")
        body = body[1:-1]
    tokens = _split_outside_quotes(body)
    if tokens and not tokens[-1].strip():
        tokens.pop()  # a trailing comma, or the empty set "{}"
    return tuple(parse_matcher(token) for token in tokens)


def parse_matcher_list(items: Iterable[str]) -> Matchers:
    """amtool's form: each argument is one matcher or a braced list (``alertname=X "severity=~warn.*"``)."""
    if isinstance(items, str):
        raise MatcherError("expected a list of matcher strings, got one string")
    out: list[Matcher] = []
    for index, item in enumerate(items):
        try:
            out.extend(parse_matchers(item))
        except MatcherError as exc:
            raise MatcherError(f"{index}: {exc}") from None
    return tuple(out)


def matcher_from_api(data: Any) -> Matcher:
    """The v2 API's ``{name, value, isRegex, isEqual}``; ``isEqual`` defaults to true."""
    if not isinstance(data, Mapping):
        raise MatcherError("a matcher must be an object with name, value and isRegex")
    name, value = data.get("name"), data.get("value")
    is_regex, is_equal = data.get("isRegex", None), data.get("isEqual", True)
    if not isinstance(name, str) or not isinstance(value, str):
        raise MatcherError("name and value of a matcher must be strings")
    if not isinstance(is_regex, bool) or not isinstance(is_equal, bool):
        raise MatcherError("isRegex is required and isRegex/isEqual must be booleans")
    op = {
        (False, True): MatchOp.EQUAL,
        (False, False): MatchOp.NOT_EQUAL,
        (True, True): MatchOp.REGEX,
        (True, False): MatchOp.NOT_REGEX,
    }[(is_regex, is_equal)]
    return Matcher(name, op, value)
