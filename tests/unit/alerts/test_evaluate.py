from __future__ import annotations

import pytest

from edgewatch.alerts.evaluate import (
    EvaluationError,
    SeriesQuery,
    SeriesSourceKind,
    SeriesValues,
    evaluate,
    fetch_all,
    queries_of,
)
from edgewatch.alerts.expr import parse
from edgewatch.alerts.signals import signal_table
from edgewatch.codec import decode, encode
from edgewatch.quantiles import nearest_rank

TABLE = signal_table()
API, WEB, JOBS = (("service", "api"),), (("service", "web"),), (("service", "jobs"),)


class FakeSource:
    """Answers from per-service log counts (errors, total) and raw request timings."""

    def __init__(self, errors: dict[str, int], total: dict[str, int], timings: dict[str, list[float]]) -> None:
        self.errors, self.total, self.timings = errors, total, timings
        self.asked: list[SeriesQuery] = []

    def series(self, query: SeriesQuery, until_ms: int) -> SeriesValues:
        self.asked.append(query)
        if query.source is SeriesSourceKind.LOGS:
            counts = self.errors if query.matchers else self.total
            return {(("service", s),): float(n) for s, n in counts.items()}
        assert query.quantile is not None
        return {(("service", s),): nearest_rank(sorted(v), query.quantile) or 0.0 for s, v in self.timings.items()}


def run(text: str, source: FakeSource) -> dict[tuple[tuple[str, str], ...], float]:
    condition = TABLE.resolve(parse(text))
    return evaluate(condition, fetch_all(source, queries_of(condition), 60_000))


SOURCE = FakeSource({"api": 12, "web": 8}, {"api": 100, "web": 100, "jobs": 50}, {"api": [120, 180, 220, 2500] * 5})

CASES = [
    # (condition, expected vector)
    ("error_rate > 0.05", {API: 0.12, WEB: 0.08}),  # one series per service; jobs has no errors: no series
    ("error_rate > 0.1", {API: 0.12}),  # 12% is critical, 8% is not
    ("not error_rate > 0.1", {WEB: 0.08}),  # not pushed down: error_rate <= 0.1
    ("0.1 < error_rate", {API: 0.12}),  # scalar on the left: the vector's value
    ("p95_response_time > 2000", {API: 2500.0}),  # a quarter of the requests is slower than 2 s
    ("error_rate > 0.05 and p95_response_time > 2000", {API: 0.12}),  # intersection, left value
    ("error_rate > 0.1 or p95_response_time > 1", {API: 0.12}),  # union, left value wins
    ("error_rate > 0.09 or error_rate < 0.09", {API: 0.12, WEB: 0.08}),
    ("error_rate > error_rate * 2", {}),  # vector against vector on identical label sets
    ("error_rate * 100 >= 8", {API: 12.0, WEB: 8.0}),
    ("1 > 0", {(): 1.0}),  # scalars: one series without labels
    ("1 < 0", {}),
    ('sum(log_events{level=~"error|fatal"}[5m]) by (service) / 0 > 0', {}),  # division by zero drops
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_evaluate(text: str, expected: dict[tuple[tuple[str, str], ...], float]) -> None:
    assert run(text, SOURCE) == pytest.approx(expected)


def test_each_query_is_fetched_once() -> None:
    source = FakeSource({}, {}, {})
    assert run("error_rate > 0.05 or error_rate < 0.01", source) == {}  # missing data: no alert
    assert len(source.asked) == 2  # errors and totals, once each


def test_missing_fetch_and_unresolved_signals_are_errors() -> None:
    with pytest.raises(EvaluationError, match="no data fetched"):
        evaluate(TABLE.resolve(parse("error_rate > 1")), {})
    with pytest.raises(EvaluationError, match="not resolved"):
        queries_of(parse("error_rate > 1"))


def test_a_series_query_with_a_regex_matcher_crosses_the_codec() -> None:
    # The rules job sends SeriesQuery objects to the monitoring Worker over RPC (found on workerd).
    (query,) = queries_of(parse('p99(http_request_duration_ms{route=~"/api/.*"}[5m]) by (service) > 1500'))
    back = decode(SeriesQuery, encode(query))
    assert back == query
    assert back.matchers[0].matches("/api/pitches") and not back.matchers[0].matches("/health")
