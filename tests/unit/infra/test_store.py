from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.infra.samples import (
    LATEST_PREFIX,
    ROLLUP_PREFIX,
    SAMPLE_TTL_S,
    Sample,
    decode_samples,
    encode_samples,
    hour_prefixes,
    rollup_key,
    sample_key,
)
from edgewatch.infra.store import (
    latest_rollups,
    latest_samples,
    load_samples,
    record_samples,
    rollup_day,
    rollup_samples,
)
from edgewatch.infra.summary import LATENCY_BUCKETS_MS, TargetSummary, summarize
from edgewatch.memory import FixedClock, MemoryKV

R = TypeVar("R")
MINUTE, HOUR, DAY = 60_000, 3_600_000, 86_400_000


def _ms(text: str) -> int:
    """Epoch milliseconds of an ISO time, exactly (no float rounding)."""
    return (datetime.fromisoformat(text) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def run(coro: Coroutine[Any, Any, R]) -> R:
    return asyncio.run(coro)


def _ok(target: str, latency: float, at_ms: int = 0, kind: str = "service") -> Sample:
    return Sample(target, kind, True, latency, at_ms)


def _fail(target: str, error: str, at_ms: int = 0, kind: str = "service") -> Sample:
    return Sample(target, kind, False, 0.0, at_ms, error)


def _bucket_counts(**by_bound: int) -> list[int]:
    """Bucket list from {'b<upper bound>': count}; 'open' is the last, unbounded bucket."""
    counts = [0] * (len(LATENCY_BUCKETS_MS) + 1)
    for name, n in by_bound.items():
        index = len(LATENCY_BUCKETS_MS) if name == "open" else LATENCY_BUCKETS_MS.index(float(name[1:]))
        counts[index] = n
    return counts


# -- keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "at", "key"),
    [
        ("workers", "2026-11-06T14:37:00+00:00", "infra:samples:workers:2026110614:37"),
        ("workers", "2026-11-06T14:37:59.999+00:00", "infra:samples:workers:2026110614:37"),  # floored to the minute
        ("storage", "2026-11-06T00:00:00+00:00", "infra:samples:storage:2026110600:00"),
        ("storage", "2026-12-31T23:59:30+00:00", "infra:samples:storage:2026123123:59"),
    ],
)
def test_sample_key(group: str, at: str, key: str) -> None:
    assert sample_key(group, _ms(at)) == key


@pytest.mark.parametrize(
    ("start", "end", "prefixes"),
    [
        ("2026-11-06T14:00:00", "2026-11-06T15:00:00", ["2026110614"]),
        ("2026-11-06T14:45:00", "2026-11-06T15:00:00", ["2026110614"]),  # a 15m window inside one hour
        ("2026-11-06T14:45:00", "2026-11-06T15:00:00.001", ["2026110614", "2026110615"]),
        ("2026-11-06T23:30:00", "2026-11-07T01:00:00", ["2026110623", "2026110700"]),  # across midnight
        ("2026-11-06T14:00:00", "2026-11-06T14:00:00", []),  # empty window
    ],
)
def test_hour_prefixes(start: str, end: str, prefixes: list[str]) -> None:
    got = hour_prefixes("workers", _ms(start + "+00:00"), _ms(end + "+00:00"))
    assert got == [f"infra:samples:workers:{p}:" for p in prefixes]


def test_rollup_key() -> None:
    assert rollup_key("1h", _ms("2026-11-06T14:00:00+00:00")) == "infra:rollup:1h:2026-11-06T14:00:00Z"


# -- summaries ------------------------------------------------------------------------------


def test_summarize() -> None:
    samples = [
        _ok("api", 3.0),
        _fail("kv", "TimeoutError: get", kind="kv"),
        _ok("api", 40.0),
        _fail("api", "HTTP 502"),
        _ok("kv", 0.5, kind="kv"),
        _fail("api", "HTTP 503"),
        _ok("api", 12000.0),
    ]
    assert summarize(samples) == {
        "api": TargetSummary(
            kind="service",
            count=5,
            failures=2,
            latency_sum_ms=12043.0,  # failures carry no latency
            latency_max_ms=12000.0,
            buckets=_bucket_counts(b5=1, b50=1, open=1),
            last_error="HTTP 503",
        ),
        "kv": TargetSummary(
            kind="kv",
            count=2,
            failures=1,
            latency_sum_ms=0.5,
            latency_max_ms=0.5,
            buckets=_bucket_counts(b1=1),
            last_error="TimeoutError: get",
        ),
    }
    assert summarize([]) == {}


