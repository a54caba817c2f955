from __future__ import annotations

import json
import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.security.anomaly import (
    Anomaly,
    AnomalyConfig,
    AnomalyDetector,
    AnomalyKind,
    BaselineConfig,
    DistinctSet,
    Series,
    Signal,
    observe,
    observe_member,
    signals_of,
)

MIN = 60_000
T0 = 1_795_737_600_000  # a whole minute
CONFIG = BaselineConfig()  # 1-minute buckets, alpha 0.1, k 4, min_count 20, 10 buckets of warm-up


def feed(per_bucket: list[int], config: BaselineConfig = CONFIG, series: Series | None = None, start: int = T0):
    """Count per_bucket[i] events in bucket i; return the series and every spike with its bucket index."""
    spikes = []
    for index, count in enumerate(per_bucket):
        for _ in range(count):
            series, spike = observe(series, start + index * config.bucket_ms, config)
            if spike is not None:
                spikes.append((index, spike))
    return series, spikes


def test_warm_up_is_a_plain_average() -> None:
    series, _ = feed([4, 8, 6, 10, 2, 1])  # the sixth bucket folds the first five
    assert series is not None and series.buckets == 5
    assert series.mean == pytest.approx(6.0)
    assert series.var == pytest.approx(statistics.pvariance([4, 8, 6, 10, 2]))


@pytest.mark.parametrize(
    ("per_bucket", "spike_at", "observed"),
    [
        # steady 10 a minute, then 60: flagged once, as soon as the bucket passes 10 + 4 * sqrt(10)
        ([10] * 12 + [60], 12, 23),
        # the same burst during warm-up: no baseline yet, no alarm
        ([10] * 5 + [60], None, None),
        # a quiet subject: 1 a minute then 15 exceeds mean + k*sigma but not min_count (20)
        ([1] * 12 + [15], None, None),
        # ... and 25 exceeds both; observed is the count when it crossed min_count
        ([1] * 12 + [25], 12, 20),
        # a noisy baseline tolerates more: alternating 0 and 20 (sigma about 10)
        ([0, 20] * 6 + [40], None, None),
        # steady traffic, a slow rise is learned rather than flagged
        ([10 + i for i in range(30)], None, None),
    ],
)
def test_spikes(per_bucket: list[int], spike_at: int | None, observed: int | None) -> None:
    _, spikes = feed(per_bucket)
    if spike_at is None:
        assert spikes == []
    else:
        assert [(i, s.observed) for i, s in spikes] == [(spike_at, observed)]
        assert spikes[0][1].threshold >= CONFIG.min_count


def test_the_threshold_reported() -> None:
    _, spikes = feed([10] * 12 + [60])
    spike = spikes[0][1]
    assert spike.baseline == pytest.approx(10.0)
    assert spike.threshold == pytest.approx(10 + 4 * math.sqrt(10))  # sigma floored at sqrt(mean)


def test_empty_buckets_count_as_zeros() -> None:
    busy, _ = feed([10] * 12)
    quiet, _ = feed([10] * 12 + [0] * 5 + [1])
    assert busy is not None and quiet is not None
    assert quiet.buckets == busy.buckets + 1 + 5  # the last busy bucket, then five empty ones
    assert quiet.mean == pytest.approx(10 * 0.9**5)


def test_a_flagged_bucket_enters_the_baseline_clipped() -> None:
    series, spikes = feed([10] * 12 + [1000, 1])
    assert spikes and series is not None
    clip = 10 + 4 * math.sqrt(10)
    assert series.mean == pytest.approx(10 + 0.1 * (clip - 10))  # not 10 + 0.1 * 990


def test_a_late_event_counts_in_the_current_bucket() -> None:
    series, _ = feed([3], start=T0 + MIN)
    later, _ = observe(series, T0, CONFIG)  # the clock stepped back a minute
    assert (later.bucket_start_ms, later.count) == (T0 + MIN, 4)


@pytest.mark.parametrize(
    ("status", "signals"),
    [
        (200, (Signal.REQUESTS,)),
        (None, (Signal.REQUESTS,)),  # no answer yet: a request all the same
        (401, (Signal.REQUESTS, Signal.AUTH_FAILURES)),
        (403, (Signal.REQUESTS, Signal.AUTH_FAILURES)),
        (429, (Signal.REQUESTS, Signal.RATE_LIMITED)),
        (500, (Signal.REQUESTS,)),
    ],
)
def test_signals_of(status: int | None, signals: tuple[Signal, ...]) -> None:
    assert signals_of(status) == signals


