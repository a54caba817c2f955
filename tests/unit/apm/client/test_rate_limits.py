from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.apm.client.rate_limits import (
    ALL,
    DEFAULT_RETRY_AFTER_MS,
    MAX_WAIT_MS,
    RateLimits,
    Verdict,
    parse_rate_limits,
    parse_retry_after,
)

NOW = 1_800_000_000_000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("60:error:project", {"error": 60_000}),  # one category, as our spike protection answers
        ("60:error;transaction:project", {"error": 60_000, "transaction": 60_000}),
        ("30::organization", {ALL: 30_000}),  # no categories: every one
        ("10:error:project, 20:error:key", {"error": 20_000}),  # the longest wait wins
        ("2.5:ERROR:project:usage_exceeded:custom", {"error": 2_500}),  # reason and namespaces ignored
        ("soon:error:project, 5:session:project", {"session": 5_000}),  # a bad group is skipped
        ("-1:error:project", {}),
        ("inf:error:project", {}),
        ("", {}),
        ("99999999:error:project", {"error": MAX_WAIT_MS}),  # bounded to a day
    ],
)
def test_parse_rate_limits(header: str, expected: dict[str, int]) -> None:
    assert parse_rate_limits(header) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7_000),
        (" 1.2 ", 1_200),  # rounded up: never earlier than asked
        ("0", 0),
        (format_datetime(datetime.fromtimestamp((NOW + 90_000) / 1000, UTC), usegmt=True), 90_000),
        ("tomorrow", None),
        ("", None),
    ],
)
def test_parse_retry_after(value: str, expected: int | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_a_category_limit_holds_that_category_until_it_passes() -> None:
    limits = RateLimits()
    assert limits.update(200, {"X-Sentry-Rate-Limits": "3:error:project"}, NOW) == {"error": NOW + 3_000}
    assert limits.decide("error", NOW + 2_999).verdict is Verdict.LIMITED
    assert limits.decide("error", NOW + 2_999).until_ms == NOW + 3_000
    assert limits.decide("transaction", NOW).send
    assert limits.decide("internal", NOW).send  # client reports are never held by a category limit
    assert limits.decide("error", NOW + 3_000).send
    assert limits.until_ms == {}  # expired limits are forgotten


def test_a_429_without_the_header_uses_retry_after_then_the_default() -> None:
    limits = RateLimits()
    limits.update(429, {"Retry-After": "4"}, NOW)
    assert limits.decide("internal", NOW).verdict is Verdict.LIMITED_ALL
    assert limits.decide("error", NOW + 4_000).send
    limits.update(429, {}, NOW)
    assert limits.decide("error", NOW + DEFAULT_RETRY_AFTER_MS - 1).until_ms == NOW + DEFAULT_RETRY_AFTER_MS


def test_the_rate_limit_header_wins_over_retry_after() -> None:
    limits = RateLimits()
    limits.update(429, {"retry-after": "600", "x-sentry-rate-limits": "5:error:project"}, NOW)
    assert limits.until_ms == {"error": NOW + 5_000}


def test_a_success_without_headers_changes_nothing_and_a_shorter_limit_does_not_shorten() -> None:
    limits = RateLimits()
    limits.update(200, {"x-sentry-rate-limits": "60:error:project"}, NOW)
    limits.update(200, {}, NOW + 1)
    limits.update(200, {"x-sentry-rate-limits": "1:error:project"}, NOW + 2)
    assert limits.until_ms == {"error": NOW + 60_000}


@given(st.text(max_size=200))
def test_any_header_parses_to_bounded_non_negative_waits(header: str) -> None:
    for wait in parse_rate_limits(header).values():
        assert 0 <= wait <= MAX_WAIT_MS


@given(st.text(max_size=60))
def test_any_retry_after_is_none_or_bounded(value: str) -> None:
    wait = parse_retry_after(value, NOW)
    assert wait is None or 0 <= wait <= MAX_WAIT_MS
