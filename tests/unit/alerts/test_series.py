"""Series values from log minute counts and metric windows."""

from __future__ import annotations

import pytest

from edgewatch.alerts.evaluate import SeriesQuery, SeriesSourceKind
from edgewatch.alerts.matchers import Matcher, MatchOp
from edgewatch.alerts.series import count_values, window_values
from edgewatch.metrics import Window

M = 60_000
UNTIL = 1_900_000_020 * M // M * M


def q(agg: str, *matchers: Matcher, by: tuple[str, ...] = ("service",), quantile: float | None = None) -> SeriesQuery:
    source = SeriesSourceKind.LOGS if quantile is None and agg != "quantile" else SeriesSourceKind.METRICS
    return SeriesQuery(source, "log_events", matchers, agg, quantile, 5 * M, by)


ROWS = [
    ("api", UNTIL - 6 * M, "error", 100.0),  # outside the range
    ("api", UNTIL - 5 * M, "error", 2.0),
    ("api", UNTIL - M, "info", 8.0),
    ("web", UNTIL - M, "fatal", 1.0),
    ("api", UNTIL, "error", 50.0),  # the minute of `until` is not yet over
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (q("sum"), {(("service", "api"),): 10.0, (("service", "web"),): 1.0}),
        (
            q("sum", Matcher("level", MatchOp.REGEX, "error|fatal")),
            {(("service", "api"),): 2.0, (("service", "web"),): 1.0},
        ),
        (q("sum", by=()), {(): 11.0}),
        (q("rate", by=()), {(): 11.0 / 300}),
        (q("max", by=()), {(): 8.0}),  # the largest (service, level) series
    ],
)
def test_count_values(query: SeriesQuery, expected: dict[object, float]) -> None:
    assert count_values(query, ROWS, UNTIL) == expected


def test_window_values_merge_overlapping_windows_per_group() -> None:
    size = 5 * M
    w1, w2, far = Window.new("timing"), Window.new("timing"), Window.new("timing")
    for v in [100.0] * 18:
        w1.add(v, 0)
    w2.add(3000.0, 0)
    w2.add(3400.0, 0)
    far.add(99_999.0, 0)
    windows = [
        ({"service": "api"}, UNTIL - 7 * M, size, w1),  # overlaps [until-5m, until)
        ({"service": "api"}, UNTIL - 2 * M, size, w2),
        ({"service": "api"}, UNTIL - 20 * M, size, far),  # does not
    ]
    query = SeriesQuery(SeriesSourceKind.METRICS, "t", (), "quantile", 0.95, 5 * M, ("service",))
    value = window_values(query, windows, UNTIL)[(("service", "api"),)]
    assert 2970 <= value <= 3030  # the sketch's rank q*(n-1) = 18.05 falls on the first slow request, within 1%
    count = SeriesQuery(SeriesSourceKind.METRICS, "t", (), "count", None, 5 * M, ())
    assert window_values(count, windows, UNTIL) == {(): 20.0}
