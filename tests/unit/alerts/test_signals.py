from __future__ import annotations

import pytest

from edgewatch.alerts.expr import Arith, Compare, Number, Query, RuleSyntaxError, SignalRef, parse
from edgewatch.alerts.matchers import Matcher, MatchOp
from edgewatch.alerts.signals import SignalError, signal_table

ERRORS = Query("sum", "log_events", (Matcher("level", MatchOp.REGEX, "error|fatal"),), by=("service",))
TOTAL = Query("sum", "log_events", by=("service",))


def test_named_signals_resolve_to_the_same_ast_as_explicit_queries() -> None:
    table = signal_table()
    assert table.resolve(parse("error_rate > 0.05")) == Compare(">", Arith("/", ERRORS, TOTAL), Number(0.05))
    explicit = parse("p95(http_request_duration_ms[5m]) by (service) > 2000")
    assert table.resolve(parse("p95_response_time > 2000")) == explicit


def test_config_adds_and_overrides_signals() -> None:
    table = signal_table({"p95_response_time": "p99(t[1m]) by service", "slow": 'avg(t{route="/x"})'})
    assert table.resolve_value(SignalRef("p95_response_time")) == Query("p99", "t", (), 60_000, ("service",))
    assert "error_rate" in table.names() and "slow" in table.names()


@pytest.mark.parametrize(
    ("overrides", "phrase"),
    [
        ({"Bad": "avg(t)"}, "signals.Bad: a signal name"),  # names are lower-case
        ({"and": "avg(t)"}, "signals.and: a signal name"),  # not a keyword
        ({"p50": "avg(t)"}, "signals.p50: a signal name"),  # not a function name
        ({"s": "avg(t) > 1"}, "signals.s: column 1: expected a value"),  # a value, not a condition
        ({"s": "error_rate * 2"}, "signals.s: column 1: expected a number, a signal () or a query"),  # no chains
    ],
)
def test_bad_signals_name_the_signal(overrides: dict[str, str], phrase: str) -> None:
    with pytest.raises(SignalError) as info:
        signal_table(overrides)
    assert str(info.value).startswith(phrase), str(info.value)


def test_unknown_signal_at_resolution_names_the_column() -> None:
    with pytest.raises(RuleSyntaxError, match="column 10: expected a number, a signal"):
        signal_table().resolve(parse("1 > 1 or nope > 2"))
