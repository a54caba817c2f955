from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.checks import MaintenanceWindow, ProbeReason, check_spec_from_json
from edgewatch.config import ConfigError, HealthChecksConfig
from edgewatch.monitors import (
    HeartbeatSpec,
    Maintenance,
    config_checks,
    due,
    endpoint_check_id,
    heartbeat_from_json,
    in_maintenance,
    judge_heartbeat,
    maintenance_from_json,
)
from edgewatch.stack import load_monitoring

MIN = 60_000
T = 1_800_000_000_000  # 2027-01-15T08:00:00Z


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("/api/health", "api-health"),
        ("/api/auth/health", "api-auth-health"),
        ("https://status.example.com/up?x=1", "status.example.com-up-x-1"),
        ("/", "root"),
        ("/" + "a" * 100, "a" * 64),  # ids are bounded
    ],
)
def test_endpoint_check_id(endpoint: str, expected: str) -> None:
    assert endpoint_check_id(endpoint) == expected


def test_config_checks_join_paths_to_the_base_url() -> None:
    config = HealthChecksConfig(
        endpoints=["/api/health", "https://other.example/ping"], base_url="https://app.example/"
    )
    specs, waiting = config_checks(config)
    assert [(s.id, s.url) for s in specs] == [
        ("api-health", "https://app.example/api/health"),
        ("other.example-ping", "https://other.example/ping"),
    ]
    assert waiting == []
    assert specs[0].timeout_ms == 10_000  # healthChecks.timeout


def test_config_checks_without_a_base_url_wait_for_one() -> None:
    config = HealthChecksConfig(endpoints=["/api/health", "https://other.example/ping"])
    specs, waiting = config_checks(config)
    assert [s.id for s in specs] == ["other.example-ping"]
    assert waiting == ["api-health"]
    specs, waiting = config_checks(config, "http://127.0.0.1:8080")  # MONITORED_BASE_URL
    assert [s.url for s in specs] == ["http://127.0.0.1:8080/api/health", "https://other.example/ping"]
    assert waiting == []


def test_config_checks_take_full_specs() -> None:
    config = HealthChecksConfig(
        checks=[{"id": "search", "url": "https://app.example/search", "keyword": "results", "interval": 300_000}]
    )
    [spec] = config_checks(config)[0]
    assert spec.keyword == "results"
    assert spec.interval_ms == 300_000


