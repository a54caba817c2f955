from __future__ import annotations

from edgewatch.apm.client.breadcrumbs import Breadcrumbs, breadcrumb
from edgewatch.apm.client.event_builder import exception_event, level_of, message_event, rfc3339
from edgewatch.apm.client.options import client_options
from edgewatch.apm.client.request_info import RequestFacts
from edgewatch.apm.client.scope import Scope

NOW = 1_800_000_000_000
FACTS = RequestFacts(
    "GET", "https://api.example/api/boom?x=1", {"authorization": "Bearer t", "cf-connecting-ip": "1.2.3.4"}
)


def scope() -> Scope:
    s = Scope(Breadcrumbs(10))
    s.set_tag("route", "/api/boom")
    s.set_user({"id": "u-1"})
    s.set_extra("attempt", 2)
    s.set_context("worker", {"name": "api"})
    s.breadcrumbs.add(breadcrumb(NOW - 5, "guard allowed", category="guard"))
    return s


def boom() -> BaseException:
    try:
        raise LookupError("no such order")
    except LookupError as exc:
        return exc


def test_an_exception_event_has_every_part() -> None:
    options = client_options(dsn="https://k@h/1", environment="test", release="api@1.2.3", tags={"service": "api"})
    event = exception_event(boom(), event_id="e" * 32, now_ms=NOW, options=options, scope=scope(), request=FACTS)
    assert event["event_id"] == "e" * 32 and event["timestamp"] == rfc3339(NOW) and event["level"] == "error"
    assert event["platform"] == "python" and event["sdk"] == {"name": "edgewatch.python", "version": "0.1.0"}
    assert (event["environment"], event["release"]) == ("test", "api@1.2.3")
    assert event["tags"] == {"service": "api", "route": "/api/boom"}
    assert event["user"] == {"id": "u-1"}  # no IP unless allowed
    assert event["extra"] == {"attempt": 2}
    assert event["contexts"]["worker"] == {"name": "api"} and "runtime" in event["contexts"]
    assert event["request"] == {"method": "GET", "url": "https://api.example/api/boom"}
    assert event["breadcrumbs"]["values"][0]["message"] == "guard allowed"
    (value,) = event["exception"]["values"]
    assert value["type"] == "LookupError" and value["stacktrace"]["frames"][-1]["function"] == "boom"


def test_the_ip_only_when_allowed() -> None:
    options = client_options(dsn="https://k@h/1", allow_ip=True)
    event = exception_event(
        boom(), event_id="e" * 32, now_ms=NOW, options=options, scope=Scope(Breadcrumbs()), request=FACTS
    )
    assert event["user"] == {"ip_address": "1.2.3.4"} and "breadcrumbs" not in event and "tags" not in event


def test_a_message_event() -> None:
    s = Scope(Breadcrumbs())
    event = message_event("queue is slow", "WARN", event_id="m" * 32, now_ms=NOW, options=client_options(), scope=s)
    assert event["level"] == "warning" and event["message"] == "queue is slow"
    assert event["logentry"] == {"message": "queue is slow", "formatted": "queue is slow"}
    assert "exception" not in event and "request" not in event
    assert (
        message_event("x", "shout", event_id="m" * 32, now_ms=NOW, options=client_options(), scope=s)["level"] == "info"
    )
    s.level = "fatal"  # a scope level wins
    assert (
        message_event("x", "info", event_id="m" * 32, now_ms=NOW, options=client_options(), scope=s)["level"] == "fatal"
    )


def test_levels() -> None:
    assert [level_of(x) for x in ("warn", "critical", "log", "ERROR")] == ["warning", "fatal", "info", "error"]
