"""Reports end to end on real workerd, in a stack of its own: data seeded through the real ingest
paths (uptime checks probed by the */1 cron, logs, a Sentry error, an alert, a Web Vitals beacon,
a security event), ``GET /monitoring/report`` read back section by section, and the weekly
delivery on the daily cron to a Slack and an email receiver whose endpoints are a local sink.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from edgewatch.schedule import DAILY, EVERY_MINUTE
from scripts.stack import Stack
from tests.support.sink import Recorded, Sink
from tests.support.targets import FAILING, HEALTHY, Targets

MIN, DAY = 60_000, 86_400_000
INGEST_TOKEN = "reports-ingest-token-01"
READ_TOKEN = "reports-read-token-0001"
ADMIN_TOKEN = "reports-admin-token-001"
SENTRY_KEY = "0c5e2d9b8a7f4e3d2c1b0a9f8e7d6c5b"
READ = {"authorization": f"Bearer {READ_TOKEN}"}
INGEST = {"authorization": f"Bearer {INGEST_TOKEN}", "content-type": "application/json"}
HOSTILE_NAME = "Checkout <b>beta</b> & co"  # a stored string: escaped in every rendering
SLACK_PATH = "/slack/hooks/T000/B000/REPORTS"


@pytest.fixture(scope="module")
def hooks() -> Iterator[Sink]:
    server = Sink().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def probed() -> Iterator[Targets]:
    servers = Targets().start()
    yield servers
    servers.stop()


def monitoring_config(targets: Targets) -> dict[str, Any]:
    return {
        "healthChecks": {
            "endpoints": [],
            "checks": [
                {"id": "api", "name": "API", "url": targets.script("/api/health", HEALTHY)},
                {
                    "id": "checkout",
                    "name": HOSTILE_NAME,
                    "url": targets.script("/checkout/health", HEALTHY),
                    "retriesBeforeDown": 0,
                },
            ],
        },
        "alerting": {
            "channels": {
                "slack": {"enabled": True, "webhook": "env:SLACK_WEBHOOK_URL"},
                "email": {"enabled": True, "recipients": ["team@pitchey.example"]},
            },
            "route": {"receiver": "slack", "groupWait": "1s", "groupInterval": "3s", "repeatInterval": "1h"},
        },
        "reports": {"weekly": {"enabled": True, "receivers": ["slack", "email"]}, "slaTarget": 99.5},
    }


@pytest.fixture(scope="module")
def reports_stack(tmp_path_factory: pytest.TempPathFactory, hooks: Sink, probed: Targets) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("reports")
    stack = Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="test",
        dashboard_port=None,
        example_api=False,
        read_dev_vars=False,
        extra_vars={
            "MONITORING_CONFIG_JSON": json.dumps(monitoring_config(probed)),
            "SLACK_WEBHOOK_URL": f"{hooks.url}{SLACK_PATH}",
            "EMAIL_API_URL": f"{hooks.url}/email/send",
            "EMAIL_API_TOKEN": "email-token-000001",
            "ALERT_EMAIL_FROM": "reports@pitchey.example",
            "LOG_INGEST_TOKENS": json.dumps({INGEST_TOKEN: "*"}),
            "READ_TOKENS": READ_TOKEN,
            "ADMIN_TOKENS": ADMIN_TOKEN,
            "SENTRY_PROJECT_KEYS": f"1:{SENTRY_KEY}",
        },
    )
    stack.start()
    yield stack
    stack.stop()


def minute_now() -> int:
    return int(time.time() * 1000) // MIN * MIN


def next_monday(t_ms: int) -> int:
    """The next Monday 00:00 UTC strictly after ``t_ms`` (1970-01-01 was a Thursday)."""
    day = t_ms // DAY
    return (day + (7 - (day + 3) % 7)) * DAY


def iso_week(t_ms: int) -> str:
    year, week, _ = datetime.fromtimestamp(t_ms / 1000, tz=UTC).isocalendar()
    return f"{year}-W{week:02d}"


def run_cron(stack: Stack, cron: str, t: int) -> dict[str, Any]:
    outcome = stack.trigger_cron(cron, t)
    assert outcome["outcome"] == "ok", outcome
    status, body = stack.request("GET", "/monitoring/cron", headers=READ)
    assert status == 200, body
    run: dict[str, Any] = next(s for s in body["schedules"] if s["cron"] == cron)["last_run"]
    return run


def job(run: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(j for j in run["jobs"] if j["job"] == name)
    return found


def reports_to(sink: Sink) -> tuple[list[Recorded], list[Recorded]]:
    slack = [r for r in sink.requests(SLACK_PATH) if b"Weekly report" in r.body]
    email = [r for r in sink.requests("/email") if b"Weekly report" in r.body]
    return slack, email


def wait_reports(sink: Sink, timeout_s: float = 30.0) -> tuple[list[Recorded], list[Recorded]]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        slack, email = reports_to(sink)
        if slack and email:
            return slack, email
        time.sleep(0.3)
    return reports_to(sink)


@pytest.fixture(scope="module")
def seeded(reports_stack: Stack, probed: Targets, hooks: Sink) -> dict[str, Any]:
    """One of each: probes (one check goes down once), logs, a Sentry error, an alert, a beacon
    and a security event, all through the stack's own ingest paths."""
    stack = reports_stack
    t = minute_now() - 5 * MIN
    for i in range(3):
        assert job(run_cron(stack, EVERY_MINUTE, t + i * MIN), "monitoring.run_checks")["status"] == "ok"
    probed.script("/checkout/health", FAILING)
    assert job(run_cron(stack, EVERY_MINUTE, t + 3 * MIN), "monitoring.run_checks")["status"] == "ok"
    probed.script("/checkout/health", HEALTHY)
    assert job(run_cron(stack, EVERY_MINUTE, t + 4 * MIN), "monitoring.run_checks")["status"] == "ok"

    logs = [{"level": "info", "message": f"ok {i}", "service": "checkout"} for i in range(6)]
    logs += [{"level": "error", "message": "payment declined", "service": "checkout"} for _ in range(2)]
    status, body = stack.request("POST", "/logs/ingest", logs, INGEST)
    assert status == 202, body

    event = {
        "event_id": uuid.uuid4().hex,
        "level": "error",
        "platform": "python",
        "exception": {"values": [{"type": "CardError", "value": "card <declined>"}]},
    }
    sentry = {"x-sentry-auth": f"Sentry sentry_key={SENTRY_KEY}, sentry_version=7", "content-type": "application/json"}
    status, body = stack.request("POST", "/apm/api/1/store/", event, sentry)
    assert status == 200, body

    alert = {"type": "critical", "title": "Payments down", "message": "checkout answers 502", "source": "api"}
    status, body = stack.request("POST", "/alerts/trigger", alert, INGEST)
    assert status == 202, body
    assert hooks.wait_for(SLACK_PATH, 1, timeout_s=20), "the alert reached Slack"

    beacon = {"name": "LCP", "value": 4800, "rating": "poor", "delta": 4800, "id": f"v4-{uuid.uuid4().hex}"}
    status, body = stack.request("POST", "/monitoring/vitals", {**beacon, "route": "/pitches/42"}, INGEST)
    assert status == 202 and body["stored"] == 1, body

    probe = {"path": "/api/search", "query": "q=<script>alert('xss')</script>", "ip": "203.0.113.77"}
    status, body = stack.request("POST", "/security/check", probe, INGEST)
    assert status == 200 and body.get("threat"), body
    return {"down_at": t + 3 * MIN, "up_at": t + 4 * MIN}


