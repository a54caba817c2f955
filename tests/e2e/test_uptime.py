"""Uptime checks on real workerd against real local HTTP servers: the */1 cron probes them, the
CheckRunner Durable Object keeps state, incidents and history.

Each test drives the clock itself: crons are delivered at chosen scheduled times (from 2031 on,
after every time other tests use, a different week per test), and reads pin "now" with the test
stack's X-Edgewatch-Test-Now header, so runs never depend on the wall clock and tests never share
a minute.
"""

from __future__ import annotations

from typing import Any

import pytest

from edgewatch.schedule import EVERY_MINUTE
from scripts.stack import Stack
from tests.e2e.conftest import ADMIN_TOKEN, READ_TOKEN
from tests.support.targets import FAILING, HEALTHY, Step, Targets

MIN, HOUR, DAY = 60_000, 3_600_000, 86_400_000
ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"}
READ = {"authorization": f"Bearer {READ_TOKEN}"}
START = 1_924_992_000_000  # 2031-01-01T00:00:00Z
_weeks = iter(range(1, 60))


@pytest.fixture
def t0() -> int:
    """An hour boundary in a week of its own, for this test alone."""
    return START + next(_weeks) * 7 * DAY


def at(t: int) -> dict[str, str]:
    return {**READ, "x-edgewatch-test-now": str(t)}


def run_minute(stack: Stack, t: int) -> dict[str, Any]:
    outcome = stack.trigger_cron(EVERY_MINUTE, t)
    assert outcome["outcome"] == "ok", outcome
    status, body = stack.request("GET", "/monitoring/cron", headers=READ)
    assert status == 200
    run = next(s for s in body["schedules"] if s["cron"] == EVERY_MINUTE)["last_run"]
    assert run["scheduled_ms"] == t
    job = next(j for j in run["jobs"] if j["job"] == "monitoring.run_checks")
    assert job["status"] == "ok", job
    result: dict[str, Any] = job["result"]
    return result


def create(stack: Stack, spec: dict[str, Any]) -> None:
    status, body = stack.request("POST", "/monitoring/checks", spec, ADMIN)
    assert status == 201, body


def delete(stack: Stack, check_id: str, kind: str = "checks") -> None:
    status, body = stack.request("DELETE", f"/monitoring/{kind}/{check_id}", None, ADMIN)
    assert status == 204, body


def monitor(stack: Stack, check_id: str, t: int) -> dict[str, Any]:
    status, body = stack.request("GET", f"/monitoring/checks/{check_id}", None, at(t))
    assert status == 200, body
    result: dict[str, Any] = body
    return result


def test_config_checks_probe_the_base_url(stack: Stack, targets: Targets, t0: int) -> None:
    targets.script("/api/health", HEALTHY)
    targets.script("/api/auth/health", HEALTHY)
    targets.script("/api/pitches/health", FAILING)
    result = run_minute(stack, t0)
    assert result["probed"] >= 3
    assert targets.served("/api/health") == 1
    assert targets.served("/api/auth/health") == 1
    assert targets.served("/api/pitches/health") == 1
    status, body = stack.request("GET", "/monitoring/checks", None, at(t0))
    assert status == 200
    by_id = {m["id"]: m for m in body["monitors"]}
    assert body["waiting_for_base_url"] == []
    assert by_id["api-health"]["source"] == "config"
    assert by_id["api-health"]["state"] == "up"
    assert by_id["api-health"]["last_result"]["status"] == 200
    # One failed probe is not DOWN (the default is two retries before DOWN): the state stays what
    # it was (pending, or up if other tests' crons probed it before).
    pitches = by_id["api-pitches-health"]
    assert pitches["state"] in ("pending", "up")
    assert pitches["consecutive_failures"] == 1
    assert pitches["last_result"]["reason"] == "bad_status"
    assert pitches["open_incident"] is None
    targets.script("/api/pitches/health", HEALTHY)