@pytest.mark.parametrize(
    "config",
    [
        {"bucket_ms": 0},
        {"alpha": 0},
        {"alpha": 1.5},
        {"k": 0},
        {"min_count": 0},
    ],
)
def test_bad_baseline_config(config: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="baseline"):
        BaselineConfig(**config)  # type: ignore[arg-type]


@settings(max_examples=200)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=10))
def test_warm_up_mean_and_variance_are_exact(counts: list[int]) -> None:
    series: Series | None = None
    for index, count in enumerate([*counts, 0]):  # the extra bucket folds the last one
        series, _ = observe(series, T0 + index * MIN, CONFIG, amount=count)
    assert series is not None
    assert series.buckets == len(counts)
    assert series.mean == pytest.approx(statistics.fmean(counts))
    assert series.var == pytest.approx(statistics.pvariance(counts), abs=1e-9)


# --- distinct sets -----------------------------------------------------------------------------


@settings(max_examples=300)
@given(
    st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 30)), max_size=60),
    st.integers(2, 5),
    st.integers(1, 100),
)
def test_distinct_set_answers_exactly_in_bounded_memory(steps: list[tuple[str, int]], cap: int, window: int) -> None:
    state: DistinctSet | None = None
    seen: list[tuple[str, int]] = []
    now = 0
    for member, gap in steps:
        now += gap
        state, hit = observe_member(state, member, now, window, cap)
        seen.append((member, now))
        distinct = {m for m, t in seen if t > now - window}
        assert len(state.members) <= cap
        assert state.count(now, window) == min(cap, len(distinct))
        if hit:
            assert len(distinct) >= cap


def test_distinct_set_reports_once_per_window() -> None:
    state, hits = None, []
    for i in range(12):
        state, hit = observe_member(state, f"acct{i}", T0 + i, 1000, 3)
        hits.append(hit)
    assert hits.count(True) == 1 and hits.index(True) == 2
    state, hit = observe_member(state, "acct99", T0 + 1002, 1000, 3)
    assert hit  # a window later, still going: reported again
    assert all(len(m) == 16 for m, _ in state.members)  # stored as digests, never the login


# --- the detector ------------------------------------------------------------------------------


def steady_then(detector: AnomalyDetector, burst: int, status: int = 200) -> list[Anomaly]:
    """Ten requests a minute for twelve minutes, then ``burst`` answered with ``status``."""
    found: list[Anomaly] = []
    for minute in range(12):
        for i in range(10):
            found += detector.observe(T0 + minute * MIN + i, identifier="ip:203.0.113.7", route="/api/*")
    for i in range(burst):
        found += detector.observe(T0 + 12 * MIN + i, identifier="ip:203.0.113.7", route="/api/*", status=status)
    return found


def test_detector_rate_spike_on_identifier_and_route() -> None:
    found = steady_then(AnomalyDetector(), 60)
    assert {(a.kind, a.subject) for a in found} == {
        (AnomalyKind.RATE_SPIKE, "ip:203.0.113.7"),
        (AnomalyKind.RATE_SPIKE, "route:/api/*"),
    }


@pytest.mark.parametrize(
    ("status", "kinds"),
    [
        (401, {AnomalyKind.RATE_SPIKE, AnomalyKind.AUTH_FAILURE_SPIKE}),
        (429, {AnomalyKind.RATE_SPIKE, AnomalyKind.RATE_LIMITED_SPIKE}),
        (200, {AnomalyKind.RATE_SPIKE}),
    ],
)
def test_detector_status_spikes(status: int, kinds: set[AnomalyKind]) -> None:
    detector = AnomalyDetector(AnomalyConfig(baseline=BaselineConfig(warmup_buckets=0)))
    found = steady_then(detector, 60, status=status)
    assert {a.kind for a in found} == kinds


def login(detector: AnomalyDetector, t: int, ip: str, account: str, status: int) -> list[Anomaly]:
    return detector.observe(t, identifier=f"ip:{ip}", ip=ip, account=account, status=status, auth_route=True)


