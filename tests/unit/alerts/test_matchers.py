from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.alerts.matchers import (
    Matcher,
    MatcherError,
    MatchOp,
    UnsafeRegexError,
    compile_safe_regex,
    matcher_from_api,
    matchers_text,
    matches_all,
    parse_matcher,
    parse_matcher_list,
    parse_matchers,
    sort_matchers,
)
from edgewatch.alerts.model import label_set

MATCH_CASES = [
    # Equality compares the whole value.
    (MatchOp.EQUAL, "critical", "critical", True),
    (MatchOp.EQUAL, "critical", "critical2", False),
    (MatchOp.NOT_EQUAL, "critical", "warning", True),
    (MatchOp.NOT_EQUAL, "critical", "critical", False),
    # Regexes are anchored on both ends, like Alertmanager's ^(?:...)$.
    (MatchOp.REGEX, "api|web", "api", True),
    (MatchOp.REGEX, "api|web", "xapi", False),
    (MatchOp.REGEX, "api|web", "apix", False),
    (MatchOp.REGEX, "a.*", "abc", True),
    # A trailing newline is not swallowed by the anchor (Go's $ does not accept one either).
    (MatchOp.REGEX, "abc", "abc\n", False),
    (MatchOp.NOT_REGEX, "warn.*", "warning", False),
    (MatchOp.NOT_REGEX, "warn.*", "critical", True),
    # An empty regex matches only the empty value.
    (MatchOp.REGEX, "", "", True),
    (MatchOp.REGEX, "", "x", False),
]


@pytest.mark.parametrize(("op", "value", "subject", "expected"), MATCH_CASES)
def test_matcher_matches(op: MatchOp, value: str, subject: str, expected: bool) -> None:
    assert Matcher("severity", op, value).matches(subject) is expected


UNSAFE = [
    "(a+)+",  # nested unbounded quantifiers: the classic
    "(a*)*",
    "(a|a)+",  # alternatives sharing a first character, repeated
    "(a|ab)*",
    "(\\d|x)+",  # a class alternative may begin with anything
    "((a+))+",  # nesting deeper does not hide it
    "(?:x+y)+",  # conservative: refused although RE2 would be fine
    "(a)\\1",  # backreference
    "(?P<n>a)(?P=n)",
    "(?=a)a",  # lookaround
    "(?<!a)b",
    "(?>a+)",  # atomic group
    "a++",  # possessive
    "(a+){2,}",
    "a" * 257,  # too long
    ".*a.*b.*c.*d.*e.*f.*g",  # too many unbounded quantifiers
]

SAFE = [
    "api|web",
    "(api|web)+",
    "(foo|bar)-[0-9]+",
    ".*error.*",
    "[a-z]+-[0-9]{1,4}",
    "(?i)(warning|critical)",
    "(ab){3}",
    "x{,}y",
    "(a|b)?c",
    "a{}",
]


@pytest.mark.parametrize("pattern", UNSAFE)
def test_unsafe_regexes_are_refused(pattern: str) -> None:
    with pytest.raises(UnsafeRegexError):
        Matcher("x", MatchOp.REGEX, pattern)


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_regexes_are_accepted(pattern: str) -> None:
    compile_safe_regex(pattern)
    assert Matcher("x", MatchOp.REGEX, pattern).matches("api") == (re.fullmatch(pattern, "api") is not None)


def test_invalid_regex_and_label_name() -> None:
    with pytest.raises(MatcherError, match="invalid regular expression"):
        Matcher("x", MatchOp.REGEX, "(")
    with pytest.raises(MatcherError, match="invalid label name"):
        Matcher("1x", MatchOp.EQUAL, "v")