def test_write_api_validates_and_protects(stack: Stack, targets: Targets) -> None:
    url = targets.script("/w/ok", HEALTHY)
    spec = {"id": "write-api", "url": url, "expectedStatus": [200, 204], "keyword": "healthy", "timeout": 5000}
    # Token-protected.
    assert stack.request("POST", "/monitoring/checks", spec, {"content-type": "application/json"})[0] == 401
    bad_token = {"authorization": "Bearer nope-nope-nope-nope", "content-type": "application/json"}
    assert stack.request("POST", "/monitoring/checks", spec, bad_token)[0] == 401
    # Bad bodies: 415, 400, 422 naming the field.
    assert stack.request("POST", "/monitoring/checks", spec, {**ADMIN, "content-type": "text/plain"})[0] == 415
    assert stack.request("POST", "/monitoring/checks", b"{not json", ADMIN)[0] == 400
    for bad, field in [
        ({**spec, "url": "ftp://x"}, "url"),
        ({**spec, "method": "TRACE"}, "method"),
        ({**spec, "timeout": 0}, "timeout"),
        ({**spec, "expectedStatus": [700]}, "expectedStatus"),
        ({**spec, "colour": "red"}, "colour"),
        ({**spec, "id": "has space"}, "id"),
        ({**spec, "interval": 1000}, "interval"),
        ([spec], "object"),
    ]:
        status, body = stack.request("POST", "/monitoring/checks", bad, ADMIN)
        assert status == 422, (bad, body)
        assert field in body["error"]["message"], body
    create(stack, spec)
    assert stack.request("POST", "/monitoring/checks", spec, ADMIN)[0] == 409
    # PUT replaces; an id in the body must agree with the path.
    status, body = stack.request("PUT", "/monitoring/checks/write-api", {**spec, "timeout": 3000}, ADMIN)
    assert status == 200, body
    assert body["timeoutMs"] == 3000
    assert stack.request("PUT", "/monitoring/checks/write-api", {**spec, "id": "other"}, ADMIN)[0] == 422
    # Readers see it, header values redacted; writes need the admin token, reads the read token.
    assert stack.request("GET", "/monitoring/checks/write-api")[0] == 401
    status, body = stack.request("GET", "/monitoring/checks/write-api", None, READ)
    assert status == 200
    assert body["spec"]["keyword"] == "healthy"
    assert body["state"] == "pending"
    # Config-defined checks are changed in the config, not through the API.
    assert stack.request("DELETE", "/monitoring/checks/api-health", None, ADMIN)[0] == 409
    delete(stack, "write-api")
    assert stack.request("GET", "/monitoring/checks/write-api", None, READ)[0] == 404
    assert stack.request("DELETE", "/monitoring/checks/write-api", None, ADMIN)[0] == 404


def test_down_only_after_retries_then_up_after_recovery_retries(stack: Stack, targets: Targets, t0: int) -> None:
    url = targets.script("/r/down", FAILING)
    create(stack, {"id": "retries", "url": url, "retriesBeforeDown": 2, "retriesBeforeUp": 2})
    states = []
    for i in range(3):
        run_minute(stack, t0 + i * MIN)
        states.append(monitor(stack, "retries", t0 + i * MIN)["state"])
    assert states == ["pending", "pending", "down"]  # DOWN on the third consecutive failure
    m = monitor(stack, "retries", t0 + 2 * MIN)
    assert m["open_incident"]["start_ms"] == t0 + 2 * MIN
    assert m["open_incident"]["cause"] == "HTTP 500, expected 200"

    targets.script("/r/down", HEALTHY)
    run_minute(stack, t0 + 3 * MIN)
    assert monitor(stack, "retries", t0 + 3 * MIN)["state"] == "down"  # one success is not enough
    run_minute(stack, t0 + 4 * MIN)
    m = monitor(stack, "retries", t0 + 4 * MIN)
    assert m["state"] == "up"
    assert m["open_incident"] is None

    status, body = stack.request("GET", "/monitoring/incidents?check=retries", None, at(t0 + 5 * MIN))
    assert status == 200
    [incident] = body["incidents"]
    assert incident["start_ms"] == t0 + 2 * MIN
    assert incident["end_ms"] == t0 + 4 * MIN
    assert incident["duration_ms"] == 2 * MIN
    assert incident["reason"] == "bad_status"
    assert not incident["open"]

    status, body = stack.request("GET", "/monitoring/changes?limit=1000", None, READ)
    assert status == 200
    mine = [(c["from"], c["to"], c["reason"]) for c in body["changes"] if c["check_id"] == "retries"]
    assert mine == [("pending", "down", "went_down"), ("down", "up", "came_up")]
    seqs = [c["seq"] for c in body["changes"]]
    assert seqs == sorted(seqs)
    after = body["next_after"]
    assert stack.request("GET", f"/monitoring/changes?after={after}", None, READ)[1]["changes"] == []
    delete(stack, "retries")


def test_a_flapping_target_does_not_flip_on_one_failure(stack: Stack, targets: Targets, t0: int) -> None:
    url = targets.script("/r/flap", HEALTHY, FAILING, cycle=True)
    create(stack, {"id": "flapping", "url": url, "retriesBeforeDown": 1})
    for i in range(10):
        run_minute(stack, t0 + i * MIN)
    assert targets.served("/r/flap") == 10
    m = monitor(stack, "flapping", t0 + 10 * MIN)
    assert m["state"] == "up"
    assert m["open_incident"] is None
    assert m["uptime"]["24h"]["down"] == 0
    recent = m["recent"]
    assert [r["ok"] for r in reversed(recent)] == [True, False] * 5
    delete(stack, "flapping")