@pytest.mark.parametrize(
    ("latency", "bucket"),
    [
        (0.0, "b1"),
        (1.0, "b1"),  # an upper bound is inclusive
        (1.0001, "b2"),
        (4.9, "b5"),
        (100.0, "b100"),
        (100.5, "b200"),
        (10000.0, "b10000"),
        (10000.1, "open"),
        (1e9, "open"),
    ],
)
def test_bucket_of_a_latency(latency: float, bucket: str) -> None:
    summary = summarize([_ok("t", latency)])["t"]
    assert summary.buckets == _bucket_counts(**{bucket: 1})


@pytest.mark.parametrize(
    ("latencies", "q", "expected"),
    [
        ([0.4], 0.5, 1),  # the bound of the bucket, not the value
        ([3.0], 0.95, 5),
        ([1.0] * 19 + [450.0], 0.95, 1),  # rank 19 of 20 is still in the first bucket
        ([1.0] * 19 + [450.0], 0.96, 500),  # rank 19.2 needs the 20th sample
        ([1.0] * 19 + [450.0], 1.0, 500),
        ([1.0] * 10 + [15.0] * 10, 0.5, 1),
        ([1.0] * 10 + [15.0] * 10, 0.51, 20),
        ([1.0, 2.0, 5.0, 10.0], 0.0, 1),  # q=0 is the first non-empty bucket
        ([30.0, 40.0], 0.0, 50),
        ([7.0, 20000.0], 0.99, 20000.0),  # the open bucket reports the max seen
        ([15000.0, 12000.0], 0.5, 15000.0),
    ],
)
def test_latency_quantile(latencies: list[float], q: float, expected: float) -> None:
    summary = summarize([_ok("t", latency) for latency in latencies])["t"]
    assert summary.latency_quantile_ms(q) == expected


def test_no_successful_sample_has_no_latency() -> None:
    summary = summarize([_fail("t", "down"), _fail("t", "still down")])["t"]
    assert summary.availability == 0.0
    assert summary.latency_avg_ms is None
    assert summary.latency_quantile_ms(0.95) is None
    assert summary.last_error == "still down"
    empty = TargetSummary(kind="kv")
    assert empty.availability is None
    assert empty.latency_avg_ms is None
    assert empty.latency_quantile_ms(0.5) is None


def test_availability_and_average() -> None:
    summary = summarize([_ok("t", 10.0), _ok("t", 30.0), _fail("t", "x"), _ok("t", 20.0)])["t"]
    assert summary.availability == 0.75
    assert summary.latency_avg_ms == 20.0  # over successful samples only


def test_summary_json_round_trip() -> None:
    summary = summarize([_ok("t", 3.25), _ok("t", 700.0), _fail("t", "boom")])["t"]
    data = json.loads(json.dumps(summary.to_json()))
    assert data["availability"] == 2 / 3
    assert data["latency_avg_ms"] == 351.625
    assert data["latency_p95_ms"] == 1000
    assert TargetSummary.from_json(data) == summary


# Latencies are multiples of 0.25 ms so float sums are exact in any order.
_latency = st.integers(min_value=0, max_value=80_000).map(lambda n: n / 4)
_target = st.sampled_from(["api", "kv", "r2"])
_sample = st.one_of(
    st.builds(lambda t, lat: Sample(t, f"kind-{t}", True, lat, 0), _target, _latency),
    st.builds(lambda t, err: Sample(t, f"kind-{t}", False, 0.0, 0, err), _target, st.text(min_size=1, max_size=8)),
)


@given(st.lists(_sample), st.lists(_sample))
def test_merge_equals_summarizing_the_union(first: list[Sample], second: list[Sample]) -> None:
    merged = summarize(first)
    for name, summary in summarize(second).items():
        if name in merged:
            merged[name].merge(summary)
        else:
            merged[name] = summary
    assert merged == summarize(first + second)


# -- samples in KV --------------------------------------------------------------------------

T0 = _ms("2026-11-06T14:00:00+00:00")


def _kv(now_ms: int = T0) -> MemoryKV:
    return MemoryKV(clock=FixedClock(now_ms))


def test_encode_decode_round_trip() -> None:
    samples = [_ok("api", 1.5, T0), _fail("kv", 'quote " and\nnewline', T0, kind="kv")]
    assert decode_samples(encode_samples(samples)) == samples


def test_record_samples_writes_a_key_per_run() -> None:
    kv = _kv()
    samples = [_ok("api", 4.0, T0 + 7 * MINUTE + 250)]
    key = run(record_samples(kv, "workers", T0 + 7 * MINUTE + 250, samples))
    assert key == "infra:samples:workers:2026110614:07"
    value, expires = kv.data[key]
    assert decode_samples(value) == samples
    assert expires == T0 + SAMPLE_TTL_S * 1000


