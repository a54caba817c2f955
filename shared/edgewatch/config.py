"""The stack's configuration: the user's monitoring-config.json, security rules and Web Vitals
thresholds, loaded into validated models.

An invalid file fails with a ConfigError whose lines each name the field (as a dotted path)
and the problem, e.g. ``monitoring.alerting.rules.0.condition: ...``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .durations import DurationError, parse_duration_ms

DEFAULTS_DIR = Path(__file__).with_name("defaults")

LogLevel = Literal["debug", "info", "warn", "error", "fatal"]
Severity = Literal["info", "warning", "critical"]
AggregationFunction = Literal["avg", "count", "min", "max", "sum", "p50", "p75", "p90", "p95", "p99"]
ChannelName = Literal["slack", "pagerduty", "email"]

_SECRET_REF = re.compile(r"^env:[A-Z][A-Z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class FieldProblem(ValueError):
    """A concern's cross-check found a problem at ``path`` below the section it checks
    (``rules.2.condition`` in ``alerting``); the problem list names the full path."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class ConfigError(ValueError):
    """A configuration file is invalid; ``problems`` holds one "field: problem" line each."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"invalid configuration in {source}:\n" + "\n".join(f"  - {p}" for p in problems))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _duration(value: str) -> str:
    try:
        parse_duration_ms(value)
    except DurationError as exc:
        raise ValueError(str(exc)) from None
    return value


Duration = Annotated[str, AfterValidator(_duration)]


def _secret_or_url(value: str) -> str:
    if _SECRET_REF.match(value) or value.startswith(("https://", "http://")):
        return value
    raise ValueError("must be a secret reference such as 'env:SLACK_WEBHOOK_URL' or an http(s) URL")


# A concern's extra check of one section, by the section's name ("healthChecks"); it raises
# ValueError naming the field. The schemas here stay a leaf: they import no concern.
CrossChecks = Mapping[str, Callable[[Any], None]]


def _cross_check(info: ValidationInfo, section: str) -> Callable[[Any], None] | None:
    checks: CrossChecks = (info.context or {}).get("cross_checks") or {}
    return checks.get(section)


class HealthChecksConfig(_Model):
    interval: int = Field(60_000, ge=60_000, description="ms between runs; the cron runs every minute")
    timeout: int = Field(10_000, gt=0, le=30_000)
    endpoints: list[str] = Field(default_factory=list)
    base_url: str | None = Field(None, alias="baseUrl")
    checks: list[dict[str, Any]] = Field(default_factory=list, description="full check specs, see README")
    heartbeats: list[dict[str, Any]] = Field(default_factory=list)
    maintenance: list[dict[str, Any]] = Field(default_factory=list)
    concurrency: int = Field(6, ge=1, le=50, description="probes in flight at once per cron run")
    # One cron invocation may make a bounded number of subrequests (Workers Free: 50, Paid:
    # 10,000); due checks beyond this wait for the next minute, the longest-waiting first.
    max_per_run: int = Field(500, ge=1, le=9_000, alias="maxPerRun")

    @field_validator("endpoints")
    @classmethod
    def _endpoints(cls, value: list[str]) -> list[str]:
        for item in value:
            if not (item.startswith(("/", "https://", "http://"))):
                raise ValueError(f"{item!r} must be a path starting with '/' or an http(s) URL")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith(("https://", "http://"))):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> HealthChecksConfig:
        """The monitors' own rules belong to the uptime concern: edgewatch.stack hands them in."""
        check = _cross_check(info, "healthChecks")
        if check is not None:
            check(self)  # raises ValueError naming the field
        return self


class MetricsCollection(_Model):
    interval: int = Field(30_000, gt=0)
    retention: Duration = "7d"

    @property
    def retention_ms(self) -> int:
        return parse_duration_ms(self.retention)


def _default_functions() -> list[AggregationFunction]:
    return ["avg", "p95", "p99", "count"]


def _default_sampling() -> dict[LogLevel, float]:
    return {"error": 1.0, "warn": 1.0, "info": 0.1, "debug": 0.01}


class MetricsAggregation(_Model):
    window_size: Duration = Field("5m", alias="windowSize")
    functions: list[AggregationFunction] = Field(default_factory=_default_functions)

    @property
    def window_ms(self) -> int:
        return parse_duration_ms(self.window_size)


