"""The exposition is read back with prometheus_client's own parser, as a Prometheus scrape would be."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from edgewatch.metrics.prometheus import CONTENT_TYPE, Family, FamilyType, Sample, format_value, render

GOLDEN = (
    """\
# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{code="200",route="/a"} 5.0
http_requests_total{code="500",route="/a"} 1.0 1795737600000
# HELP latency_seconds Latency \\\\ with a backslash\\nand a second line.
# TYPE latency_seconds summary
latency_seconds{quantile="0.5"} 0.25
latency_seconds{quantile="0.99"} 1.5
latency_seconds_count 10.0
latency_seconds_sum 4.75
"""
    + "# HELP temperature \n"  # an empty HELP text still has the space after the name
    + """\
# TYPE temperature gauge
temperature{room="k\\"itchen\\\\\\n"} -3.5
temperature{room="z"} NaN
"""
)


def golden_families() -> list[Family]:
    # Given out of order on purpose: the text is sorted.
    return [
        Family(
            "temperature",
            "gauge",
            "",
            [
                Sample("temperature", (("room", "z"),), math.nan),
                Sample("temperature", (("room", 'k"itchen\\\n'),), -3.5),
            ],
        ),
        Family(
            "latency_seconds",
            "summary",
            "Latency \\ with a backslash\nand a second line.",
            [
                Sample("latency_seconds_sum", (), 4.75),
                Sample("latency_seconds_count", (), 10),
                Sample("latency_seconds", (("quantile", "0.99"),), 1.5),
                Sample("latency_seconds", (("quantile", "0.5"),), 0.25),
            ],
        ),
        Family(
            "http_requests",
            "counter",
            "Requests served.",
            [
                Sample("http_requests_total", (("code", "500"), ("route", "/a")), 1, 1_795_737_600_000),
                Sample("http_requests", (("code", "200"), ("route", "/a")), 5.0),
            ],
        ),
    ]


def test_golden() -> None:
    assert render(golden_families()) == GOLDEN


def test_content_type() -> None:
    assert CONTENT_TYPE == "text/plain; version=0.0.4; charset=utf-8"


def test_no_families_is_an_empty_exposition() -> None:
    assert render([]) == ""
    assert list(text_string_to_metric_families(render([]))) == []


def parsed(text: str) -> dict[str, Any]:
    """name -> (type, help, [(sample name, labels, value as repr, timestamp in seconds)]) from the real parser."""
    out: dict[str, Any] = {}
    for family in text_string_to_metric_families(text):
        assert family.name not in out
        samples = [(s.name, s.labels, repr(float(s.value)), s.timestamp) for s in family.samples]
        out[family.name] = (family.type, family.documentation, samples)
    return out


def test_golden_parses_back() -> None:
    assert parsed(GOLDEN) == {
        # prometheus_client names a counter family without _total, its samples with it
        "http_requests": (
            "counter",
            "Requests served.",
            [
                ("http_requests_total", {"code": "200", "route": "/a"}, "5.0", None),
                ("http_requests_total", {"code": "500", "route": "/a"}, "1.0", 1_795_737_600.0),
            ],
        ),
        "latency_seconds": (
            "summary",
            "Latency \\ with a backslash\nand a second line.",
            [
                ("latency_seconds", {"quantile": "0.5"}, "0.25", None),
                ("latency_seconds", {"quantile": "0.99"}, "1.5", None),
                ("latency_seconds_count", {}, "10.0", None),
                ("latency_seconds_sum", {}, "4.75", None),
            ],
        ),
        "temperature": (
            "gauge",
            "",
            [
                ("temperature", {"room": 'k"itchen\\\n'}, "-3.5", None),
                ("temperature", {"room": "z"}, "nan", None),
            ],
        ),
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (math.nan, "NaN"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),  # the sign survives
        (1, "1.0"),  # an int is written as a float
        (0.1, "0.1"),  # the shortest text that reads back the same float
        (1e300, "1e+300"),
        (5e-324, "5e-324"),  # the smallest subnormal
        (2**53 + 1, "9007199254740992.0"),  # an int past 2**53 is rounded like float() rounds it
    ],
)
def test_format_value(value: float, text: str) -> None:
    assert format_value(value) == text


@pytest.mark.parametrize(
    "value",
    [
        'say "hi"',  # double quotes
        "C:\\path\\",  # backslashes, one at the end
        "\\n",  # a backslash then n: not a newline
        "line1\nline2\n",  # newlines
        "tab\tcr\rff\x0c",  # other control characters pass through unescaped
        '},{a="b"}',  # label syntax inside a value
        " # not an exemplar ",  # the exemplar separator, and spaces at both ends
        "naïve ☃ 日本 \U0001f600",  # unicode
        "\u2028\x85",  # unicode line separators are not line ends in the format
        "",  # empty
    ],
)
def test_tricky_label_values_round_trip(value: str) -> None:
    text = render([Family("m", "gauge", "h", [Sample("m", (("a", value), ("b", "x")), 1.5)])])
    assert parsed(text) == {"m": ("gauge", "h", [("m", {"a": value, "b": "x"}, "1.5", None)])}


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, -0.0, 5e-324, 1.7976931348623157e308, 0.1 + 0.2])
def test_special_floats_round_trip(value: float) -> None:
    text = render([Family("m", "gauge", "", [Sample("m", (), value)])])
    [family] = text_string_to_metric_families(text)
    [sample] = family.samples
    assert repr(float(sample.value)) == repr(value)


@pytest.mark.parametrize(
    ("family", "exposed", "sample_names"),
    [
        # a counter without _total gets it, and so do its samples
        (Family("hits", "counter", "", [Sample("hits", (), 1)]), "hits_total", ["hits_total"]),
        (Family("hits", "counter", "", [Sample("hits_total", (), 1)]), "hits_total", ["hits_total"]),
        # a counter named with _total keeps its name
        (Family("hits_total", "counter", "", [Sample("hits_total", (), 1)]), "hits_total", ["hits_total"]),
        (Family("hits_total", "counter", "", [Sample("hits", (), 1)]), "hits_total", ["hits_total"]),
        # a gauge named _total is left alone
        (Family("up_total", "gauge", "", [Sample("up_total", (), 1)]), "up_total", ["up_total"]),
        (Family("raw", "untyped", "", [Sample("raw", (), 1)]), "raw", ["raw"]),
    ],
)
def test_exposed_names(family: Family, exposed: str, sample_names: list[str]) -> None:
    lines = render([family]).splitlines()
    assert lines[0].startswith(f"# HELP {exposed} ")
    assert lines[1] == f"# TYPE {exposed} {family.type}"
    assert [line.split(" ")[0] for line in lines[2:]] == sample_names


@pytest.mark.parametrize(
    ("families", "message"),
    [
        ([Family("bad name", "gauge", "", [])], "not a Prometheus metric name"),  # a bad family name
        ([Family("9x", "gauge", "", [])], "not a Prometheus metric name"),
        ([Family("m", "histogram", "", [])], "has the type"),  # type: ignore[arg-type]  # a type we do not write
        ([Family("m", "gauge", "", [Sample("n", (), 1)])], "does not belong"),  # a stranger sample
        ([Family("m", "gauge", "", [Sample("m_total", (), 1)])], "does not belong"),
        ([Family("m", "counter", "", [Sample("m_sum", (), 1)])], "does not belong"),
        ([Family("m", "summary", "", [Sample("m", (), 1)])], "needs a quantile label"),
        ([Family("m", "summary", "", [Sample("m_sum", (("quantile", "0.5"),), 1)])], "cannot have a quantile"),
        ([Family("m", "summary", "", [Sample("m_bucket", (), 1)])], "does not belong"),
        ([Family("m", "gauge", "", [Sample("m", (("a-b", "x"),), 1)])], "bad or repeated label name"),
        ([Family("m", "gauge", "", [Sample("m", (("__name__", "x"),), 1)])], "bad or repeated label name"),
        ([Family("m", "gauge", "", [Sample("m", (("a", "x"), ("a", "y")), 1)])], "bad or repeated label name"),
        ([Family("m", "gauge", "", [Sample("m", (("a", "x"),), 1), Sample("m", (("a", "x"),), 2)])], "two samples"),
        ([Family("m", "gauge", "", []), Family("m", "gauge", "", [])], "two families"),
        ([Family("m", "counter", "", []), Family("m_total", "counter", "", [])], "two families"),  # same exposed name
    ],
)
def test_invalid_families_are_refused(families: list[Family], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render(families)


# -- render -> parse, for generated families -------------------------------------------------------

metric_names = st.from_regex(r"[a-zA-Z_:][a-zA-Z0-9_:]{0,20}", fullmatch=True)
label_names = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,10}", fullmatch=True).filter(lambda n: n != "quantile")
# prometheus_client strips each line before reading it, so whitespace at either end of a HELP text
# cannot come back through it (the text is written as given; Prometheus' own parser keeps it).
help_texts = st.text(max_size=40).filter(lambda t: t == t.strip())
values = st.floats()
timestamps = st.none() | st.integers(min_value=0, max_value=2**62)
label_sets = st.dictionaries(label_names, st.text(max_size=12), max_size=4)


KINDS: tuple[FamilyType, ...] = ("counter", "gauge", "summary", "untyped")


@st.composite
def families(draw: st.DrawFn) -> Family:
    name = draw(metric_names)
    kind = draw(st.sampled_from(KINDS))
    exposed = name + "_total" if kind == "counter" and not name.endswith("_total") else name
    suffixes = {"counter": ["", "_total"], "summary": ["_sum", "_count", "q"], "gauge": [""], "untyped": [""]}[kind]
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], Sample] = {}
    for _ in range(draw(st.integers(0, 5))):
        suffix = draw(st.sampled_from(suffixes))
        labels = draw(label_sets)
        if suffix == "q":
            labels["quantile"] = repr(draw(st.floats(0, 1)))
            sample_name = name
        elif kind == "counter":
            sample_name = name if name == exposed else (name + suffix)
        else:
            sample_name = name + suffix
        written = exposed if kind == "counter" else sample_name
        ordered = tuple(sorted(labels.items()))
        samples[(written, ordered)] = Sample(sample_name, ordered, draw(values), draw(timestamps))
    return Family(name, kind, draw(help_texts), list(samples.values()))


def exposed_of(family: Family) -> str:
    return family.name + "_total" if family.type == "counter" and not family.name.endswith("_total") else family.name


def parsed_name_of(family: Family) -> str:
    """prometheus_client's name for the family: a counter's without _total."""
    exposed = exposed_of(family)
    return exposed[: -len("_total")] if family.type == "counter" else exposed


@given(st.lists(families(), max_size=5, unique_by=(exposed_of, parsed_name_of)))
def test_render_parse_round_trip(generated: list[Family]) -> None:
    text = render(generated)
    assert text == "" or text.endswith("\n")
    assert render(list(reversed(generated))) == text  # the order given does not matter

    want: dict[str, Any] = {}
    for family in generated:
        rows = []
        for s in family.samples:
            sample_name = exposed_of(family) if family.type == "counter" else s.name
            seconds = None if s.timestamp_ms is None else s.timestamp_ms / 1000
            rows.append((sample_name, dict(s.labels), repr(float(s.value)), seconds))
        rows.sort(key=lambda row: (row[0], sorted(row[1].items())))
        # prometheus_client reads the 0.0.4 type "untyped" as OpenMetrics' "unknown"
        kind = "unknown" if family.type == "untyped" else family.type
        want[parsed_name_of(family)] = (kind, family.help, rows)

    # Samples come in (name, labels) order within a family, and families in name order.
    assert parsed(text) == want
    # Families come in name order, samples in (name, labels) order.
    exposed_names = [line.split(" ")[2] for line in text.splitlines() if line.startswith("# TYPE ")]
    assert exposed_names == sorted(exposed_names)
