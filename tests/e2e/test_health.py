"""Every Worker's health endpoint answers with its name, version and a round trip per binding."""

from __future__ import annotations

import pytest

from edgewatch import __version__
from scripts.stack import Stack
from tests.e2e.conftest import READ_TOKEN

# Which bindings each Worker holds, and the kind of round trip its health check makes.
EXPECTED_CHECKS = {
    "monitoring": {
        "config": "config",
        "KV": "kv",
        "R2_BUCKET": "r2",
        "METRICS_STORE": "durable_object",
        "VITALS_STORE": "durable_object",
        "CHECK_RUNNER": "durable_object",
        "LOGS": "service",
        "APM": "service",
        "INFRA": "service",
        "ALERTS": "service",
        "SECURITY": "service",
    },
    "logs": {
        "config": "config",
        "KV": "kv",
        "R2_BUCKET": "r2",
        "LOG_BUFFER": "durable_object",
        "retention": "retention",
    },
    "apm": {
        "config": "config",
        "KV": "kv",
        "R2_BUCKET": "r2",
        "ISSUE_STORE": "durable_object",
        "TRACE_STORE": "durable_object",
        "ALERTS": "service",
        "MONITORING": "service",
        "trace_retention": "retention",
    },
    "infra": {
        "config": "config",
        "KV": "kv",
        "R2_BUCKET": "r2",
        "RATE_LIMITER": "durable_object",
        "LOG_BUFFER": "durable_object",
        "AUDIT_LOG": "durable_object",
        "MONITORING": "service",
        "LOGS": "service",
        "APM": "service",
        "ALERTS": "service",
        "SECURITY": "service",
    },
    "alerts": {
        "config": "config",
        "KV": "kv",
        "ALERT_CENTER": "durable_object",
        "OUTBOX": "durable_object",
        "LOGS": "service",
        "MONITORING": "service",
        "SECURITY": "service",
    },
    "security": {
        "config": "config",
        "KV": "kv",
        "RATE_LIMITER": "durable_object",
        "BLOCK_LEDGER": "durable_object",
        "security_config": "config",
    },
}

READ_H = {"authorization": f"Bearer {READ_TOKEN}"}


@pytest.mark.parametrize("concern", sorted(EXPECTED_CHECKS))
def test_health_names_itself_and_checks_every_binding(stack: Stack, concern: str) -> None:
    status, body = stack.request("GET", f"/{concern}/health")
    assert status == 200, body
    assert body["name"] == f"pitchey-{concern}"
    assert body["version"] == __version__
    assert body["environment"] == "test"
    assert body["status"] == "ok", body
    kinds = {name: check["kind"] for name, check in body["checks"].items()}
    assert kinds == EXPECTED_CHECKS[concern]
    for name, check in body["checks"].items():
        assert check["ok"] is True, (name, check)
        assert check["latency_ms"] >= 0


@pytest.mark.parametrize("concern", sorted(EXPECTED_CHECKS))
def test_unknown_path_is_404_json(stack: Stack, concern: str) -> None:
    status, body = stack.request("GET", f"/{concern}/no-such-endpoint")
    assert status == 404
    assert body["error"]["code"] == "not_found"
    assert "/no-such-endpoint" in body["error"]["message"]


@pytest.mark.parametrize("concern", sorted(EXPECTED_CHECKS))
def test_wrong_method_is_405_json_with_allow(stack: Stack, concern: str) -> None:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(f"{stack.base_url}/{concern}/health", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(req, timeout=30)
    err = caught.value
    assert err.code == 405
    assert err.headers["content-type"].startswith("application/json")
    assert set(err.headers["allow"].split(", ")) == {"GET", "HEAD"}
    import json

    assert json.loads(err.read())["error"]["code"] == "method_not_allowed"


def test_head_on_health_has_no_body(stack: Stack) -> None:
    import urllib.request

    req = urllib.request.Request(f"{stack.base_url}/alerts/health", method="HEAD")
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200
        assert resp.read() == b""


def test_path_outside_every_worker_is_404_json(stack: Stack) -> None:
    status, body = stack.request("GET", "/definitely/not/routed")
    assert status == 404
    assert body["error"]["code"] == "not_found"


def test_dashboard_is_served(stack: Stack) -> None:
    import urllib.request

    assert stack.dashboard_url is not None
    with urllib.request.urlopen(stack.dashboard_url, timeout=10) as resp:
        page = resp.read().decode()
    assert resp.status == 200
    assert "<title>Pitchey observability</title>" in page


def test_effective_config_is_the_shipped_default_without_secret_values(stack: Stack) -> None:
    import json

    from edgewatch.config import DEFAULTS_DIR

    status, body = stack.request("GET", "/monitoring/config", headers=READ_H)
    assert status == 200
    shipped = json.loads((DEFAULTS_DIR / "monitoring-config.json").read_text())
    served = body["monitoring"]
    assert served["healthChecks"]["endpoints"] == shipped["healthChecks"]["endpoints"]
    assert served["logging"]["sampling"] == shipped["logging"]["sampling"]
    assert [r["condition"] for r in served["alerting"]["rules"]] == [
        r["condition"] for r in shipped["alerting"]["rules"]
    ]
    assert served["alerting"]["channels"]["slack"]["webhook"] == "env:SLACK_WEBHOOK_URL"
    assert body["security_rules"][0]["limits"] == [
        {"requests": 5, "windowMs": 900000},
        {"requests": 20, "windowMs": 3600000},
    ]
    assert body["web_vitals"]["inp"] == {"good": 200.0, "poor": 500.0}
    # The test stack's webhook var points at the sink; its value must not leak here.
    assert "/slack/hooks/" not in json.dumps(body)
