from __future__ import annotations

from typing import Any

import pytest

from edgewatch.security.api_input import (
    BlockRequest,
    SummaryPlan,
    plan_summary,
    read_block_request,
    shard_page_params,
)
from edgewatch.security.events import parse_query

NOW = 1_795_737_600_000
DAY = 86_400_000
H = 3_600_000


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # only a target: blocked by an operator, until removed
        ({"target": "203.0.113.7"}, BlockRequest("203.0.113.7", "blocked by an operator", None)),
        # a TTL is a duration
        ({"target": "user:42", "ttl": "1h"}, BlockRequest("user:42", "blocked by an operator", H)),
        # an empty reason falls back to the default
        ({"target": "10.0.0.0/8", "reason": ""}, BlockRequest("10.0.0.0/8", "blocked by an operator", None)),
        # the target itself is judged by the ledger, not here
        ({"target": "not an ip", "reason": "spam"}, BlockRequest("not an ip", "spam", None)),
        # an explicit null TTL: until removed
        ({"target": "203.0.113.7", "ttl": None}, BlockRequest("203.0.113.7", "blocked by an operator", None)),
    ],
)
def test_read_block_request(data: dict[str, Any], expected: BlockRequest) -> None:
    assert read_block_request(data) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "target: required, an IP address, a CIDR range or user:<id>"),  # not an object
        ({}, "target: required, an IP address, a CIDR range or user:<id>"),
        ({"target": 7}, "target: required, an IP address, a CIDR range or user:<id>"),
        ({"target": "1.2.3.4", "until": "1h", "by": "x"}, "by: unknown field; allowed: reason, target, ttl"),
        ({"target": "1.2.3.4", "reason": 5}, "reason: expected a string"),
        ({"target": "1.2.3.4", "ttl": 60}, "ttl: expected a duration string such as '5m', got int"),
    ],
)
def test_read_block_request_refuses(data: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        read_block_request(data)
    assert str(caught.value) == message


def test_a_bad_ttl_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"^ttl: "):
        read_block_request({"target": "1.2.3.4", "ttl": "soon"})


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # no range: the last day up to now (inclusive), hourly
        ({}, SummaryPlan({}, NOW - DAY, NOW + 1, H)),
        # a range and a bucket as given; the bucket is not a filter
        ({"from": "1000", "to": "5000", "bucket": "1s"}, SummaryPlan({"from": "1000", "to": "5000"}, 1000, 5000, 1000)),
        # only a start: up to now
        ({"from": str(NOW - H)}, SummaryPlan({"from": str(NOW - H)}, NOW - H, NOW + 1, H)),
        # filters are kept, other parameters dropped
        ({"type": "threat", "limit": "5"}, SummaryPlan({"type": "threat"}, NOW - DAY, NOW + 1, H)),
    ],
)
def test_plan_summary(params: dict[str, str], expected: SummaryPlan) -> None:
    assert plan_summary(params, NOW) == expected


@pytest.mark.parametrize(
    ("params", "filtered"),
    [
        ({}, False),
        ({"from": "1000", "to": "5000"}, False),  # a range alone reads the shards' counts
        ({"type": "threat"}, True),
        ({"route": "/api/*"}, True),
        ({"rule": "rate-limit-api"}, True),
        ({"identifier": "ip:203.0.113.7", "from": str(NOW - H)}, True),
    ],
)
def test_which_summaries_are_filtered(params: dict[str, str], filtered: bool) -> None:
    assert plan_summary(params, NOW).filtered is filtered


def test_a_filtered_summary_asks_each_shard_for_the_range_and_1000_events() -> None:
    plan = plan_summary({"type": "threat", "bucket": "5m"}, NOW)
    assert plan.shard_params() == {"type": "threat", "from": str(NOW - DAY), "to": str(NOW + 1), "limit": "1000"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        # a day in one-minute buckets is 1440: fine; in 30 s buckets 2880: too many
        ({"bucket": "30s"}, "bucket: too many buckets for this range; use a larger one"),
        ({"bucket": "soon"}, ""),  # a malformed duration (its own message)
        ({"type": "nope"}, "type: 'nope' is not one of"),
        ({"from": "5000", "to": "1000"}, "to: must be after from"),
    ],
)
def test_plan_summary_refuses(params: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        plan_summary(params, NOW)
    assert str(caught.value).startswith(message)


def test_2000_buckets_are_allowed() -> None:
    assert plan_summary({"from": "0", "to": str(2000 * 1000), "bucket": "1s"}, NOW).bucket_ms == 1000
    with pytest.raises(ValueError, match="too many buckets"):
        plan_summary({"from": "0", "to": str(2001 * 1000), "bucket": "1s"}, NOW)


@pytest.mark.parametrize(
    ("params", "limit"),
    [
        ({}, "101"),  # the default page of 100, plus one
        ({"limit": "10"}, "11"),
        ({"limit": "1000"}, "1000"),  # a shard answers at most 1000
    ],
)
def test_each_shard_answers_one_more_than_the_page(params: dict[str, str], limit: str) -> None:
    assert shard_page_params(params, parse_query(params)) == {**params, "limit": limit}
