from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.errors import ApiError, BadRequest, PayloadTooLarge
from edgewatch.metrics.model import (
    MAX_LABEL_VALUE_CHARS,
    MAX_LABELS,
    MAX_NAME_CHARS,
    Point,
    parse_points,
    parse_series_key,
    series_key,
    valid_label_name,
    valid_metric_name,
)
from edgewatch.wire.items import LineError
from edgewatch.wire.timestamps import MAX_TS_MS

NOW = 1_795_737_600_000  # 2026-11-27T00:00:00Z
T1 = 1_795_737_000_000


def parse(items: Any, **kwargs: Any) -> tuple[list[Point], list[LineError]]:
    return parse_points(json.dumps(items).encode(), NOW, **kwargs)


def one(item: dict[str, Any]) -> Point:
    points, errors = parse([item])
    assert errors == []
    [point] = points
    return point


def error_of(item: Any) -> str:
    points, errors = parse([item])
    assert points == []
    [error] = errors
    assert error.index == 0
    return error.error


# -- Point -----------------------------------------------------------------------------------------


def test_point_is_frozen_with_weight_last_defaulting_to_one() -> None:
    point = Point("a", "gauge", 1.5, NOW, (("x", "1"),))
    assert point.weight == 1.0
    assert [field.name for field in dataclasses.fields(Point)] == ["name", "kind", "value", "ts", "labels", "weight"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.value = 2.0  # type: ignore[misc]


# -- series keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "labels", "key"),
    [
        ("up", (), "up"),  # no labels: just the name
        ("http:req_total", (("route", "/a"),), 'http:req_total{route="/a"}'),  # ':' is allowed in a name
        ("m", (("b", "2"), ("a", "1")), 'm{a="1",b="2"}'),  # labels come out sorted by name
        ("m", (("a", 'say "hi"'),), 'm{a="say \\"hi\\""}'),  # a double quote is escaped
        ("m", (("a", "C:\\dir"),), 'm{a="C:\\\\dir"}'),  # a backslash is doubled
        ("m", (("a", "two\nlines"),), 'm{a="two\\nlines"}'),  # a newline becomes \n
        ("m", (("a", "tab\there"),), 'm{a="tab\there"}'),  # other control characters stay as they are
        ("m", (("a", '{x="y",z}'),), 'm{a="{x=\\"y\\",z}"}'),  # braces, '=' and ',' in a value
        ("m", (("a", "naïve ☃"),), 'm{a="naïve ☃"}'),  # unicode is kept
        ("m", (("a", ""),), 'm{a=""}'),  # an empty value is still written
    ],
)
def test_series_key(name: str, labels: tuple[tuple[str, str], ...], key: str) -> None:
    assert series_key(name, labels) == key
    assert parse_series_key(key) == (name, tuple(sorted(labels)))


@pytest.mark.parametrize(
    "key",
    [
        "",  # empty
        "1abc",  # a name cannot start with a digit
        "a b",  # nor hold a space
        '{a="1"}',  # the name is missing
        'm{a="1"',  # no closing brace
        'm{a="1"}x',  # text after the closing brace
        "m{a=1}",  # the value is not quoted
        'm{a="1}',  # the value is not terminated
        'm{a="1\\"}',  # the closing quote is escaped: still not terminated
        'm{a="1",}',  # a trailing comma
        'm{a="1"b="2"}',  # no comma between labels
        'm{1a="1"}',  # a bad label name
        'm{="1"}',  # an empty label name
        'm{a="\\t"}',  # an escape Prometheus does not write
    ],
)
def test_parse_series_key_rejects(key: str) -> None:
    with pytest.raises(ValueError):
        parse_series_key(key)


def test_parse_series_key_of_empty_braces() -> None:
    assert parse_series_key("m{}") == ("m", ())


metric_names = st.from_regex(r"[a-zA-Z_:][a-zA-Z0-9_:]{0,30}", fullmatch=True)
label_names = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,15}", fullmatch=True)
label_sets = st.dictionaries(label_names, st.text(max_size=30), max_size=6).map(lambda d: tuple(sorted(d.items())))


