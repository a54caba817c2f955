from __future__ import annotations

from edgewatch.uptime.history import (
    HOUR_MS,
    HourBucket,
)
from edgewatch.uptime.probe import ProbeReason, ProbeResult
from edgewatch.uptime.record import MonitorRecord, apply
from edgewatch.uptime.spec import CheckSpec
from edgewatch.uptime.states import State

MIN = 60_000
T = 1_800_000_000_000 - 1_800_000_000_000 % HOUR_MS
OK = ProbeResult(True, False, ProbeReason.OK, "HTTP 200")
SLOW = ProbeResult(True, True, ProbeReason.SLOW, "HTTP 200 in 3000ms")
FAIL = ProbeResult(False, False, ProbeReason.BAD_STATUS, "HTTP 500, expected 200")
SPEC = CheckSpec(id="api", url="https://x.example/", retries_before_down=1, retries_before_up=1)


# --- one run: state, incident, bucket ---------------------------------------------------------------


def test_apply_opens_and_closes_an_incident_and_fills_the_bucket() -> None:
    record = MonitorRecord.new(T)
    bucket = HourBucket(T)
    outcomes = [
        apply(record, bucket, "api", r, thresholds=SPEC, now_ms=T + i * MIN, latency_ms=20.0, status=200)
        for i, r in enumerate([OK, FAIL, FAIL, FAIL, OK, SLOW])
    ]
    assert [o.state for o in outcomes] == [State.UP, State.UP, State.DOWN, State.DOWN, State.UP, State.DEGRADED]
    assert outcomes[2].opened is not None and outcomes[2].opened.start_ms == T + 2 * MIN
    assert outcomes[4].closed is not None and outcomes[4].closed.duration_ms == 2 * MIN
    assert record.open_incident is None
    assert record.open_reason == ""
    # The failure below the retry threshold stays UP in the SLA; failed probes keep no latency.
    assert (bucket.up, bucket.down) == (4, 2)
    assert bucket.latencies == [20, 20, 20]
    assert MonitorRecord.from_json(record.to_json()) == record


def test_apply_in_maintenance_moves_state_but_not_the_sla() -> None:
    record, bucket = MonitorRecord.new(T), HourBucket(T)
    apply(record, bucket, "api", FAIL, thresholds=SPEC, now_ms=T, excluded=True)
    out = apply(record, bucket, "api", FAIL, thresholds=SPEC, now_ms=T + MIN, excluded=True)
    assert out.state is State.DOWN
    assert out.opened is not None
    assert record.open_reason == "bad_status"
    assert (bucket.down, bucket.excluded) == (0, 2)


def test_apply_refuses_a_bucket_of_another_hour() -> None:
    try:
        apply(MonitorRecord.new(T), HourBucket(T), "api", OK, thresholds=SPEC, now_ms=T + HOUR_MS)
    except ValueError as exc:
        assert "does not belong" in str(exc)
    else:
        raise AssertionError("expected ValueError")
