from __future__ import annotations

import pytest

from edgewatch.uptime.heartbeats import HeartbeatSpec, heartbeat_from_json, judge_heartbeat
from edgewatch.uptime.probe import ProbeReason

MIN = 60_000
T = 1_800_000_000_000  # 2027-01-15T08:00:00Z


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
