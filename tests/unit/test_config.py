from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from edgewatch import config as schemas
from edgewatch.alerts import validate_alerting
from edgewatch.alerts.expr import Compare, Number, SignalRef, parse
from edgewatch.config import (
    DEFAULTS_DIR,
    ConfigError,
    Threshold,
    load_security_rules,
    load_web_vitals,
)
from edgewatch.stack import CROSS_CHECKS, default_config, load_monitoring, load_stack_config

# The concerns' own checks (uptime's healthChecks, alerting's rules), as edgewatch.stack hands them in.
WITH_ALERTING = CROSS_CHECKS


def _default(name: str) -> Any:
    return json.loads((DEFAULTS_DIR / name).read_text(encoding="utf-8"))


def _problems(exc: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return exc.value.problems


def _assert_problem(problems: list[str], path: str, phrase: str) -> None:
    """Exactly one problem line names ``path``, and its problem contains ``phrase``."""
    at_path = [p.removeprefix(f"{path}: ") for p in problems if p.startswith(f"{path}: ")]
    assert len(at_path) == 1, problems
    assert phrase in at_path[0], problems


# -- shipped defaults ----------------------------------------------------------------------


def test_defaults_health_checks() -> None:
    health = default_config().monitoring.health_checks
    assert health.interval == 60_000
    assert health.timeout == 10_000
    assert health.endpoints == ["/api/health", "/api/auth/health", "/api/pitches/health"]
    assert health.base_url is None


def test_defaults_metrics() -> None:
    metrics = default_config().monitoring.metrics
    assert metrics.collection.interval == 30_000
    assert metrics.collection.retention == "7d"
    assert metrics.collection.retention_ms == 7 * 86_400_000
    assert metrics.aggregation.window_size == "5m"
    assert metrics.aggregation.window_ms == 300_000
    assert metrics.aggregation.functions == ["avg", "p95", "p99", "count"]


def test_defaults_logging() -> None:
    logging = default_config().monitoring.logging
    assert logging.level == "info"
    assert logging.retention_ms == 30 * 86_400_000
    assert logging.structured is True
    assert logging.sampling == {"error": 1.0, "warn": 1.0, "info": 0.1, "debug": 0.01}
    assert logging.retention_overrides == {}


def test_defaults_channels() -> None:
    channels = default_config().monitoring.alerting.channels
    assert channels.slack is not None
    assert channels.slack.enabled is True
    assert channels.slack.webhook == "env:SLACK_WEBHOOK_URL"
    assert channels.pagerduty is not None
    assert channels.pagerduty.integration_key == "env:PAGERDUTY_INTEGRATION_KEY"
    assert channels.email is not None
    assert channels.email.recipients == ["alerts@pitchey.com"]


def test_defaults_alert_rules() -> None:
    rules = default_config().monitoring.alerting.rules
    got = [(r.name, r.severity, r.channels, r.for_duration, r.for_ms, parse(r.condition)) for r in rules]
    assert got == [
        ("High Error Rate", "warning", ["slack"], None, 0, Compare(">", SignalRef("error_rate"), Number(0.05))),
        (
            "Critical Error Rate",
            "critical",
            ["slack", "pagerduty"],
            None,
            0,
            Compare(">", SignalRef("error_rate"), Number(0.1)),
        ),
        (
            "High Response Time",
            "warning",
            ["slack"],
            None,
            0,
            Compare(">", SignalRef("p95_response_time"), Number(2000.0)),
        ),
    ]
    validate_alerting(default_config().monitoring.alerting)  # the seed's signals are all known


def test_defaults_security_rules() -> None:
    rules = default_config().security_rules
    got = [(r.id, r.endpoint, [(lim.requests, lim.window_ms) for lim in r.limits]) for r in rules]
    assert got == [
        ("rate-limit-auth", "/api/auth/*", [(5, 15 * 60_000), (20, 3_600_000)]),
        ("rate-limit-api", "/api/*", [(100, 60_000), (1000, 3_600_000)]),
    ]


def test_defaults_web_vitals() -> None:
    vitals = default_config().web_vitals
    assert vitals == {
        "cls": Threshold(good=0.1, poor=0.25),
        "fid": Threshold(good=100, poor=300),
        "lcp": Threshold(good=2500, poor=4000),
        "fcp": Threshold(good=1800, poor=3000),
        "ttfb": Threshold(good=800, poor=1800),
        "inp": Threshold(good=200, poor=500),
    }


def test_defaults_equal_explicit_default_text() -> None:
    # Passing the shipped files' text explicitly gives the same config as the None defaults.
    given = load_stack_config(
        (DEFAULTS_DIR / "monitoring-config.json").read_text(),
        (DEFAULTS_DIR / "security-rules.json").read_bytes(),
        (DEFAULTS_DIR / "web-vitals.json").read_text(),
    )
    assert given == default_config()


def test_empty_monitoring_document_takes_model_defaults() -> None:
    config = load_monitoring({})
    assert config.health_checks.interval == 60_000
    assert config.logging.sampling == {"error": 1.0, "warn": 1.0, "info": 0.1, "debug": 0.01}
    assert config.alerting.rules == []
    assert config.alerting.channels.slack is None


# -- conditions: their grammar is tests/unit/alerts/test_expr.py; here the config's side ---------


def test_rules_extend_compatibly() -> None:
    doc = {
        "alerting": {
            "channels": {"slack": {}},
            "signals": {"checkout_p99": 'p99(http_request_duration_ms{route="/checkout"}[5m]) by (service)'},
            "rules": [
                {
                    "name": "Slow checkout",
                    "condition": "checkout_p99 > 1500ms",
                    "severity": "warning",
                    "channels": ["slack"],
                    "for": "5m",
                    "keepFiringFor": "10m",
                    "labels": {"team": "payments"},
                    "annotations": {"summary": "{{ $labels.service }} slow", "runbook_url": "https://r/x"},
                }
            ],
        }
    }
    rule = schemas.load_monitoring(doc, cross_checks=WITH_ALERTING).alerting.rules[0]
    assert (rule.for_ms, rule.keep_firing_for_ms, rule.labels) == (300_000, 600_000, {"team": "payments"})
    assert rule.annotations.summary == "{{ $labels.service }} slow"
    assert rule.annotations.description is None


# -- invalid documents: each names the dotted field path and the problem ---------------------


def _monitoring_with(edit: Any) -> Any:
    doc = _default("monitoring-config.json")
    edit(doc)
    return doc


def _set(path: str, value: Any) -> Any:
    def edit(doc: Any) -> None:
        *parents, last = path.split("/")
        target = doc
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return edit


MONITORING_CASES: list[tuple[str, Any, str, str]] = [
    # (case, edit, dotted path, phrase of the problem)
    (
        "bad retention duration",
        _set("logging/retention", "30 days"),
        "monitoring.logging.retention",
        "invalid duration '30 days'",
    ),
    (
        "bad aggregation window (reported under its JSON name)",
        _set("metrics/aggregation/windowSize", "5min"),
        "monitoring.metrics.aggregation.windowSize",
        "invalid duration '5min'",
    ),
    (
        "zero duration",
        _set("metrics/collection/retention", "0d"),
        "monitoring.metrics.collection.retention",
        "must be positive",
    ),
    (
        "bad duration in a retention override",
        _set("logging/retentionOverrides", {"audit": "forever"}),
        "monitoring.logging.retentionOverrides.audit",
        "invalid duration 'forever'",
    ),
    (
        "bad 'for' of an alert rule",
        _set("alerting/rules/0/for", "soon"),
        "monitoring.alerting.rules.0.for",
        "invalid duration 'soon'",
    ),
    (
        "sampling above 1",
        _set("logging/sampling/info", 1.5),
        "monitoring.logging.sampling.info",
        "less than or equal to 1",
    ),
    (
        "sampling below 0",
        _set("logging/sampling/debug", -0.1),
        "monitoring.logging.sampling.debug",
        "greater than or equal to 0",
    ),
    (
        "sampling for an unknown level",
        _set("logging/sampling/verbose", 0.5),
        "monitoring.logging.sampling.verbose.[key]",
        "Input should be 'debug', 'info', 'warn', 'error' or 'fatal'",
    ),
    (
        "bad condition (the alerting cross-check names the rule, the field and the column)",
        _set("alerting/rules/2/condition", "p95_response_time >> 2000"),
        "monitoring.alerting.rules.2.condition",
        "rule 'High Response Time': column 20: expected a number, a signal or a query, got '>'",
    ),
    (
        "unknown severity",
        _set("alerting/rules/1/severity", "urgent"),
        "monitoring.alerting.rules.1.severity",
        "Input should be 'info', 'warning' or 'critical'",
    ),
    (
        "unknown channel name",
        _set("alerting/rules/0/channels", ["sms"]),
        "monitoring.alerting.rules.0.channels.0",
        "Input should be 'slack', 'pagerduty' or 'email'",
    ),
    (
        # The rule check runs on the whole alerting block; the message names the rule by index.
        "rule uses a channel that is not configured",
        lambda doc: doc["alerting"]["channels"].pop("pagerduty"),
        "monitoring.alerting",
        "rules.1 ('Critical Error Rate') uses channel 'pagerduty', which is not configured",
    ),
    (
        "duplicate rule names",
        _set("alerting/rules/2/name", "High Error Rate"),
        "monitoring.alerting",
        "rule names must be unique; repeated: High Error Rate",
    ),
    (
        "typo at the top level",
        lambda doc: doc.update(healthCheck=doc.pop("healthChecks")),
        "monitoring.healthCheck",
        "Extra inputs are not permitted",
    ),
    (
        "typo in a nested block",
        _set("logging/levle", "info"),
        "monitoring.logging.levle",
        "Extra inputs are not permitted",
    ),
    (
        "unknown field in a rule",
        _set("alerting/rules/0/threshold", 5),
        "monitoring.alerting.rules.0.threshold",
        "Extra inputs are not permitted",
    ),
    (
        "pagerduty key given literally",
        _set("alerting/channels/pagerduty/integrationKey", "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4"),
        "monitoring.alerting.channels.pagerduty.integrationKey",
        "never the key itself",
    ),
    (
        "pagerduty key from a lower-case env name",
        _set("alerting/channels/pagerduty/integrationKey", "env:pagerduty"),
        "monitoring.alerting.channels.pagerduty.integrationKey",
        "must be a secret reference",
    ),
    (
        "slack webhook neither env: nor URL",
        _set("alerting/channels/slack/webhook", "hooks.slack.com/services/T000/B000/XXX"),
        "monitoring.alerting.channels.slack.webhook",
        "must be a secret reference such as 'env:SLACK_WEBHOOK_URL' or an http(s) URL",
    ),
    (
        "email recipient is not an address",
        _set("alerting/channels/email/recipients", ["alerts@pitchey.com", "ops team"]),
        "monitoring.alerting.channels.email.recipients",
        "'ops team' is not an email address",
    ),
    (
        "endpoint is neither a path nor a URL",
        _set("healthChecks/endpoints/1", "api/auth/health"),
        "monitoring.healthChecks.endpoints",
        "'api/auth/health' must be a path starting with '/'",
    ),
    (
        "health-check interval below the cron's minute",
        _set("healthChecks/interval", 30_000),
        "monitoring.healthChecks.interval",
        "greater than or equal to 60000",
    ),
    (
        "health-check timeout above 30s",
        _set("healthChecks/timeout", 60_000),
        "monitoring.healthChecks.timeout",
        "less than or equal to 30000",
    ),
    (
        "base URL is not http(s)",
        _set("healthChecks/baseUrl", "ftp://pitchey.com"),
        "monitoring.healthChecks.baseUrl",
        "must be an http(s) URL",
    ),
    (
        "unknown aggregation function",
        _set("metrics/aggregation/functions", ["avg", "median"]),
        "monitoring.metrics.aggregation.functions.1",
        "Input should be",
    ),
    (
        "rule without channels",
        _set("alerting/rules/0/channels", []),
        "monitoring.alerting.rules.0.channels",
        "at least 1 item",
    ),
    (
        "rule with an empty name",
        _set("alerting/rules/0/name", ""),
        "monitoring.alerting.rules.0.name",
        "at least 1 character",
    ),
    (
        "rule missing its condition",
        lambda doc: doc["alerting"]["rules"][0].pop("condition"),
        "monitoring.alerting.rules.0.condition",
        "Field required",
    ),
    (
        "weekly report to a pagerduty receiver",
        _set("reports", {"weekly": {"enabled": True, "receivers": ["slack", "pagerduty"]}}),
        "monitoring.reports.weekly.receivers.1",
        "'pagerduty' is a pagerduty receiver; reports go to slack or email receivers",
    ),
    (
        "weekly report to an unknown receiver",
        _set("reports", {"weekly": {"receivers": ["teams"]}}),
        "monitoring.reports.weekly.receivers.0",
        "'teams' is not a configured alerting receiver",
    ),
    (
        "weekly report enabled without receivers",
        _set("reports", {"weekly": {"enabled": True}}),
        "monitoring.reports.weekly.receivers",
        "needs at least one receiver",
    ),
    (
        "weekly report on a day that is not one",
        _set("reports", {"weekly": {"weekday": "mon"}}),
        "monitoring.reports.weekly.weekday",
        "Input should be 'monday'",
    ),
    (
        "an SLA target over 100%",
        _set("reports", {"slaTarget": 100.5}),
        "monitoring.reports.slaTarget",
        "less than or equal to 100",
    ),
    (
        "a check's SLA target of 0",
        _set("reports", {"slaTargets": {"api": 0}}),
        "monitoring.reports.slaTargets.api",
        "greater than 0",
    ),
]


def test_reports_defaults_and_per_check_targets() -> None:
    reports = load_monitoring({"reports": {"slaTargets": {"api": 99.99}}}).reports
    assert reports.weekly.enabled is False and reports.weekly.weekday == "monday" and reports.sla_target == 99.9
    assert reports.target_for("api") == 99.99 and reports.target_for("web") == 99.9
    doc = {"reports": {"weekly": {"enabled": True, "receivers": ["slack", "email"], "weekday": "friday"}}}
    assert load_monitoring({**_default("monitoring-config.json"), **doc}).reports.weekly.receivers == ["slack", "email"]


@pytest.mark.parametrize(
    ("edit", "path", "phrase"),
    [pytest.param(edit, path, phrase, id=case) for case, edit, path, phrase in MONITORING_CASES],
)
def test_invalid_monitoring(edit: Any, path: str, phrase: str) -> None:
    doc = _monitoring_with(edit)
    with pytest.raises(ConfigError) as info:
        schemas.load_stack_config(monitoring=json.dumps(doc), cross_checks=WITH_ALERTING)
    problems = _problems(info)
    assert len(problems) == 1, problems
    _assert_problem(problems, path, phrase)
    assert info.value.source == "monitoring-config.json"


def test_every_problem_is_reported_not_only_the_first() -> None:
    doc = _default("monitoring-config.json")
    doc["logging"]["retention"] = "bad"
    doc["logging"]["sampling"]["info"] = 2
    doc["alerting"]["rules"][0]["condition"] = "nope"
    with pytest.raises(ConfigError) as info:
        schemas.load_monitoring(doc, cross_checks=WITH_ALERTING)
    fields = sorted(p.partition(": ")[0] for p in _problems(info))
    assert fields == [
        "monitoring.alerting.rules.0.condition",
        "monitoring.logging.retention",
        "monitoring.logging.sampling.info",
    ]


def _rule(rule_id: str = "r", endpoint: str = "/api/*", limits: Any = None) -> dict[str, Any]:
    if limits is None:
        limits = [{"requests": 1, "windowMs": 1000}]
    return {"id": rule_id, "endpoint": endpoint, "limits": limits}


SECURITY_CASES: list[tuple[str, Any, str, str]] = [
    # (case, document, dotted path, phrase)
    (
        "duplicate rule ids",
        [_rule("a"), _rule("b"), _rule("a", "/x")],
        "security_rules",
        "rule ids must be unique; repeated: a",
    ),
    ("'*' in the middle of an endpoint", [_rule(endpoint="/api/*/auth")], "security_rules.0.endpoint", "'*' is only"),
    ("'*' twice", [_rule(), _rule("b", endpoint="/api/**")], "security_rules.1.endpoint", "'*' is only"),
    ("endpoint without a leading slash", [_rule(endpoint="api/*")], "security_rules.0.endpoint", "starting with '/'"),
    ("no limits", [_rule(limits=[])], "security_rules.0.limits", "at least 1 item"),
    (
        "zero requests",
        [_rule(limits=[{"requests": 0, "windowMs": 1000}])],
        "security_rules.0.limits.0.requests",
        "greater than 0",
    ),
    ("empty id", [_rule("")], "security_rules.0.id", "at least 1 character"),
    ("not a list", {"id": "a"}, "security_rules", "valid list"),
]


@pytest.mark.parametrize(
    ("doc", "path", "phrase"),
    [pytest.param(doc, path, phrase, id=case) for case, doc, path, phrase in SECURITY_CASES],
)
def test_invalid_security_rules(doc: Any, path: str, phrase: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_stack_config(security_rules=json.dumps(doc))
    problems = _problems(info)
    assert len(problems) == 1, problems
    _assert_problem(problems, path, phrase)
    assert info.value.source == "security-rules.json"


VITALS_CASES: list[tuple[str, Any, str, str]] = [
    # (case, change to the shipped thresholds, dotted path, phrase)
    ("good above poor", {"lcp": {"good": 4000, "poor": 2500}}, "web_vitals.lcp", "'good' (4000.0) must be below"),
    ("good equal to poor", {"cls": {"good": 0.25, "poor": 0.25}}, "web_vitals.cls", "must be below 'poor' (0.25)"),
    ("negative threshold", {"inp": {"good": -1, "poor": 500}}, "web_vitals.inp.good", "greater than or equal to 0"),
    ("unknown vital", {"tti": {"good": 1, "poor": 2}}, "web_vitals.tti.[key]", "Input should be 'cls'"),
    ("missing poor", {"fcp": {"good": 1800}}, "web_vitals.fcp.poor", "Field required"),
    ("typo in a key", {"fid": {"good": 100, "poor": 300, "bad": 400}}, "web_vitals.fid.bad", "Extra inputs"),
]


def test_misnamed_field_reports_the_typo_and_the_missing_field() -> None:
    doc = [_rule(limits=[{"requests": 5, "window": 1000}])]
    with pytest.raises(ConfigError) as info:
        load_security_rules(doc)
    problems = _problems(info)
    assert len(problems) == 2, problems
    _assert_problem(problems, "security_rules.0.limits.0.window", "Extra inputs are not permitted")
    _assert_problem(problems, "security_rules.0.limits.0.windowMs", "Field required")


@pytest.mark.parametrize(
    ("change", "path", "phrase"),
    [pytest.param(change, path, phrase, id=case) for case, change, path, phrase in VITALS_CASES],
)
def test_invalid_web_vitals(change: dict[str, Any], path: str, phrase: str) -> None:
    doc = {**_default("web-vitals.json"), **change}
    with pytest.raises(ConfigError) as info:
        load_stack_config(web_vitals=json.dumps(doc))
    problems = _problems(info)
    assert len(problems) == 1, problems
    _assert_problem(problems, path, phrase)
    assert info.value.source == "web-vitals.json"


@pytest.mark.parametrize(
    ("argument", "text", "line", "column"),
    [
        ("monitoring", '{\n  "logging": {},\n}', 3, 1),  # trailing comma
        ("security_rules", "[\n  {\n    'id': 'x'\n  }\n]", 3, 5),  # single quotes
        ("web_vitals", "", 1, 1),  # empty file
        ("monitoring", '{"a": 1} {"b": 2}', 1, 10),  # two documents
    ],
)
def test_invalid_json_reports_line_and_column(argument: str, text: str, line: int, column: int) -> None:
    with pytest.raises(ConfigError) as info:
        load_stack_config(**{argument: text})
    problems = _problems(info)
    assert len(problems) == 1
    assert problems[0].startswith("not valid JSON: ")
    assert problems[0].endswith(f" at line {line} column {column}")


def test_config_error_message_lists_source_and_every_problem() -> None:
    error = ConfigError("x.json", ["a.b: bad", "c: worse"])
    assert str(error) == "invalid configuration in x.json:\n  - a.b: bad\n  - c: worse"
    assert isinstance(error, ValueError)


def test_models_are_frozen() -> None:
    config = default_config()
    with pytest.raises(ValueError):
        config.monitoring.logging.level = "debug"  # type: ignore[misc]


def test_loaders_do_not_mutate_input() -> None:
    doc = _default("monitoring-config.json")
    before = copy.deepcopy(doc)
    load_monitoring(doc)
    assert doc == before


@pytest.mark.parametrize(
    ("loader", "doc", "source", "path"),
    [
        (load_monitoring, {"logging": {"level": "trace"}}, "monitoring-config.json", "monitoring.logging.level"),
        (load_security_rules, [_rule(endpoint="")], "security-rules.json", "security_rules.0.endpoint"),
        (load_web_vitals, {"lcp": {"good": 1, "poor": "x"}}, "web-vitals.json", "web_vitals.lcp.poor"),
    ],
)
def test_standalone_loaders_name_their_source(loader: Any, doc: Any, source: str, path: str) -> None:
    with pytest.raises(ConfigError) as info:
        loader(doc)
    assert info.value.source == source
    assert [p.partition(": ")[0] for p in _problems(info)] == [path]
