from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.reports import SlaStatus, downtime_ms, sla

WEEK = 7 * 86_400_000


@pytest.mark.parametrize(
    ("up", "down", "target", "expected"),
    [
        (999, 1, 99.9, (SlaStatus.MET, 99.9, 1.0)),  # exactly on target: met (no float rounding)
        (998, 2, 99.9, (SlaStatus.MISSED, 99.8, 2.0)),  # twice the budget
        (1000, 0, 99.9, (SlaStatus.MET, 100.0, 0.0)),
        (4, 1, 99.5, (SlaStatus.MISSED, 80.0, 40.0)),
        (9995, 5, 99.95, (SlaStatus.MET, 99.95, 1.0)),
        (100, 0, 100.0, (SlaStatus.MET, 100.0, None)),  # a 100% target allows no failure: no budget to use
        (99, 1, 100.0, (SlaStatus.MISSED, 99.0, None)),
        (0, 0, 99.9, (SlaStatus.NO_DATA, None, None)),  # no probe counted
        (0, 10, 99.0, (SlaStatus.MISSED, 0.0, 100.0)),
    ],
)
def test_sla_against_the_target(
    up: int, down: int, target: float, expected: tuple[SlaStatus, float | None, float | None]
) -> None:
    status, uptime, used = expected
    verdict = sla(up, down, target, WEEK, 0)
    assert verdict.status is status
    assert verdict.uptime_pct == uptime
    assert verdict.budget_used == used
    assert verdict.counted == up + down


def test_the_budget_in_time() -> None:
    verdict = sla(999, 1, 99.9, WEEK, 60_000)
    assert verdict.allowed_downtime_ms == 604_800  # 0.1% of a week: about 10 minutes
    assert verdict.allowed_down == 1.0
    assert verdict.to_json()["met"] is True
    assert sla(0, 0, 99.9, WEEK, 0).to_json()["met"] is None


@pytest.mark.parametrize(
    ("incidents", "expected"),
    [
        ([], 0),
        ([(100, 200)], 100),
        ([(50, 200)], 100),  # started before the period: counted from its start
        ([(900, None)], 100),  # open: counted up to the period's end
        ([(100, 300), (200, 400)], 300),  # overlapping incidents are not counted twice
        ([(100, 150), (300, 350)], 100),
        ([(1200, 1300)], 0),  # after the period
        ([(950, None)], 50),
    ],
)
def test_downtime_inside_the_period(incidents: list[tuple[int, int | None]], expected: int) -> None:
    assert downtime_ms(incidents, 100, 1000, now_ms=10_000) == expected


def test_an_open_incident_counts_until_now_when_the_period_is_not_over() -> None:
    assert downtime_ms([(500, None)], 100, 1000, now_ms=700) == 200


spans = st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 500)).map(lambda t: (t[0], t[0] + t[1])), max_size=20)


@given(spans)
def test_downtime_is_the_measure_of_the_union(incidents: list[tuple[int, int]]) -> None:
    covered = {t for start, end in incidents for t in range(max(start, 100), min(end, 1000))}
    assert downtime_ms(list(incidents), 100, 1000, now_ms=5000) == len(covered)


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.sampled_from([90.0, 99.0, 99.5, 99.9, 99.99]))
def test_met_means_uptime_at_least_target(up: int, down: int, target: float) -> None:
    verdict = sla(up, down, target, WEEK, 0)
    if up + down == 0:
        assert verdict.status is SlaStatus.NO_DATA
    else:
        assert (verdict.status is SlaStatus.MET) == (up * 100 * 10_000 >= round(target * 10_000) * (up + down))