def get_report(stack: Stack, query: str = "") -> dict[str, Any]:
    status, body = stack.request("GET", f"/monitoring/report{query}", headers=READ)
    assert status == 200, body
    result: dict[str, Any] = body
    return result


def test_the_report_has_every_section_from_its_concern(reports_stack: Stack, seeded: dict[str, Any]) -> None:
    report = get_report(reports_stack)
    assert report["errors"] == [], report["sections"]
    assert report["cost"] is None and "cost meter" in report["cost_reason"]
    assert report["period"]["to"] - report["period"]["from"] == 7 * DAY
    sections = report["sections"]

    checks = {c["id"]: c for c in sections["uptime"]["checks"]}
    assert checks["api"]["sla"]["status"] == "met" and checks["api"]["sla"]["uptime_pct"] == 100.0
    checkout = checks["checkout"]
    assert checkout["name"] == HOSTILE_NAME
    assert checkout["probes"]["down"] == 1 and checkout["probes"]["up"] == 4, checkout
    assert checkout["sla"]["status"] == "missed" and checkout["sla"]["uptime_pct"] == 80.0
    assert checkout["sla"]["target_pct"] == 99.5
    [incident] = checkout["incidents"]
    assert incident["start_ms"] == seeded["down_at"] and incident["end_ms"] == seeded["up_at"]
    assert checkout["sla"]["downtime_ms"] == MIN

    alerts = sections["alerts"]
    assert alerts["fired"] >= 1
    names = {a["alertname"] for a in alerts["by_alertname"]}
    assert "Payments down" in names or any(a["summary"] == "Payments down" for a in alerts["alerts"]), alerts
    assert alerts["notifications"]["slack"]["sent"] >= 1, alerts["notifications"]

    issues = sections["issues"]
    assert issues["seen"] == 1 and issues["new"] == 1 and issues["projects"] == ["1"]
    assert issues["top"][0]["title"].startswith("CardError") and issues["top"][0]["events"] == 1

    lcp = sections["vitals"]["metrics"]["LCP"]
    assert lcp["good"] == 2500 and lcp["poor"] == 4000
    assert lcp["routes"] == [
        {
            "route": "/pitches/:id",
            "count": 1,
            "p75": 4800,
            "rating": "poor",
            "distribution": lcp["routes"][0]["distribution"],
        }
    ]
    assert lcp["routes"][0]["distribution"]["poor"] == 1

    assert sections["security"]["by_type"]["threat"] >= 1
    assert {"key": "ip:203.0.113.77", "count": sections["security"]["by_type"]["threat"]} in sections["security"][
        "top_identifiers"
    ]
    checkout_logs = next(s for s in sections["logs"]["services"] if s["service"] == "checkout")
    assert checkout_logs["entries"] == 8 and checkout_logs["errors"] == 2
    assert {s["subject"] for s in sections["retention"]["stores"]} == {"logs", "traces"}
    assert "slowest" in sections["endpoints"]


