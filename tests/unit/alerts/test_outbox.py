from __future__ import annotations

import dataclasses
import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.alerts.model import NotifyReason
from edgewatch.alerts.outbox import (
    AnswerReason,
    ItemState,
    OutboundRequest,
    OutboxItem,
    Outcome,
    Pacer,
    RetryPolicy,
    attempt_record,
    backoff_ms,
    classify,
    due,
    enqueue,
    item_id,
    next_slot,
    next_wake_ms,
    on_answer,
    parse_retry_after,
)

from .test_receivers import T0, alert, notification

REQUEST = OutboundRequest("POST", "https://hooks.example/x", {"Content-Type": "application/json"}, b'{"a":1}')
POLICY = RetryPolicy(max_attempts=4, base_delay_ms=1_000, max_delay_ms=60_000, max_retry_after_ms=600_000)


def item(id: str = "a", group: str = "g1", created: int = T0, receiver: str = "slack", **kw: object) -> OutboxItem:
    fields: dict[str, object] = {"attempts": 0, "next_attempt_ms": created, "created_ms": created, **kw}
    return OutboxItem(id, receiver, REQUEST, group_key=group, **fields)  # type: ignore[arg-type]


def half() -> float:
    return 0.5


@pytest.mark.parametrize(
    ("status", "outcome", "reason"),
    [
        (200, Outcome.SENT, AnswerReason.DELIVERED),  # 2xx is delivered
        (202, Outcome.SENT, AnswerReason.DELIVERED),  # PagerDuty answers 202
        (429, Outcome.RETRY, AnswerReason.RATE_LIMITED),  # Slack and PagerDuty rate limits
        (500, Outcome.RETRY, AnswerReason.SERVER_ERROR),
        (503, Outcome.RETRY, AnswerReason.SERVER_ERROR),
        (None, Outcome.RETRY, AnswerReason.NETWORK_ERROR),  # no answer: timeout, DNS, reset
        (408, Outcome.RETRY, AnswerReason.TRANSIENT_CLIENT_ERROR),  # request timeout says "not now"
        (400, Outcome.DEAD, AnswerReason.REJECTED),  # Slack invalid_payload, PagerDuty bad event
        (401, Outcome.DEAD, AnswerReason.REJECTED),
        (403, Outcome.DEAD, AnswerReason.REJECTED),  # Slack action_prohibited
        (404, Outcome.DEAD, AnswerReason.REJECTED),  # Slack channel_not_found
        (410, Outcome.DEAD, AnswerReason.REJECTED),  # Slack channel_is_archived
        (413, Outcome.DEAD, AnswerReason.REJECTED),
        (422, Outcome.DEAD, AnswerReason.REJECTED),
        (409, Outcome.DEAD, AnswerReason.UNEXPECTED_STATUS),  # other 4xx: final, as in Alertmanager
        (302, Outcome.DEAD, AnswerReason.UNEXPECTED_STATUS),  # a redirect the adapter did not follow
    ],
)
def test_classify(status: int | None, outcome: Outcome, reason: AnswerReason) -> None:
    assert classify(status) == (outcome, reason)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120_000),  # delay-seconds
        (" 0 ", 0),
        ("Tue, 14 Nov 2023 22:14:20 GMT", 60_000),  # IMF-fixdate, 60 s after T0
        ("Tuesday, 14-Nov-23 22:14:20 GMT", 60_000),  # obsolete RFC 850 form
        ("Tue, 14 Nov 2023 22:00:00 GMT", 0),  # a date in the past: now
        ("-5", None),  # negative: not a delay
        ("1.5", None),  # not an integer
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: int | None) -> None:
    assert parse_retry_after(value, T0) == expected


def test_success_marks_the_item_sent() -> None:
    decision = on_answer(item(), 200, {}, T0 + 5, POLICY, rand=half)
    assert decision.outcome is Outcome.SENT
    assert (decision.item.state, decision.item.attempts, decision.item.last_status) == (ItemState.SENT, 1, 200)


def test_retry_backs_off_exponentially_with_full_jitter() -> None:
    current = item()
    delays = []
    for _ in range(3):
        decision = on_answer(current, 500, {}, T0, POLICY, rand=half)
        assert decision.outcome is Outcome.RETRY
        delays.append(decision.delay_ms)
        current = decision.item
    # half of 1 s, 2 s, 4 s
    assert delays == [500, 1_000, 2_000]
    assert current.next_attempt_ms == T0 + 2_000 and current.state is ItemState.PENDING