def test_one_ip_many_accounts() -> None:
    detector = AnomalyDetector()
    found = [a for i in range(25) for a in login(detector, T0 + i * 1000, "198.51.100.9", f"user{i}", 401)]
    assert [(a.kind, a.subject, a.observed, a.threshold) for a in found] == [
        (AnomalyKind.CREDENTIAL_STUFFING_ONE_IP_MANY_ACCOUNTS, "ip:198.51.100.9", 10, 10)
    ]  # once per window, though 25 accounts were tried


def test_many_accounts_spread_over_time_are_not_stuffing() -> None:
    detector = AnomalyDetector()
    found = [a for i in range(30) for a in login(detector, T0 + i * 2 * MIN, "198.51.100.9", f"user{i}", 401)]
    assert found == []  # 5 per 10-minute window, below 10


def test_many_ips_one_account_counts_failures_only() -> None:
    detector = AnomalyDetector()
    ok = [a for i in range(10) for a in login(detector, T0 + i, f"198.51.100.{i}", "alice", 200)]
    assert ok == []
    found = [a for i in range(10) for a in login(detector, T0 + 100 + i, f"203.0.113.{i}", "alice", 401)]
    assert [(a.kind, a.subject, a.observed) for a in found] == [
        (AnomalyKind.CREDENTIAL_STUFFING_MANY_IPS_ONE_ACCOUNT, "account:alice", 5)
    ]


def test_stuffing_needs_an_auth_route() -> None:
    detector = AnomalyDetector()
    for i in range(20):
        assert detector.observe(T0 + i, identifier="ip:1.2.3.4", ip="1.2.3.4", account=f"u{i}", status=401) == []


def test_memory_is_bounded() -> None:
    detector = AnomalyDetector(AnomalyConfig(max_keys=5))
    for i in range(50):
        login(detector, T0 + i, f"10.0.0.{i}", f"user{i}", 401)
    assert len(detector.series) == 5
    assert len(detector.accounts_by_ip) == 5 and len(detector.ips_by_account) == 5
    assert "10.0.0.49" in detector.accounts_by_ip  # the most recent are kept


@pytest.mark.parametrize(
    "config",
    [{"stuffing_window_ms": 0}, {"accounts_per_ip": 1}, {"ips_per_account": 1}, {"max_keys": 0}],
)
def test_bad_anomaly_config(config: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="anomaly"):
        AnomalyConfig(**config)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [{}, {"v": 2, "series": {}, "accounts_by_ip": {}, "ips_by_account": {}}, {"v": 1, "series": {"x": {}}}],
)
def test_bad_detector_json(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="anomaly state"):
        AnomalyDetector.from_json(data)


EVENTS = st.lists(
    st.tuples(
        st.integers(0, 20_000),  # gap in ms
        st.sampled_from(["10.0.0.1", "10.0.0.2", "10.0.0.3"]),
        st.sampled_from(["alice", "bob", "carol", "dave"]),
        st.sampled_from([200, 401, 403, 429]),
    ),
    max_size=80,
)


@settings(max_examples=100)
@given(EVENTS, st.integers(0, 80))
def test_restart_mid_stream_changes_nothing(events: list[tuple[int, str, str, int]], cut: int) -> None:
    config = AnomalyConfig(
        baseline=BaselineConfig(bucket_ms=5_000, warmup_buckets=2, min_count=2), accounts_per_ip=2, ips_per_account=2
    )
    straight, restarted = AnomalyDetector(config), AnomalyDetector(config)
    now, a, b = T0, [], []
    for index, (gap, ip, account, status) in enumerate(events):
        now += gap
        if index == cut:
            restarted = AnomalyDetector.from_json(json.loads(json.dumps(restarted.to_json())), config)
        kw = {"identifier": f"ip:{ip}", "route": "/api/auth/*", "ip": ip, "account": account, "status": status}
        a += straight.observe(now, auth_route=True, **kw)  # type: ignore[arg-type]
        b += restarted.observe(now, auth_route=True, **kw)  # type: ignore[arg-type]
    assert a == b


def test_anomaly_json() -> None:
    anomaly = Anomaly(AnomalyKind.RATE_SPIKE, "ip:203.0.113.7", 23.0, 10.0, 22.6, T0)
    assert json.loads(json.dumps(anomaly.to_json())) == {
        "kind": "rate_spike",
        "subject": "ip:203.0.113.7",
        "observed": 23.0,
        "baseline": 10.0,
        "threshold": 22.6,
        "at_ms": T0,
    }
