from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from edgewatch.codec import decode, encode
from edgewatch.metrics.merge import HOUR_MS, Total, append_points, group_by_shard, hourly_rollup, point_rows
from edgewatch.metrics.messages import PointRow, WindowRow
from edgewatch.metrics.model import Point
from edgewatch.metrics.windows import Window

T0 = 1_795_737_600_000  # an hour boundary
W = 300_000  # the aggregation window


def test_point_rows_without_a_service_scope() -> None:
    points = [Point("http_requests", "counter", 2.0, T0, (("route", "/a"),), 1.0)]
    assert point_rows(points, None) == [PointRow('http_requests{route="/a"}', "http_requests", "counter", 2.0, T0, 1.0)]


def test_point_rows_stamp_the_scoped_service_over_the_clients() -> None:
    points = [
        Point("latency", "timing", 5.0, T0, (("service", "other"), ("zone", "eu")), 3.0),
        Point("latency", "timing", 6.0, T0, (), 1.0),
    ]
    rows = point_rows(points, "checkout")
    assert [r.series for r in rows] == ['latency{service="checkout",zone="eu"}', 'latency{service="checkout"}']
    assert rows[0].weight == 3.0


@given(st.lists(st.text(min_size=1, max_size=20), max_size=30), st.integers(1, 8))
def test_group_by_shard_keeps_a_series_in_one_shard(series: list[str], shards: int) -> None:
    rows = [PointRow(s, "n", "gauge", 1.0, T0, 1.0) for s in series]
    groups = group_by_shard(rows, shards)
    assert sorted(r.series for part in groups.values() for r in part) == sorted(series)
    assert all(0 <= shard < shards for shard in groups)
    owner = {r.series: shard for shard, part in groups.items() for r in part}
    assert all(r.series in owner for r in rows)
    assert len({(r.series, s) for s, part in groups.items() for r in part}) == len(set(series))


def test_append_points_windows_and_totals() -> None:
    rows = [
        PointRow("c", "c", "counter", 2.0, T0 + 10, 1.0),
        PointRow("c", "c", "counter", 3.0, T0 + W + 1, 2.0),  # the next window; weight 2
        PointRow("c", "c", "counter", 1.0, T0 + 5, 1.0),  # older than the latest: not the last value
    ]
    merge, totals = append_points(rows, W)
    assert sorted(merge.windows) == [("c", T0), ("c", T0 + W)]
    assert merge.windows[("c", T0)].sum == 3.0
    assert merge.names == {"c": "c"}
    assert totals == {"c": Total("c", "counter", total_sum=9.0, total_count=4.0, last=3.0, last_ts=T0 + W + 1)}


def test_merge_stored_folds_in_what_the_shard_holds() -> None:
    merge, _totals = append_points([PointRow("g", "g", "gauge", 4.0, T0 + 1, 1.0)], W)
    stored = Window.new("gauge")
    stored.add(10.0, T0 + 2, 1.0)  # newer than ours: stays the last value
    other = Window.new("gauge")
    other.add(1.0, T0, 1.0)
    merge.merge_stored(
        [
            WindowRow("g", W, T0, json.dumps(stored.to_json())),
            WindowRow("unrelated", W, T0, json.dumps(other.to_json())),  # not among ours: ignored
        ]
    )
    window = merge.windows[("g", T0)]
    assert (window.count, window.sum, window.last) == (2.0, 14.0, 10.0)
    assert list(merge.windows) == [("g", T0)]
    ((series, name, start, agg),) = merge.bulk_rows()
    assert (series, name, start) == ("g", "g", T0)
    assert Window.from_json(json.loads(agg)).sum == 14.0


def _window(value: float, ts: int) -> str:
    window = Window.new("counter")
    window.add(value, ts, 1.0)
    return json.dumps(window.to_json())


def test_hourly_rollup_merges_windows_into_their_hour() -> None:
    rows = [
        WindowRow("c", W, T0, _window(1.0, T0)),
        WindowRow("c", W, T0 + W, _window(2.0, T0 + W)),
        WindowRow("c", W, T0 + HOUR_MS, _window(4.0, T0 + HOUR_MS)),  # the next hour
    ]
    merge = hourly_rollup(rows, {"c": "c"})
    assert {key: w.sum for key, w in merge.windows.items()} == {("c", T0): 3.0, ("c", T0 + HOUR_MS): 4.0}


def test_point_rows_cross_the_codec() -> None:
    rows = [PointRow("s", "s", "timing", 1.5, T0, 2.0)]
    assert decode(list[PointRow], encode(rows)) == rows