@given(metric_names, label_sets)
def test_series_key_round_trips(name: str, labels: tuple[tuple[str, str], ...]) -> None:
    key = series_key(name, labels)
    assert parse_series_key(key) == (name, labels)
    assert "\n" not in key  # a key is one line


@given(st.text(max_size=60) | st.sampled_from(['m{a="\\\\"}', 'm{a="\\"",b=""}', 'm{a="}"}']))
def test_parse_series_key_only_raises_value_error(key: str) -> None:
    try:
        name, labels = parse_series_key(key)
    except ValueError:
        return
    # Whatever it accepts is a real series: written again, it reads back the same.
    assert parse_series_key(series_key(name, labels)) == (name, tuple(sorted(labels)))


# -- parse_points: accepted items ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "want"),
    [
        # the minimal item: time of receipt, no labels
        ({"name": "hits", "type": "counter", "value": 1}, Point("hits", "counter", 1.0, NOW, ())),
        # an integer value becomes a float
        ({"name": "temp", "type": "gauge", "value": -3}, Point("temp", "gauge", -3.0, NOW, ())),
        # aliases of the types, any case
        ({"name": "n", "type": "count", "value": 2}, Point("n", "counter", 2.0, NOW, ())),
        ({"name": "n", "type": "Timer", "value": 2.5}, Point("n", "timing", 2.5, NOW, ())),
        ({"name": "n", "type": "histogram", "value": 2.5}, Point("n", "timing", 2.5, NOW, ())),
        ({"name": "n", "type": " SUMMARY ", "value": 2.5}, Point("n", "timing", 2.5, NOW, ())),
        # a zero counter increment is fine
        ({"name": "n", "type": "counter", "value": 0}, Point("n", "counter", 0.0, NOW, ())),
        # timestamp in ms, in seconds (below 1e11), as a float, as RFC 3339; "ts" is accepted too
        ({"name": "n", "type": "gauge", "value": 1, "timestamp": T1}, Point("n", "gauge", 1.0, T1, ())),
        ({"name": "n", "type": "gauge", "value": 1, "timestamp": T1 // 1000}, Point("n", "gauge", 1.0, T1, ())),
        ({"name": "n", "type": "gauge", "value": 1, "ts": T1 / 1000 + 0.25}, Point("n", "gauge", 1.0, T1 + 250, ())),
        (
            {"name": "n", "type": "gauge", "value": 1, "timestamp": "2026-11-27T01:00:00.5+01:00"},
            Point("n", "gauge", 1.0, NOW + 500, ()),
        ),
        # labels: sorted by name; numbers and booleans become text; an empty value is no label
        (
            {
                "name": "n",
                "type": "gauge",
                "value": 1,
                "labels": {"z": "a", "code": 200, "ok": True, "r": 0.5, "e": ""},
            },
            Point("n", "gauge", 1.0, NOW, (("code", "200"), ("ok", "true"), ("r", "0.5"), ("z", "a"))),
        ),
        # null labels and an empty labels object are no labels
        ({"name": "n", "type": "gauge", "value": 1, "labels": None}, Point("n", "gauge", 1.0, NOW, ())),
        ({"name": "n", "type": "gauge", "value": 1, "labels": {}}, Point("n", "gauge", 1.0, NOW, ())),
        # a counter or gauge may have a label quantile (only timings use it when scraped)
        (
            {"name": "n", "type": "gauge", "value": 1, "labels": {"quantile": "0.5"}},
            Point("n", "gauge", 1.0, NOW, (("quantile", "0.5"),)),
        ),
        # unknown keys are ignored
        ({"name": "n", "type": "gauge", "value": 1, "unit": "s", "help": "x"}, Point("n", "gauge", 1.0, NOW, ())),
        # the longest name, the most labels, the longest label value
        (
            {"name": "n" * MAX_NAME_CHARS, "type": "gauge", "value": 1},
            Point("n" * MAX_NAME_CHARS, "gauge", 1.0, NOW, ()),
        ),
        (
            {"name": "n", "type": "gauge", "value": 1, "labels": {f"l{i:02}": "v" * 200 for i in range(MAX_LABELS)}},
            Point("n", "gauge", 1.0, NOW, tuple((f"l{i:02}", "v" * 200) for i in range(MAX_LABELS))),
        ),
    ],
)
def test_accepted_items(item: dict[str, Any], want: Point) -> None:
    assert one(item) == want


def test_values_give_one_point_each_for_timings() -> None:
    points, errors = parse([{"name": "lat", "type": "timing", "values": [1, 2.5, 0], "labels": {"r": "/"}}])
    assert errors == []
    assert [(p.name, p.kind, p.value, p.labels) for p in points] == [
        ("lat", "timing", 1.0, (("r", "/"),)),
        ("lat", "timing", 2.5, (("r", "/"),)),
        ("lat", "timing", 0.0, (("r", "/"),)),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "a", "type": "gauge", "value": 1}',  # one object
        b'[{"name": "a", "type": "gauge", "value": 1}]',  # an array
        b'{"metrics": [{"name": "a", "type": "gauge", "value": 1}]}',  # the envelope
        b'\xef\xbb\xbf {"name": "a", "type": "gauge", "value": 1}\n',  # a BOM and whitespace around
    ],
)
def test_body_shapes(body: bytes) -> None:
    assert parse_points(body, NOW) == ([Point("a", "gauge", 1.0, NOW, ())], [])


