"""A stack of its own for what the shared one cannot do: failMode "closed" (when the RateLimiter
cannot be reached, requests are refused with 503 and Retry-After, and the failure is counted), an
allow-list, a rate spike after a baseline learned over minutes of pinned clock, the purge, and
uptime runs bounded by ``healthChecks.maxPerRun``."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.stack import Stack

TOKEN = "closed-ingest-token-0001"
READ = "closed-read-token-00001"
ADMIN = "closed-admin-token-0001"

READ_H = {"authorization": f"Bearer {READ}"}


@pytest.fixture(scope="module")
def closed_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("fail-closed")
    stack = Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="test",
        dashboard_port=None,
        extra_vars={
            "SECURITY_CONFIG_JSON": json.dumps({"failMode": "closed", "allowList": ["192.0.2.200/30"]}),
            "LOG_INGEST_TOKENS": json.dumps({TOKEN: "*"}),
            "READ_TOKENS": READ,
            "ADMIN_TOKENS": ADMIN,
            "MONITORING_CONFIG_JSON": json.dumps({"healthChecks": {"endpoints": [], "maxPerRun": 3}}),
        },
    )
    stack.start()
    yield stack
    stack.stop()


def test_an_unreachable_limiter_refuses_when_closed(closed_stack: Stack) -> None:
    stack = closed_stack
    headers = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    assert stack.request("PUT", "/logs/_test/faults/rate_limiter?count=2")[0] == 200
    status, body = stack.request("POST", "/security/check", {"path": "/api/auth/login", "ip": "192.0.2.7"}, headers)
    assert status == 200, body
    assert (body["allowed"], body["status"], body["outcome"]) == (False, 503, "failed_closed")
    assert body["headers"]["Retry-After"] == "5"
    # Through the guard, the platform answers 503 itself.
    req = urllib.request.Request(stack.base_url + "/api/auth/login", headers={"cf-connecting-ip": "192.0.2.8"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=30)
    assert refused.value.code == 503
    assert refused.value.headers["retry-after"] == "5"
    limiter = stack.request("GET", "/security/health")[1]["limiter"]
    assert (limiter["fail_mode"], limiter["unreachable_total"]) == ("closed", 2)
    # With the object reachable again, the same client is decided normally.
    status, body = stack.request("POST", "/security/check", {"path": "/api/auth/login", "ip": "192.0.2.7"}, headers)
    assert (body["allowed"], body["outcome"], body["remaining"]) == (True, "allowed", 4)


def test_a_request_rate_spike_is_flagged_after_the_baseline_is_learned(closed_stack: Stack) -> None:
    """Twelve quiet minutes (2 requests each) teach the baseline; 25 in the next minute is a spike.
    The clock is pinned per request with the test stack's X-Edgewatch-Test-Now header."""
    stack = closed_stack
    headers = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    start = 1_956_528_000_000  # 2032-01-01T00:00:00Z, a minute of this test alone
    body = {"path": "/api/pitches", "ip": "192.0.2.50"}
    for minute in range(12):
        for second in (10, 40):
            at = {**headers, "x-edgewatch-test-now": str(start + minute * 60_000 + second * 1000)}
            assert stack.request("POST", "/security/check", body, at)[1]["allowed"]
    spike_minute = start + 12 * 60_000
    for i in range(25):
        at = {**headers, "x-edgewatch-test-now": str(spike_minute + 1000 + i * 100)}
        assert stack.request("POST", "/security/check", body, at)[1]["allowed"]
    read = {"authorization": f"Bearer {READ}"}
    status, found = stack.request("GET", "/security/events?type=anomaly&identifier=ip:192.0.2.50", None, read)
    assert status == 200, found
    [event] = found["events"]  # flagged once, not on every request of the spike
    assert event["detail"]["kind"] == "rate_spike"
    assert event["detail"]["observed"] >= 20
    assert event["detail"]["baseline"] == pytest.approx(2.0, abs=0.5)
    assert spike_minute <= event["ts_ms"] < spike_minute + 60_000


