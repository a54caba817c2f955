from __future__ import annotations

from edgewatch.uptime.describe import describe_monitor, health_summary
from edgewatch.uptime.heartbeats import HeartbeatSpec
from edgewatch.uptime.history import HOUR_MS, HourBucket
from edgewatch.uptime.messages import MonitorKind, Source
from edgewatch.uptime.probe import ProbeReason
from edgewatch.uptime.record import LastResult, MonitorRecord
from edgewatch.uptime.spec import CheckSpec
from edgewatch.uptime.states import State

T = 1_800_000_000_000 - 1_800_000_000_000 % HOUR_MS
CHECK = CheckSpec(id="api", url="https://x.example/", headers=(("authorization", "Bearer secret"),))
BEAT = HeartbeatSpec("job", every_ms=300_000)


def test_describe_a_check_redacts_its_headers_and_counts_its_uptime() -> None:
    record = MonitorRecord.new(T)
    record.last_result = LastResult(T, True, False, ProbeReason.OK, "HTTP 200", 200, 15.0)
    buckets = [HourBucket(T, up=3, down=1), HourBucket(T - 30 * 24 * HOUR_MS, up=1)]
    view = describe_monitor(CHECK, Source.API, record, buckets, T + 1)
    assert (view.id, view.kind, view.source, view.state) == ("api", MonitorKind.HTTP, Source.API, State.PENDING)
    assert view.spec["headers"] == {"authorization": "[redacted]"}
    assert view.uptime["24h"].ratio == 0.75
    assert (view.uptime["90d"].up, view.uptime["90d"].down) == (4, 1)
    assert list(view.uptime) == ["24h", "7d", "30d", "90d"]
    assert view.last_result is record.last_result


def test_describe_a_heartbeat() -> None:
    record = MonitorRecord.new(T)
    record.last_ping_ms = T - 1
    view = describe_monitor(BEAT, Source.CONFIG, record, [], T)
    assert (view.kind, view.spec, view.last_ping_ms) == (MonitorKind.HEARTBEAT, BEAT.to_json(), T - 1)
    assert view.uptime["24h"].ratio is None


def test_health_summary_counts_states_and_lists_each_monitor() -> None:
    up = MonitorRecord.new(T)
    up.state.state = State.UP
    up.last_result = LastResult(T, True, False, ProbeReason.OK, "", 200, 9.5)
    monitors = [
        describe_monitor(CHECK, Source.API, up, [HourBucket(T, up=2)], T),
        describe_monitor(BEAT, Source.CONFIG, MonitorRecord.new(T), [], T),
        describe_monitor(CheckSpec(id="web", url="https://x.example/"), Source.API, MonitorRecord.new(T), [], T),
    ]
    summary = health_summary(monitors, ["waits"])
    assert summary["counts"] == {"up": 1, "pending": 2}
    assert summary["monitors"][0] == {
        "id": "api", "kind": "http", "state": "up", "since_ms": T, "uptime_24h": 1.0, "last_latency_ms": 9.5,
    }  # fmt: skip
    assert summary["monitors"][1]["last_latency_ms"] is None
    assert summary["waiting_for_base_url"] == ["waits"]