def test_an_item_named_metrics_is_not_an_envelope() -> None:
    points, _ = parse({"name": "metrics", "type": "gauge", "value": 1, "metrics": "x"})
    assert [p.name for p in points] == ["metrics"]


def test_bad_items_are_reported_by_index_and_the_rest_kept() -> None:
    points, errors = parse(
        [
            {"name": "a", "type": "gauge", "value": 1},
            {"name": "b", "type": "gauge"},
            {"name": "c", "type": "timing", "values": [1, 2]},
            "nope",
            {"name": "d", "type": "timing", "values": [1, "x"]},
        ]
    )
    assert [p.name for p in points] == ["a", "c", "c"]
    assert [e.index for e in errors] == [1, 3, 4]
    assert "value is required" in errors[0].error
    assert "must be a JSON object" in errors[1].error
    assert "values[1] must be a number" in errors[2].error  # one bad value rejects the whole item


# -- parse_points: rejected items ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ([1], "must be a JSON object, not an array"),  # not an object
        ({"type": "gauge", "value": 1}, "name is required"),  # no name
        ({"name": 5, "type": "gauge", "value": 1}, "name must be a string"),  # name of the wrong type
        ({"name": "bad name!", "type": "gauge", "value": 1}, "is not a metric name"),  # invalid characters
        ({"name": "9lives", "type": "gauge", "value": 1}, "is not a metric name"),  # leading digit
        ({"name": "", "type": "gauge", "value": 1}, "is not a metric name"),  # empty
        ({"name": "n" * 201, "type": "gauge", "value": 1}, "longer than 200"),  # too long
        ({"name": "n", "value": 1}, "type is required"),  # no type
        ({"name": "n", "type": 1, "value": 1}, "type must be a string"),  # type of the wrong type
        ({"name": "n", "type": "meter", "value": 1}, "is not counter, gauge or timing"),  # unknown type
        ({"name": "n", "type": "gauge"}, "value is required"),  # no value
        ({"name": "n", "type": "gauge", "value": None}, "value is required"),  # null value
        ({"name": "n", "type": "gauge", "value": "1"}, "value must be a number, not a string"),  # numeric text
        ({"name": "n", "type": "gauge", "value": True}, "value must be a number, not a boolean"),  # a boolean
        ({"name": "n", "type": "gauge", "value": [1]}, "value must be a number, not an array"),
        ({"name": "n", "type": "gauge", "value": 10**400}, "out of range"),  # too big for a float
        ({"name": "n", "type": "counter", "value": -1}, "is negative"),  # counters count up
        ({"name": "n", "type": "gauge", "values": [1]}, "only accepted for timings"),  # values on a gauge
        ({"name": "n", "type": "timing", "values": []}, "non-empty array"),  # empty values
        ({"name": "n", "type": "timing", "values": 3}, "non-empty array"),  # values not a list
        ({"name": "n", "type": "timing", "value": 1, "values": [1]}, "not both"),  # both
        ({"name": "n", "type": "timing", "values": [True]}, "values[0] must be a number"),
        ({"name": "n", "type": "gauge", "value": 1, "timestamp": "yesterday"}, "RFC 3339"),  # bad time
        ({"name": "n", "type": "gauge", "value": 1, "timestamp": "2026-11-26T12:00:00"}, "no time zone"),
        ({"name": "n", "type": "gauge", "value": 1, "ts": -5}, "out of range"),
        ({"name": "n", "type": "gauge", "value": 1, "labels": ["a"]}, "labels must be a JSON object"),
        ({"name": "n", "type": "gauge", "value": 1, "labels": {"a-b": "x"}}, "is not a label name"),
        ({"name": "n", "type": "gauge", "value": 1, "labels": {"1a": "x"}}, "is not a label name"),
        ({"name": "n", "type": "gauge", "value": 1, "labels": {"": "x"}}, "is not a label name"),
        (
            {"name": "n", "type": "gauge", "value": 1, "labels": {"a:b": "x"}},
            "is not a label name",
        ),  # ':' only in names
        ({"name": "n", "type": "gauge", "value": 1, "labels": {"__name__": "x"}}, "reserves"),  # reserved prefix
        ({"name": "n", "type": "gauge", "value": 1, "labels": {"l" * 201: "x"}}, "longer than 200"),
        ({"name": "n", "type": "gauge", "value": 1, "labels": {"a": None}}, "string, a number or a boolean"),
        ({"name": "n", "type": "gauge", "value": 1, "labels": {"a": {"b": 1}}}, "string, a number or a boolean"),
        ({"name": "n", "type": "gauge", "value": 1, "labels": {"a": "v" * 201}}, "longer than 200"),
        # a timing is scraped as a summary, whose quantile label this one would clash with
        ({"name": "n", "type": "timing", "value": 1, "labels": {"quantile": "x"}}, "quantile is reserved"),
        ({"name": "n", "type": "timing", "values": [1], "labels": {"quantile": "x"}}, "quantile is reserved"),
        (
            {"name": "n", "type": "gauge", "value": 1, "labels": {f"l{i}": "v" for i in range(MAX_LABELS + 1)}},
            f"the limit is {MAX_LABELS}",
        ),
    ],
)
def test_rejected_items(item: Any, problem: str) -> None:
    assert problem in error_of(item)


