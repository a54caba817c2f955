from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.uptime.history import (
    DAY_MS,
    HOUR_MS,
    HourBucket,
    daily_bars,
    hour_of,
    latency_series,
    uptime_report,
    uptime_report_windows,
)
from edgewatch.uptime.maintenance import RecurringWindow
from edgewatch.uptime.probe import ProbeReason, ProbeResult
from edgewatch.uptime.spec import CheckSpec
from edgewatch.uptime.states import State

from .sample_uptime import sample_uptime

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
    r = uptime_report([HourBucket(T, pending=3, excluded=2)], T, T + HOUR_MS)
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
    maintenance = [RecurringWindow(T + m * MIN, T + m * MIN + 1) for m, (_, ex) in by_minute.items() if ex]
    end = T + 30 * DAY_MS
    start = end - hours * HOUR_MS
    expected = sample_uptime([(T + m * MIN, s) for m, (s, _) in by_minute.items()], start, end, maintenance)
    got = uptime_report(list(buckets.values()), start, end)
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


def test_latency_series_steps_include_empty_ones() -> None:
    points = [(T + i * MIN, float(10 + i)) for i in range(5)] + [(T + 12 * MIN, 500.0)]
    series = latency_series(points, T, T + 15 * MIN, 5 * MIN)
    assert [(p["t"], p["count"], p["p50"], p["p95"]) for p in series] == [
        (T, 5, 12.0, 14.0),
        (T + 5 * MIN, 0, None, None),
        (T + 10 * MIN, 1, 500.0, 500.0),
    ]
