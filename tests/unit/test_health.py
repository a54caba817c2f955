from __future__ import annotations

import pytest

from edgewatch.health import CheckResult, HealthReport, Status, describe_error


def _check(kind: str, ok: bool, name: str | None = None) -> CheckResult:
    return CheckResult(name or f"{kind}-{'ok' if ok else 'bad'}", kind, ok, 1.0, None if ok else "failed")


OK_ALL = [_check("kv", True), _check("r2", True), _check("durable_object", True), _check("service", True)]


@pytest.mark.parametrize(
    ("checks", "status", "http"),
    [
        ([], Status.OK, 200),  # nothing to check
        (OK_ALL, Status.OK, 200),
        ([*OK_ALL, _check("service", False)], Status.DEGRADED, 200),  # only a peer Worker failed
        ([*OK_ALL, _check("service", False, "a"), _check("service", False, "b")], Status.DEGRADED, 200),
        ([*OK_ALL, _check("kv", False)], Status.DOWN, 503),  # own storage failed
        ([*OK_ALL, _check("r2", False)], Status.DOWN, 503),
        ([*OK_ALL, _check("durable_object", False)], Status.DOWN, 503),
        ([*OK_ALL, _check("config", False)], Status.DOWN, 503),  # an invalid config makes the Worker useless
        ([_check("service", False), _check("kv", False)], Status.DOWN, 503),  # DOWN wins over DEGRADED
        ([_check("kv", False)], Status.DOWN, 503),
        ([_check("service", False)], Status.DEGRADED, 200),
    ],
)
def test_status(checks: list[CheckResult], status: Status, http: int) -> None:
    report = HealthReport("pitchey-infra", "0.1.0", "test", checks)
    assert report.status is status
    assert report.http_status == http
    assert report.to_json()["status"] == status.value


def test_to_json() -> None:
    report = HealthReport(
        "pitchey-logs",
        "0.1.0",
        "production",
        [CheckResult("KV", "kv", True, 1.23456), CheckResult("APM", "service", False, 30.0, "HTTP 502")],
    )
    assert report.to_json() == {
        "name": "pitchey-logs",
        "version": "0.1.0",
        "environment": "production",
        "status": "degraded",
        "checks": {
            "KV": {"kind": "kv", "ok": True, "latency_ms": 1.235},  # no error key when there is none
            "APM": {"kind": "service", "ok": False, "latency_ms": 30.0, "error": "HTTP 502"},
        },
    }


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (RuntimeError("boom"), "RuntimeError: boom"),
        (TimeoutError(), "TimeoutError"),  # no message: just the type
        (ValueError("first line\nsecond line"), "ValueError: first line"),
        (KeyError("KV"), "KeyError: 'KV'"),
        (OSError("x" * 500), ("OSError: " + "x" * 500)[:200]),  # bounded
    ],
)
def test_describe_error(exc: BaseException, text: str) -> None:
    assert describe_error(exc) == text
    assert "\n" not in describe_error(exc)
    assert len(describe_error(exc)) <= 200