def test_1e400_in_the_body_is_out_of_range() -> None:
    # Python's JSON decoder reads 1e400 as inf: it must become neither a value nor a label.
    body = (
        b'[{"name": "n", "type": "gauge", "value": 1e400},'
        b' {"name": "n", "type": "gauge", "value": 1, "labels": {"a": 1e400}}]'
    )
    points, errors = parse_points(body, NOW)
    assert points == []
    assert "finite" in errors[0].error
    assert "must be a string, a number or a boolean, not inf" in errors[1].error


def test_a_lone_surrogate_in_a_label_value_is_rejected() -> None:
    body = (
        b'[{"name": "n", "type": "gauge", "value": 1, "labels": {"a": "\\ud800"}},'
        b' {"name": "m", "type": "gauge", "value": 1, "labels": {"a": "\\ud83d\\ude00"}}]'
    )
    points, errors = parse_points(body, NOW)
    assert [e.index for e in errors] == [0]
    assert "surrogate" in errors[0].error
    assert points == [Point("m", "gauge", 1.0, NOW, (("a", "\U0001f600"),))]  # a proper pair is one character


# -- parse_points: rejected bodies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error", "problem"),
    [
        (b"", BadRequest, "empty body"),  # empty
        (b"  \n ", BadRequest, "empty body"),  # blank
        (b"[]", BadRequest, "holds no metrics"),  # no items
        (b'{"metrics": []}', BadRequest, "holds no metrics"),  # no items in the envelope
        (b'{"metrics": {}}', BadRequest, "metrics must be an array"),  # a bad envelope
        (b"{nope", BadRequest, "not valid JSON"),  # not JSON
        (b'{"name": "a"} {"name": "b"}', BadRequest, "not valid JSON"),  # NDJSON is not accepted here
        (b"[NaN]", BadRequest, "not valid JSON"),  # a Python extension, not JSON
        (b"42", BadRequest, "not a number"),  # a scalar at the top
        (b'"x"', BadRequest, "not a string"),
        (b"\xff\xfe", BadRequest, "UTF-8"),  # not UTF-8
    ],
)
def test_rejected_bodies(body: bytes, error: type[ApiError], problem: str) -> None:
    with pytest.raises(error) as info:
        parse_points(body, NOW)
    assert problem in info.value.message


