from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.checkrun import MonitorRecord, apply
from edgewatch.checks import CheckSpec, MaintenanceWindow, ProbeReason, ProbeResult, State, uptime
from edgewatch.statuspage import Component, OpenIncident, overall_state, status_page
from edgewatch.uptime import (
    DAY_MS,
    HOUR_MS,
    HourBucket,
    daily_bars,
    hour_of,
    latency_series,
    nearest_rank,
    report,
    uptime_report_windows,
)

MIN = 60_000
T = 1_800_000_000_000 - 1_800_000_000_000 % HOUR_MS
OK = ProbeResult(True, False, ProbeReason.OK, "HTTP 200")
SLOW = ProbeResult(True, True, ProbeReason.SLOW, "HTTP 200 in 3000ms")
FAIL = ProbeResult(False, False, ProbeReason.BAD_STATUS, "HTTP 500, expected 200")
SPEC = CheckSpec(id="api", url="https://x.example/", retries_before_down=1, retries_before_up=1)


def test_bucket_add_counts_each_kind() -> None:
    b = HourBucket(T)
    b.add(State.UP, False, 12.4)
    b.add(State.DEGRADED, False, 3000.0)
    b.add(State.DOWN, False, None)
    b.add(State.PENDING, False, None)
    b.add(State.DOWN, True, None)
    assert (b.up, b.down, b.pending, b.excluded, b.total) == (2, 1, 1, 1, 5)
    assert b.latencies == [12, 3000]
    assert HourBucket.from_json(b.to_json()) == b


def test_windows_are_whole_hours_ending_with_the_current_one() -> None:
    buckets = [HourBucket(T - h * HOUR_MS, up=1) for h in range(100 * 24)]
    windows = uptime_report_windows(buckets, T + 59 * MIN)
    assert {name: r.up for name, r in windows.items()} == {"24h": 24, "7d": 168, "30d": 720, "90d": 2160}
    assert windows["24h"].ratio == 1.0


def test_no_counted_probe_means_no_ratio() -> None:
    r = report([HourBucket(T, pending=3, excluded=2)], T, T + HOUR_MS)
    assert r.ratio is None
    assert (r.pending, r.excluded) == (3, 2)


samples = st.lists(
    st.tuples(st.integers(0, 30 * 24 * 60 - 1), st.sampled_from(list(State)), st.booleans()), max_size=200
)


@settings(max_examples=200, deadline=None)
@given(samples, st.integers(1, 30 * 24))
def test_buckets_give_the_same_uptime_as_raw_samples(raw: list[tuple[int, State, bool]], hours: int) -> None:
    """Hourly buckets are exact for hour-aligned windows: the same counts as the raw samples."""
    by_minute: dict[int, tuple[State, bool]] = {}
    for minute, state, excluded in raw:
        by_minute[minute] = (state, excluded)  # one probe per minute, as the runner records
    buckets: dict[int, HourBucket] = {}
    for minute, (state, excluded) in by_minute.items():
        t = T + minute * MIN
        buckets.setdefault(hour_of(t), HourBucket(hour_of(t))).add(state, excluded, None)
    maintenance = [MaintenanceWindow(T + m * MIN, T + m * MIN + 1) for m, (_, ex) in by_minute.items() if ex]
    end = T + 30 * DAY_MS
    start = end - hours * HOUR_MS
    expected = uptime([(T + m * MIN, s) for m, (s, _) in by_minute.items()], start, end, maintenance)
    got = report(list(buckets.values()), start, end)
    assert (got.up, got.down, got.excluded, got.pending, got.ratio) == (
        expected.up,
        expected.down,
        expected.excluded,
        expected.pending,
        expected.ratio,
    )


def test_daily_bars_cover_90_days_oldest_first() -> None:
    day = T - T % DAY_MS
    bars = daily_bars([HourBucket(day, up=3, down=1), HourBucket(day - 89 * DAY_MS, up=2)], day + 5 * HOUR_MS)
    assert len(bars) == 90
    assert bars[-1] == {"date": bars[-1]["date"], "up": 3, "down": 1, "excluded": 0, "ratio": 0.75}
    assert bars[0]["ratio"] == 1.0
    assert bars[1]["ratio"] is None  # nothing measured that day


def test_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert nearest_rank(values, 0.5) == 50
    assert nearest_rank(values, 0.95) == 95
    assert nearest_rank([7.0], 0.95) == 7
    assert nearest_rank([1.0, 2.0, 3.0, 4.0, 100.0], 0.95) == 100  # ceil(4.75) = 5th
    assert nearest_rank([], 0.5) is None


def test_latency_series_steps_include_empty_ones() -> None:
    points = [(T + i * MIN, float(10 + i)) for i in range(5)] + [(T + 12 * MIN, 500.0)]
    series = latency_series(points, T, T + 15 * MIN, 5 * MIN)
    assert [(p["t"], p["count"], p["p50"], p["p95"]) for p in series] == [
        (T, 5, 12.0, 14.0),
        (T + 5 * MIN, 0, None, None),
        (T + 10 * MIN, 1, 500.0, 500.0),
    ]


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


# --- status page ----------------------------------------------------------------------------------


def test_overall_state() -> None:
    assert overall_state([]) == "unknown"
    assert overall_state([State.PENDING]) == "unknown"
    assert overall_state([State.UP, State.PENDING]) == "operational"
    assert overall_state([State.UP, State.DEGRADED]) == "degraded_performance"
    assert overall_state([State.UP, State.DOWN]) == "partial_outage"
    assert overall_state([State.DOWN, State.DOWN]) == "major_outage"


def test_status_page_shows_public_causes_only() -> None:
    components = [
        Component("api", "API", "http", State.DOWN, T, [HourBucket(T, up=3, down=1)]),
        Component("web", "Web", "http", State.UP, T, []),
    ]
    page = status_page(
        components, [OpenIncident("api", T, "network_error"), OpenIncident("gone", T, "timeout")], T + MIN
    )
    assert page["overall"] == "partial_outage"
    assert page["components"][0]["uptime"]["24h"] == 0.75
    assert page["components"][1]["uptime"]["24h"] is None
    assert page["incidents"] == [{"component": "api", "name": "API", "started_ms": T, "cause": "unreachable"}]
