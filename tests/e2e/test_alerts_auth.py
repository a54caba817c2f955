"""The alerts API's token rules on the shared stack (tokens configured, as in production):
triggers and v2 alert posts take an ingest token, reads a reader token, writes (acknowledge, silence,
test a receiver) an operator or an admin token."""

from __future__ import annotations

import time

import pytest

from scripts.stack import Stack
from tests.e2e.conftest import ADMIN_TOKEN, INGEST_TOKEN, OPERATOR_TOKEN, READ_TOKEN

JSON = {"content-type": "application/json"}
BODY = {"type": "info", "title": "Auth check", "source": "svc-auth"}

READ_H = {"authorization": f"Bearer {READ_TOKEN}"}


@pytest.mark.parametrize(
    ("method", "path", "body", "good"),
    [
        ("POST", "/alerts/trigger", BODY, INGEST_TOKEN),
        ("POST", "/alerts/api/v2/alerts", [{"labels": {"alertname": "AuthCheck"}}], INGEST_TOKEN),
        ("GET", "/alerts", None, READ_TOKEN),
        ("GET", "/alerts/rules", None, READ_TOKEN),
        ("GET", "/alerts/api/v2/silences", None, READ_TOKEN),
        ("GET", "/alerts/notifications", None, READ_TOKEN),
    ],
)
def test_tokens_are_required(stack: Stack, method: str, path: str, body: object, good: str) -> None:
    status, answer = stack.request(method, path, body, JSON)
    assert status in (401, 403), answer
    status, answer = stack.request(method, path, body, {**JSON, "authorization": "Bearer wrong-token-0000000"})
    assert status in (401, 403), answer
    status, answer = stack.request(method, path, body, {**JSON, "authorization": f"Bearer {good}"})
    assert status in (200, 202), answer


def test_writes_need_an_operator_or_admin_token(stack: Stack) -> None:
    read = {**JSON, "authorization": f"Bearer {READ_TOKEN}"}  # a known viewer: 403, the role is too low
    assert stack.request("POST", "/alerts/receivers/slack/test", None, read)[0] == 403
    assert stack.request("POST", "/alerts/groups/0000000000000000/ack", {"by": "a"}, read)[0] == 403
    silence = {
        "matchers": [{"name": "alertname", "value": "AuthSilence", "isRegex": False, "isEqual": True}],
        "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2099-01-01T00:00:00Z", "createdBy": "op", "comment": "c",
    }  # fmt: skip
    assert stack.request("POST", "/alerts/api/v2/silences", silence, read)[0] == 403
    for token in (ADMIN_TOKEN, OPERATOR_TOKEN):
        writer = {**JSON, "authorization": f"Bearer {token}"}
        status, answer = stack.request("POST", "/alerts/groups/0000000000000000/ack", {"by": "a"}, writer)
        assert status == 404, answer  # allowed; no such group
        status, answer = stack.request("POST", "/alerts/api/v2/silences", silence, writer)
        assert status == 200, answer
        status, answer = stack.request("DELETE", f"/alerts/api/v2/silence/{answer['silenceID']}", None, writer)
        assert status == 200, answer
    # an operator operates on alerts, and cannot change what is monitored
    operator = {**JSON, "authorization": f"Bearer {OPERATOR_TOKEN}"}
    status, answer = stack.request("POST", "/monitoring/checks", {"id": "op-x", "url": "https://x.example"}, operator)
    assert status == 403 and "needs the admin role" in answer["error"]["message"], answer


def test_the_rules_job_runs_on_the_every_minute_cron(stack: Stack) -> None:
    outcome = stack.trigger_cron("*/1 * * * *", int(time.time() * 1000))
    assert outcome.get("outcome") == "ok", outcome
    status, body = stack.request("GET", "/monitoring/cron", headers=READ_H)
    entry = next(s for s in body["schedules"] if s["cron"] == "*/1 * * * *")
    job = next(j for j in entry["last_run"]["jobs"] if j["job"] == "alerts.evaluate_rules")
    assert job["status"] == "ok", job
    status, rules = stack.request("GET", "/alerts/rules", None, {"authorization": f"Bearer {READ_TOKEN}"})
    assert status == 200
    assert [r["name"] for r in rules["rules"]] == ["High Error Rate", "Critical Error Rate", "High Response Time"]
    assert all(r["error"] is None and r["last_evaluation"] is not None for r in rules["rules"]), rules