PARSE_CASES = [
    # The braced form with quoted values, regex and equality mixed.
    ('{severity="critical",service=~"api|web"}', [("severity", "=", "critical"), ("service", "=~", "api|web")]),
    # Bare values and whitespace, as amtool users type them.
    ("severity=critical", [("severity", "=", "critical")]),
    ("  severity != warning , team=~ ops ", [("severity", "!=", "warning"), ("team", "=~", "ops")]),
    # A comma inside quotes is part of the value.
    ('{msg="a,b",x!~"y"}', [("msg", "=", "a,b"), ("x", "!~", "y")]),
    # Escapes: \" \\ \n are unescaped; any other backslash stays literal.
    ('{msg="say \\"hi\\"\\n",re=~"\\d+"}', [("msg", "=", 'say "hi"\n'), ("re", "=~", "\\d+")]),
    # The empty set and a trailing comma.
    ("{}", []),
    ("{a=b,}", [("a", "=", "b")]),
    # An empty quoted value.
    ('a=""', [("a", "=", "")]),
]


@pytest.mark.parametrize(("text", "expected"), PARSE_CASES)
def test_parse_matchers(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert [(m.name, m.op.value, m.value) for m in parse_matchers(text)] == expected


BAD_TEXT = [
    "severity",  # no operator
    "{a=b",  # unclosed brace
    'a="b',  # unterminated quote
    'a=b"c',  # stray quote
    "a==b",  # = followed by a quote-less "=b" is fine in AM, but "==" here is value "=b"; see below
]


@pytest.mark.parametrize("text", BAD_TEXT[:4])
def test_parse_rejects_bad_text(text: str) -> None:
    with pytest.raises(MatcherError):
        parse_matchers(text)


def test_double_equals_is_a_value_starting_with_equals() -> None:
    # Alertmanager's classic parser reads a==b as name a, op =, value "=b".
    assert parse_matcher(BAD_TEXT[4]) == Matcher("a", MatchOp.EQUAL, "=b")


def test_amtool_list_and_api_objects() -> None:
    parsed = parse_matcher_list(["alertname=HighErrorRate", 'severity=~"warn.*"', "{service=api}"])
    assert [str(m) for m in parsed] == ['alertname="HighErrorRate"', 'severity=~"warn.*"', 'service="api"']
    with pytest.raises(MatcherError, match=r"^1: "):
        parse_matcher_list(["a=b", "nope"])
    assert matcher_from_api({"name": "a", "value": "b", "isRegex": False}) == Matcher("a", MatchOp.EQUAL, "b")
    assert matcher_from_api({"name": "a", "value": "b", "isRegex": True, "isEqual": False}).op is MatchOp.NOT_REGEX
    for op in MatchOp:
        m = Matcher("a", op, "b")
        assert matcher_from_api(m.to_api()) == m
    with pytest.raises(MatcherError):
        matcher_from_api({"name": "a", "value": "b"})  # isRegex is required by the v2 schema


def test_text_round_trip_sorting_and_label_sets() -> None:
    ms = sort_matchers(parse_matchers('{z="1",a=~"x|y",a="x"}'))
    assert matchers_text(ms) == '{a="x",a=~"x|y",z="1"}'
    assert parse_matchers(matchers_text(ms)) == ms
    assert matches_all(ms, label_set({"a": "x", "z": "1"}))
    assert not matches_all(ms, {"a": "y", "z": "1"})
    # A missing label is the empty string: != matches, = does not.
    assert matches_all([Matcher("team", MatchOp.NOT_EQUAL, "ops")], {})
    assert not matches_all([Matcher("team", MatchOp.EQUAL, "ops")], {})


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_parser_only_raises_value_errors(text: str) -> None:
    try:
        parse_matchers(text)
    except ValueError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab|()*+?.{}[]^$\\,1-9", max_size=20), st.text(alphabet="ab", max_size=12))
def test_accepted_regexes_match_exactly_as_fullmatch(pattern: str, subject: str) -> None:
    try:
        matcher = Matcher("x", MatchOp.REGEX, pattern)
    except ValueError:
        return
    assert matcher.matches(subject) == (re.fullmatch(pattern, subject) is not None)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40).filter(lambda v: "\x00" not in v))
def test_rendered_values_parse_back(value: str) -> None:
    m = Matcher("label", MatchOp.EQUAL, value)
    assert parse_matcher(str(m)).value == value
