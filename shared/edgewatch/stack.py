"""The stack's configuration with every concern's own checks: the composition root of the core.

``edgewatch.config`` holds only schemas and imports no concern; the rules that need a concern (an
uptime check's URL, a heartbeat's period) live in that concern and are handed in here.
"""

from __future__ import annotations

from typing import Any

from . import config
from .access import check_rule
from .alerts import validate_alerting
from .config import CrossChecks, MonitoringConfig, StackConfig
from .reports import validate_reports
from .uptime import validate_health_checks


def _access_roles(roles: Any) -> None:
    for role in ("viewer", "operator", "admin"):
        for i, rule in enumerate(getattr(roles, role)):
            try:
                check_rule(rule)
            except ValueError as exc:
                raise ValueError(f"{role}.{i}: {exc}") from None


CROSS_CHECKS: CrossChecks = {
    "healthChecks": validate_health_checks,
    "alerting": validate_alerting,
    "accessRoles": _access_roles,
    "reports": validate_reports,
}


def load_monitoring(data: Any, source: str = "monitoring-config.json") -> MonitoringConfig:
    return config.load_monitoring(data, source, CROSS_CHECKS)


def load_stack_config(
    monitoring: str | bytes | None = None,
    security_rules: str | bytes | None = None,
    web_vitals: str | bytes | None = None,
) -> StackConfig:
    """The three JSON documents (shipped defaults for any left as None), fully checked."""
    return config.load_stack_config(monitoring, security_rules, web_vitals, CROSS_CHECKS)


def default_config() -> StackConfig:
    return load_stack_config()