def test_slow_is_degraded_and_too_slow_is_a_timeout(stack: Stack, targets: Targets, t0: int) -> None:
    slow = targets.script("/r/slow", Step(200, b"ok", 0.4))
    stuck = targets.script("/r/stuck", Step(200, b"ok", 3.0))
    create(stack, {"id": "slow", "url": slow, "degradedMs": 150})
    create(stack, {"id": "stuck", "url": stuck, "timeout": 1000, "retriesBeforeDown": 0})
    run_minute(stack, t0)
    slow_m = monitor(stack, "slow", t0)
    assert slow_m["state"] == "degraded"
    assert slow_m["last_result"]["reason"] == "slow"
    assert slow_m["last_result"]["latency_ms"] >= 400
    stuck_m = monitor(stack, "stuck", t0)
    assert stuck_m["state"] == "down"
    assert stuck_m["last_result"]["reason"] == "timeout"
    delete(stack, "slow")
    delete(stack, "stuck")


def test_keyword_missing_and_keyword_present(stack: Stack, targets: Targets, t0: int) -> None:
    url = targets.script("/r/kw", Step(200, b'{"status":"degraded: database read-only"}'))
    create(stack, {"id": "kw-missing", "url": url, "keyword": '"status":"healthy"', "retriesBeforeDown": 0})
    create(
        stack,
        {"id": "kw-present", "url": url, "keyword": "read-only", "keywordMustExist": False, "retriesBeforeDown": 0},
    )
    run_minute(stack, t0)
    assert monitor(stack, "kw-missing", t0)["last_result"]["reason"] == "keyword_missing"
    assert monitor(stack, "kw-missing", t0)["state"] == "down"
    assert monitor(stack, "kw-present", t0)["last_result"]["reason"] == "keyword_present"
    delete(stack, "kw-missing")
    delete(stack, "kw-present")


def test_uptime_excludes_maintenance(stack: Stack, targets: Targets, t0: int) -> None:
    url = targets.script("/r/maint", *([HEALTHY] * 6 + [FAILING] * 4))
    create(stack, {"id": "maint-covered", "url": url, "retriesBeforeDown": 0})
    other = targets.script("/r/maint2", *([HEALTHY] * 6 + [FAILING] * 4))
    create(stack, {"id": "maint-other", "url": other, "retriesBeforeDown": 0})
    # Minutes 6..9 fail; a recurring window (every day, 4 minutes from minute 6) covers them for
    # the first check only.
    window = {
        "id": "deploys",
        "start": t0 - 3 * DAY + 6 * MIN,
        "end": t0 - 3 * DAY + 10 * MIN,
        "every": "1d",
        "checks": ["maint-covered"],
        "reason": "daily deploy",
    }
    status, body = stack.request("POST", "/monitoring/maintenance", window, ADMIN)
    assert status == 201, body
    assert stack.request("POST", "/monitoring/maintenance", {**window, "end": window["start"]}, ADMIN)[0] == 422
    for i in range(10):
        run_minute(stack, t0 + i * MIN)
    covered = monitor(stack, "maint-covered", t0 + 10 * MIN)
    other_m = monitor(stack, "maint-other", t0 + 10 * MIN)
    # The state is the truth either way; only the SLA differs.
    assert covered["state"] == other_m["state"] == "down"
    for name in ("24h", "7d", "30d", "90d"):
        assert covered["uptime"][name] == {"ratio": 1.0, "up": 6, "down": 0, "excluded": 4, "pending": 0}
        assert other_m["uptime"][name] == {"ratio": 0.6, "up": 6, "down": 4, "excluded": 0, "pending": 0}
    assert [r["in_maintenance"] for r in reversed(covered["recent"])] == [False] * 6 + [True] * 4
    status, body = stack.request("GET", "/monitoring/maintenance", None, READ)
    assert [w["id"] for w in body["maintenance"]] == ["deploys"]
    assert body["maintenance"][0]["every"] == "1d"
    assert stack.request("DELETE", "/monitoring/maintenance/deploys", None, ADMIN)[0] == 204
    delete(stack, "maint-covered")
    delete(stack, "maint-other")


