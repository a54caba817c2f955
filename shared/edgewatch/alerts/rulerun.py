"""One evaluation of every rule at one cron minute, over data fetched once per query.

The alerts handed to the center carry times no later than ``now_ms`` (an evaluation time ahead of
the clock, as a test stack's pinned cron has, never makes a resolved alert look firing), and a
firing alert is valid for ``VALID_MS`` past now (Prometheus's 4 x the evaluation interval): if
evaluations stop, its alerts resolve on their own instead of firing forever.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from .evaluate import EvaluationError, Fetched, SeriesQuery, evaluate
from .model import Alert
from .ruleconfig import CompiledRule
from .rulestate import EvalOutcome, RuleState

VALID_MS = 4 * 60_000


@dataclass(frozen=True)
class RuleOutcome:
    rule: str
    outcome: EvalOutcome
    firing: int
    pending: int
    error: str | None = None


@dataclass(frozen=True)
class RuleRun:
    outcomes: tuple[RuleOutcome, ...]
    alerts: tuple[Alert, ...]


def for_dispatch(alert: Alert, now_ms: int) -> Alert:
    ends = now_ms + VALID_MS if alert.ends_at_ms is None else min(alert.ends_at_ms, now_ms)
    return replace(alert, starts_at_ms=min(alert.starts_at_ms, now_ms), ends_at_ms=ends, updated_at_ms=now_ms)


def run_rules(
    rules: Iterable[CompiledRule],
    states: dict[str, RuleState],
    fetched: Fetched,
    *,
    errors: Mapping[SeriesQuery, str],
    eval_ms: int,
    now_ms: int,
) -> RuleRun:
    """``errors`` maps a query to why it could not be fetched; a rule needing it fails."""
    outcomes: list[RuleOutcome] = []
    alerts: list[Alert] = []
    for rule in rules:
        state = states.setdefault(rule.spec.name, RuleState(rule.spec.name))
        failed = next((errors[q] for q in rule.queries if q in errors), None)
        try:
            if failed is not None:
                raise EvaluationError(failed)
            result = state.evaluate(rule.spec, evaluate(rule.condition, fetched), eval_ms, 0)
        except (EvaluationError, ValueError) as exc:
            result = state.record_error(eval_ms, str(exc)[:500], 0)
        counts = [a.state.value for a in state.series.values()]
        outcomes.append(
            RuleOutcome(
                rule.spec.name, result.outcome, counts.count("firing"), counts.count("pending"), state.last_error
            )
        )
        alerts.extend(for_dispatch(a, now_ms) for a in result.alerts)
    return RuleRun(tuple(outcomes), tuple(alerts))
