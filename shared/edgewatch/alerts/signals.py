"""Named signals: a configurable table from a name to the value expression it stands for.

A signal is written in the rule language itself (a value, see ``expr``), so a named signal and the
explicit query it stands for give the same AST. Config (``alerting.signals``) adds or overrides
entries: ``{"checkout_p99": "p99(http_request_duration_ms{route=\\"/checkout\\"}[5m]) by (service)"}``.
A signal's definition may not use other signals (no chains, no cycles).

The log-derived counts are the metric ``log_events`` (see ``evaluate.LOG_EVENTS``): events seen per
service and level, before sampling.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .expr import (
    AGGREGATIONS,
    KEYWORDS,
    Arith,
    Compare,
    Condition,
    Logic,
    Node,
    Not,
    Number,
    Query,
    RuleSyntaxError,
    SignalRef,
    Value,
    parse_value,
)

DEFAULT_SIGNALS: Mapping[str, str] = {
    # errors (levels error and fatal) over all log events, per service, over the last 5 minutes
    "error_rate": 'sum(log_events{level=~"error|fatal"}[5m]) by (service) / sum(log_events[5m]) by (service)',
    # the p95 of the request timing, per service, over the last 5 minutes
    "p95_response_time": "p95(http_request_duration_ms[5m]) by (service)",
    # from the traces (pitchey-apm): server spans' errors over requests, and their p95, per service
    "apm_error_rate": "sum(apm_errors[5m]) by (service) / sum(apm_requests[5m]) by (service)",
    "apm_p95_ms": "p95(apm_request_duration_ms[5m]) by (service)",
}
_SIGNAL_NAME = re.compile(r"[a-z_][a-z0-9_]{0,63}")
_QUANTILE_NAME = re.compile(r"p(?:[1-9][0-9]?|999)")


@dataclass(frozen=True)
class Signal:
    name: str
    text: str
    value: Value


@dataclass(frozen=True)
class SignalTable:
    signals: Mapping[str, Signal]

    def names(self) -> frozenset[str]:
        return frozenset(self.signals)

    def resolve(self, condition: Condition) -> Condition:
        """The condition with every signal replaced by its definition; an unknown one raises at its column."""
        resolved = _resolve(condition, self)
        assert isinstance(resolved, Compare | Logic | Not)
        return resolved

    def resolve_value(self, value: Value) -> Value:
        resolved = _resolve(value, self)
        assert not isinstance(resolved, Compare | Logic | Not)
        return resolved


class SignalError(ValueError):
    """A configured signal is invalid; the message starts with ``signals.<name>``."""


def signal_table(overrides: Mapping[str, str] | None = None) -> SignalTable:
    """The default signals with ``overrides`` (name -> value expression) added or replacing them."""
    texts = {**DEFAULT_SIGNALS, **(overrides or {})}
    signals: dict[str, Signal] = {}
    for name, text in texts.items():
        if (
            not _SIGNAL_NAME.fullmatch(name)
            or name in KEYWORDS
            or name in AGGREGATIONS
            or _QUANTILE_NAME.fullmatch(name)
        ):
            raise SignalError(
                f"signals.{name}: a signal name is lower-case letters, digits and '_' (at most 64), "
                "not a keyword or a function name"
            )
        if not isinstance(text, str):
            raise SignalError(f"signals.{name}: expected the text of a value expression")
        try:
            value = parse_value(text, signals=())
        except RuleSyntaxError as exc:
            raise SignalError(f"signals.{name}: {exc}") from None
        signals[name] = Signal(name, text, value)
    return SignalTable(signals)


def _resolve(node: Node, table: SignalTable) -> Node:
    if isinstance(node, SignalRef):
        signal = table.signals.get(node.name)
        if signal is None:
            known = ", ".join(sorted(table.signals))
            raise RuleSyntaxError(node.column, f"a number, a signal ({known}) or a query", repr(node.name))
        return signal.value
    if isinstance(node, Number | Query):
        return node
    if isinstance(node, Not):
        operand = _resolve(node.operand, table)
        assert isinstance(operand, Compare | Logic | Not)
        return Not(operand)
    left, right = _resolve(node.left, table), _resolve(node.right, table)
    if isinstance(node, Logic):
        assert isinstance(left, Compare | Logic | Not) and isinstance(right, Compare | Logic | Not)
        return Logic(node.op, left, right)
    assert not isinstance(left, Compare | Logic | Not) and not isinstance(right, Compare | Logic | Not)
    return Arith(node.op, left, right) if isinstance(node, Arith) else Compare(node.op, left, right)
