"""The alert a regressed issue raises through pitchey-alerts (``IssueRegressed``, severity warning)."""

from __future__ import annotations

from ..alerts import Alert, Severity
from .issues import Issue

ALERTNAME = "IssueRegressed"


def regression_alert(issue: Issue, reason: str, now_ms: int, external_url: str = "") -> Alert:
    """Labels identify the issue (so repeated regressions are one alert); annotations say why."""
    labels = {
        "alertname": ALERTNAME,
        "origin": "apm",
        "project": issue.project,
        "issue": issue.id,
        "severity": Severity.WARNING.value,
    }
    annotations = {
        "summary": f"Issue {issue.id} regressed: {issue.title}"[:300],
        "description": reason[:500],
        "culprit": issue.culprit[:200],
    }
    return Alert(
        labels=tuple(sorted(labels.items())),
        annotations=tuple(sorted(annotations.items())),
        starts_at_ms=issue.regressed_ms or now_ms,
        generator_url=f"{external_url.rstrip('/')}/apm/issues/{issue.id}" if external_url else "",
        updated_at_ms=now_ms,
    )
