"""Reports over a period: uptime and SLA per check with incidents, alerts fired and notifications
per receiver, top error issues and regressions, the slowest endpoints, Web Vitals p75 per route
against the thresholds, security events, logs, retention state (and no cost yet: there is no cost
meter); each section fetched from its concern and failing on its own. Also the period's parsing,
the weekly delivery's slot (one per ISO week), and the Slack and email renderings.

Adapters and other packages use the names exported here.
"""

from __future__ import annotations

from .config_check import validate_reports
from .digest import DigestBlock, digest
from .period import ReportPeriod, WeeklyDecision, WeeklySlot, parse_report_period, weekly_decision, weekly_slot
from .render import render
from .report import COST_REASON, SECTIONS, SectionResult, assemble, section_of
from .sections import (
    endpoints_section,
    logs_section,
    retention_entry,
    retention_policies,
    retention_section,
    security_section,
    uptime_section,
    vitals_section,
)
from .sla import Sla, SlaStatus, downtime_ms, sla

__all__ = [
    "COST_REASON",
    "SECTIONS",
    "DigestBlock",
    "ReportPeriod",
    "SectionResult",
    "Sla",
    "SlaStatus",
    "WeeklyDecision",
    "WeeklySlot",
    "assemble",
    "digest",
    "downtime_ms",
    "endpoints_section",
    "logs_section",
    "parse_report_period",
    "render",
    "retention_entry",
    "retention_policies",
    "retention_section",
    "section_of",
    "security_section",
    "sla",
    "uptime_section",
    "validate_reports",
    "vitals_section",
    "weekly_decision",
    "weekly_slot",
]
