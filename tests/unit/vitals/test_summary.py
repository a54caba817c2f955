from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.config import DEFAULTS_DIR, load_web_vitals
from edgewatch.vitals import (
    VitalSample,
    VitalValue,
    dedupe,
    distribution,
    p75,
    rated_summary,
    summarize,
)

# -- dedupe ----------------------------------------------------------------------------------------


def sample(id: str, value: float, ts: int, name: str = "CLS") -> VitalSample:
    return VitalSample(id, name, value, "good", "/", "desktop", None, None, ts, {}, [])


def test_dedupe_keeps_the_latest_report_per_id() -> None:
    samples = [
        sample("v4-a", 0.01, 100),
        sample("v4-b", 0.30, 100),
        sample("v4-a", 0.05, 300),  # CLS grew: the later report wins
        sample("v4-a", 0.02, 200),  # arrived late but older: ignored
    ]
    assert [(s.id, s.value) for s in dedupe(samples)] == [("v4-a", 0.05), ("v4-b", 0.30)]


def test_dedupe_tie_keeps_the_last_given() -> None:
    samples = [sample("v4-a", 120, 100, "INP"), sample("v4-a", 250, 100, "INP")]
    assert [s.value for s in dedupe(samples)] == [250]


def test_dedupe_does_not_merge_different_metrics_sharing_an_id() -> None:
    samples = [sample("same", 0.1, 100, "CLS"), sample("same", 2500, 100, "LCP")]
    assert [s.name for s in dedupe(samples)] == ["CLS", "LCP"]


def test_dedupe_empty() -> None:
    assert dedupe([]) == []


# -- p75 and distribution --------------------------------------------------------------------------

P75_CASES: list[tuple[list[float], float | None]] = [
    ([], None),  # no data
    ([7], 7),  # rank ceil(0.75) = 1
    ([1, 2], 2),  # rank ceil(1.5) = 2
    ([1, 2, 3, 4], 3),  # rank ceil(3) = 3: exact rank, no interpolation
    ([4, 1, 3, 2, 5], 4),  # unsorted; rank ceil(3.75) = 4
    ([10, 20, 30, 40, 50, 60, 70, 80], 60),  # rank 6
    ([0.1, 0.3, 0.2], 0.3),  # rank ceil(2.25) = 3
    (list(range(1, 101)), 75),  # rank 75 of 100
    (list(range(1, 102)), 76),  # rank ceil(75.75) = 76 of 101
]


@pytest.mark.parametrize(("values", "expected"), P75_CASES)
def test_p75_nearest_rank(values: list[float], expected: float | None) -> None:
    assert p75(values) == expected


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1))
def test_p75_is_a_value_with_a_quarter_above(values: list[float]) -> None:
    result = p75(values)
    assert result in values
    assert sum(v <= result for v in values) >= 0.75 * len(values)
    assert sum(v < result for v in values) < 0.75 * len(values)


def test_distribution() -> None:
    assert distribution([]) == {"good": 0, "needs-improvement": 0, "poor": 0}
    assert distribution(["good", "poor", "good", "needs-improvement", "good"]) == {
        "good": 3,
        "needs-improvement": 1,
        "poor": 1,
    }


# -- summarize -------------------------------------------------------------------------------------


def test_summarize_per_route_and_device_and_overall() -> None:
    rows = [
        VitalValue("/a", "mobile", 100.0, "good"),
        VitalValue("/a", "mobile", 300.0, "poor"),
        VitalValue("/b", "desktop", 200.0, "needs-improvement"),
    ]
    groups = {(g["route"], g["device"]): g for g in summarize(rows)}
    assert list(groups) == [("*", "*"), ("*", "desktop"), ("*", "mobile"), ("/a", "mobile"), ("/b", "desktop")]
    assert groups[("/a", "mobile")] == {
        "route": "/a",
        "device": "mobile",
        "count": 2,
        "p75": 300.0,
        "distribution": {"good": 1, "needs-improvement": 0, "poor": 1},
    }
    assert groups[("*", "*")]["count"] == 3
    assert groups[("*", "*")]["p75"] == 300.0


def test_summarize_nothing() -> None:
    assert summarize([]) == []


def test_rated_summary_rates_each_p75() -> None:
    rows = [VitalValue("/a", "mobile", 2600.0, "needs-improvement")]
    thresholds = load_web_vitals(json.loads((DEFAULTS_DIR / "web-vitals.json").read_text()))
    groups = rated_summary("LCP", rows, thresholds)
    assert {g["rating"] for g in groups} == {"needs-improvement"}