def test_too_many_points_is_payload_too_large() -> None:
    item = {"name": "n", "type": "gauge", "value": 1}
    assert len(parse([item] * 3, max_points=3)[0]) == 3
    with pytest.raises(PayloadTooLarge):
        parse([item] * 4, max_points=3)
    # each of a timing's values counts
    with pytest.raises(PayloadTooLarge):
        parse([{"name": "t", "type": "timing", "values": [1, 2, 3]}, item], max_points=3)


# -- fuzzing ---------------------------------------------------------------------------------------

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
label_values = st.text(max_size=10) | st.integers() | st.floats() | st.booleans() | json_values
metric_items = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["hits", "a:b_c", "bad name", "", "9x", "n" * 201]) | json_values,
        "type": st.sampled_from(["counter", "gauge", "timing", "Timer", "histogram", "meter"]) | json_values,
        "value": st.integers() | st.floats() | json_values,
        "values": st.lists(st.integers() | st.floats() | json_values, max_size=4) | json_values,
        "labels": st.dictionaries(
            st.sampled_from(["a", "b_1", "quantile", "__x", "1a", "é", ""]), label_values, max_size=4
        )
        | json_values,
        "timestamp": st.integers() | st.floats() | st.sampled_from(["2026-11-26T12:00:00Z", "x"]) | json_values,
        "ts": json_values,
    },
)


def assert_valid_outcome(body: bytes, max_points: int = 10_000) -> None:
    """What parse_points promises whatever the input: a 4xx ApiError, or points that can be stored."""
    try:
        points, errors = parse_points(body, NOW, max_points)
    except ApiError as exc:
        assert 400 <= exc.status < 500
        assert exc.message
        return
    indexes = [error.index for error in errors]
    assert indexes == sorted(set(indexes))
    assert all(error.error for error in errors)
    assert len(points) <= max_points
    for point in points:
        assert valid_metric_name(point.name)
        assert point.kind in ("counter", "gauge", "timing")
        assert type(point.value) is float and math.isfinite(point.value)
        assert point.kind != "counter" or point.value >= 0
        assert 0 <= point.ts <= MAX_TS_MS
        assert point.weight == 1.0
        names = [name for name, _ in point.labels]
        assert names == sorted(set(names)) and len(names) <= MAX_LABELS
        assert point.kind != "timing" or "quantile" not in names
        for name, value in point.labels:
            assert valid_label_name(name)
            assert isinstance(value, str) and 0 < len(value) <= MAX_LABEL_VALUE_CHARS
            value.encode("utf-8")
        assert parse_series_key(series_key(point.name, point.labels)) == (point.name, point.labels)


@given(st.binary(max_size=500))
def test_fuzz_bytes(body: bytes) -> None:
    assert_valid_outcome(body)


@given(json_values)
def test_fuzz_json_values(value: Any) -> None:
    assert_valid_outcome(json.dumps(value).encode())


@given(st.lists(metric_items, max_size=6), st.booleans())
def test_fuzz_metric_shaped(items: list[dict[str, Any]], envelope: bool) -> None:
    body = {"metrics": items} if envelope else items
    assert_valid_outcome(json.dumps(body).encode(), max_points=8)


@given(st.lists(st.fixed_dictionaries({"name": metric_names, "type": st.just("gauge"), "value": st.floats(-1e9, 1e9)})))
def test_valid_items_all_become_points(items: list[dict[str, Any]]) -> None:
    if not items:
        return
    points, errors = parse(items)
    assert errors == []
    assert [(p.name, p.value) for p in points] == [(item["name"], item["value"]) for item in items]