def test_a_chosen_period_without_data_reports_no_data(reports_stack: Stack, seeded: dict[str, Any]) -> None:
    report = get_report(reports_stack, "?from=2020-01-01T00:00:00Z&to=2020-01-08T00:00:00Z")
    assert report["period"]["from_iso"] == "2020-01-01T00:00:00Z" and report["period"]["days"] == 7
    assert {c["sla"]["status"] for c in report["sections"]["uptime"]["checks"]} == {"no_data"}
    assert report["sections"]["issues"]["seen"] == 0 and report["sections"]["alerts"]["fired"] == 0
    day = get_report(reports_stack, "?period=1d")
    assert day["period"]["to"] - day["period"]["from"] == DAY


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("?from=2026-01-08T00:00:00Z&to=2026-01-01T00:00:00Z", "'from' must be before 'to'"),
        ("?period=fortnight", "period"),
        ("?period=400d", "period must be between"),
        ("?period=7d&from=2026-01-01T00:00:00Z", "period or from"),
        ("?from=yesterday", "from must be"),
        ("?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "at most 90 days"),
    ],
)
def test_a_bad_query_is_a_422_naming_the_problem(reports_stack: Stack, query: str, names: str) -> None:
    status, body = reports_stack.request("GET", f"/monitoring/report{query}", headers=READ)
    assert status == 422, body
    assert names in body["error"]["message"], body


def test_the_report_needs_the_viewer_role(reports_stack: Stack) -> None:
    assert reports_stack.request("GET", "/monitoring/report")[0] == 401


def test_monday_delivers_once_to_slack_and_email_and_tuesday_sends_nothing(
    reports_stack: Stack, seeded: dict[str, Any], hooks: Sink
) -> None:
    stack = reports_stack
    monday = next_monday(int(time.time() * 1000))
    hooks.reset()
    # The Monday cron delivered twice at once (crons are at least once): one report per receiver.
    outcomes: list[dict[str, Any]] = []
    threads = [threading.Thread(target=lambda: outcomes.append(stack.trigger_cron(DAILY, monday))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [o["outcome"] for o in outcomes] == ["ok", "ok"], outcomes
    slack, email = wait_reports(hooks)
    time.sleep(3)  # a second copy, if there were one, would have arrived by now
    slack, email = reports_to(hooks)
    assert len(slack) == 1 and len(email) == 1, (len(slack), len(email))

    message = slack[0].json()
    text = json.dumps(message)
    assert message["blocks"][0]["type"] == "header"
    assert "Checkout &lt;b&gt;beta&lt;/b&gt; &amp; co" in text and "<b>beta" not in text
    assert "MISSED" in text and "80%" in text and "CardError" in text

    mail = email[0].json()
    assert mail["to"] == ["team@pitchey.example"] and mail["from"] == "reports@pitchey.example"
    assert mail["subject"].startswith("[edgewatch] Weekly report")
    assert "Checkout &lt;b&gt;beta&lt;/b&gt; &amp; co" in mail["html"] and "<b>beta" not in mail["html"]
    assert HOSTILE_NAME in mail["text"]
    assert "not measured" in mail["text"]

    status, body = stack.request("GET", "/alerts/notifications?limit=1000", headers=READ)
    assert status == 200
    sent = [a for a in body["attempts"] if a["reason"] == "report"]
    assert sorted(a["receiver"] for a in sent) == ["email", "slack"], sent  # in the delivery history
    assert {a["group_key"] for a in sent} == {f"report:weekly:{iso_week(monday)}"}

    # Later that Monday (a late or repeated delivery): the same week, nothing sent again.
    hooks.reset()
    run = run_cron(stack, DAILY, monday + 10 * MIN)
    result = job(run, "monitoring.weekly_report")
    assert result["status"] == "ok" and result["result"]["decision"] == "already_delivered", result
    # Tuesday: not the report's day.
    run = run_cron(stack, DAILY, monday + DAY)
    result = job(run, "monitoring.weekly_report")
    assert result["status"] == "ok" and result["result"]["decision"] == "not_the_day", result
    time.sleep(3)
    assert reports_to(hooks) == ([], []), "nothing is resent on Monday or sent on Tuesday"