def test_heartbeat_missed_goes_down_and_a_ping_brings_it_back(stack: Stack, t0: int) -> None:
    status, body = stack.request(
        "POST", "/monitoring/heartbeats", {"id": "nightly-backup", "every": "5m", "grace": "1m"}, ADMIN
    )
    assert status == 201, body
    assert body["ping_url"] == "/monitoring/heartbeat/nightly-backup"
    assert stack.request("POST", "/monitoring/heartbeats", {"id": "x", "every": "10s"}, ADMIN)[0] == 422
    assert stack.request("GET", "/monitoring/heartbeat/no-such-job")[0] == 404
    # A ping (GET or POST, no token: cron jobs call it with plain curl) at t0.
    status, body = stack.request(
        "POST", "/monitoring/heartbeat/nightly-backup", None, {"x-edgewatch-test-now": str(t0)}
    )
    assert status == 200, body
    run_minute(stack, t0 + 5 * MIN)
    assert monitor(stack, "nightly-backup", t0 + 5 * MIN)["state"] == "up"
    run_minute(stack, t0 + 6 * MIN)  # exactly every + grace: still in time
    assert monitor(stack, "nightly-backup", t0 + 6 * MIN)["state"] == "up"
    run_minute(stack, t0 + 7 * MIN)
    m = monitor(stack, "nightly-backup", t0 + 7 * MIN)
    assert m["state"] == "down"
    assert m["last_result"]["reason"] == "missed"
    assert m["open_incident"]["start_ms"] == t0 + 7 * MIN
    status, _ = stack.request(
        "GET", "/monitoring/heartbeat/nightly-backup", None, {"x-edgewatch-test-now": str(t0 + 7 * MIN + 30_000)}
    )
    assert status == 200
    m = monitor(stack, "nightly-backup", t0 + 8 * MIN)
    assert m["state"] == "up"
    assert m["open_incident"] is None
    delete(stack, "nightly-backup", "heartbeats")


def test_status_page_is_public_and_has_no_secrets(stack: Stack, targets: Targets, t0: int) -> None:
    url = targets.script("/r/status-secret-path", FAILING)
    create(
        stack,
        {
            "id": "status-api",
            "name": "Public API",
            "url": url + "?token=s3cr3t-query",
            "headers": {"Authorization": "Bearer s3cr3t-header"},
            "retriesBeforeDown": 0,
        },
    )
    run_minute(stack, t0)
    status, body = stack.request("GET", "/monitoring/status", None, {"x-edgewatch-test-now": str(t0 + MIN)})
    assert status == 200
    text = str(body)
    for secret in ("s3cr3t", "127.0.0.1", "status-secret-path", "HTTP 500"):
        assert secret not in text
    component = next(c for c in body["components"] if c["id"] == "status-api")
    assert component["name"] == "Public API"
    assert component["state"] == "down"
    assert len(component["bars"]) == 90
    assert component["bars"][-1]["down"] == 1
    assert body["overall"] in ("partial_outage", "major_outage")
    assert {"component": "status-api", "name": "Public API", "started_ms": t0, "cause": "returning errors"} in body[
        "incidents"
    ]
    # Readers see the header redacted.
    spec = monitor(stack, "status-api", t0 + MIN)["spec"]
    assert spec["headers"] == {"Authorization": "[redacted]"}
    delete(stack, "status-api")


def test_latency_series_and_health_summary(stack: Stack, targets: Targets, t0: int) -> None:
    url = targets.script("/r/lat", *([Step(200, b"ok", 0.05)] * 9 + [Step(200, b"ok", 0.6)]), cycle=True)
    create(stack, {"id": "latency", "url": url})
    for i in range(10):
        run_minute(stack, t0 + i * MIN)
    q = f"from={t0}&to={t0 + 10 * MIN}&step={5 * MIN}"
    status, body = stack.request("GET", f"/monitoring/checks/latency/series?{q}", None, at(t0 + 10 * MIN))
    assert status == 200, body
    first, second = body["points"]
    assert first["count"] == second["count"] == 5
    assert 50 <= first["p50"] < 600 and first["p95"] < 600
    assert second["p95"] >= 600  # the slow probe (nearest rank: the 5th of 5)
    assert second["p50"] < 600
    assert stack.request("GET", f"/monitoring/checks/latency/series?from={t0}&to={t0}", None, READ)[0] == 422
    assert stack.request("GET", "/monitoring/checks/latency/series?step=abc", None, READ)[0] == 422
    status, body = stack.request("GET", "/monitoring/health")
    assert status == 200
    summary = {m["id"]: m for m in body["uptime"]["monitors"]}
    assert summary["latency"]["kind"] == "http"
    assert summary["api-health"]["state"] in ("up", "degraded")
    delete(stack, "latency")


def test_probes_run_concurrently_within_the_bound(stack: Stack, targets: Targets, t0: int) -> None:
    for i in range(12):
        create(stack, {"id": f"conc-{i}", "url": targets.script(f"/r/conc/{i}", Step(200, b"ok", 0.5))})
    targets.reset_in_flight_peak()
    result = run_minute(stack, t0)
    assert result["probed"] >= 12
    assert targets.max_in_flight <= 6  # healthChecks.concurrency (default 6)
    assert targets.max_in_flight >= 4  # and really in parallel, not one by one
    for i in range(12):
        delete(stack, f"conc-{i}")
