"""Alerts without rules, end to end on real workerd: uptime changes and missed heartbeats from the
CheckRunner's change feed (by sequence, across repeated crons), maintenance muting, security
anomalies and automatic blocks, the stack's own faults (a cron job failing twice, a log flush
failing for 15 minutes) and a dead-lettered notification raised on another receiver.

A stack of its own ("test" environment: fault injection and pinned request clocks), with short
group timers; the sink stands in for Slack, PagerDuty and a webhook. Crons are delivered at
scheduled minutes that only move forward, a little ahead of the wall clock.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edgewatch.schedule import EVERY_MINUTE, HOURLY
from scripts.stack import Stack
from tests.support.sink import Recorded, Sink
from tests.support.targets import FAILING, HEALTHY, Targets

MINUTE = 60_000
ADMIN_TOKEN = "sources-admin-token-01"
READ_TOKEN = "sources-read-token-001"
INGEST_TOKEN = "sources-ingest-token-1"
ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"}
READ = {"authorization": f"Bearer {READ_TOKEN}"}
INGEST = {"authorization": f"Bearer {INGEST_TOKEN}", "content-type": "application/json"}
ALERTING: dict[str, Any] = {
    "channels": {
        "slack": {"enabled": True, "webhook": "env:SLACK_WEBHOOK_URL"},
        "pagerduty": {"enabled": True, "integrationKey": "env:PAGERDUTY_INTEGRATION_KEY"},
    },
    "receivers": [{"name": "broken", "type": "webhook", "url": "env:BROKEN_URL"}],
    "route": {
        "receiver": "slack",
        "groupBy": ["alertname"],
        "groupWait": "1s",
        "groupInterval": "2s",
        "repeatInterval": "1h",
        "routes": [
            {"matchers": ['channel="broken"'], "receiver": "broken"},
            {"matchers": ['severity="critical"'], "receiver": "pagerduty"},
        ],
    },
}


class Clock:
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
def servers() -> Iterator[Targets]:
    found = Targets().start()
    yield found
    found.stop()


@pytest.fixture(scope="module")
def sources_stack(tmp_path_factory: pytest.TempPathFactory, hooks: Sink, servers: Targets) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("alert-sources")
    stack = Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="test",
        dashboard_port=None,
        example_api=False,
        extra_vars={
            "MONITORING_CONFIG_JSON": json.dumps({"healthChecks": {"endpoints": []}, "alerting": ALERTING}),
            "SLACK_WEBHOOK_URL": f"{hooks.url}/slack/hooks/T000/B000/XXXX",
            "PAGERDUTY_EVENTS_URL": f"{hooks.url}/pagerduty/v2/enqueue",
            "PAGERDUTY_INTEGRATION_KEY": "R0UTINGKEY0000000000000000000000",
            "BROKEN_URL": f"{hooks.url}/broken/hook",
            "ADMIN_TOKENS": ADMIN_TOKEN,
            "READ_TOKENS": READ_TOKEN,
            "LOG_INGEST_TOKENS": json.dumps({INGEST_TOKEN: "*"}),
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


def minute(stack: Stack, at: int) -> dict[str, Any]:
    """Deliver the */1 cron at ``at``; the watch_sources job's outcome."""
    assert stack.trigger_cron(EVERY_MINUTE, at).get("outcome") == "ok"
    return job(stack, EVERY_MINUTE, "alerts.watch_sources", at)


def job(stack: Stack, cron: str, name: str, at: int) -> dict[str, Any]:
    status, body = stack.request("GET", "/monitoring/cron", headers=READ)
    assert status == 200, body
    run = next(s for s in body["schedules"] if s["cron"] == cron)["last_run"]
    assert run["scheduled_ms"] == at
    found: dict[str, Any] = next(j for j in run["jobs"] if j["job"] == name)
    return found


def active(stack: Stack, **labels: str) -> list[dict[str, Any]]:
    status, body = stack.request("GET", "/alerts", None, READ)
    assert status == 200, body
    return [
        a for a in body["alerts"]
        if a["state"] != "resolved" and all(a["labels"].get(k) == v for k, v in labels.items())
    ]  # fmt: skip


