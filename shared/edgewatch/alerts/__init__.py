"""Alerting: rules evaluated into alerts, Alertmanager-grade routing, grouping, silences,
inhibition and acknowledgement, and notifications delivered through a durable outbox.

The interface other packages and the adapters use is what this module exports.
"""

from __future__ import annotations

from .model import Alert, LabelSet, Notification, NotifyReason, Severity, fingerprint
from .ruleconfig import validate_alerting

__all__ = ["Alert", "LabelSet", "Notification", "NotifyReason", "Severity", "fingerprint", "validate_alerting"]
