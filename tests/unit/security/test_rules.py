from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.config import SecurityRule
from edgewatch.security.rules import Pattern, RuleMatcher, match_rule, normalise_path
from edgewatch.stack import load_stack_config

LIMIT = [{"requests": 1, "windowMs": 1000}]


def rules(*endpoints: str) -> list[SecurityRule]:
    return [SecurityRule.model_validate({"id": e, "endpoint": e, "limits": LIMIT}) for e in endpoints]


SHIPPED = load_stack_config().security_rules  # /api/auth/* and /api/*
MIXED = rules("/api/*", "/api/auth/*", "/api/auth/login", "/api/auth*", "/*", "/health")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/auth/login", "rate-limit-auth"),  # the narrower rule wins; /api/* is not also charged
        ("/api/auth", "rate-limit-auth"),  # the directory itself is under /api/auth/*
        ("/api/auth/", "rate-limit-auth"),
        ("/api/authority", "rate-limit-api"),  # a wildcard after '/' respects segment boundaries
        ("/api/users/7", "rate-limit-api"),
        ("/api", "rate-limit-api"),
        ("/apix", None),
        ("/health", None),  # no rule: not limited
        ("/", None),
    ],
)
def test_shipped_rules(path: str, expected: str | None) -> None:
    found = match_rule(SHIPPED, path)
    assert (found.id if found else None) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/auth/login", "/api/auth/login"),  # exact beats every wildcard
        ("/api/auth/login/", "/api/auth/login"),  # a trailing slash does not dodge an exact rule
        ("/api/auth/logout", "/api/auth/*"),  # longest literal prefix: /api/auth/ (10) > /api/auth (9)
        ("/api/authority", "/api/auth*"),  # a '*' not after '/' is a plain prefix
        ("/api/other", "/api/*"),
        ("/static/app.js", "/*"),  # /* matches every path
        ("/health", "/health"),
        ("/health/deep", "/*"),  # an exact rule covers only its own path
    ],
)
def test_most_specific_wins(path: str, expected: str) -> None:
    found = match_rule(MIXED, path)
    assert found is not None and found.id == expected
    assert RuleMatcher(MIXED).match(path) is found


def test_order_breaks_ties_and_does_not_otherwise_matter() -> None:
    first, second = (
        SecurityRule.model_validate({"id": i, "endpoint": "/api/*", "limits": LIMIT}) for i in ("first", "second")
    )
    assert match_rule([first, second], "/api/x") is first
    assert RuleMatcher([first, second]).match("/api/x") is first
    assert match_rule([*reversed(SHIPPED)], "/api/auth/login") is SHIPPED[0]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/auth/login?user=a#top", "/api/auth/login"),  # query and fragment dropped
        ("/api//auth///login", "/api/auth/login"),  # repeated slashes collapse
        ("/api/x/../auth/./login", "/api/auth/login"),  # dot segments resolved
        ("/../../api", "/api"),  # cannot climb above the root
        ("/api/%61uth/login", "/api/auth/login"),  # an encoded unreserved character is decoded
        ("/api/%2e%2e/auth", "/auth"),  # encoded dots are dots
        ("/api/auth%2Flogin", "/api/auth%2Flogin"),  # an encoded slash is not a separator
        ("/api/a%2fb", "/api/a%2Fb"),  # kept encoded, in upper case
        ("/api/x/..", "/api/"),
        ("", "/"),
    ],
)
def test_normalise_path(path: str, expected: str) -> None:
    assert normalise_path(path) == expected


@pytest.mark.parametrize(
    "path",
    ["/api//auth/login", "/api/%61uth/login", "/api/x/../auth/login", "/api/auth/login?x=1", "/api/./auth/login"],
)
def test_other_spellings_do_not_dodge_the_auth_rule(path: str) -> None:
    found = match_rule(SHIPPED, path)
    assert found is not None and found.id == "rate-limit-auth"


@pytest.mark.parametrize(
    ("pattern", "specificity"),
    [
        ("/api/x", (1, 6)),  # exact
        ("/api/*", (0, 5)),  # the literal prefix "/api/"
        ("/*", (0, 1)),
        ("/api/auth*", (0, 9)),
    ],
)
def test_specificity(pattern: str, specificity: tuple[int, int]) -> None:
    assert Pattern.parse(pattern).specificity == specificity


SEGMENT = st.text(alphabet="abc.%2f", min_size=0, max_size=4)


@given(st.lists(SEGMENT, max_size=6))
def test_normalising_is_idempotent(segments: list[str]) -> None:
    once = normalise_path("/" + "/".join(segments))
    assert once.startswith("/")
    assert normalise_path(once) == once


@given(st.lists(SEGMENT, max_size=6))
def test_matcher_agrees_with_match_rule(segments: list[str]) -> None:
    path = "/" + "/".join(segments)
    assert RuleMatcher(MIXED).match(path) is match_rule(MIXED, path)