def test_a_failing_flush_and_its_cron_job_alert_and_resolve(sources_stack: Stack, sink: Sink, clock: Clock) -> None:
    # First in the module: the flush's failure is stamped with the wall clock and the 15 minutes are
    # judged at the cron's scheduled time, so this test needs the module clock still near the wall's.
    entries = [{"level": "error", "message": f"kept {i}", "service": "src-logs"} for i in range(5)]
    status, answer = sources_stack.request("POST", "/logs/ingest", entries, INGEST)
    assert status in (200, 202), answer
    assert sources_stack.request("PUT", "/logs/_test/faults/r2_put?count=1000")[0] == 200
    hour = (clock.minute // 3_600_000 + 1) * 3_600_000
    for k in range(2):  # the hourly flush fails in two runs in a row
        sources_stack.trigger_cron(HOURLY, hour + k * 3_600_000)
        assert job(sources_stack, HOURLY, "logs.flush", hour + k * 3_600_000)["status"] == "failed"
    minute(sources_stack, clock.advance())
    [cron] = active(sources_stack, alertname="CronJobFailing", job="logs.flush")
    assert cron["labels"]["origin"] == "stack" and cron["labels"]["reporter"] == "monitoring"
    assert active(sources_stack, alertname="LogFlushFailing") == []  # not yet 15 minutes
    result = minute(sources_stack, clock.advance(16))
    assert result["status"] == "ok", result
    assert [a["labels"]["shard"] for a in active(sources_stack, alertname="LogFlushFailing")]
    wait_about(sink, "/pagerduty", "LogFlushFailing")
    # R2 is back: the next hourly flush succeeds, and both alerts resolve.
    assert sources_stack.request("PUT", "/logs/_test/faults/r2_put?count=0")[0] == 200
    sources_stack.trigger_cron(HOURLY, hour + 2 * 3_600_000)
    assert job(sources_stack, HOURLY, "logs.flush", hour + 2 * 3_600_000)["status"] == "ok"
    minute(sources_stack, clock.advance())
    assert active(sources_stack, origin="stack", reporter="monitoring") == []
    assert active(sources_stack, alertname="LogFlushFailing") == []


def test_a_check_going_down_alerts_once_and_recovering_resolves(
    sources_stack: Stack, servers: Targets, sink: Sink, clock: Clock
) -> None:
    url = servers.script("/src/api", FAILING, FAILING, HEALTHY, cycle=False)
    status, body = sources_stack.request(
        "POST", "/monitoring/checks", {"id": "src-api", "name": "Source API", "url": url, "retriesBeforeDown": 0}, ADMIN
    )
    assert status == 201, body
    t = clock.advance()
    assert minute(sources_stack, t)["status"] == "ok"  # run_checks saw it fail; the feed may lag a minute
    first = minute(sources_stack, clock.advance())  # (a second failure: still down, no new change)
    assert first["status"] == "ok", first
    [down] = active(sources_stack, alertname="MonitorDown", check_id="src-api")
    assert down["labels"]["origin"] == "uptime" and down["labels"]["monitor"] == "Source API"
    page = wait_about(sink, "/pagerduty", "src-api")
    assert page[0].json()["event_action"] == "trigger"
    # The same scheduled minute delivered again applies nothing twice.
    cursor = first["result"]["uptime_cursor"]
    again = minute(sources_stack, clock.minute)
    assert again["result"]["uptime_changes"] == 0 and again["result"]["uptime_cursor"] == cursor
    minute(sources_stack, clock.advance())  # HEALTHY: came up
    minute(sources_stack, clock.advance())
    assert active(sources_stack, alertname="MonitorDown", check_id="src-api") == []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not about(about(sink.requests("/pagerduty"), "src-api"), '"resolve"'):
        time.sleep(0.1)
    actions = [r.json()["event_action"] for r in about(sink.requests("/pagerduty"), "src-api")]
    assert actions == ["trigger", "resolve"]  # one page for one outage, one resolve
    assert sources_stack.request("DELETE", "/monitoring/checks/src-api", None, ADMIN)[0] == 204


def test_a_missed_heartbeat_alerts(sources_stack: Stack, sink: Sink, clock: Clock) -> None:
    status, body = sources_stack.request(
        "POST", "/monitoring/heartbeats", {"id": "src-nightly", "every": "2m", "grace": "1m"}, ADMIN
    )
    assert status == 201, body
    ping_at = clock.advance()
    ping = sources_stack.request(
        "POST", "/monitoring/heartbeat/src-nightly", None, {"x-edgewatch-test-now": str(ping_at)}
    )
    assert ping[0] == 200, ping
    for _ in range(5):  # 2 minutes + 1 of grace without a ping: down
        minute(sources_stack, clock.advance())
    [missed] = active(sources_stack, alertname="HeartbeatMissed", check_id="src-nightly")
    assert missed["labels"]["kind"] == "heartbeat"
    wait_about(sink, "/pagerduty", "src-nightly")
    assert sources_stack.request("DELETE", "/monitoring/heartbeats/src-nightly", None, ADMIN)[0] == 204
    minute(sources_stack, clock.advance())  # a deleted monitor's alert resolves
    assert active(sources_stack, alertname="HeartbeatMissed", check_id="src-nightly") == []


def test_a_maintenance_window_mutes_its_checks_alert(
    sources_stack: Stack, servers: Targets, sink: Sink, clock: Clock
) -> None:
    url = servers.script("/src/maint", FAILING, cycle=True)
    status, body = sources_stack.request(
        "POST", "/monitoring/checks", {"id": "src-maint", "url": url, "retriesBeforeDown": 0}, ADMIN
    )
    assert status == 201, body
    now = int(time.time() * 1000)
    window = {"id": "src-window", "start": now - MINUTE, "end": clock.minute + 30 * MINUTE, "checks": ["src-maint"]}
    status, body = sources_stack.request("POST", "/monitoring/maintenance", window, ADMIN)
    assert status == 201, body
    minute(sources_stack, clock.advance())
    result = minute(sources_stack, clock.advance())["result"]
    assert result["in_maintenance"] >= 1
    [down] = active(sources_stack, alertname="MonitorDown", check_id="src-maint")
    assert down["silenced_by"], down  # the maintenance window's silence
    time.sleep(3)  # group wait and interval pass: nothing is sent about a muted alert
    assert about(sink.requests("/"), "src-maint") == []
    assert sources_stack.request("DELETE", "/monitoring/maintenance/src-window", None, ADMIN)[0] == 204
    minute(sources_stack, clock.advance())
    wait_about(sink, "/pagerduty", "src-maint")
    assert sources_stack.request("DELETE", "/monitoring/checks/src-maint", None, ADMIN)[0] == 204
    minute(sources_stack, clock.advance())


def test_credential_stuffing_and_an_automatic_block_alert(sources_stack: Stack, sink: Sink, clock: Clock) -> None:
    ip = "198.51.100.77"
    for i in range(10):  # one IP failing against ten accounts
        body = {"path": "/api/auth/login", "ip": ip, "account": f"src-acct-{i}", "status": 401}
        status, answer = sources_stack.request("POST", "/security/report", body, INGEST)
        assert status == 202, answer
    attacker = "198.51.100.78"
    for i in range(5):  # five high-score threats: blocked automatically
        body = {"path": "/api/search", "query": f"q=<script>alert({i})</script>", "ip": attacker}
        status, answer = sources_stack.request("POST", "/security/check", body, INGEST)
        assert status == 200, answer
    minute(sources_stack, clock.advance())
    [stuffing] = active(sources_stack, alertname="CredentialStuffing")
    assert stuffing["labels"]["subject"] == f"ip:{ip}" and stuffing["labels"]["origin"] == "security"
    [block] = active(sources_stack, alertname="SecurityAutoBlock", target=attacker)
    assert block["labels"]["severity"] == "warning"
    wait_about(sink, "/pagerduty", f"ip:{ip}")  # critical
    wait_about(sink, "/slack", attacker)
    # Lifting the block resolves its alert at the next poll.
    assert sources_stack.request("DELETE", f"/security/blocklist/{attacker}", None, ADMIN)[0] == 204
    minute(sources_stack, clock.advance())
    assert active(sources_stack, alertname="SecurityAutoBlock", target=attacker) == []


def test_a_dead_letter_is_raised_on_another_receiver(sources_stack: Stack, sink: Sink, clock: Clock) -> None:
    sink.fail("/broken", status=400, times=100)  # a 400 is final: dead at the first attempt
    body = {"type": "warning", "title": "Goes nowhere", "source": "src-dead", "labels": {"channel": "broken"}}
    status, answer = sources_stack.request("POST", "/alerts/trigger", body, INGEST)
    assert status == 202, answer
    sink.wait_for("/broken", 1)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status, items = sources_stack.request("GET", "/alerts/notifications", None, READ)
        if any(a.get("outcome") == "dead" for a in items.get("attempts", items.get("notifications", []))):
            break
        time.sleep(0.2)
    minute(sources_stack, clock.advance())
    [dead] = active(sources_stack, alertname="NotificationDeadLettered")
    assert dead["labels"]["receiver"] == "broken"
    page = wait_about(sink, "/pagerduty", "NotificationDeadLettered")  # critical: the tree pages
    assert "broken" in json.dumps(page[0].json())
    assert len(sink.requests("/broken")) == 1  # never sent to the receiver it is about
