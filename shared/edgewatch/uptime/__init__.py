"""Uptime monitoring: HTTP checks and heartbeats, judged each minute into UP/DEGRADED/DOWN with
retries, incidents, maintenance windows excluded from the SLA, 90 days of hourly history and the
public status page. The CheckRunner Durable Object stores; everything that decides lives here.

The interface adapters and other packages use is what this module exports.
"""

from __future__ import annotations

from .config_check import validate_health_checks
from .describe import describe_monitor, health_summary
from .heartbeats import HeartbeatSpec, heartbeat_from_json, judge_heartbeat
from .history import DAY_MS, HOUR_MS, HourBucket, UptimeReport, bucket_samples, hour_of, latency_series, uptime_report
from .maintenance import RecurringWindow, ScheduledMaintenance, in_maintenance, maintenance_from_json
from .messages import (
    AlertFeed,
    ChangeView,
    ConfigMonitors,
    DueChecks,
    IncidentView,
    MonitorDetail,
    MonitorKind,
    MonitorPut,
    MonitorRef,
    MonitorView,
    PeriodUptime,
    PingOutcome,
    ProbeOutcome,
    RecentProbe,
    RunResults,
    Source,
    StateChange,
    WriteOutcome,
)
from .probe import ProbeReason, ProbeResult, judge
from .queries import SeriesRange, incidents_range, series_range
from .record import LastResult, MonitorRecord, RunOutcome, apply
from .scheduling import Candidate, select_due
from .spec import CheckSpec, check_spec_from_json, config_checks
from .states import State, TransitionReason
from .statuspage import Component, OpenIncident, status_page
from .sync import SyncPlan, config_digest, config_monitors, plan_sync
from .writes import (
    Existing,
    delete_maintenance_outcome,
    delete_monitor_outcome,
    outcome_status,
    put_maintenance_outcome,
    put_monitor_outcome,
    with_path_id,
)

__all__ = [
    "DAY_MS",
    "HOUR_MS",
    "AlertFeed",
    "Candidate",
    "ChangeView",
    "CheckSpec",
    "Component",
    "ConfigMonitors",
    "DueChecks",
    "Existing",
    "HeartbeatSpec",
    "HourBucket",
    "IncidentView",
    "LastResult",
    "MonitorDetail",
    "MonitorKind",
    "MonitorPut",
    "MonitorRecord",
    "MonitorRef",
    "MonitorView",
    "OpenIncident",
    "PeriodUptime",
    "PingOutcome",
    "ProbeOutcome",
    "ProbeReason",
    "ProbeResult",
    "RecentProbe",
    "RecurringWindow",
    "RunOutcome",
    "RunResults",
    "ScheduledMaintenance",
    "SeriesRange",
    "Source",
    "State",
    "StateChange",
    "SyncPlan",
    "TransitionReason",
    "UptimeReport",
    "WriteOutcome",
    "apply",
    "bucket_samples",
    "check_spec_from_json",
    "config_checks",
    "config_digest",
    "config_monitors",
    "delete_maintenance_outcome",
    "delete_monitor_outcome",
    "describe_monitor",
    "health_summary",
    "heartbeat_from_json",
    "hour_of",
    "in_maintenance",
    "incidents_range",
    "judge",
    "judge_heartbeat",
    "latency_series",
    "maintenance_from_json",
    "outcome_status",
    "plan_sync",
    "put_maintenance_outcome",
    "put_monitor_outcome",
    "select_due",
    "series_range",
    "status_page",
    "uptime_report",
    "validate_health_checks",
    "with_path_id",
]
