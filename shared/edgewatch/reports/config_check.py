"""The configuration's check of ``monitoring.reports``: the weekly report's receivers are alerting
receivers that take reports (slack or email)."""

from __future__ import annotations

from ..alerts import check_report_receivers
from ..config import MonitoringConfig


def validate_reports(monitoring: MonitoringConfig) -> None:
    """Raises a FieldProblem naming ``reports.weekly.receivers.<i>``."""
    check_report_receivers(monitoring.alerting, monitoring.reports.weekly.receivers)
