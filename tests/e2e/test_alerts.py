"""pitchey-alerts end to end on real workerd, in a stack of its own with short group timers.

The sink of this module stands in for Slack, PagerDuty, the email API and a webhook receiver.
Rules are evaluated through the real */1 cron route with pinned scheduled times: one module clock
that only moves forward (rule states are idempotent per cron minute), and log entries and metric
points are ingested with timestamps just before the minute that evaluates them.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgewatch.schedule import EVERY_MINUTE
from scripts.stack import Stack
from tests.support.sink import Recorded, Sink

MINUTE = 60_000
TIMERS = {"groupWait": "1s", "groupInterval": "3s", "repeatInterval": "1h"}
ALERTING: dict[str, Any] = {
    "channels": {
        "slack": {"enabled": True, "webhook": "env:SLACK_WEBHOOK_URL"},
        "pagerduty": {"enabled": True, "integrationKey": "env:PAGERDUTY_INTEGRATION_KEY"},
        "email": {"enabled": True, "recipients": ["alerts@pitchey.com"]},
    },
    "receivers": [{"name": "hook", "type": "webhook", "url": "env:WEBHOOK_URL", "secret": "env:WEBHOOK_SECRET"}],
    "route": {
        "receiver": "slack",
        "groupBy": ["alertname", "service"],
        **TIMERS,
        "routes": [
            {"matchers": ['channel="webhook"'], "receiver": "hook"},
            {
                "matchers": ['severity="critical"', 'source=~".+"'],
                "receiver": "pagerduty",
                "continue": True,
                "repeatInterval": "6s",
            },
            {"matchers": ['source=~".+"'], "receiver": "slack", "repeatInterval": "6s"},
        ],
    },
    "rules": [
        {"name": "High Error Rate", "condition": "error_rate > 0.05", "severity": "warning", "channels": ["slack"]},
        {
            "name": "Critical Error Rate",
            "condition": "error_rate > 0.1",
            "severity": "critical",
            "channels": ["slack", "pagerduty"],
        },
        {
            "name": "High Response Time",
            "condition": "p95_response_time > 2000",
            "severity": "warning",
            "channels": ["slack"],
        },
        {
            "name": "Checkout Errors",
            "condition": 'sum(log_events{service="svc-for",level="error"}[5m]) by (service) > 3',
            "severity": "warning",
            "channels": ["slack"],
            "for": "2m",
        },
    ],
}


class Clock:
    """Cron minutes that only move forward, starting a few minutes ahead of now."""

    def __init__(self) -> None:
        self.minute = (int(time.time() * 1000) // MINUTE + 2) * MINUTE

    def advance(self, minutes: int = 1) -> int:
        self.minute += minutes * MINUTE
        return self.minute


@pytest.fixture(scope="module")
def hooks() -> Iterator[Sink]:
    server = Sink().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def alerts_stack(tmp_path_factory: pytest.TempPathFactory, hooks: Sink) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("alerts")
    url = hooks.url
    stack = Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="development",  # no tokens: the seed's curl works as written
        dashboard_port=None,
        example_api=False,
        extra_vars={
            "MONITORING_CONFIG_JSON": json.dumps({"healthChecks": {"endpoints": []}, "alerting": ALERTING}),
            "SLACK_WEBHOOK_URL": f"{url}/slack/hooks/T000/B000/XXXX",
            "PAGERDUTY_EVENTS_URL": f"{url}/pagerduty/v2/enqueue",
            "PAGERDUTY_INTEGRATION_KEY": "R0UTINGKEY0000000000000000000000",
            "EMAIL_API_URL": f"{url}/email/send",
            "EMAIL_API_TOKEN": "email-token-000001",
            "ALERT_EMAIL_FROM": "alerts@pitchey.example",
            "WEBHOOK_URL": f"{url}/webhook/alerts",
            "WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        },
    )
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sink(hooks: Sink) -> Sink:
    hooks.reset()
    return hooks


def about(records: list[Recorded], text: str) -> list[Recorded]:
    return [r for r in records if text.encode() in r.body]


def wait_about(sink: Sink, prefix: str, text: str, count: int = 1, timeout_s: float = 20.0) -> list[Recorded]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = about(sink.requests(prefix), text)
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(
        f"expected {count} request(s) to {prefix} about {text!r}, got {len(about(sink.requests(prefix), text))}"
    )


def logs(stack: Stack, service: str, errors: int, infos: int, ts: int) -> None:
    body = [{"level": "error", "message": f"boom {i}", "service": service, "timestamp": ts} for i in range(errors)]
    body += [{"level": "info", "message": f"ok {i}", "service": service, "timestamp": ts} for i in range(infos)]
    status, answer = stack.request("POST", "/logs/ingest", body, {"content-type": "application/json"})
    assert status in (200, 202), answer


def evaluate(stack: Stack, minute: int) -> dict[str, Any]:
    outcome = stack.trigger_cron(EVERY_MINUTE, minute)
    assert outcome.get("outcome") == "ok", outcome
    return outcome


def rule_state(stack: Stack, name: str) -> dict[str, Any]:
    status, body = stack.request("GET", "/alerts/rules")
    assert status == 200, body
    return next(r for r in body["rules"] if r["name"] == name)


def trigger(stack: Stack, body: dict[str, Any]) -> str:
    status, answer = stack.request("POST", "/alerts/trigger", body, {"content-type": "application/json"})
    assert status == 202, answer
    return str(answer["fingerprint"])


def test_the_seed_trigger_curl_reaches_slack_once_after_group_wait(alerts_stack: Stack, sink: Sink) -> None:
    body = (
        '{"type": "critical", "title": "Database connection failed", "message": "The primary database is not '
        'answering", "source": "seed-api", "component": "database"}'
    )
    started = time.monotonic()
    out = subprocess.run(
        ["curl", "-s", "-X", "POST", f"{alerts_stack.base_url}/alerts/trigger",
         "-H", "Content-Type: application/json", "-d", body, "-w", "\n%{http_code}"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    text, code = out.stdout.rsplit("\n", 1)
    assert code == "202", out.stdout
    fingerprint = json.loads(text)["fingerprint"]
    assert len(fingerprint) == 16
    slack = wait_about(sink, "/slack", "Database connection failed")
    assert slack[0].at - started >= 1.0  # group_wait (1 s in this stack) was honoured
    time.sleep(4)  # a group_interval later: nothing new to say, nothing sent
    assert len(about(sink.requests("/slack"), "Database connection failed")) == 1
    message = slack[0].json()
    assert "FIRING" in json.dumps(message) and "seed-api" in json.dumps(message)
    # critical direct alerts also page (the route's pagerduty child)
    page = wait_about(sink, "/pagerduty", "Database connection failed")[0].json()
    assert (page["event_action"], page["routing_key"]) == ("trigger", "R0UTINGKEY0000000000000000000000")
    status, listed = alerts_stack.request("GET", "/alerts")
    assert status == 200
    row = next(a for a in listed["alerts"] if a["fingerprint"] == fingerprint)
    assert (row["state"], row["labels"]["severity"], row["labels"]["service"]) == ("firing", "critical", "seed-api")
    trigger(alerts_stack, {**json.loads(body), "resolve": True})
    resolved = wait_about(sink, "/slack", "Database connection failed", count=2)
    assert "RESOLVED" in resolved[1].body.decode()


def test_error_rate_warns_at_8_percent_is_critical_at_12_and_both_resolve(
    alerts_stack: Stack, sink: Sink, clock: Clock
) -> None:
    service = "svc-errors"
    minute = clock.advance()
    logs(alerts_stack, service, errors=8, infos=92, ts=minute - 30_000)
    evaluate(alerts_stack, minute)
    warning = wait_about(sink, "/slack", "High Error Rate")
    assert service in warning[0].body.decode()
    assert about(sink.requests("/pagerduty"), service) == []
    assert rule_state(alerts_stack, "High Error Rate")["state"] == "firing"
    # 8 more errors: 16 of 108 is 14.8%, critical
    logs(alerts_stack, service, errors=8, infos=0, ts=minute - 20_000)
    evaluate(alerts_stack, clock.advance())
    critical = wait_about(sink, "/slack", "Critical Error Rate")
    assert service in critical[0].body.decode()
    page = wait_about(sink, "/pagerduty", service)[0].json()
    assert (page["event_action"], page["payload"]["severity"]) == ("trigger", "critical")
    _status, listed = alerts_stack.request("GET", "/alerts")
    warn = next(a for a in listed["alerts"] if a["labels"].get("alertname") == "High Error Rate"
                and a["labels"].get("service") == service)  # fmt: skip
    assert warn["inhibited_by"], warn  # the critical mutes the warning of the same service
    # five minutes on, the window holds no errors: both resolve
    evaluate(alerts_stack, clock.advance(6))
    wait_about(sink, "/pagerduty", service, count=2)
    assert [r.json()["event_action"] for r in about(sink.requests("/pagerduty"), service)] == ["trigger", "resolve"]
    assert "RESOLVED" in wait_about(sink, "/slack", "Critical Error Rate", count=2)[1].body.decode()
    assert "RESOLVED" in wait_about(sink, "/slack", "High Error Rate", count=2)[1].body.decode()
    assert len(about(sink.requests("/slack"), "High Error Rate")) == 2  # never told of it while muted


def test_p95_response_time_from_metric_ingest(alerts_stack: Stack, sink: Sink, clock: Clock) -> None:
    service = "svc-slow"
    minute = clock.advance()
    values = [120.0] * 18 + [3100.0, 3400.0]  # 10% of the requests slower than 2 s
    body = [
        {"name": "http_request_duration_ms", "type": "timing", "value": v, "timestamp": minute - 30_000 + i,
         "labels": {"service": service}}
        for i, v in enumerate(values)
    ]  # fmt: skip
    status, answer = alerts_stack.request("POST", "/monitoring/metrics", body, {"content-type": "application/json"})
    assert status == 202, answer
    evaluate(alerts_stack, minute)
    slack = wait_about(sink, "/slack", "High Response Time")
    assert service in slack[0].body.decode()
    series = rule_state(alerts_stack, "High Response Time")["series"]
    value = next(s["value"] for s in series if s["labels"] == {"service": service})
    assert 3000 <= value <= 3500


def test_for_is_honoured(alerts_stack: Stack, sink: Sink, clock: Clock) -> None:
    minute = clock.advance()
    logs(alerts_stack, "svc-for", errors=5, infos=200, ts=minute - 30_000)  # 2.4%: no error-rate alert
    evaluate(alerts_stack, minute)
    assert rule_state(alerts_stack, "Checkout Errors")["state"] == "pending"
    evaluate(alerts_stack, clock.advance())
    time.sleep(2.5)
    assert about(sink.requests("/slack"), "Checkout Errors") == []  # one minute pending of two
    assert rule_state(alerts_stack, "Checkout Errors")["state"] == "pending"
    evaluate(alerts_stack, clock.advance())
    assert rule_state(alerts_stack, "Checkout Errors")["state"] == "firing"
    wait_about(sink, "/slack", "Checkout Errors")


def test_a_repeated_cron_delivery_sends_nothing_twice(alerts_stack: Stack, sink: Sink, clock: Clock) -> None:
    service = "svc-dedup"
    minute = clock.advance()
    logs(alerts_stack, service, errors=30, infos=70, ts=minute - 30_000)
    first = evaluate(alerts_stack, minute)
    evaluate(alerts_stack, minute)  # crons come at least once: the same minute again
    evaluate(alerts_stack, minute + 20_000)  # a late delivery of the same slot
    wait_about(sink, "/pagerduty", service)
    time.sleep(5)
    assert len(about(sink.requests("/pagerduty"), service)) == 1
    assert len(about(sink.requests("/slack"), "Critical Error Rate")) == 1
    assert first.get("outcome") == "ok"


def test_a_silence_created_through_the_v2_api_mutes(alerts_stack: Stack, sink: Sink) -> None:
    now = time.time()
    silence = {
        "matchers": [{"name": "service", "value": "svc-silenced", "isRegex": False, "isEqual": True}],
        "startsAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now - 1)),
        "endsAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now + 3600)),
        "createdBy": "e2e",
        "comment": "maintenance",
    }
    status, created = alerts_stack.request(
        "POST", "/alerts/api/v2/silences", silence, {"content-type": "application/json"}
    )
    assert status == 200, created
    silence_id = created["silenceID"]
    fp = trigger(alerts_stack, {"type": "warning", "title": "Queue backlog", "source": "svc-silenced"})
    loud = trigger(alerts_stack, {"type": "warning", "title": "Queue backlog", "source": "svc-loud"})
    wait_about(sink, "/slack", "svc-loud")
    time.sleep(3)
    assert about(sink.requests("/slack"), "svc-silenced") == []
    status, alerts = alerts_stack.request("GET", "/alerts/api/v2/alerts")
    assert status == 200
    by_fp = {a["fingerprint"]: a for a in alerts}
    assert by_fp[fp]["status"] == {"inhibitedBy": [], "silencedBy": [silence_id], "state": "suppressed"}
    assert by_fp[loud]["status"]["state"] == "active"
    status, listed = alerts_stack.request("GET", f"/alerts/api/v2/silence/{silence_id}")
    assert (status, listed["status"]["state"]) == (200, "active")
    assert alerts_stack.request("DELETE", f"/alerts/api/v2/silence/{silence_id}")[0] == 200
    assert alerts_stack.request("GET", f"/alerts/api/v2/silence/{silence_id}")[1]["status"]["state"] == "expired"
    for source in ("svc-silenced", "svc-loud"):
        trigger(alerts_stack, {"type": "warning", "title": "Queue backlog", "source": source, "resolve": True})


def test_ack_stops_repeats_and_sends_pagerduty_acknowledge(alerts_stack: Stack, sink: Sink) -> None:
    body = {"type": "critical", "title": "Payments down", "source": "svc-ack"}
    trigger(alerts_stack, body)
    wait_about(sink, "/pagerduty", "svc-ack")
    status, groups = alerts_stack.request("GET", "/alerts/groups")
    group = next(
        g for g in groups["groups"] if g["receiver"] == "pagerduty" and g["labels"].get("service") == "svc-ack"
    )
    status, acked = alerts_stack.request(
        "POST", f"/alerts/groups/{group['id']}/ack", {"by": "alice", "comment": "on it"},
        {"content-type": "application/json"},
    )  # fmt: skip
    assert status == 200, acked
    assert (acked["acknowledged"]["by"], acked["notified"]) == ("alice", True)
    ack = wait_about(sink, "/pagerduty", "svc-ack", count=2)[1].json()
    assert ack["event_action"] == "acknowledge"
    assert ack["dedup_key"] == wait_about(sink, "/pagerduty", "svc-ack")[0].json()["dedup_key"]
    time.sleep(10)  # past the 6 s repeat interval: Slack (not acknowledged) repeats, PagerDuty does not
    assert len(about(sink.requests("/slack"), "svc-ack")) >= 2
    assert [r.json()["event_action"] for r in about(sink.requests("/pagerduty"), "svc-ack")] == [
        "trigger",
        "acknowledge",
    ]
    status, again = alerts_stack.request("POST", "/alerts/groups/0000000000000000/ack", {"by": "x"},
                                         {"content-type": "application/json"})  # fmt: skip
    assert status == 404, again
    trigger(alerts_stack, {**body, "resolve": True})


def _webhook_statuses(sink: Sink, title: str) -> list[str]:
    return [r.json()["status"] for r in sink.requests("/webhook") if title.encode() in r.body]


def test_a_receiver_answering_500_then_200_gets_each_notification_once(alerts_stack: Stack, sink: Sink) -> None:
    sink.fail("/webhook", 500, times=1)
    body = {"type": "warning", "title": "Retry me", "source": "svc-retry", "labels": {"channel": "webhook"}}
    trigger(alerts_stack, body)
    wait_about(sink, "/webhook", "Retry me", count=2)
    time.sleep(2)
    assert _webhook_statuses(sink, "Retry me") == ["firing", "firing"]  # the 500, then the one that counted
    first, second = sink.requests("/webhook")[:2]
    assert first.headers.get("webhook-id") == second.headers.get("webhook-id")  # one message, retried
    status, history = alerts_stack.request("GET", "/alerts/notifications")
    assert status == 200
    mine = [a for a in history["attempts"] if a["receiver"] == "hook" and a["reason"] == "first_notification"]
    assert sorted((a["attempt"], a["status"], a["outcome"]) for a in mine)[-2:] == [(1, 500, "retry"), (2, 200, "sent")]
    trigger(alerts_stack, {**body, "resolve": True})
    wait_about(sink, "/webhook", "Retry me", count=3)
    assert _webhook_statuses(sink, "Retry me") == ["firing", "firing", "resolved"]


def test_a_429_with_retry_after_is_honoured_and_order_is_kept(alerts_stack: Stack, sink: Sink) -> None:
    sink.rate_limit("/webhook", retry_after_s=5, times=1)
    body = {"type": "warning", "title": "Slow down", "source": "svc-429", "labels": {"channel": "webhook"}}
    trigger(alerts_stack, body)
    wait_about(sink, "/webhook", "Slow down")
    trigger(alerts_stack, {**body, "resolve": True})  # its flush comes while the firing one waits
    found = wait_about(sink, "/webhook", "Slow down", count=3, timeout_s=30)
    assert found[1].at - found[0].at >= 4.5  # Retry-After: 5
    time.sleep(2)
    assert _webhook_statuses(sink, "Slow down") == ["firing", "firing", "resolved"]


def test_a_stack_restart_in_the_middle_of_retries_loses_nothing_and_sends_nothing_twice(
    alerts_stack: Stack, sink: Sink
) -> None:
    sink.fail("/webhook", 500, times=3)
    body = {"type": "warning", "title": "Survive restart", "source": "svc-restart", "labels": {"channel": "webhook"}}
    trigger(alerts_stack, body)
    wait_about(sink, "/webhook", "Survive restart")  # the first attempt failed; the retry waits in the Outbox
    alerts_stack.stop()  # the whole stack: every Worker, Durable Object and alarm
    alerts_stack.start()
    found = wait_about(sink, "/webhook", "Survive restart", count=4, timeout_s=90)
    time.sleep(3)
    assert _webhook_statuses(sink, "Survive restart") == ["firing"] * 4  # three 500s, then the one that counted
    assert len({r.headers.get("webhook-id") for r in found}) == 1  # one message, retried across the restart
    status, history = alerts_stack.request("GET", "/alerts/notifications")
    assert status == 200
    mine = sorted(
        (a["attempt"], a["outcome"]) for a in history["attempts"]
        if a["receiver"] == "hook" and "svc-restart" in a["group_key"]
    )  # fmt: skip
    # One delivery, and one "sent" in the history. The stop may kill an attempt in flight: the sink
    # then answered a 500 the Outbox never recorded, and the attempt is made again after the restart
    # (so the history can hold 3 attempts for the sink's 4 requests); a delivered one is never repeated.
    assert mine[-1][1] == "sent" and [o for _, o in mine].count("sent") == 1
    assert [n for n, _ in mine] == list(range(1, len(mine) + 1)) and len(mine) in (3, 4)
    assert all(o == "retry" for _, o in mine[:-1])
    # the alert itself survived too, and resolves
    trigger(alerts_stack, {**body, "resolve": True})
    wait_about(sink, "/webhook", "Survive restart", count=5)
    assert _webhook_statuses(sink, "Survive restart") == ["firing"] * 4 + ["resolved"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "fatal", "title": "x"}, "type"),
        ({"type": "warning"}, "title"),
        ({"type": "warning", "title": "x", "labels": {"severity": "info"}}, "labels.severity"),
        ({"type": "warning", "title": "x", "resolve": "yes"}, "resolve"),
        ({"type": "warning", "title": "x", "colour": "red"}, "colour"),
    ],
)
def test_bad_trigger_bodies_are_422_naming_the_field(alerts_stack: Stack, body: dict[str, Any], field: str) -> None:
    status, answer = alerts_stack.request("POST", "/alerts/trigger", body, {"content-type": "application/json"})
    assert status == 422, answer
    assert answer["error"]["details"]["field"] == field


def test_bad_input_elsewhere_is_4xx_never_500(alerts_stack: Stack) -> None:
    json_type = {"content-type": "application/json"}
    cases = [
        ("POST", "/alerts/trigger", b"{not json", json_type, 400),
        ("POST", "/alerts/trigger", b"{}", {"content-type": "text/plain"}, 415),
        ("POST", "/alerts/api/v2/alerts", {"labels": {}}, json_type, 400),
        ("POST", "/alerts/api/v2/alerts", [{"labels": {}}], json_type, 422),
        ("POST", "/alerts/api/v2/silences", {"matchers": []}, json_type, 422),
        ("GET", "/alerts/api/v2/silence/nope", None, {}, 404),
        ("DELETE", "/alerts/api/v2/silence/nope", None, {}, 404),
        ("POST", "/alerts/receivers/nobody/test", None, {}, 404),
        ("GET", "/alerts/notifications?limit=0", None, {}, 422),
    ]
    for method, path, body, headers, expected in cases:
        status, answer = alerts_stack.request(method, path, body, headers)
        assert status == expected, (method, path, status, answer)
        assert "error" in answer, answer


def test_v2_post_alerts_and_status_and_receiver_test(alerts_stack: Stack, sink: Sink) -> None:
    posted = [{"labels": {"alertname": "FromPrometheus", "service": "svc-v2", "channel": "webhook"}}]
    status, _ = alerts_stack.request("POST", "/alerts/api/v2/alerts", posted, {"content-type": "application/json"})
    assert status == 200
    delivered = wait_about(sink, "/webhook", "FromPrometheus")[0]
    payload = delivered.json()
    assert (payload["version"], payload["status"], payload["receiver"]) == ("4", "firing", "hook")
    assert delivered.headers.get("webhook-signature", "").startswith("v1,")
    status, groups = alerts_stack.request("GET", "/alerts/api/v2/alerts/groups")
    assert status == 200 and any(g["receiver"]["name"] == "hook" for g in groups)
    status, body = alerts_stack.request("GET", "/alerts/api/v2/status")
    assert status == 200 and body["cluster"]["status"] == "disabled"
    status, queued = alerts_stack.request("POST", "/alerts/receivers/email/test")
    assert status == 202, queued
    mail = wait_about(sink, "/email", "TestNotification")[0]
    assert mail.headers.get("authorization") == "Bearer email-token-000001"
    assert mail.json()["to"] == ["alerts@pitchey.com"]


# -- fuzzing (last in the module: the alerts it creates may notify the sink later) -----------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_NASTY = ["", "<script>alert(1)</script>", "a" * 3000, "\x00\x1b[31m", "2026-13-45T99:00:00Z"]
_TEXT = st.sampled_from(_NASTY) | st.text(max_size=40)
_TRIGGER = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["critical", "warning", "info", "fatal"]) | _JSON,
        "title": _TEXT | _JSON,
        "message": _TEXT | _JSON,
        "source": _TEXT | _JSON,
        "component": _TEXT | _JSON,
        "labels": st.dictionaries(_TEXT, _TEXT, max_size=3) | _JSON,
        "resolve": st.booleans() | _JSON,
    },
)
_POSTABLE_ALERT = st.fixed_dictionaries(
    {},
    optional={
        "labels": st.dictionaries(st.sampled_from(["alertname", "service", "", "0bad", "severity"]), _TEXT, max_size=3)
        | _JSON,
        "annotations": st.dictionaries(_TEXT, _TEXT, max_size=2) | _JSON,
        "startsAt": _TEXT | _JSON,
        "endsAt": _TEXT | _JSON,
        "generatorURL": _TEXT | _JSON,
    },
)
_SILENCE = st.fixed_dictionaries(
    {},
    optional={
        "matchers": st.lists(
            st.fixed_dictionaries(
                {"name": _TEXT, "value": st.sampled_from(["(a+)+", ".*", "x", "["]) | _TEXT},
                optional={"isRegex": st.booleans() | _JSON, "isEqual": st.booleans() | _JSON},
            ),
            max_size=3,
        )
        | _JSON,
        "startsAt": _TEXT | _JSON,
        "endsAt": _TEXT | _JSON,
        "createdBy": _TEXT | _JSON,
        "comment": _TEXT | _JSON,
        "id": _TEXT | _JSON,
    },
)
_FUZZ_TARGETS = st.one_of(
    st.tuples(st.just("/alerts/trigger"), _TRIGGER),
    st.tuples(st.just("/alerts/api/v2/alerts"), st.lists(_POSTABLE_ALERT, max_size=3) | _POSTABLE_ALERT | _JSON),
    st.tuples(st.just("/alerts/api/v2/silences"), _SILENCE | _JSON),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=_FUZZ_TARGETS)
def test_fuzzed_bodies_get_a_2xx_or_a_4xx_naming_the_problem(alerts_stack: Stack, target: tuple[str, Any]) -> None:
    path, body = target
    status, answer = alerts_stack.request("POST", path, json.dumps(body).encode(), {"content-type": "application/json"})
    assert status < 500, (path, body, status, answer)
    if status >= 400:
        assert isinstance(answer, dict) and answer["error"]["message"], answer
