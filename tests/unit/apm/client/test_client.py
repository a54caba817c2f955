from __future__ import annotations

from typing import Any

import pytest

from edgewatch.apm import discarded_events, parse_envelope
from edgewatch.apm.client.client import Capture, Client, Delivery, Outcome
from edgewatch.apm.client.discards import Discard, Discards
from edgewatch.apm.client.options import Event, Hint, OptionsError, client_options
from edgewatch.apm.client.rate_limits import RateLimits
from edgewatch.apm.client.request_info import RequestFacts

NOW = 1_800_000_000_000
DSN = "http://key@127.0.0.1:9/apm/1"


def make(**options: Any) -> Client:
    ids = iter(f"{n:032x}" for n in range(1, 100))
    return Client(
        client_options(dsn=options.pop("dsn", DSN), **options),
        limits=RateLimits(),
        discards=Discards(),
        request=RequestFacts("GET", "https://api.example/api/boom", {"cookie": "s=1"}),
        sample=lambda: 0.5,
        new_id=lambda: next(ids),
    )


def boom() -> BaseException:
    try:
        raise ValueError("bad total")
    except ValueError as exc:
        return exc


def sent_event(capture: Capture) -> dict[str, Any]:
    assert capture.outgoing is not None
    item = parse_envelope(capture.outgoing.body).items[0]
    assert item.data is not None
    return item.data


def test_a_captured_exception_is_queued_for_the_dsn_endpoint() -> None:
    client = make(environment="test")
    client.add_breadcrumb(NOW - 10, "loaded cart", category="cart")
    client.scope.set_tag("component", "checkout")
    capture = client.capture_exception(boom(), NOW)
    assert capture.outcome is Outcome.QUEUED and capture.event_id == f"{1:032x}"
    assert capture.outgoing is not None and capture.outgoing.url == "http://127.0.0.1:9/apm/api/1/envelope/"
    assert capture.outgoing.headers["x-sentry-auth"].endswith("sentry_key=key")
    event = sent_event(capture)
    assert event["tags"] == {"component": "checkout"} and event["breadcrumbs"]["values"][0]["message"] == "loaded cart"
    assert "cookies" not in event["request"] and "headers" not in event["request"]


@pytest.mark.parametrize(
    ("options", "outcome", "reason"),
    [
        # no DSN (or a bad one): the client is off, nothing is counted
        ({"dsn": None}, Outcome.DISABLED, None),
        ({"dsn": "not a dsn"}, Outcome.DISABLED, None),
        # the sampler drew 0.5: a rate of 0.5 drops it, 0.6 keeps it
        ({"sample_rate": 0.5}, Outcome.SAMPLED_OUT, "sample_rate"),
        ({"sample_rate": 0.6}, Outcome.QUEUED, None),
        # before_send returning None drops it
        ({"before_send": lambda event, hint: None}, Outcome.DROPPED, "before_send"),
    ],
)
def test_the_pipeline_outcomes(options: dict[str, Any], outcome: Outcome, reason: str | None) -> None:
    client = make(**options)
    capture = client.capture_exception(boom(), NOW)
    assert capture.outcome is outcome
    assert (capture.outgoing is not None) is (outcome is Outcome.QUEUED)
    assert client.discards.pending() == ({(reason, "error"): 1} if reason else {})


def test_a_raising_before_send_drops_the_event_and_says_so() -> None:
    def broken(event: Event, hint: Hint) -> Event:
        raise KeyError("tags")

    client = make(before_send=broken)
    capture = client.capture_exception(boom(), NOW)
    assert capture.outcome is Outcome.DROPPED and capture.problem == "before_send raised KeyError"
    assert client.discards.pending() == {("before_send", "error"): 1}


def test_a_bad_dsn_is_named_and_bad_options_are_refused() -> None:
    assert make(dsn="https://host/1").problem == "DSN has no public key (the part before '@')"
    with pytest.raises(OptionsError, match="sample_rate"):
        client_options(sample_rate=1.5)


def test_before_send_sees_the_exception_and_may_change_the_event() -> None:
    seen: list[Hint] = []

    def tag(event: Event, hint: Hint) -> Event:
        seen.append(hint)
        event.setdefault("tags", {}).update({"service": "api", "component": "orders"})
        return event

    client = make(before_send=tag)
    exc = boom()
    event = sent_event(client.capture_exception(exc, NOW))
    assert event["tags"] == {"service": "api", "component": "orders"} and seen[0]["exception"] is exc
    message = sent_event(client.capture_message("hello", "warning", NOW))
    assert message["tags"]["service"] == "api" and seen[1] == {"message": "hello"}


def test_a_rate_limited_answer_stops_errors_until_it_passes_then_reports_what_was_dropped() -> None:
    client = make()
    first = client.capture_exception(boom(), NOW)
    assert first.outgoing is not None
    answer = client.on_answer(first.outgoing, 429, {"X-Sentry-Rate-Limits": "2:error:project", "Retry-After": "2"}, NOW)
    assert answer is Delivery.RATE_LIMITED
    held = [client.capture_exception(boom(), NOW + 1_000), client.capture_message("m", "error", NOW + 1_999)]
    assert [c.outcome for c in held] == [Outcome.RATE_LIMITED] * 2 and held[0].until_ms == NOW + 2_000
    later = client.capture_exception(boom(), NOW + 2_000)
    assert later.outcome is Outcome.QUEUED and later.outgoing is not None
    report = parse_envelope(later.outgoing.body).items[1]
    assert report.data is not None and discarded_events(report.data) == {("ratelimit_backoff", "error"): 2}
    assert client.discards.pending() == {}


def test_the_limits_are_shared_by_clients_of_one_isolate() -> None:
    limits, discards = RateLimits(), Discards()
    one = Client(client_options(dsn=DSN), limits=limits, discards=discards)
    two = Client(client_options(dsn=DSN), limits=limits, discards=discards)
    capture = one.capture_exception(boom(), NOW)
    assert capture.outgoing is not None
    one.on_answer(capture.outgoing, 200, {"x-sentry-rate-limits": "60::organization"}, NOW)
    assert two.capture_message("x", "info", NOW + 59_999).outcome is Outcome.RATE_LIMITED


def test_a_failed_send_gives_its_report_back_and_counts_itself() -> None:
    client = make()
    client.discards.record(Discard.SAMPLE_RATE, "error")
    capture = client.capture_exception(boom(), NOW)
    assert capture.outgoing is not None and capture.outgoing.reported == {("sample_rate", "error"): 1}
    assert client.on_failure(capture.outgoing) is Delivery.FAILED
    assert client.discards.pending() == {("sample_rate", "error"): 1, ("network_error", "error"): 1}
    again = client.capture_exception(boom(), NOW)
    assert again.outgoing is not None
    assert client.on_answer(again.outgoing, 500, {}, NOW) is Delivery.REFUSED
    assert client.discards.pending() == {
        ("sample_rate", "error"): 1,
        ("network_error", "error"): 1,
        ("send_error", "error"): 1,
    }
    third = client.capture_exception(boom(), NOW)
    assert third.outgoing is not None and client.on_answer(third.outgoing, 200, {}, NOW) is Delivery.SENT
    assert client.discards.pending() == {}