class MetricsConfig(_Model):
    collection: MetricsCollection = Field(default_factory=MetricsCollection)
    aggregation: MetricsAggregation = Field(default_factory=MetricsAggregation)


class LogBufferConfig(_Model):
    """When a shard's buffer is flushed to R2 besides the hourly cron."""

    shards: int = Field(4, ge=1, le=64)
    max_entries: int = Field(5_000, ge=1, le=100_000, alias="maxEntries")
    max_bytes: int = Field(2_000_000, ge=1_000, le=20_000_000, alias="maxBytes")
    max_age: Duration = Field("10m", alias="maxAge")
    # How long an accepted batch's row is kept once archived: its id answers a resent batch as a
    # duplicate, and its entries stay in the live tail, for this long.
    dedupe_window: Duration = Field("24h", alias="dedupeWindow")


IpMode = Literal["hash", "mask", "keep"]


class ScrubbingConfig(_Model):
    """PII scrubbing applied to every entry before it is stored."""

    enabled: bool = True
    deny_keys: list[str] = Field(default_factory=list, alias="denyKeys")  # added to the built-in list
    allow_keys: list[str] = Field(default_factory=list, alias="allowKeys")  # removed from the deny-list
    ip_addresses: IpMode = Field("hash", alias="ipAddresses")
    emails: bool = True
    payment_cards: bool = Field(True, alias="paymentCards")
    bearer_tokens: bool = Field(True, alias="bearerTokens")
    jwts: bool = True
    api_keys: bool = Field(True, alias="apiKeys")
    webhook_urls: bool = Field(True, alias="webhookUrls")
    incident_keys: bool = Field(True, alias="incidentKeys")
    custom_patterns: list[str] = Field(default_factory=list, alias="customPatterns")

    @field_validator("custom_patterns")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from None
        return value


class IngestConfig(_Model):
    max_body_bytes: int = Field(5_000_000, ge=1_000, le=50_000_000, alias="maxBodyBytes")
    max_entries: int = Field(10_000, ge=1, le=100_000, alias="maxEntries")


