from __future__ import annotations

import json

import pytest

from edgewatch.errors import Unprocessable
from edgewatch.metrics.messages import WindowRow
from edgewatch.metrics.query import MAX_SERIES, MetricsQuery, labels_filter, parse_metrics_query, query_answer
from edgewatch.metrics.windows import Window

NOW = 1_795_737_600_000 + 42_000  # 42 s into a window
W = 300_000
START = NOW - 42_000 - 3_600_000  # the last hour, widened to whole windows
END = NOW - 42_000 + W


def test_defaults() -> None:
    assert parse_metrics_query({"name": "latency"}, NOW, W) == MetricsQuery("latency", "avg", W, START, END, {})


def test_all_parameters() -> None:
    params = {"name": "x", "agg": "p95", "step": "600", "from": str(START), "to": str(END - 1), "labels": "a=1, b = 2"}
    assert parse_metrics_query(params, NOW, W) == MetricsQuery("x", "p95", 600_000, START, END, {"a": "1", "b": "2"})


@pytest.mark.parametrize(
    ("params", "message", "details"),
    [
        ({}, "name is required", {"name": None}),
        ({"name": "x", "step": "1.5"}, "step must be whole seconds", {"step": "1.5"}),
        ({"name": "x", "step": "abc"}, "step must be whole seconds", {"step": "abc"}),
        ({"name": "x", "step": "0"}, "step must be a multiple of the window (300 s)", {"step": 0}),
        ({"name": "x", "step": "-300"}, "step must be a multiple of the window (300 s)", {"step": -300}),
        ({"name": "x", "step": "450"}, "step must be a multiple of the window (300 s)", {"step": 450}),
        (
            {"name": "x", "from": str(NOW), "to": str(NOW - 10 * W)},
            "from/to/step give more than 2000 steps",
            {"from": NOW - 42_000, "to": NOW - 42_000 - 10 * W + W},
        ),
        (
            {"name": "x", "from": str(NOW - 2001 * W), "to": str(NOW)},
            "from/to/step give more than 2000 steps",
            {"from": NOW - 42_000 - 2001 * W, "to": END},
        ),
        ({"name": "x", "labels": "a"}, "labels must look like name=value,name2=value2", {"labels": "a"}),
    ],
)
def test_bad_parameters(params: dict[str, str], message: str, details: dict[str, object]) -> None:
    with pytest.raises(Unprocessable) as caught:
        parse_metrics_query(params, NOW, W)
    assert caught.value.body()["error"]["message"] == message
    assert caught.value.body()["error"]["details"] == details


def test_bad_agg_is_refused() -> None:
    with pytest.raises(Unprocessable, match="agg must be one of"):
        parse_metrics_query({"name": "x", "agg": "median"}, NOW, W)


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, {}), ("", {}), ("a=x", {"a": "x"}), ("a=x,b=", {"a": "x", "b": ""}), (" a =x=y", {"a": "x=y"})],
)
def test_labels_filter(text: str | None, expected: dict[str, str]) -> None:
    assert labels_filter(text) == expected


@pytest.mark.parametrize("text", ["a", "=x", "a=x,,b=y", " =x"])
def test_bad_labels_filter(text: str) -> None:
    with pytest.raises(Unprocessable):
        labels_filter(text)


def row(series: str, start: int, value: float) -> WindowRow:
    window = Window.new("gauge")
    window.add(value, start, 1.0)
    return WindowRow(series, W, start, json.dumps(window.to_json()))


def test_query_answer_merges_each_series_and_filters_labels() -> None:
    query = MetricsQuery("cpu", "avg", 2 * W, START, START + 4 * W, {"host": "a"})
    rows = [
        row('cpu{host="a"}', START, 1.0),
        row('cpu{host="a"}', START + W, 3.0),  # the same step: merged
        row('cpu{host="a"}', START + 2 * W, 5.0),
        row('cpu{host="b"}', START, 100.0),  # filtered out by the label
        row('cpu{host="a"}', START + 4 * W, 7.0),  # past the end
    ]
    assert query_answer(query, rows) == {
        "name": "cpu",
        "agg": "avg",
        "step": 600,
        "from": START,
        "to": START + 4 * W,
        "series": [{"labels": {"host": "a"}, "kind": "gauge", "points": [[START, 2.0], [START + 2 * W, 5.0]]}],
    }


def test_query_answer_refuses_too_many_series() -> None:
    query = MetricsQuery("cpu", "avg", W, START, END)
    rows = [row(f'cpu{{host="h{i}"}}', START, 1.0) for i in range(MAX_SERIES + 1)]
    with pytest.raises(Unprocessable, match="more than 200 series match; narrow the labels"):
        query_answer(query, rows)
