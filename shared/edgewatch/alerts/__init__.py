"""Alerting: rules evaluated into alerts, Alertmanager-grade routing, grouping, silences,
inhibition and acknowledgement, and notifications delivered through a durable outbox.

The interface other packages and the adapters use is what this module exports; the alerts
Worker's own adapters also import the modules directly. pitchey-monitoring answers the rules'
metric queries with ``MetricQuery``, ``window_values`` and ``SeriesValue``; reports
(``edgewatch.reports``) render a ``ReportMessage`` (with ``Mrkdwn`` for Slack's text) that
pitchey-alerts delivers with ``SendReport``.
"""

from __future__ import annotations

from .messages import MetricQuery
from .model import Alert, LabelSet, Notification, NotifyReason, ReportMessage, Severity, fingerprint
from .reports import ReportEnqueued, ReportRefusal, SendReport, check_report_receivers
from .series import SeriesValue, window_values
from .setup import validate_alerting
from .slack import Mrkdwn, truncate_plain

__all__ = [
    "Alert",
    "LabelSet",
    "MetricQuery",
    "Mrkdwn",
    "Notification",
    "NotifyReason",
    "ReportEnqueued",
    "ReportMessage",
    "ReportRefusal",
    "SendReport",
    "SeriesValue",
    "Severity",
    "check_report_receivers",
    "fingerprint",
    "truncate_plain",
    "validate_alerting",
    "window_values",
]