@pytest.mark.parametrize(
    ("health_checks", "problem"),
    [
        ({"checks": [{"id": "x", "url": "ftp://x"}]}, "checks.0.url"),
        ({"checks": [{"url": "https://x.example"}]}, "checks.0.id: required"),
        ({"endpoints": ["/api/health"], "checks": [{"id": "api-health", "url": "https://x.example"}]}, "defined twice"),
        ({"heartbeats": [{"id": "job", "every": "10s"}]}, "heartbeats.0.every"),
        ({"heartbeats": [{"id": "job"}]}, "heartbeats.0.every: required"),
        ({"maintenance": [{"id": "m", "start": "2026-01-01T00:00:00", "end": 1}]}, "needs a time zone"),
        ({"concurrency": 0}, "concurrency"),
    ],
)
def test_invalid_monitors_in_the_config_are_named(health_checks: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_monitoring({"healthChecks": health_checks})
    assert problem in str(info.value)


# --- heartbeats ----------------------------------------------------------------------------------


def test_heartbeat_from_json() -> None:
    spec = heartbeat_from_json({"id": "backup", "every": "1d", "grace": "30m", "name": "Nightly backup"})
    assert spec == HeartbeatSpec("backup", 86_400_000, 1_800_000, "Nightly backup")
    assert heartbeat_from_json(spec.to_json()) == spec
    assert heartbeat_from_json({"id": "x", "every": "5m"}).grace_ms == 60_000


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"id": "x", "every": 300}, "every: expected a duration"),
        ({"id": "x", "every": "5 parsecs"}, "every: invalid duration"),
        ({"id": "x", "every": "5m", "grace": "0s"}, "grace"),
        ({"id": "x", "every": "5m", "cron": "* * * * *"}, "cron: unknown field"),
        ({"id": "../etc", "every": "5m"}, "id:"),
    ],
)
def test_bad_heartbeats(data: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        heartbeat_from_json(data)


SPEC = HeartbeatSpec("job", every_ms=5 * MIN, grace_ms=MIN)


@pytest.mark.parametrize(
    ("last_ping", "now", "expected"),
    [
        (None, T + 6 * MIN, None),  # new monitor, deadline not passed: wait
        (None, T + 6 * MIN + 1, ProbeReason.MISSED),  # never pinged
        (T, T + 6 * MIN, ProbeReason.OK),  # exactly every + grace: in time
        (T, T + 6 * MIN + 1, ProbeReason.MISSED),
        (T + 10 * MIN, T + 11 * MIN, ProbeReason.OK),
    ],
)
def test_judge_heartbeat(last_ping: int | None, now: int, expected: ProbeReason | None) -> None:
    verdict = judge_heartbeat(SPEC, last_ping, T, now)
    assert (verdict and verdict.reason) == expected
    if verdict is not None:
        assert verdict.ok is (expected is ProbeReason.OK)


def test_a_missed_heartbeat_goes_down_at_once() -> None:
    assert SPEC.failures_to_go_down == 1


# --- maintenance ---------------------------------------------------------------------------------


def test_maintenance_from_json_iso_and_recurring() -> None:
    m = maintenance_from_json(
        {"id": "deploy", "start": "2026-11-29T02:00:00Z", "end": "2026-11-29T03:00:00+00:00", "every": "7d"}
    )
    assert m.window.end_ms - m.window.start_ms == 3_600_000
    assert m.window.every_ms == 7 * 86_400_000
    assert m.checks is None
    assert maintenance_from_json(m.to_json()) == m
    assert m.to_json()["start"] == "2026-11-29T02:00:00.000Z"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"id": "m", "start": 10, "end": 5}, "end:"),
        ({"id": "m", "start": 0, "end": 7_200_000, "every": "1h"}, "longer than its period"),
        ({"id": "m", "start": 0, "end": 5, "until": 100}, "until_ms only applies"),
        ({"id": "m", "start": "yesterday", "end": 5}, "not an ISO 8601"),
        ({"id": "m", "start": 0, "end": 5, "checks": []}, "checks: expected a non-empty list"),
        ({"id": "m", "end": 5}, "start: required"),
        ({"id": "m", "start": 0, "end": 5, "why": "x"}, "why: unknown field"),
    ],
)
def test_bad_maintenance(data: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        maintenance_from_json(data)


def test_in_maintenance_respects_the_check_list() -> None:
    windows = [
        Maintenance("a", MaintenanceWindow(T, T + 10 * MIN), ("api",)),
        Maintenance("b", MaintenanceWindow(T + 20 * MIN, T + 30 * MIN)),
    ]
    assert in_maintenance(windows, "api", T)
    assert not in_maintenance(windows, "web", T)
    assert in_maintenance(windows, "web", T + 25 * MIN)  # no list: every check
    assert not in_maintenance(windows, "api", T + 10 * MIN)  # end is exclusive


@pytest.mark.parametrize(
    ("interval", "last", "now", "expected"),
    [
        (MIN, None, T, True),
        (MIN, T, T, False),  # a repeated delivery of the same minute
        (MIN, T, T + MIN, True),
        (MIN, T, T + MIN - 3_000, True),  # cron jitter is absorbed
        (5 * MIN, T, T + 4 * MIN, False),
        (5 * MIN, T, T + 5 * MIN, True),
    ],
)
def test_due(interval: int, last: int | None, now: int, expected: bool) -> None:
    assert due(interval, last, now) is expected


# --- fuzzing: bad input is a ValueError naming a field, never another exception ------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)
_FIELDS = ["id", "url", "method", "headers", "expectedStatus", "keyword", "timeout", "interval", "every", "grace",
           "start", "end", "until", "checks", "reason", "name", "retriesBeforeDown", "degradedMs"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(_FIELDS) | st.text(max_size=6), _JSON, max_size=8) | _JSON)
def test_parsers_reject_anything_with_a_value_error(data: object) -> None:
    for parse in (check_spec_from_json, heartbeat_from_json, maintenance_from_json):
        try:
            parse(data)  # type: ignore[arg-type]
        except ValueError as exc:
            assert str(exc)
