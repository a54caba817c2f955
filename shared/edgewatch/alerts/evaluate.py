"""Evaluating a rule's condition over fetched data, in two phases and without I/O.

1. ``queries_of(condition)`` lists the SeriesQuery each query of a (resolved) condition needs,
   once each; the adapter asks its stores for them (a SeriesSource, see ``fetch_all``).
2. ``evaluate(condition, fetched)`` computes a PromQL-like instant vector: label set -> value.

Semantics (PromQL's, on instant vectors):
- a comparison of a vector with a scalar keeps the series for which it holds, with the vector's
  value; of two vectors, the series present in both with identical label sets (the left value);
  of two scalars, one series with no labels (the left value) if it holds;
- arithmetic matches identical label sets the same way; a division by zero drops the series;
- ``and`` keeps the left series whose label set is on the right too, ``or`` is the union (the left
  value wins), ``not`` is pushed down to the comparisons (De Morgan) before evaluating.
- Missing data: a query with no series gives an empty vector, so the rule has no alert for it.
  (``error_rate`` of a service without errors is absent too, not 0, as in PromQL.)
- A query without ``by`` aggregates everything it matches into one series with no labels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from .expr import Arith, Compare, Condition, Logic, Node, Not, Number, Query, SignalRef, Value, push_not
from .matchers import Matcher
from .model import LabelSet

LOG_EVENTS = "log_events"  # the log-derived per-minute counts, labels service and level


class SeriesSourceKind(StrEnum):
    LOGS = "logs"
    METRICS = "metrics"


@dataclass(frozen=True)
class SeriesQuery:
    """One aggregate over ``[until - range_ms, until)`` of the series matching ``matchers``, grouped by ``by``.

    ``agg`` is sum, avg, min, max, count, rate (per second) or quantile (then ``quantile`` is in (0, 1)).
    """

    source: SeriesSourceKind
    name: str
    matchers: tuple[Matcher, ...]
    agg: str
    quantile: float | None
    range_ms: int
    by: tuple[str, ...]


SeriesValues = Mapping[LabelSet, float]  # label sets hold exactly the query's ``by`` labels
Fetched = Mapping[SeriesQuery, SeriesValues]
Vector = dict[LabelSet, float]


class SeriesSource(Protocol):
    """What the adapter implements over its log counts and metric windows."""

    def series(self, query: SeriesQuery, until_ms: int) -> SeriesValues: ...


class EvaluationError(ValueError):
    pass


def series_query(query: Query) -> SeriesQuery:
    source = SeriesSourceKind.LOGS if query.metric == LOG_EVENTS else SeriesSourceKind.METRICS
    quantile = query.quantile
    agg = "quantile" if quantile is not None else query.func
    return SeriesQuery(source, query.metric, query.matchers, agg, quantile, query.range_ms, query.by)


def queries_of(condition: Node) -> tuple[SeriesQuery, ...]:
    """The distinct queries of a condition whose signals are resolved, in the order they appear."""
    seen: dict[SeriesQuery, None] = {}
    for query in _queries(condition):
        seen.setdefault(series_query(query), None)
    return tuple(seen)


def _queries(node: Node) -> Iterator[Query]:
    if isinstance(node, Query):
        yield node
    elif isinstance(node, SignalRef):
        raise EvaluationError(f"signal {node.name!r} is not resolved")
    elif isinstance(node, Not):
        yield from _queries(node.operand)
    elif isinstance(node, Arith | Compare | Logic):
        yield from _queries(node.left)
        yield from _queries(node.right)


def fetch_all(source: SeriesSource, queries: Sequence[SeriesQuery], until_ms: int) -> dict[SeriesQuery, SeriesValues]:
    return {query: source.series(query, until_ms) for query in dict.fromkeys(queries)}


def evaluate(condition: Condition, fetched: Fetched) -> Vector:
    return _condition(push_not(condition), fetched)


def _condition(node: Condition, fetched: Fetched) -> Vector:
    if isinstance(node, Not):
        return _condition(push_not(node), fetched)
    if isinstance(node, Logic):
        left, right = _condition(node.left, fetched), _condition(node.right, fetched)
        if node.op == "and":
            return {labels: value for labels, value in left.items() if labels in right}
        return {**right, **left}
    return _compare(node.op, _value(node.left, fetched), _value(node.right, fetched))


_COMPARE: Mapping[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _compare(op: str, left: float | Vector, right: float | Vector) -> Vector:
    holds = _COMPARE[op]
    if isinstance(left, dict) and isinstance(right, dict):
        return {labels: value for labels, value in left.items() if labels in right and holds(value, right[labels])}
    if isinstance(left, dict):
        assert isinstance(right, float)
        return {labels: value for labels, value in left.items() if holds(value, right)}
    if isinstance(right, dict):
        return {labels: value for labels, value in right.items() if holds(left, value)}
    return {(): left} if holds(left, right) else {}


def _value(node: Value, fetched: Fetched) -> float | Vector:
    if isinstance(node, Number):
        return float(node.value)
    if isinstance(node, SignalRef):
        raise EvaluationError(f"signal {node.name!r} is not resolved")
    if isinstance(node, Query):
        query = series_query(node)
        if query not in fetched:
            raise EvaluationError(f"no data fetched for {query.agg}({query.name})")
        return dict(fetched[query])
    return _arith(node.op, _value(node.left, fetched), _value(node.right, fetched))


def _apply(op: str, a: float, b: float) -> float | None:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return None if b == 0 else a / b


def _arith(op: str, left: float | Vector, right: float | Vector) -> float | Vector:
    if not isinstance(left, dict) and not isinstance(right, dict):
        result = _apply(op, left, right)
        return {} if result is None else result
    lefts = left if isinstance(left, dict) else None
    rights = right if isinstance(right, dict) else None
    labels_of = lefts if lefts is not None else rights
    assert labels_of is not None
    out: Vector = {}
    for labels in labels_of:
        if (lefts is not None and labels not in lefts) or (rights is not None and labels not in rights):
            continue
        a = lefts[labels] if lefts is not None else float(left)  # type: ignore[arg-type]
        b = rights[labels] if rights is not None else float(right)  # type: ignore[arg-type]
        result = _apply(op, a, b)
        if result is not None:
            out[labels] = result
    return out