def test_retry_after_is_a_floor_and_capped() -> None:
    # 429 with Retry-After 30 s: the jittered 500 ms is raised to 30 s.
    decision = on_answer(item(), 429, {"Retry-After": "30"}, T0, POLICY, rand=half)
    assert (decision.reason, decision.delay_ms, decision.retry_after_ms) == (AnswerReason.RATE_LIMITED, 30_000, 30_000)
    # A 503 may say it too; the header name is case-insensitive.
    assert on_answer(item(), 503, {"retry-after": "7"}, T0, POLICY, rand=half).delay_ms == 7_000
    # A server asking for a day is capped at the policy's 10 minutes.
    assert on_answer(item(), 429, {"Retry-After": "86400"}, T0, POLICY, rand=half).delay_ms == 600_000
    # A Retry-After shorter than the backoff does not shorten it.
    later = item(attempts=2)
    assert on_answer(later, 429, {"Retry-After": "1"}, T0, POLICY, rand=half).delay_ms == 2_000


def test_dead_after_max_attempts_and_on_a_rejection() -> None:
    worn = OutboxItem("a", "slack", REQUEST, POLICY.max_attempts - 1, T0, T0)
    decision = on_answer(worn, 503, {}, T0, POLICY, rand=half)
    assert (decision.outcome, decision.reason, decision.item.state) == (
        Outcome.DEAD,
        AnswerReason.ATTEMPTS_EXHAUSTED,
        ItemState.DEAD,
    )
    assert "gave up after 4 attempts" in decision.item.last_error
    rejected = on_answer(item(), 404, {}, T0, POLICY, rand=half, error="channel_not_found")
    assert (rejected.outcome, rejected.reason, rejected.item.last_error) == (
        Outcome.DEAD,
        AnswerReason.REJECTED,
        "channel_not_found",
    )


@given(
    attempts=st.integers(1, 40),
    r=st.floats(0, 1, exclude_max=True),
    retry_after=st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_backoff_bounds(attempts: int, r: float, retry_after: int | None) -> None:
    ceiling = min(POLICY.max_delay_ms, POLICY.base_delay_ms * 2 ** (attempts - 1))
    assert 0 <= backoff_ms(attempts, POLICY, lambda: r) < max(1, ceiling) or ceiling == 0
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    current = OutboxItem("a", "s", REQUEST, min(attempts, POLICY.max_attempts - 1) - 1, T0, T0)
    decision = on_answer(current, 429, headers, T0, POLICY, rand=lambda: r)
    floor = 0 if retry_after is None else min(retry_after * 1000, POLICY.max_retry_after_ms)
    assert floor <= decision.delay_ms <= max(floor, POLICY.max_delay_ms)
    assert decision.item.next_attempt_ms == T0 + decision.delay_ms


def test_due_is_oldest_first_and_fifo_per_group() -> None:
    items = [
        item("g1-new", "g1", T0 + 10),
        item("g2-old", "g2", T0 + 5),
        item("g1-old", "g1", T0 + 1, next_attempt_ms=T0 + 60_000),  # waiting on its retry
        item("g3-sent", "g3", T0, state=ItemState.SENT),
        item("g4", "g4", T0 + 20),
        item("g1-pd", "g1", T0 + 30, receiver="pagerduty"),  # same group, other receiver: its own queue
    ]
    # g1-new waits behind g1-old even though g1-old is not due yet.
    assert [i.id for i in due(items, T0 + 100, 10)] == ["g2-old", "g4", "g1-pd"]
    assert [i.id for i in due(items, T0 + 100, 2)] == ["g2-old", "g4"]
    assert [i.id for i in due(items, T0 + 60_000, 10)] == ["g1-old", "g2-old", "g4", "g1-pd"]
    # Once the older one is dead or sent, the next of its group goes.
    moved = [i if i.id != "g1-old" else dataclasses.replace(i, state=ItemState.DEAD) for i in items]
    assert "g1-new" in [i.id for i in due(moved, T0 + 100, 10)]
    assert next_wake_ms(items) == T0 + 5 and next_wake_ms([]) is None


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 50)), max_size=30), st.integers(0, 100))
def test_due_never_returns_two_of_a_group_or_a_younger_before_an_older(spec, now_offset: int) -> None:
    items = [item(f"i{n}", group, T0 + created) for n, (group, created) in enumerate(spec)]
    chosen = due(items, T0 + now_offset, 100)
    assert len({i.group_key for i in chosen}) == len(chosen)
    for picked in chosen:
        older = [
            i
            for i in items
            if i.group_key == picked.group_key and (i.created_ms, i.id) < (picked.created_ms, picked.id)
        ]
        assert older == []


