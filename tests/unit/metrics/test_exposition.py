from __future__ import annotations

import json

from edgewatch.metrics.exposition import CONFLICTS, prometheus_families, recent_windows, scrape_since
from edgewatch.metrics.messages import RecentAnswer, SeriesTotal, WindowRow
from edgewatch.metrics.prometheus import Family, Sample, render
from edgewatch.metrics.windows import Window

W = 300_000
T0 = 1_795_737_600_000


def test_scrape_since_is_the_previous_window() -> None:
    assert scrape_since(T0 + 10, W) == T0 - W
    assert scrape_since(T0, W) == T0 - W


def timing(values: list[float]) -> str:
    window = Window.new("timing")
    for v in values:
        window.add(v, T0, 1.0)
    return json.dumps(window.to_json())


def test_recent_windows_merge_across_shards() -> None:
    answers = [
        RecentAnswer([], [WindowRow("t", W, T0, timing([1.0]))]),
        RecentAnswer([], [WindowRow("t", W, T0 + W, timing([2.0, 3.0]))]),
    ]
    assert recent_windows(answers)["t"].count == 3.0


def test_families_of_each_kind() -> None:
    answers = [
        RecentAnswer(
            [
                SeriesTotal('requests{route="/"}', "requests", "counter", 7.0, 3.0, 2.0),
                SeriesTotal("errors_total", "errors_total", "counter", 1.0, 1.0, 1.0),
                SeriesTotal("temp", "temp", "gauge", 40.0, 2.0, 21.5),
                SeriesTotal("idle", "idle", "gauge", 0.0, 0.0, None),  # no last value: no sample
                SeriesTotal("latency", "latency", "timing", 6.0, 3.0, 3.0),
            ],
            [WindowRow("latency", W, T0, timing([1.0, 2.0, 3.0]))],
        )
    ]
    families = {f.name: f for f in prometheus_families(answers)}
    assert families["requests_total"] == Family(
        "requests_total", "counter", "requests (sum of increments)", [Sample("requests_total", (("route", "/"),), 7.0)]
    )
    assert families["errors_total"].samples == [Sample("errors_total", (), 1.0)]  # no second _total
    assert families["temp"] == Family("temp", "gauge", "temp (last value)", [Sample("temp", (), 21.5)])
    assert families["idle"].samples == []
    latency = families["latency"]
    assert (latency.type, latency.help) == ("summary", "latency (quantiles over the current and previous window)")
    names = [(s.name, s.labels) for s in latency.samples]
    assert names == [
        ("latency", (("quantile", "0.5"),)),
        ("latency", (("quantile", "0.95"),)),
        ("latency", (("quantile", "0.99"),)),
        ("latency_sum", ()),
        ("latency_count", ()),
    ]
    assert latency.samples[-2:] == [Sample("latency_sum", (), 6.0), Sample("latency_count", (), 3.0)]
    assert CONFLICTS not in families
    render(list(families.values()))  # a valid exposition


def test_a_timing_without_recent_windows_has_only_sum_and_count() -> None:
    answers = [RecentAnswer([SeriesTotal("latency", "latency", "timing", 6.0, 3.0, 3.0)], [])]
    (family,) = prometheus_families(answers)
    assert [s.name for s in family.samples] == ["latency_sum", "latency_count"]


def test_a_name_pushed_as_two_kinds_keeps_the_first() -> None:
    answers = [
        RecentAnswer([SeriesTotal('x{a="1"}', "x", "gauge", 1.0, 1.0, 1.0)], []),
        RecentAnswer([SeriesTotal('x{a="2"}', "x", "timing", 1.0, 1.0, 1.0)], []),
    ]
    families = {f.name: f for f in prometheus_families(answers)}
    assert families["x"].type == "gauge"
    assert families[CONFLICTS].samples == [Sample(CONFLICTS, (), 1.0)]
