from __future__ import annotations

import pytest

from edgewatch.apm.spike import SpikeGuard, SpikeLimit, rate_limits_header

LIMITS = {"error": SpikeLimit(per_minute=60, burst=3), "transaction": SpikeLimit(per_minute=30, burst=2)}


def test_a_burst_then_refusal_with_sentry_headers() -> None:
    guard = SpikeGuard(LIMITS)
    for _ in range(3):
        assert guard.admit("42", {"error": 1}, 0).status == 200
    refused = guard.admit("42", {"error": 1}, 0)
    assert (refused.status, refused.refused) == (429, {"error": 1})
    assert refused.headers() == {"X-Sentry-Rate-Limits": "1:error:project", "Retry-After": "1"}
    # a token a second comes back
    assert guard.admit("42", {"error": 1}, 1_000).status == 200
    # another project has its own bucket
    assert guard.admit("7", {"error": 1}, 1_000).status == 200


def test_part_of_an_envelope_passes() -> None:
    guard = SpikeGuard(LIMITS)
    guard.admit("42", {"transaction": 2}, 0)
    decision = guard.admit("42", {"error": 1, "transaction": 1, "internal": 1, "attachment": 2}, 0)
    # 200 for what passed, the header names what did not, no Retry-After
    assert decision.status == 200
    assert decision.admitted == {"error": 1, "internal": 1, "attachment": 2}
    assert decision.headers() == {"X-Sentry-Rate-Limits": "2:transaction:project"}


def test_client_reports_alone_do_not_save_a_refused_envelope() -> None:
    guard = SpikeGuard(LIMITS)
    guard.admit("42", {"error": 3}, 0)
    decision = guard.admit("42", {"error": 1, "internal": 1}, 0)
    assert decision.status == 429 and decision.retry_after == 1


def test_more_items_than_the_burst_need_a_full_bucket() -> None:
    guard = SpikeGuard({"session": SpikeLimit(per_minute=60, burst=5)})
    assert guard.admit("1", {"session": 9}, 0).status == 200  # a full bucket lets it through, empty after
    assert guard.admit("1", {"session": 9}, 1_000).refused == {"session": 4}
    assert guard.admit("1", {"session": 9}, 5_000).status == 200


def test_buckets_are_bounded() -> None:
    guard = SpikeGuard(LIMITS, max_buckets=3)
    for n in range(10):
        guard.admit(str(n), {"error": 1}, n)
    assert len(guard.buckets) == 3 and ("9", "error") in guard.buckets


def test_clock_going_back_does_not_mint_tokens() -> None:
    guard = SpikeGuard(LIMITS)
    guard.admit("1", {"error": 3}, 10_000)
    assert guard.admit("1", {"error": 1}, 5_000).status == 429


@pytest.mark.parametrize(
    ("refused", "header"),
    [
        ({}, None),
        ({"error": 60}, "60:error:project"),
        ({"transaction": 60, "error": 60}, "60:error;transaction:project"),
        ({"error": 60, "session": 5}, "60:error:project, 5:session:project"),
    ],
)
def test_header_form(refused: dict[str, int], header: str | None) -> None:
    assert rate_limits_header(refused) == header


def test_the_header_is_what_sentry_python_parses() -> None:
    from sentry_sdk.transport import _parse_rate_limits

    parsed = dict(_parse_rate_limits("60:error;transaction:project, 5:session:project"))
    assert set(parsed) == {"error", "transaction", "session"}


def test_bad_limits() -> None:
    with pytest.raises(ValueError):
        SpikeLimit(per_minute=0, burst=1)
    with pytest.raises(ValueError):
        SpikeLimit(per_minute=1, burst=0.5)
