from __future__ import annotations

from typing import Any

import pytest

from edgewatch.alerts.ruleconfig import compile_rules, validate_alerting
from edgewatch.config import AlertingConfig
from edgewatch.stack import default_config


def _alerting(rule: dict[str, Any], signals: dict[str, str] | None = None) -> AlertingConfig:
    base = {
        "name": "Critical Error Rate",
        "condition": "error_rate > 0.1",
        "severity": "critical",
        "channels": ["slack"],
    }
    doc = {"channels": {"slack": {}}, "rules": [{**base, "name": "ok"}, {**base, **rule}], "signals": signals or {}}
    return AlertingConfig.model_validate(doc)


def test_seed_rules_compile_per_service() -> None:
    rules = compile_rules(default_config().monitoring.alerting)
    assert [r.spec.name for r in rules] == ["High Error Rate", "Critical Error Rate", "High Response Time"]
    assert [{q.by for q in r.queries} for r in rules] == [{("service",)}] * 3
    assert rules[2].queries[0].quantile == 0.95


@pytest.mark.parametrize(
    ("rule", "signals", "message"),
    [
        # a bad condition names the rule, the field and the column
        (
            {"condition": "error_rate > x"},
            None,
            "rules.1.condition: rule 'Critical Error Rate': column 14: expected a number, a signal",
        ),
        ({"condition": "error_rate >"}, None, "rules.1.condition: rule 'Critical Error Rate': column 13: expected"),
        ({"labels": {"__x": "1"}}, None, "rules.1.labels.__x: rule 'Critical Error Rate': a label name"),
        ({"labels": {"severity": "low"}}, None, "rules.1.labels.severity: rule 'Critical Error Rate': set by"),
        ({}, {"error_rate": "avg("}, "signals.error_rate: column 5: expected a metric name"),
    ],
)
def test_validate_alerting_names_the_problem(
    rule: dict[str, Any], signals: dict[str, str] | None, message: str
) -> None:
    with pytest.raises(ValueError) as info:
        validate_alerting(_alerting(rule, signals))
    assert str(info.value).startswith(message), str(info.value)


def test_configured_signal_serves_a_rule() -> None:
    config = _alerting({"condition": "slow > 2s", "for": "5m", "annotations": {"summary": "s"}}, {"slow": "max(t)"})
    spec = compile_rules(config)[1].spec
    assert (spec.for_ms, spec.annotations) == (300_000, (("summary", "s"),))