class LoggingConfig(_Model):
    level: LogLevel = "info"
    retention: Duration = "30d"
    retention_overrides: dict[str, Duration] = Field(default_factory=dict, alias="retentionOverrides")
    structured: bool = True
    sampling: dict[LogLevel, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(default_factory=_default_sampling)
    buffer: LogBufferConfig = Field(default_factory=LogBufferConfig)
    scrubbing: ScrubbingConfig = Field(default_factory=ScrubbingConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)

    @property
    def retention_ms(self) -> int:
        return parse_duration_ms(self.retention)


class SlackChannel(_Model):
    enabled: bool = True
    webhook: Annotated[str, AfterValidator(_secret_or_url)] = "env:SLACK_WEBHOOK_URL"


class PagerDutyChannel(_Model):
    enabled: bool = True
    integration_key: str = Field("env:PAGERDUTY_INTEGRATION_KEY", alias="integrationKey")

    @field_validator("integration_key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _SECRET_REF.match(value):
            raise ValueError("must be a secret reference such as 'env:PAGERDUTY_INTEGRATION_KEY', never the key itself")
        return value


class EmailChannel(_Model):
    enabled: bool = True
    recipients: list[str] = Field(default_factory=list)

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _EMAIL.match(item):
                raise ValueError(f"{item!r} is not an email address")
        return value


class AlertChannels(_Model):
    slack: SlackChannel | None = None
    pagerduty: PagerDutyChannel | None = None
    email: EmailChannel | None = None


class RuleAnnotations(_Model):
    """Texts of a rule's alerts; ``{{ $labels.service }}`` and ``{{ $value }}`` are filled in."""

    summary: str | None = Field(None, max_length=1_000)
    description: str | None = Field(None, max_length=4_000)
    runbook_url: str | None = Field(None, max_length=1_000)


class AlertRule(_Model):
    """One rule; its condition's grammar is checked by the alerting concern (a cross-check)."""

    name: str = Field(min_length=1)
    condition: str = Field(min_length=1, max_length=1_000)
    severity: Severity
    channels: list[ChannelName] = Field(min_length=1)
    for_duration: Duration | None = Field(None, alias="for")
    keep_firing_for: Duration | None = Field(None, alias="keepFiringFor")
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: RuleAnnotations = Field(default_factory=RuleAnnotations)

    @property
    def for_ms(self) -> int:
        return 0 if self.for_duration is None else parse_duration_ms(self.for_duration)

    @property
    def keep_firing_for_ms(self) -> int:
        return 0 if self.keep_firing_for is None else parse_duration_ms(self.keep_firing_for)


class AlertSources(_Model):
    """Which event sources raise alerts without rules (labelled ``origin``), and where the stack's own
    faults go (``stackReceiver``; by default they follow the route tree like any alert)."""

    uptime: bool = True
    security: bool = True
    stack: bool = True
    stack_receiver: str | None = Field(None, alias="stackReceiver", max_length=200)


class AlertingConfig(_Model):
    channels: AlertChannels = Field(default_factory=AlertChannels)
    rules: list[AlertRule] = Field(default_factory=list)
    signals: dict[str, str] = Field(
        default_factory=dict, description="named signals added or overridden: name -> value expression"
    )
    # Alertmanager's blocks in camelCase JSON, checked by the alerting concern (validate_alerting).
    route: dict[str, Any] | None = Field(None, description="the routing tree (Alertmanager's route:)")
    receivers: list[dict[str, Any]] = Field(default_factory=list, description="receivers beside the channels")
    inhibit_rules: list[dict[str, Any]] | None = Field(None, alias="inhibitRules")
    resolve_timeout: Duration = Field("5m", alias="resolveTimeout")
    external_url: str = Field("", alias="externalUrl", max_length=1_000)
    sources: AlertSources = Field(default_factory=AlertSources)

    @property
    def resolve_timeout_ms(self) -> int:
        return parse_duration_ms(self.resolve_timeout)

    @model_validator(mode="after")
    def _rule_channels_exist(self) -> AlertingConfig:
        for index, rule in enumerate(self.rules):
            for channel in rule.channels:
                if getattr(self.channels, channel) is None:
                    raise ValueError(f"rules.{index} ({rule.name!r}) uses channel {channel!r}, which is not configured")
        names = [rule.name for rule in self.rules]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"rule names must be unique; repeated: {', '.join(duplicates)}")
        return self

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> AlertingConfig:
        """The rules' grammar belongs to the alerting concern: edgewatch.stack hands it in."""
        check = _cross_check(info, "alerting")
        if check is not None:
            check(self)  # raises ValueError naming the rule, the field and the column
        return self


class TraceBufferConfig(_Model):
    """The TraceStore shards: how many, and when a shard archives its decided traces to R2."""

    shards: int = Field(4, ge=1, le=64)
    max_spans: int = Field(5_000, ge=1, le=100_000, alias="maxSpans")
    max_bytes: int = Field(2_000_000, ge=1_000, le=20_000_000, alias="maxBytes")
    max_age: Duration = Field("5m", alias="maxAge")


class TraceSamplingConfig(_Model):
    """The tail decision made per trace once its root span ended (or the wait ran out)."""

    keep_errors: bool = Field(True, alias="keepErrors")
    slow_root_ms: int = Field(2_000, ge=0, alias="slowRootMs", description="roots at least this slow are kept")
    share: float = Field(0.1, ge=0.0, le=1.0, description="share of the other traces kept, by trace id")
    decision_wait: Duration = Field("30s", alias="decisionWait")
    max_wait: Duration = Field("5m", alias="maxWait")

    @property
    def decision_wait_ms(self) -> int:
        return parse_duration_ms(self.decision_wait)

    @property
    def max_wait_ms(self) -> int:
        return parse_duration_ms(self.max_wait)


class ApmConfig(_Model):
    retention: Duration = "7d"
    apdex_threshold_ms: int = Field(500, ge=1, alias="apdexThresholdMs")
    buffer: TraceBufferConfig = Field(default_factory=TraceBufferConfig)
    sampling: TraceSamplingConfig = Field(default_factory=TraceSamplingConfig)
    max_spans: int = Field(10_000, ge=1, le=100_000, alias="maxSpans", description="spans per request")
    max_body_bytes: int = Field(5_000_000, ge=1_000, le=50_000_000, alias="maxBodyBytes")

    @property
    def retention_ms(self) -> int:
        return parse_duration_ms(self.retention)


class AccessRoles(_Model):
    """Who gets which role when signed in through Cloudflare Access (e-mail, *@domain, group:name)."""

    viewer: list[str] = Field(default_factory=list)
    operator: list[str] = Field(default_factory=list)
    admin: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> AccessRoles:
        """The rules' grammar belongs to the access core: edgewatch.stack hands it in."""
        check = _cross_check(info, "accessRoles")
        if check is not None:
            check(self)  # raises ValueError naming the rule
        return self


class AccessConfig(_Model):
    """Cloudflare Access in front of the dashboard and the APIs; unset: API tokens only."""

    team_domain: str | None = Field(None, alias="teamDomain", description="https://<team>.cloudflareaccess.com")
    audience: str | None = Field(None, description="the Access application's audience (AUD) tag")
    certs_url: str | None = Field(None, alias="certsUrl", description="default: <teamDomain>/cdn-cgi/access/certs")
    roles: AccessRoles = Field(default_factory=AccessRoles)
    audit_retention: Duration = Field("365d", alias="auditRetention", description="how long audit archives are kept")
    dashboard_origins: list[str] = Field(default_factory=list, alias="dashboardOrigins")

    @field_validator("dashboard_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        out = []
        for origin in value:
            text = origin.strip().rstrip("/").lower()
            scheme, sep, rest = text.partition("://")
            if scheme not in ("http", "https") or not sep or not rest or "/" in rest:
                raise ValueError(f"{origin[:80]!r} must be an origin such as https://dash.example.com (no path)")
            out.append(text)
        return out

    @property
    def audit_retention_ms(self) -> int:
        return parse_duration_ms(self.audit_retention)

    @field_validator("team_domain", "certs_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _complete(self) -> AccessConfig:
        if (self.team_domain is None) != (self.audience is None):
            raise ValueError("teamDomain and audience are set together (or neither)")
        return self

    @property
    def enabled(self) -> bool:
        return self.team_domain is not None and self.audience is not None

    @property
    def jwks_url(self) -> str | None:
        if self.certs_url:
            return self.certs_url
        return None if self.team_domain is None else self.team_domain.rstrip("/") + "/cdn-cgi/access/certs"


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
SlaPercent = Annotated[float, Field(gt=0, le=100)]


class WeeklyReport(_Model):
    """The report of the last 7 days, delivered on the daily cron of ``weekday`` (UTC)."""

    enabled: bool = False
    receivers: list[str] = Field(default_factory=list, description="names of alerting receivers (slack or email)")
    weekday: Weekday = "monday"

    @model_validator(mode="after")
    def _receivers_when_enabled(self) -> WeeklyReport:
        if self.enabled and not self.receivers:
            raise FieldProblem("receivers", "an enabled weekly report needs at least one receiver")
        repeated = sorted({name for name in self.receivers if self.receivers.count(name) > 1})
        if repeated:
            raise FieldProblem("receivers", f"each receiver once; repeated: {', '.join(repeated)}")
        return self


class ReportsConfig(_Model):
    weekly: WeeklyReport = Field(default_factory=WeeklyReport)
    sla_target: SlaPercent = Field(99.9, alias="slaTarget", description="uptime % every check should reach")
    sla_targets: dict[str, SlaPercent] = Field(default_factory=dict, alias="slaTargets", description="per check id")

    def target_for(self, check_id: str) -> float:
        return self.sla_targets.get(check_id, self.sla_target)


class MonitoringConfig(_Model):
    health_checks: HealthChecksConfig = Field(default_factory=HealthChecksConfig, alias="healthChecks")
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    alerting: AlertingConfig = Field(default_factory=AlertingConfig)
    apm: ApmConfig = Field(default_factory=ApmConfig)
    access: AccessConfig = Field(default_factory=AccessConfig)
    reports: ReportsConfig = Field(default_factory=ReportsConfig)

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> MonitoringConfig:
        """The weekly report's receivers must be alerting's: edgewatch.stack hands the check in."""
        check = _cross_check(info, "reports")
        if check is not None:
            check(self)  # raises ValueError (a FieldProblem) naming the field
        return self


class RateLimit(_Model):
    requests: int = Field(gt=0)
    window_ms: int = Field(gt=0, alias="windowMs")


class SecurityRule(_Model):
    id: str = Field(min_length=1)
    endpoint: str
    limits: list[RateLimit] = Field(min_length=1)

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must be a path pattern starting with '/', e.g. '/api/auth/*'")
        if "*" in value[:-1]:
            raise ValueError("'*' is only allowed as the last character, e.g. '/api/*'")
        return value


class Threshold(_Model):
    good: float = Field(ge=0)
    poor: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Threshold:
        if self.good >= self.poor:
            raise ValueError(f"'good' ({self.good}) must be below 'poor' ({self.poor})")
        return self


VitalName = Literal["cls", "fid", "lcp", "fcp", "ttfb", "inp"]
WebVitalsThresholds = dict[VitalName, Threshold]

_SECURITY = TypeAdapter(list[SecurityRule])
_VITALS = TypeAdapter(WebVitalsThresholds)


class StackConfig(_Model):
    monitoring: MonitoringConfig
    security_rules: list[SecurityRule]
    web_vitals: WebVitalsThresholds

    @field_validator("security_rules")
    @classmethod
    def _unique_ids(cls, value: list[SecurityRule]) -> list[SecurityRule]:
        ids = [rule.id for rule in value]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(repeated)}")
        return value


def _problems(exc: ValidationError, prefix: str) -> list[str]:
    lines = []
    for error in exc.errors():
        loc: tuple[object, ...] = error["loc"]
        message = error["msg"].removeprefix("Value error, ")
        found = (error.get("ctx") or {}).get("error")
        if isinstance(found, FieldProblem):
            loc, message = (*loc, *found.path.split(".")), found.message
        path = ".".join(str(part) for part in (prefix, *loc) if part != "")
        lines.append(f"{path}: {message}")
    return lines


def _parse_json(text: str | bytes, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(source, [f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]) from None


def load_monitoring(
    data: Any, source: str = "monitoring-config.json", cross_checks: CrossChecks | None = None
) -> MonitoringConfig:
    """The schema's checks; ``cross_checks`` adds the concerns' own (see edgewatch.stack)."""
    try:
        return MonitoringConfig.model_validate(data, context={"cross_checks": cross_checks or {}})
    except ValidationError as exc:
        raise ConfigError(source, _problems(exc, "monitoring")) from None


def load_security_rules(data: Any, source: str = "security-rules.json") -> list[SecurityRule]:
    try:
        rules = _SECURITY.validate_python(data)
        return StackConfig._unique_ids(rules)
    except ValidationError as exc:
        raise ConfigError(source, _problems(exc, "security_rules")) from None
    except ValueError as exc:
        raise ConfigError(source, [f"security_rules: {exc}"]) from None


def load_web_vitals(data: Any, source: str = "web-vitals.json") -> WebVitalsThresholds:
    try:
        return _VITALS.validate_python(data)
    except ValidationError as exc:
        raise ConfigError(source, _problems(exc, "web_vitals")) from None


def load_stack_config(
    monitoring: str | bytes | None = None,
    security_rules: str | bytes | None = None,
    web_vitals: str | bytes | None = None,
    cross_checks: CrossChecks | None = None,
) -> StackConfig:
    """Load the three JSON documents; any left as None comes from the shipped defaults. Only the
    schemas are checked here; edgewatch.stack.load_stack_config adds the concerns' cross-checks."""

    def text(given: str | bytes | None, name: str) -> tuple[str | bytes, str]:
        if given is not None:
            return given, name
        return (DEFAULTS_DIR / name).read_text(encoding="utf-8"), f"defaults/{name}"

    mon_text, mon_src = text(monitoring, "monitoring-config.json")
    sec_text, sec_src = text(security_rules, "security-rules.json")
    vit_text, vit_src = text(web_vitals, "web-vitals.json")
    return StackConfig(
        monitoring=load_monitoring(_parse_json(mon_text, mon_src), mon_src, cross_checks),
        security_rules=load_security_rules(_parse_json(sec_text, sec_src), sec_src),
        web_vitals=load_web_vitals(_parse_json(vit_text, vit_src), vit_src),
    )


AnyConfig = Union[MonitoringConfig, list[SecurityRule], WebVitalsThresholds]
