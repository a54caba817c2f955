from __future__ import annotations

import json
from typing import Any

import pytest

from edgewatch.apm import (
    IngestAnswer,
    IngestRequest,
    SpikeGuard,
    SpikeLimit,
    allowed_origins,
    cors_headers,
    group_event,
    limits_for,
    normalize_event,
    parse_envelope,
    parse_spike_limits,
    plan_ingest,
    regression_alert,
)
from edgewatch.apm.issues import Seen
from edgewatch.codec import decode, encode


def _envelope(*items: tuple[dict[str, Any], dict[str, Any]]) -> bytes:
    lines = [b'{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}']
    for header, body in items:
        lines += [json.dumps(header).encode(), json.dumps(body).encode()]
    return b"\n".join(lines)


def test_plan_counts_categories_reports_and_skipped_items() -> None:
    report = {"discarded_events": [{"reason": "network_error", "category": "error", "quantity": 2}]}
    envelope = parse_envelope(
        _envelope(
            ({"type": "event"}, {"message": "x"}),
            ({"type": "session"}, {"sid": "a"}),
            ({"type": "client_report"}, report),
            ({"type": "profile"}, {}),
        )
    )
    plan = plan_ingest(envelope)
    assert plan.categories == {"error": 1, "session": 1, "internal": 1}
    assert plan.event is not None and plan.discarded == {"network_error:error": 2}
    assert plan.skipped == {"profile": 1}


def test_spike_limits_default_and_per_project() -> None:
    limits = parse_spike_limits("error=60/10, 2:error=1/3")
    assert limits_for(limits, "1")["error"] == SpikeLimit(60, 10)
    assert limits_for(limits, "2")["error"] == SpikeLimit(1, 3)
    assert "transaction" in limits_for(limits, "2")


@pytest.mark.parametrize("text", ["error", "colour=1/2", "x:error=1/2", "error=0/2", "error=a/b"])
def test_bad_spike_limits_name_the_entry(text: str) -> None:
    with pytest.raises(ValueError, match="SENTRY_SPIKE_LIMITS"):
        parse_spike_limits(text)


def test_a_tiny_limit_refuses_the_fourth_event_with_429() -> None:
    guard = SpikeGuard(limits_for(parse_spike_limits("2:error=1/3"), "2"))
    answers = [guard.admit("2", {"error": 1}, 1000).status for _ in range(4)]
    assert answers == [200, 200, 200, 429]


@pytest.mark.parametrize(
    ("origin", "allowed", "expected"),
    [
        ("http://a.test", "http://a.test", "http://a.test"),
        ("http://A.test/", "http://a.test", "http://A.test/"),
        ("http://b.test", "http://a.test", None),
        ("http://b.test", "", None),
        (None, "http://a.test", None),
        ("http://b.test", "*", "*"),
    ],
)
def test_cors_follows_the_allow_list(origin: str | None, allowed: str, expected: str | None) -> None:
    headers = cors_headers(origin, allowed_origins(allowed), preflight=True)
    assert headers.get("Access-Control-Allow-Origin") == expected
    if expected:
        assert "POST" in headers["Access-Control-Allow-Methods"]
        assert "x-sentry-rate-limits" in headers["Access-Control-Expose-Headers"]


def test_messages_round_trip_and_the_regression_alert() -> None:
    event = normalize_event({"message": "x", "release": "1.0"}, project="1", received_ms=1)
    request = IngestRequest("1", 1, {"error": 1}, event, group_event(event), {"a:error": 1}, {"profile": 1})
    assert decode(IngestRequest, encode(request)) == request
    decision = SpikeGuard({}).admit("1", {"error": 1}, 1)
    answer = IngestAnswer(decision, "1-abc", Seen.NEW, "first")
    assert decode(IngestAnswer, encode(answer)) == answer
    from edgewatch.apm import new_issue

    issue, _ = new_issue("1-abcdefabcdef", event, group_event(event))
    alert = regression_alert(issue, "seen in 1.1, newer than 1.0", 5)
    assert alert.label("alertname") == "IssueRegressed" and alert.label("origin") == "apm"
    assert alert.label("issue") == "1-abcdefabcdef" and alert.label("severity") == "warning"
    assert alert.annotation("description").startswith("seen in 1.1")
