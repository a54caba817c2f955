"""The alerting section's own checks (a config cross-check) and its rules compiled for evaluation.

``validate_alerting`` here checks the rules only; ``setup.validate_alerting`` (registered by
``edgewatch.stack`` under the section key ``"alerting"``) checks them with the routes, receivers
and inhibition rules. Its ValueError names the field the way the rest of the config does, e.g.
``rules.1 ('Critical Error Rate').condition: column 14: expected a number, a signal (...) or a query, got 'x'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..config import AlertingConfig, AlertRule, FieldProblem
from .evaluate import SeriesQuery, queries_of
from .expr import Condition, RuleSyntaxError, parse
from .rulestate import RuleSpec
from .signals import SignalTable, signal_table

_LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RESERVED_LABELS = frozenset({"alertname", "severity"})  # set from the rule's name and severity


@dataclass(frozen=True)
class CompiledRule:
    spec: RuleSpec
    condition: Condition  # signals resolved: only queries and numbers
    queries: tuple[SeriesQuery, ...]


def validate_alerting(config: AlertingConfig) -> None:
    compile_rules(config)


def compile_rules(config: AlertingConfig) -> tuple[CompiledRule, ...]:
    """Every rule parsed and resolved against the signal table; raises ValueError naming the field."""
    table = signal_table(config.signals)  # SignalError is a ValueError naming ``signals.<name>``
    return tuple(_compile(index, rule, table) for index, rule in enumerate(config.rules))


def _compile(index: int, rule: AlertRule, table: SignalTable) -> CompiledRule:
    where, named = f"rules.{index}", f"rule {rule.name!r}"
    try:
        condition = table.resolve(parse(rule.condition, table.names()))
    except RuleSyntaxError as exc:
        raise FieldProblem(f"{where}.condition", f"{named}: {exc}") from None
    for name in rule.labels:
        if not _LABEL_NAME.fullmatch(name) or name.startswith("__"):
            problem = "a label name is letters, digits and '_', not starting with '__'"
            raise FieldProblem(f"{where}.labels.{name}", f"{named}: {problem}")
        if name in RESERVED_LABELS:
            problem = f"set by the rule's {'name' if name == 'alertname' else name}"
            raise FieldProblem(f"{where}.labels.{name}", f"{named}: {problem}")
    return CompiledRule(rule_spec(rule), condition, queries_of(condition))


def rule_spec(rule: AlertRule) -> RuleSpec:
    annotations = {
        "summary": rule.annotations.summary,
        "description": rule.annotations.description,
        "runbook_url": rule.annotations.runbook_url,
    }
    return RuleSpec(
        name=rule.name,
        severity=rule.severity,
        for_ms=rule.for_ms,
        keep_firing_for_ms=rule.keep_firing_for_ms,
        labels=tuple(sorted(rule.labels.items())),
        annotations=tuple(sorted((key, text) for key, text in annotations.items() if text is not None)),
    )