def test_idle_keys_and_old_events_are_purged(closed_stack: Stack) -> None:
    """What the hourly alarm does, run now: an idle key and an event past retention are deleted,
    and the client starts afresh."""
    stack = closed_stack
    headers = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    long_ago = {**headers, "x-edgewatch-test-now": "978307200000"}  # 2001-01-01: idle for decades
    body = {"path": "/api/auth/login", "ip": "192.0.2.77"}
    answers = [stack.request("POST", "/security/check", body, long_ago)[1] for _ in range(6)]
    assert [a["allowed"] for a in answers] == [True] * 5 + [False]
    read = {"authorization": f"Bearer {READ}"}
    query = "/security/events?identifier=ip:192.0.2.77&from=0"
    assert len(stack.request("GET", query, None, read)[1]["events"]) == 1
    status, purged = stack.request("POST", "/security/_test/purge", b"", headers)
    assert status == 200, purged
    assert purged["limits"]["deleted"] >= 1
    assert purged["events"]["deleted"] >= 1
    assert stack.request("GET", query, None, read)[1]["events"] == []
    fresh = stack.request("POST", "/security/check", body, headers)[1]
    assert (fresh["allowed"], fresh["remaining"]) == (True, 4)


def test_allow_listed_ips_skip_rate_limiting_but_threats_are_recorded(closed_stack: Stack) -> None:
    stack = closed_stack
    headers = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    body = {"path": "/api/auth/login", "ip": "192.0.2.201"}  # inside 192.0.2.200/30
    answers = [stack.request("POST", "/security/check", body, headers)[1] for _ in range(8)]
    assert [(a["allowed"], a["outcome"]) for a in answers] == [(True, "allow_listed")] * 8
    outside = {"path": "/api/auth/login", "ip": "192.0.2.204"}  # just outside the range
    assert [stack.request("POST", "/security/check", outside, headers)[1]["allowed"] for _ in range(6)] == [
        True
    ] * 5 + [False]
    probe = {"path": "/api/search", "query": "q=<script>alert(1)</script>", "ip": "192.0.2.202"}
    assert stack.request("POST", "/security/check", probe, headers)[1]["threat"]["primary"] == "xss"
    read = {"authorization": f"Bearer {READ}"}
    found = stack.request("GET", "/security/events?type=threat&identifier=ip:192.0.2.202", None, read)[1]
    assert len(found["events"]) == 1


def test_an_uptime_run_probes_at_most_max_per_run_and_nobody_starves(closed_stack: Stack) -> None:
    stack = closed_stack
    admin = {"authorization": f"Bearer {ADMIN}", "content-type": "application/json"}
    for i in range(5):  # a closed port: each probe fails at once
        body = {"id": f"bounded-{i}", "url": "http://127.0.0.1:9/health"}
        assert stack.request("POST", "/monitoring/checks", body, admin)[0] == 201

    def run(at: int) -> dict[str, object]:
        assert stack.trigger_cron("*/1 * * * *", at)["outcome"] == "ok"
        cron = stack.request("GET", "/monitoring/cron", headers=READ_H)[1]
        last = next(s for s in cron["schedules"] if s["cron"] == "*/1 * * * *")["last_run"]
        job: dict[str, object] = next(j for j in last["jobs"] if j["job"] == "monitoring.run_checks")["result"]
        return job

    start = 1_956_528_000_000
    first = run(start)
    assert (first["probed"], first["deferred"]) == (3, 2)
    second = run(start + 60_000)  # the two that waited go first
    assert (second["probed"], second["deferred"]) == (3, 2)
    read = {"authorization": f"Bearer {READ}"}
    monitors = stack.request("GET", "/monitoring/checks", None, read)[1]["monitors"]
    assert all(m["last_result"] is not None for m in monitors)  # every check ran within two minutes
