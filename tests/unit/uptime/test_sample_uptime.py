from __future__ import annotations

import pytest

from edgewatch.uptime.maintenance import RecurringWindow
from edgewatch.uptime.states import State

from .sample_uptime import sample_uptime, sample_uptime_windows

H, D, W = 3_600_000, 86_400_000, 604_800_000
MON = 4 * D  # 1970-01-05 was a Monday; windows are plain ms so any origin works
WEEKLY = RecurringWindow(MON + 2 * H, MON + 4 * H, every_ms=W)  # Mondays 02:00-04:00


# --- uptime --------------------------------------------------------------------------------------


def test_uptime_excludes_maintenance_exactly() -> None:
    window = RecurringWindow(10_000, 20_000)
    samples = [
        (0, State.UP),
        (5_000, State.DEGRADED),  # degraded counts as up
        (9_999, State.DOWN),  # just before maintenance: counted
        (10_000, State.DOWN),  # inside: excluded
        (19_999, State.DOWN),  # inside: excluded
        (20_000, State.DOWN),  # end is exclusive: counted
        (25_000, State.PENDING),  # not yet known: not counted
        (30_000, State.UP),  # at end_ms: outside the window
    ]
    report = sample_uptime(samples, 0, 30_000, [window])
    assert (report.total, report.up, report.down, report.excluded, report.pending) == (7, 2, 2, 2, 1)
    assert report.ratio == 0.5
    without = sample_uptime(samples, 0, 30_000, [])
    assert (without.down, without.excluded) == (4, 0)
    assert without.ratio == pytest.approx(2 / 6)


def test_uptime_no_probes() -> None:
    assert sample_uptime([], 0, 1_000, []).ratio is None
    only_maintenance = sample_uptime([(5, State.DOWN)], 0, 1_000, [RecurringWindow(0, 10)])
    assert (only_maintenance.excluded, only_maintenance.ratio) == (1, None)
    with pytest.raises(ValueError, match="before it starts"):
        sample_uptime([], 10, 10, [])


def test_uptime_weekly_maintenance() -> None:
    # one probe per hour for four weeks, DOWN during every Monday 02:00-04:00 maintenance and
    # for 3 extra hours outside it
    start = MON
    samples = []
    for hour in range(4 * 7 * 24):
        t = start + hour * H
        down = WEEKLY.covers(t) or hour in (50, 51, 52)
        samples.append((t, State.DOWN if down else State.UP))
    report = sample_uptime(samples, start, start + 4 * W, [WEEKLY])
    assert report.total == 672 and report.excluded == 8  # 2 hourly probes x 4 Mondays
    assert report.down == 3
    assert report.ratio == pytest.approx(661 / 664)


def test_uptime_windows() -> None:
    now = 100 * D
    samples = [
        (now, State.UP),  # at now: in every window
        (now - D + 1, State.UP),  # oldest instant of the 24h window
        (now - D, State.DOWN),  # one ms too old for 24h
        (now - 10 * D, State.DOWN),  # in 30d and 90d
        (now - 89 * D, State.UP),  # only 90d
        (now - 91 * D, State.DOWN),  # in none
        (now + 1, State.DOWN),  # future: in none
    ]
    reports = sample_uptime_windows(samples, now, [])
    assert list(reports) == ["24h", "7d", "30d", "90d"]
    assert [(r.up, r.down) for r in reports.values()] == [(2, 0), (2, 1), (2, 2), (3, 2)]
    assert reports["24h"].ratio == 1.0
    assert reports["90d"].ratio == pytest.approx(3 / 5)