def test_record_samples_twice_for_one_run_overwrites() -> None:
    kv = _kv()
    at = T0 + 3 * MINUTE
    run(record_samples(kv, "workers", at, [_ok("api", 4.0, at)]))
    run(record_samples(kv, "workers", at, [_ok("api", 9.0, at)]))  # redelivered cron
    keys = [k for k in kv.data if k.startswith("infra:samples:")]
    assert keys == ["infra:samples:workers:2026110614:03"]
    assert run(load_samples(kv, T0, T0 + HOUR)) == [_ok("api", 9.0, at)]


def test_latest_keeps_the_newest_run_when_an_older_one_arrives_late() -> None:
    kv = _kv()
    newer, older = T0 + 2 * MINUTE, T0 + MINUTE
    run(record_samples(kv, "workers", newer, [_ok("api", 2.0, newer)]))
    run(record_samples(kv, "workers", older, [_ok("api", 1.0, older)]))
    latest = run(latest_samples(kv, "workers"))
    assert latest is not None
    assert latest["at_ms"] == newer
    assert latest["key"] == sample_key("workers", newer)
    assert latest["samples"] == [{"target": "api", "kind": "service", "ok": True, "latency_ms": 2.0,
                                  "at_ms": newer, "error": None}]  # fmt: skip
    # The late run is still stored under its own key for the rollups.
    assert sample_key("workers", older) in kv.data
    # A newer run replaces it; each group has its own latest.
    newest = T0 + 3 * MINUTE
    run(record_samples(kv, "workers", newest, [_ok("api", 3.0, newest)]))
    run(record_samples(kv, "storage", older, [_ok("kv", 1.0, older, kind="kv")]))
    assert (run(latest_samples(kv, "workers")) or {})["at_ms"] == newest
    assert (run(latest_samples(kv, "storage")) or {})["at_ms"] == older
    assert run(latest_samples(kv, "nothing")) is None
    assert sorted(k for k in kv.data if k.startswith(LATEST_PREFIX)) == ["infra:latest:storage", "infra:latest:workers"]


# -- rollups --------------------------------------------------------------------------------


def _fill(kv: MemoryKV, start_ms: int, end_ms: int, step_ms: int = MINUTE) -> list[Sample]:
    """One run per step in [start_ms, end_ms): a worker probe each run, a storage probe every 5th."""
    written: list[Sample] = []
    for index, at in enumerate(range(start_ms, end_ms, step_ms)):
        workers = [_ok("pitchey-logs", float(index % 37) + 0.25, at)]
        if index % 11 == 0:
            workers.append(_fail("pitchey-apm", f"HTTP 5{index % 100:02d}", at))
        else:
            workers.append(_ok("pitchey-apm", float(index % 700), at))
        run(record_samples(kv, "workers", at, workers))
        written += workers
        if index % 5 == 0:
            storage = [_ok("KV", 2.5, at, kind="kv"), _ok("R2_BUCKET", float(index % 3000), at, kind="r2")]
            run(record_samples(kv, "storage", at, storage))
            written += storage
    return written


def _rollup_keys(kv: MemoryKV) -> list[str]:
    return sorted(k for k in kv.data if k.startswith(ROLLUP_PREFIX))


@pytest.mark.parametrize(("label", "period"), [("15m", 15 * MINUTE), ("1h", HOUR)])
def test_rollup_samples_summarizes_exactly_its_window(label: str, period: int) -> None:
    end = T0 + HOUR
    start = end - period
    kv = _kv(end)
    # Runs from 10 minutes before the window to 10 minutes after it.
    written = _fill(kv, start - 10 * MINUTE, end + 10 * MINUTE)
    inside = [s for s in written if start <= s.at_ms < end]
    assert len(inside) < len(written)  # the fixture really has samples outside the window

    result = run(rollup_samples(kv, label, end))

    assert (result.label, result.start_ms, result.end_ms) == (label, start, end)
    assert result.sources == len(inside)
    assert result.targets == summarize(inside)
    key = rollup_key(label, start)
    assert _rollup_keys(kv) == [key]
    assert json.loads(kv.data[key][0]) == json.loads(json.dumps(result.to_json()))


