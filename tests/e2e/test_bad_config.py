"""A stack given an invalid configuration says which field is wrong, in every Worker's health."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from edgewatch.config import DEFAULTS_DIR
from scripts.stack import Stack


@pytest.fixture(scope="module")
def bad_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    config = json.loads((DEFAULTS_DIR / "monitoring-config.json").read_text())
    config["alerting"]["rules"][2]["condition"] = "p95_response_time >> 2000"
    root: Path = tmp_path_factory.mktemp("bad-config")
    stack = Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="test",
        dashboard_port=None,
        extra_vars={
            "MONITORING_CONFIG_JSON": json.dumps(config),
            "WEB_VITALS_JSON": '{"lcp": {"good": 4000, "poor": 2500}}',
            "SECURITY_CONFIG_JSON": '{"failMode": "maybe", "shards": 0}',
        },
    )
    stack.start()
    yield stack
    stack.stop()


@pytest.mark.parametrize("concern", ["alerts", "security"])
def test_health_is_down_and_names_the_bad_fields(bad_stack: Stack, concern: str) -> None:
    status, body = bad_stack.request("GET", f"/{concern}/health")
    assert status == 503
    assert body["status"] == "down"
    error = body["checks"]["config"]["error"]
    assert "monitoring.alerting.rules.2.condition" in error
    # the alerting cross-check names the rule, the column and what was expected (issue 10)
    assert "rule 'High Response Time': column 20: expected a number, a signal or a query, got '>'" in error
    assert body["checks"]["KV"]["ok"] is True


def test_health_asked_by_a_browser_still_reports_the_broken_config(bad_stack: Stack) -> None:
    """Health answers the dashboard's CORS; with no config to read the origins from, it still
    answers its report (without CORS headers), not a 500."""
    headers = {"origin": "https://dash.example"}
    status, body = bad_stack.request("GET", "/alerts/health", headers=headers)
    assert status == 503 and body["status"] == "down", body
    status, body = bad_stack.request("GET", "/alerts/no-such-route", headers=headers)
    assert status == 404 and body["error"]["code"] == "not_found", body


def test_config_endpoint_answers_with_a_clear_error_not_a_crash(bad_stack: Stack) -> None:
    status, body = bad_stack.request("GET", "/monitoring/config")
    assert status == 500
    assert body["error"]["code"] == "invalid_configuration"
    assert any("monitoring.alerting.rules.2.condition" in p for p in body["error"]["details"])


def test_invalid_security_settings_are_named_in_health(bad_stack: Stack) -> None:
    status, body = bad_stack.request("GET", "/security/health")
    assert status == 503
    error = body["checks"]["security_config"]["error"]
    assert "failMode: expected 'open' or 'closed'" in error
    assert "shards: expected an integer from 1 to 256" in error


def test_the_guard_keeps_the_platform_serving_with_invalid_settings(bad_stack: Stack) -> None:
    """A configuration typo must not take the platform down: the guard fails open (and counts it)."""
    import urllib.request

    with urllib.request.urlopen(bad_stack.base_url + "/api/pitches", timeout=30) as resp:
        assert resp.status == 200
    assert bad_stack.request("GET", "/security/health")[1]["limiter"]["unreachable_total"] >= 1