def test_pacer_spaces_sends_per_receiver() -> None:
    pacer = Pacer()
    slots = []
    for _ in range(4):
        slot = next_slot(pacer, "slack", T0, 1)
        slots.append(slot.at_ms)
        pacer = slot.pacer
    assert slots == [T0, T0 + 1_000, T0 + 2_000, T0 + 3_000]
    # Another receiver is not held back; no rate means no pacing.
    assert next_slot(pacer, "pagerduty", T0, 2).at_ms == T0
    assert pacer.next_slot("slack", T0, None) == T0
    # The state survives a restart (it is stored as JSON).
    assert Pacer.from_json(json.loads(json.dumps(pacer.to_json()))) == pacer


@given(st.lists(st.integers(0, 5_000), min_size=1, max_size=40), st.sampled_from([0.5, 1, 3, 10]))
def test_paced_sends_never_exceed_the_rate(arrivals: list[int], rate: float) -> None:
    pacer, sent = Pacer(), []
    for now in sorted(arrivals):
        slot = next_slot(pacer, "slack", now, rate)
        assert slot.at_ms >= now
        sent.append(slot.at_ms)
        pacer = slot.pacer
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert all(gap >= 1000 / rate for gap in gaps)


@given(st.lists(st.tuples(st.integers(0, 2_000), st.integers(0, 3_000)), min_size=1, max_size=30),
       st.sampled_from([1, 5, 10]))  # fmt: skip
def test_sends_spaced_from_their_answers_arrive_spaced(sends: list[tuple[int, int]], rate: float) -> None:
    # Each send is reserved at its slot, takes a while on the wire, and its answer is recorded
    # with finished() before the next is reserved (the outbox awaits a paced send in its alarm):
    # every arrival (between its slot and its answer) is at least the spacing after the previous.
    pacer, now, windows = Pacer(), T0, []
    for wait, latency in sends:
        slot = next_slot(pacer, "slack", now + wait, rate)
        answered = slot.at_ms + latency
        windows.append((slot.at_ms, answered))
        pacer, now = slot.pacer.finished("slack", answered), answered
    for (_start, answer), (next_start, _next_answer) in itertools.pairwise(windows):
        assert next_start - answer >= 1000 / rate
    # finished() never moves a receiver's last slot back, and leaves the others alone
    later = Pacer({"slack": T0 + 5_000, "email": T0})
    assert later.finished("slack", T0 + 100).last_ms == {"slack": T0 + 5_000, "email": T0}
    assert Pacer().finished("slack", T0).last_ms == {"slack": T0}


def test_items_and_requests_round_trip_through_json() -> None:
    n = notification((alert(),))
    stored = enqueue(n, REQUEST, T0)
    assert stored.id == item_id(n) and stored.reason == "first_notification" and stored.group_key == n.group_key
    assert OutboxItem.from_json(json.loads(json.dumps(stored.to_json()))) == stored
    # The id is stable per notification (a repeated cron enqueues the same id) and differs per reason.
    assert item_id(n) == item_id(notification((alert(),)))
    assert item_id(n) != item_id(notification((alert(),), reason=NotifyReason.REPEAT_INTERVAL_ELAPSED))
    assert REQUEST.header("content-type") == "application/json"


def test_attempt_record_says_what_happened() -> None:
    decision = on_answer(
        enqueue(notification((alert(),)), REQUEST, T0), 429, {"Retry-After": "2"}, T0 + 250, POLICY, rand=half
    )
    record = attempt_record(decision, started_ms=T0 + 100, now_ms=T0 + 250)
    assert (record.receiver, record.reason, record.status, record.latency_ms, record.outcome, record.attempt) == (
        "slack",
        "first_notification",
        429,
        150,
        Outcome.RETRY,
        1,
    )
    assert record.outcome_reason is AnswerReason.RATE_LIMITED and record.next_attempt_ms == T0 + 250 + 2_000