def test_rollup_window_edges() -> None:
    end = T0 + HOUR
    kv = _kv(end)
    # Sample timestamps at the edges, stored under the minute they were taken.
    for at, latency in [(T0 - 1, 1.0), (T0, 2.0), (end - 1, 3.0), (end, 4.0)]:
        run(record_samples(kv, "workers", at, [_ok("api", latency, at)]))
    result = run(rollup_samples(kv, "1h", end))
    assert result.sources == 2  # start is included, end is not
    assert result.targets["api"].latency_sum_ms == 5.0


def test_rollup_ignores_other_groups() -> None:
    kv = _kv()
    run(record_samples(kv, "experimental", T0, [_ok("api", 1.0, T0)]))
    assert run(rollup_samples(kv, "15m", T0 + 15 * MINUTE)).sources == 0


def test_rollup_is_idempotent() -> None:
    end = T0 + HOUR
    kv = _kv(end)
    _fill(kv, T0, end)
    first = run(rollup_samples(kv, "1h", end))
    stored = kv.data[rollup_key("1h", T0)][0]
    second = run(rollup_samples(kv, "1h", end))
    assert second == first
    assert _rollup_keys(kv) == [rollup_key("1h", T0)]
    assert kv.data[rollup_key("1h", T0)][0] == stored


@pytest.mark.parametrize(("label", "ttl_days"), [("15m", 14), ("1h", 45)])
def test_rollup_ttl(label: str, ttl_days: int) -> None:
    kv = _kv(T0 + HOUR)
    result = run(rollup_samples(kv, label, T0 + HOUR))
    assert kv.data[rollup_key(label, result.start_ms)][1] == T0 + HOUR + ttl_days * DAY


def test_empty_window_still_writes_a_rollup() -> None:
    kv = _kv()
    result = run(rollup_samples(kv, "15m", T0))
    assert result.sources == 0
    assert json.loads(kv.data[rollup_key("15m", T0 - 15 * MINUTE)][0]) == {
        "period": "15m",
        "start": "2026-11-06T13:45:00Z",
        "end": "2026-11-06T14:00:00Z",
        "sources": 0,
        "targets": {},
    }


DAY_START = _ms("2026-11-06T00:00:00+00:00")
DAY_END = DAY_START + DAY


def test_rollup_day_merges_the_hourly_rollups() -> None:
    kv = _kv(DAY_END)
    written = _fill(kv, DAY_START - HOUR, DAY_END + HOUR, step_ms=5 * MINUTE)
    # Hourly rollups for the day and for the hour on either side of it.
    for hour_end in range(DAY_START, DAY_END + 2 * HOUR, HOUR):
        run(rollup_samples(kv, "1h", hour_end))
    assert len([k for k in _rollup_keys(kv) if k.startswith("infra:rollup:1h:")]) == 26

    result = run(rollup_day(kv, DAY_END))

    assert (result.label, result.start_ms, result.end_ms) == ("1d", DAY_START, DAY_END)
    assert result.sources == 24  # hours found
    assert result.targets == summarize(s for s in written if DAY_START <= s.at_ms < DAY_END)
    stored = json.loads(kv.data[rollup_key("1d", DAY_START)][0])
    assert stored == json.loads(json.dumps(result.to_json()))
    assert stored["start"] == "2026-11-06T00:00:00Z"
    assert kv.data[rollup_key("1d", DAY_START)][1] == DAY_END + 400 * DAY


def test_rollup_day_counts_only_the_hours_present_and_is_idempotent() -> None:
    kv = _kv(DAY_END)
    written = _fill(kv, DAY_START, DAY_END, step_ms=10 * MINUTE)
    present = [DAY_START + h * HOUR for h in (0, 5, 23)]
    for hour_start in present:
        run(rollup_samples(kv, "1h", hour_start + HOUR))

    first = run(rollup_day(kv, DAY_END))
    stored = kv.data[rollup_key("1d", DAY_START)][0]
    second = run(rollup_day(kv, DAY_END))

    assert first.sources == 3
    assert first.targets == summarize(s for s in written if any(h <= s.at_ms < h + HOUR for h in present))
    assert second == first
    assert [k for k in _rollup_keys(kv) if k.startswith("infra:rollup:1d:")] == [rollup_key("1d", DAY_START)]
    assert kv.data[rollup_key("1d", DAY_START)][0] == stored


def test_latest_rollups_are_the_newest_in_time_order() -> None:
    kv = _kv(T0 + DAY)
    for hour in range(30):
        run(rollup_samples(kv, "1h", T0 + (hour + 1) * HOUR))
    got = run(latest_rollups(kv, "1h", limit=3))
    assert [r["start"] for r in got] == ["2026-11-07T17:00:00Z", "2026-11-07T18:00:00Z", "2026-11-07T19:00:00Z"]
    assert run(latest_rollups(kv, "15m")) == []
